// Submit (提交): into the agent's outbox. Submitted → the case number; queued → the network is down
// and the application will be delivered automatically, said plainly, with a slip to print.
import { h, button, screen } from "../dom.js";
import { t, text } from "../i18n.js";
import { post, errorText } from "../api.js";
import { state } from "../state.js";
import { go } from "../router.js";
import { visibleSteps, within } from "../schema.js";

function materialRefs() {
  return Object.values(state.materials).flat().map((page) => page.id);
}

async function submit() {
  const item = state.item;
  return post("/submit", { app_id: item.app_id, data: state.data, materials: materialRefs(), payment_id: state.paymentId || undefined });
}

/** Field errors from the agent: back to the first step that has one. */
function fieldErrors(error) {
  const errors = error.body?.error?.errors || error.body?.errors || [];
  const steps = state.item.form ? visibleSteps(state.item.form, state.data) : [];
  state.formErrors = new Map(errors.map((e) => [e.path, text(e.message)]));
  const step = Math.max(0, steps.findIndex((s) => errors.some((e) => within(s.fields, e.path))));
  return screen(t("submit.invalidTitle"), errorText(error),
    h("ul", {}, errors.map((e) => h("li", {}, text(e.message)))),
    h("div", { class: "actions" }, button(t("submit.fix"), () => go("form", { step }), { kind: "primary wide" })));
}

function nextActions(printLabel) {
  return h("div", { class: "actions" },
    // a press is a new print request (another copy, or again after paper was refilled)
    button(printLabel, () => { state.prints = {}; go("receipt"); }, { kind: "primary wide", id: "print" }),
    button(t("submit.evaluate"), () => go("evaluation"), { kind: "wide" }));
}

export async function render() {
  if (!state.result) {
    try {
      state.result = await submit();
    } catch (error) {
      if (error.status === 422) return fieldErrors(error);
      return screen(t("submit.failedTitle"), errorText(error),
        h("div", { class: "actions" }, button(t("submit.retry"), () => go("submit", {}, { replace: true }), { kind: "primary wide" })));
    }
  }
  const result = state.result;
  if (result.state === "queued") {
    return screen(t("submit.queuedTitle"), t("submit.queuedBody"),
      h("p", { class: "notice" }, result.message ? text(result.message) : t("submit.queuedAuto")),
      h("dl", { class: "facts" }, h("dt", {}, t("submit.entry")), h("dd", { class: "case-number" }, result.entry_id)),
      nextActions(t("submit.printSlip")));
  }
  const printLabel = state.item.kind === "print" ? t("submit.printDocument") : t("submit.printReceipt");
  return screen(t("submit.doneTitle"), t("submit.doneLead"),
    h("dl", { class: "facts" },
      h("dt", {}, t("submit.caseNumber")), h("dd", { class: "case-number", id: "case-number" }, result.case_number),
      result.promised_date ? [h("dt", {}, t("submit.promised")), h("dd", {}, result.promised_date)] : null),
    nextActions(printLabel));
}

export const speech = () => t(state.result?.state === "queued" ? "voice.queued" : "voice.submit");
