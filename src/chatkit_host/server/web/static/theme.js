// Light/dark choice of the playground and admin pages, remembered per browser.
const KEY = "chatkit-host.theme";

export function initialTheme() {
  const query = new URLSearchParams(window.location.search).get("theme");
  if (query === "light" || query === "dark") return query;
  const stored = localStorage.getItem(KEY);
  if (stored === "light" || stored === "dark") return stored;
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function applyTheme(theme, toggle) {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem(KEY, theme);
  if (toggle) {
    toggle.setAttribute("aria-pressed", String(theme === "dark"));
    toggle.textContent = theme === "dark" ? "Light theme" : "Dark theme";
  }
}
