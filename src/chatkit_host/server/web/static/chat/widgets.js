// Renders ChatKit widget trees (Card, ListView and Basic roots and every component of types/widgets.d.ts in
// @openai/chatkit 1.9, plus chatkit-python's Chart) into DOM. Values from the server are set as text or
// properties; colours, lengths and icon names pass whitelists (css.js, icons.js), so a widget can neither
// inject markup nor make the browser load anything from another host.
import { renderChart } from "./chart.js";
import { applyBox, isColorToken, safeColor, safeLength } from "./css.js";
import { renderMarkdown } from "./markdown.js";
import { ICON_PX, iconNode, imageSource, renderButton, renderDivider, renderImage, renderTable } from "./widget-parts.js";
import * as controls from "./widget-controls.js";

export { formValues } from "./widget-controls.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

let widgetCounter = 0;

/**
 * Renders a widget root.
 * @param {object} widget the root component
 * @param {{scheme: string, serverUrl?: string, onAction: (action: object, form: HTMLFormElement|null, source: Element) => void}} ctx
 */
export function renderWidget(widget, ctx) {
  const root = el("div", "ck-widget");
  root.append(renderComponent(widget, { ...ctx, idPrefix: `ck-w${(widgetCounter += 1)}` }, null));
  return root;
}

function renderChildren(node, children, ctx, form) {
  if (!children) return;
  for (const child of Array.isArray(children) ? children : [children]) {
    if (child && typeof child === "object") node.append(renderComponent(child, ctx, form));
  }
}

/** A root's own `theme` ("light"/"dark") overrides the chat's for everything inside it. */
function themed(node, c, ctx) {
  if (c.theme !== "light" && c.theme !== "dark") return ctx;
  node.dataset.scheme = c.theme;
  node.classList.add("ck-themed");
  return { ...ctx, scheme: c.theme };
}

/** The `status` line of a Card or ListView: an icon or the server's favicon, and a short text. */
function renderStatus(status, ctx) {
  const line = el("div", "ck-w-status");
  if (status.icon) {
    const svg = iconNode(status.icon, 16, ctx);
    if (svg) line.append(svg);
  } else if (status.favicon) {
    const src = imageSource(status.favicon, ctx.serverUrl);
    if (src) {
      const img = el("img", status.frame ? "ck-w-favicon ck-w-framed" : "ck-w-favicon");
      img.src = src;
      img.alt = "";
      line.append(img);
    }
  }
  line.append(el("span", null, status.text || ""));
  return line;
}

const TEXT_SIZES = new Set(["xs", "sm", "md", "lg", "xl", "2xl", "3xl", "4xl", "5xl"]);

function textLike(tag, cls, c, ctx) {
  const node = el(tag, cls, c.value ?? "");
  const color = safeColor(c.color, ctx.scheme);
  if (color) node.style.color = color;
  if (TEXT_SIZES.has(c.size)) node.dataset.size = c.size;
  if (c.weight) node.dataset.weight = String(c.weight);
  if (c.textAlign && ["start", "center", "end"].includes(c.textAlign)) node.style.textAlign = c.textAlign;
  if (c.italic) node.style.fontStyle = "italic";
  if (c.lineThrough) node.style.textDecoration = "line-through";
  if (c.truncate) node.classList.add("ck-truncate");
  const maxLines = Number(c.maxLines);
  if (maxLines > 0) {
    node.classList.add("ck-clamp");
    node.style.webkitLineClamp = String(Math.floor(maxLines));
  }
  const minLines = Number(c.minLines);
  if (minLines > 0) node.style.minHeight = `${Math.floor(minLines) * 1.5}em`;
  if (c.width !== undefined && safeLength(c.width)) node.style.width = safeLength(c.width);
  if (c.streaming) node.classList.add("ck-w-streaming");
  return node;
}

function actionButton(label, action, ctx, form, className) {
  const button = el("button", className, label);
  button.type = "button";
  button.addEventListener("click", () => ctx.onAction(action, form, button));
  return button;
}

function renderCard(c, ctx, form) {
  const isForm = Boolean(c.asForm);
  const node = el(isForm ? "form" : "div", "ck-w-card");
  const inner = isForm ? node : form;
  ctx = themed(node, c, ctx);
  if (["sm", "md", "lg", "full"].includes(c.size)) node.dataset.size = c.size;
  applyBox(node, { padding: c.padding, background: c.background, border: c.border }, ctx.scheme);
  if (isForm) node.addEventListener("submit", (e) => e.preventDefault());
  const body = el("div", "ck-w-card-body");
  renderChildren(body, c.children, ctx, inner);
  if (c.confirm || c.cancel) {
    const bar = el("div", "ck-w-card-actions");
    if (c.cancel) bar.append(actionButton(c.cancel.label, c.cancel.action, ctx, inner, "ck-w-button"));
    if (c.confirm) bar.append(actionButton(c.confirm.label, c.confirm.action, ctx, inner, "ck-w-button ck-w-primary"));
    body.append(bar);
  }
  if (c.status) {
    const status = renderStatus(c.status, ctx);
    node.append(status);
    // A collapsed card shows its status line; the line opens and closes the content, as in ChatKit.
    if (c.collapsed) {
      const toggle = el("button", "ck-w-status-toggle");
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "false");
      toggle.append(...status.childNodes);
      status.append(toggle);
      body.hidden = true;
      toggle.addEventListener("click", () => {
        body.hidden = !body.hidden;
        toggle.setAttribute("aria-expanded", String(!body.hidden));
      });
    }
  } else if (c.collapsed) body.hidden = true;
  node.append(body);
  if (isForm) node.__ckSubmitAction = c.confirm && c.confirm.action;
  return node;
}

function renderListView(c, ctx, form) {
  const node = el("div", "ck-w-listview");
  ctx = themed(node, c, ctx);
  if (c.status) node.append(renderStatus(c.status, ctx));
  const list = el("ul", "ck-w-list");
  const items = (c.children || []).filter((item) => item && typeof item === "object");
  // A number shows that many rows and a "Show more" button; "auto" (or none) shows every row.
  const limit = typeof c.limit === "number" && c.limit >= 0 ? c.limit : items.length;
  items.forEach((item, index) => {
    const row = renderComponent(item, ctx, form);
    if (index >= limit) row.hidden = true;
    list.append(row);
  });
  node.append(list);
  if (items.length > limit) {
    const translated = ctx.t ? ctx.t("showMore") : "showMore";
    const more = el("button", "ck-w-more", translated === "showMore" ? "Show more" : translated);
    more.type = "button";
    more.addEventListener("click", () => {
      for (const row of list.children) row.hidden = false;
      more.remove();
    });
    node.append(more);
  }
  return node;
}

function renderListViewItem(c, ctx, form) {
  const node = el("li", "ck-w-listitem");
  applyBox(node, { gap: c.gap, align: c.align }, ctx.scheme);
  renderChildren(node, c.children, ctx, form);
  if (c.onClickAction) {
    node.tabIndex = 0;
    node.setAttribute("role", "button");
    node.classList.add("ck-w-clickable");
    node.addEventListener("click", () => ctx.onAction(c.onClickAction, form, node));
    node.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        ctx.onAction(c.onClickAction, form, node);
      }
    });
  }
  return node;
}

function renderComponent(c, ctx, form) {
  const type = c.type;
  let node;
  switch (type) {
    case "Card":
      node = renderCard(c, ctx, form);
      break;
    case "ListView":
      node = renderListView(c, ctx, form);
      break;
    case "ListViewItem":
      node = renderListViewItem(c, ctx, form);
      break;
    case "Basic": {
      node = el("div", c.direction === "row" ? "ck-w-row ck-w-basic" : "ck-w-col ck-w-basic");
      ctx = themed(node, c, ctx);
      applyBox(node, c, ctx.scheme);
      renderChildren(node, c.children, ctx, form);
      break;
    }
    case "Transition":
      node = el("div", "ck-w-col ck-w-transition");
      renderChildren(node, c.children, ctx, form);
      break;
    case "Box":
    case "Row":
    case "Col":
    case "Form": {
      const direction = type === "Row" || (type !== "Col" && c.direction === "row") ? "row" : "col";
      node = el(type === "Form" ? "form" : "div", `ck-w-${direction}`);
      applyBox(node, c, ctx.scheme);
      const inner = type === "Form" ? node : form;
      if (type === "Form") {
        node.addEventListener("submit", (e) => {
          e.preventDefault();
          if (c.onSubmitAction) ctx.onAction(c.onSubmitAction, node, node);
        });
      }
      renderChildren(node, c.children, ctx, inner);
      break;
    }
    case "Text":
      node = c.editable && c.editable.name ? controls.renderEditableText(c, ctx) : textLike("p", "ck-w-text", c, ctx);
      break;
    case "Title":
      node = textLike("h4", "ck-w-title", c, ctx);
      break;
    case "Caption":
      node = textLike("p", "ck-w-caption", c, ctx);
      break;
    case "Label":
      node = controls.renderLabel(textLike("label", "ck-w-label", c, ctx), c, ctx);
      break;
    case "Markdown":
      node = renderMarkdown(c.value || "", "ck-md ck-w-markdown", { t: ctx.t, serverUrl: ctx.serverUrl });
      if (c.streaming) node.classList.add("ck-w-streaming");
      break;
    case "Badge":
      node = el("span", "ck-w-badge", c.label ?? "");
      node.dataset.color = isColorToken(c.color) ? c.color : "secondary";
      node.dataset.variant = ["solid", "soft", "outline"].includes(c.variant) ? c.variant : "soft";
      if (["sm", "md", "lg"].includes(c.size)) node.dataset.size = c.size;
      if (c.pill) node.classList.add("ck-pill");
      break;
    case "Divider":
      node = renderDivider(c, ctx);
      break;
    case "Spacer":
      node = el("div", "ck-w-spacer");
      if (safeLength(c.minSize)) node.style.flexBasis = safeLength(c.minSize);
      break;
    case "Icon": {
      const px = ICON_PX[c.size] || 20;
      node = iconNode(c.name, px, ctx, c.color) || el("span", "ck-w-icon-unknown", "•");
      node.classList.add("ck-w-icon");
      break;
    }
    case "Image":
      node = renderImage(c, ctx);
      break;
    case "Button":
      node = renderButton(c, ctx, form);
      break;
    case "Input":
      node = controls.renderInput(c, ctx);
      break;
    case "Textarea":
      node = controls.renderTextarea(c, ctx);
      break;
    case "Select":
      node = controls.renderSelect(c, ctx, form);
      break;
    case "Checkbox":
      node = controls.renderCheckbox(c, ctx, form);
      break;
    case "RadioGroup":
      node = controls.renderRadioGroup(c, ctx, form);
      break;
    case "DatePicker":
      node = controls.renderDatePicker(c, ctx, form);
      break;
    case "Table":
      node = renderTable(c, ctx, form, renderChildren);
      break;
    case "Chart":
      node = renderChart(c, ctx);
      break;
    default:
      // Unknown components still show their children, so newer servers degrade gracefully.
      node = el("div", "ck-w-col");
      node.dataset.unknown = String(type || "");
      renderChildren(node, c.children, ctx, form);
  }
  if (c.id) node.dataset.componentId = String(c.id);
  node.dataset.widget = String(type || "");
  return node;
}

/** Applies a `widget.*` update to a widget tree, returning the new tree. */
export function applyWidgetUpdate(widget, update) {
  if (update.type === "widget.root.updated") return update.widget;
  const visit = (c) => {
    if (!c || typeof c !== "object") return c;
    if (update.type === "widget.component.updated" && c.id === update.component_id) return update.component;
    if (update.type === "widget.streaming_text.value_delta" && c.id === update.component_id) {
      return { ...c, value: (c.value || "") + update.delta, streaming: !update.done };
    }
    if (Array.isArray(c.children)) return { ...c, children: c.children.map(visit) };
    if (c.children && typeof c.children === "object") return { ...c, children: visit(c.children) };
    return c;
  };
  return visit(widget);
}
