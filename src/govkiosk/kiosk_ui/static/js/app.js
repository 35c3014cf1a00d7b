// Boot and shell: GET /local/v1/config, the devices, the header tools, the footer, the privacy clock.
// At boot the config, the default language's messages and the catalog are fetched side by side
// (index.html preloads the modules of the first screen and the messages).
import { connect } from "./devices.js";
import { get, post, errorText } from "./api.js";
import { setLanguage, language, t } from "./i18n.js";
import { kiosk } from "./kiosk.js";
import { state, wipeBrowser } from "./state.js";
import { SessionClock } from "./clock.js";
import { attachAudio, changeVolume, setMuted, speak, stopSpeaking, voice } from "./voice.js";
import { back, currentScreen, goHome, onShown, preloadScreens, refresh } from "./router.js";
import { closeKeyboard } from "./keyboard.js";
import { button, h } from "./dom.js";
import { forgetGuides, loadCatalog } from "./catalog.js";

const DEFAULT_LOCALE = "zh-CN";

const $ = (id) => document.getElementById(id);
const dialog = $("dialog");
let clock;
let lastTouch = 0;

// why a session ended, in the agent's words (its /session/end accepts these three)
const AGENT_REASONS = { finished: "finished", idle_timeout: "idle_timeout", session_cap: "idle_timeout" };
const clamp = (seconds) => Math.min(120, Math.max(60, seconds));
const idleFor = (screen) => clamp(kiosk.config.timeouts.steps?.[screen] ?? kiosk.config.timeouts.idle_s ?? 90);

function paintShell() {
  $("brand").textContent = t("app.title");
  document.title = t("app.title");
  $("mute").textContent = voice.muted ? t("voice.unmute") : t("voice.mute");
  $("mute").setAttribute("aria-pressed", String(voice.muted));
  $("volume").setAttribute("aria-label", t("voice.volume"));
  $("volume-down").setAttribute("aria-label", t("voice.quieter"));
  $("volume-up").setAttribute("aria-label", t("voice.louder"));
  $("volume-level").textContent = t("voice.level", { n: voice.volume });
  $("lang").textContent = t("lang.switch");
  $("lang").lang = t("lang.switchLang");
  $("elder").textContent = t("mode.elder");
  $("elder").setAttribute("aria-pressed", String(document.documentElement.dataset.mode === "elder"));
  $("help").textContent = t("help.button");
  $("back").textContent = t("nav.back");
  $("home").textContent = t("nav.home");
  $("main").setAttribute("aria-label", t("app.main"));
}

function setMode(mode) {
  document.documentElement.dataset.mode = mode;
  paintShell();
}

async function switchLanguage() {
  await setLanguage(language() === "zh-CN" ? "en" : "zh-CN");
  paintShell();
  await refresh();
}

function showScreen(name, element, module) {
  closeKeyboard();
  if (dialog.open && !dialog.dataset.keep) dialog.close();
  $("main").replaceChildren(element);
  document.body.dataset.screen = name;
  $("back").hidden = $("home").hidden = name === "home";
  $("status").textContent = "";
  $("main").focus({ preventScroll: true });
  window.scrollTo(0, 0);
  if (name === "home" && !state.dirty) clock.stop();
  else {
    state.dirty = true;
    clock.beginSession();
    clock.restart(idleFor(name));
  }
  speak(module.speech?.() ?? t(`voice.${name}`), language());
}

/** One <dialog> for everything modal: the idle warning, help, confirmations. */
function openDialog({ title, body, actions, keep = false }) {
  dialog.dataset.keep = keep ? "1" : "";
  dialog.replaceChildren(
    h("h2", { id: "dialog-title" }, title),
    h("div", { class: "dialog-body" }, body),
    h("div", { class: "actions" }, actions.map(({ label, onclick, kind }) => button(label, onclick, { kind }))),
  );
  if (!dialog.open) dialog.showModal();
  dialog.querySelector(".actions .btn")?.focus();
}

function closeDialog() {
  if (dialog.open) dialog.close();
}

function warnIdle(seconds) {
  openDialog({
    title: t("idle.title"),
    body: h("p", { id: "idle-left" }, t("idle.body", { n: seconds })),
    actions: [
      { label: t("idle.continue"), kind: "primary", onclick: continueSession },
      { label: t("idle.end"), onclick: () => endSession("citizen") },
    ],
  });
  speak(t("idle.title"), language());
}

async function continueSession() {
  closeDialog();
  clock.restart();
  if (state.session) await post("/session/touch").catch(() => {});
}

function tick(seconds) {
  $("countdown").textContent = t("clock.left", { n: seconds });
  const idleLeft = $("idle-left");
  if (idleLeft && dialog.open) idleLeft.textContent = t("idle.body", { n: seconds });
}

/** End the citizen's session: tell the agent, stop devices and voice, wipe everything, go home. */
async function endSession(reason) {
  const hadSession = (state.dirty || state.session) && !state.ended;
  closeDialog();
  closeKeyboard();
  stopSpeaking();
  clock.stop();
  if (hadSession) await post("/session/end", { reason: AGENT_REASONS[reason] || "cancelled" }).catch(() => {});
  wipeBrowser();
  forgetGuides();
  await setLanguage(kiosk.config.locale || DEFAULT_LOCALE);
  setMode(initialMode());
  await goHome(reason === "idle_timeout" || reason === "session_cap" ? { notice: t(`end.${reason}`) } : {});
}

function onTouch() {
  if (clock.paused || dialog.open) return;
  clock.restart();
  if (state.session && Date.now() - lastTouch > 20000) {
    lastTouch = Date.now();
    post("/session/touch").catch(() => {});
  }
}

function initialMode() {
  return new URLSearchParams(location.search).get("mode") === "elder" ? "elder" : kiosk.config.mode || "normal";
}

function showHelp() {
  const screen = currentScreen() || "home";
  openDialog({
    title: t("help.title"),
    body: [h("p", {}, t(`help.${screen}`)), h("p", {}, t("help.staff"))],
    actions: [{ label: t("help.close"), kind: "primary", onclick: closeDialog }],
  });
}

async function watchStatus() {
  try {
    const status = await get("/status");
    kiosk.online = status.online;
  } catch {
    kiosk.online = false;
  }
  $("banner").hidden = kiosk.online;
  $("banner").textContent = kiosk.online ? "" : t("offline.banner");
}

async function connectDevices() {
  if (!kiosk.config.devices) return;
  try {
    kiosk.devices = await connect({ baseUrl: kiosk.config.devices.ws_base, token: kiosk.config.devices.token });
    await attachAudio(kiosk.devices);
  } catch {
    kiosk.devices = null; // the UI works without: no voice, identity and printing go through the agent
  }
}

function wireShell() {
  $("mute").onclick = () => {
    setMuted(!voice.muted);
    paintShell();
  };
  $("volume-down").onclick = () => (changeVolume(-1), paintShell());
  $("volume-up").onclick = () => (changeVolume(1), paintShell());
  $("lang").onclick = switchLanguage;
  $("elder").onclick = async () => {
    setMode(document.documentElement.dataset.mode === "elder" ? "normal" : "elder");
    await refresh();
  };
  $("help").onclick = showHelp;
  $("back").onclick = () => back();
  $("home").onclick = () => endSession("home");
  document.addEventListener("pointerdown", onTouch, true);
  document.addEventListener("keydown", onTouch, true);
  dialog.addEventListener("cancel", (event) => event.preventDefault()); // no Esc on a kiosk
}

async function boot() {
  loadCatalog().catch(() => {}); // the home screen awaits it (and shows its error)
  const [config] = await Promise.all([get("/config"), setLanguage(DEFAULT_LOCALE)]);
  kiosk.config = config;
  if ((config.locale || DEFAULT_LOCALE) !== language()) await setLanguage(config.locale);
  const timeouts = kiosk.config.timeouts;
  clock = new SessionClock({
    warnSeconds: timeouts.warn_s ?? 20,
    capSeconds: timeouts.session_cap_s ?? 900,
    onTick: tick,
    onWarn: warnIdle,
    onExpire: (reason) => endSession(reason),
  });
  clock.idleSeconds = idleFor("home");
  Object.assign(kiosk, {
    notify: (message) => ($("status").textContent = message),
    endSession,
    startSession: (seconds) => clock.beginSession(seconds),
    openDialog,
    closeDialog,
  });
  setMode(initialMode());
  wireShell();
  onShown(showScreen);
  await goHome();
  document.body.dataset.ready = "1";
  performance.mark("kiosk-ready");
  connectDevices();
  watchStatus();
  setInterval(watchStatus, 15000);
  preloadScreens();
}

boot().catch((error) => {
  document.getElementById("main").replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
});
