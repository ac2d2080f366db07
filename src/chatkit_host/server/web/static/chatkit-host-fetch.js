/**
 * chatkit-host-fetch.js: a `fetch` for the ChatKit web component's `api.fetch` (custom-backend mode).
 *
 * In custom-backend mode ChatKit has no `getClientSecret` option; the page supplies `api.fetch` instead.
 * This module builds that fetch for a chatkit-host server: it sends the session's client secret as
 * `Authorization: Bearer`, and when the server answers 401 with code `session_expired` it asks the
 * page's own backend for a fresh secret once, through `getClientSecret(current)`, and retries.
 *
 *   import { createChatKitFetch } from "/static/chatkit-host-fetch.js";
 *   const fetchWithSecret = createChatKitFetch({
 *     getClientSecret: async (current) => (await fetch("/api/chatkit-session", { method: "POST" })).json()
 *       .then((body) => body.client_secret),
 *   });
 *   chatkit.setOptions({ api: { url: "https://chat.example.com/chatkit", domainKey: "...", fetch: fetchWithSecret } });
 *
 * `getClientSecret(current)` receives null the first time and the expired secret afterwards, like
 * ChatKit's hosted-mode option of the same name. Concurrent requests share one refresh.
 * `refreshCodes` lists the 401 codes that trigger a refresh (by default only `session_expired`; the
 * drop-in `<openai-chatkit>` in hosted mode also renews cancelled and refused secrets, as OpenAI's does).
 */

const REFRESH_CODES = ["session_expired"];

/**
 * @param {object} options
 * @param {(current: string | null) => Promise<string> | string} options.getClientSecret
 *   Returns a client secret from the page's backend (which creates sessions with its admin key).
 * @param {string | null} [options.clientSecret] A secret the page already has, used before asking.
 * @param {typeof fetch} [options.fetch] The underlying fetch (defaults to the global one).
 * @param {string[]} [options.refreshCodes] 401 error codes after which a new secret is fetched and the request retried once.
 * @returns {(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>}
 */
export function createChatKitFetch({ getClientSecret, clientSecret = null, fetch: baseFetch, refreshCodes = REFRESH_CODES } = {}) {
  if (typeof getClientSecret !== "function") {
    throw new TypeError("createChatKitFetch needs a getClientSecret(current) function");
  }
  const send = baseFetch ?? globalThis.fetch.bind(globalThis);
  let current = clientSecret;
  let refreshing = null;

  function obtain(stale) {
    // A request that saw an older secret expire should use the one another request already fetched.
    if (current && current !== stale) return Promise.resolve(current);
    if (!refreshing) {
      refreshing = Promise.resolve()
        .then(() => getClientSecret(stale ?? null))
        .then((secret) => {
          if (typeof secret !== "string" || secret === "") {
            throw new Error("getClientSecret did not return a client secret");
          }
          current = secret;
          return secret;
        })
        .finally(() => {
          refreshing = null;
        });
    }
    return refreshing;
  }

  async function attempt(input, init, secret) {
    const request = input instanceof Request ? input.clone() : input;
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set("Authorization", `Bearer ${secret}`);
    return send(request, { ...init, headers });
  }

  async function expired(response) {
    if (response.status !== 401) return false;
    try {
      const body = await response.clone().json();
      return refreshCodes.includes(body?.error?.code);
    } catch {
      return false;
    }
  }

  return async function chatkitHostFetch(input, init) {
    const secret = await obtain(null);
    const response = await attempt(input, init, secret);
    if (!(await expired(response))) return response;
    // A streamed body cannot be sent twice; such a request gets the 401 as it is.
    if (init?.body instanceof ReadableStream) return response;
    const fresh = await obtain(secret);
    return attempt(input, init, fresh);
  };
}

export default createChatKitFetch;
