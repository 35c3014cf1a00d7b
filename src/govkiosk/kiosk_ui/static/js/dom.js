// Tiny DOM helpers: h() builds elements so that screens read like markup.

/** h("button", {class: "btn", onclick}, "text", child, [more]) → an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "svg") el.innerHTML = value; // SVG drawn by the agent (QR codes), never citizen text
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) el.append(child);
  }
  return el;
}

/** A touch button; `kind` adds a style (primary, ghost, danger). */
export function button(label, onclick, { kind = "", ...attrs } = {}) {
  return h("button", { type: "button", class: `btn ${kind}`.trim(), onclick, ...attrs }, label);
}

/** A QR code (agent-made SVG) with a text alternative. */
export function qrFigure(svg, label) {
  return h("div", { class: "qr", role: "img", "aria-label": label, svg });
}

/** A screen's frame: a heading, an optional lead paragraph, then the content. */
export function screen(title, lead, ...content) {
  return h("section", { class: "screen", "aria-labelledby": "screen-title" },
    h("h1", { id: "screen-title" }, title), lead ? h("p", { class: "lead" }, lead) : null, content);
}

/** A busy indicator with a message, announced politely. */
export function busy(message) {
  return h("p", { class: "busy", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), message);
}
