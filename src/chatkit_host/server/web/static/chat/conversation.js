// The conversation half of the chat element, mixed into its class (element.js): threads (new, open,
// merge) and turns (send, stream, stop, items as they arrive). Kept apart so each file has one job.
import { runPendingClientTool } from "./actions.js";
import { handleStreamEvent } from "./events.js";
import { applyItemUpdate } from "./updates.js";

const MAX_ITEM_PAGES = 50;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export const ConversationMethods = {
  // ---- threads ----------------------------------------------------------------------------------

  newThread() {
    if (this.streaming) this.stop();
    const changed = this.thread !== null || this.items.length > 0;
    this.thread = null;
    this.items = [];
    this.renderThread();
    if (changed) this.emit("chatkit.thread.change", { threadId: null });
    this.composer.focus();
    if (this.root.classList.contains("ck-history-open") && this.getBoundingClientRect().width < 720) this.setHistoryOpen(false);
  },

  /** Loads a thread with all its items; rejects (after `chatkit.error`) when the server refuses. */
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
      const changed = !this.thread || this.thread.id !== threadId;
      this.thread = { ...thread, items: undefined };
      this.items = items;
      this.renderThread();
      if (changed) this.emit("chatkit.thread.change", { threadId });
      if (this.getBoundingClientRect().width < 720 && this.root.classList.contains("ck-history-open")) this.setHistoryOpen(false);
    } catch (error) {
      this.reportError(error);
      throw error;
    } finally {
      this.emit("chatkit.thread.load.end", { threadId });
    }
  },

  mergeThread(thread) {
    if (this.thread && this.thread.id === thread.id) {
      this.thread = { ...this.thread, ...thread, items: undefined };
      this.headerBar.showTitle(this.thread.title);
      this.updateComposerState();
    }
  },

  // ---- sending ----------------------------------------------------------------------------------

  /** Sends `content` (+ attachments) as a user message; `inference` overrides the composer's choices. */
  async sendContent(content, attachments, { inference = null, quotedText = null } = {}) {
    const input = {
      content,
      attachments: attachments.map((a) => a.id),
      inference_options: inference || this.composer.takeInferenceOptions(),
    };
    if (quotedText) input.quoted_text = quotedText;
    if (this.thread) return this.runStream("threads.add_user_message", { thread_id: this.thread.id, input });
    return this.runStream("threads.create", { input });
  },

  stop() {
    if (!this.streaming || this.streaming.allowCancel === false) return;
    this.streaming.stopped = true;
    this.streaming.controller.abort();
  },

  /**
   * Runs one streamed request and never rejects (errors are shown and emitted here). Resolves with
   * `{started: false}` when it could not start (another response is running, the session has ended),
   * else `{started: true, error}` once the response and any client tool round trip after it have ended.
   */
  async runStream(type, params) {
    if (this.streaming || this.sessionEnded) return { started: false, error: null };
    const controller = new AbortController();
    this.streaming = { controller, itemId: null, stopped: false, allowCancel: true };
    this.composer.setStreaming(true, true);
    this.emit("chatkit.response.start");
    let failure = null;
    try {
      for await (const event of this.api.stream(type, params, controller.signal)) {
        handleStreamEvent(this, event);
        // The user's own message comes first: bring it into view once, whatever autoScroll says.
        if (event.type === "thread.item.done" && event.item.type === "user_message") requestAnimationFrame(() => this.scrollToEnd());
      }
    } catch (error) {
      if (!(error && error.name === "AbortError")) {
        failure = error;
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
      this.renderThread({ scroll: this.autoScroll ? "follow" : "keep" });
      if (stopped && this.items.length) this.log.append(el("p", "ck-stopped", this.t("stopped")));
      // Stopped before thread.created arrived: the server may still have made the thread.
      if (stopped && !this.thread && this.historyOptions.enabled) this.history.load();
      this.emit("chatkit.response.end");
    }
    if (failure) return { started: true, error: failure };
    const next = await runPendingClientTool(this);
    return { started: true, error: next ? next.error : null };
  },

  upsertItem(item) {
    const index = this.items.findIndex((i) => i.id === item.id);
    if (index === -1) this.items.push(item);
    else this.items[index] = item;
    this.scheduleRender(item.id);
  },

  applyUpdate(itemId, update) {
    const item = this.items.find((i) => i.id === itemId);
    if (item && applyItemUpdate(item, update)) this.scheduleRender(itemId);
  },
};
