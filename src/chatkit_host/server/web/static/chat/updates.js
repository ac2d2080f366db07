// Applies one `thread.item.updated` update to the item it names (streamed text, tasks, widgets, images).
import { applyWidgetUpdate } from "./widgets.js";

/** Mutates `item` with `update`; returns false for update kinds this UI does not know. */
export function applyItemUpdate(item, update) {
  const content = update.type.startsWith("assistant_message.") ? item.content || (item.content = []) : null;
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done":
      content[update.content_index] = update.content;
      break;
    case "assistant_message.content_part.text_delta": {
      const part = content[update.content_index] || (content[update.content_index] = { type: "output_text", text: "", annotations: [] });
      part.text = (part.text || "") + update.delta;
      break;
    }
    case "assistant_message.content_part.annotation_added": {
      const part = content[update.content_index];
      if (part) (part.annotations || (part.annotations = []))[update.annotation_index] = update.annotation;
      break;
    }
    case "widget.root.updated":
    case "widget.component.updated":
    case "widget.streaming_text.value_delta":
      item.widget = applyWidgetUpdate(item.widget, update);
      break;
    case "workflow.task.added":
    case "workflow.task.updated":
      item.workflow = item.workflow || { type: "custom", tasks: [] };
      item.workflow.tasks[update.task_index] = update.task;
      break;
    case "generated_image.updated":
      item.image = update.image;
      break;
    default:
      return false;
  }
  return true;
}
