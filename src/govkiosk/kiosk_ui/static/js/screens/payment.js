// Payment (缴费): a QR code to pay with a phone, polled until paid; the kiosk's payments are simulated.
import { h, button, screen, qrFigure, busy } from "../dom.js";
import { t } from "../i18n.js";
import { get, post, errorText } from "../api.js";
import { state } from "../state.js";
import { afterConfirm } from "../flow.js";
import { go } from "../router.js";

const POLL_MS = 1500;

export async function render(params, view) {
  let payment;
  try {
    payment = await post("/payments", { app_id: state.item.app_id });
  } catch (error) {
    return screen(t("payment.title"), null, h("p", { class: "error", role: "alert" }, errorText(error)));
  }
  const status = h("div", { class: "payment-status", "aria-live": "polite" }, busy(t("payment.waiting")));
  const timer = setInterval(async () => {
    const { state: paid } = await get(`/payments/${payment.payment_id}`).catch(() => ({ state: "pending" }));
    if (paid === "pending" || !view.isCurrent()) return;
    clearInterval(timer);
    if (paid === "paid") {
      state.paymentId = payment.payment_id;
      return afterConfirm();
    }
    status.replaceChildren(h("p", { class: "error", role: "alert" }, t(`payment.${paid}`)),
      button(t("payment.retry"), () => go("payment", {}, { replace: true }), { kind: "primary" }));
  }, POLL_MS);
  view.onLeave(() => clearInterval(timer));
  return screen(t("payment.title"), t("payment.lead"),
    h("p", { class: "amount" }, t("payment.amount", { n: payment.amount })),
    payment.simulated ? h("p", { class: "badge warn" }, t("payment.simulated")) : null,
    qrFigure(payment.qr_svg, t("payment.qr")), status);
}
