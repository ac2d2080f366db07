// The conversation list: titles, open, rename, delete, paging.
import { icon } from "./icons.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export class ThreadList {
  /** @param {{request: Function, onOpen: Function, onDeleted: Function, onError: Function, t: Function}} host */
  constructor(host) {
    this.host = host;
    this.threads = [];
    this.after = null;
    this.hasMore = false;
    this.activeId = null;
    this.options = { enabled: true, showDelete: true, showRename: true };
    this.node = el("nav", "ck-history");
    this.heading = el("h2", "ck-history-title");
    this.list = el("ul", "ck-thread-list");
    this.more = el("button", "ck-more");
    this.more.type = "button";
    this.more.addEventListener("click", () => this.load(false));
    this.empty = el("p", "ck-empty");
    this.node.append(this.heading, this.list, this.empty, this.more);
  }

  configure(options, t) {
    this.options = { enabled: true, showDelete: true, showRename: true, ...(options || {}) };
    this.t = t;
    this.node.setAttribute("aria-label", t("history"));
    this.heading.textContent = t("history");
    this.more.textContent = t("loadMore");
    this.empty.textContent = t("noThreads");
  }

  async load(reset = true) {
    if (!this.options.enabled) return;
    try {
      const page = await this.host.request("threads.list", { limit: 20, order: "desc", ...(reset || !this.after ? {} : { after: this.after }) });
      this.threads = reset ? page.data : [...this.threads, ...page.data];
      this.after = page.after ?? (page.data.length ? page.data[page.data.length - 1].id : null);
      this.hasMore = Boolean(page.has_more);
      this.render();
    } catch (error) {
      this.host.onError(error);
    }
  }

  /** Adds or updates one thread (from thread.created / thread.updated) without a round trip. */
  upsert(thread) {
    const index = this.threads.findIndex((t) => t.id === thread.id);
    const meta = { ...thread, items: undefined };
    if (index === -1) this.threads.unshift(meta);
    else this.threads[index] = { ...this.threads[index], ...meta };
    this.render();
  }

  setActive(id) {
    this.activeId = id;
    this.render();
  }

  clear() {
    this.threads = [];
    this.after = null;
    this.hasMore = false;
    this.render();
  }

  render() {
    const t = this.t;
    if (!t) return;
    this.list.replaceChildren(...this.threads.map((thread) => this.renderEntry(thread)));
    this.empty.hidden = this.threads.length > 0;
    this.more.hidden = !this.hasMore;
  }

  renderEntry(thread) {
    const t = this.t;
    const li = el("li", "ck-thread-entry");
    li.dataset.threadId = thread.id;
    if (thread.id === this.activeId) li.classList.add("ck-active");
    const open = el("button", "ck-thread-open", thread.title || t("untitled"));
    open.type = "button";
    if (thread.id === this.activeId) open.setAttribute("aria-current", "true");
    open.addEventListener("click", () => this.host.onOpen(thread.id));
    li.append(open);
    const tools = el("div", "ck-thread-tools");
    if (this.options.showRename) {
      const rename = el("button", "ck-icon-btn");
      rename.append(icon("pencil"));
      rename.type = "button";
      rename.setAttribute("aria-label", `${t("rename")}: ${thread.title || t("untitled")}`);
      rename.title = t("rename");
      rename.dataset.action = "rename";
      rename.addEventListener("click", () => this.startRename(li, thread));
      tools.append(rename);
    }
    if (this.options.showDelete) {
      const del = el("button", "ck-icon-btn");
      del.append(icon("trash"));
      del.type = "button";
      del.setAttribute("aria-label", `${t("delete")}: ${thread.title || t("untitled")}`);
      del.title = t("delete");
      del.dataset.action = "delete";
      del.addEventListener("click", () => this.confirmDelete(li, thread));
      tools.append(del);
    }
    li.append(tools);
    return li;
  }

  startRename(li, thread) {
    const t = this.t;
    const form = el("form", "ck-rename");
    const input = el("input", "ck-rename-input");
    input.value = thread.title || "";
    input.setAttribute("aria-label", t("renameLabel"));
    input.maxLength = 200;
    const save = el("button", "ck-small-btn", t("save"));
    save.type = "submit";
    const cancel = el("button", "ck-small-btn", t("cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", () => this.render());
    input.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.render();
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const title = input.value.trim();
      if (!title) return;
      try {
        const updated = await this.host.request("threads.update", { thread_id: thread.id, title });
        this.upsert(updated);
        this.host.onRenamed(updated);
      } catch (error) {
        this.host.onError(error);
        this.render();
      }
    });
    form.append(input, save, cancel);
    li.replaceChildren(form);
    input.focus();
    input.select();
  }

  confirmDelete(li, thread) {
    const t = this.t;
    const box = el("div", "ck-confirm");
    box.setAttribute("role", "group");
    box.append(el("span", null, t("confirmDelete")));
    const yes = el("button", "ck-small-btn ck-danger", t("delete"));
    yes.type = "button";
    yes.dataset.action = "confirm-delete";
    const no = el("button", "ck-small-btn", t("cancel"));
    no.type = "button";
    no.addEventListener("click", () => this.render());
    yes.addEventListener("click", async () => {
      try {
        await this.host.request("threads.delete", { thread_id: thread.id });
        this.threads = this.threads.filter((x) => x.id !== thread.id);
        this.render();
        this.host.onDeleted(thread.id);
      } catch (error) {
        this.host.onError(error);
        this.render();
      }
    });
    box.append(yes, no);
    li.replaceChildren(box);
    no.focus();
  }
}
