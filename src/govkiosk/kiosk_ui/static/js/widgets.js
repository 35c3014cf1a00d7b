// Form widgets (docs/forms.md §1): one renderer per kind, writing into the form data as the
// citizen types. `form` is {definition, data, errors: Map(dataPath → message), changed(), appId}.
import { h, button } from "./dom.js";
import { t, text } from "./i18n.js";
import { get } from "./api.js";
import { holds } from "./expr.js";
import { getAt, setAt, maskId, maskPhone } from "./format.js";
import { attachKeyboard } from "./keyboard.js";
import { choiceOptions, isArray, labelOf, resolve, schemaAt, signaturePaths, widgetKind } from "./schema.js";
import { materialSlot } from "./screens/materials.js";

export const regionNames = new Map(); // code → {zh, en}, for showing answers; not personal
const KEYBOARDS = { text: "text", textarea: "text", number: "number", id_number: "id", phone: "phone", date: "date" };
const yesNo = (value) => t(value ? "form.yes" : "form.no");
const fieldId = (dataPath) => `f-${dataPath.replace(/\./g, "-")}`;

/** The elements of one step: its field paths rendered in order. */
export function renderStep(form, fieldPaths) {
  return fieldPaths.map((path) => {
    const parent = schemaAt(form.definition.schema, path.split(".").slice(0, -1).join("."));
    return renderField(form, path, path, null, (parent?.required || []).includes(path.split(".").pop()));
  });
}

function renderField(form, fieldPath, dataPath, item, required) {
  const { definition } = form;
  const root = definition.schema;
  const node = schemaAt(root, fieldPath);
  const widget = definition.ui.widgets?.[fieldPath];
  const scope = item ? { ...form.data, $item: item } : form.data;
  if (!node || !holds(widget?.when, scope) || signaturePaths(definition).includes(fieldPath)) return null;
  const kind = widgetKind(root, node, widget);
  const spec = { form, fieldPath, dataPath, node, widget, item, required, label: labelOf(node, widget, fieldPath) };
  if (definition.ui.computed?.[fieldPath] || widget?.readonly) return readonly(spec, kind);
  return (RENDERERS[kind] || input)(spec, kind);
}

/** Help and error texts under a control, tied to it by aria-describedby. */
function described(spec, control) {
  const id = fieldId(spec.dataPath);
  const error = spec.form.errors.get(spec.dataPath);
  const ids = [spec.widget?.help && `${id}-help`, error && `${id}-err`].filter(Boolean).join(" ");
  if (ids) control.setAttribute("aria-describedby", ids);
  if (error && /^(INPUT|TEXTAREA)$/.test(control.tagName)) control.setAttribute("aria-invalid", "true");
  return [
    spec.widget?.help ? h("p", { class: "help", id: `${id}-help` }, text(spec.widget.help)) : null,
    error ? h("p", { class: "field-error", id: `${id}-err` }, error) : null,
  ];
}

const requiredMark = (spec) => (spec.required ? h("span", { class: "req" }, t("form.required")) : null);

function input(spec, kind) {
  const { form, dataPath, node } = spec;
  const value = getAt(form.data, dataPath);
  const attrs = { id: fieldId(dataPath), class: "input", "aria-required": spec.required ? "true" : null };
  const control = kind === "textarea"
    ? h("textarea", { ...attrs, rows: 3, maxlength: node.maxLength })
    : h("input", { ...attrs, type: "text", maxlength: node.maxLength ?? { id_number: 18, phone: 11, date: 10 }[kind] });
  control.value = value ?? "";
  if (kind === "date") control.placeholder = t("form.datePlaceholder");
  control.addEventListener("input", () => {
    const raw = control.value.trim();
    setAt(form.data, dataPath, kind === "number" && raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw);
  });
  attachKeyboard(control, KEYBOARDS[kind] || "text");
  return h("div", { class: "field", "data-path": dataPath },
    h("label", { for: control.id }, spec.label, requiredMark(spec)), control, described(spec, control));
}

function readonly(spec, kind) {
  const value = getAt(spec.form.data, spec.dataPath);
  const id = fieldId(spec.dataPath);
  const shown = h("p", { class: "value", id }, display(spec, kind, value, true));
  const reveal = kind === "id_number" && value
    ? button(t("form.reveal"), (event) => {
        const open = event.currentTarget.getAttribute("aria-pressed") !== "true";
        event.currentTarget.setAttribute("aria-pressed", String(open));
        shown.textContent = open ? value : maskId(value);
      }, { kind: "ghost small", "aria-pressed": "false" })
    : null;
  return h("div", { class: "field readonly", "data-path": spec.dataPath },
    h("span", { class: "label" }, spec.label), h("div", { class: "value-row" }, shown, reveal),
    described(spec, shown));
}

/** A value as the citizen sees it; `masked` hides identity numbers (4403**********1234). */
export function display(spec, kind, value, masked) {
  if (value == null || value === "" || (Array.isArray(value) && !value.length)) return t("form.empty");
  if (kind === "id_number" && masked) return maskId(value);
  if (kind === "phone" && masked) return maskPhone(value);
  if (kind === "choice") {
    const labels = new Map(choiceOptions(spec.form.definition.schema, spec.node, spec.widget, yesNo).map(([v, l]) => [String(v), l]));
    return [].concat(value).map((v) => labels.get(String(v)) ?? String(v)).join("、");
  }
  if (kind === "region") return text(regionNames.get(value)) || value;
  if (kind === "material") return t("form.pages", { n: [].concat(value).length });
  return String(value);
}

/** A field of several controls (options, group entries, scanned pages) under one legend. */
function fieldset(spec, kindClass, ...content) {
  const set = h("fieldset", { class: `field ${kindClass}`, "data-path": spec.dataPath },
    h("legend", {}, spec.label, requiredMark(spec)), content);
  set.append(...described(spec, set).filter(Boolean));
  return set;
}

function choice(spec) {
  const { form, dataPath, node } = spec;
  const multiple = isArray(node);
  const current = [].concat(getAt(form.data, dataPath) ?? []).map(String);
  const name = fieldId(dataPath);
  const choices = choiceOptions(form.definition.schema, node, spec.widget, yesNo);
  const options = choices.map(([value, label]) => {
    const control = h("input", { type: multiple ? "checkbox" : "radio", name, value: String(value), checked: current.includes(String(value)) });
    control.addEventListener("change", () => {
      const picked = [...document.getElementsByName(name)].filter((c) => c.checked).map((c) => c.value);
      const typed = choices.map(([v]) => v).filter((v) => picked.includes(String(v)));
      setAt(form.data, dataPath, multiple ? typed : typed[0]);
      form.changed(dataPath);
    });
    return h("label", { class: "option" }, control, h("span", {}, label));
  });
  return fieldset(spec, "choice", h("div", { class: "options" }, options));
}

function region(spec) {
  const { form, dataPath } = spec;
  const root = spec.widget?.root || "";
  const box = h("div", { class: "options" }, h("p", { class: "busy" }, t("form.loading")));
  get(`/regions?parent=${encodeURIComponent(root)}`).then((answer) => {
    const regions = answer.regions ?? answer.items ?? answer;
    const current = getAt(form.data, dataPath);
    box.replaceChildren(...regions.map(({ code, name }) => {
      regionNames.set(code, name);
      const control = h("input", { type: "radio", name: fieldId(dataPath), value: code, checked: code === current });
      control.addEventListener("change", () => setAt(form.data, dataPath, code));
      return h("label", { class: "option" }, control, h("span", {}, text(name)));
    }));
  }, () => box.replaceChildren(h("p", { class: "field-error" }, t("error.regions"))));
  return fieldset(spec, "choice region", box);
}

function objectFields(spec) {
  const { form, fieldPath, dataPath, node, item } = spec;
  const required = node.required || [];
  const children = Object.keys(node.properties || {}).map((key) =>
    renderField(form, `${fieldPath}.${key}`, `${dataPath}.${key}`, item, required.includes(key)));
  return fieldPath.includes(".") || spec.widget ? fieldset(spec, "object", children) : h("div", { class: "object" }, children);
}

function group(spec) {
  const { form, fieldPath, dataPath, node } = spec;
  const items = getAt(form.data, dataPath) || [];
  while (items.length < Math.max(1, node.minItems || 0)) items.push({});
  setAt(form.data, dataPath, items);
  const itemNode = resolve(form.definition.schema, node.items);
  const entries = items.map((item, i) => h("fieldset", { class: "group-item" },
    h("legend", {}, t("form.entry", { label: spec.label, n: i + 1 })),
    Object.keys(itemNode.properties || {}).map((key) =>
      renderField(form, `${fieldPath}.${key}`, `${dataPath}.${i}.${key}`, item, (itemNode.required || []).includes(key))),
    items.length > (node.minItems || 1)
      ? button(t("form.remove", { n: i + 1 }), () => (items.splice(i, 1), form.changed(dataPath)), { kind: "ghost small" })
      : null));
  const add = items.length < (node.maxItems ?? 20)
    ? button(t("form.add", { label: spec.label }), () => (items.push({}), form.changed(dataPath)), { kind: "ghost" })
    : null;
  return fieldset(spec, "group", entries, add);
}

/** The answers under these field paths as [label, shown value] rows (identity numbers masked). */
export function answers(form, fieldPaths, item = null, prefix = "") {
  const { definition } = form;
  const root = definition.schema;
  return fieldPaths.flatMap((fieldPath) => {
    const dataPath = prefix ? `${prefix}.${fieldPath.split(".").pop()}` : fieldPath;
    const node = schemaAt(root, fieldPath);
    const widget = definition.ui.widgets?.[fieldPath];
    const scope = item ? { ...form.data, $item: item } : form.data;
    if (!node || !holds(widget?.when, scope) || signaturePaths(definition).includes(fieldPath)) return [];
    const kind = widgetKind(root, node, widget);
    if (kind === "object") return answers(form, Object.keys(node.properties || {}).map((k) => `${fieldPath}.${k}`), item, dataPath);
    if (kind === "group") {
      const itemNode = resolve(root, node.items);
      const keys = Object.keys(itemNode.properties || {}).map((k) => `${fieldPath}.${k}`);
      return (getAt(form.data, dataPath) || []).flatMap((entry, i) =>
        answers(form, keys, entry, `${dataPath}.${i}`).map(([label, value]) => [`${labelOf(node, widget, fieldPath)} ${i + 1} · ${label}`, value]));
    }
    const spec = { form, node, widget };
    return [[labelOf(node, widget, fieldPath), display(spec, kind, getAt(form.data, dataPath), widget?.readonly)]];
  });
}

const RENDERERS = {
  choice, region, group, object: objectFields,
  material: (spec) => fieldset(spec, "material", materialSlot(spec)),
};
