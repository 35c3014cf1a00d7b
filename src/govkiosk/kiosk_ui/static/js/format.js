// How personal data appears on screen: masked unless the citizen must check it (docs/forms.md §8).

/** 4403**********123X: the first and last four characters of an ID number. */
export function maskId(number) {
  const s = String(number ?? "");
  return s.length > 8 ? s.slice(0, 4) + "*".repeat(s.length - 8) + s.slice(-4) : s;
}

/** 138****5678: a mobile number. */
export function maskPhone(number) {
  const s = String(number ?? "");
  return s.length === 11 ? `${s.slice(0, 3)}****${s.slice(-4)}` : s;
}

/** The value at a dotted data path (`children.0.name`); undefined when absent. */
export function getAt(data, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), data);
}

/** Set the value at a dotted data path, creating objects (or arrays for numeric keys) on the way. */
export function setAt(data, path, value) {
  const keys = path.split(".");
  let node = data;
  keys.slice(0, -1).forEach((key, i) => {
    if (node[key] == null) node[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    node = node[key];
  });
  const last = keys[keys.length - 1];
  if (value === undefined || value === "") delete node[last];
  else node[last] = value;
}

/** A data path's field path: `children.0.name` → `children.name`. */
export const fieldPath = (dataPath) => dataPath.split(".").filter((p) => !/^\d+$/.test(p)).join(".");
