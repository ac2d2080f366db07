// Line icons drawn as inline SVG (no icon font, no emoji font needed on the viewer's machine).
// `icon()` draws the chat's own few controls from paths kept here; `namedIcon()` draws the icons that
// options and widgets name (ChatKit's names, its header names and `lucide:<name>`) from the SVG files in
// static/icons/lucide/, fetched from the server this module came from and copied shape by shape.
const PATHS = {
  copy: ["M9 8h10v12H9z", "M5 16V4h10"],
  thumbUp: ["M4 11h3v9H4z", "M7 11l4-7c1.6 0 2.6 1.2 2.2 2.8L12.4 10H19a2 2 0 0 1 2 2.3l-1.4 6A2 2 0 0 1 17.7 20H7"],
  trash: ["M4 7h16", "M9 7V4h6v3", "M6 7l1 13h10l1-13", "M10 11v6", "M14 11v6"],
  pencil: ["M4 20l1-4L16 5l3 3L8 19z", "M14 7l3 3"],
  retry: ["M19.5 13A7.5 7.5 0 1 1 17 6.3", "M19 3v5h-5"],
  plus: ["M12 5v14", "M5 12h14"],
  menu: ["M4 7h16", "M4 12h16", "M4 17h16"],
  send: ["M12 19V5", "M6 11l6-6 6 6"],
  close: ["M6 6l12 12", "M18 6L6 18"],
  mic: ["M9 5a3 3 0 0 1 6 0v6a3 3 0 0 1-6 0z", "M5 11a7 7 0 0 0 14 0", "M12 18v3"],
  clip: ["M15 7l-6.5 6.5a2 2 0 0 0 2.8 2.8L18 9.6a4 4 0 0 0-5.7-5.7l-6.9 7a6 6 0 0 0 8.5 8.4L19 14.2"],
};
const NS = "http://www.w3.org/2000/svg";

/**
 * An SVG icon; `flip` turns it upside down (thumbs down is a flipped thumbs up). A name this file has no
 * paths for (a ChatKit icon name or `lucide:<name>` that an option gives) is drawn by namedIcon, so callers
 * can pass option values straight through.
 */
export function icon(name, { flip = false } = {}) {
  if (name !== "stop" && !Object.hasOwn(PATHS, name)) {
    const named = namedIcon(name, { size: 18 });
    if (named) {
      if (flip) named.firstChild.setAttribute("transform", "rotate(180 12 12)");
      return named;
    }
  }
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "ck-svg");
  const g = document.createElementNS(NS, "g");
  g.setAttribute("fill", "none");
  g.setAttribute("stroke", "currentColor");
  g.setAttribute("stroke-width", "1.8");
  g.setAttribute("stroke-linecap", "round");
  g.setAttribute("stroke-linejoin", "round");
  if (flip) g.setAttribute("transform", "rotate(180 12 12)");
  if (name === "stop") {
    const rect = document.createElementNS(NS, "rect");
    for (const [k, v] of Object.entries({ x: "7", y: "7", width: "10", height: "10", rx: "1.5", fill: "currentColor" })) rect.setAttribute(k, v);
    g.append(rect);
  }
  for (const d of PATHS[name] || []) {
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    g.append(path);
  }
  svg.append(g);
  return svg;
}


// ChatKit's icon names (ChatKitIcon, WidgetIcon and HeaderIcon of @openai/chatkit 1.9) and the Lucide icon
// each is drawn with. The pictures are Lucide's, so they resemble ChatKit's rather than match them.
export const CHATKIT_ICONS = {
  agent: "bot", analytics: "chart-line", atom: "atom", batch: "layers", bolt: "zap", "book-open": "book-open",
  "book-closed": "book", "book-clock": "book-marked", bug: "bug", calendar: "calendar", chart: "chart-column",
  check: "check", "check-circle": "circle-check", "check-circle-filled": "circle-check", "chevron-left": "chevron-left",
  "chevron-right": "chevron-right", "circle-question": "circle-question-mark", clock: "clock", compass: "compass",
  confetti: "party-popper", cube: "box", desktop: "monitor", document: "file-text", dot: "dot",
  "dots-horizontal": "ellipsis", "dots-vertical": "ellipsis-vertical", "empty-circle": "circle",
  "external-link": "external-link", globe: "globe", keys: "key-round", lab: "flask-conical", images: "images",
  info: "info", lifesaver: "life-buoy", lightbulb: "lightbulb", mail: "mail", "map-pin": "map-pin", maps: "map",
  mobile: "smartphone", name: "id-card", notebook: "notebook", "notebook-pencil": "notebook-pen",
  "page-blank": "file", phone: "phone", play: "play", plus: "plus", profile: "circle-user",
  "profile-card": "square-user", reload: "refresh-cw", star: "star", "star-filled": "star", search: "search",
  sparkle: "sparkle", "sparkle-double": "sparkles", "square-code": "square-code", "square-image": "image",
  "square-text": "notepad-text", suitcase: "briefcase", "settings-slider": "sliders-horizontal", user: "user",
  wreath: "award", write: "pencil", "write-alt": "pen-line", "write-alt2": "square-pen",
  // header buttons (HeaderIcon)
  "sidebar-left": "panel-left", "sidebar-right": "panel-right", "sidebar-open-left": "panel-left-open",
  "sidebar-open-right": "panel-right-open", "sidebar-open-left-alt": "panel-left-dashed",
  "sidebar-open-right-alt": "panel-right-dashed", "sidebar-floating-left": "panel-left",
  "sidebar-floating-right": "panel-right", "sidebar-floating-open-left": "panel-left-open",
  "sidebar-floating-open-right": "panel-right-open", "sidebar-collapse-left": "panel-left-close",
  "sidebar-collapse-right": "panel-right-close", "collapse-left": "arrow-left-to-line",
  "collapse-right": "arrow-right-to-line", "open-left": "arrow-left-from-line", "open-right": "arrow-right-from-line",
  "double-chevron-left": "chevrons-left", "double-chevron-right": "chevrons-right", home: "house",
  "home-alt": "house-plus", "back-small": "chevron-left", "back-large": "arrow-left", "expand-large": "maximize-2",
  "collapse-large": "minimize-2", "expand-small": "expand", "collapse-small": "shrink",
  "chat-temporary": "message-circle-dashed", "settings-cog": "settings", grid: "layout-grid",
  "dots-horizontal-circle": "circle-ellipsis", "dots-vertical-circle": "circle-ellipsis", menu: "menu",
  "menu-inverted": "text-align-end", hamburger: "menu", history: "history", compose: "square-pen", share: "share",
  "light-mode": "sun", "dark-mode": "moon", close: "x",
};
/** ChatKit's filled variants: drawn from the outline icon with its first shape filled. */
const FILLED = new Set(["check-circle-filled", "star-filled"]);
const LUCIDE_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ICON_DIR = new URL("../icons/lucide/", import.meta.url);
// What may be copied from an icon file: its shapes and their geometry, nothing that could run or load.
const SHAPES = new Set(["path", "circle", "rect", "line", "polyline", "polygon", "ellipse"]);
const GEOMETRY = new Set(["d", "cx", "cy", "r", "rx", "ry", "x", "y", "width", "height", "x1", "y1", "x2", "y2", "points"]);
const shapesByFile = new Map(); // file name -> Promise<[tag, [name, value][]][] | null>

/** The Lucide file an icon name is drawn from, or null when the name is not one we know. */
export function iconFile(name) {
  if (typeof name !== "string") return null;
  if (name.startsWith("lucide:")) {
    const file = name.slice("lucide:".length);
    return LUCIDE_NAME.test(file) ? file : null;
  }
  return Object.hasOwn(CHATKIT_ICONS, name) ? CHATKIT_ICONS[name] : null;
}

function loadShapes(file) {
  if (!shapesByFile.has(file)) {
    const load = fetch(new URL(`${file}.svg`, ICON_DIR), { credentials: "omit" })
      .then((response) => (response.ok ? response.text() : null))
      .then((text) => {
        if (!text) return null;
        const doc = new DOMParser().parseFromString(text, "image/svg+xml");
        const shapes = [];
        for (const node of doc.documentElement.children) {
          if (node.namespaceURI !== NS || !SHAPES.has(node.localName)) continue;
          const attrs = [...node.attributes]
            .filter((a) => GEOMETRY.has(a.name) && /^[-0-9.,\sa-zA-Z]*$/.test(a.value))
            .map((a) => [a.name, a.value]);
          if (node.getAttribute("fill") === "currentColor") attrs.push(["fill", "currentColor"]);
          shapes.push([node.localName, attrs]);
        }
        return shapes.length ? shapes : null;
      })
      .catch(() => null);
    shapesByFile.set(file, load);
  }
  return shapesByFile.get(file);
}

/**
 * An SVG for an icon name from options or widgets (`"calendar"`, `"lucide:rocket"`), or null when the name is
 * unknown. The element is returned at once at its final size and its shapes arrive when the file has loaded
 * (once per name and page), so a row of icons never shifts. `svg.ready` resolves to whether it was drawn.
 */
export function namedIcon(name, { size = 16, label = "" } = {}) {
  const file = iconFile(name);
  if (!file) return null;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("class", FILLED.has(name) ? "ck-svg ck-ico ck-ico-filled" : "ck-svg ck-ico");
  svg.dataset.icon = name;
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const g = document.createElementNS(NS, "g");
  for (const [k, v] of Object.entries({ fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round" })) g.setAttribute(k, v);
  svg.append(g);
  svg.ready = loadShapes(file).then((shapes) => {
    if (!shapes) {
      svg.dataset.missing = "true";
      return false;
    }
    for (const [index, [tag, attrs]] of shapes.entries()) {
      const shape = document.createElementNS(NS, tag);
      for (const [k, v] of attrs) shape.setAttribute(k, v);
      // Filled: the outline's first shape (the circle, the star) is filled, the rest is cut out of it.
      if (index === 0 && FILLED.has(name)) shape.setAttribute("fill", "currentColor");
      else if (FILLED.has(name)) shape.setAttribute("class", "ck-ico-cut");
      g.append(shape);
    }
    svg.dataset.drawn = "true";
    return true;
  });
  return svg;
}
