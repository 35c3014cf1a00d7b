// govkiosk device client: the kiosk page's side of the agent-local device protocol
// (XFS4IoT-style JSON over WebSocket, see govkiosk/contracts/devices.py). ES module, no build step.
//
//   import { connect } from "./js/devices.js";
//   const devices = await connect({ baseUrl: "ws://127.0.0.1:8765/xfs4iot/v1.0", token });
//   const reader = devices.service("IdCardReader");
//   reader.onStatus((status) => console.log(status.device));
//   const card = await reader.command("IdCardReader.Read", { withPhoto: false }, { timeout: 30000 });
//
// A command resolves with its completion payload on `success`, and rejects with a DeviceError
// carrying `completionCode` otherwise (also when the connection closes first).

const BASE_PATH = "/xfs4iot/v1.0";

/** A command that did not complete `success`; `completionCode` names why (XFS4IoT codes). */
export class DeviceError extends Error {
  constructor(completionCode, message, completion = null) {
    super(message || completionCode);
    this.name = "DeviceError";
    this.completionCode = completionCode;
    this.completion = completion;
  }
}

/** Discover the device services; resolves to a Devices object. */
export async function connect({ baseUrl, token }) {
  const root = baseUrl.replace(/^ws/, "http").replace(/\/+$/, "");
  const http = root.endsWith(BASE_PATH) ? root : root + BASE_PATH;
  let response;
  try {
    response = await fetch(`${http}/services?token=${encodeURIComponent(token)}`);
  } catch (error) {
    // a refused token answers 403 without CORS headers, which the browser reports as a network error
    throw new DeviceError("authorisationRequired", `device service refused or unreachable: ${error.message}`);
  }
  if (!response.ok) {
    throw new DeviceError("authorisationRequired", `device service answered HTTP ${response.status}`);
  }
  return new Devices(await response.json(), http.replace(/^http/, "ws"), token);
}

/** The kiosk's device services, as discovery listed them. */
export class Devices {
  constructor(discovery, wsBase, token) {
    this.discovery = discovery; // {vendor, simulated, services: [{deviceClass, serviceURI}]}
    this.simulated = discovery.simulated;
    this._wsBase = wsBase;
    this._token = token;
    this._services = new Map();
  }

  /** Device classes on offer, e.g. ["IdCardReader", "Printer"]. */
  get classes() {
    return this.discovery.services.map((s) => s.deviceClass);
  }

  /** The service of one device class (one WebSocket, opened on first use). */
  service(deviceClass) {
    if (!this._services.has(deviceClass)) {
      const entry = this.discovery.services.find((s) => s.deviceClass === deviceClass);
      if (!entry) throw new DeviceError("unsupportedCommand", `no ${deviceClass} on this kiosk`);
      const uri = /^wss?:/.test(entry.serviceURI) ? entry.serviceURI : `${this._wsBase}/${deviceClass}`;
      this._services.set(deviceClass, new DeviceService(uri, this._token));
    }
    return this._services.get(deviceClass);
  }

  /** Close every service connection. */
  close() {
    for (const service of this._services.values()) service.close();
    this._services.clear();
  }
}

/** One device service connection; requestIds are allocated per connection. */
export class DeviceService {
  constructor(uri, token) {
    this.uri = uri;
    this._token = token;
    this._nextId = 1;
    this._pending = new Map(); // requestId → {resolve, reject, onEvent, acknowledged}
    this._statusListeners = new Set();
    this._unsolicitedListeners = new Set();
    this._socket = null;
  }

  _open() {
    if (this._socket) return this._socket;
    const url = `${this.uri}${this.uri.includes("?") ? "&" : "?"}token=${encodeURIComponent(this._token)}`;
    this._socket = new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new DeviceError("authorisationRequired", `cannot open ${this.uri}`));
      ws.onmessage = (event) => this._receive(JSON.parse(event.data));
      ws.onclose = () => this._closed();
    });
    return this._socket;
  }

  _receive({ header, payload }) {
    if (header.type === "unsolicited") {
      if (header.name === "Common.StatusChangedEvent") this._statusListeners.forEach((fn) => fn(payload));
      this._unsolicitedListeners.forEach((fn) => fn(header.name, payload));
      return;
    }
    const pending = this._pending.get(header.requestId);
    if (!pending) return;
    if (header.type === "acknowledge") pending.acknowledged = true;
    else if (header.type === "event") pending.onEvent?.(header.name, payload);
    else if (header.type === "completion") {
      this._pending.delete(header.requestId);
      if (header.completionCode === "success") pending.resolve(payload);
      else pending.reject(new DeviceError(header.completionCode, header.errorDescription, { header, payload }));
    }
  }

  _closed() {
    this._socket = null;
    for (const pending of this._pending.values()) {
      pending.reject(new DeviceError("canceled", "device connection closed"));
    }
    this._pending.clear();
  }

  /**
   * Send a command; resolves with the completion payload, rejects with a DeviceError.
   * options.timeout: ms (0/absent: the service default); options.onEvent(name, payload): its events.
   * The returned promise carries `requestId`, for cancel().
   */
  command(name, payload = {}, { timeout, onEvent } = {}) {
    const requestId = this._nextId++;
    const header = { type: "command", name, requestId, version: "1.0" };
    if (timeout) header.timeout = timeout;
    const promise = new Promise((resolve, reject) => {
      this._pending.set(requestId, { resolve, reject, onEvent, acknowledged: false });
      this._open().then(
        (ws) => ws.send(JSON.stringify({ header, payload })),
        (error) => {
          this._pending.delete(requestId);
          reject(error);
        },
      );
    });
    promise.requestId = requestId;
    return promise;
  }

  /** Cancel these pending commands (default: all of this connection's). */
  cancel(requestIds = []) {
    return this.command("Common.Cancel", { requestIds });
  }

  /** The device's state and supplies: {device, supplies, simulated, detail}. */
  status() {
    return this.command("Common.Status");
  }

  /** What the service offers: {deviceClass, commands, events, simulated, …}. */
  capabilities() {
    return this.command("Common.Capabilities");
  }

  /** Call `callback(status)` on every Common.StatusChangedEvent; returns an unsubscribe function. */
  onStatus(callback) {
    this._statusListeners.add(callback);
    this._open().catch(() => {});
    return () => this._statusListeners.delete(callback);
  }

  /** Call `callback(name, payload)` on every unsolicited message (thresholds, errors, status). */
  onUnsolicited(callback) {
    this._unsolicitedListeners.add(callback);
    this._open().catch(() => {});
    return () => this._unsolicitedListeners.delete(callback);
  }

  close() {
    this._socket?.then((ws) => ws.close(), () => {});
  }
}

/** 110101********1234: an ID number as a kiosk may show it. */
export function maskIdNumber(number) {
  return number && number.length > 10 ? number.slice(0, 6) + "*".repeat(number.length - 10) + number.slice(-4) : "";
}
