// Signature (签名): a touch canvas; the drawing goes to the agent as a PNG (POST /signature).
import { h, button, screen } from "../dom.js";
import { t } from "../i18n.js";
import { post, errorText } from "../api.js";
import { kiosk } from "../kiosk.js";
import { state } from "../state.js";
import { setAt } from "../format.js";
import { signaturePaths } from "../schema.js";
import { afterConfirm } from "../flow.js";

export async function render() {
  const canvas = h("canvas", { width: 900, height: 420, class: "signature-pad", role: "img", "aria-label": t("signature.pad") });
  const pen = canvas.getContext("2d");
  let drawn = false;
  let last = null;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture?.(event.pointerId);
    last = point(event);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!last) return;
    const now = point(event);
    Object.assign(pen, { lineWidth: 6, lineCap: "round", strokeStyle: "#111" });
    pen.beginPath();
    pen.moveTo(...last);
    pen.lineTo(...now);
    pen.stroke();
    last = now;
    drawn = true;
    confirmButton.disabled = false;
  });
  canvas.addEventListener("pointerup", () => (last = null));

  async function confirm() {
    confirmButton.disabled = true;
    try {
      const { ref } = await post("/signature", { png: canvas.toDataURL("image/png"), app_id: state.item.app_id });
      signaturePaths(state.item.form).forEach((path) => setAt(state.data, path, ref.id));
      await afterConfirm();
    } catch (error) {
      kiosk.notify(errorText(error));
      confirmButton.disabled = !drawn;
    }
  }

  const confirmButton = button(t("signature.ok"), confirm, { kind: "primary wide", id: "sign", disabled: true });
  return screen(t("signature.title"), t("signature.lead"), canvas,
    h("div", { class: "actions" }, button(t("signature.clear"), () => {
      pen.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      confirmButton.disabled = true;
    }, { kind: "ghost" }), confirmButton));
}
