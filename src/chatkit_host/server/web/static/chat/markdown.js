// A small Markdown renderer that builds DOM nodes directly. Model text only ever becomes Text nodes,
// so no HTML from the model can reach the page: the supported constructs are added as elements we create.
// Blocks: fenced code (with a language label and a copy button), headings, GitHub-style tables (with column
// alignment), ordered/unordered/task lists (nested), block quotes, rules, paragraphs. Inline constructs are
// in markdown-inline.js. `updateMarkdown` re-renders a streaming reply block by block: blocks whose source
// did not change keep their DOM nodes, so only the block being written changes between deltas.
import { icon } from "./icons.js";
import { renderInline, safeHref, safeImageSrc } from "./markdown-inline.js";

export { renderInline, safeHref, safeImageSrc };

function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

/** A UI string through `opts.t` when it knows the key, else the English text. */
function say(opts, key, english) {
  const text = opts.t ? opts.t(key) : key;
  return text && text !== key ? text : english;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const TASK = /^\[([ xX])\]\s+/;

/** The cells of a table row: split on `|` that is not escaped, without the outer pipes. */
function tableCells(line) {
  let text = line.trim();
  if (text.startsWith("|")) text = text.slice(1);
  if (text.endsWith("|") && !text.endsWith("\\|")) text = text.slice(0, -1);
  const cells = [];
  let current = "";
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === "\\" && text[i + 1] === "|") {
      current += "|";
      i += 1;
    } else if (text[i] === "|") {
      cells.push(current.trim());
      current = "";
    } else current += text[i];
  }
  cells.push(current.trim());
  return cells;
}

/** Whether lines[i] and lines[i + 1] open a table: a header row and a delimiter row with as many cells. */
function isTableStart(lines, i) {
  const head = lines[i];
  const delimiter = lines[i + 1];
  if (delimiter === undefined || !head.includes("|") || !TABLE_DELIMITER.test(delimiter)) return false;
  return tableCells(head).length === tableCells(delimiter).length;
}

function isBlockStart(lines, i) {
  const line = lines[i];
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || LIST_ITEM.test(line) || QUOTE.test(line) || isTableStart(lines, i);
}

function renderTable(lines, start, opts) {
  const head = tableCells(lines[start]);
  const align = tableCells(lines[start + 1]).map((d) => (d.startsWith(":") && d.endsWith(":") ? "center" : d.endsWith(":") ? "right" : d.startsWith(":") ? "left" : ""));
  const wrap = el("div", "ck-md-table"); // scrolls sideways on a narrow screen instead of squeezing columns
  const table = el("table");
  const row = (cells, tag) => {
    const tr = el("tr");
    head.forEach((_, index) => {
      // GitHub's rule: a short row gets empty cells, a long one loses its extra cells.
      const cell = el(tag);
      if (tag === "th") cell.scope = "col";
      if (align[index]) cell.style.textAlign = align[index];
      cell.append(...renderInline(cells[index] ?? "", opts));
      tr.append(cell);
    });
    return tr;
  };
  const thead = el("thead");
  thead.append(row(head, "th"));
  const tbody = el("tbody");
  let i = start + 2;
  while (i < lines.length && lines[i].trim() && !(FENCE.test(lines[i]) || HEADING.test(lines[i]) || QUOTE.test(lines[i]))) {
    tbody.append(row(tableCells(lines[i]), "td"));
    i += 1;
  }
  table.append(thead, tbody);
  wrap.append(table);
  return [wrap, i];
}

function renderCode(body, lang, opts) {
  const box = el("div", "ck-code");
  const bar = el("div", "ck-code-bar");
  const label = el("span", "ck-code-lang");
  label.textContent = lang || say(opts, "codeLabel", "code");
  const copy = el("button", "ck-code-copy");
  copy.type = "button";
  const copyText = say(opts, "copyCode", "Copy code");
  const text = el("span");
  text.textContent = say(opts, "copy", "Copy");
  copy.setAttribute("aria-label", copyText);
  copy.title = copyText;
  copy.append(icon("copy"), text);
  const pre = el("pre");
  const code = el("code");
  if (lang) code.dataset.lang = lang;
  code.textContent = body;
  copy.addEventListener("click", () => copyCode(copy, text, code, opts));
  bar.append(label, copy);
  pre.append(code);
  box.append(bar, pre);
  return box;
}

async function copyCode(button, text, code, opts) {
  try {
    await navigator.clipboard.writeText(code.textContent);
    button.dataset.copied = "true";
    text.textContent = say(opts, "copied", "Copied");
    setTimeout(() => {
      delete button.dataset.copied;
      text.textContent = say(opts, "copy", "Copy");
    }, 2000);
  } catch {
    // No clipboard (a page served over plain http, or permission refused): select the code instead, so
    // Ctrl+C copies it.
    const selection = window.getSelection();
    if (selection) selection.selectAllChildren(code);
  }
}

function renderList(lines, start, opts) {
  const first = LIST_ITEM.exec(lines[start]);
  const ordered = /\d/.test(first[2]);
  const baseIndent = first[1].length;
  const list = el(ordered ? "ol" : "ul");
  if (ordered) {
    const n = parseInt(first[2], 10);
    if (n !== 1) list.start = n;
  }
  let i = start;
  let current = null;
  let buffer = [];
  const flush = () => {
    if (current && buffer.length) (current.__ckBody || current).append(...renderBlocks(buffer.join("\n"), opts));
    buffer = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    const m = LIST_ITEM.exec(line);
    if (m && m[1].length <= baseIndent + 1 && /\d/.test(m[2]) === ordered) {
      flush();
      current = el("li");
      let text = m[3];
      const task = TASK.exec(text);
      if (task) {
        // A task list item: a checkbox the reader sees but cannot tick (the reply is not a form).
        const box = el("input");
        box.type = "checkbox";
        box.disabled = true;
        box.checked = task[1] !== " ";
        current.classList.add("ck-md-task");
        list.classList.add("ck-md-tasks");
        // The box hangs where the bullet would be; the item's blocks go beside it.
        current.__ckBody = el("div", "ck-md-task-body");
        current.append(box, current.__ckBody);
        text = text.slice(task[0].length);
      }
      list.append(current);
      buffer.push(text);
      i += 1;
      continue;
    }
    if (!line.trim()) {
      // A blank line ends the list unless the next line continues it (indented or another item).
      const next = lines[i + 1];
      if (next !== undefined && (/^\s{2,}\S/.test(next) || (LIST_ITEM.exec(next) || [])[1]?.length <= baseIndent + 1)) {
        buffer.push("");
        i += 1;
        continue;
      }
      break;
    }
    if (/^\s{2,}\S/.test(line) || (m && m[1].length > baseIndent + 1)) {
      buffer.push(line.replace(/^\s{2,4}/, ""));
      i += 1;
      continue;
    }
    if (isBlockStart(lines, i)) break;
    buffer.push(line.trim()); // lazy continuation of the item's paragraph
    i += 1;
  }
  flush();
  return [list, i];
}

/** The top-level blocks of `text`, each with the source lines it came from: [{node, source}]. */
function parseBlocks(text, opts) {
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let i = 0;
  const push = (node, start) => out.push({ node, source: lines.slice(start, i).join("\n") });
  while (i < lines.length) {
    const line = lines[i];
    const start = i;
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const body = [];
      i += 1;
      // An unterminated fence (a reply still streaming) runs to the end of the text.
      while (i < lines.length && !(lines[i].trim().startsWith(marker) && lines[i].trim().replace(/[`~]/g, "") === "")) {
        body.push(lines[i]);
        i += 1;
      }
      i += 1;
      push(renderCode(body.join("\n"), fence[2], opts), start);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const h = el(`h${Math.min(heading[1].length + 2, 6)}`);
      h.append(...renderInline(heading[2], opts));
      i += 1;
      push(h, start);
      continue;
    }
    if (RULE.test(line)) {
      i += 1;
      push(el("hr"), start);
      continue;
    }
    if (isTableStart(lines, i)) {
      const [table, next] = renderTable(lines, i, opts);
      i = next;
      push(table, start);
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const [list, next] = renderList(lines, i, opts);
      i = next;
      push(list, start);
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        body.push(QUOTE.exec(lines[i])[1]);
        i += 1;
      }
      const quote = el("blockquote");
      quote.append(...renderBlocks(body.join("\n"), opts));
      push(quote, start);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && (para.length === 0 || !isBlockStart(lines, i))) {
      para.push(lines[i]);
      i += 1;
    }
    const p = el("p");
    p.append(...renderInline(para.join("\n"), opts));
    push(p, start);
  }
  return out;
}

/** Renders block-level Markdown into an array of nodes. */
export function renderBlocks(text, opts = {}) {
  return parseBlocks(text, opts).map((b) => b.node);
}

/**
 * Renders Markdown into a fresh container element.
 * @param {string} text
 * @param {string} [className]
 * @param {{t?: Function, serverUrl?: string}} [opts] UI strings, and the server images may load from
 */
export function renderMarkdown(text, className = "ck-md", opts = {}) {
  const root = el("div", className);
  updateMarkdown(root, text, opts);
  return root;
}

/**
 * Brings `root` (made by renderMarkdown) up to `text`. Blocks whose source is unchanged keep their nodes
 * (and so their selection, scroll position and hover state); a code block that changed keeps its node and its
 * bar and gets its new text. While a reply streams that is the last block alone, so nothing above it moves.
 */
export function updateMarkdown(root, text, opts = {}) {
  const blocks = parseBlocks(text || "", opts);
  const previous = root.__ckBlocks || [];
  let same = 0;
  while (same < previous.length && same < blocks.length && previous[same].source === blocks[same].source) same += 1;
  for (let i = same; i < blocks.length; i += 1) {
    const old = previous[i];
    const fresh = blocks[i];
    if (old && old.node.classList.contains("ck-code") && fresh.node.classList.contains("ck-code")) {
      growCode(old.node, fresh.node);
      blocks[i] = { node: old.node, source: fresh.source };
    } else if (old) old.node.replaceWith(fresh.node);
    else root.append(fresh.node);
  }
  for (let i = blocks.length; i < previous.length; i += 1) previous[i].node.remove();
  root.__ckBlocks = blocks.map((b, i) => (i < same ? previous[i] : b));
  return root;
}

/** A code block that changed while streaming (more code, or the rest of its language name) keeps its node. */
function growCode(kept, fresh) {
  const label = kept.querySelector(".ck-code-lang");
  const lang = fresh.querySelector(".ck-code-lang").textContent;
  if (label.textContent !== lang) label.textContent = lang;
  const code = kept.querySelector("code");
  const next = fresh.querySelector("code");
  if (next.dataset.lang) code.dataset.lang = next.dataset.lang;
  else delete code.dataset.lang;
  if (code.textContent !== next.textContent) code.textContent = next.textContent;
}
