// Widget actions and client tool calls: the two ways the page itself takes part in a turn.
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
      await chat.runStream("threads.custom_action", { thread_id: chat.thread.id, item_id: item.id, action });
    }
  } catch (error) {
    chat.reportError(error);
  } finally {
    if (source) source.removeAttribute("aria-busy");
  }
}

/** After a stream: if it ended on a pending client tool call, run it in the page and send its output. */
export async function runPendingClientTool(chat) {
  const last = chat.items[chat.items.length - 1];
  if (!last || last.type !== "client_tool_call" || last.status !== "pending" || !chat.thread) return;
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
  await chat.runStream("threads.add_client_tool_output", { thread_id: chat.thread.id, result: result ?? null });
}
