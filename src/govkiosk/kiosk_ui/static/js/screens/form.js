// The form wizard (表单): one screen per visible step of the form definition, with a step indicator;
// the agent checks each step (POST /forms/{app_id}/check) on 下一步, before the next one is shown.
import { h, button, screen } from "../dom.js";
import { t, text } from "../i18n.js";
import { post, errorText } from "../api.js";
import { kiosk } from "../kiosk.js";
import { state } from "../state.js";
import { go } from "../router.js";
import { visibleSteps, within } from "../schema.js";
import { renderStep } from "../widgets.js";

/** The form's prefill with its computed fields (age, leave days), unless the identity answer brought it. */
async function prefill(item) {
  state.prefilled = true;
  const { data } = await post(`/forms/${item.app_id}/prefill`, {});
  state.data = data || {};
}

/** The step indicator: every visible step, then the confirmation. */
function indicator(steps, index) {
  const names = [...steps.map((s) => text(s.title)), t("confirm.short")];
  return h("ol", { class: "steps", "aria-label": t("form.progress") }, names.map((name, i) =>
    h("li", { class: i < index ? "done" : i === index ? "current" : "", "aria-current": i === index ? "step" : null },
      h("span", { class: "step-no" }, String(i + 1)), h("span", { class: "step-name" }, name))));
}

export async function render({ step: index = 0 }, view) {
  const item = state.item;
  try {
    if (!state.prefilled) await prefill(item);
  } catch (error) {
    return screen(t("form.title"), null, h("p", { class: "error", role: "alert" }, errorText(error)));
  }
  const steps = visibleSteps(item.form, state.data);
  const step = steps[Math.min(index, steps.length - 1)];
  state.formErrors ??= new Map();
  const fields = h("div", { class: "fields" });
  const form = { definition: item.form, data: state.data, errors: state.formErrors, appId: item.app_id, view, changed: paint };

  function paint(changedPath) {
    const focused = changedPath && (document.activeElement?.id || document.activeElement?.name);
    fields.replaceChildren(...renderStep(form, step.fields).filter(Boolean));
    if (focused) (document.getElementById(focused) || fields.querySelector(`[name="${focused}"]:checked`))?.focus();
  }

  async function next() {
    nextButton.disabled = true;
    kiosk.notify(t("form.checking"));
    try {
      const answer = await post(`/forms/${item.app_id}/check`, { data: state.data, step: step.id });
      const errors = (answer.errors || []).filter((e) => within(step.fields, e.path));
      state.formErrors.clear();
      errors.forEach((e) => state.formErrors.set(e.path, text(e.message)));
      if (errors.length) {
        paint();
        kiosk.notify(t("form.fixErrors", { n: errors.length }));
        fields.querySelector("[aria-invalid=true], .field-error")?.closest(".field")?.querySelector("input, textarea, button")?.focus();
        return;
      }
      if (answer.data) Object.assign(state.data, answer.data);
      const following = visibleSteps(item.form, state.data);
      const at = following.findIndex((s) => s.id === step.id);
      await (at + 1 < following.length ? go("form", { step: at + 1 }) : go("confirm"));
    } catch (error) {
      kiosk.notify(errorText(error));
    } finally {
      nextButton.disabled = false;
    }
  }

  const nextButton = button(index + 1 < steps.length ? t("form.next") : t("form.review"), next, { kind: "primary wide", id: "next" });
  paint();
  const section = screen(text(step.title), t("form.stepOf", { n: steps.indexOf(step) + 1, total: steps.length + 1 }),
    indicator(steps, steps.indexOf(step)), fields, h("div", { class: "actions" }, nextButton));
  section.dataset.step = step.id;
  return section;
}

export const speech = () => t("voice.form");
