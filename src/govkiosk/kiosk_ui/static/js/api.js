// The agent's local API (/local/v1, same origin). Errors arrive as
// {"error": {"code", "message": {zh, en}}} and become ApiError, whose text is shown to the citizen.
import { t, text } from "./i18n.js";

const BASE = "/local/v1";

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(code);
    this.status = status;
    this.code = code;
    this.messages = message; // {zh, en} or null
    this.body = body;
  }

  /** The message for the citizen, in the current language. */
  get display() {
    return this.messages ? text(this.messages) : t(`error.${this.code}`);
  }
}

async function request(method, path, body) {
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", null);
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = answer.error || {};
    throw new ApiError(response.status, error.code || "unknown", error.message || null, answer);
  }
  return answer;
}

export const get = (path) => request("GET", path);
export const post = (path, body = {}) => request("POST", path, body);

/** The text to show for any error thrown by a call. */
export function errorText(error) {
  return error instanceof ApiError ? error.display : t("error.unknown");
}
