// Item guide (办事指南): conditions, materials, time limits and fees, and the way to start.
import { h, button, screen } from "../dom.js";
import { t, text } from "../i18n.js";
import { errorText } from "../api.js";
import { loadGuide } from "../catalog.js";
import { startApplication, hasFees } from "../flow.js";

const limit = (value) => (typeof value === "number" ? t("guide.days", { n: value }) : text(value) || t("guide.none"));

function section(title, ...content) {
  return h("section", { class: "card" }, h("h2", {}, title), content);
}

export async function render({ id }) {
  let item;
  try {
    item = await loadGuide(id);
  } catch (error) {
    return screen(t("guide.title"), null, h("p", { class: "error", role: "alert" }, errorText(error)));
  }
  const materials = item.materials || [];
  const canApply = Boolean(item.app_id) && item.available !== false;
  return screen(text(item.name), text(item.department),
    section(t("guide.conditions"), h("ul", {}, (item.conditions || []).map((c) => h("li", {}, text(c))))),
    section(t("guide.materials"), materials.length
      ? h("ul", {}, materials.map((m) => h("li", {}, text(m.name), " ",
          h("span", { class: "badge" }, m.required === false ? t("guide.optional") : t("guide.required")),
          m.elicence ? h("span", { class: "badge ok" }, t("guide.elicence")) : null)))
      : h("p", {}, t("guide.noMaterials"))),
    section(t("guide.limits"), h("dl", { class: "facts" },
      h("dt", {}, t("guide.legalLimit")), h("dd", {}, limit(item.legal_limit)),
      h("dt", {}, t("guide.promisedLimit")), h("dd", {}, limit(item.promised_limit)))),
    section(t("guide.fees"), hasFees(item)
      ? h("ul", {}, item.fees.map((fee) => h("li", {}, typeof fee === "object" && !fee.zh
          ? `${text(fee.name)} ${t("guide.amount", { n: fee.amount ?? fee.amount_yuan ?? "" })}` : text(fee))))
      : h("p", {}, t("guide.free"))),
    h("div", { class: "actions" }, canApply
      ? button(t("guide.start"), () => startApplication(item), { kind: "primary wide", id: "start" })
      : h("p", { class: "notice" }, t(item.app_id ? "home.unavailable" : "guide.counterOnly"))));
}
