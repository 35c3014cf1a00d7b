// Material slots (申请材料) inside the form wizard: scan with the document camera, attach an
// e-licence, or upload from a phone through a QR code (polled until the pages arrive).
import { h, button, qrFigure, busy } from "../dom.js";
import { t } from "../i18n.js";
import { get, post, errorText } from "../api.js";
import { setAt } from "../format.js";
import { state, objectUrl } from "../state.js";

const POLL_MS = 2000;

function itemMaterial(name) {
  return state.item?.materials?.find((m) => m.name === name) || { name, slot: name, elicence: null };
}

/** The pages collected for one material field, with the ways to add more. */
export function materialSlot(spec) {
  const { form, dataPath, node, widget } = spec;
  const material = itemMaterial(widget?.material || spec.label);
  const slot = encodeURIComponent(material.slot || material.name);
  const pages = (state.materials[dataPath] ??= []);
  const list = h("ul", { class: "pages" });
  const message = h("div", { class: "slot-message", "aria-live": "polite" });

  function save() {
    const ids = pages.map((p) => p.id);
    setAt(form.data, dataPath, node.type === "string" ? ids[0] : ids);
    list.replaceChildren(...pages.map((page, i) => h("li", { class: "page" },
      page.url ? h("img", { src: page.url, alt: t("materials.pageAlt", { n: i + 1 }) }) : h("span", { class: "licence" }, page.label),
      button(t("materials.remove", { n: i + 1 }), () => (pages.splice(i, 1), save()), { kind: "ghost small" }))));
  }

  async function attach(kind) {
    message.replaceChildren(busy(t(`materials.${kind}Busy`)));
    try {
      const answer = await post(`/materials/${slot}/${kind}`, { app_id: form.appId });
      if (kind === "phone") return watchPhone(answer);
      const page = { id: answer.ref.id };
      if (answer.preview) page.url = objectUrl(await (await fetch(answer.preview)).blob());
      else page.label = `${answer.licence?.type ?? ""} ${answer.licence?.number_masked ?? ""}`;
      pages.push(page);
      message.replaceChildren(h("p", {}, t("materials.added")));
      save();
    } catch (error) {
      message.replaceChildren(h("p", { class: "field-error", role: "alert" }, errorText(error)));
    }
  }

  function watchPhone({ token, qr_svg }) {
    message.replaceChildren(h("div", { class: "phone-upload" },
      qrFigure(qr_svg, t("materials.phoneQr")), h("p", {}, t("materials.phoneHelp"))));
    const timer = setInterval(async () => {
      if (!message.isConnected) return clearInterval(timer);
      const answer = await get(`/materials/${slot}/phone/${token}`).catch(() => ({ state: "waiting" }));
      if (answer.state === "waiting") return;
      clearInterval(timer);
      if (answer.state === "received") {
        pages.push({ id: answer.ref.id, label: t("materials.fromPhone") });
        save();
      }
      message.replaceChildren(h("p", {}, t(`materials.${answer.state}`)));
    }, POLL_MS);
    form.view.onLeave(() => clearInterval(timer));
  }

  save();
  return h("div", { class: "slot" },
    material.required === false ? h("p", { class: "help" }, t("materials.optional")) : null,
    list,
    h("div", { class: "actions" },
      button(t("materials.scan"), () => attach("scan"), { kind: "primary" }),
      material.elicence ? button(t("materials.elicence"), () => attach("elicence")) : null,
      button(t("materials.phone"), () => attach("phone"))),
    message);
}

