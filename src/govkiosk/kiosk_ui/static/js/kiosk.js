// What every screen may use of the running kiosk: the config, the devices, and the shell's services
// (app.js fills these in at boot; screens never import app.js, so there is no import cycle).
export const kiosk = {
  config: null, // GET /local/v1/config
  devices: null, // devices.js Devices, or null when the device service is unreachable
  online: true,
  notify: (message) => {}, // a polite status message in the footer
  endSession: async (reason) => {}, // end, wipe, go home
  startSession: (secondsLeft) => {}, // identity verified: the agent's session clock starts
  openDialog: (options) => {}, // {title, body, actions: [{label, onclick, kind}]}
  closeDialog: () => {},
};

/** A device service of this kiosk, or null. */
export function deviceService(deviceClass) {
  try {
    return kiosk.devices?.service(deviceClass) ?? null;
  } catch {
    return null;
  }
}
