// What the kiosk offers, as the screens read it: the catalog (categories and items) and the items' guides,
// each fetched once and kept in memory (the catalog for the page's life, the guides until the session ends).
import { get } from "./api.js";

let catalog = null;
const guides = new Map();

/** The catalog (categories and items), fetched once; boot starts it before the home screen needs it. */
export function loadCatalog() {
  catalog ??= get("/catalog").catch((error) => {
    catalog = null;
    throw error;
  });
  return catalog;
}

/** An item's guide (GET /items/{id}), fetched once: a language or mode switch re-renders from memory. */
export function loadGuide(id) {
  const key = String(id);
  if (!guides.has(key)) {
    guides.set(key, get(`/items/${encodeURIComponent(id)}`).catch((error) => {
      guides.delete(key);
      throw error;
    }));
  }
  return guides.get(key);
}

/** Forget the guides (the session ended: the next citizen sees them as the agent offers them then). */
export function forgetGuides() {
  guides.clear();
}
