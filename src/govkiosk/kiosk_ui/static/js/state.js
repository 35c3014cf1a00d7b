// The citizen's page state: everything personal lives here and nowhere else, so one call wipes it.
export const state = {};

const objectUrls = new Set();

/** Start a clean state (also after a session ends). */
export function resetState() {
  for (const key of Object.keys(state)) delete state[key];
  Object.assign(state, { dirty: false, item: null, person: null, session: null, data: {}, materials: {}, result: null });
}

/** An object URL for an image, revoked when the state is wiped. */
export function objectUrl(blob) {
  const url = URL.createObjectURL(blob);
  objectUrls.add(url);
  return url;
}

/** Wipe what the browser may hold about the citizen: storage, cookies, images, canvases, state. */
export function wipeBrowser() {
  resetState();
  sessionStorage.clear();
  localStorage.clear();
  for (const cookie of document.cookie.split(";")) {
    const name = cookie.split("=")[0].trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
  objectUrls.forEach((url) => URL.revokeObjectURL(url));
  objectUrls.clear();
  document.querySelectorAll("canvas").forEach((canvas) => {
    canvas.getContext("2d")?.clearRect(0, 0, canvas.width, canvas.height);
    canvas.width = 0;
  });
  document.querySelectorAll("img").forEach((img) => img.removeAttribute("src"));
  document.querySelectorAll("input, textarea").forEach((field) => (field.value = ""));
}

resetState();
