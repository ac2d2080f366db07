// What the composer holds besides typed text, mixed into Composer (composer.js): entity tags (sent as
// `input_tag` parts), the quoted reply, and ChatKit's `setComposerValue`.
import { icon } from "./icons.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** An `input_tag` part for an entity. */
export function tagPart(tag) {
  // The runtime requires `data` (chatkit-python's UserMessageTagContent); ChatKit's Entity makes it optional.
  const part = { type: "input_tag", id: String(tag.id), text: String(tag.title ?? tag.text ?? ""), data: tag.data || {} };
  if (tag.group) part.group = tag.group;
  if (tag.interactive !== undefined) part.interactive = Boolean(tag.interactive);
  return part;
}

export const ComposerValueMethods = {
  /** ChatKit's `setComposerValue`: text or content (tags), a reply, attachments, files, tool and model. */
  async setValue({ text, content, reply, attachments, files, selectedToolId, selectedModelId } = {}) {
    if (Array.isArray(content)) {
      this.textarea.value = content.filter((p) => p && p.type === "input_text").map((p) => p.text).join(" ");
      this.setTags(content.filter((p) => p && p.type === "input_tag").map((p) => ({ ...p, title: p.text })));
    } else if (text !== undefined) this.textarea.value = String(text);
    if (reply !== undefined) this.setReply(reply || null);
    if (Array.isArray(attachments)) {
      this.attachments = attachments.map((attachment) => ({
        key: `${attachment.id}`,
        file: { name: attachment.name, type: attachment.mime_type || "" },
        previewUrl: null,
        status: "done",
        attachment,
      }));
    }
    if (selectedToolId !== undefined) {
      this.toolSelect.value = selectedToolId && (this.tools || []).some((t) => t.id === selectedToolId) ? selectedToolId : "";
      this.showTool();
    }
    if (typeof selectedModelId === "string" && [...this.modelSelect.options].some((o) => o.value === selectedModelId && !o.disabled)) {
      this.modelSelect.value = selectedModelId;
    }
    const uploads = Array.isArray(files) ? this.addFiles(files) : [];
    this.refresh();
    await Promise.allSettled(uploads);
  },

  insertText(text) {
    const box = this.textarea;
    const at = box.selectionStart ?? box.value.length;
    const before = box.value.slice(0, at);
    const spacer = before && !/\s$/.test(before) ? " " : "";
    box.value = before + spacer + text + box.value.slice(box.selectionEnd ?? at);
    this.refresh();
  },

  addTag(entity) {
    if (!this.tags.some((t) => t.id === entity.id)) this.setTags([...this.tags, entity]);
  },

  setTags(tags) {
    this.tags = tags;
    this.tagChips.replaceChildren(
      ...tags.map((tag) => {
        const chip = el("span", "ck-tag ck-tag-chip", `@${tag.title}`);
        chip.dataset.entityId = tag.id;
        const remove = el("button", "ck-chip-remove");
        remove.type = "button";
        remove.append(icon("close"));
        remove.setAttribute("aria-label", this.t("removeAttachment", { name: tag.title }));
        remove.addEventListener("click", () => this.setTags(this.tags.filter((t) => t !== tag)));
        chip.append(remove);
        return chip;
      }),
    );
    this.tagChips.hidden = tags.length === 0;
    this.refresh();
  },

  setReply(text) {
    this.quoted = text ? String(text) : null;
    this.replyBox.hidden = !this.quoted;
    this.replyBox.replaceChildren();
    if (!this.quoted) return;
    this.replyBox.append(el("span", "ck-reply-text", this.quoted));
    const remove = el("button", "ck-chip-remove");
    remove.type = "button";
    remove.append(icon("close"));
    remove.setAttribute("aria-label", this.t("cancel"));
    remove.addEventListener("click", () => this.setReply(null));
    this.replyBox.append(remove);
  },
};
