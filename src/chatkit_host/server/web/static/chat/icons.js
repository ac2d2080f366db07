// Line icons drawn as inline SVG (no icon font, no emoji font needed on the viewer's machine).
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

/** An SVG icon; `flip` turns it upside down (thumbs down is a flipped thumbs up). */
export function icon(name, { flip = false } = {}) {
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
