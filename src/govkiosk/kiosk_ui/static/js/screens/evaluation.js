// Evaluation (好差评): five levels from 非常满意 to 非常不满意.
import { h, button, screen } from "../dom.js";
import { t } from "../i18n.js";
import { post, errorText } from "../api.js";
import { kiosk } from "../kiosk.js";
import { state } from "../state.js";
import { go } from "../router.js";

const LEVELS = [5, 4, 3, 2, 1]; // 5 非常满意 … 1 非常不满意

export async function render() {
  let level = null;
  const send = button(t("evaluation.send"), async () => {
    send.disabled = true;
    try {
      await post("/evaluations", { case_number: state.result?.case_number || undefined, level });
      kiosk.notify(t("evaluation.thanks"));
      await go("end");
    } catch (error) {
      kiosk.notify(errorText(error));
      send.disabled = false;
    }
  }, { kind: "primary wide", id: "send-evaluation", disabled: true });
  const options = LEVELS.map((value) => {
    const control = h("input", { type: "radio", name: "level", value: String(value) });
    control.addEventListener("change", () => {
      level = value;
      send.disabled = false;
    });
    return h("label", { class: `option level level-${value}` }, control, h("span", {}, t(`evaluation.level${value}`)));
  });
  return screen(t("evaluation.title"), t("evaluation.lead"),
    h("fieldset", { class: "field choice levels" }, h("legend", {}, t("evaluation.question")), h("div", { class: "options" }, options)),
    h("div", { class: "actions" }, send, button(t("evaluation.skip"), () => go("end"), { kind: "ghost wide" })));
}
