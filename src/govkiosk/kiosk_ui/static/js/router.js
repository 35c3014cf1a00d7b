// Screen navigation: one screen module per name under screens/, loaded on first use; a back stack.
// A screen module exports `render(params, view)` returning an element; `view.onLeave(fn)` registers
// cleanup (polling, device work) run when the screen is left.
const SCREENS = ["home", "list", "guide", "identity", "form", "confirm", "signature", "payment",
  "submit", "receipt", "evaluation", "progress", "end"];
const modules = {};
const stack = [];
let current = null;
let leaveHooks = [];
let renderCount = 0;
let shown = () => {};
export const timings = []; // ms from a navigation's start to the new screen's first frame

function load(name) {
  if (!SCREENS.includes(name)) throw new Error(`no screen ${name}`);
  modules[name] ??= import(`./screens/${name}.js`);
  return modules[name];
}

/** Fetch every screen module in the background, so later taps never wait for the network. */
export function preloadScreens() {
  SCREENS.forEach((name) => load(name).catch(() => {}));
}

/** Called with (name, element) after each render: the shell places and announces the screen. */
export function onShown(callback) {
  shown = callback;
}

async function render(entry, started) {
  const count = ++renderCount;
  leaveHooks.forEach((fn) => fn());
  leaveHooks = [];
  const module = await load(entry.name);
  const view = { onLeave: (fn) => leaveHooks.push(fn), isCurrent: () => count === renderCount };
  const element = await module.render(entry.params, view);
  if (count !== renderCount) return; // a later navigation won
  shown(entry.name, element, module);
  requestAnimationFrame(() => timings.push(performance.now() - started));
}

/** Show screen `name`; the current one goes on the back stack unless `replace`. */
export function go(name, params = {}, { replace = false } = {}) {
  if (current && !replace) stack.push(current);
  current = { name, params };
  return render(current, performance.now());
}

/** The previous screen (home when there is none). */
export function back() {
  current = stack.pop() || { name: "home", params: {} };
  return render(current, performance.now());
}

/** Show the current screen again (after a language or mode change). */
export function refresh() {
  return current ? render(current, performance.now()) : Promise.resolve();
}

/** Forget the back stack and show home. */
export function goHome(params = {}) {
  stack.length = 0;
  current = { name: "home", params };
  return render(current, performance.now());
}

export const currentScreen = () => current?.name;
