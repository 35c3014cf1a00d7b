// On-screen keyboards: pinyin with a candidate bar (data/pinyin.json, loaded when first needed),
// Latin letters, and numeric pads (with X for ID numbers, - for dates). Keys never take the focus
// from the field being edited.
import { isChinese, t } from "./i18n.js";
import { h } from "./dom.js";

const panel = document.getElementById("keyboard");
const LETTERS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];
const PADS = { id: "X", date: "-", number: ".", phone: "" };
let target = null;
let layout = "pinyin";
let buffer = ""; // pinyin typed but not yet turned into characters
let dictionary = null; // {chars, words} once loaded
let loading = null;

function loadDictionary() {
  loading ??= fetch(new URL("../data/pinyin.json", import.meta.url))
    .then((response) => response.json())
    .then((loaded) => (dictionary = loaded));
  return loading;
}

/** Give a field the on-screen keyboard of `kind`: text, id, phone, number or date. */
export function attachKeyboard(input, kind = "text") {
  input.setAttribute("inputmode", "none"); // never the system keyboard
  input.autocomplete = "off";
  input.addEventListener("focus", () => open(input, kind));
}

export function closeKeyboard() {
  target = null;
  buffer = "";
  panel.hidden = true;
  panel.replaceChildren();
  document.body.classList.remove("kb-open");
}

function open(input, kind) {
  target = input;
  buffer = "";
  layout = kind === "text" ? (isChinese() ? "pinyin" : "latin") : kind;
  panel.hidden = false;
  document.body.classList.add("kb-open");
  paint();
  if (layout === "pinyin") loadDictionary().then(paint, () => {});
  // keep the field in view above the keyboard (main gets room to scroll while it is open)
  window.scrollBy(0, input.getBoundingClientRect().top - window.innerHeight * 0.25);
}

/** Candidates for the pinyin buffer: whole words, then characters of its first syllable. */
export function candidates(dict, typed) {
  if (!dict || !typed) return [];
  const found = [];
  const add = (texts, consume) => texts.forEach((text) => found.some((c) => c.text === text) || found.push({ text, consume }));
  add(dict.words[typed] || [], typed.length);
  for (let n = Math.min(6, typed.length); n > 0; n--) {
    const chars = dict.chars[typed.slice(0, n)];
    if (chars) {
      add([...chars], n);
      break;
    }
  }
  if (found.length < 8) {
    for (const key of Object.keys(dict.chars)) if (key.startsWith(typed)) add([...dict.chars[key].slice(0, 3)], typed.length);
  }
  return found.slice(0, 40);
}

function insert(text) {
  if (!target || (target.maxLength > 0 && target.value.length + text.length > target.maxLength)) return;
  target.setRangeText(text, target.selectionStart ?? target.value.length, target.selectionEnd ?? target.value.length, "end");
  target.dispatchEvent(new Event("input", { bubbles: true }));
}

function backspace() {
  if (buffer) buffer = buffer.slice(0, -1);
  else if (target) {
    const end = target.selectionEnd ?? target.value.length;
    const start = target.selectionStart === end ? Math.max(0, end - 1) : target.selectionStart;
    target.setRangeText("", start, end, "end");
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

let pickable = [];

function press(key) {
  if (key === "back") backspace();
  else if (key === "done") return finish();
  else if (key === "toggle") layout = layout === "pinyin" ? "latin" : "pinyin";
  else if (key.startsWith("pick:")) {
    const choice = pickable[Number(key.slice(5))];
    insert(choice.text);
    buffer = buffer.slice(choice.consume);
  } else if (key === " " && buffer) press("pick:0");
  else if (layout === "pinyin" && /^[a-z]$/.test(key)) buffer += key;
  else insert(key);
  paint();
}

function finish() {
  if (buffer && pickable.length) press("pick:0");
  const field = target;
  closeKeyboard();
  field?.dispatchEvent(new Event("change", { bubbles: true }));
  field?.dispatchEvent(new CustomEvent("keyboard-done", { bubbles: true }));
}

const key = (value, label, attrs = {}) => h("button", { type: "button", class: "key", "data-key": value, ...attrs }, label);

function textRows() {
  const rows = LETTERS.map((row) => h("div", { class: "row" }, [...row].map((c) => key(c, layout === "latin" ? c.toUpperCase() : c))));
  rows[3].append(key("back", "⌫", { "aria-label": t("kb.backspace"), class: "key wide" }));
  rows.push(h("div", { class: "row" },
    key("toggle", layout === "pinyin" ? t("kb.toLatin") : t("kb.toPinyin"), { class: "key wide" }),
    key(layout === "pinyin" ? "，" : ",", layout === "pinyin" ? "，" : ","),
    key(" ", t("kb.space"), { class: "key space" }),
    key("-", "-"),
    key("done", t("kb.done"), { class: "key wide done" })));
  return rows;
}

function padRows() {
  const rows = ["123", "456", "789"].map((row) => h("div", { class: "row" }, [...row].map((c) => key(c, c))));
  const extra = PADS[layout];
  rows.push(h("div", { class: "row" }, extra ? key(extra, extra) : h("span", { class: "key blank" }), key("0", "0"),
    key("back", "⌫", { "aria-label": t("kb.backspace") })));
  rows.push(h("div", { class: "row" }, key("done", t("kb.done"), { class: "key done wide" })));
  return rows;
}

function candidateBar() {
  pickable = candidates(dictionary, buffer); // none until the dictionary has loaded
  return h("div", { class: "candidates", role: "group", "aria-label": t("kb.candidates") },
    h("span", { class: "pinyin", "aria-live": "polite" }, buffer),
    pickable.map((c, i) => key(`pick:${i}`, c.text, { class: "key candidate" })));
}

function paint() {
  if (!target) return;
  panel.setAttribute("aria-label", t("kb.label"));
  const rows = layout in PADS ? padRows() : textRows();
  panel.replaceChildren(...(layout === "pinyin" ? [candidateBar(), ...rows] : rows));
  panel.dataset.layout = layout;
}

panel.setAttribute("role", "group");
panel.addEventListener("mousedown", (event) => event.preventDefault()); // keep the field focused
panel.addEventListener("click", (event) => {
  const pressed = event.target.closest("[data-key]");
  if (pressed) press(pressed.dataset.key);
});
