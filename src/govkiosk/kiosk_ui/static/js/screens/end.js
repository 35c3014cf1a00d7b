// Session end (结束): everything is wiped at once; a thank-you stays briefly, then home.
import { h, button, screen } from "../dom.js";
import { t } from "../i18n.js";
import { post } from "../api.js";
import { kiosk } from "../kiosk.js";
import { state, wipeBrowser } from "../state.js";

const THANKS_MS = 8000;

export async function render(params, view) {
  if (state.dirty || state.session) await post("/session/end", { reason: "finished" }).catch(() => {});
  wipeBrowser();
  state.ended = true; // the agent has been told; going home needs no second /session/end
  const timer = setTimeout(() => view.isCurrent() && kiosk.endSession("finished"), THANKS_MS);
  view.onLeave(() => clearTimeout(timer));
  return screen(t("end.title"), t("end.lead"),
    h("ul", { class: "reminders" }, h("li", {}, t("end.takeCard")), h("li", {}, t("end.takeReceipt"))),
    h("div", { class: "actions" }, button(t("nav.home"), () => kiosk.endSession("finished"), { kind: "primary wide" })));
}
