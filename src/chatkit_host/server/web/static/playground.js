// The playground page: pick a user and a workflow, get a session from this server, chat with it.
import "./chatkit-ui.js";
import { createChatKitFetch } from "./chatkit-host-fetch.js";
import { applyTheme, initialTheme } from "./theme.js";

const form = document.getElementById("session-form");
const chat = document.getElementById("chat");
const info = document.getElementById("session-info");
const message = document.getElementById("playground-message");
const themeToggle = document.getElementById("theme-toggle");

let theme = initialTheme();
let session = null; // the chatkit.session answered by /playground/session (client_secret included)
let refreshTimer = null;
let infoTimer = null;

function showMessage(text, level = "danger") {
  message.textContent = text;
  message.className = `banner ${level}`;
  message.hidden = !text;
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((payload.error && payload.error.message) || `HTTP ${response.status}`);
    error.code = payload.error && payload.error.code;
    throw error;
  }
  return payload;
}

/** The session request the form describes. */
function sessionBody() {
  const data = new FormData(form);
  const number = (name) => (data.get(name) ? Number(data.get(name)) : undefined);
  return {
    user: String(data.get("user") || "").trim(),
    workflow: { id: String(data.get("workflow") || "default") },
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

let activeBody = null;

async function createSession(body) {
  const created = await postJson("/playground/session", body);
  session = created;
  renderInfo();
  scheduleRefresh();
  return created.client_secret;
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
  const rows = [
    ["Session", s.id],
    ["User", s.user],
    ["Workflow", `${s.workflow.id}${s.workflow.version ? ` @ ${s.workflow.version}` : ""}`],
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

function mountChat() {
  const cfg = session.chatkit_configuration;
  useSecret(session.client_secret);
  chat.setOptions({
    api: { url: "/chatkit", fetch: chatFetch, uploadStrategy: { type: "two_phase" } },
    theme,
    locale: navigator.language,
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
      placeholder: `Message ${session.workflow.id}`,
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

async function start() {
  const body = sessionBody();
  if (!body.user) {
    showMessage("Pick a user name first.");
    return;
  }
  localStorage.setItem("chatkit-host.playground.user", body.user);
  try {
    activeBody = body;
    await createSession(body);
    showMessage("");
    mountChat();
  } catch (error) {
    showMessage(error.code === "playground_disabled" ? `${error.message}` : `Could not create a session: ${error.message}`);
  }
}

async function loadConfig() {
  const response = await fetch("/playground/config");
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((payload.error && payload.error.message) || `HTTP ${response.status}`);
  return payload;
}

themeToggle.addEventListener("click", () => {
  theme = theme === "dark" ? "light" : "dark";
  applyTheme(theme, themeToggle);
  if (session) chat.setOptions({ ...chat.options, theme });
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  start();
});

chat.addEventListener("chatkit.error", (event) => {
  const code = String(event.detail.error.code || "");
  if (code === "session_cancelled" || code === "invalid_client_secret") {
    session = { ...session, status: code === "session_cancelled" ? "cancelled" : "invalid" };
    clearTimeout(refreshTimer);
    renderInfo();
  }
});

async function main() {
  applyTheme(theme, themeToggle);
  const params = new URLSearchParams(window.location.search);
  const user = params.get("user") || localStorage.getItem("chatkit-host.playground.user") || `guest-${Math.random().toString(36).slice(2, 7)}`;
  form.elements.user.value = user;
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    showMessage(error.message);
    form.querySelector("button[type=submit]").disabled = true;
    return;
  }
  const select = form.elements.workflow;
  for (const wf of config.workflows) {
    const option = document.createElement("option");
    option.value = wf.id;
    option.textContent = wf.name ? `${wf.name} (${wf.id})` : wf.id;
    select.append(option);
  }
  if (params.get("workflow")) select.value = params.get("workflow");
  infoTimer = setInterval(() => session && renderInfo(), 1000);
  await start();
}

main();
