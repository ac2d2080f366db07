// The Usage view: tokens per session, thread, user or workflow version over time, as stacked bars in plain SVG
// (nothing loaded from elsewhere; the pages' CSP allows only this server). Data: GET /v1/chatkit/usage/series.
// Route: `#usage?group_by=user&bucket=day[&user=&thread_id=&session_id=&workflow_id=]`.
import { h, routeLink } from "./dom.js";
import { query } from "./paging.js";

const SVG = "http://www.w3.org/2000/svg";
const GROUPS = { user: "User", thread: "Thread", session: "Session", workflow_version: "Workflow version" };
const BUCKETS = { hour: 3600, day: 86400 };
const FILTERS = ["user", "thread_id", "session_id", "workflow_id"];
/** Distinct in light and dark themes; "other" is always grey. */
const PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#8b5cf6", "#ef4444", "#06b6d4", "#ec4899", "#84cc16"];
const OTHER = "#94a3b8";
const WIDTH = 720;
const HEIGHT = 240;
const PAD = { left: 56, right: 8, top: 10, bottom: 28 };

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function tokens(n) {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}

function bucketLabel(start, bucket) {
  const date = new Date(start * 1000);
  return bucket === "hour"
    ? date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/** Where a group key leads: its thread, or the runs of its user, session or workflow. */
function keyLink(groupBy, row) {
  if (groupBy === "thread") return routeLink(row.key, "threads", row.key);
  if (groupBy === "user") return routeLink(row.key, "traces", null, { user: row.key });
  if (groupBy === "session") return routeLink(row.key, "traces", null, { session_id: row.key });
  return row.workflow_id ? routeLink(`${row.workflow_id} v${row.key}`, "workflows", row.workflow_id) : row.key;
}

function chart(series) {
  const step = BUCKETS[series.bucket];
  const now = Math.floor(Date.now() / 1000 / step) * step;
  const starts = [];
  for (let at = series.since; at <= now; at += step) starts.push(at);
  const stacks = new Map(starts.map((at) => [at, 0]));
  for (const row of series.data) for (const p of row.points) stacks.set(p.start, (stacks.get(p.start) || 0) + p.total_tokens);
  const max = Math.max(1, ...stacks.values());
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(starts.length, 1);
  const x = (at) => PAD.left + ((at - series.since) / step) * slot;
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "usage-chart", role: "img", "aria-label": `Tokens per ${series.bucket} by ${GROUPS[series.group_by].toLowerCase()}` });
  for (const f of [0, 0.5, 1]) {
    root.append(svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(max * f), y2: y(max * f), class: "grid" }));
    root.append(svg("text", { x: PAD.left - 6, y: y(max * f) + 4, "text-anchor": "end", class: "axis" }, tokens(Math.round(max * f))));
  }
  const labelEvery = Math.ceil(starts.length / 6);
  starts.forEach((at, i) => {
    if (i % labelEvery === 0) root.append(svg("text", { x: x(at) + slot / 2, y: HEIGHT - 8, "text-anchor": "middle", class: "axis" }, bucketLabel(at, series.bucket)));
  });
  const base = new Map(starts.map((at) => [at, 0]));
  series.data.forEach((row, index) => {
    const color = row.key === "other" ? OTHER : PALETTE[index % PALETTE.length];
    for (const p of row.points) {
      const below = base.get(p.start) || 0;
      base.set(p.start, below + p.total_tokens);
      const top = y(below + p.total_tokens);
      const bar = svg("rect", { x: x(p.start) + slot * 0.12, width: Math.max(slot * 0.76, 1), y: top, height: Math.max(y(below) - top, 1), fill: color, "data-key": row.key, "data-start": p.start, "data-tokens": p.total_tokens });
      bar.append(svg("title", {}, `${row.key} · ${bucketLabel(p.start, series.bucket)} · ${p.total_tokens} tokens (${p.input_tokens} in, ${p.output_tokens} out) · ${p.runs} runs`));
      root.append(bar);
    }
  });
  return { node: root, colorOf: (index, key) => (key === "other" ? OTHER : PALETTE[index % PALETTE.length]) };
}

export async function usage(root, ctx, route) {
  const groupBy = GROUPS[route.params.get("group_by")] ? route.params.get("group_by") : "user";
  const bucket = BUCKETS[route.params.get("bucket")] ? route.params.get("bucket") : "day";
  const filters = Object.fromEntries(FILTERS.map((k) => [k, route.params.get(k) || ""]));
  const go = (changes) => ctx.navigate("usage", null, { group_by: groupBy, bucket, ...filters, ...changes });
  const series = await ctx.api(`/v1/chatkit/usage/series${query({ group_by: groupBy, bucket, ...filters })}`);
  const groupSelect = h("select", { name: "group_by", "aria-label": "Group by", onchange: () => go({ group_by: groupSelect.value }) },
    Object.entries(GROUPS).map(([v, label]) => h("option", { value: v, selected: v === groupBy }, label)));
  const bucketSelect = h("select", { name: "bucket", "aria-label": "Per", onchange: () => go({ bucket: bucketSelect.value }) },
    Object.keys(BUCKETS).map((v) => h("option", { value: v, selected: v === bucket }, v === "hour" ? "hour (last 48)" : "day (last 48)")));
  const active = FILTERS.filter((k) => filters[k]);
  const toolbar = h(
    "div",
    { class: "toolbar" },
    h("label", {}, "Group by", groupSelect),
    h("label", {}, "Per", bucketSelect),
    active.length ? [h("span", { class: "hint" }, `Only ${active.map((k) => `${k.replace("_id", "")} ${filters[k]}`).join(", ")}`), routeLink("All usage", "usage", null, { group_by: groupBy, bucket }, { class: "btn btn-small" })] : "",
  );
  if (!series.data.length) {
    root.replaceChildren(toolbar, h("p", { class: "empty" }, "No token usage in this window yet."));
    return;
  }
  const drawn = chart(series);
  const legend = h(
    "table",
    { class: "usage-legend" },
    h("thead", {}, h("tr", {}, ["", GROUPS[groupBy], "Tokens", "Runs"].map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      series.data.map((row, index) =>
        h(
          "tr",
          { dataset: { key: row.key } },
          h("td", {}, h("span", { class: "swatch", style: { background: drawn.colorOf(index, row.key) } })),
          h("td", {}, row.key === "other" ? "everything else" : keyLink(groupBy, row)),
          h("td", {}, String(row.total_tokens)),
          h("td", {}, String(row.points.reduce((n, p) => n + p.runs, 0))),
        ),
      ),
    ),
  );
  root.replaceChildren(
    toolbar,
    series.truncated ? h("p", { class: "banner" }, "More runs than one answer reads fell in this window; the oldest bars may be short.") : "",
    h("div", { class: "chart-wrap" }, drawn.node),
    h("div", { class: "table-wrap" }, legend),
  );
}
