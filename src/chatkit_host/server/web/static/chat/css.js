// The CSS values a widget may set: colours and lengths pass a whitelist, so a widget can neither inject
// markup nor make the browser load anything (no url(), no expressions, no var() of the page's choosing).
// Shared by widgets.js, widget-parts.js and chart.js (it used to live in widgets.js, which made the two import each other).

const COLOR_TOKENS = new Set([
  "primary", "secondary", "tertiary", "emphasis", "success", "danger", "warning", "info", "discovery",
  "caution", "white", "black", "prose", "inherit",
]);

/** Whether `value` is one of ChatKit's named text colours (`"success"`, `"secondary"`, ...). */
export function isColorToken(value) {
  return COLOR_TOKENS.has(value);
}

/** A CSS colour from a widget value, or null when it is not one we allow. `{light, dark}` picks by scheme. */
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

const RADII = { none: "0", "2xs": "2px", xs: "4px", sm: "6px", md: "8px", lg: "12px", xl: "16px", "2xl": "20px", "3xl": "24px", "4xl": "32px", full: "9999px", "100%": "100%" };

/** A border radius from ChatKit's names (`"md"`, `"full"`), else null. */
export function safeRadius(value) {
  return Object.hasOwn(RADII, value) ? RADII[value] : null;
}

const BORDER_STYLES = new Set(["solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset"]);

/** A CSS border from a number (its width) or `{size, color, style}`, else null. */
export function safeBorder(value, scheme) {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return `${value}px solid var(--ck-border)`;
  if (!value || typeof value !== "object" || typeof value.size !== "number" || !Number.isFinite(value.size)) return null;
  const style = BORDER_STYLES.has(value.style) ? value.style : "solid";
  return `${Math.max(0, value.size)}px ${style} ${safeColor(value.color, scheme) || "var(--ck-border)"}`;
}

// Applying them: the box, spacing and border props of widgets.d.ts onto an element's style.

const SIDES = ["top", "right", "bottom", "left"];

function sides(value) {
  return { top: value.top ?? value.y, right: value.right ?? value.x, bottom: value.bottom ?? value.y, left: value.left ?? value.x };
}

export function applySpacing(style, prop, value) {
  if (value && typeof value === "object") {
    for (const [side, v] of Object.entries(sides(value))) {
      const len = safeLength(v);
      if (len) style[`${prop}${side[0].toUpperCase()}${side.slice(1)}`] = len;
    }
    return;
  }
  const len = safeLength(value);
  if (len) style[prop] = len;
}

function applyBorder(style, value, scheme) {
  const whole = safeBorder(value, scheme);
  if (whole) {
    style.border = whole;
    return;
  }
  if (!value || typeof value !== "object") return;
  for (const [side, v] of Object.entries(sides(value))) {
    const border = v === undefined ? null : safeBorder(v, scheme);
    if (border && SIDES.includes(side)) style[`border${side[0].toUpperCase()}${side.slice(1)}`] = border;
  }
}

const ALIGN = { start: "flex-start", center: "center", end: "flex-end", baseline: "baseline", stretch: "stretch" };
const JUSTIFY = { ...ALIGN, between: "space-between", around: "space-around", evenly: "space-evenly" };
const SIZE_PROPS = [["width", "width"], ["height", "height"], ["minWidth", "minWidth"], ["maxWidth", "maxWidth"], ["minHeight", "minHeight"], ["maxHeight", "maxHeight"]];

/** BlockProps of widgets.d.ts: sizes, aspect ratio, radius and margin. */
export function applyBlock(node, c) {
  const s = node.style;
  for (const [key, prop] of SIZE_PROPS) if (c[key] !== undefined && safeLength(c[key])) s[prop] = safeLength(c[key]);
  // `size` is both width and height; minSize and maxSize likewise.
  for (const [key, a, b] of [["size", "width", "height"], ["minSize", "minWidth", "minHeight"], ["maxSize", "maxWidth", "maxHeight"]]) {
    const len = c[key] !== undefined ? safeLength(c[key]) : null;
    if (len) [s[a], s[b]] = [len, len];
  }
  if (c.aspectRatio !== undefined && /^\d+(\.\d+)?(\s*\/\s*\d+(\.\d+)?)?$/.test(String(c.aspectRatio))) s.aspectRatio = String(c.aspectRatio);
  const radius = safeRadius(c.radius);
  if (radius) s.borderRadius = radius;
  if (c.margin !== undefined) applySpacing(s, "margin", c.margin);
}

export function applyBox(node, c, scheme) {
  const s = node.style;
  if (c.gap !== undefined && safeLength(c.gap)) s.gap = safeLength(c.gap);
  if (c.align && ALIGN[c.align]) s.alignItems = ALIGN[c.align];
  if (c.justify && JUSTIFY[c.justify]) s.justifyContent = c.justify === "stretch" ? "stretch" : JUSTIFY[c.justify];
  if (c.wrap && ["nowrap", "wrap", "wrap-reverse"].includes(c.wrap)) s.flexWrap = c.wrap;
  if (c.flex !== undefined && /^[\d.]+$/.test(String(c.flex))) s.flex = String(c.flex);
  if (c.padding !== undefined) applySpacing(s, "padding", c.padding);
  if (c.background) {
    const color = safeColor(c.background, scheme);
    if (color) s.background = color;
  }
  if (c.border !== undefined) applyBorder(s, c.border, scheme);
  applyBlock(node, c);
}
