// Drives chatkit-host-fetch.js against a running chatkit-host (started by tests/test_runtime_js.py).
// Usage: node fetch_helper.mjs <path of the module as served> ; env BASE_URL, ADMIN_KEY.
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";

const { createChatKitFetch } = await import(pathToFileURL(process.argv[2]).href);
const base = process.env.BASE_URL;
const admin = { Authorization: `Bearer ${process.env.ADMIN_KEY}`, "Content-Type": "application/json" };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Plays the page's own backend: mints a session with the admin key. The first one lives one second.
const asked = [];
const sessions = [];
async function getClientSecret(current) {
  asked.push(current);
  const seconds = sessions.length === 0 ? 1 : 600;
  const response = await fetch(`${base}/v1/chatkit/sessions`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ user: "js-user", workflow: { id: "default" }, expires_after: { anchor: "created_at", seconds } }),
  });
  assert.equal(response.status, 200);
  const session = await response.json();
  sessions.push(session);
  return session.client_secret;
}

const chatkitFetch = createChatKitFetch({ getClientSecret });
const call = (type, params) =>
  chatkitFetch(`${base}/chatkit`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type, params }),
  });

// 1. The first request asks for a secret (with null) and succeeds; the stream is readable.
const created = await call("threads.create", {
  input: { content: [{ type: "input_text", text: "hello from node" }], attachments: [], inference_options: {} },
});
assert.equal(created.status, 200);
assert.match(created.headers.get("content-type"), /^text\/event-stream/);
const text = await created.text();
const threadId = JSON.parse(text.split("\n\n")[0].slice("data: ".length)).thread.id;
assert.deepEqual(asked, [null]);

// 2. After expiry: two concurrent requests see 401 session_expired, share ONE refresh, and both succeed.
await sleep(1300);
const [a, b] = await Promise.all([call("threads.list", {}), call("threads.get_by_id", { thread_id: threadId })]);
assert.equal(a.status, 200);
assert.equal(b.status, 200);
assert.equal(asked.length, 2, `expected one refresh, got ${asked.length - 1}`);
assert.equal(asked[1], sessions[0].client_secret);
assert.equal((await b.json()).id, threadId);

// 3. A cancelled session is not refreshed: the page gets the 401 as it is.
const cancelled = await fetch(`${base}/v1/chatkit/sessions/${sessions[1].id}/cancel`, { method: "POST", headers: admin });
assert.equal(cancelled.status, 200);
const refused = await call("threads.list", {});
assert.equal(refused.status, 401);
assert.equal((await refused.json()).error.code, "session_cancelled");
assert.equal(asked.length, 2);

// 4. A page's own headers survive, and a secret it already has is used without asking.
const preset = createChatKitFetch({ clientSecret: "cksec_unknown", getClientSecret: () => "never" });
const unknown = await preset(`${base}/chatkit`, {
  method: "POST",
  headers: { "Content-Type": "application/json", "Accept-Language": "nb" },
  body: JSON.stringify({ type: "threads.list", params: {} }),
});
assert.equal(unknown.status, 401);
assert.equal((await unknown.json()).error.code, "invalid_client_secret");

console.log(JSON.stringify({ ok: true, refreshes: asked.length - 1 }));
