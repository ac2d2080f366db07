// Applies one stream event to the chat: threads, items, stream options, progress, effects, notices, errors.
import { ChatApiError } from "./api.js";
import { describeError, endsSession } from "./errors.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function handleStreamEvent(chat, event) {
  switch (event.type) {
    case "thread.created":
      chat.thread = { ...event.thread, items: undefined };
      chat.items = [...((event.thread.items && event.thread.items.data) || [])];
      chat.history.upsert(event.thread);
      chat.renderThread({ scroll: "follow" });
      chat.emit("chatkit.thread.change", { threadId: event.thread.id });
      break;
    case "thread.updated":
      chat.mergeThread(event.thread);
      chat.history.upsert(event.thread);
      break;
    case "thread.item.added":
      chat.upsertItem(event.item);
      if (event.item.type === "assistant_message" || event.item.type === "widget") chat.streaming.itemId = event.item.id;
      break;
    case "thread.item.updated":
      chat.applyUpdate(event.item_id, event.update);
      break;
    case "thread.item.done":
    case "thread.item.replaced":
      if (chat.streaming && chat.streaming.itemId === event.item.id) chat.streaming.itemId = null;
      chat.upsertItem(event.item);
      break;
    case "thread.item.removed":
      chat.items = chat.items.filter((i) => i.id !== event.item_id);
      chat.renderOne(event.item_id);
      break;
    case "stream_options":
      chat.streaming.allowCancel = event.stream_options.allow_cancel !== false;
      chat.composer.setStreaming(true, chat.streaming.allowCancel);
      break;
    case "progress_update":
      chat.progress.hidden = false;
      chat.progress.textContent = event.text || chat.t("thinking");
      break;
    case "client_effect":
      chat.emit("chatkit.effect", { name: event.name, data: event.data });
      if (typeof chat.options.onEffect === "function") chat.options.onEffect({ name: event.name, data: event.data });
      break;
    case "notice":
      chat.showNotice(event.level || "info", event.message || "", event.title);
      break;
    case "error": {
      const error = new ChatApiError(event.message || chat.t("streamError"), { code: event.code });
      const message = describeError(error, chat.t);
      const box = chat.showNotice("danger", message);
      box.dataset.code = String(event.code || "");
      if (endsSession(error)) {
        chat.sessionEnded = true;
        chat.composer.setDisabled(message);
      } else if (event.allow_retry && chat.thread) addRetryButton(chat, box);
      chat.emit("chatkit.error", { error });
      break;
    }
    default:
      chat.emit("chatkit.log", { name: "unknown_event", data: event });
  }
}

function addRetryButton(chat, box) {
  const lastUser = [...chat.items].reverse().find((i) => i.type === "user_message");
  if (!lastUser) return;
  const retry = el("button", "ck-small-btn", chat.t("retry"));
  retry.type = "button";
  retry.addEventListener("click", () => {
    box.remove();
    chat.retryFrom(lastUser);
  });
  box.append(retry);
}
