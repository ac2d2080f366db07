// The public methods of OpenAIChatKit (`@openai/chatkit` types/index.d.ts), with its promise semantics:
// each returns a Promise that resolves once the effect is done (the thread shown, the response ended,
// the history open) and rejects with an Error when it cannot be done (not configured yet, a response is
// already running, the session has ended, the server refused). Errors the server answered are also shown
// in the chat and emitted as `chatkit.error`, like the hosted element does.
import { tagPart } from "./composer-value.js";

export const PUBLIC_METHODS = [
  "focusComposer",
  "setThreadId",
  "sendUserMessage",
  "setComposerValue",
  "sendCustomAction",
  "showHistory",
  "hideHistory",
  "fetchUpdates",
];

function ready(chat) {
  if (!chat.api) throw new Error("ChatKit is not ready: call setOptions({api: ...}) first.");
}

/** Turns a runStream result into the promise outcome of a public method. */
function settle(result) {
  if (!result.started) throw new Error("ChatKit cannot send now: a response is in progress or the session has ended.");
  if (result.error) throw result.error;
}

function toolId(toolChoice) {
  return toolChoice && typeof toolChoice.id === "string" ? { id: toolChoice.id } : null;
}

export const METHODS = {
  async focusComposer(chat) {
    chat.build();
    chat.composer.focus();
  },

  /** `null` shows the new-thread view; otherwise resolves when the thread is loaded and shown. */
  async setThreadId(chat, threadId) {
    ready(chat);
    if (threadId) await chat.openThread(threadId);
    else chat.newThread();
  },

  /** Resolves when the response to the message has ended (including a client tool round trip). */
  async sendUserMessage(chat, { text, content, reply, attachments = [], newThread = false, toolChoice, model } = {}) {
    ready(chat);
    if (newThread && chat.thread) chat.newThread();
    const parts = Array.isArray(content)
      ? content.map((p) => (p && p.type === "input_tag" ? tagPart(p) : p))
      : text
        ? [{ type: "input_text", text: String(text) }]
        : [];
    if (!parts.length && !attachments.length) throw new Error("sendUserMessage needs text, content or attachments.");
    // toolChoice and model go to this one message only; the composer's own selection is left alone.
    let inference = null;
    if (toolChoice !== undefined || model !== undefined) {
      inference = {};
      if (toolId(toolChoice)) inference.tool_choice = toolId(toolChoice);
      if (typeof model === "string" && model) inference.model = model;
    }
    settle(await chat.sendContent(parts, attachments, { inference, quotedText: reply || null }));
  },

  /** Fills the composer without sending; resolves when any `files` have finished uploading. */
  async setComposerValue(chat, params = {}) {
    ready(chat);
    await chat.composer.setValue(params);
  },

  /**
   * Sends an application-defined action to the server (`threads.custom_action`), for the current thread,
   * optionally on behalf of the widget item `itemId`. Resolves when the response has ended.
   */
  async sendCustomAction(chat, action, itemId) {
    ready(chat);
    if (!action || typeof action.type !== "string") throw new TypeError("sendCustomAction needs an action with a type.");
    if (!chat.thread) throw new Error("sendCustomAction needs an open thread.");
    settle(
      await chat.runStream("threads.custom_action", {
        thread_id: chat.thread.id,
        item_id: itemId || null,
        action: { type: action.type, payload: action.payload ?? {} },
      }),
    );
  },

  async showHistory(chat) {
    ready(chat);
    chat.setHistoryOpen(true);
  },

  async hideHistory(chat) {
    ready(chat);
    chat.setHistoryOpen(false);
  },

  /** Re-reads the current thread and the thread list from the server. */
  async fetchUpdates(chat) {
    ready(chat);
    if (chat.historyOptions.enabled) await chat.history.load();
    if (chat.thread && !chat.streaming) await chat.openThread(chat.thread.id);
  },
};
