// Entity tags in user messages: ChatKit's `entities.onClick` and `entities.onRequestPreview`.
import { renderWidget } from "./widgets.js";

function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

/**
 * Makes the entity tags of a user message (`input_tag` parts, drawn as `.ck-tag` by items.js) answer
 * ChatKit's `entities.onClick` and `entities.onRequestPreview`.
 */
export function decorateEntities(node, item, chat) {
  if (item.type !== "user_message" || !Array.isArray(item.content)) return node;
  const tags = item.content.filter((part) => part && part.type === "input_tag");
  const spans = node.querySelectorAll(".ck-tag");
  const entities = chat.options.entities || {};
  tags.forEach((tag, i) => {
    const span = spans[i];
    if (!span) return;
    const entity = { id: tag.id, title: tag.text, group: tag.group, data: tag.data, interactive: tag.interactive };
    span.dataset.entityId = String(tag.id || "");
    if (tag.interactive === false) return;
    if (typeof entities.onClick === "function") {
      span.tabIndex = 0;
      span.setAttribute("role", "button");
      const open = () => entities.onClick(entity);
      span.addEventListener("click", open);
      span.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          open();
        }
      });
    }
    if (typeof entities.onRequestPreview === "function") {
      if (span.tabIndex < 0) span.tabIndex = 0;
      const show = () => showEntityPreview(span, entity, entities.onRequestPreview, chat);
      span.addEventListener("mouseenter", show);
      span.addEventListener("focus", show);
      span.addEventListener("mouseleave", () => span.querySelector(".ck-entity-preview")?.remove());
      span.addEventListener("blur", () => span.querySelector(".ck-entity-preview")?.remove());
    }
  });
  return node;
}

async function showEntityPreview(span, entity, request, chat) {
  if (span.querySelector(".ck-entity-preview")) return;
  let result;
  try {
    result = await request(entity);
  } catch (error) {
    chat.emit("chatkit.log", { name: "entities.preview.failed", data: { entityId: entity.id, message: String(error && error.message) } });
    return;
  }
  if (!result || !result.preview || !span.isConnected || span.querySelector(".ck-entity-preview")) return;
  const box = el("span", "ck-entity-preview");
  box.setAttribute("role", "tooltip");
  box.append(renderWidget(result.preview, chat.itemContext()));
  span.append(box);
}

