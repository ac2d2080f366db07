// The admin key in the browser, shared by the admin console and the playground: typed in (or carried once in
// the URL fragment of the link `chatkit-host serve` prints on its first start), kept only in this tab's
// sessionStorage, and sent only to this server (relative URLs), as `Authorization: Bearer`.
const KEY = "chatkit-host.admin-key";

/**
 * Moves a `#key=...` fragment into sessionStorage and out of the address bar (and so out of the history and of
 * bookmarks). The fragment is never sent to the server, so no proxy or access log saw it either.
 */
export function takeKeyFromFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  if (!params.has("key")) return;
  const key = (params.get("key") || "").trim();
  params.delete("key");
  const rest = params.toString();
  const url = `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ""}`;
  window.history.replaceState(window.history.state, "", url);
  if (key) sessionStorage.setItem(KEY, key);
}

export const adminKey = () => sessionStorage.getItem(KEY);
export const setAdminKey = (key) => sessionStorage.setItem(KEY, key);
export const forgetAdminKey = () => sessionStorage.removeItem(KEY);

export class AdminApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls this server with the admin key; answers the JSON body, or throws AdminApiError with OpenAI's error. */
export async function adminApi(path, { method = "GET", body } = {}) {
  if (!path.startsWith("/") || path.startsWith("//")) throw new TypeError("adminApi only calls this server");
  const headers = {};
  const key = adminKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = payload.error || {};
    throw new AdminApiError(error.message || `HTTP ${response.status}`, response.status, error.code);
  }
  return payload;
}

/** Wires a page's key form: a non-empty key from ``input`` is kept for this tab, the field emptied, ``then`` run. */
export function onKeyEntered(form, input, then) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    setAdminKey(key);
    input.value = "";
    then();
  });
}
