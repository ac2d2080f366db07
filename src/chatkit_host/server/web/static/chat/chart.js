// The ChatKit Chart widget as inline SVG drawn here: bar, line and area series over one category axis.
// Nothing is fetched and no library is used, so charts work offline. The SVG is redrawn at the size its box
// actually has (a ResizeObserver), so text and strokes stay crisp instead of being scaled with a viewBox.
import { safeColor, safeLength } from "./css.js";

const SVG = "http://www.w3.org/2000/svg";
const CHART_COLORS = ["blue", "purple", "orange", "green", "red", "yellow", "pink"];
const FONT_PX = 12;
const DEFAULT_HEIGHT = 200;
const DEFAULT_WIDTH = 480; // until the first measurement, while the widget is not yet in the page
const SMOOTH = new Set(["basis", "basisClosed", "basisOpen", "bumpX", "bumpY", "bump", "natural", "monotoneX", "monotoneY", "monotone"]);

function svg(tag, attrs = {}, className) {
  const node = document.createElementNS(SVG, tag);
  if (className) node.setAttribute("class", className);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function html(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Chart sizes are pixels when numbers (unlike layout spacing, which counts steps of 4px). */
function chartLength(value) {
  if (typeof value === "number" && Number.isFinite(value)) return `${value}px`;
  return safeLength(value);
}

/** A series colour: a chart token (`blue`...), any widget colour, or the next one of the palette. */
function seriesColor(value, index, scheme) {
  const picked = value && typeof value === "object" ? value[scheme] ?? value.light : value;
  if (typeof picked === "string" && CHART_COLORS.includes(picked.trim())) return `var(--ck-chart-${picked.trim()})`;
  return safeColor(value, scheme) || `var(--ck-chart-${CHART_COLORS[index % CHART_COLORS.length]})`;
}

function number(value) {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** A round tick step giving about `count` intervals over `span`. */
function niceStep(span, count) {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
}

const formatter = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const exact = new Intl.NumberFormat(undefined, { maximumFractionDigits: 6 });

/**
 * The chart's numbers, independent of its size: categories, each series' values, stacked bases, the
 * y domain and ticks, and the bar slots.
 */
function layoutData(c, scheme) {
  const rows = Array.isArray(c.data) ? c.data.filter((r) => r && typeof r === "object") : [];
  const axis = typeof c.xAxis === "string" ? { dataKey: c.xAxis } : c.xAxis && typeof c.xAxis === "object" ? c.xAxis : {};
  const labels = axis.labels && typeof axis.labels === "object" ? axis.labels : {};
  const categories = rows.map((r) => {
    const raw = r[axis.dataKey];
    const key = raw === undefined || raw === null ? "" : String(raw);
    return labels[key] !== undefined ? String(labels[key]) : key;
  });
  const defs = (Array.isArray(c.series) ? c.series : []).filter((s) => s && ["bar", "line", "area"].includes(s.type) && typeof s.dataKey === "string");
  const positive = new Map(); // stack group -> running positive sums per row
  const negative = new Map();
  const slots = [];
  let lo = 0;
  let hi = 0;
  const series = defs.map((s, index) => {
    const values = rows.map((r) => number(r[s.dataKey]));
    const stackKey = s.type !== "line" && s.stack !== undefined && s.stack !== null ? `${s.type}:${s.stack}` : null;
    let bases = values.map(() => 0);
    if (stackKey) {
      if (!positive.has(stackKey)) positive.set(stackKey, values.map(() => 0));
      if (!negative.has(stackKey)) negative.set(stackKey, values.map(() => 0));
      const pos = positive.get(stackKey);
      const neg = negative.get(stackKey);
      bases = values.map((v, i) => (v !== null && v < 0 ? neg[i] : pos[i]));
      values.forEach((v, i) => {
        if (v === null) return;
        if (v < 0) neg[i] += v;
        else pos[i] += v;
      });
    }
    values.forEach((v, i) => {
      if (v === null) return;
      lo = Math.min(lo, bases[i] + v);
      hi = Math.max(hi, bases[i] + v);
    });
    let slot = -1;
    if (s.type === "bar") {
      const slotKey = stackKey || `series:${index}`;
      slot = slots.indexOf(slotKey);
      if (slot < 0) slot = slots.push(slotKey) - 1;
    }
    const label = s.label === undefined || s.label === null ? s.dataKey : String(s.label);
    return { def: s, index, label, values, bases, slot, color: seriesColor(s.color, index, scheme) };
  });
  if (lo === hi) hi = lo + 1;
  const step = niceStep(hi - lo, 4);
  // The epsilon keeps float noise (0.30000000000000004) from adding an empty tick at either end.
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks = [];
  for (let v = min; v <= max + step / 2; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
  return { rows, axis, categories, series, slots, min, max, ticks };
}

function linearPath(points) {
  return points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join("");
}

function stepPath(points, kind) {
  let d = `M${points[0][0].toFixed(1)},${points[0][1].toFixed(1)}`;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const xm = kind === "stepBefore" ? x0 : kind === "stepAfter" ? x1 : (x0 + x1) / 2;
    d += `L${xm.toFixed(1)},${y0.toFixed(1)}L${xm.toFixed(1)},${y1.toFixed(1)}L${x1.toFixed(1)},${y1.toFixed(1)}`;
  }
  return d;
}

/** A monotone cubic through the points: smooth, and never overshooting a data point (no fake peaks). */
function smoothPath(points) {
  const n = points.length;
  if (n < 3) return linearPath(points);
  const dx = [];
  const slope = [];
  for (let i = 0; i < n - 1; i++) {
    dx.push(points[i + 1][0] - points[i][0]);
    slope.push((points[i + 1][1] - points[i][1]) / (dx[i] || 1));
  }
  const tangent = [slope[0]];
  for (let i = 1; i < n - 1; i++) {
    const a = slope[i - 1];
    const b = slope[i];
    tangent.push(a * b <= 0 ? 0 : (3 * (dx[i - 1] + dx[i])) / ((2 * dx[i] + dx[i - 1]) / a + (dx[i] + 2 * dx[i - 1]) / b));
  }
  tangent.push(slope[n - 2]);
  let d = `M${points[0][0].toFixed(1)},${points[0][1].toFixed(1)}`;
  for (let i = 0; i < n - 1; i++) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[i + 1];
    const h = dx[i] / 3;
    d += `C${(x0 + h).toFixed(1)},${(y0 + tangent[i] * h).toFixed(1)},${(x1 - h).toFixed(1)},${(y1 - tangent[i + 1] * h).toFixed(1)},${x1.toFixed(1)},${y1.toFixed(1)}`;
  }
  return d;
}

function curvePath(points, curve) {
  if (curve === "step" || curve === "stepBefore" || curve === "stepAfter") return stepPath(points, curve);
  if (SMOOTH.has(curve)) return smoothPath(points);
  return linearPath(points);
}

/** Runs of consecutive rows that have a value: a missing value breaks a line instead of dropping to zero. */
function segments(values) {
  const runs = [];
  let run = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(i);
  });
  if (run.length) runs.push(run);
  return runs;
}

function tip(node, text, show) {
  if (show) node.appendChild(svg("title")).textContent = text;
  return node;
}

/** Draws the chart into `root` (an <svg>) at `width` x `height` pixels. */
function draw(root, model, c, width, height) {
  root.replaceChildren();
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const showY = c.showYAxis !== false;
  const showX = !model.axis.hide;
  const showTip = c.showTooltip !== false;
  const tickText = model.ticks.map((t) => formatter.format(t));
  const left = showY ? Math.max(...tickText.map((t) => t.length)) * FONT_PX * 0.62 + 10 : 6;
  const top = FONT_PX / 2 + 4; // room for the top tick label, which is centred on its line
  const right = 8;
  const bottom = showX ? FONT_PX + 12 : 6;
  const plotW = Math.max(1, width - left - right);
  const plotH = Math.max(1, height - top - bottom);
  const n = Math.max(1, model.rows.length);
  const band = plotW / n;
  const y = (v) => top + plotH - ((v - model.min) / (model.max - model.min)) * plotH;
  const xCenter = (i) => left + band * (i + 0.5);

  const grid = root.appendChild(svg("g", {}, "ck-chart-grid"));
  const yAxis = root.appendChild(svg("g", { "aria-hidden": "true" }, "ck-chart-axis ck-chart-y"));
  model.ticks.forEach((t, i) => {
    const ty = y(t);
    grid.append(svg("line", { x1: left, x2: left + plotW, y1: ty.toFixed(1), y2: ty.toFixed(1) }, t === 0 ? "ck-chart-zero" : null));
    if (showY) {
      const label = svg("text", { x: left - 6, y: ty.toFixed(1), "text-anchor": "end", "dominant-baseline": "middle" });
      label.textContent = tickText[i];
      yAxis.append(label);
    }
  });
  if (showX) {
    const xAxis = root.appendChild(svg("g", { "aria-hidden": "true" }, "ck-chart-axis ck-chart-x"));
    const longest = Math.max(1, ...model.categories.map((t) => t.length));
    const every = Math.max(1, Math.ceil((longest * FONT_PX * 0.62 + 8) / band));
    model.categories.forEach((text, i) => {
      if (i % every) return;
      const label = svg("text", { x: xCenter(i).toFixed(1), y: top + plotH + 6 + FONT_PX, "text-anchor": "middle" });
      label.textContent = text;
      xAxis.append(label);
    });
  }

  const slotCount = model.slots.length;
  const categoryGap = Math.min(typeof c.barCategoryGap === "number" ? c.barCategoryGap : band * 0.2, band * 0.8);
  const barGap = slotCount > 1 ? (typeof c.barGap === "number" ? c.barGap : 4) : 0;
  const barW = Math.max(1, (band - categoryGap - barGap * (slotCount - 1)) / Math.max(1, slotCount));
  const plot = root.appendChild(svg("g", {}, "ck-chart-plot"));
  // Areas first, then bars, then lines, so a line is never hidden under a fill.
  const order = { area: 0, bar: 1, line: 2 };
  for (const s of [...model.series].sort((a, b) => order[a.def.type] - order[b.def.type] || a.index - b.index)) {
    const group = plot.appendChild(svg("g", { "data-series": s.def.dataKey, "data-type": s.def.type }, `ck-chart-series ck-chart-${s.def.type}`));
    group.style.color = s.color;
    const tipText = (i) => `${model.categories[i]} · ${s.label}: ${exact.format(s.values[i])}`;
    if (s.def.type === "bar") {
      s.values.forEach((v, i) => {
        if (v === null) return;
        const x = left + band * i + categoryGap / 2 + s.slot * (barW + barGap);
        const y0 = y(s.bases[i]);
        const y1 = y(s.bases[i] + v);
        const rect = svg("rect", { x: x.toFixed(1), y: Math.min(y0, y1).toFixed(1), width: barW.toFixed(1), height: Math.max(0.5, Math.abs(y1 - y0)).toFixed(1), rx: Math.min(3, barW / 4).toFixed(1) }, "ck-chart-bar");
        group.append(tip(rect, tipText(i), showTip));
      });
      continue;
    }
    for (const run of segments(s.values)) {
      const upper = run.map((i) => [xCenter(i), y(s.bases[i] + s.values[i])]);
      if (s.def.type === "area") {
        const lower = run.map((i) => [xCenter(i), y(s.bases[i])]).reverse();
        const back = curvePath(lower, s.def.curveType).replace(/^M/, "L");
        group.append(svg("path", { d: `${curvePath(upper, s.def.curveType)}${back}Z` }, "ck-chart-fill"));
      }
      group.append(svg("path", { d: curvePath(upper, s.def.curveType) }, "ck-chart-line"));
      run.forEach((i, k) => {
        const dot = svg("circle", { cx: upper[k][0].toFixed(1), cy: upper[k][1].toFixed(1), r: s.def.type === "line" ? 3.5 : 2.5 }, "ck-chart-point");
        group.append(tip(dot, tipText(i), showTip));
      });
    }
  }
}

function legend(model) {
  const list = html("ul", "ck-chart-legend");
  list.setAttribute("aria-hidden", "true"); // the data table below names every series for assistive tech
  for (const s of model.series) {
    const item = html("li", "ck-chart-legend-item");
    const swatch = html("span", "ck-chart-swatch");
    swatch.dataset.type = s.def.type;
    swatch.style.color = s.color;
    item.append(swatch, html("span", null, s.label));
    list.append(item);
  }
  return list;
}

/** The numbers as a table, hidden from sight but read by screen readers in place of the drawing. */
function dataTable(model, caption) {
  // Hidden through a wrapper: a table's own box grows to fit its cells whatever width it is given.
  const hidden = html("div", "ck-visually-hidden");
  const table = hidden.appendChild(html("table"));
  table.append(html("caption", null, caption));
  const head = html("tr");
  head.append(html("th", null, model.axis.dataKey || ""), ...model.series.map((s) => html("th", null, s.label)));
  head.querySelectorAll("th").forEach((th) => th.setAttribute("scope", "col"));
  const body = html("tbody");
  model.categories.forEach((category, i) => {
    const row = html("tr");
    const th = html("th", null, category);
    th.setAttribute("scope", "row");
    row.append(th, ...model.series.map((s) => html("td", null, s.values[i] === null ? "" : exact.format(s.values[i]))));
    body.append(row);
  });
  table.append(html("thead"), body);
  table.tHead.append(head);
  return hidden;
}

/** Renders a Chart widget component (see `chatkit.widgets.Chart`). */
export function renderChart(c, ctx) {
  const model = layoutData(c, ctx.scheme);
  const figure = html("figure", "ck-w-chart");
  const box = figure.appendChild(html("div", "ck-chart-box"));
  const s = figure.style;
  for (const [key, prop] of [["width", "width"], ["minWidth", "minWidth"], ["maxWidth", "maxWidth"], ["size", "width"], ["minSize", "minWidth"], ["maxSize", "maxWidth"]]) {
    const len = chartLength(c[key]);
    if (len) s[prop] = len;
  }
  if (c.flex !== undefined && /^[\d.]+$/.test(String(c.flex))) s.flex = String(c.flex);
  for (const [key, prop] of [["height", "height"], ["minHeight", "minHeight"], ["maxHeight", "maxHeight"], ["size", "height"], ["minSize", "minHeight"], ["maxSize", "maxHeight"]]) {
    const len = chartLength(c[key]);
    if (len) box.style[prop] = len;
  }
  const ratio = typeof c.aspectRatio === "number" ? c.aspectRatio : /^[\d.]+(\s*\/\s*[\d.]+)?$/.test(String(c.aspectRatio ?? "")) ? String(c.aspectRatio) : null;
  if (!box.style.height && ratio) box.style.aspectRatio = String(ratio);
  else if (!box.style.height) box.style.height = `${DEFAULT_HEIGHT}px`;

  const names = model.series.map((x) => x.label).join(", ");
  const caption = model.categories.length ? `${names} (${model.categories[0]} – ${model.categories[model.categories.length - 1]})` : names;
  const root = box.appendChild(svg("svg", { role: "img", "aria-label": caption, focusable: "false" }, "ck-chart-svg"));
  const pixels = parseFloat(box.style.height);
  let drawn = "";
  const redraw = (width, height) => {
    const w = Math.round(width);
    const h = Math.round(height);
    if (w < 1 || h < 1 || `${w}x${h}` === drawn) return;
    drawn = `${w}x${h}`;
    draw(root, model, c, w, h);
  };
  redraw(DEFAULT_WIDTH, box.style.height.endsWith("px") && pixels > 0 ? pixels : DEFAULT_HEIGHT);
  // Only the box is observed and the SVG fills it, so a redraw never changes what is observed (no loop).
  new ResizeObserver((entries) => {
    for (const entry of entries) redraw(entry.contentRect.width, entry.contentRect.height);
  }).observe(box);

  if (model.series.length && (c.showLegend === true || (c.showLegend !== false && model.series.length > 1))) figure.append(legend(model));
  figure.append(dataTable(model, caption));
  return figure;
}
