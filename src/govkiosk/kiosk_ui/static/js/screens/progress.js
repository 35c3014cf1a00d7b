// Progress query (办件进度查询): scan the receipt's QR code (or type the case number), or read the ID card.
import { h, button, screen, busy } from "../dom.js";
import { t, text } from "../i18n.js";
import { post, errorText } from "../api.js";
import { deviceService } from "../kiosk.js";
import { attachKeyboard } from "../keyboard.js";

function results(cases) {
  if (!cases.length) return h("p", {}, t("progress.none"));
  return h("ul", { class: "cases" }, cases.map((c) => h("li", { class: "card" },
    h("h2", {}, text(c.item)),
    h("dl", { class: "facts" },
      h("dt", {}, t("submit.caseNumber")), h("dd", {}, c.case_number),
      h("dt", {}, t("progress.state")), h("dd", { class: "state" }, text(c.state_label) || c.state),
      c.promised_date ? [h("dt", {}, t("submit.promised")), h("dd", {}, c.promised_date)] : null))));
}

export async function render(params, view) {
  const output = h("div", { class: "progress-results", "aria-live": "polite" });
  async function query(body) {
    output.replaceChildren(busy(t("progress.searching")));
    try {
      const { cases } = await post("/progress", body);
      if (view.isCurrent()) output.replaceChildren(results(cases || []));
    } catch (error) {
      output.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  }
  async function scan() {
    const reader = deviceService("BarcodeReader");
    if (!reader) return output.replaceChildren(typed());
    output.replaceChildren(busy(t("progress.scanning")));
    try {
      const { data } = await reader.command("BarcodeReader.Read", {}, { timeout: 30000 });
      await query({ qr: data });
    } catch {
      output.replaceChildren(typed());
    }
  }
  function typed() {
    const field = h("input", { id: "case-input", class: "input", type: "text", maxlength: 40 });
    attachKeyboard(field, "text");
    const submit = (event) => (event.preventDefault(), field.value.trim() && query({ qr: field.value.trim() }));
    field.addEventListener("keyboard-done", submit);
    return h("form", { class: "search", onsubmit: submit },
      h("label", { for: "case-input" }, t("progress.typeNumber")), field,
      h("button", { type: "submit", class: "btn primary" }, t("progress.query")));
  }
  return screen(t("progress.title"), t("progress.lead"),
    h("div", { class: "actions" },
      button(t("progress.scan"), scan, { kind: "primary wide", id: "progress-qr" }),
      button(t("progress.idcard"), () => query({ idcard: true }), { kind: "wide", id: "progress-idcard" })),
    output);
}
