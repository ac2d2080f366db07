// <chatkit-host-chat>: a chat web component for the ChatKit runtime protocol (custom-backend mode).
import { runPendingClientTool, widgetAction } from "./actions.js";
import { ChatApi } from "./api.js";
import { Composer } from "./composer.js";
import { ThreadList } from "./history.js";
import { icon } from "./icons.js";
import { translator } from "./i18n.js";
import { renderItem } from "./items.js";
import { renderMarkdown } from "./markdown.js";
import { applyItemUpdate } from "./updates.js";
import { handleStreamEvent } from "./events.js";
import { describeError, endsSession } from "./errors.js";

const CSS_URL = new URL("./chat.css", import.meta.url).href;
const MAX_ITEM_PAGES = 50;

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
  }

  connectedCallback() {
    this.build();
  }

  build() {
    if (this.built) return;
    this.built = true;
    const link = el("link");
    link.rel = "stylesheet";
    link.href = CSS_URL;
    this.root = el("div", "ck");
    this.history = new ThreadList({
      request: (type, params) => this.api.request(type, params),
      onOpen: (id) => this.openThread(id),
      onDeleted: (id) => {
        if (this.thread && this.thread.id === id) this.newThread();
      },
      onRenamed: (thread) => this.mergeThread(thread),
      onError: (error) => this.reportError(error),
    });
    this.main = el("section", "ck-main");
    this.header = el("header", "ck-header");
    this.historyToggle = el("button", "ck-icon-btn ck-history-toggle");
    this.historyToggle.append(icon("menu"));
    this.historyToggle.type = "button";
    this.historyToggle.addEventListener("click", () => this.toggleHistory());
    this.titleNode = el("h1", "ck-title");
    this.newButton = el("button", "ck-icon-btn ck-new");
    this.newButton.append(icon("plus"));
    this.newButton.type = "button";
    this.newButton.addEventListener("click", () => this.newThread());
    this.header.append(this.historyToggle, this.titleNode, this.newButton);
    this.notices = el("div", "ck-notices");
    this.notices.setAttribute("aria-live", "polite");
    this.log = el("div", "ck-thread");
    this.log.setAttribute("role", "log");
    this.log.tabIndex = 0;
    this.progress = el("div", "ck-progress");
    this.progress.hidden = true;
    this.progress.setAttribute("role", "status");
    this.composer = new Composer({
      onSubmit: (input) => this.sendUserMessage(input),
      onStop: () => this.stop(),
      upload: (file) => this.api.upload(file),
      discard: (attachment) => this.api.request("attachments.delete", { attachment_id: attachment.id }).catch(() => {}),
      notify: (level, message) => this.showNotice(level, message),
      rememberPreview: (url, objectUrl) => this.images.set(url, Promise.resolve(objectUrl)),
    });
    this.main.append(this.header, this.notices, this.log, this.progress, this.composer.node);
    this.root.append(this.history.node, this.main);
    this.shadowRoot.replaceChildren(link, this.root);
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.streaming) this.stop();
    });
    if (this.options) this.applyOptions();
  }

  /** Same entry point as ChatKit's element: replaces all options. */
  setOptions(options) {
    this.options = options || {};
    this.build();
    this.applyOptions();
  }

  applyOptions() {
    const o = this.options;
    this.t = translator(o.locale || navigator.language);
    this.api = new ChatApi(o.api || {}, () => o.locale || null);
    const theme = typeof o.theme === "string" ? { colorScheme: o.theme } : o.theme || {};
    this.scheme = theme.colorScheme === "dark" ? "dark" : "light";
    this.root.dataset.scheme = this.scheme;
    this.root.dataset.density = theme.density || "normal";
    const accent = theme.color && theme.color.accent && theme.color.accent.primary;
    if (accent && /^#[0-9a-fA-F]{3,8}$/.test(accent)) this.root.style.setProperty("--ck-accent", accent);
    else this.root.style.removeProperty("--ck-accent");
    const header = o.header || {};
    this.header.hidden = header.enabled === false;
    this.historyOptions = { enabled: true, ...(o.history || {}) };
    this.history.configure(this.historyOptions, this.t);
    this.historyToggle.hidden = !this.historyOptions.enabled;
    this.historyToggle.setAttribute("aria-label", this.t("showHistory"));
    this.historyToggle.title = this.t("showHistory");
    this.newButton.setAttribute("aria-label", this.t("newChat"));
    this.newButton.title = this.t("newChat");
    this.log.setAttribute("aria-label", this.t("conversation"));
    this.itemActions = { feedback: true, retry: true, ...(o.threadItemActions || {}) };
    const disclaimer = o.disclaimer && o.disclaimer.text ? renderMarkdown(o.disclaimer.text) : null;
    this.composer.configure(o.composer || {}, this.t, disclaimer);
    // A new `api` object means a new backend or session: start over. Anything else (theme, locale,
    // callbacks) only changes how the current conversation is shown.
    const fresh = this.appliedApi !== o.api;
    this.appliedApi = o.api;
    if (!fresh) {
      this.history.render();
      this.renderThread();
      return;
    }
    if (this.streaming) this.stop();
    this.sessionEnded = false;
    this.composer.setDisabled(null);
    const wide = (this.getBoundingClientRect().width || window.innerWidth) >= 720;
    this.root.classList.toggle("ck-history-open", this.historyOptions.enabled && wide);
    this.notices.replaceChildren();
    this.thread = null;
    this.items = [];
    this.history.clear();
    if (this.historyOptions.enabled) this.history.load();
    if (o.initialThread) this.openThread(o.initialThread);
    else this.renderThread();
    this.emit("chatkit.ready", {});
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  toggleHistory(force) {
    const open = this.root.classList.toggle("ck-history-open", force);
    this.historyToggle.setAttribute("aria-expanded", String(open));
    this.historyToggle.setAttribute("aria-label", this.t(open ? "hideHistory" : "showHistory"));
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

  renderThread() {
    const title = (this.thread && this.thread.title) || (this.options.header && this.options.header.title && this.options.header.title.text) || "";
    this.titleNode.textContent = title;
    this.history.setActive(this.thread ? this.thread.id : null);
    if (!this.thread && !this.items.length) {
      this.log.replaceChildren(this.renderStartScreen());
      this.updateComposerState();
      return;
    }
    const ctx = this.itemContext();
    const nodes = [];
    for (const item of this.items) {
      const node = renderItem(item, ctx);
      if (node) nodes.push(node);
    }
    this.log.replaceChildren(...nodes);
    this.updateComposerState();
    this.scrollToEnd();
  }

  renderStartScreen() {
    const start = this.options.startScreen || {};
    const box = el("div", "ck-start");
    box.append(el("h2", "ck-greeting", start.greeting || this.t("greeting")));
    const prompts = el("div", "ck-prompts");
    for (const p of start.prompts || []) {
      const button = el("button", "ck-prompt", p.label || (typeof p.prompt === "string" ? p.prompt : ""));
      button.type = "button";
      button.addEventListener("click", () => {
        const content = typeof p.prompt === "string" ? [{ type: "input_text", text: p.prompt }] : p.prompt;
        this.sendContent(content, []);
      });
      prompts.append(button);
    }
    box.append(prompts);
    return box;
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
    const item = this.items.find((i) => i.id === itemId);
    const old = this.log.querySelector(`[data-item-id="${CSS.escape(itemId)}"]`);
    if (!item) {
      if (old) old.remove();
      return;
    }
    const node = renderItem(item, this.itemContext());
    if (old && node) {
      // items.js hands back the same node for a reply it updated in place; moving it would drop a selection in it.
      if (old !== node) old.replaceWith(node);
    } else if (old) old.remove();
    else if (node) {
      if (this.log.querySelector(".ck-start")) this.log.replaceChildren();
      this.log.append(node);
    }
    this.scrollToEnd();
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

  reportError(error) {
    if (error && error.name === "AbortError") return;
    const message = describeError(error, this.t);
    if (endsSession(error)) {
      this.sessionEnded = true;
      this.composer.setDisabled(message);
    }
    this.showNotice("danger", message).dataset.code = String((error && error.code) || "");
    this.emit("chatkit.error", { error: { message, code: error && error.code, status: error && error.status } });
  }

  // ---- threads ----------------------------------------------------------------------------------

  newThread() {
    if (this.streaming) this.stop();
    this.thread = null;
    this.items = [];
    this.renderThread();
    this.emit("chatkit.thread.change", { threadId: null });
    this.composer.focus();
    if (this.root.classList.contains("ck-history-open") && this.getBoundingClientRect().width < 720) this.toggleHistory(false);
  }

  /** Same as ChatKit's `setThreadId`. */
  async setThreadId(threadId) {
    if (threadId) await this.openThread(threadId);
    else this.newThread();
  }

  async openThread(threadId) {
    if (this.streaming) this.stop();
    this.emit("chatkit.thread.load.start", { threadId });
    try {
      const thread = await this.api.request("threads.get_by_id", { thread_id: threadId });
      const items = [...thread.items.data];
      let page = thread.items;
      for (let n = 0; page.has_more && n < MAX_ITEM_PAGES; n += 1) {
        const after = page.after || items[items.length - 1].id;
        page = await this.api.request("items.list", { thread_id: threadId, after, order: "asc", limit: 50 });
        items.push(...page.data);
      }
      this.thread = { ...thread, items: undefined };
      this.items = items;
      this.renderThread();
      this.emit("chatkit.thread.change", { threadId });
      if (this.getBoundingClientRect().width < 720) this.toggleHistory(false);
    } catch (error) {
      this.reportError(error);
    } finally {
      this.emit("chatkit.thread.load.end", { threadId });
    }
  }

  mergeThread(thread) {
    if (this.thread && this.thread.id === thread.id) {
      this.thread = { ...this.thread, ...thread, items: undefined };
      this.titleNode.textContent = this.thread.title || "";
      this.updateComposerState();
    }
  }

  /** Re-reads the current thread (ChatKit's `fetchUpdates`). */
  async fetchUpdates() {
    if (this.thread && !this.streaming) await this.openThread(this.thread.id);
  }

  focusComposer() {
    this.composer.focus();
  }

  // ---- sending ----------------------------------------------------------------------------------

  /** ChatKit-style `sendUserMessage({text, newThread})`, also used by the composer. */
  async sendUserMessage({ text = "", attachments = [], newThread = false } = {}) {
    if (newThread) this.newThread();
    const content = text ? [{ type: "input_text", text }] : [];
    await this.sendContent(content, attachments);
  }

  async sendContent(content, attachments) {
    const input = { content, attachments: attachments.map((a) => a.id), inference_options: this.composer.takeInferenceOptions() };
    if (this.thread) await this.runStream("threads.add_user_message", { thread_id: this.thread.id, input });
    else await this.runStream("threads.create", { input });
  }

  stop() {
    if (!this.streaming || this.streaming.allowCancel === false) return;
    this.streaming.stopped = true;
    this.streaming.controller.abort();
  }

  async runStream(type, params) {
    if (this.streaming || this.sessionEnded) return;
    const controller = new AbortController();
    this.streaming = { controller, itemId: null, stopped: false, allowCancel: true };
    this.composer.setStreaming(true, true);
    this.emit("chatkit.response.start", {});
    let failed = false;
    try {
      for await (const event of this.api.stream(type, params, controller.signal)) handleStreamEvent(this, event);
    } catch (error) {
      if (!(error && error.name === "AbortError")) {
        failed = true;
        this.reportError(error);
      }
    } finally {
      const { itemId, stopped } = this.streaming;
      this.streaming = null;
      this.progress.hidden = true;
      this.composer.setStreaming(false);
      if (stopped && itemId) {
        const node = this.log.querySelector(`[data-item-id="${CSS.escape(itemId)}"]`);
        if (node) node.dataset.stopped = "true";
      }
      this.renderThread();
      if (stopped && this.items.length) this.log.append(el("p", "ck-stopped", this.t("stopped")));
      // Stopped before thread.created arrived: the server may still have made the thread.
      if (stopped && !this.thread && this.historyOptions.enabled) this.history.load();
      this.emit("chatkit.response.end", {});
    }
    if (!failed) await runPendingClientTool(this);
  }

  upsertItem(item) {
    const index = this.items.findIndex((i) => i.id === item.id);
    if (index === -1) this.items.push(item);
    else this.items[index] = item;
    this.scheduleRender(item.id);
  }

  applyUpdate(itemId, update) {
    const item = this.items.find((i) => i.id === itemId);
    if (item && applyItemUpdate(item, update)) this.scheduleRender(itemId);
  }

  // ---- item actions ------------------------------------------------------------------------------

  userMessageBefore(item) {
    const index = this.items.findIndex((i) => i.id === item.id);
    for (let i = index - 1; i >= 0; i -= 1) if (this.items[i].type === "user_message") return this.items[i];
    return null;
  }

  isLastAnswer(item) {
    const index = this.items.findIndex((i) => i.id === item.id);
    return !this.items.slice(index + 1).some((i) => i.type === "user_message" || i.type === "assistant_message");
  }

  async retry(item) {
    const user = this.userMessageBefore(item);
    if (user) await this.retryFrom(user);
  }

  async retryFrom(user) {
    const index = this.items.findIndex((i) => i.id === user.id);
    this.items = this.items.slice(0, index + 1);
    this.renderThread();
    await this.runStream("threads.retry_after_item", { thread_id: this.thread.id, item_id: user.id });
  }

  async sendFeedback(item, kind) {
    try {
      await this.api.request("items.feedback", { thread_id: this.thread.id, item_ids: [item.id], kind });
      this.feedbackGiven.set(item.id, kind);
      this.renderOne(item.id);
      this.showNotice("info", this.t("thanks"), null, { transient: true });
    } catch (error) {
      this.reportError(error);
    }
  }

  /** ChatKit's `sendCustomAction(action, itemId)`. */
  async sendCustomAction(action, itemId) {
    if (!this.thread) return;
    await this.runStream("threads.custom_action", { thread_id: this.thread.id, item_id: itemId || null, action });
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

export function defineChatElement(name = "chatkit-host-chat") {
  if (!customElements.get(name)) customElements.define(name, class extends ChatKitHostElement {});
  return customElements.get(name);
}
