// Message catalogs (zh-CN default, en): every visible string comes from i18n/<lang>.json; form texts
// come as {zh, en} pairs in the form definition and the catalog.
const catalogs = {};
let current = "zh-CN";

async function load(lang) {
  if (!catalogs[lang]) {
    const response = await fetch(new URL(`../i18n/${lang}.json`, import.meta.url));
    catalogs[lang] = await response.json();
  }
}

/** Switch the language (loading its catalog) and the page's `lang` attribute. */
export async function setLanguage(lang) {
  await load(lang);
  current = lang;
  document.documentElement.lang = lang;
}

export const language = () => current;
export const has = (key) => key in (catalogs[current] || {});
export const isChinese = () => current.startsWith("zh");

/** The message `key` in the current language, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const message = catalogs[current]?.[key] ?? catalogs["zh-CN"]?.[key] ?? key;
  return message.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? ""));
}

/** A {zh, en} pair (or a plain string) in the current language. */
export function text(pair) {
  if (pair == null || typeof pair !== "object") return pair ?? "";
  return (isChinese() ? pair.zh : pair.en) ?? pair.zh ?? "";
}
