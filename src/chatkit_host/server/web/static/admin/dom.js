// Tiny DOM helpers for the admin console: every value from the server becomes text, never markup.

/** h("td", {class: "x", onclick: fn}, "text", childNode, ...) */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function time(seconds) {
  if (seconds === undefined || seconds === null) return "";
  const date = new Date(Number(seconds) * 1000);
  return date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function status(value) {
  return h("span", { class: `status status-${String(value).replace(/[^a-z_-]/gi, "")}` }, value);
}

/** A table that can grow (`append`) or be redrawn (`replace`); it shows `empty` while it has no rows. */
export function growingTable(headers, empty = "Nothing here yet.") {
  const body = h("tbody");
  const wrap = h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))), body));
  const none = h("p", { class: "empty" }, empty);
  const node = h("div", { class: "list" }, none);
  const show = () => node.replaceChildren(body.children.length ? wrap : none);
  // Each cell names its column, so that narrow screens can show a row as a card of "label: value" (pages.css).
  const label = (rows) => {
    for (const row of rows) [...row.children].forEach((cell, i) => headers[i] && (cell.dataset.label = headers[i]));
    return rows;
  };
  return {
    node,
    append(rows) {
      body.append(...label(rows));
      show();
    },
    replace(rows) {
      body.replaceChildren(...label(rows));
      show();
    },
  };
}

// ---- routes: `#VIEW[/ID][?FILTERS]` ------------------------------------------------------------------

/** The route a location hash names: `{view, id, params, query}` (`query` is the filters, normalised). */
export function parseRoute(hash) {
  const raw = String(hash || "").replace(/^#/, "");
  const [path, search = ""] = raw.split("?", 2);
  const [view, ...rest] = path.split("/");
  const params = new URLSearchParams(search);
  params.sort();
  const id = rest.length ? decodeURIComponent(rest.join("/")) : null;
  return { view: view || "sessions", id: id || null, params, query: params.toString() };
}

/** The hash of a route; empty filter values are left out. */
export function routeHash(view, id = null, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  q.sort();
  const query = q.toString();
  return `#${view}${id ? `/${encodeURIComponent(id)}` : ""}${query ? `?${query}` : ""}`;
}

/** A link to a route of the console: a real `<a href="#...">`, so it can be opened in a new tab or copied. */
export function routeLink(text, view, id = null, params = {}, attrs = {}) {
  return h("a", { href: routeHash(view, id, params), ...attrs }, text);
}

/**
 * A destructive button that asks first: the first click turns it into "label?" with "Yes" and "No", and only
 * "Yes" runs `action`. (F13: "Cancel" cancelled a session in one click.)
 */
export function confirmButton(label, question, action, name = label) {
  const box = h("span", { class: "confirm" });
  const idle = () =>
    box.replaceChildren(
      h("button", { class: "btn btn-small btn-danger", type: "button", "aria-label": name, dataset: { action: "ask" }, onclick: ask }, label),
    );
  function ask() {
    const yes = h("button", { class: "btn btn-small btn-danger", type: "button", "aria-label": `Yes: ${name}`, dataset: { action: "confirm" }, onclick: run }, "Yes");
    const no = h("button", { class: "btn btn-small", type: "button", dataset: { action: "keep" }, onclick: idle }, "No");
    box.replaceChildren(h("span", { class: "confirm-question" }, question), " ", yes, " ", no);
    no.focus();
  }
  async function run() {
    for (const b of box.querySelectorAll("button")) b.disabled = true;
    try {
      await action();
    } finally {
      if (box.isConnected) idle();
    }
  }
  idle();
  return box;
}

/** Below 900 px a detail sits under its list (pages.css `.split`): bring it into view when it opens. */
export function revealOnNarrow(panel) {
  if (window.matchMedia("(max-width: 900px)").matches) panel.scrollIntoView({ block: "start" });
}
