// The Traces view: runs with their start time, thread, user and tokens (`#traces?user=&thread_id=&session_id=
// &workflow_id=`), and one run (`#traces/trace_...`) as a waterfall whose spans open to show what went in and
// out: the model's instructions, prompt messages and answer; a tool's arguments and result (stored by
// server/workflows/tracing.py, each text cut at 4000 characters).
import { growingTable, h, revealOnNarrow, routeLink, status, time } from "./dom.js";
import { pagedList } from "./paging.js";

const FILTERS = ["user", "thread_id", "session_id", "workflow_id"];
const FILTER_LABELS = { user: "user", thread_id: "thread", session_id: "session", workflow_id: "workflow" };

function ms(value) {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function textBlock(label, text, role) {
  return h("div", { class: "io", dataset: { role: role || label } }, h("div", { class: "io-label" }, label), h("pre", {}, text ?? ""));
}

/** What a span carries, for its detail: messages for a model call, arguments and result for a tool. */
function spanDetail(span) {
  const data = span.data || {};
  const parts = [];
  if (span.error) parts.push(h("p", { class: "banner" }, span.error));
  if (span.kind === "model") {
    if (data.instructions) parts.push(textBlock("instructions", data.instructions, "instructions"));
    const input = data.input || [];
    if (data.input_count > input.length) parts.push(h("p", { class: "hint" }, `The last ${input.length} of ${data.input_count} input messages:`));
    for (const m of input) parts.push(textBlock(m.name ? `${m.role} · ${m.name}` : m.role, m.text, m.role));
    for (const m of data.output || []) parts.push(textBlock(m.name ? `output · ${m.role} · ${m.name}` : `output · ${m.role}`, m.text, "output"));
    if (!input.length && !(data.output || []).length) parts.push(h("p", { class: "hint" }, "No prompt or answer was recorded for this call."));
  } else if (span.kind === "tool") {
    parts.push(textBlock("arguments", data.input, "arguments"), textBlock("result", data.output, "result"));
  } else if (Object.keys(data).length) {
    parts.push(textBlock("data", JSON.stringify(data, null, 2), "data"));
  }
  return h("div", { class: "span-detail", dataset: { spanDetail: span.id } }, parts);
}

function waterfall(trace) {
  const spans = [...(trace.spans || [])].sort((a, b) => a.started_at - b.started_at);
  const start = trace.started_at;
  const total = Math.max(trace.ended_at - start, 1e-6);
  const depth = new Map();
  for (const s of spans) depth.set(s.id, s.parent_id && depth.has(s.parent_id) ? depth.get(s.parent_id) + 1 : 0);
  return h(
    "div",
    { class: "waterfall", role: "list", "aria-label": "Spans" },
    spans.map((s) => {
      const left = ((s.started_at - start) / total) * 100;
      const width = Math.max(((s.ended_at - s.started_at) / total) * 100, 0.3);
      const tokens = s.input_tokens !== null && s.input_tokens !== undefined ? ` · ${s.input_tokens} in / ${s.output_tokens ?? 0} out tokens` : "";
      const label = `${s.kind}: ${s.name}`;
      // <details>: the row is the summary, a click (or Enter) opens what the span carried.
      return h(
        "details",
        { class: "span", role: "listitem", dataset: { spanId: s.id, kind: s.kind }, open: s.kind === "model" && spans.filter((x) => x.kind === "model").length === 1 },
        h(
          "summary",
          { class: "span-row" },
          h("div", { class: "span-label", style: { paddingLeft: `${(depth.get(s.id) || 0) * 12}px` }, title: label }, label,
            h("div", { class: "span-meta" }, `${ms(s.duration_ms)}${tokens}${s.model ? ` · ${s.model}` : ""}`)),
          h("div", { class: "span-track" }, h("div", { class: "span-bar", dataset: { kind: s.kind, error: String(Boolean(s.error)) }, style: { left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }, title: `${label} ${ms(s.duration_ms)}` })),
        ),
        spanDetail(s),
      );
    }),
  );
}

async function traceDetail(panel, ctx, id) {
  const trace = await ctx.api(`/v1/chatkit/traces/${encodeURIComponent(id)}`);
  const u = trace.usage;
  const facts = [
    ["Started", time(trace.started_at)],
    ["Workflow", `${trace.workflow.id} @ ${trace.workflow.version}`],
    ["Status", status(trace.status)],
    ["Duration", ms(trace.duration_ms)],
    ["Tokens", `${u.input_tokens} input + ${u.output_tokens} output = ${u.total_tokens}`],
    ["Thread", trace.thread_id ? routeLink(h("code", {}, trace.thread_id), "threads", trace.thread_id, {}, { dataset: { action: "open-thread" } }) : "—"],
    ["User", trace.user ? routeLink(trace.user, "traces", null, { user: trace.user }) : "—"],
    ["Session", trace.session_id ? routeLink(h("code", {}, trace.session_id), "traces", null, { session_id: trace.session_id }) : "—"],
  ];
  panel.replaceChildren(
    h("h3", {}, `${trace.workflow.id} v${trace.workflow.version} · ${time(trace.started_at)}`),
    h("dl", { class: "facts" }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { dataset: { field: k.toLowerCase() } }, v)])),
    trace.error ? h("p", { class: "banner" }, trace.error) : "",
    h("p", { class: "hint" }, "Open a span to see what it was sent and what it answered."),
    waterfall(trace),
  );
}

export async function traces(root, ctx, route) {
  const filters = Object.fromEntries(FILTERS.map((k) => [k, route.params.get(k) || ""]));
  const placeholder = () => h("p", { class: "empty" }, "Pick a run to see its spans.");
  const panel = h("div", { class: "detail" }, placeholder());
  const list = growingTable(["Started", "Workflow", "Thread", "User", "Status", "Duration", "Tokens"], "No traces yet.");
  const traceRow = (t) =>
    h(
      "tr",
      { dataset: { traceId: t.id } },
      h("td", {}, routeLink(time(t.started_at), "traces", t.id, filters, { class: "btn btn-small", title: t.id })),
      h("td", {}, `${t.workflow.id} @ ${t.workflow.version}`),
      h("td", {}, t.thread_id ? routeLink(h("code", {}, t.thread_id.slice(0, 14) + "…"), "threads", t.thread_id, {}, { title: t.thread_id }) : ""),
      h("td", {}, t.user ? routeLink(t.user, "traces", null, { ...filters, user: t.user }) : ""),
      h("td", {}, status(t.status)),
      h("td", {}, ms(t.duration_ms)),
      h("td", {}, `${t.usage.total_tokens}`),
    );
  const open = async (id) => {
    for (const r of root.querySelectorAll("tr[data-trace-id]")) r.classList.toggle("selected", r.dataset.traceId === id);
    if (!id) return panel.replaceChildren(placeholder());
    await traceDetail(panel, ctx, id);
    revealOnNarrow(panel);
  };
  const pages = pagedList(ctx, "/v1/chatkit/traces", filters, (data) => list.append(data.map(traceRow)));
  await pages.first();
  const active = FILTERS.filter((k) => filters[k]);
  const toolbar = h(
    "div",
    { class: "toolbar filters" },
    active.length
      ? [
          h("span", { class: "hint" }, "Runs of ", active.map((k) => `${FILTER_LABELS[k]} ${filters[k]}`).join(", ")),
          routeLink("Show all runs", "traces", null, {}, { class: "btn btn-small" }),
          routeLink("Usage chart", "usage", null, { group_by: filters.thread_id ? "thread" : filters.session_id ? "session" : "user", ...filters }, { class: "btn btn-small" }),
        ]
      : h("span", { class: "hint" }, "Every run, newest first. Click a thread or user to see only theirs."),
  );
  root.replaceChildren(toolbar, h("div", { class: "split" }, h("div", {}, list.node, pages.control), panel));
  await open(route.id);
  return { open };
}
