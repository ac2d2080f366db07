// The composer's pop-up menus: "@" searches entities (ChatKit's `entities.onTagSearch`, the picked entity
// becomes a tag sent as an `input_tag` part) and "/" searches commands (`commands.onSearch`/`onSelect`,
// whose answer is an entity to insert, another menu, or nothing). Keyboard: arrows, Enter/Tab, Escape.
import { icon } from "./icons.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

let counter = 0;

export class Mentions {
  constructor(composer, host) {
    this.composer = composer;
    this.host = host;
    this.id = `ck-menu-${(counter += 1)}`;
    this.list = el("ul", "ck-menu");
    this.list.id = this.id;
    this.list.setAttribute("role", "listbox");
    this.list.hidden = true;
    this.button = el("button", "ck-icon-btn ck-mention-btn", "@");
    this.button.type = "button";
    this.button.hidden = true;
    this.button.addEventListener("click", () => {
      this.composer.insertText("@");
      this.composer.textarea.focus();
      this.onInput();
    });
    this.results = [];
    this.active = -1;
    this.trigger = null; // {char, start, end}
    this.seq = 0;
  }

  configure(t) {
    this.t = t;
    const entities = this.host.entities ? this.host.entities() : {};
    this.button.hidden = !(entities.showComposerMenu && typeof entities.onTagSearch === "function");
    this.button.setAttribute("aria-label", t("mention"));
    this.button.title = t("mention");
    const box = this.composer.textarea;
    box.setAttribute("aria-controls", this.id);
    box.setAttribute("aria-autocomplete", "list");
  }

  /** What the text before the caret asks for: "@query" or "/query" (a word of its own). */
  onInput() {
    const box = this.composer.textarea;
    const caret = box.selectionStart ?? box.value.length;
    const m = /(^|\s)([@/])([^\s@/]{0,80})$/.exec(box.value.slice(0, caret));
    const entities = this.host.entities ? this.host.entities() : {};
    const commands = this.host.commands ? this.host.commands() : {};
    const wanted = m && (m[2] === "@" ? typeof entities.onTagSearch === "function" : commands.enabled && typeof commands.onSearch === "function");
    if (!wanted) return this.close();
    this.trigger = { char: m[2], start: caret - m[3].length - 1, end: caret };
    this.search(m[2], m[3]);
  }

  async search(char, query) {
    const seq = (this.seq += 1);
    let results;
    try {
      results = char === "@" ? await this.host.entities().onTagSearch(query) : await this.host.commands().onSearch(query);
    } catch (error) {
      this.host.log("composer.search.failed", { trigger: char, message: String(error && error.message) });
      results = [];
    }
    if (seq !== this.seq || !this.trigger) return;
    this.show(Array.isArray(results) ? results : [], char);
  }

  show(results, kind) {
    this.results = results.map((r) => ({ kind, value: r }));
    this.active = this.results.length ? 0 : -1;
    let group = null;
    const nodes = [];
    this.results.forEach((result, i) => {
      const r = result.value;
      if (r.group && r.group !== group) {
        group = r.group;
        const heading = el("li", "ck-menu-group", group);
        heading.setAttribute("role", "presentation");
        nodes.push(heading);
      }
      const option = el("li", "ck-menu-option");
      option.id = `${this.id}-${i}`;
      option.setAttribute("role", "option");
      option.dataset.index = String(i);
      if (r.icon) {
        const glyph = icon(String(r.icon));
        glyph.dataset.icon = String(r.icon);
        option.append(glyph);
      }
      option.append(el("span", "ck-menu-label", r.title ?? r.label ?? r.id));
      if (r.description) option.append(el("span", "ck-menu-description", r.description));
      option.addEventListener("mousedown", (e) => e.preventDefault()); // keep the textarea focused
      option.addEventListener("click", () => this.choose(i));
      nodes.push(option);
    });
    if (!nodes.length) nodes.push(el("li", "ck-menu-empty", this.t("noResults")));
    this.list.replaceChildren(...nodes);
    this.list.hidden = false;
    this.composer.textarea.setAttribute("aria-expanded", "true");
    this.highlight();
  }

  highlight() {
    for (const option of this.list.querySelectorAll(".ck-menu-option")) {
      option.setAttribute("aria-selected", String(Number(option.dataset.index) === this.active));
    }
    const box = this.composer.textarea;
    if (this.active >= 0) box.setAttribute("aria-activedescendant", `${this.id}-${this.active}`);
    else box.removeAttribute("aria-activedescendant");
  }

  close() {
    this.seq += 1;
    this.trigger = null;
    this.results = [];
    this.list.hidden = true;
    this.list.replaceChildren();
    this.composer.textarea.setAttribute("aria-expanded", "false");
    this.composer.textarea.removeAttribute("aria-activedescendant");
  }

  /** Keys for the open menu; true when the key was the menu's. */
  handleKey(e) {
    if (this.list.hidden) return false;
    const n = this.results.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (n) this.active = (this.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.highlight();
      return true;
    }
    if ((e.key === "Enter" || e.key === "Tab") && this.active >= 0) {
      e.preventDefault();
      this.choose(this.active);
      return true;
    }
    if (e.key === "Escape") {
      e.preventDefault();
      this.close();
      return true;
    }
    return false;
  }

  /** Removes the "@query" / "/query" the user typed, then inserts the entity or runs the command. */
  async choose(i) {
    const result = this.results[i];
    if (!result) return;
    const box = this.composer.textarea;
    if (this.trigger) box.value = box.value.slice(0, this.trigger.start) + box.value.slice(this.trigger.end);
    const keep = this.trigger;
    this.close();
    if (result.kind === "@") {
      this.composer.addTag(result.value);
      return;
    }
    let selection;
    try {
      selection = await this.host.commands().onSelect?.(result.value);
    } catch (error) {
      this.host.log("composer.command.failed", { commandId: result.value.id, message: String(error && error.message) });
      return;
    }
    if (selection && selection.type === "entity" && selection.entity) this.composer.addTag(selection.entity);
    else if (selection && selection.type === "menu" && Array.isArray(selection.commands)) {
      this.trigger = { char: "/", start: keep.start, end: keep.start };
      this.show(selection.commands, "/");
    }
    this.composer.refresh();
  }
}
