// Confirm (核对信息): every answer by step, with a way back to change it.
import { h, button, screen } from "../dom.js";
import { t, text } from "../i18n.js";
import { state } from "../state.js";
import { go } from "../router.js";
import { visibleSteps } from "../schema.js";
import { answers } from "../widgets.js";
import { afterConfirm } from "../flow.js";

export async function render() {
  const definition = state.item.form;
  const form = { definition, data: state.data };
  const steps = visibleSteps(definition, state.data);
  return screen(t("confirm.title"), t("confirm.lead"),
    steps.map((step, i) => h("section", { class: "card answers" },
      h("div", { class: "card-head" }, h("h2", {}, text(step.title)),
        button(t("confirm.change", { step: text(step.title) }), () => go("form", { step: i }), { kind: "ghost small" })),
      h("dl", { class: "facts" }, answers(form, step.fields).map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)])))),
    h("div", { class: "actions" }, button(t("confirm.ok"), afterConfirm, { kind: "primary wide", id: "confirm" })));
}
