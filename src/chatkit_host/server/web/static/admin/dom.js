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
  return {
    node,
    append(rows) {
      body.append(...rows);
      show();
    },
    replace(rows) {
      body.replaceChildren(...rows);
      show();
    },
  };
}
