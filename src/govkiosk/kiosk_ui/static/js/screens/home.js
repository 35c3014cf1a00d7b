// Home (首页): search, frequent services, categories (not in elder mode), progress query.
import { h, button } from "../dom.js";
import { t, text } from "../i18n.js";
import { errorText } from "../api.js";
import { kiosk } from "../kiosk.js";
import { go } from "../router.js";
import { attachKeyboard } from "../keyboard.js";
import { loadCatalog } from "../catalog.js"; // public, cached for the page's life

/** A tile that opens an item's guide. */
export function itemTile(item) {
  return h("li", {}, h("button", {
    type: "button", class: "tile", onclick: () => go("guide", { id: item.id }), "aria-disabled": item.available === false ? "true" : null,
  }, h("span", { class: "tile-name" }, text(item.name)), h("span", { class: "tile-meta" },
    item.available === false ? t("home.unavailable") : text(item.department))));
}

function searchBox() {
  const field = h("input", { id: "search", class: "input", type: "search", placeholder: t("home.searchHint") });
  const run = (event) => {
    event?.preventDefault();
    if (field.value.trim()) go("list", { q: field.value.trim() });
  };
  attachKeyboard(field, "text");
  field.addEventListener("keyboard-done", run);
  return h("form", { class: "search", role: "search", onsubmit: run },
    h("label", { for: "search", class: "visually-hidden" }, t("home.search")), field,
    h("button", { type: "submit", class: "btn primary" }, t("home.search")));
}

export async function render(params = {}) {
  const elder = document.documentElement.dataset.mode === "elder";
  let content;
  try {
    const { categories, items } = await loadCatalog();
    const frequent = (kiosk.config.frequent || []).map((id) => items.find((i) => i.id === id)).filter(Boolean);
    content = [
      h("h2", {}, t("home.frequent")),
      h("ul", { class: "tiles frequent" }, frequent.slice(0, elder ? 4 : 8).map(itemTile)),
      elder ? null : [
        h("h2", {}, t("home.categories")),
        h("ul", { class: "tiles categories" }, categories.map((c) =>
          h("li", {}, button(text(c.name), () => go("list", { category: c.id }), { kind: "tile" })))),
      ],
    ];
  } catch (error) {
    content = h("p", { class: "error", role: "alert" }, errorText(error));
  }
  return h("section", { class: "screen home", "aria-labelledby": "screen-title" },
    h("h1", { id: "screen-title" }, t("home.title")),
    params.notice ? h("p", { class: "notice", role: "status" }, params.notice) : h("p", { class: "lead" }, t("home.lead")),
    searchBox(),
    content,
    h("div", { class: "actions home-actions" },
      button(t("home.progress"), () => go("progress"), { kind: "wide" }),
      elder ? h("p", { class: "help-line" }, t("home.elderHelp")) : null));
}

export const speech = () => t("voice.home");
