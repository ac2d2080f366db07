// Renders ChatKit widget trees (Card, ListView, Basic roots and their components) into DOM.
// Values from the server are set as text or checked attributes; colours and sizes pass a whitelist so a
// widget can neither inject markup nor make the browser load anything from another host.
import { renderChart } from "./chart.js";
import { renderMarkdown } from "./markdown.js";

const COLOR_TOKENS = new Set([
  "primary", "secondary", "tertiary", "emphasis", "success", "danger", "warning", "info", "discovery",
  "caution", "white", "black", "prose", "inherit",
]);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** A CSS colour from a widget value, or null when it is not one we allow (no url(), no expressions). */
export function safeColor(value, scheme) {
  if (value && typeof value === "object") return safeColor(value[scheme] ?? value.light, scheme);
  if (typeof value !== "string") return null;
  const v = value.trim();
  if (COLOR_TOKENS.has(v)) return `var(--ck-color-${v}, currentColor)`;
  const m = /^([a-z]+)-(\d{2,3})$/.exec(v); // palette names such as "blue-500"
  if (m) return `var(--ck-palette-${m[1]}, var(--ck-accent))`;
  if (/^#[0-9a-fA-F]{3,8}$/.test(v)) return v;
  if (/^(rgb|rgba|hsl|hsla)\([\d\s.,%\/]+\)$/.test(v)) return v;
  return null;
}

/** A CSS length: numbers are steps of 4px, strings must be plain lengths. */
export function safeLength(value) {
  if (typeof value === "number" && Number.isFinite(value)) return `${value * 4}px`;
  if (typeof value === "string" && /^-?\d+(\.\d+)?(px|%|rem|em|vh|vw)?$/.test(value.trim())) {
    const v = value.trim();
    return /\d$/.test(v) ? `${v}px` : v;
  }
  return null;
}

function applySpacing(style, prop, value) {
  if (value && typeof value === "object") {
    const parts = { top: value.top ?? value.y, right: value.right ?? value.x, bottom: value.bottom ?? value.y, left: value.left ?? value.x };
    for (const [side, v] of Object.entries(parts)) {
      const len = safeLength(v);
      if (len) style[`${prop}${side[0].toUpperCase()}${side.slice(1)}`] = len;
    }
    return;
  }
  const len = safeLength(value);
  if (len) style[prop] = len;
}

const ALIGN = { start: "flex-start", center: "center", end: "flex-end", baseline: "baseline", stretch: "stretch" };
const JUSTIFY = { ...ALIGN, between: "space-between", around: "space-around", evenly: "space-evenly" };

function applyBox(node, c, scheme) {
  const s = node.style;
  if (c.gap !== undefined && safeLength(c.gap)) s.gap = safeLength(c.gap);
  if (c.align && ALIGN[c.align]) s.alignItems = ALIGN[c.align];
  if (c.justify && JUSTIFY[c.justify]) s.justifyContent = JUSTIFY[c.justify];
  if (c.wrap && ["nowrap", "wrap", "wrap-reverse"].includes(c.wrap)) s.flexWrap = c.wrap;
  if (c.flex !== undefined && /^[\d.]+$/.test(String(c.flex))) s.flex = String(c.flex);
  for (const [key, prop] of [["width", "width"], ["height", "height"], ["minWidth", "minWidth"], ["maxWidth", "maxWidth"], ["minHeight", "minHeight"], ["maxHeight", "maxHeight"]]) {
    if (c[key] !== undefined && safeLength(c[key])) s[prop] = safeLength(c[key]);
  }
  if (c.padding !== undefined) applySpacing(s, "padding", c.padding);
  if (c.margin !== undefined) applySpacing(s, "margin", c.margin);
  if (c.background) {
    const color = safeColor(c.background, scheme);
    if (color) s.background = color;
  }
  if (c.radius) node.dataset.radius = String(c.radius);
  if (c.border) s.border = `${typeof c.border === "number" ? c.border : c.border.size || 1}px solid var(--ck-border)`;
}

/**
 * The URL to load a widget image from: a `data:image/...` URL, or one on the chat server (relative
 * paths count from the server, which may be on another origin than the page); else null.
 */
function imageSource(src, serverUrl) {
  if (typeof src !== "string") return null;
  if (/^data:image\/(png|jpeg|gif|webp);base64,/.test(src)) return src;
  try {
    const server = new URL(serverUrl || window.location.href, window.location.href);
    const url = new URL(src, server);
    return url.origin === server.origin ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Renders a widget root.
 * @param {object} widget the root component
 * @param {{scheme: string, serverUrl?: string, onAction: (action: object, form: HTMLFormElement|null, source: Element) => void}} ctx
 */
export function renderWidget(widget, ctx) {
  const root = el("div", "ck-widget");
  root.append(renderComponent(widget, ctx, null));
  return root;
}

function renderChildren(node, children, ctx, form) {
  if (!children) return;
  for (const child of Array.isArray(children) ? children : [children]) {
    if (child && typeof child === "object") node.append(renderComponent(child, ctx, form));
  }
}

function textLike(tag, cls, c, ctx) {
  const node = el(tag, cls, c.value ?? "");
  const color = safeColor(c.color, ctx.scheme);
  if (color) node.style.color = color;
  if (c.size) node.dataset.size = String(c.size);
  if (c.weight) node.dataset.weight = String(c.weight);
  if (c.textAlign && ["start", "center", "end"].includes(c.textAlign)) node.style.textAlign = c.textAlign;
  if (c.italic) node.style.fontStyle = "italic";
  if (c.lineThrough) node.style.textDecoration = "line-through";
  if (c.truncate) node.classList.add("ck-truncate");
  return node;
}

function actionButton(label, action, ctx, form, className) {
  const button = el("button", className, label);
  button.type = "button";
  button.addEventListener("click", () => ctx.onAction(action, form, button));
  return button;
}

function renderComponent(c, ctx, form) {
  const type = c.type;
  let node;
  switch (type) {
    case "Card": {
      const isForm = Boolean(c.asForm);
      node = el(isForm ? "form" : "div", "ck-w-card");
      if (c.size) node.dataset.size = String(c.size);
      applyBox(node, { padding: c.padding, background: c.background }, ctx.scheme);
      const inner = isForm ? node : form;
      if (isForm) node.addEventListener("submit", (e) => e.preventDefault());
      renderChildren(node, c.children, ctx, inner);
      if (c.confirm || c.cancel) {
        const bar = el("div", "ck-w-card-actions");
        if (c.cancel) bar.append(actionButton(c.cancel.label, c.cancel.action, ctx, inner, "ck-w-button"));
        if (c.confirm) bar.append(actionButton(c.confirm.label, c.confirm.action, ctx, inner, "ck-w-button ck-w-primary"));
        node.append(bar);
      }
      break;
    }
    case "ListView": {
      node = el("ul", "ck-w-list");
      const items = c.children || [];
      const limit = typeof c.limit === "number" ? c.limit : items.length;
      items.slice(0, limit).forEach((item) => node.append(renderComponent(item, ctx, form)));
      break;
    }
    case "ListViewItem": {
      node = el("li", "ck-w-listitem");
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
      break;
    }
    case "Basic":
    case "Transition":
      node = el("div", "ck-w-col");
      applyBox(node, c, ctx.scheme);
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
      node = textLike("p", "ck-w-text", c, ctx);
      break;
    case "Title":
      node = textLike("h4", "ck-w-title", c, ctx);
      break;
    case "Caption":
      node = textLike("p", "ck-w-caption", c, ctx);
      break;
    case "Label":
      node = textLike("label", "ck-w-label", c, ctx);
      break;
    case "Markdown":
      node = renderMarkdown(c.value || "", "ck-md ck-w-markdown");
      break;
    case "Badge":
      node = el("span", "ck-w-badge", c.label ?? "");
      node.dataset.color = COLOR_TOKENS.has(c.color) ? c.color : "secondary";
      if (c.variant) node.dataset.variant = String(c.variant);
      if (c.pill) node.classList.add("ck-pill");
      break;
    case "Divider":
      node = el("hr", "ck-w-divider");
      break;
    case "Spacer":
      node = el("div", "ck-w-spacer");
      break;
    case "Icon":
      node = el("span", "ck-w-icon", "•");
      node.setAttribute("aria-hidden", "true");
      break;
    case "Image": {
      const src = imageSource(c.src, ctx.serverUrl);
      if (src) {
        node = el("img", "ck-w-image");
        node.src = src;
        node.alt = c.alt || "";
        for (const key of ["width", "height", "size"]) {
          const len = safeLength(c[key]);
          if (len) node.style[key === "size" ? "width" : key] = len;
        }
        if (c.fit) node.style.objectFit = String(c.fit).replace(/[^a-z-]/g, "");
      } else {
        // Images from other hosts are not loaded: the page talks to this server only.
        node = el("span", "ck-w-image-blocked", c.alt ? `[${c.alt}]` : "[image]");
      }
      break;
    }
    case "Button": {
      node = el("button", "ck-w-button", c.label || "");
      node.type = c.submit ? "submit" : "button";
      if (c.style === "primary" || c.color === "primary" || c.variant === "solid") node.classList.add("ck-w-primary");
      if (c.block) node.classList.add("ck-w-block");
      if (c.disabled) node.disabled = true;
      node.addEventListener("click", (e) => {
        e.preventDefault();
        const action = c.onClickAction || (c.submit && form && form.__ckSubmitAction);
        if (action) ctx.onAction(action, form, node);
        else if (c.submit && form) form.requestSubmit();
      });
      break;
    }
    case "Input":
    case "Textarea": {
      node = el(type === "Input" ? "input" : "textarea", "ck-w-input");
      node.name = String(c.name || "");
      if (type === "Input") node.type = ["number", "email", "text", "password", "tel", "url"].includes(c.inputType) ? c.inputType : "text";
      if (c.placeholder) node.placeholder = c.placeholder;
      if (c.defaultValue !== undefined && c.defaultValue !== null) node.value = String(c.defaultValue);
      if (c.required) node.required = true;
      if (c.disabled) node.disabled = true;
      if (type === "Textarea" && c.rows) node.rows = Number(c.rows) || 3;
      node.setAttribute("aria-label", c.placeholder || c.name || "");
      break;
    }
    case "Select": {
      node = el("select", "ck-w-input");
      node.name = String(c.name || "");
      node.setAttribute("aria-label", c.placeholder || c.name || "");
      if (c.placeholder) {
        const opt = el("option", null, c.placeholder);
        opt.value = "";
        node.append(opt);
      }
      for (const o of c.options || []) {
        const opt = el("option", null, o.label);
        opt.value = o.value;
        if (o.disabled) opt.disabled = true;
        node.append(opt);
      }
      if (c.defaultValue) node.value = c.defaultValue;
      if (c.onChangeAction) node.addEventListener("change", () => ctx.onAction(c.onChangeAction, form, node));
      break;
    }
    case "Checkbox": {
      node = el("label", "ck-w-check");
      const input = el("input");
      input.type = "checkbox";
      input.name = String(c.name || "");
      input.checked = Boolean(c.defaultChecked);
      if (c.onChangeAction) input.addEventListener("change", () => ctx.onAction(c.onChangeAction, form, input));
      node.append(input, document.createTextNode(` ${c.label || ""}`));
      break;
    }
    case "RadioGroup": {
      node = el("div", c.direction === "row" ? "ck-w-row" : "ck-w-col");
      node.setAttribute("role", "radiogroup");
      if (c.ariaLabel) node.setAttribute("aria-label", c.ariaLabel);
      for (const o of c.options || []) {
        const label = el("label", "ck-w-check");
        const input = el("input");
        input.type = "radio";
        input.name = String(c.name || "");
        input.value = o.value;
        input.checked = c.defaultValue === o.value;
        if (c.onChangeAction) input.addEventListener("change", () => ctx.onAction(c.onChangeAction, form, input));
        label.append(input, document.createTextNode(` ${o.label}`));
        node.append(label);
      }
      break;
    }
    case "DatePicker": {
      node = el("input", "ck-w-input ck-w-date");
      node.type = "date";
      node.name = String(c.name || "");
      const value = isoDate(c.defaultValue);
      if (value) node.value = value;
      if (isoDate(c.min)) node.min = isoDate(c.min);
      if (isoDate(c.max)) node.max = isoDate(c.max);
      if (c.disabled) node.disabled = true;
      if (c.block) node.classList.add("ck-w-block");
      if (c.pill) node.classList.add("ck-pill");
      // A native date field has no placeholder; the text still names the field for assistive tech.
      node.setAttribute("aria-label", c.placeholder || c.name || "");
      if (c.placeholder) node.title = c.placeholder;
      if (c.onChangeAction) {
        const field = node;
        // Outside a form the field alone is sent, so the action still carries the date under its name.
        node.addEventListener("change", () => {
          if (field.value) ctx.onAction(c.onChangeAction, form || field, field);
        });
      }
      break;
    }
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
  if (type === "Card" && c.asForm) node.__ckSubmitAction = c.confirm && c.confirm.action;
  return node;
}

/** `YYYY-MM-DD` from a date or datetime string (how the server sends DatePicker values), else null. */
function isoDate(value) {
  const m = typeof value === "string" ? /^(\d{4}-\d{2}-\d{2})/.exec(value) : null;
  return m ? m[1] : null;
}

/**
 * The values of a widget form (or of a single field, for a control's change action outside a form), merged
 * into an action's payload the way ChatKit does.
 */
export function formValues(form) {
  if (!form) return {};
  const values = {};
  const fields = form.matches("input, textarea, select") ? [form] : form.querySelectorAll("input, textarea, select");
  for (const field of fields) {
    if (!field.name) continue;
    if (field.type === "checkbox") values[field.name] = field.checked;
    else if (field.type === "radio") {
      if (field.checked) values[field.name] = field.value;
    } else values[field.name] = field.value;
  }
  return values;
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
