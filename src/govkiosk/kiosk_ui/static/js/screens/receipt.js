// Receipt (回执打印): prints with the printer's status shown; when the printer cannot print, the case
// number stays on screen with a QR code and an SMS to carry it away. For a print item (证明打印) it prints
// the certificate the department issues, saying so while the agent waits for it (up to ~20 s). The screen
// comes at once with its busy state; the printer's status and the outcome fill it in when the agent answers.
import { h, button, screen, qrFigure, busy } from "../dom.js";
import { has, t, text } from "../i18n.js";
import { get, post, errorText } from "../api.js";
import { deviceService } from "../kiosk.js";
import { state } from "../state.js";
import { go } from "../router.js";
import { attachKeyboard } from "../keyboard.js";

async function printerLine() {
  const printer = deviceService("Printer");
  const agentView = (await get("/status").catch(() => ({}))).printer || {};
  let ok = agentView.ok ?? true;
  let paper = agentView.paper;
  if (printer) {
    const status = await Promise.race([printer.status(), new Promise((r) => setTimeout(() => r(null), 800))]).catch(() => null);
    if (status) {
      ok = status.device === "online";
      paper = status.supplies?.find((s) => s.name === "paper")?.level ?? paper;
    }
  }
  const label = t(paper === "out" ? "receipt.paperOut" : !ok ? "receipt.printerFault" : paper === "low" ? "receipt.paperLow" : "receipt.printerOk");
  return h("p", { class: `printer ${ok && paper !== "out" ? "ok" : "fault"}`, id: "printer-status" }, t("receipt.printer", { status: label }));
}

function smsForm(caseNumber) {
  const phone = h("input", { id: "sms-phone", class: "input", type: "text", maxlength: 11 });
  const result = h("p", { "aria-live": "polite" });
  attachKeyboard(phone, "phone");
  const send = async (event) => {
    event.preventDefault();
    try {
      const answer = await post("/receipt/sms", { case_number: caseNumber, phone: phone.value });
      result.textContent = t(answer.simulated ? "receipt.smsSentSimulated" : "receipt.smsSent");
    } catch (error) {
      result.textContent = errorText(error);
    }
  };
  return h("form", { class: "sms", onsubmit: send },
    h("label", { for: "sms-phone" }, t("receipt.smsLabel")), phone,
    h("button", { type: "submit", class: "btn primary" }, t("receipt.smsSend")), result);
}

/** Nothing was printed: say so, keep the number on screen, offer QR and SMS. */
function trouble(answer, caseNumber) {
  const reason = `receipt.reason.${answer.reason}`;
  const fallback = answer.fallback || {};
  const pending = String(answer.reason || "").startsWith("document_"); // the certificate did not come
  return h("div", { class: "trouble", role: "alert" },
    h("h2", {}, t(pending ? "receipt.documentPendingTitle" : "receipt.failedTitle")),
    h("p", {}, answer.message ? text(answer.message) : t(has(reason) ? reason : "receipt.reason.other")),
    h("p", {}, t("receipt.keepNumber")),
    h("p", { class: "case-number", id: "fallback-number" }, fallback.case_number || caseNumber),
    fallback.qr_svg ? qrFigure(fallback.qr_svg, t("receipt.qr")) : null,
    fallback.sms !== false && caseNumber ? smsForm(fallback.case_number || caseNumber) : null);
}

/** The agent's answer to one print request: asked once per press of the print button (submit.js clears
 * `state.prints`), so showing the screen again — a language or elder-mode switch re-renders it — shows the
 * same outcome instead of printing a second copy. */
function printOnce(path, body) {
  state.prints ??= {};
  const key = `${path} ${body.case_number || body.entry_id}`;
  state.prints[key] ??= post(path, body);
  return state.prints[key];
}

/** A print item's certificate: the waiting state at once, the outcome when the agent answers. */
function certificate(caseNumber, view) {
  const box = h("div", { id: "print-outcome" },
    h("p", { class: "waiting", role: "status" }, t("receipt.waitingDocument")));
  printOnce("/document/print", { case_number: caseNumber })
    .then((answer) => answer.printed
      ? h("p", { class: "ok", role: "status" }, t("receipt.documentPrinted"))
      : trouble(answer, caseNumber))
    .catch((error) => trouble({ reason: error.code }, caseNumber))
    .then((outcome) => { if (view.isCurrent()) box.replaceChildren(outcome); });
  return box;
}

function actions() {
  return h("div", { class: "actions" },
    button(t("receipt.evaluate"), () => go("evaluation"), { kind: "primary wide", id: "to-evaluation" }),
    button(t("receipt.finish"), () => go("end"), { kind: "wide" }));
}

export async function render(params, view) {
  const result = state.result || {};
  const body = result.case_number ? { case_number: result.case_number } : { entry_id: result.entry_id };
  const status = h("div", { class: "printer-line" });
  const fill = (box, content) => content.then((node) => { if (view.isCurrent()) box.replaceChildren(node); });
  if (state.item?.kind === "print" && result.case_number) {
    fill(status, printerLine());
    return screen(t("receipt.documentTitle"), null, status, certificate(result.case_number, view), actions());
  }
  const outcome = h("div", { id: "print-outcome" }, busy(t("receipt.printing")));
  const printed = printOnce("/receipt/print", body)
    .then((answer) => answer.printed
      ? h("p", { class: "ok", role: "status" }, t("receipt.printed"))
      : trouble(answer, result.case_number || result.entry_id))
    .catch((error) => trouble({ reason: error.code }, result.case_number || result.entry_id));
  const line = printerLine();
  fill(status, line);
  fill(outcome, line.then(() => printed)); // the outcome after the printer's status, as it reads
  return screen(t("receipt.title"), null, status, outcome, actions());
}
