// The form expression language (docs/forms.md §2), for step and field conditions on the kiosk.
// The server re-checks everything; this only decides what to show.
import { getAt } from "./format.js";

export const truthy = (v) => !(v == null || v === false || v === 0 || v === "" || (Array.isArray(v) && !v.length));
const isNumber = (v) => typeof v === "number";
const comparable = (a, b) => (isNumber(a) && isNumber(b)) || (typeof a === "string" && typeof b === "string");
const compare = (test) => (v) => v.slice(1).every((b, i) => comparable(v[i], b) && test(v[i], b));
const arithmetic = (combine) => (v) => (v.every(isNumber) ? combine(v) : null);

/** Today in China (UTC+8), YYYY-MM-DD. */
export const chinaToday = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

function validId(v) {
  return typeof v === "string" && /^\d{17}[\dX]$/.test(v);
}

function birth(v) {
  if (typeof v !== "string") return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  return validId(v) ? `${v.slice(6, 10)}-${v.slice(10, 12)}-${v.slice(12, 14)}` : null;
}

function age([from, to]) {
  const born = birth(from);
  const on = to === undefined ? chinaToday() : birth(to);
  if (!born || !on) return null;
  return Number(on.slice(0, 4)) - Number(born.slice(0, 4)) - (on.slice(5) < born.slice(5) ? 1 : 0);
}

const LAZY = {
  and: (args, scope) => {
    let value = null;
    for (const arg of args) if (!truthy((value = evaluate(arg, scope)))) return value;
    return value;
  },
  or: (args, scope) => {
    let value = null;
    for (const arg of args) if (truthy((value = evaluate(arg, scope)))) return value;
    return value;
  },
  if: (args, scope) => {
    for (let i = 0; i + 1 < args.length; i += 2) if (truthy(evaluate(args[i], scope))) return evaluate(args[i + 1], scope);
    return args.length % 2 ? evaluate(args[args.length - 1], scope) : null;
  },
};

const EAGER = {
  var: ([name, fallback = null], scope) => (name == null || name === "" ? scope : getAt(scope, String(name)) ?? fallback),
  "==": ([a, b]) => a === b,
  "!=": ([a, b]) => a !== b,
  "<": compare((a, b) => a < b),
  "<=": compare((a, b) => a <= b),
  ">": compare((a, b) => a > b),
  ">=": compare((a, b) => a >= b),
  "!": ([a]) => !truthy(a),
  not: ([a]) => !truthy(a),
  in: ([needle, hay]) => (typeof hay === "string" ? typeof needle === "string" && hay.includes(needle) : Array.isArray(hay) && hay.includes(needle)),
  "+": arithmetic((v) => v.reduce((a, b) => a + b, 0)),
  "-": arithmetic((v) => (v.length === 2 ? v[0] - v[1] : -v[0])),
  "*": arithmetic((v) => v.reduce((a, b) => a * b, 1)),
  cat: (v) => v.map((x) => (x == null ? "" : String(x))).join(""),
  count: ([v]) => (Array.isArray(v) ? v.length : 0),
  today: () => chinaToday(),
  age,
  birth_date: ([v]) => (validId(v) ? birth(v) : null),
  sex: ([v]) => (validId(v) ? (Number(v[16]) % 2 ? "male" : "female") : null),
};

/** The value of an expression over `scope` (form data, plus `$item` inside a repeating group). */
export function evaluate(expression, scope) {
  if (Array.isArray(expression)) return expression.map((e) => evaluate(e, scope));
  if (expression === null || typeof expression !== "object") return expression;
  const [operator, raw] = Object.entries(expression)[0] || [];
  const args = Array.isArray(raw) ? raw : [raw];
  if (LAZY[operator]) return LAZY[operator](args, scope);
  const fn = EAGER[operator];
  return fn ? fn(args.map((a) => evaluate(a, scope)), scope) : null;
}

/** Whether a condition holds; an absent condition always does. */
export const holds = (condition, scope) => condition == null || truthy(evaluate(condition, scope));
