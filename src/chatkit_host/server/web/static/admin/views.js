// The sections of the admin console. Each renders into `root` with data from the admin REST API; lists show
// their first page and load the next ones on demand (admin/paging.js).
import { growingTable, h, status, time } from "./dom.js";
import { pagedList } from "./paging.js";

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

// ---- sessions -------------------------------------------------------------------------------------

async function sessions(root, ctx, user = "") {
  const loaded = [];
  let only = "";
  let more = false;
  const list = growingTable(["Session", "User", "Workflow", "Status", "Expires", ""], "No sessions yet.");
  const hint = h("p", { class: "hint" });
  // The status filter and the counts work on the sessions loaded so far, so both are redrawn as pages arrive.
  const render = () => {
    const counts = { active: 0, expired: 0, cancelled: 0 };
    for (const s of loaded) counts[s.status] = (counts[s.status] || 0) + 1;
    const scope = more ? ` (of the ${loaded.length} loaded)` : "";
    hint.textContent = `${counts.active} active · ${counts.expired} expired · ${counts.cancelled} cancelled${scope}`;
    list.replace(loaded.filter((s) => !only || s.status === only).map(sessionRow));
  };
  const sessionRow = (s) =>
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
                    const cancelled = await ctx.api(`/v1/chatkit/sessions/${encodeURIComponent(s.id)}/cancel`, { method: "POST" });
                    loaded[loaded.indexOf(s)] = cancelled;
                    render();
                  } catch (error) {
                    ctx.showError(error);
                  }
                },
              },
              "Cancel",
            )
          : "",
      ),
    );
  const statusFilter = h(
    "select",
    { "aria-label": "Status", onchange: () => ((only = statusFilter.value), render()) },
    ["", "active", "expired", "cancelled"].map((v) => h("option", { value: v }, v || "any status")),
  );
  const pages = pagedList(ctx, "/v1/chatkit/sessions", { user }, (data, hasMore) => {
    loaded.push(...data);
    more = hasMore;
    render();
  });
  await pages.first();
  const filters = userFilter("User", user, (u) => sessions(root, ctx, u));
  filters.append(h("label", {}, "Status", statusFilter));
  root.replaceChildren(filters, hint, list.node, pages.control);
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
  const list = h("ul", { class: "items" });
  const itemRow = (item) =>
    h("li", { dataset: { itemId: item.id } }, h("div", { class: "kind" }, item.type.replace("chatkit.", ""), " · ", h("code", {}, item.id)), h("pre", {}, itemText(item)));
  const items = pagedList(ctx, `/v1/chatkit/threads/${encodeURIComponent(thread.id)}/items`, { order: "asc" }, (data) =>
    list.append(...data.map(itemRow)),
  );
  await items.first();
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
    list,
    items.control,
    h("p", {}, del),
  );
}

async function threads(root, ctx, user = "") {
  const panel = h("div", { class: "detail" }, h("p", { class: "empty" }, "Pick a thread to see its items."));
  const list = growingTable(["Title", "User", "Status", "Created"], "No threads.");
  const threadRow = (t) => {
    const row = h(
      "tr",
      { dataset: { threadId: t.id } },
      h("td", {}, h("button", { class: "btn btn-small", onclick: () => select(row, t) }, t.title || "(untitled)")),
      h("td", {}, t.user),
      h("td", { class: "hide-narrow" }, status(t.status.type)),
      h("td", { class: "hide-narrow" }, time(t.created_at)),
    );
    return row;
  };
  const select = async (row, t) => {
    for (const r of root.querySelectorAll("tr.selected")) r.classList.remove("selected");
    row.classList.add("selected");
    try {
      await threadDetail(panel, ctx, t, () => threads(root, ctx, user));
    } catch (error) {
      ctx.showError(error);
    }
  };
  const pages = pagedList(ctx, "/v1/chatkit/threads", { user }, (data) => list.append(data.map(threadRow)));
  await pages.first();
  root.replaceChildren(
    userFilter("User", user, (u) => threads(root, ctx, u)),
    h("div", { class: "split" }, h("div", {}, list.node, pages.control), panel),
  );
}

// ---- feedback -------------------------------------------------------------------------------------

async function feedback(root, ctx) {
  const list = growingTable(["Kind", "User", "Thread", "Item", "Received"], "No feedback received yet.");
  const feedbackRow = (f) =>
    h(
      "tr",
      { dataset: { feedbackId: f.id || "", itemId: f.item_id || "" } },
      h("td", {}, status(f.kind)),
      h("td", {}, f.user || ""),
      h("td", {}, h("code", {}, f.thread_id || "")),
      h("td", {}, h("code", {}, f.item_id || (f.item_ids || []).join(", "))),
      h("td", { class: "hide-narrow" }, time(f.created_at)),
    );
  const pages = pagedList(ctx, "/v1/chatkit/feedback", {}, (data) => list.append(data.map(feedbackRow)));
  await pages.first();
  root.replaceChildren(list.node, pages.control);
}

// ---- workflows ------------------------------------------------------------------------------------

async function workflows(root, ctx) {
  const panel = h("div", { class: "detail" }, h("p", { class: "empty" }, "Pick a workflow to see its versions."));
  const list = growingTable(["Workflow", "Name", "Latest", "Versions", ""], "No workflows.");
  const workflowRow = (w) =>
    h(
      "tr",
      { dataset: { workflowId: w.id } },
      h("td", {}, h("button", { class: "btn btn-small", onclick: () => versions(panel, ctx, w) }, w.id)),
      h("td", {}, w.name || ""),
      h("td", {}, w.latest_version ?? "—"),
      h("td", {}, String(w.version_count ?? "")),
      h("td", { class: "hide-narrow" }, w.archived ? "archived" : w.builtin ? "built-in" : ""),
    );
  const pages = pagedList(ctx, "/v1/chatkit/workflows", {}, (data) => list.append(data.map(workflowRow)));
  await pages.first();
  root.replaceChildren(h("div", { class: "split" }, h("div", {}, list.node, pages.control), panel));
}

async function versions(panel, ctx, workflow) {
  try {
    const list = growingTable(["Version", "Kind", "Models", "Published"], "No versions.");
    const versionRow = (v) =>
      h(
        "tr",
        { dataset: { version: v.version } },
        h("td", {}, v.version, v.is_latest ? " (latest)" : ""),
        h("td", {}, `${v.format} · ${v.kind}`),
        h("td", {}, (v.models || []).join(", ")),
        h("td", { class: "hide-narrow" }, time(v.created_at)),
      );
    const path = `/v1/chatkit/workflows/${encodeURIComponent(workflow.id)}/versions`;
    const pages = pagedList(ctx, path, {}, (data) => list.append(data.map(versionRow)));
    await pages.first();
    panel.replaceChildren(h("h3", {}, workflow.name || workflow.id), list.node, pages.control);
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
  const panel = h("div", { class: "detail" }, h("p", { class: "empty" }, "Pick a trace to see its waterfall."));
  const list = growingTable(["Run", "Workflow", "Status", "Duration", "Tokens", "User"], "No traces yet.");
  const traceRow = (t) =>
    h(
      "tr",
      { dataset: { traceId: t.id } },
      h("td", {}, h("button", { class: "btn btn-small", onclick: () => showTrace(panel, ctx, t.id) }, t.name || t.id)),
      h("td", {}, `${t.workflow.id} @ ${t.workflow.version}`),
      h("td", {}, status(t.status)),
      h("td", {}, `${Math.round(t.duration_ms)} ms`),
      h("td", {}, `${t.usage.total_tokens}`),
      h("td", { class: "hide-narrow" }, t.user || ""),
    );
  const pages = pagedList(ctx, "/v1/chatkit/traces", {}, (data) => list.append(data.map(traceRow)));
  await pages.first();
  root.replaceChildren(h("div", { class: "split" }, h("div", {}, list.node, pages.control), panel));
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
