// The header (history toggle, title, new chat, the page's left/right actions) and the start screen.
import { icon } from "./icons.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// ChatKit's HeaderIcon names drawn with the line icons icons.js has; any other name goes to icons.js as is.
const HEADER_ICONS = {
  "sidebar-left": "menu",
  "sidebar-right": "menu",
  "sidebar-open-left": "menu",
  "sidebar-open-right": "menu",
  "sidebar-open-left-alt": "menu",
  "sidebar-open-right-alt": "menu",
  "sidebar-floating-left": "menu",
  "sidebar-floating-right": "menu",
  "sidebar-floating-open-left": "menu",
  "sidebar-floating-open-right": "menu",
  "sidebar-collapse-left": "menu",
  "sidebar-collapse-right": "menu",
  hamburger: "menu",
  "menu-inverted": "menu",
  history: "menu",
  compose: "plus",
};

export function headerIcon(name) {
  const node = icon(HEADER_ICONS[name] || String(name || ""));
  node.dataset.icon = String(name || "");
  return node;
}

export class Header {
  /** @param {{onToggleHistory: Function, onNewThread: Function}} host */
  constructor(host) {
    this.node = el("header", "ck-header");
    this.left = el("button", "ck-icon-btn ck-header-left");
    this.left.type = "button";
    this.historyToggle = el("button", "ck-icon-btn ck-history-toggle");
    this.historyToggle.append(icon("menu"));
    this.historyToggle.type = "button";
    this.historyToggle.addEventListener("click", () => host.onToggleHistory());
    this.title = el("h1", "ck-title");
    this.newButton = el("button", "ck-icon-btn ck-new");
    this.newButton.append(icon("plus"));
    this.newButton.type = "button";
    this.newButton.addEventListener("click", () => host.onNewThread());
    this.right = el("button", "ck-icon-btn ck-header-right");
    this.right.type = "button";
    this.node.append(this.left, this.historyToggle, this.title, this.newButton, this.right);
    this.actions = { left: null, right: null };
    this.left.addEventListener("click", () => this.actions.left && this.actions.left.onClick());
    this.right.addEventListener("click", () => this.actions.right && this.actions.right.onClick());
  }

  /** `header` of ChatKitOptions: enabled, title {enabled, text}, leftAction, rightAction. */
  configure(header, historyEnabled, t, threadTitleFirst = false) {
    this.threadTitleFirst = threadTitleFirst;
    const h = header || {};
    this.node.hidden = h.enabled === false;
    this.titleOptions = { enabled: true, ...(h.title || {}) };
    this.title.hidden = this.titleOptions.enabled === false;
    for (const side of ["left", "right"]) {
      const action = h[`${side}Action`];
      const button = this[side];
      this.actions[side] = action && typeof action.onClick === "function" ? action : null;
      button.hidden = !this.actions[side];
      button.replaceChildren(...(this.actions[side] ? [headerIcon(action.icon)] : []));
      button.dataset.icon = this.actions[side] ? String(action.icon || "") : "";
      // The icon is the button's only content; its name is the best label the page gave us.
      if (this.actions[side]) button.setAttribute("aria-label", String(action.icon || side).replace(/-/g, " "));
    }
    this.historyToggle.hidden = !historyEnabled;
    this.historyToggle.title = t("showHistory");
    this.newButton.setAttribute("aria-label", t("newChat"));
    this.newButton.title = t("newChat");
  }

  setHistoryOpen(open, t) {
    this.historyToggle.setAttribute("aria-expanded", String(open));
    this.historyToggle.setAttribute("aria-label", t(open ? "hideHistory" : "showHistory"));
  }

  /**
   * ChatKit shows the static `title.text` when given, else the thread's title; `<chatkit-host-chat>`
   * pages were written for the thread's title first, with the text as the fallback (options.js DEFAULTS).
   */
  showTitle(threadTitle) {
    const text = this.titleOptions && this.titleOptions.text;
    this.title.textContent = (this.threadTitleFirst ? threadTitle || text : text || threadTitle) || "";
  }
}

/** The new-thread view: greeting and starter prompts (with their ChatKitIcon). */
export function renderStartScreen(start, t, onPrompt) {
  const s = start || {};
  const box = el("div", "ck-start");
  box.append(el("h2", "ck-greeting", s.greeting || t("greeting")));
  const prompts = el("div", "ck-prompts");
  for (const p of s.prompts || []) {
    const button = el("button", "ck-prompt");
    button.type = "button";
    if (p.icon) {
      const glyph = icon(String(p.icon));
      glyph.dataset.icon = String(p.icon);
      button.append(glyph);
    }
    button.append(el("span", "ck-prompt-label", p.label || (typeof p.prompt === "string" ? p.prompt : "")));
    button.addEventListener("click", () => onPrompt(p));
    prompts.append(button);
  }
  box.append(prompts);
  return box;
}
