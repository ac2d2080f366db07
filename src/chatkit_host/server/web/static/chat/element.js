// The chat element: `<openai-chatkit>` (the drop-in for OpenAI's, see chatkit.js and dropin.js) and
// `<chatkit-host-chat>`, one class for the OpenAIChatKit interface of `@openai/chatkit` (types/index.d.ts):
// setOptions, focusComposer, setThreadId, sendUserMessage, setComposerValue, sendCustomAction,
// showHistory, hideHistory, fetchUpdates, and the ChatKitEvents (docs/ui.md has the table).
import { isLastAnswer, retryFrom, sendFeedback, userMessageBefore, widgetAction } from "./actions.js";
import { ChatApi } from "./api.js";
import { ConversationMethods } from "./conversation.js";
import { Composer } from "./composer.js";
import { Dictation } from "./dictation.js";
import { Header, renderStartScreen } from "./header.js";
import { ThreadList } from "./history.js";
import { icon } from "./icons.js";
import { direction, translator } from "./i18n.js";
import { DEFAULTS, apiChanged, applyTheme, unsupportedOptions } from "./options.js";
import { renderItem } from "./items.js";
import { renderMarkdown } from "./markdown.js";
import { decorateEntities } from "./entities.js";
import { METHODS, PUBLIC_METHODS } from "./interface.js";
import { describeError, endsSession } from "./errors.js";

const CSS_URLS = [new URL("./chat.css", import.meta.url).href, new URL("./element.css", import.meta.url).href];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}


export class ChatKitHostElement extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this.options = null;
    this.api = null;
    this.t = translator("en");
    this.thread = null;
    this.items = [];
    this.streaming = null; // {controller, itemId, stopped}
    this.feedbackGiven = new Map();
    this.images = new Map(); // url -> Promise<objectURL|null>
    this.pendingRender = new Set();
    this.built = false;
    this.reported = new Set(); // unsupported options already reported through chatkit.log
  }

  /** Defaults of this element name (options.js DEFAULTS). */
  get defaults() {
    return DEFAULTS[this.localName] || DEFAULTS["chatkit-host-chat"];
  }

  connectedCallback() {
    this.build();
  }

  build() {
    if (this.built) return;
    this.built = true;
    const links = CSS_URLS.map((href) => {
      const link = el("link");
      link.rel = "stylesheet";
      link.href = href;
      return link;
    });
    // `chatkit.ready` means "drawn as it will look": it waits for the stylesheets (OpenAI's waits for its frame).
    const loaded = (link) =>
      new Promise((done) => {
        link.addEventListener("load", done);
        link.addEventListener("error", done);
      });
    this.styled = Promise.all(links.map(loaded));
    this.root = el("div", "ck");
    this.root.setAttribute("role", "region");
    this.history = new ThreadList({
      request: (type, params) => this.api.request(type, params),
      onOpen: (id) => this.openThread(id).catch(() => {}),
      onDeleted: (id) => {
        if (this.thread && this.thread.id === id) this.newThread();
      },
      onRenamed: (thread) => this.mergeThread(thread),
      onError: (error) => this.reportError(error),
    });
    this.main = el("section", "ck-main");
    this.headerBar = new Header({ onToggleHistory: () => this.toggleHistory(), onNewThread: () => this.newThread() });
    this.header = this.headerBar.node;
    this.historyToggle = this.headerBar.historyToggle;
    this.notices = el("div", "ck-notices");
    this.notices.setAttribute("aria-live", "polite");
    this.log = el("div", "ck-thread");
    this.log.setAttribute("role", "log");
    this.log.tabIndex = 0;
    this.log.addEventListener("click", (e) => this.onLogClick(e));
    this.progress = el("div", "ck-progress");
    this.progress.hidden = true;
    this.progress.setAttribute("role", "status");
    this.composer = new Composer({
      onSubmit: ({ content, attachments, quotedText }) => this.sendContent(content, attachments, { quotedText }),
      onStop: () => this.stop(),
      upload: (file) => this.api.upload(file),
      discard: (attachment) => this.api.request("attachments.delete", { attachment_id: attachment.id }).catch(() => {}),
      notify: (level, message) => this.showNotice(level, message),
      rememberPreview: (url, objectUrl) => this.images.set(url, Promise.resolve(objectUrl)),
      onToolChange: (toolId) => this.emit("chatkit.tool.change", { toolId }),
      transcribe: (audio) => this.api.request("input.transcribe", audio),
      entities: () => this.options.entities || {},
      commands: () => this.options.commands || {},
      log: (name, data) => this.emit("chatkit.log", { name, data }),
    });
    this.main.append(this.header, this.notices, this.log, this.progress, this.composer.node);
    this.root.append(this.history.node, this.main);
    this.shadowRoot.replaceChildren(...links, this.root);
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.streaming) this.stop();
    });
    if (this.options) this.applyOptions();
  }

  /**
   * ChatKit's entry point: replaces all options (they are not merged). A changed `api` (another backend or
   * session) starts over; anything else only changes how the current conversation is shown.
   */
  setOptions(options) {
    this.options = options || {};
    this.build();
    this.applyOptions();
  }

  applyOptions() {
    const o = this.options;
    const locale = o.locale || navigator.language;
    this.t = translator(locale, this.defaults.english);
    this.root.lang = String(locale || "en");
    this.root.dir = direction(locale);
    this.root.setAttribute("aria-label", o.frameTitle || "Chat");
    this.scheme = applyTheme(this.root, o.theme);
    this.historyOptions = { enabled: true, ...(o.history || {}) };
    this.history.configure(this.historyOptions, this.t);
    this.headerBar.configure(o.header, this.historyOptions.enabled, this.t, this.defaults.threadTitleFirst);
    this.headerBar.setHistoryOpen(this.root.classList.contains("ck-history-open"), this.t);
    this.log.setAttribute("aria-label", this.t("conversation"));
    this.itemActions = { ...this.defaults.threadItemActions, ...(o.threadItemActions || {}) };
    this.autoScroll = o.thread && typeof o.thread.autoScroll === "boolean" ? o.thread.autoScroll : this.defaults.autoScroll;
    const disclaimer = o.disclaimer && o.disclaimer.text ? renderMarkdown(o.disclaimer.text) : null;
    this.composer.configure(o.composer || {}, this.t, disclaimer, Boolean(o.disclaimer && o.disclaimer.highContrast));
    for (const [option, reason] of unsupportedOptions(o, { canRecord: Dictation.supported() })) {
      if (this.reported.has(option)) continue;
      this.reported.add(option);
      this.emit("chatkit.log", { name: "option.unsupported", data: { option, reason } });
    }
    const fresh = !this.api || apiChanged(this.appliedOptions, o);
    this.appliedOptions = o;
    if (!fresh) {
      this.api.update(o.api || {});
      this.history.render();
      this.renderThread({ scroll: false });
      return;
    }
    if (this.streaming) this.stop();
    this.api = new ChatApi(o.api || {}, () => this.options.locale || null);
    this.sessionEnded = false;
    this.composer.setDisabled(null);
    const wide = (this.getBoundingClientRect().width || window.innerWidth) >= 720;
    this.setHistoryOpen(this.historyOptions.enabled && wide, false);
    this.notices.replaceChildren();
    this.thread = null;
    this.items = [];
    this.history.clear();
    if (this.historyOptions.enabled) this.history.load();
    if (o.initialThread) this.openThread(o.initialThread).catch(() => {});
    else this.renderThread();
    const api = this.api;
    this.styled.then(() => {
      if (this.api === api) this.emit("chatkit.ready");
    });
  }

  /** Dispatches a ChatKitEvents event; `detail` is omitted for the `CustomEvent<void>` ones. */
  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail: detail === undefined ? null : detail, bubbles: true, composed: true }));
  }

  toggleHistory(force) {
    this.setHistoryOpen(force === undefined ? !this.root.classList.contains("ck-history-open") : force);
  }

  /** Opens or closes the thread list; `chatkit.history.open/close` when it changes (and `announce`). */
  setHistoryOpen(open, announce = true) {
    const was = this.root.classList.contains("ck-history-open");
    this.root.classList.toggle("ck-history-open", open);
    this.headerBar.setHistoryOpen(open, this.t);
    if (announce && was !== open) this.emit(open ? "chatkit.history.open" : "chatkit.history.close");
  }

  /** `chatkit-link://name?key=value` links in messages become `chatkit.deeplink` events, never navigation. */
  onLogClick(event) {
    const link = event.composedPath().find((n) => n instanceof HTMLAnchorElement);
    if (!link || !link.href.startsWith("chatkit-link:")) return;
    event.preventDefault();
    const url = new URL(link.href);
    const name = (url.host + url.pathname).replace(/^\/+|\/+$/g, "") || url.pathname;
    this.emit("chatkit.deeplink", { name, data: Object.fromEntries(url.searchParams) });
  }

  // ---- rendering ------------------------------------------------------------------------------

  itemContext() {
    return {
      t: this.t,
      scheme: this.scheme,
      serverUrl: this.api ? this.api.serverUrl : undefined,
      itemActions: this.itemActions,
      feedbackGiven: this.feedbackGiven,
      streamingItemId: this.streaming ? this.streaming.itemId : null,
      loadImage: (url) => this.loadImage(url),
      canRetry: (item) => !this.streaming && this.userMessageBefore(item) !== null && this.isLastAnswer(item),
      onFeedback: (item, kind) => this.sendFeedback(item, kind),
      onRetry: (item) => this.retry(item),
      onWidgetAction: (item, action, form, source) => widgetAction(this, item, action, form, source),
      onStructuredInput: (item, input) =>
        this.runStream("threads.add_structured_input", { thread_id: this.thread.id, item_id: item.id, input }),
    };
  }

  /**
   * Draws the whole conversation. `scroll: "end"` jumps to the newest item (a thread just opened);
   * otherwise the reader's position is kept unless they were already at the bottom and may follow.
   */
  renderThread({ scroll = "end" } = {}) {
    const follow = scroll === "end" || this.shouldFollow();
    this.headerBar.showTitle(this.thread && this.thread.title);
    this.history.setActive(this.thread ? this.thread.id : null);
    if (!this.thread && !this.items.length) {
      this.log.replaceChildren(renderStartScreen(this.options.startScreen, this.t, (p) => this.sendPrompt(p)));
      this.updateComposerState();
      return;
    }
    const ctx = this.itemContext();
    const nodes = [];
    for (const item of this.items) {
      const node = renderItem(item, ctx);
      if (node) nodes.push(decorateEntities(node, item, this));
    }
    const top = this.log.scrollTop;
    this.log.replaceChildren(...nodes);
    this.updateComposerState();
    if (follow) this.scrollToEnd();
    else this.log.scrollTop = top;
  }

  sendPrompt(p) {
    const content = typeof p.prompt === "string" ? [{ type: "input_text", text: p.prompt }] : p.prompt;
    this.sendContent(content, []);
  }

  /** Re-renders one item on the next frame (deltas arrive faster than the screen refreshes). */
  scheduleRender(itemId) {
    this.pendingRender.add(itemId);
    if (this.pendingRender.size > 1) return;
    requestAnimationFrame(() => {
      const ids = [...this.pendingRender];
      this.pendingRender.clear();
      ids.forEach((id) => this.renderOne(id));
    });
  }

  renderOne(itemId) {
    const follow = this.shouldFollow();
    const item = this.items.find((i) => i.id === itemId);
    const old = this.log.querySelector(`[data-item-id="${CSS.escape(itemId)}"]`);
    if (!item) {
      if (old) old.remove();
      return;
    }
    const rendered = renderItem(item, this.itemContext());
    const node = rendered && decorateEntities(rendered, item, this);
    if (old && node) {
      // items.js hands back the same node for a reply it updated in place; moving it would drop a selection in it.
      if (old !== node) old.replaceWith(node);
    } else if (old) old.remove();
    else if (node) {
      if (this.log.querySelector(".ck-start")) this.log.replaceChildren();
      this.log.append(node);
    }
    if (follow) this.scrollToEnd();
  }

  /**
   * Whether new content should scroll into view. While a response streams that is `thread.autoScroll`
   * (and only when the reader is near the bottom, as ChatKit documents); the message the user just sent
   * is always brought into view (runStream scrolls once when it starts).
   */
  shouldFollow() {
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    if (this.streaming) return this.autoScroll && nearBottom;
    return nearBottom;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  updateComposerState() {
    const status = this.thread && this.thread.status;
    if (this.sessionEnded) return;
    if (status && status.type === "locked") this.composer.setDisabled(status.reason || this.t("locked"));
    else if (status && status.type === "closed") this.composer.setDisabled(status.reason || this.t("closed"));
    else this.composer.setDisabled(null);
  }

  showNotice(level, message, title, { transient = false } = {}) {
    const box = el("div", `ck-notice ck-${level}`);
    box.setAttribute("role", level === "danger" ? "alert" : "status");
    if (title) box.append(el("strong", null, title));
    box.append(renderMarkdown(message));
    const close = el("button", "ck-icon-btn ck-dismiss");
    close.append(icon("close"));
    close.type = "button";
    close.setAttribute("aria-label", this.t("dismiss"));
    close.addEventListener("click", () => box.remove());
    box.append(close);
    this.notices.append(box);
    while (this.notices.children.length > 3) this.notices.firstElementChild.remove();
    if (transient) setTimeout(() => box.remove(), 4000);
    return box;
  }

  /** Shows `error`, ends the session when it means that, and emits `chatkit.error` with an Error. */
  reportError(error) {
    if (error && error.name === "AbortError") return;
    const message = describeError(error, this.t);
    // In hosted mode a refused secret is not the end: the next request asks getClientSecret again.
    if (endsSession(error) && this.api && this.api.mode !== "hosted") {
      this.sessionEnded = true;
      this.composer.setDisabled(message);
    }
    this.showNotice("danger", message).dataset.code = String((error && error.code) || "");
    const reported = error instanceof Error ? error : new Error(message);
    this.emit("chatkit.error", { error: reported });
  }

  // ---- item actions (actions.js) ----------------------------------------------------------------

  userMessageBefore(item) {
    return userMessageBefore(this, item);
  }

  isLastAnswer(item) {
    return isLastAnswer(this, item);
  }

  retry(item) {
    const user = userMessageBefore(this, item);
    return user ? this.retryFrom(user) : Promise.resolve();
  }

  retryFrom(user) {
    return retryFrom(this, user);
  }

  sendFeedback(item, kind) {
    return sendFeedback(this, item, kind);
  }

  loadImage(url) {
    if (!this.images.has(url)) {
      this.images.set(
        url,
        this.api
          .fetchBlob(url)
          .then((blob) => (blob ? URL.createObjectURL(blob) : null))
          .catch(() => null),
      );
    }
    return this.images.get(url);
  }
}

Object.assign(ChatKitHostElement.prototype, ConversationMethods);

// The public OpenAIChatKit methods (parameters and promise semantics in interface.js).
for (const name of PUBLIC_METHODS) {
  ChatKitHostElement.prototype[name] = function (...args) {
    return METHODS[name](this, ...args);
  };
}

export function defineChatElement(name = "chatkit-host-chat") {
  if (!customElements.get(name)) customElements.define(name, class extends ChatKitHostElement {});
  return customElements.get(name);
}
