// A small Markdown renderer that builds DOM nodes directly. Model text only ever becomes Text nodes,
// so no HTML from the model can reach the page: the supported constructs are added as elements we create.
// Supported: fenced and indented-free code blocks, inline code, headings, ordered/unordered lists,
// block quotes, rules, links with safe schemes, bold, italic, strikethrough, hard line breaks.

// chatkit-link: is ChatKit's deeplink scheme: the element turns a click into a `chatkit.deeplink` event.
const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:", "chatkit-link:"]);

/** Returns a URL string when `raw` is an absolute http(s)/mailto URL or a same-origin path, else null. */
export function safeHref(raw) {
  const text = String(raw || "").trim();
  if (!text) return null;
  if (text.startsWith("/") && !text.startsWith("//")) return text;
  if (text.startsWith("#")) return text;
  try {
    const url = new URL(text);
    return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

// Inline constructs, tried in order at each position. Each returns [node, consumedLength] or null.
const INLINE_RULES = [
  function code(src) {
    const m = /^(`+)([\s\S]*?[^`])\1(?!`)/.exec(src);
    if (!m) return null;
    const node = el("code");
    node.textContent = m[2].replace(/^ (.*) $/, "$1");
    return [node, m[0].length];
  },
  function link(src) {
    if (src[0] !== "[" && !(src[0] === "!" && src[1] === "[")) return null;
    const offset = src[0] === "!" ? 1 : 0;
    const m = /^\[([^\]\n]{0,500})\]\(\s*<?([^\s)>]{1,2000})>?(?:\s+"[^"\n]*")?\s*\)/.exec(src.slice(offset));
    if (!m) return null;
    const href = safeHref(m[2]);
    // Images are shown as links: loading a picture from anywhere the model names would leave the server.
    const label = m[1] || m[2];
    if (!href) {
      const span = el("span");
      span.textContent = label;
      return [span, m[0].length + offset];
    }
    const a = el("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.append(...renderInline(label));
    return [a, m[0].length + offset];
  },
  function autolink(src) {
    const m = /^https?:\/\/[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'"]/.exec(src);
    if (!m) return null;
    const href = safeHref(m[0]);
    if (!href) return null;
    const a = el("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.textContent = m[0];
    return [a, m[0].length];
  },
  function strong(src) {
    const m = /^(\*\*|__)(?=\S)([\s\S]*?\S)\1/.exec(src);
    if (!m) return null;
    const node = el("strong");
    node.append(...renderInline(m[2]));
    return [node, m[0].length];
  },
  function strike(src) {
    const m = /^~~(?=\S)([\s\S]*?\S)~~/.exec(src);
    if (!m) return null;
    const node = el("del");
    node.append(...renderInline(m[1]));
    return [node, m[0].length];
  },
  function em(src) {
    const m = /^([*_])(?=\S)([\s\S]*?\S)\1(?![*_\w])/.exec(src);
    if (!m) return null;
    const node = el("em");
    node.append(...renderInline(m[2]));
    return [node, m[0].length];
  },
  function hardBreak(src) {
    const m = /^( {2,}|\\)\n/.exec(src);
    return m ? [el("br"), m[0].length] : null;
  },
  function escape(src) {
    const m = /^\\([\\`*_{}\[\]()#+\-.!~>|])/.exec(src);
    return m ? [document.createTextNode(m[1]), 2] : null;
  },
];

const INLINE_START = /[`\[!h*_~\\ ]/;

/** Renders inline Markdown into an array of nodes. */
export function renderInline(text) {
  const nodes = [];
  let plain = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    let matched = null;
    // Word-internal underscores (snake_case) are text, not emphasis.
    const wordBefore = i > 0 && /\w/.test(text[i - 1]);
    if (INLINE_START.test(ch) && !(ch === "_" && wordBefore) && !(ch === "h" && wordBefore)) {
      const rest = text.slice(i);
      for (const rule of INLINE_RULES) {
        matched = rule(rest);
        if (matched) break;
      }
    }
    if (matched) {
      if (plain) nodes.push(document.createTextNode(plain));
      plain = "";
      nodes.push(matched[0]);
      i += matched[1];
    } else {
      plain += ch;
      i += 1;
    }
  }
  if (plain) nodes.push(document.createTextNode(plain));
  return nodes;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;

function isBlockStart(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || LIST_ITEM.test(line) || QUOTE.test(line);
}

function renderList(lines, start) {
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
    if (current && buffer.length) current.append(...renderBlocks(buffer.join("\n")));
    buffer = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    const m = LIST_ITEM.exec(line);
    if (m && m[1].length <= baseIndent + 1 && /\d/.test(m[2]) === ordered) {
      flush();
      current = el("li");
      list.append(current);
      buffer.push(m[3]);
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
    if (isBlockStart(line)) break;
    buffer.push(line.trim()); // lazy continuation of the item's paragraph
    i += 1;
  }
  flush();
  return [list, i];
}

/** Renders block-level Markdown into an array of nodes. */
export function renderBlocks(text) {
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
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
      const pre = el("pre");
      const code = el("code");
      if (fence[2]) code.dataset.lang = fence[2];
      code.textContent = body.join("\n");
      pre.append(code);
      out.push(pre);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const h = el(`h${Math.min(heading[1].length + 2, 6)}`);
      h.append(...renderInline(heading[2]));
      out.push(h);
      i += 1;
      continue;
    }
    if (RULE.test(line)) {
      out.push(el("hr"));
      i += 1;
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const [list, next] = renderList(lines, i);
      out.push(list);
      i = next;
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        body.push(QUOTE.exec(lines[i])[1]);
        i += 1;
      }
      const quote = el("blockquote");
      quote.append(...renderBlocks(body.join("\n")));
      out.push(quote);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && (para.length === 0 || !isBlockStart(lines[i]))) {
      para.push(lines[i]);
      i += 1;
    }
    const p = el("p");
    p.append(...renderInline(para.join("\n")));
    out.push(p);
  }
  return out;
}

/** Renders Markdown into a fresh container element. */
export function renderMarkdown(text, className = "ck-md") {
  const root = el("div", className);
  root.append(...renderBlocks(text || ""));
  return root;
}
