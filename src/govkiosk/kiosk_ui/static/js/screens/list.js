// Search results and a category's services.
import { h, screen } from "../dom.js";
import { t, text } from "../i18n.js";
import { get, errorText } from "../api.js";
import { loadCatalog } from "../catalog.js";
import { itemTile } from "./home.js";

export async function render({ q = "", category = "" }) {
  let title = t("list.searchTitle", { q });
  try {
    if (category) {
      const { categories } = await loadCatalog();
      title = text(categories.find((c) => c.id === category)?.name) || t("list.category");
    }
    const { items } = await get(`/catalog?q=${encodeURIComponent(q)}&category=${encodeURIComponent(category)}`);
    return screen(title, items.length ? t("list.count", { n: items.length }) : t("list.none"),
      h("ul", { class: "tiles" }, items.map(itemTile)));
  } catch (error) {
    return screen(title, null, h("p", { class: "error", role: "alert" }, errorText(error)));
  }
}
