// The admin console: the admin key is typed in (or carried once in the URL fragment), kept in sessionStorage,
// and sent only to this server (admin-key.js). Every view has a URL: `#VIEW[/ID][?FILTERS]`, e.g.
// `#traces/trace_...`, `#threads/cthr_...`, `#threads?user=alice`, `#usage?group_by=user&bucket=day`, so a
// reload, the back button and a pasted link all come back to the same place.
import { adminApi, adminKey, forgetAdminKey, onKeyEntered, takeKeyFromFragment } from "./admin-key.js";
import { parseRoute, routeHash } from "./admin/dom.js";
import { applyTheme, initialTheme } from "./theme.js";
import { VIEWS } from "./admin/views.js";

const login = document.getElementById("login");
const consoleBox = document.getElementById("console");
const view = document.getElementById("view");
const errorBox = document.getElementById("console-error");
const loginError = document.getElementById("login-error");
const logout = document.getElementById("logout");
const themeToggle = document.getElementById("theme-toggle");
let theme = initialTheme();
/** The route on screen and what its view answered: `open(id)` shows another detail without reloading the list. */
let shown = null;

function showError(error) {
  if (error && error.status === 401) {
    forgetAdminKey();
    showLogin("The admin key was refused. Type it again.");
    return;
  }
  errorBox.textContent = error ? error.message : "";
  errorBox.hidden = !error;
}

/**
 * Goes to a route: a new history entry, and the `hashchange` that follows renders it. `reload` draws the list
 * again even when only the detail changes (after a delete).
 */
function navigate(name, id = null, params = {}, { reload = false } = {}) {
  const hash = routeHash(name, id, params);
  if (reload) shown = null;
  if (window.location.hash === hash) render();
  else window.location.hash = hash;
}

async function render() {
  const route = parseRoute(window.location.hash);
  if (!VIEWS[route.view]) route.view = "sessions";
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", String(tab.dataset.view === route.view));
  showError(null);
  const sameList = shown && shown.route.view === route.view && shown.route.query === route.query;
  if (sameList && shown.handle && shown.handle.open) {
    shown.route = route;
    try {
      await shown.handle.open(route.id);
    } catch (error) {
      showError(error);
    }
    return;
  }
  // A fresh container per render: a slow view that finishes after the next one started draws into a node
  // that is no longer on the page.
  const root = document.createElement("div");
  view.replaceChildren(root);
  view.dataset.view = route.view;
  shown = { route, handle: null };
  const ctx = { api: adminApi, showError, navigate, refresh: () => ((shown = null), render()) };
  try {
    const handle = await VIEWS[route.view](root, ctx, route);
    if (shown && shown.route === route) shown.handle = handle || null;
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
    await adminApi("/v1/chatkit/sessions?limit=1");
  } catch (error) {
    forgetAdminKey();
    showLogin(error.status === 401 ? "That key was refused." : error.message);
    return;
  }
  login.hidden = true;
  consoleBox.hidden = false;
  logout.hidden = false;
  shown = null;
  await render();
}

onKeyEntered(login, document.getElementById("admin-key"), open);

logout.addEventListener("click", () => {
  forgetAdminKey();
  showLogin("");
});

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => navigate(tab.dataset.view));
  tab.addEventListener("keydown", (event) => {
    const tabs = [...document.querySelectorAll(".tab")];
    const index = tabs.indexOf(tab);
    const next = event.key === "ArrowRight" ? tabs[(index + 1) % tabs.length] : event.key === "ArrowLeft" ? tabs[(index - 1 + tabs.length) % tabs.length] : null;
    if (next) {
      next.focus();
      navigate(next.dataset.view);
    }
  });
}

themeToggle.addEventListener("click", () => {
  theme = theme === "dark" ? "light" : "dark";
  applyTheme(theme, themeToggle);
});

window.addEventListener("hashchange", () => {
  if (!consoleBox.hidden) render();
});

applyTheme(theme, themeToggle);
takeKeyFromFragment();
if (adminKey()) open();
else showLogin("");
