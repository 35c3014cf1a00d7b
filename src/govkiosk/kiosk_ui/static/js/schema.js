// Reading a form definition (docs/forms.md): schema nodes by field path, widgets, visible steps.
import { holds } from "./expr.js";
import { text } from "./i18n.js";

/** Follow a local $ref (#/$defs/...). */
export function resolve(root, node) {
  for (let i = 0; i < 16 && node && typeof node.$ref === "string"; i++) {
    node = node.$ref.slice(2).split("/").reduce((n, key) => n?.[key], root);
  }
  return node || {};
}

const typeOf = (node) => (Array.isArray(node.type) ? node.type.find((k) => k !== "null") : node.type);
export const isArray = (node) => typeOf(node) === "array" || "items" in node;
export const isObject = (node) => typeOf(node) === "object" || "properties" in node;

/** The schema node of a field path, stepping through arrays; null when there is none. */
export function schemaAt(root, path) {
  let node = resolve(root, root);
  for (const segment of path ? path.split(".") : []) {
    if (isArray(node)) node = resolve(root, node.items);
    const next = node.properties?.[segment];
    if (!next) return null;
    node = resolve(root, next);
  }
  return node;
}

/** The widget kind of a field: the UI schema's, or one inferred from the schema node. */
export function widgetKind(root, node, widget) {
  if (widget?.widget) return widget.widget;
  if (isArray(node) && isObject(resolve(root, node.items))) return "group";
  if (isObject(node)) return "object";
  if (node.enum || node.oneOf || typeOf(node) === "boolean") return "choice";
  if (typeOf(node) === "number" || typeOf(node) === "integer") return "number";
  return { date: "date", gb11643: "id_number", "cn-mobile": "phone", gb2260: "region" }[node.format] || "text";
}

/** A choice's values with their labels: [[value, label], ...]. */
export function choiceOptions(root, node, widget, yesNo) {
  const base = isArray(node) ? resolve(root, node.items) : node;
  const values = base.enum || base.oneOf?.map((o) => o.const) || (typeOf(base) === "boolean" ? [true, false] : []);
  return values.map((value) => [value, widget?.options?.[String(value)] ? text(widget.options[String(value)]) : typeof value === "boolean" ? yesNo(value) : String(value)]);
}

/** The field's label: the widget's {zh, en}, else the schema title, else its name. */
export const labelOf = (node, widget, path) => text(widget?.label) || node?.title || path.split(".").pop();

/** Paths of the signature fields (collected on the signature screen, not in the wizard). */
export const signaturePaths = (definition) =>
  Object.entries(definition.ui.widgets || {}).filter(([, w]) => w.widget === "signature").map(([path]) => path);

/** The wizard's steps for this data: conditions hold, and a step is more than a signature. */
export function visibleSteps(definition, data) {
  const signatures = signaturePaths(definition);
  return definition.ui.steps.filter((step) => holds(step.when, data) && step.fields.some((f) => !signatures.includes(f)));
}

/** Whether a data path belongs to one of these field paths (itself, inside it, or around it). */
export function within(fieldPaths, dataPath) {
  const segments = dataPath.split(".").filter((p) => !/^\d+$/.test(p));
  return fieldPaths.some((f) => {
    const parts = f.split(".");
    return parts.every((p, i) => segments[i] === p) || segments.every((p, i) => parts[i] === p);
  });
}
