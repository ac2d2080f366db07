// The sections of the admin console. Each renders into `root` with data from the admin REST API.
import { h, status, table, time } from "./dom.js";

function userFilter(label, value, onSubmit) {
  const input = h("input", { name: "user", value: value || "", placeholder: "any user", "aria-label": label });
  const form = h(
    "form",
    { class: "toolbar", onsubmit: (e) => (e.preventDefault(), onSubmit(input.value.trim())) },
    h("label", {}, label, input),
    h("button", { class: "btn", type: "submit" }, "Filter"),
  );
  return form;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : "";
}

// ---- sessions -------------------------------------------------------------------------------------

async function sessions(root, ctx, user = "", only = "") {
  const page = await ctx.api(`/v1/chatkit/sessions${query({ limit: 100, user })}`);
  const counts = { active: 0, expired: 0, cancelled: 0 };
  for (const s of page.data) counts[s.status] = (counts[s.status] || 0) + 1;
  const statusFilter = h(
    "select",
    { "aria-label": "Status", onchange: () => sessions(root, ctx, user, statusFilter.value) },
    ["", "active", "expired", "cancelled"].map((v) => h("option", { value: v, selected: v === only }, v || "any status")),
  );
  const shown = page.data.filter((s) => !only || s.status === only);
  const rows = shown.map((s) =>
    h(
      "tr",
      { dataset: { sessionId: s.id, status: s.status } },
      h("td", {}, h("code", {}, s.id)),
      h("td", {}, s.user),
      h("td", { class: "hide-narrow" }, `${s.workflow.id}${s.workflow.version ? ` @ ${s.workflow.version}` : ""}`),
      h("td", {}, status(s.status)),
      h("td", { class: "hide-narrow" }, time(s.expires_at)),
      h(
        "td",
        {},
        s.status === "active"
          ? h(
              "button",
              {
                class: "btn btn-small btn-danger",
                "aria-label": `Cancel session ${s.id}`,
                onclick: async () => {
                  try {
                    await ctx.api(`/v1/chatkit/sessions/${encodeURIComponent(s.id)}/cancel`, { method: "POST" });
                    await sessions(root, ctx, user, only);
                  } catch (error) {
                    ctx.showError(error);
                  }
                },
              },
              "Cancel",
            )
          : "",
      ),
    ),
  );
  const filters = userFilter("User", user, (u) => sessions(root, ctx, u, only));
  filters.append(h("label", {}, "Status", statusFilter));
  root.replaceChildren(
    filters,
    h("p", { class: "hint" }, `${counts.active} active · ${counts.expired} expired · ${counts.cancelled} cancelled${page.has_more ? " (first 100)" : ""}`),
    table(["Session", "User", "Workflow", "Status", "Expires", ""], rows, "No sessions yet."),
  );
}

// ---- threads --------------------------------------------------------------------------------------

function itemText(item) {
  const parts = [];
  for (const c of item.content || []) if (c.text) parts.push(c.text);
  if (item.type === "chatkit.widget") parts.push(typeof item.widget === "string" ? item.widget : JSON.stringify(item.widget));
  if (item.type === "chatkit.client_tool_call") parts.push(`${item.name}(${item.arguments}) → ${item.output ?? "…"}`);
  if (item.type === "chatkit.task") parts.push([item.heading, item.summary].filter(Boolean).join(": "));
  if (item.type === "chatkit.task_group") parts.push((item.tasks || []).map((t) => t.heading || t.summary).join(" · "));
  for (const a of item.attachments || []) parts.push(`attachment: ${a.name} (${a.mime_type})`);
  return parts.join("\n");
}

async function threadDetail(panel, ctx, thread, onDeleted) {
  const items = await ctx.api(`/v1/chatkit/threads/${encodeURIComponent(thread.id)}/items?limit=100&order=asc`);
  const del = h(
    "button",
    {
      class: "btn btn-small btn-danger",
      onclick: async () => {
        if (del.dataset.armed !== "true") {
          del.dataset.armed = "true";
          del.textContent = "Really delete?";
          return;
        }
        try {
          await ctx.api(`/v1/chatkit/threads/${encodeURIComponent(thread.id)}`, { method: "DELETE" });
          onDeleted();
        } catch (error) {
          ctx.showError(error);
        }
      },
    },
    "Delete thread",
  );
  panel.replaceChildren(
    h("h3", {}, thread.title || "(untitled)"),
    h("p", { class: "hint" }, h("code", {}, thread.id), ` · ${thread.user} · ${time(thread.created_at)}`),
    h(
      "ul",
      { class: "items" },
      items.data.map((item) =>
        h("li", { dataset: { itemId: item.id } }, h("div", { class: "kind" }, item.type.replace("chatkit.", ""), " · ", h("code", {}, item.id)), h("pre", {}, itemText(item))),
      ),
    ),
    items.has_more ? h("p", { class: "hint" }, "Showing the first 100 items.") : "",
    h("p", {}, del),
  );
}

async function threads(root, ctx, user = "") {
  const page = await ctx.api(`/v1/chatkit/threads${query({ limit: 100, user })}`);
  const panel = h("div", { class: "detail" }, h("p", { class: "empty" }, "Pick a thread to see its items."));
  const rows = page.data.map((t) => {
    const row = h(
      "tr",
      { dataset: { threadId: t.id } },
      h("td", {}, h("button", { class: "btn btn-small", onclick: () => select(row, t) }, t.title || "(untitled)")),
      h("td", {}, t.user),
      h("td", { class: "hide-narrow" }, status(t.status.type)),
      h("td", { class: "hide-narrow" }, time(t.created_at)),
    );
    return row;
  });
  const select = async (row, t) => {
    for (const r of root.querySelectorAll("tr.selected")) r.classList.remove("selected");
    row.classList.add("selected");
    try {
      await threadDetail(panel, ctx, t, () => threads(root, ctx, user));
    } catch (error) {
      ctx.showError(error);
    }
  };
  root.replaceChildren(
    userFilter("User", user, (u) => threads(root, ctx, u)),
    h("div", { class: "split" }, table(["Title", "User", "Status", "Created"], rows, "No threads."), panel),
  );
}

// ---- feedback -------------------------------------------------------------------------------------

async function feedback(root, ctx) {
  const page = await ctx.api("/v1/chatkit/feedback?limit=100");
  const rows = page.data.map((f) =>
    h(
      "tr",
      { dataset: { feedbackId: f.id || "", itemId: f.item_id || "" } },
      h("td", {}, status(f.kind)),
      h("td", {}, f.user || ""),
      h("td", {}, h("code", {}, f.thread_id || "")),
      h("td", {}, h("code", {}, f.item_id || (f.item_ids || []).join(", "))),
      h("td", { class: "hide-narrow" }, time(f.created_at)),
    ),
  );
  root.replaceChildren(table(["Kind", "User", "Thread", "Item", "Received"], rows, "No feedback received yet."));
}

// ---- workflows ------------------------------------------------------------------------------------

async function workflows(root, ctx) {
  const page = await ctx.api("/v1/chatkit/workflows?limit=100");
  const panel = h("div", { class: "detail" }, h("p", { class: "empty" }, "Pick a workflow to see its versions."));
  const rows = page.data.map((w) =>
    h(
      "tr",
      { dataset: { workflowId: w.id } },
      h("td", {}, h("button", { class: "btn btn-small", onclick: () => versions(panel, ctx, w) }, w.id)),
      h("td", {}, w.name || ""),
      h("td", {}, w.latest_version ?? "—"),
      h("td", {}, String(w.version_count ?? "")),
      h("td", { class: "hide-narrow" }, w.archived ? "archived" : w.builtin ? "built-in" : ""),
    ),
  );
  root.replaceChildren(h("div", { class: "split" }, table(["Workflow", "Name", "Latest", "Versions", ""], rows, "No workflows."), panel));
}

async function versions(panel, ctx, workflow) {
  try {
    const page = await ctx.api(`/v1/chatkit/workflows/${encodeURIComponent(workflow.id)}/versions?limit=100`);
    const rows = page.data.map((v) =>
      h(
        "tr",
        { dataset: { version: v.version } },
        h("td", {}, v.version, v.is_latest ? " (latest)" : ""),
        h("td", {}, `${v.format} · ${v.kind}`),
        h("td", {}, (v.models || []).join(", ")),
        h("td", { class: "hide-narrow" }, time(v.created_at)),
      ),
    );
    panel.replaceChildren(h("h3", {}, workflow.name || workflow.id), table(["Version", "Kind", "Models", "Published"], rows, "No versions."));
  } catch (error) {
    ctx.showError(error);
  }
}

// ---- traces -------------------------------------------------------------------------------------

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
      return h(
        "div",
        { class: "span-row", role: "listitem", dataset: { spanId: s.id } },
        h("div", { class: "span-label", style: { paddingLeft: `${(depth.get(s.id) || 0) * 12}px` }, title: label }, label,
          h("div", { class: "span-meta" }, `${Math.round(s.duration_ms)} ms${tokens}${s.model ? ` · ${s.model}` : ""}`)),
        h("div", { class: "span-track" }, h("div", { class: "span-bar", dataset: { kind: s.kind, error: String(Boolean(s.error)) }, style: { left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }, title: `${label} ${Math.round(s.duration_ms)} ms` })),
      );
    }),
  );
}

async function traces(root, ctx) {
  const page = await ctx.api("/v1/chatkit/traces?limit=50");
  const panel = h("div", { class: "detail" }, h("p", { class: "empty" }, "Pick a trace to see its waterfall."));
  const rows = page.data.map((t) =>
    h(
      "tr",
      { dataset: { traceId: t.id } },
      h("td", {}, h("button", { class: "btn btn-small", onclick: () => showTrace(panel, ctx, t.id) }, t.name || t.id)),
      h("td", {}, `${t.workflow.id} @ ${t.workflow.version}`),
      h("td", {}, status(t.status)),
      h("td", {}, `${Math.round(t.duration_ms)} ms`),
      h("td", {}, `${t.usage.total_tokens}`),
      h("td", { class: "hide-narrow" }, t.user || ""),
    ),
  );
  root.replaceChildren(h("div", { class: "split" }, table(["Run", "Workflow", "Status", "Duration", "Tokens", "User"], rows, "No traces yet."), panel));
}

async function showTrace(panel, ctx, id) {
  try {
    const trace = await ctx.api(`/v1/chatkit/traces/${encodeURIComponent(id)}`);
    panel.replaceChildren(
      h("h3", {}, trace.name),
      h("p", { class: "hint" }, `${Math.round(trace.duration_ms)} ms · ${trace.usage.input_tokens} input + ${trace.usage.output_tokens} output = ${trace.usage.total_tokens} tokens`),
      trace.error ? h("p", { class: "banner" }, trace.error) : "",
      waterfall(trace),
    );
  } catch (error) {
    ctx.showError(error);
  }
}

export const VIEWS = { sessions, threads, feedback, workflows, traces };
