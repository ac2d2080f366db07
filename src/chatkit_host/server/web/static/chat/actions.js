// Widget actions and client tool calls (the two ways the page itself takes part in a turn), retry and feedback.
import { formValues } from "./widgets.js";

/** Sends a widget's action: to the page's handler (`handler: "client"`) or to the server. */
export async function widgetAction(chat, item, actionConfig, form, source) {
  const action = { type: actionConfig.type, payload: { ...(actionConfig.payload || {}), ...formValues(form) } };
  if (actionConfig.payload !== undefined && (typeof actionConfig.payload !== "object" || actionConfig.payload === null)) {
    action.payload = actionConfig.payload;
  }
  if (actionConfig.handler === "client") {
    const handler = chat.options.widgets && chat.options.widgets.onAction;
    if (handler) await handler(action, item);
    return;
  }
  if (source) source.setAttribute("aria-busy", "true");
  try {
    if (actionConfig.streaming === false) {
      const result = await chat.api.request("threads.sync_custom_action", { thread_id: chat.thread.id, item_id: item.id, action });
      if (result && result.updated_item) chat.upsertItem(result.updated_item);
    } else {
      await chat.runStream("threads.custom_action", { thread_id: chat.thread.id, item_id: item.id, action }); // reports its own errors
    }
  } catch (error) {
    chat.reportError(error);
  } finally {
    if (source) source.removeAttribute("aria-busy");
  }
}

/**
 * After a stream: if it ended on a pending client tool call, run `onClientTool` in the page and send its
 * output. Returns the runStream result of that second stream, or null when there was no call.
 */
export async function runPendingClientTool(chat) {
  const last = chat.items[chat.items.length - 1];
  if (!last || last.type !== "client_tool_call" || last.status !== "pending" || !chat.thread) return null;
  let result;
  try {
    if (typeof chat.options.onClientTool !== "function") throw new Error(`No client tool handler for ${last.name}.`);
    result = await chat.options.onClientTool({ name: last.name, params: last.arguments || {} });
  } catch (error) {
    result = { error: String((error && error.message) || error) };
  }
  // The server completes the call when it gets the output; show that without a reload.
  last.status = "completed";
  last.output = result ?? null;
  chat.renderOne(last.id);
  return chat.runStream("threads.add_client_tool_output", { thread_id: chat.thread.id, result: result ?? null });
}

export function userMessageBefore(chat, item) {
  const index = chat.items.findIndex((i) => i.id === item.id);
  for (let i = index - 1; i >= 0; i -= 1) if (chat.items[i].type === "user_message") return chat.items[i];
  return null;
}

export function isLastAnswer(chat, item) {
  const index = chat.items.findIndex((i) => i.id === item.id);
  return !chat.items.slice(index + 1).some((i) => i.type === "user_message" || i.type === "assistant_message");
}

/** Drops everything after `user` and asks the server to answer it again. */
export async function retryFrom(chat, user) {
  const index = chat.items.findIndex((i) => i.id === user.id);
  chat.items = chat.items.slice(0, index + 1);
  chat.renderThread();
  return chat.runStream("threads.retry_after_item", { thread_id: chat.thread.id, item_id: user.id });
}

export async function sendFeedback(chat, item, kind) {
  try {
    await chat.api.request("items.feedback", { thread_id: chat.thread.id, item_ids: [item.id], kind });
    chat.feedbackGiven.set(item.id, kind);
    chat.renderOne(item.id);
    chat.showNotice("info", chat.t("thanks"), null, { transient: true });
  } catch (error) {
    chat.reportError(error);
  }
}
