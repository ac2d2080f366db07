// Renders one thread item (user message, assistant message, widget, workflow, task, tool call, image).
import { renderMarkdown, safeHref, updateMarkdown } from "./markdown.js";
import { icon } from "./icons.js";
import { renderWidget } from "./widgets.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function iconButton(label, svg, onClick, className = "ck-icon-btn") {
  const button = el("button", className);
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.title = label;
  button.append(svg);
  button.addEventListener("click", onClick);
  return button;
}

/** An <img> whose bytes come through the chat's own fetch (so previews that need the secret work). */
export function previewImage(url, alt, ctx) {
  const img = el("img", "ck-att-image");
  img.alt = alt || "";
  img.dataset.src = url || "";
  if (!url) return img;
  if (url.startsWith("blob:") || url.startsWith("data:image/")) {
    img.src = url;
    return img;
  }
  ctx.loadImage(url).then((objectUrl) => {
    if (objectUrl) img.src = objectUrl;
    else img.replaceWith(el("span", "ck-att-file", alt || "image"));
  });
  return img;
}

function renderAttachments(attachments, ctx) {
  const list = el("div", "ck-attachments");
  for (const att of attachments || []) {
    if (att.type === "image") {
      const fig = el("figure", "ck-att");
      fig.append(previewImage(att.preview_url, att.name, ctx));
      list.append(fig);
    } else {
      list.append(el("span", "ck-att-file", att.name || att.id));
    }
  }
  return list;
}

function renderUserMessage(item, ctx) {
  const node = el("div", "ck-msg ck-user");
  const bubble = el("div", "ck-bubble");
  if (item.quoted_text) bubble.append(el("blockquote", "ck-quote", item.quoted_text));
  const text = el("div", "ck-user-text");
  for (const part of item.content || []) {
    if (part.type === "input_text") text.append(document.createTextNode(part.text));
    else if (part.type === "input_tag") text.append(el("span", "ck-tag", `@${part.text}`));
  }
  bubble.append(text);
  if (item.attachments && item.attachments.length) bubble.append(renderAttachments(item.attachments, ctx));
  node.append(bubble);
  return node;
}

function renderAnnotations(parts) {
  const sources = [];
  const seen = new Set();
  for (const part of parts) {
    for (const ann of part.annotations || []) {
      const s = ann.source || {};
      const key = s.url || s.filename || s.id || s.title;
      if (!key || seen.has(key)) continue;
      seen.add(key);
      sources.push(s);
    }
  }
  if (!sources.length) return null;
  const list = el("ol", "ck-sources");
  for (const s of sources) {
    const li = el("li");
    const href = s.type === "url" ? safeHref(s.url) : null;
    if (href) {
      const a = el("a", null, s.title || s.url);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer nofollow";
      li.append(a);
    } else li.textContent = s.title || s.filename || s.label || "";
    list.append(li);
  }
  return list;
}

// The nodes of the latest replies, per chat (keyed by its translator, one per element). Rendering a reply
// again updates its node in place and returns that same node: its Markdown root keeps the blocks whose
// source did not change (markdown.js), so while a reply streams the blocks already written stay put (no
// flicker, text can be selected while the rest arrives, nothing holding a node sees it emptied), and the
// re-render at the end of a turn rebuilds nothing either.
const replyNodes = new WeakMap();
const KEPT_REPLIES = 8;

function keptReply(item, ctx) {
  if (!replyNodes.has(ctx.t)) replyNodes.set(ctx.t, new Map());
  const kept = replyNodes.get(ctx.t);
  let entry = kept.get(item.id);
  if (!entry) entry = { node: el("div"), body: el("div", "ck-assistant-body"), md: null };
  kept.delete(item.id);
  kept.set(item.id, entry); // most recent last
  while (kept.size > KEPT_REPLIES) kept.delete(kept.keys().next().value);
  return entry;
}

function renderAssistantMessage(item, ctx) {
  const entry = keptReply(item, ctx);
  const { node, body } = entry;
  node.className = "ck-msg ck-assistant";
  delete node.dataset.stopped;
  const text = (item.content || []).map((p) => p.text || "").join("\n\n");
  const opts = { t: ctx.t, serverUrl: ctx.serverUrl };
  entry.md = entry.md ? updateMarkdown(entry.md, text, opts) : renderMarkdown(text, "ck-md", opts);
  const sources = renderAnnotations(item.content || []);
  setChildren(body, sources ? [entry.md, sources] : [entry.md]);
  if (ctx.streamingItemId === item.id) {
    node.classList.add("ck-streaming");
    setChildren(node, [body]);
  } else setChildren(node, [body, renderActions(item, text, ctx)]);
  return node;
}

/** Makes `children` the children of `parent`, touching only positions that differ (a node taken out and put
 * back would lose the reader's selection in it and be laid out again). */
function setChildren(parent, children) {
  children.forEach((child, index) => {
    const current = parent.childNodes[index];
    if (current !== child) parent.insertBefore(child, current || null);
  });
  while (parent.childNodes.length > children.length) parent.lastChild.remove();
}

function renderActions(item, text, ctx) {
  const bar = el("div", "ck-actions");
  const copy = iconButton(ctx.t("copy"), icon("copy"), async () => {
    try {
      await navigator.clipboard.writeText(text);
      copy.title = ctx.t("copied");
    } catch {
      /* clipboard access can be refused; copying is a convenience */
    }
  });
  bar.append(copy);
  const actions = ctx.itemActions;
  if (actions.feedback) {
    const given = ctx.feedbackGiven.get(item.id);
    const up = iconButton(ctx.t("goodResponse"), icon("thumbUp"), () => ctx.onFeedback(item, "positive"));
    const down = iconButton(ctx.t("badResponse"), icon("thumbUp", { flip: true }), () => ctx.onFeedback(item, "negative"));
    up.dataset.action = "feedback-positive";
    down.dataset.action = "feedback-negative";
    up.setAttribute("aria-pressed", String(given === "positive"));
    down.setAttribute("aria-pressed", String(given === "negative"));
    bar.append(up, down);
  }
  if (actions.retry && ctx.canRetry(item)) {
    const retry = iconButton(ctx.t("retry"), icon("retry"), () => ctx.onRetry(item));
    retry.dataset.action = "retry";
    bar.append(retry);
  }
  return bar;
}

const STATUS_GLYPH = { loading: "◌", complete: "✓", none: "•" };

function renderTask(task, ctx) {
  const li = el("li", "ck-task");
  li.dataset.status = task.status_indicator || "none";
  const glyph = el("span", "ck-task-status", STATUS_GLYPH[task.status_indicator || "none"] || "•");
  glyph.setAttribute("aria-hidden", "true");
  const body = el("div", "ck-task-body");
  const title = task.title || (task.type === "thought" ? "Thought" : task.type === "web_search" ? task.title_query || "Search" : "");
  if (title) body.append(el("div", "ck-task-title", title));
  if (task.content) body.append(renderMarkdown(task.content, "ck-md ck-task-content", { t: ctx.t, serverUrl: ctx.serverUrl }));
  if (task.type === "web_search" && task.queries && task.queries.length) {
    body.append(el("div", "ck-task-content", task.queries.join(" · ")));
  }
  li.append(glyph, body);
  return li;
}

function renderWorkflow(item, ctx) {
  const wf = item.workflow || { tasks: [] };
  const details = el("details", "ck-workflow");
  const done = wf.summary !== undefined && wf.summary !== null;
  details.open = wf.expanded || !done;
  const summary = el("summary");
  if (done && wf.summary.title) summary.textContent = wf.summary.title;
  else if (done && typeof wf.summary.duration === "number") summary.textContent = `${ctx.t("thinking").replace("…", "")} · ${wf.summary.duration}s`;
  else summary.textContent = wf.type === "reasoning" ? ctx.t("thinking") : (wf.tasks.find((t) => t.title) || {}).title || ctx.t("thinking");
  details.append(summary);
  const list = el("ul", "ck-tasks");
  for (const task of wf.tasks || []) list.append(renderTask(task, ctx));
  details.append(list);
  return details;
}

function renderToolCall(item, ctx) {
  const pending = item.status === "pending";
  const node = el("div", "ck-tool ck-toolcall", ctx.t(pending ? "toolPending" : "toolCall", { name: item.name }));
  node.dataset.status = item.status;
  return node;
}

function renderGeneratedImage(item, ctx) {
  const node = el("figure", "ck-generated");
  if (item.image && item.image.url) node.append(previewImage(item.image.url, "generated image", ctx));
  else node.append(el("div", "ck-progress", ctx.t("thinking")));
  return node;
}

let formCounter = 0;

/** Questions the server asks (`structured_input`): a form while pending, the answers afterwards. */
function renderStructuredInput(item, ctx) {
  const pending = item.status === "pending";
  const form = el("form", "ck-structured");
  const prefix = `ck-si-${(formCounter += 1)}`;
  for (const [index, input] of (item.inputs || []).entries()) {
    const box = el("fieldset", "ck-question");
    box.dataset.questionId = input.id;
    box.append(el("legend", null, input.question));
    if (!pending) {
      const answer = input.answer || { skipped: true };
      box.append(el("p", "ck-answer", answer.skipped ? ctx.t("skipped") : answer.values.join(", ")));
    } else if (input.type === "multiple_choice") {
      for (const option of input.options || []) {
        const label = el("label", "ck-w-check");
        const choice = el("input");
        choice.type = input.multiple ? "checkbox" : "radio";
        choice.name = `${prefix}-${index}`;
        choice.value = option.value;
        label.append(choice, document.createTextNode(` ${option.value}`));
        box.append(label);
      }
    } else {
      if (input.description) box.append(el("p", "ck-task-content", input.description));
      const text = el("textarea", "ck-w-input");
      text.name = `${prefix}-${index}`;
      text.rows = 2;
      text.setAttribute("aria-label", input.question);
      box.append(text);
    }
    form.append(box);
  }
  if (pending) {
    const answers = () => {
      const result = {};
      for (const [index, input] of (item.inputs || []).entries()) {
        const fields = [...form.querySelectorAll(`[name="${prefix}-${index}"]`)];
        const values = fields.filter((f) => f.tagName === "TEXTAREA" || f.checked).map((f) => f.value.trim()).filter(Boolean);
        result[input.id] = { values, skipped: values.length === 0 };
      }
      return result;
    };
    const bar = el("div", "ck-w-card-actions");
    const skip = el("button", "ck-w-button", ctx.t("skip"));
    skip.type = "button";
    skip.addEventListener("click", () => ctx.onStructuredInput(item, { status: "skipped", answers: {} }));
    const submit = el("button", "ck-w-button ck-w-primary", ctx.t("submit"));
    submit.type = "submit";
    bar.append(skip, submit);
    form.append(bar);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      ctx.onStructuredInput(item, { status: "answered", answers: answers() });
    });
  }
  return form;
}

/** Renders `item`, or returns null for items with nothing to show. */
export function renderItem(item, ctx) {
  let node;
  switch (item.type) {
    case "user_message":
      node = renderUserMessage(item, ctx);
      break;
    case "assistant_message":
      node = renderAssistantMessage(item, ctx);
      break;
    case "widget": {
      node = el("div", "ck-msg ck-widget-item");
      node.append(renderWidget(item.widget, { t: ctx.t, scheme: ctx.scheme, serverUrl: ctx.serverUrl, onAction: (action, form, source) => ctx.onWidgetAction(item, action, form, source) }));
      break;
    }
    case "workflow":
      node = renderWorkflow(item, ctx);
      break;
    case "task": {
      node = el("ul", "ck-tasks ck-task-item");
      node.append(renderTask(item.task || {}, ctx));
      break;
    }
    case "client_tool_call":
      node = renderToolCall(item, ctx);
      break;
    case "generated_image":
      node = renderGeneratedImage(item, ctx);
      break;
    case "structured_input":
      node = renderStructuredInput(item, ctx);
      break;
    default:
      return null; // end_of_turn, hidden context and unknown kinds show nothing
  }
  node.dataset.itemId = item.id;
  node.dataset.itemType = item.type;
  return node;
}
