// The ChatKit runtime protocol as seen from the browser: one POST endpoint, JSON bodies
// `{type, params, metadata}`, answered either with JSON or with Server-Sent Events (`data: <json>\n\n`).
//
// Two ways to reach it, as in ChatKit's `api` option:
// - custom mode `{url, domainKey, fetch, uploadStrategy}`: the page's own endpoint and fetch;
// - hosted mode `{getClientSecret(current)}`: the runtime of the chatkit-host server these modules were
//   loaded from (so swapping the CDN's chatkit.js for ours is the only change a hosted app needs), with the
//   session's client secret as `Authorization: Bearer`, renewed through `getClientSecret(current)` and
//   retried once when the server answers 401 expired, cancelled or refused, as the hosted element does.
import { createChatKitFetch } from "../chatkit-host-fetch.js";

/** The runtime endpoint of the server that served this file (`/static/chat/api.js` -> `/chatkit`). */
export const HOSTED_URL = new URL("../../chatkit", import.meta.url).href;
/** 401 codes after which hosted mode asks `getClientSecret(current)` for a new secret (src/chatkit_host/server/runtime/auth.py). */
export const HOSTED_REFRESH_CODES = ["session_expired", "session_cancelled", "invalid_client_secret"];

/** An error answered by the server (OpenAI's envelope) or raised by the transport. */
export class ChatApiError extends Error {
  constructor(message, { status = 0, code = null, type = null, param = null, retryAfter = null } = {}) {
    super(message);
    this.name = "ChatApiError";
    this.status = status;
    this.code = code;
    this.type = type;
    this.param = param;
    this.retryAfter = retryAfter;
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body && body.error) || {};
  const retryAfter = response.headers.get("retry-after");
  return new ChatApiError(error.message || `The server answered ${response.status}.`, {
    status: response.status,
    code: error.code || null,
    type: error.type || null,
    param: error.param || null,
    retryAfter: retryAfter ? Number(retryAfter) : null,
  });
}

/** Splits an SSE byte stream into parsed `data:` payloads. */
export async function* readEvents(body, signal) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    while (true) {
      if (signal && signal.aborted) return;
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
        const data = block
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (data) yield JSON.parse(data);
      }
    }
    buffer += decoder.decode();
    const tail = buffer.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
    if (tail) yield JSON.parse(tail);
  } finally {
    reader.releaseLock();
  }
}

/** The absolute form of `url` resolved against `base`, or null when it is not a URL. */
function resolve(url, base) {
  try {
    return new URL(url, base);
  } catch {
    return null;
  }
}

export class ChatApi {
  /**
   * @param {{url?: string, domainKey?: string, fetch?: typeof fetch, uploadStrategy?: object, getClientSecret?: Function}} api
   * @param {() => string|undefined} locale
   */
  constructor(api, locale) {
    const hosted = Boolean(api) && typeof api.getClientSecret === "function";
    if (!hosted && (!api || !api.url)) throw new TypeError("options.api needs either url (custom mode) or getClientSecret (hosted mode)");
    // `domainKey` is accepted and never verified: there is no one to verify it against (docs/ui.md).
    this.mode = hosted ? "hosted" : "custom";
    this.url = hosted ? HOSTED_URL : api.url;
    // The chat server may live on another origin than the page that embeds the component; URLs it
    // hands out (previews, upload targets) are "ours" when they point at it, not at the page.
    this.serverUrl = resolve(api.url, window.location.href)?.href || window.location.href;
    this.serverOrigin = new URL(this.serverUrl).origin;
    // The page's functions are read at call time, so `update` can hand over fresh ones without a restart.
    this.config = api;
    this.fetchImpl = hosted
      ? createChatKitFetch({ getClientSecret: (current) => this.config.getClientSecret(current), refreshCodes: HOSTED_REFRESH_CODES })
      : (...args) => (this.config.fetch ? this.config.fetch(...args) : window.fetch(...args));
    this.uploadStrategy = (!hosted && api.uploadStrategy) || null;
    this.locale = locale;
  }

  /** Takes the page's latest functions (`fetch`, `getClientSecret`) for the same backend and session. */
  update(api) {
    this.config = api;
  }

  /** Whether `url` (relative URLs count from `api.url`) points at the chat server. */
  isServerUrl(url) {
    const absolute = resolve(url, this.serverUrl);
    return absolute !== null && absolute.origin === this.serverOrigin;
  }

  headers(extra = {}) {
    const headers = { ...extra };
    const locale = this.locale();
    if (locale) headers["Accept-Language"] = locale;
    return headers;
  }

  async post(type, params, signal) {
    let response;
    try {
      response = await this.fetchImpl(this.url, {
        method: "POST",
        headers: this.headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({ type, params, metadata: {} }),
        signal,
      });
    } catch (error) {
      if (error && error.name === "AbortError") throw error;
      // fetch fails with a TypeError when the network does; anything else came from the page's own
      // getClientSecret (hosted mode) or fetch (custom mode), and its message is the useful one.
      if (error instanceof TypeError || !(error && error.message)) {
        throw new ChatApiError("The server could not be reached.", { code: "network_error" });
      }
      throw new ChatApiError(error.message, { code: this.mode === "hosted" ? "client_secret_failed" : "fetch_failed" });
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  /** A JSON request (threads.list, items.feedback, ...). */
  async request(type, params) {
    const response = await this.post(type, params);
    return response.json();
  }

  /** A streaming request; yields stream events until the server ends the body or `signal` aborts. */
  async *stream(type, params, signal) {
    const response = await this.post(type, params, signal);
    const contentType = response.headers.get("content-type") || "";
    if (!contentType.includes("text/event-stream")) {
      // Some servers answer an error as JSON with a 200; show it rather than hang.
      const body = await response.json().catch(() => ({}));
      if (body && body.error) throw new ChatApiError(body.error.message || "Request failed.", { code: body.error.code });
      return;
    }
    yield* readEvents(response.body, signal);
  }

  /** Fetches a URL of this server with the client secret, for previews that need it. */
  async fetchBlob(url) {
    const response = this.isServerUrl(url) ? await this.fetchImpl(url, { method: "GET" }) : null;
    if (!response || !response.ok) return null;
    return response.blob();
  }

  /** Uploads `file` with the configured strategy and returns the Attachment the server made. */
  async upload(file) {
    const strategy = this.uploadStrategy || { type: "two_phase" };
    if (strategy.type === "direct") {
      const form = new FormData();
      form.append("file", file, file.name);
      const response = await this.send(strategy.uploadUrl, "POST", form, {});
      return response.json();
    }
    const attachment = await this.request("attachments.create", {
      name: file.name,
      size: file.size,
      mime_type: file.type || "application/octet-stream",
    });
    const descriptor = attachment.upload_descriptor;
    if (descriptor && descriptor.url) {
      const method = (descriptor.method || "POST").toUpperCase();
      let body = file;
      if (method === "POST") {
        body = new FormData();
        body.append("file", file, file.name);
      }
      const response = await this.send(descriptor.url, method, body, descriptor.headers || {});
      const text = await response.text();
      if (text) {
        try {
          const uploaded = JSON.parse(text);
          if (uploaded && uploaded.id === attachment.id) return uploaded;
        } catch {
          /* upload targets may answer with no JSON at all */
        }
      }
    }
    return attachment;
  }

  async send(url, method, body, headers) {
    // The client secret goes only to this server; a presigned object-store URL gets a plain fetch.
    const doFetch = this.isServerUrl(url) ? this.fetchImpl : (...args) => window.fetch(...args);
    let response;
    try {
      response = await doFetch(url, { method, body, headers: this.headers(headers) });
    } catch {
      throw new ChatApiError("The upload could not reach the server.", { code: "network_error" });
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }
}
