// The sections of the admin console. Each renders into `root` with data from the admin REST API for its route
// (`{id, params}`, admin/dom.js); lists show their first page and load the next ones on demand (admin/paging.js).
// A view may answer `{open(id)}`, which shows another detail of the same list without reloading it.
import { confirmButton, growingTable, h, revealOnNarrow, routeHash, routeLink, status, time } from "./dom.js";
import { pagedList } from "./paging.js";
import { traces } from "./traces.js";
import { usage } from "./usage.js";

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

async function sessions(root, ctx, route) {
  const user = route.params.get("user") || "";
  const loaded = [];
  let only = route.params.get("status") || "";
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
  const cancel = async (s) => {
    try {
      const cancelled = await ctx.api(`/v1/chatkit/sessions/${encodeURIComponent(s.id)}/cancel`, { method: "POST" });
      loaded[loaded.indexOf(s)] = cancelled;
      render();
    } catch (error) {
      ctx.showError(error);
    }
  };
  const sessionRow = (s) =>
    h(
      "tr",
      { dataset: { sessionId: s.id, status: s.status } },
      h("td", {}, h("code", {}, s.id)),
      h("td", {}, routeLink(s.user, "threads", null, { user: s.user }, { title: `Threads of ${s.user}` })),
      h("td", {}, `${s.workflow.id}${s.workflow.version ? ` @ ${s.workflow.version}` : ""}`),
      h("td", {}, status(s.status)),
      h("td", {}, time(s.expires_at)),
      h(
        "td",
        { class: "actions" },
        routeLink("Traces", "traces", null, { session_id: s.id }, { class: "btn btn-small" }),
        " ",
        s.status === "active" ? confirmButton("Cancel session…", "End this session for its user?", () => cancel(s), `Cancel session ${s.id}`) : "",
      ),
    );
  const statusFilter = h(
    "select",
    {
      "aria-label": "Status",
      // Filters the sessions loaded so far (no reload, so "Load more" pages stay); the URL keeps the choice.
      onchange: () => {
        only = statusFilter.value;
        window.history.replaceState(window.history.state, "", routeHash("sessions", null, { user, status: only }));
        render();
      },
    },
    ["", "active", "expired", "cancelled"].map((v) => h("option", { value: v, selected: v === only }, v || "any status")),
  );
  const pages = pagedList(ctx, "/v1/chatkit/sessions", { user }, (data, hasMore) => {
    loaded.push(...data);
    more = hasMore;
    render();
  });
  await pages.first();
  const filters = userFilter("User", user, (u) => ctx.navigate("sessions", null, { user: u, status: only }));
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

async function threadDetail(panel, ctx, threadId, onDeleted) {
  const thread = await ctx.api(`/v1/chatkit/threads/${encodeURIComponent(threadId)}`);
  const list = h("ul", { class: "items" });
  const itemRow = (item) =>
    h("li", { dataset: { itemId: item.id } }, h("div", { class: "kind" }, item.type.replace("chatkit.", ""), " · ", h("code", {}, item.id), " · ", time(item.created_at)), h("pre", {}, itemText(item)));
  const items = pagedList(ctx, `/v1/chatkit/threads/${encodeURIComponent(thread.id)}/items`, { order: "asc" }, (data) =>
    list.append(...data.map(itemRow)),
  );
  await items.first();
  const del = confirmButton("Delete thread…", "Delete this thread and its files?", async () => {
    try {
      await ctx.api(`/v1/chatkit/threads/${encodeURIComponent(thread.id)}`, { method: "DELETE" });
      onDeleted();
    } catch (error) {
      ctx.showError(error);
    }
  });
  panel.replaceChildren(
    h("h3", {}, thread.title || "(untitled)"),
    h(
      "p",
      { class: "hint" },
      h("code", {}, thread.id),
      " · ",
      routeLink(thread.user, "threads", null, { user: thread.user }),
      ` · ${time(thread.created_at)} · `,
      routeLink("Traces of this thread", "traces", null, { thread_id: thread.id }, { dataset: { action: "thread-traces" } }),
    ),
    list,
    items.control,
    h("p", {}, del),
  );
}

async function threads(root, ctx, route) {
  const user = route.params.get("user") || "";
  const params = { user };
  const placeholder = () => h("p", { class: "empty" }, "Pick a thread to see its items.");
  const panel = h("div", { class: "detail" }, placeholder());
  const list = growingTable(["Title", "User", "Status", "Created"], "No threads.");
  const threadRow = (t) =>
    h(
      "tr",
      { dataset: { threadId: t.id } },
      h("td", {}, routeLink(t.title || "(untitled)", "threads", t.id, params, { class: "btn btn-small" })),
      h("td", {}, t.user),
      h("td", {}, status(t.status.type)),
      h("td", {}, time(t.created_at)),
    );
  const open = async (id) => {
    for (const r of root.querySelectorAll("tr[data-thread-id]")) r.classList.toggle("selected", r.dataset.threadId === id);
    if (!id) return panel.replaceChildren(placeholder());
    await threadDetail(panel, ctx, id, () => ctx.navigate("threads", null, params, { reload: true }));
    revealOnNarrow(panel);
  };
  const pages = pagedList(ctx, "/v1/chatkit/threads", { user }, (data) => list.append(data.map(threadRow)));
  await pages.first();
  root.replaceChildren(
    userFilter("User", user, (u) => ctx.navigate("threads", null, { user: u })),
    h("div", { class: "split" }, h("div", {}, list.node, pages.control), panel),
  );
  await open(route.id);
  return { open };
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
      h("td", {}, f.thread_id ? routeLink(h("code", {}, f.thread_id), "threads", f.thread_id) : ""),
      h("td", {}, h("code", {}, f.item_id || (f.item_ids || []).join(", "))),
      h("td", {}, time(f.created_at)),
    );
  const pages = pagedList(ctx, "/v1/chatkit/feedback", {}, (data) => list.append(data.map(feedbackRow)));
  await pages.first();
  root.replaceChildren(list.node, pages.control);
}

// ---- workflows ------------------------------------------------------------------------------------

async function workflows(root, ctx, route) {
  const placeholder = () => h("p", { class: "empty" }, "Pick a workflow to see its versions.");
  const panel = h("div", { class: "detail" }, placeholder());
  const list = growingTable(["Workflow", "Name", "Latest", "Versions", ""], "No workflows.");
  const loaded = new Map();
  const workflowRow = (w) =>
    h(
      "tr",
      { dataset: { workflowId: w.id } },
      h("td", {}, routeLink(w.id, "workflows", w.id, {}, { class: "btn btn-small" })),
      h("td", {}, w.name || ""),
      h("td", {}, w.latest_version ?? "—"),
      h("td", {}, String(w.version_count ?? "")),
      h("td", {}, w.archived ? "archived" : w.builtin ? "built-in" : ""),
    );
  const open = async (id) => {
    for (const r of root.querySelectorAll("tr[data-workflow-id]")) r.classList.toggle("selected", r.dataset.workflowId === id);
    if (!id) return panel.replaceChildren(placeholder());
    const workflow = loaded.get(id) || (await ctx.api(`/v1/chatkit/workflows/${encodeURIComponent(id)}`));
    await versions(panel, ctx, workflow);
  };
  const pages = pagedList(ctx, "/v1/chatkit/workflows", {}, (data) => {
    for (const w of data) loaded.set(w.id, w);
    list.append(data.map(workflowRow));
  });
  await pages.first();
  root.replaceChildren(h("div", { class: "split" }, h("div", {}, list.node, pages.control), panel));
  await open(route.id);
  return { open };
}

/** When a version was published; the built-in workflow is part of the server, not published (F11: "1/1/70"). */
function published(v) {
  return v.format === "builtin" || !v.created_at ? "built-in" : time(v.created_at);
}

async function versions(panel, ctx, workflow) {
  const list = growingTable(["Version", "Kind", "Models", "State variables", "Published"], "No versions.");
  const versionRow = (v) =>
    h(
      "tr",
      { dataset: { version: v.version } },
      h("td", {}, v.version, v.is_latest ? " (latest)" : ""),
      h("td", {}, `${v.format} · ${v.kind}`),
      h("td", {}, (v.models || []).join(", ")),
      h("td", {}, Object.entries(v.state_variables || {}).map(([k, s]) => `${k}: ${s.type}`).join(", ")),
      h("td", { dataset: { field: "published" } }, published(v)),
    );
  const path = `/v1/chatkit/workflows/${encodeURIComponent(workflow.id)}/versions`;
  const pages = pagedList(ctx, path, {}, (data) => list.append(data.map(versionRow)));
  await pages.first();
  panel.replaceChildren(
    h("h3", {}, workflow.name || workflow.id),
    h("p", { class: "hint" }, routeLink("Traces of this workflow", "traces", null, { workflow_id: workflow.id }), " · ", routeLink("Usage by version", "usage", null, { group_by: "workflow_version", workflow_id: workflow.id })),
    list.node,
    pages.control,
  );
}

export const VIEWS = { sessions, threads, feedback, workflows, traces, usage };
