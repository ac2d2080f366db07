// The composer: text, entity tags, a quoted reply, attachments (uploaded as soon as they are picked),
// model and tool pickers (pinned tools as buttons), dictation, send and stop.
import { ComposerValueMethods, tagPart } from "./composer-value.js";
import { Dictation } from "./dictation.js";
import { icon } from "./icons.js";
import { Mentions } from "./mentions.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function formatSize(bytes) {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

/** Whether `file` matches an `accept` map ({"image/*": [".png"], ...}) or list of MIME patterns. */
function accepted(file, accept) {
  if (!accept) return true;
  const patterns = Array.isArray(accept) ? accept : Object.keys(accept);
  const exts = Array.isArray(accept) ? [] : Object.values(accept).flat();
  const type = file.type || "";
  const name = file.name.toLowerCase();
  return (
    patterns.some((p) => (p.endsWith("/*") ? type.startsWith(p.slice(0, -1)) : p === type || (p.startsWith(".") && name.endsWith(p)))) ||
    exts.some((e) => name.endsWith(String(e).toLowerCase()))
  );
}

/** ChatKit's `maxSize`: one number, or MIME patterns to sizes where "*" or "" is the fallback (default 100 MB). */
function maxSizeFor(file, maxSize) {
  const fallback = 100 * 1024 * 1024;
  if (typeof maxSize === "number") return maxSize;
  if (maxSize && typeof maxSize === "object") {
    for (const [pattern, size] of Object.entries(maxSize)) {
      if (pattern === "*" || pattern === "") continue;
      if (pattern.endsWith("/*") ? (file.type || "").startsWith(pattern.slice(0, -1)) : pattern === file.type) return size;
    }
    return maxSize["*"] ?? maxSize[""] ?? fallback;
  }
  return fallback;
}

export class Composer {
  /**
   * @param {{t: Function, onSubmit: Function, onStop: Function, upload: Function, discard: Function, notify: Function}} host
   */
  constructor(host) {
    this.host = host;
    this.attachments = []; // {key, file, previewUrl, status: "uploading"|"done"|"failed", attachment}
    this.streaming = false;
    this.disabledReason = null;
    this.options = {};
    this.node = el("form", "ck-composer");
    this.node.noValidate = true;
    this.chips = el("div", "ck-chips");
    this.row = el("div", "ck-composer-row");
    this.fileInput = el("input");
    this.fileInput.type = "file";
    this.fileInput.multiple = true;
    this.fileInput.hidden = true;
    this.attachButton = el("button", "ck-icon-btn ck-attach");
    this.attachButton.type = "button";
    this.attachButton.append(icon("clip"));
    // ChatKit's `composer.models`: the choice goes out as `inference_options.model` with each message.
    this.modelSelect = el("select", "ck-model");
    this.modelSelect.hidden = true;
    // ChatKit's `composer.tools`: the choice goes out as `inference_options.tool_choice` with the next message.
    this.toolSelect = el("select", "ck-tool");
    this.toolSelect.hidden = true;
    this.toolSelect.addEventListener("change", () => this.showTool());
    // ChatKit's `tools[].pinned`: those tools also sit in the composer as toggle buttons.
    this.pinned = el("div", "ck-pinned-tools");
    this.lastToolId = null;
    this.tags = []; // entities picked from the tag search, sent as input_tag parts
    this.quoted = null; // ChatKit's `reply`: the text this message answers, sent as quoted_text
    this.tagChips = el("div", "ck-tag-chips");
    this.replyBox = el("div", "ck-reply");
    this.replyBox.hidden = true;
    this.textarea = el("textarea", "ck-input");
    this.textarea.rows = 1;
    this.sendButton = el("button", "ck-send");
    this.sendButton.type = "submit";
    this.reason = el("p", "ck-composer-reason");
    this.reason.hidden = true;
    this.reason.setAttribute("role", "status");
    this.disclaimer = el("div", "ck-disclaimer");
    this.dictation = new Dictation({
      transcribe: (audio) => host.transcribe(audio),
      insert: (text) => this.insertText(text),
      notify: (level, message) => host.notify(level, message),
      t: (key) => this.t(key),
    });
    this.mentions = new Mentions(this, host);
    this.row.append(
      this.attachButton,
      this.mentions.button,
      this.modelSelect,
      this.toolSelect,
      this.pinned,
      this.textarea,
      this.dictation.button,
      this.sendButton,
    );
    this.node.append(this.reason, this.replyBox, this.tagChips, this.chips, this.mentions.list, this.row, this.fileInput, this.disclaimer);

    this.attachButton.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      this.addFiles([...this.fileInput.files]);
      this.fileInput.value = "";
    });
    this.textarea.addEventListener("input", () => {
      this.mentions.onInput();
      this.refresh();
    });
    this.textarea.addEventListener("keydown", (e) => {
      if (this.mentions.handleKey(e)) return;
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      } else if (e.key === "Escape" && this.streaming) {
        e.preventDefault();
        this.host.onStop();
      }
    });
    this.textarea.addEventListener("paste", (e) => {
      const files = [...(e.clipboardData?.files || [])];
      if (files.length && this.attachmentsEnabled()) {
        e.preventDefault();
        this.addFiles(files);
      }
    });
    this.node.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.streaming) this.host.onStop();
      else this.submit();
    });
  }

  configure(options, t, disclaimerNode, highContrast = false) {
    this.options = options || {};
    this.t = t;
    this.disclaimer.classList.toggle("ck-high-contrast", highContrast);
    this.dictation.configure(this.options.dictation, t);
    this.mentions.configure(t);
    const attachments = this.options.attachments || {};
    this.attachButton.hidden = !attachments.enabled;
    this.attachButton.setAttribute("aria-label", t("attach"));
    this.attachButton.title = t("attach");
    if (attachments.accept) {
      const accept = Array.isArray(attachments.accept) ? attachments.accept : Object.entries(attachments.accept).flatMap(([k, v]) => [k, ...v]);
      this.fileInput.accept = accept.join(",");
    } else this.fileInput.removeAttribute("accept");
    this.configureModels(Array.isArray(this.options.models) ? this.options.models : [], t);
    this.configureTools(Array.isArray(this.options.tools) ? this.options.tools : [], t);
    this.showTool();
    this.textarea.setAttribute("aria-label", t("messageLabel"));
    this.disclaimer.replaceChildren(...(disclaimerNode ? [disclaimerNode] : []));
    this.refresh();
  }

  /** Fills the model picker from `[{id, label, description, default, disabled}]`, keeping a still-offered choice. */
  configureModels(models, t) {
    const previous = this.modelSelect.value;
    const usable = models.filter((m) => m && typeof m.id === "string" && m.id);
    this.modelSelect.replaceChildren(
      ...usable.map((m) => {
        const option = el("option", null, m.label || m.id);
        option.value = m.id;
        option.disabled = Boolean(m.disabled);
        if (m.description) option.title = String(m.description);
        return option;
      }),
    );
    const enabled = usable.filter((m) => !m.disabled);
    const keep = enabled.find((m) => m.id === previous);
    const chosen = keep || enabled.find((m) => m.default) || enabled[0];
    if (chosen) this.modelSelect.value = chosen.id;
    this.modelSelect.hidden = usable.length === 0;
    this.modelSelect.setAttribute("aria-label", t("model"));
    this.modelSelect.title = t("model");
  }

  /** The model picked for the next message, or null when the page offers no models. */
  selectedModel() {
    if (this.modelSelect.hidden) return null;
    const option = this.modelSelect.selectedOptions[0];
    return option && !option.disabled ? option.value : null;
  }

  /** Fills the tool picker from `[{id, label, shortLabel, placeholderOverride, persistent, icon, pinned}]`, keeping a still-offered choice. */
  configureTools(tools, t) {
    const previous = this.toolSelect.value;
    this.tools = tools.filter((tool) => tool && typeof tool.id === "string" && tool.id);
    const none = el("option", null, t("noTool"));
    none.value = "";
    this.toolSelect.replaceChildren(
      none,
      ...this.tools.map((tool) => {
        const option = el("option", null, tool.label || tool.shortLabel || tool.id);
        option.value = tool.id;
        if (tool.shortLabel && tool.label) option.title = String(tool.shortLabel);
        return option;
      }),
    );
    this.toolSelect.value = this.tools.some((tool) => tool.id === previous) ? previous : "";
    this.toolSelect.hidden = this.tools.length === 0;
    this.pinned.replaceChildren(
      ...this.tools
        .filter((tool) => tool.pinned)
        .map((tool) => {
          const button = el("button", "ck-pinned-tool");
          button.type = "button";
          button.dataset.toolId = tool.id;
          if (tool.icon) {
            const glyph = icon(String(tool.icon));
            glyph.dataset.icon = String(tool.icon);
            button.append(glyph);
          }
          button.append(el("span", null, tool.shortLabel || tool.label || tool.id));
          button.addEventListener("click", () => {
            this.toolSelect.value = this.toolSelect.value === tool.id ? "" : tool.id;
            this.showTool();
          });
          return button;
        }),
    );
    this.pinned.hidden = this.pinned.childElementCount === 0;
    this.toolSelect.setAttribute("aria-label", t("tool"));
    this.toolSelect.title = t("tool");
  }

  /** The placeholder follows the chosen tool's `placeholderOverride`, as in ChatKit. */
  showTool() {
    if (!this.t) return;
    const tool = this.selectedTool();
    this.toolSelect.dataset.chosen = String(Boolean(tool));
    this.textarea.placeholder = (tool && tool.placeholderOverride) || this.options.placeholder || this.t("placeholder");
    for (const button of this.pinned.children) button.setAttribute("aria-pressed", String(Boolean(tool) && button.dataset.toolId === tool.id));
    const id = tool ? tool.id : null;
    if (id !== this.lastToolId) {
      this.lastToolId = id;
      if (this.host.onToolChange) this.host.onToolChange(id);
    }
  }

  /** The tool picked for the next message, or null. */
  selectedTool() {
    if (this.toolSelect.hidden || !this.toolSelect.value) return null;
    return (this.tools || []).find((tool) => tool.id === this.toolSelect.value) || null;
  }

  /**
   * `inference_options` for the message being sent. As in ChatKit, a tool choice applies to that one
   * message (the picker goes back to "no tool") unless the tool is `persistent`; the model choice stays.
   */
  takeInferenceOptions() {
    const options = {};
    const model = this.selectedModel();
    if (model) options.model = model;
    const tool = this.selectedTool();
    if (tool) options.tool_choice = { id: tool.id };
    if (tool && !tool.persistent) {
      this.toolSelect.value = "";
      this.showTool();
    }
    return options;
  }

  attachmentsEnabled() {
    return Boolean(this.options.attachments && this.options.attachments.enabled);
  }

  /** Starts uploading `files`; returns the upload promises (setComposerValue waits for them). */
  addFiles(files) {
    const uploads = [];
    if (!this.attachmentsEnabled()) return uploads;
    const limits = this.options.attachments;
    const maxCount = limits.maxCount ?? 10;
    for (const file of files) {
      if (this.attachments.length >= maxCount) {
        this.host.notify("warning", this.t("tooManyFiles", { n: maxCount }));
        break;
      }
      if (!accepted(file, limits.accept)) {
        this.host.notify("warning", this.t("fileTypeRefused", { name: file.name }));
        continue;
      }
      const max = maxSizeFor(file, limits.maxSize);
      if (file.size > max) {
        this.host.notify("warning", this.t("fileTooLarge", { name: file.name, size: formatSize(max) }));
        continue;
      }
      const entry = {
        key: `${Date.now()}-${Math.random()}`,
        file,
        previewUrl: file.type.startsWith("image/") ? URL.createObjectURL(file) : null,
        status: "uploading",
        attachment: null,
      };
      this.attachments.push(entry);
      const upload = this.host
        .upload(file)
        .then((attachment) => {
          entry.attachment = attachment;
          entry.status = "done";
          if (entry.previewUrl && attachment.preview_url) this.host.rememberPreview(attachment.preview_url, entry.previewUrl);
        })
        .catch((error) => {
          entry.status = "failed";
          this.attachments = this.attachments.filter((a) => a !== entry);
          this.host.notify("danger", `${file.name}: ${error.message}`);
        })
        .finally(() => this.refresh());
      uploads.push(upload);
    }
    this.refresh();
    return uploads;
  }

  removeAttachment(entry) {
    this.attachments = this.attachments.filter((a) => a !== entry);
    if (entry.attachment) this.host.discard(entry.attachment);
    this.refresh();
  }

  renderChips() {
    this.chips.replaceChildren(
      ...this.attachments.map((entry) => {
        const chip = el("div", "ck-chip");
        chip.dataset.status = entry.status;
        if (entry.previewUrl) {
          const img = el("img", "ck-chip-preview");
          img.src = entry.previewUrl;
          img.alt = entry.file.name;
          chip.append(img);
        } else chip.append(el("span", "ck-chip-name", entry.file.name));
        if (entry.status === "uploading") chip.append(el("span", "ck-chip-status", this.t("uploading")));
        const remove = el("button", "ck-chip-remove");
        remove.append(icon("close"));
        remove.type = "button";
        remove.setAttribute("aria-label", this.t("removeAttachment", { name: entry.file.name }));
        remove.addEventListener("click", () => this.removeAttachment(entry));
        chip.append(remove);
        return chip;
      }),
    );
    this.chips.hidden = this.attachments.length === 0;
  }

  refresh() {
    if (!this.t) return;
    this.renderChips();
    const uploading = this.attachments.some((a) => a.status === "uploading");
    const empty = !this.textarea.value.trim() && !this.attachments.length && !this.tags.length;
    this.textarea.disabled = Boolean(this.disabledReason);
    this.attachButton.disabled = Boolean(this.disabledReason) || this.streaming;
    this.modelSelect.disabled = Boolean(this.disabledReason) || this.streaming;
    this.toolSelect.disabled = Boolean(this.disabledReason) || this.streaming;
    for (const button of this.pinned.children) button.disabled = this.toolSelect.disabled;
    this.dictation.setDisabled(Boolean(this.disabledReason) || this.streaming);
    this.reason.hidden = !this.disabledReason;
    this.reason.textContent = this.disabledReason || "";
    if (this.streaming) {
      this.sendButton.replaceChildren(icon("stop"));
      this.sendButton.setAttribute("aria-label", this.t("stop"));
      this.sendButton.title = this.t("stop");
      this.sendButton.dataset.role = "stop";
      this.sendButton.disabled = !this.allowCancel;
    } else {
      this.sendButton.replaceChildren(icon("send"));
      this.sendButton.setAttribute("aria-label", this.t("send"));
      this.sendButton.title = this.t("send");
      this.sendButton.dataset.role = "send";
      this.sendButton.disabled = Boolean(this.disabledReason) || empty || uploading;
    }
    this.textarea.style.height = "auto";
    this.textarea.style.height = `${Math.min(this.textarea.scrollHeight, 200)}px`;
  }

  setStreaming(streaming, allowCancel = true) {
    this.streaming = streaming;
    this.allowCancel = allowCancel;
    this.refresh();
  }

  setDisabled(reason) {
    this.disabledReason = reason || null;
    this.refresh();
  }

  submit() {
    if (this.streaming || this.disabledReason) return;
    if (this.attachments.some((a) => a.status === "uploading")) return;
    const text = this.textarea.value.trim();
    const attachments = this.attachments.filter((a) => a.status === "done").map((a) => a.attachment);
    const content = [...(text ? [{ type: "input_text", text }] : []), ...this.tags.map(tagPart)];
    if (!content.length && !attachments.length) return;
    const quotedText = this.quoted;
    this.textarea.value = "";
    this.attachments = [];
    this.setTags([]);
    this.setReply(null);
    this.refresh();
    this.host.onSubmit({ content, attachments, quotedText });
  }

  focus() {
    this.textarea.focus();
  }
}

Object.assign(Composer.prototype, ComposerValueMethods);
