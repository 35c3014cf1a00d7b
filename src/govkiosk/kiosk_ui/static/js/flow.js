// The order of an application: guide → identity → form steps → confirm → signature → payment →
// submit → receipt → evaluation → end. Each stage asks here what comes next.
import { go } from "./router.js";
import { state } from "./state.js";
import { getAt } from "./format.js";
import { signaturePaths } from "./schema.js";

export const hasFees = (item) => (Array.isArray(item?.fees) ? item.fees.length > 0 : Boolean(item?.fees));

/** After the citizen is identified: the form, or straight to submitting when the item has none. */
export function afterIdentity() {
  return state.item?.form ? go("form", { step: 0 }) : go("submit");
}

/** After the answers are confirmed (and after each later stage): sign, pay, submit. */
export function afterConfirm() {
  const definition = state.item?.form;
  if (definition && signaturePaths(definition).some((path) => !getAt(state.data, path))) return go("signature");
  if (hasFees(state.item) && !state.paymentId) return go("payment");
  return go("submit");
}

/** Start applying for the item on show: identify first, unless already identified. */
export function startApplication(item) {
  state.item = item;
  state.data = {};
  state.materials = {};
  state.result = null;
  state.paymentId = null;
  state.prefilled = false;
  return state.person ? afterIdentity() : go("identity");
}
