// The admin console: the admin key is typed in, kept in sessionStorage, and sent only to this server.
import { applyTheme, initialTheme } from "./theme.js";
import { VIEWS } from "./admin/views.js";

const KEY = "chatkit-host.admin-key";
const login = document.getElementById("login");
const consoleBox = document.getElementById("console");
const view = document.getElementById("view");
const errorBox = document.getElementById("console-error");
const loginError = document.getElementById("login-error");
const logout = document.getElementById("logout");
const themeToggle = document.getElementById("theme-toggle");
let theme = initialTheme();
let current = "sessions";

export class AdminApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls the admin REST API with the key from this tab's sessionStorage. */
async function api(path, { method = "GET", body } = {}) {
  const key = sessionStorage.getItem(KEY);
  const headers = { Authorization: `Bearer ${key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = payload.error || {};
    throw new AdminApiError(error.message || `HTTP ${response.status}`, response.status, error.code);
  }
  return payload;
}

function showError(error) {
  if (error && error.status === 401) {
    sessionStorage.removeItem(KEY);
    showLogin("The admin key was refused. Type it again.");
    return;
  }
  errorBox.textContent = error ? error.message : "";
  errorBox.hidden = !error;
}

async function show(name) {
  current = name;
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", String(tab.dataset.view === name));
  showError(null);
  view.replaceChildren();
  view.dataset.view = name;
  try {
    await VIEWS[name](view, { api, showError, refresh: () => show(current) });
  } catch (error) {
    showError(error);
  }
}

function showLogin(message) {
  consoleBox.hidden = true;
  logout.hidden = true;
  login.hidden = false;
  loginError.textContent = message || "";
  loginError.hidden = !message;
  document.getElementById("admin-key").focus();
}

async function open() {
  try {
    await api("/v1/chatkit/sessions?limit=1");
  } catch (error) {
    sessionStorage.removeItem(KEY);
    showLogin(error.status === 401 ? "That key was refused." : error.message);
    return;
  }
  login.hidden = true;
  consoleBox.hidden = false;
  logout.hidden = false;
  await show(current);
}

login.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = document.getElementById("admin-key").value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY, key);
  document.getElementById("admin-key").value = "";
  open();
});

logout.addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  showLogin("");
});

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => show(tab.dataset.view));
  tab.addEventListener("keydown", (event) => {
    const tabs = [...document.querySelectorAll(".tab")];
    const index = tabs.indexOf(tab);
    const next = event.key === "ArrowRight" ? tabs[(index + 1) % tabs.length] : event.key === "ArrowLeft" ? tabs[(index - 1 + tabs.length) % tabs.length] : null;
    if (next) {
      next.focus();
      show(next.dataset.view);
    }
  });
}

themeToggle.addEventListener("click", () => {
  theme = theme === "dark" ? "light" : "dark";
  applyTheme(theme, themeToggle);
});

applyTheme(theme, themeToggle);
const hash = window.location.hash.replace("#", "");
if (VIEWS[hash]) current = hash;
if (sessionStorage.getItem(KEY)) open();
else showLogin("");
