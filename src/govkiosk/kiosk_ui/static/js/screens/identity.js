// Identity (身份核验): the resident ID card and a face check, or the i深圳 app's QR code.
import { h, button, screen, busy } from "../dom.js";
import { has, t } from "../i18n.js";
import { post, errorText } from "../api.js";
import { kiosk } from "../kiosk.js";
import { state } from "../state.js";
import { afterIdentity } from "../flow.js";

const ANIMATION = `<svg viewBox="0 0 240 160" aria-hidden="true"><rect x="20" y="110" width="200" height="36" rx="8" class="reader"/>
<g class="card-anim"><rect x="70" y="10" width="100" height="64" rx="6" class="card"/><circle cx="95" cy="40" r="12" class="face"/>
<rect x="115" y="32" width="44" height="6" class="line"/><rect x="115" y="46" width="34" height="6" class="line"/></g></svg>`;

export async function render(params, view) {
  const status = h("div", { class: "identity-status", "aria-live": "polite" });
  const methods = h("div", { class: "methods" },
    h("section", { class: "card method" },
      h("h2", {}, t("identity.cardTitle")),
      h("div", { class: "animation", svg: ANIMATION }),
      h("ol", { class: "instructions" }, h("li", {}, t("identity.stepCard")), h("li", {}, t("identity.stepFace"))),
      button(t("identity.readCard"), () => verify("idcard"), { kind: "primary wide", id: "read-card" })),
    h("section", { class: "card method" },
      h("h2", {}, t("identity.qrTitle")),
      h("p", {}, t("identity.qrHelp")),
      button(t("identity.scanQr"), () => verify("qr"), { kind: "wide", id: "scan-qr" })));

  async function verify(method) {
    methods.querySelectorAll("button").forEach((b) => (b.disabled = true));
    status.replaceChildren(busy(t(method === "idcard" ? "identity.reading" : "identity.scanning")));
    try {
      // the form's prefill comes in the same answer (one wait for the citizen, not three)
      const appId = state.item?.form ? state.item.app_id : undefined;
      const answer = await post(`/identity/${method}`, { app_id: appId });
      if (!view.isCurrent()) return;
      state.person = answer.person;
      state.session = answer.session;
      if (answer.prefill) {
        state.data = answer.prefill.data || {};
        state.prefilled = true;
      }
      kiosk.startSession(answer.session?.seconds_left ?? Infinity);
      status.replaceChildren(h("p", { class: "ok" }, t("identity.done", { name: answer.person.name_masked })));
      await afterIdentity();
    } catch (error) {
      methods.querySelectorAll("button").forEach((b) => (b.disabled = false));
      status.replaceChildren(trouble(error));
    }
  }

  return screen(t("identity.title"), t("identity.lead"), methods, status);
}

/** A failed check said plainly, with the ways forward. */
function trouble(error) {
  const advice = `identity.advice.${error.code}`;
  return h("div", { class: "trouble", role: "alert" },
    h("p", { class: "error" }, errorText(error)),
    h("p", {}, has(advice) ? t(advice) : t("identity.advice.other")),
    h("p", {}, t("identity.counter")));
}
