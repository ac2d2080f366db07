// Widget components with more than a line or two of logic: Button, Table, Image, Divider and named icons.
// Kept apart from widgets.js (the tree walk and the containers) so each file stays readable.
import { applyBlock, applySpacing, safeColor, safeLength } from "./css.js";
import { namedIcon } from "./icons.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/**
 * The URL to load a widget image from: a `data:image/...` URL, or one on the chat server (relative
 * paths count from the server, which may be on another origin than the page); else null.
 */
export function imageSource(src, serverUrl) {
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

/** A named icon (icons.js) in a widget, tinted with a widget colour when one is given; null for unknown names. */
export function iconNode(name, size, ctx, color) {
  const svg = namedIcon(name, { size });
  if (!svg) return null;
  const fill = safeColor(color, ctx.scheme);
  if (fill) svg.style.color = fill;
  return svg;
}

const BUTTON_COLORS = new Set(["primary", "secondary", "info", "discovery", "success", "caution", "warning", "danger"]);
export const ICON_PX = { xs: 12, sm: 14, md: 16, lg: 18, xl: 20, "2xl": 24, "3xl": 32 };

export function renderButton(c, ctx, form) {
  const node = el("button", "ck-w-button");
  node.type = c.submit ? "submit" : "button";
  const iconPx = ICON_PX[c.iconSize] || 16;
  const start = c.iconStart ? iconNode(c.iconStart, iconPx, ctx) : null;
  const end = c.iconEnd ? iconNode(c.iconEnd, iconPx, ctx) : null;
  if (start) node.append(start);
  if (c.label) node.append(el("span", "ck-w-button-label", c.label));
  if (end) node.append(end);
  if (!c.label) node.setAttribute("aria-label", c.iconStart || c.iconEnd || "");
  // `style: "primary"` is the older spelling of a solid primary button.
  const color = BUTTON_COLORS.has(c.color) ? c.color : c.style === "primary" ? "primary" : "secondary";
  const variant = ["solid", "soft", "outline", "ghost"].includes(c.variant) ? c.variant : color === "secondary" ? "outline" : "solid";
  node.dataset.color = color;
  node.dataset.variant = variant;
  if (color === "primary" && variant === "solid") node.classList.add("ck-w-primary");
  if (c.size) node.dataset.size = String(c.size);
  if (c.pill) node.classList.add("ck-pill");
  if (c.uniform) node.classList.add("ck-w-uniform");
  if (c.block) node.classList.add("ck-w-block");
  if (c.disabled) node.disabled = true;
  node.addEventListener("click", (e) => {
    e.preventDefault();
    const action = c.onClickAction || (c.submit && form && form.__ckSubmitAction);
    if (action) ctx.onAction(action, form, node);
    else if (c.submit && form) form.requestSubmit();
  });
  return node;
}

const CELL_ALIGN = { start: "start", center: "center", end: "end" };
const V_ALIGN = { start: "top", center: "middle", end: "bottom" };

/** `renderChildren(node, children, ctx, form)` draws a cell's content with the tree walk of widgets.js. */
export function renderTable(c, ctx, form, renderChildren) {
  const wrap = el("div", "ck-w-table-wrap"); // scrolls sideways on a phone instead of squeezing columns
  const table = el("table", "ck-w-table");
  const head = el("thead");
  const body = el("tbody");
  for (const row of c.children || []) {
    if (!row || row.type !== "Table.Row") continue;
    const tr = el("tr");
    if (row.id) tr.dataset.componentId = String(row.id);
    for (const cell of row.children || []) {
      if (!cell || cell.type !== "Table.Cell") continue;
      const td = el(row.header ? "th" : "td");
      if (row.header) td.scope = "col";
      if (Number(cell.colSpan) > 1) td.colSpan = Math.min(Number(cell.colSpan), 100);
      if (Number(cell.rowSpan) > 1) td.rowSpan = Math.min(Number(cell.rowSpan), 100);
      if (CELL_ALIGN[cell.align]) td.style.textAlign = CELL_ALIGN[cell.align];
      if (V_ALIGN[cell.vAlign]) td.style.verticalAlign = V_ALIGN[cell.vAlign];
      if (cell.width !== undefined && safeLength(cell.width)) td.style.width = safeLength(cell.width);
      if (cell.colSize) td.dataset.colSize = String(cell.colSize);
      if (cell.padding !== undefined) applySpacing(td.style, "padding", cell.padding);
      renderChildren(td, cell.children, ctx, form);
      tr.append(td);
    }
    (row.header && !body.children.length ? head : body).append(tr);
  }
  if (head.children.length) table.append(head);
  table.append(body);
  wrap.append(table);
  return wrap;
}

export function renderImage(c, ctx) {
  const src = imageSource(c.src, ctx.serverUrl);
  if (!src) {
    // Images from other hosts are not loaded: the page talks to this server only.
    return el("span", "ck-w-image-blocked", c.alt ? `[${c.alt}]` : "[image]");
  }
  const node = el("img", "ck-w-image");
  node.src = src;
  node.alt = c.alt || "";
  node.decoding = "async";
  applyBlock(node, c);
  if (["cover", "contain", "fill", "scale-down", "none"].includes(c.fit)) node.style.objectFit = c.fit;
  if (typeof c.position === "string" && /^(top|bottom|left|right|center)( (left|right))?$/.test(c.position)) node.style.objectPosition = c.position;
  if (c.frame) node.classList.add("ck-w-framed");
  if (c.flush) node.classList.add("ck-w-flush");
  return node;
}

export function renderDivider(c, ctx) {
  const node = el("hr", "ck-w-divider");
  const color = safeColor(c.color, ctx.scheme);
  if (color) node.style.borderTopColor = color;
  const size = typeof c.size === "number" ? `${c.size}px` : safeLength(c.size);
  if (size) node.style.borderTopWidth = size;
  const spacing = safeLength(c.spacing);
  if (spacing) node.style.marginBlock = spacing;
  if (c.flush) node.classList.add("ck-w-flush");
  return node;
}
