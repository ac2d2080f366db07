// The playground page: pick a user, a workflow and its state variables, get a session from this server (with
// the admin key, admin-key.js), chat with it. The URL keeps the user, the workflow and the open thread
// (`?user=&workflow=&thread=`), and a reload reuses this tab's session while it is still active.
import "./chatkit-ui.js";
import { createChatKitFetch } from "./chatkit-host-fetch.js";
import { adminApi, adminKey, forgetAdminKey, onKeyEntered, takeKeyFromFragment } from "./admin-key.js";
import { applyTheme, initialTheme } from "./theme.js";

const form = document.getElementById("session-form");
const settings = document.getElementById("settings");
const stateFields = document.getElementById("state-fields");
const chat = document.getElementById("chat");
const info = document.getElementById("session-info");
const message = document.getElementById("playground-message");
const themeToggle = document.getElementById("theme-toggle");
const login = document.getElementById("login");
const loginError = document.getElementById("login-error");
const logout = document.getElementById("logout");

/** This tab's last session and the request that made it, so a reload can pick it up again (sessionStorage). */
const SESSION_KEY = "chatkit-host.playground.session";
/** A stored session closer to its expiry than this is not worth reusing: the page would renew it at once. */
const REUSE_MARGIN_MS = 30_000;
const NARROW = window.matchMedia("(max-width: 760px)");

let theme = initialTheme();
let session = null; // the chatkit.session answered by /playground/session (client_secret included)
let refreshTimer = null;
let workflows = [];
let activeBody = null;

function showMessage(text, level = "danger") {
  message.textContent = text;
  message.className = `banner ${level}`;
  message.hidden = !text;
}

// ---- the URL ------------------------------------------------------------------------------------

function urlParams() {
  return new URLSearchParams(window.location.search);
}

/** Rewrites the query (`null` removes a parameter) without a new history entry: a reload comes back here. */
function setUrlParams(values) {
  const params = urlParams();
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === "") params.delete(name);
    else params.set(name, value);
  }
  const query = params.toString();
  window.history.replaceState(window.history.state, "", `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`);
}

// ---- the form -----------------------------------------------------------------------------------

/** One field per declared state variable, typed after its declaration; a default pre-fills it. */
function renderStateFields(workflowId) {
  const declared = (workflows.find((w) => w.id === workflowId) || {}).state_variables || {};
  const fields = Object.entries(declared).map(([name, spec]) => {
    const input = document.createElement("input");
    input.name = `state.${name}`;
    input.dataset.stateType = spec.type;
    const label = document.createElement("label");
    if (spec.type === "boolean") {
      input.type = "checkbox";
      input.checked = spec.default === true;
      label.className = "check";
      label.append(input, ` ${name}`);
    } else {
      input.type = spec.type === "string" ? "text" : "number";
      if (spec.type === "number") input.step = "any";
      if (spec.type === "integer") input.step = "1";
      if (spec.default !== null && spec.default !== undefined) input.value = String(spec.default);
      input.placeholder = spec.type;
      label.append(`${name} (${spec.type})`, input);
    }
    if (spec.description) label.title = spec.description;
    return label;
  });
  const legend = document.createElement("legend");
  legend.textContent = "State variables";
  stateFields.replaceChildren(legend, ...fields);
  stateFields.hidden = fields.length === 0;
}

/** The typed values of the state fields; an empty text or number field is left out, so the default applies. */
function stateValues() {
  const values = {};
  for (const input of stateFields.querySelectorAll("input[data-state-type]")) {
    const name = input.name.slice("state.".length);
    const type = input.dataset.stateType;
    if (type === "boolean") values[name] = input.checked;
    else if (input.value === "") continue;
    else if (type === "string") values[name] = input.value;
    else values[name] = Number(input.value); // the input's own validation (step) keeps integers whole
  }
  return values;
}

/** The session request the form describes. */
function sessionBody() {
  const data = new FormData(form);
  const number = (name) => (data.get(name) ? Number(data.get(name)) : undefined);
  const workflow = { id: String(data.get("workflow") || "default") };
  const state = stateValues();
  if (Object.keys(state).length) workflow.state_variables = state;
  return {
    user: String(data.get("user") || "").trim(),
    workflow,
    expires_after: { anchor: "created_at", seconds: number("expires") || 600 },
    rate_limits: { max_requests_per_1_minute: number("rpm") || 60 },
    chatkit_configuration: {
      file_upload: {
        enabled: data.get("uploads") === "on",
        max_file_size: number("max_file_size"),
        max_files: number("max_files"),
      },
      history: { enabled: data.get("history") === "on", recent_threads: number("recent_threads") ?? null },
      automatic_thread_titling: { enabled: data.get("titling") === "on" },
    },
  };
}

// ---- the session --------------------------------------------------------------------------------

async function createSession(body) {
  const created = await adminApi("/playground/session", { method: "POST", body });
  session = created;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ body, session: created }));
  renderInfo();
  scheduleRefresh();
  return created.client_secret;
}

function storedSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

/** This tab's stored session, if it was made from the same request and is still active on the server. */
async function reusableSession(body) {
  const stored = storedSession();
  if (!stored || JSON.stringify(stored.body) !== JSON.stringify(body)) return null;
  if (stored.session.expires_at * 1000 - Date.now() < REUSE_MARGIN_MS) return null;
  // Cancelled from the admin console meanwhile? The admin API knows (the stored copy cannot).
  const current = await adminApi(`/v1/chatkit/sessions/${encodeURIComponent(stored.session.id)}`).catch(() => null);
  if (!current || current.status !== "active") return null;
  return { ...current, client_secret: stored.session.client_secret };
}

/** Puts a stored request back into the form (after a reload), so that the form says what the session is. */
function fillForm(body) {
  const f = form.elements;
  const cfg = body.chatkit_configuration;
  f.expires.value = String(body.expires_after.seconds);
  f.rpm.value = String(body.rate_limits.max_requests_per_1_minute);
  f.uploads.checked = cfg.file_upload.enabled;
  if (cfg.file_upload.max_file_size !== undefined) f.max_file_size.value = String(cfg.file_upload.max_file_size);
  if (cfg.file_upload.max_files !== undefined) f.max_files.value = String(cfg.file_upload.max_files);
  f.history.checked = cfg.history.enabled;
  f.recent_threads.value = cfg.history.recent_threads === null ? "" : String(cfg.history.recent_threads);
  f.titling.checked = cfg.automatic_thread_titling.enabled;
  const state = body.workflow.state_variables || {};
  for (const input of stateFields.querySelectorAll("input[data-state-type]")) {
    const value = state[input.name.slice("state.".length)];
    if (input.dataset.stateType === "boolean") input.checked = value === true;
    else input.value = value === undefined ? "" : String(value);
  }
}

/** Refresh shortly before expiry, so a long chat never sees an expired secret. */
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const lifetime = session.expires_at * 1000 - Date.now();
  const ms = lifetime - Math.min(20_000, lifetime * 0.2);
  refreshTimer = setTimeout(() => {
    if (session && session.status !== "cancelled") {
      createSession(activeBody)
        .then(useSecret)
        .catch((e) => showMessage(e.message));
    }
  }, Math.max(ms, 1_000));
}

function renderInfo() {
  const s = session;
  const left = Math.max(0, Math.round(s.expires_at - Date.now() / 1000));
  const cfg = s.chatkit_configuration;
  const state = s.workflow.state_variables || {};
  const rows = [
    ["Session", s.id],
    ["User", s.user],
    ["Workflow", `${s.workflow.id}${s.workflow.version ? ` @ ${s.workflow.version}` : ""}`],
    ["State", Object.keys(state).length ? Object.entries(state).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ") : "defaults"],
    ["Status", s.status],
    ["Expires in", `${left} s (renewed automatically)`],
    ["Rate limit", `${s.rate_limits.max_requests_per_1_minute} requests/min`],
    ["Uploads", cfg.file_upload.enabled ? `on · ≤ ${cfg.file_upload.max_file_size} MB · ≤ ${cfg.file_upload.max_files} files` : "off"],
    ["History", cfg.history.enabled ? `on${cfg.history.recent_threads ? ` · last ${cfg.history.recent_threads}` : ""}` : "off"],
    ["Titles", cfg.automatic_thread_titling.enabled ? "automatic" : "off"],
  ];
  info.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dd.dataset.field = k.toLowerCase().replace(/\s+/g, "-");
      return [dt, dd];
    }),
  );
}

// The chat keeps one `api.fetch` for the whole session chain; renewing swaps the helper behind it, so the
// conversation on screen stays while the secret changes. The helper itself renews once more on a 401
// `session_expired` that races the timer.
let secretFetch = null;
const chatFetch = (input, init) => secretFetch(input, init);

function useSecret(secret) {
  secretFetch = createChatKitFetch({ clientSecret: secret, getClientSecret: () => createSession(activeBody) });
}

function mountChat(initialThread) {
  const cfg = session.chatkit_configuration;
  const workflow = workflows.find((w) => w.id === session.workflow.id);
  useSecret(session.client_secret);
  chat.setOptions({
    api: { url: "/chatkit", fetch: chatFetch, uploadStrategy: { type: "two_phase" } },
    theme,
    locale: navigator.language,
    initialThread: initialThread || null,
    header: { enabled: true, title: { text: "Playground" } },
    history: { enabled: true, showDelete: true, showRename: true },
    startScreen: {
      greeting: `Hello ${session.user}! What shall we talk about?`,
      prompts: [
        { label: "Explain streaming", prompt: "How does a streamed answer work?" },
        { label: "Show some Markdown", prompt: "Show me a list and a code block." },
      ],
    },
    composer: {
      placeholder: `Message ${(workflow && workflow.name) || session.workflow.id}`,
      attachments: {
        enabled: cfg.file_upload.enabled,
        maxSize: cfg.file_upload.max_file_size * 1024 * 1024,
        maxCount: cfg.file_upload.max_files,
      },
    },
    threadItemActions: { feedback: true, retry: true },
    onClientTool: async ({ name, params }) => ({ name, params, handled_by: "playground" }),
  });
}

/** Starts chatting: with this tab's live session when `reuse` allows and it fits the form, else a new one. */
async function start({ reuse = false, thread = null } = {}) {
  const body = sessionBody();
  if (!body.user) {
    showMessage("Pick a user name first.");
    return;
  }
  localStorage.setItem("chatkit-host.playground.user", body.user);
  try {
    activeBody = body;
    const live = reuse ? await reusableSession(body) : null;
    if (live) {
      session = live;
      renderInfo();
      scheduleRefresh();
    } else {
      await createSession(body);
    }
    showMessage("");
    setUrlParams({ user: body.user, workflow: body.workflow.id, thread });
    mountChat(thread);
  } catch (error) {
    if (error.status === 401) return askForKey("The admin key was refused. Type it again.");
    showMessage(error.code === "playground_disabled" ? error.message : `Could not create a session: ${error.message}`);
  }
}

// ---- the admin key ------------------------------------------------------------------------------

function askForKey(text) {
  forgetAdminKey();
  chat.hidden = true;
  logout.hidden = true;
  login.hidden = false;
  loginError.textContent = text || "";
  loginError.hidden = !text;
  document.getElementById("admin-key").focus();
}

onKeyEntered(login, document.getElementById("admin-key"), main);

logout.addEventListener("click", () => {
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(SESSION_KEY);
  askForKey("");
});

// ---- wiring -------------------------------------------------------------------------------------

themeToggle.addEventListener("click", () => {
  theme = theme === "dark" ? "light" : "dark";
  applyTheme(theme, themeToggle);
  if (session) chat.setOptions({ ...chat.options, theme });
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  start();
  if (NARROW.matches) settings.open = false; // back to the chat
});

form.elements.workflow.addEventListener("change", () => renderStateFields(form.elements.workflow.value));

chat.addEventListener("chatkit.thread.change", (event) => setUrlParams({ thread: event.detail.threadId }));

chat.addEventListener("chatkit.error", (event) => {
  const code = String(event.detail.error.code || "");
  if (code === "session_cancelled" || code === "invalid_client_secret") {
    session = { ...session, status: code === "session_cancelled" ? "cancelled" : "invalid" };
    clearTimeout(refreshTimer);
    sessionStorage.removeItem(SESSION_KEY);
    renderInfo();
  }
});

let configured = false;

async function main() {
  const params = urlParams();
  let config;
  try {
    config = await adminApi("/playground/config");
  } catch (error) {
    if (error.status === 401) {
      askForKey(adminKey() ? "That key was refused." : "");
      return;
    }
    showMessage(error.message);
    form.querySelector("button[type=submit]").disabled = true;
    return;
  }
  login.hidden = true;
  chat.hidden = false;
  logout.hidden = false;
  if (!configured) {
    configured = true;
    workflows = config.workflows;
    const select = form.elements.workflow;
    for (const wf of workflows) {
      const option = document.createElement("option");
      option.value = wf.id;
      option.textContent = wf.name ? `${wf.name} (${wf.id})` : wf.id;
      select.append(option);
    }
    if (params.get("workflow")) select.value = params.get("workflow");
    renderStateFields(select.value);
    setInterval(() => session && renderInfo(), 1000);
    // After a reload: the same user and workflow get this tab's session back, with the form as it made it.
    const stored = storedSession();
    if (stored && stored.body.user === form.elements.user.value && stored.body.workflow.id === select.value) fillForm(stored.body);
  }
  await start({ reuse: true, thread: params.get("thread") });
}

applyTheme(theme, themeToggle);
takeKeyFromFragment();
settings.open = !NARROW.matches;
form.elements.user.value =
  urlParams().get("user") || localStorage.getItem("chatkit-host.playground.user") || `guest-${Math.random().toString(36).slice(2, 7)}`;
main();
