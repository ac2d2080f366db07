// Inline Markdown (code spans, links, images, autolinks, emphasis, strikethrough, breaks, escapes) built as
// DOM nodes. Model text only ever becomes Text nodes; the elements are ones we create, and every URL passes
// safeHref or safeImageSrc first.

import { namedIcon } from "./icons.js";

// chatkit-link: is ChatKit's deeplink scheme: the element turns a click on one into a `chatkit.deeplink` event
// (the dropin-element branch adds that; listed here too so the two branches agree on the scheme).
const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:", "chatkit-link:"]);

/**
 * A URL string when `raw` is an absolute http(s)/mailto/chatkit-link URL, a `#fragment` or a path on the page's own
 * origin, else null. A path is checked by resolving it: browsers read `\` as `/`, so `/\evil.example` (or
 * `/\t/evil.example`, whose tab the URL parser drops) is a link to another host and is refused.
 */
export function safeHref(raw) {
  const text = String(raw || "").trim();
  if (!text) return null;
  if (text.startsWith("#")) return /^#[^\s\\]*$/.test(text) ? text : null;
  if (text.startsWith("/")) {
    try {
      const url = new URL(text, window.location.href);
      return url.origin === window.location.origin && !/[\\\u0000-\u001f]/.test(text) ? url.href : null;
    } catch {
      return null;
    }
  }
  try {
    const url = new URL(text);
    return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Where an image in a reply may be loaded from: a `data:image/...` URL, or the chat server itself (relative
 * paths count from the server). Anything else — a picture on another host — is not loaded: the chat talks to
 * its server only (and the pages' CSP, `img-src 'self' blob: data:`, would block it anyway). Returns
 * `{src}` to draw, `{href}` to offer as a link instead, or null.
 */
export function safeImageSrc(raw, serverUrl) {
  const text = String(raw || "").trim();
  if (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(text)) return { src: text };
  try {
    const server = new URL(serverUrl || window.location.href, window.location.href);
    const url = new URL(text, server);
    if (url.origin === server.origin && !/[\\\u0000-\u001f]/.test(text)) return { src: url.href };
    return url.protocol === "http:" || url.protocol === "https:" ? { href: url.href } : null;
  } catch {
    return null;
  }
}

function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function link(href, children) {
  const a = el("a");
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  a.append(...children);
  return a;
}

function image(alt, target, opts) {
  const img = safeImageSrc(target, opts.serverUrl);
  if (img && img.src) {
    const node = el("img", "ck-md-image");
    node.src = img.src;
    node.alt = alt;
    node.loading = "lazy";
    node.decoding = "async";
    return node;
  }
  // A remote picture is named and linked, not loaded; an unusable one is its alt text.
  if (!img) return document.createTextNode(alt);
  const a = link(img.href, [document.createTextNode(alt || new URL(img.href).hostname)]);
  a.className = "ck-md-image-link";
  a.title = img.href;
  const svg = namedIcon("square-image", { size: 14 });
  if (svg) a.prepend(svg);
  return a;
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
  function linkOrImage(src, opts) {
    if (src[0] !== "[" && !(src[0] === "!" && src[1] === "[")) return null;
    const offset = src[0] === "!" ? 1 : 0;
    // The destination may hold balanced parentheses, as in GitHub's Markdown (`(https://w.org/a_(b))`).
    const m = /^\[([^\]\n]{0,500})\]\(\s*<?((?:[^\s()<>]|\([^\s()<>]*\)){1,4000})>?(?:\s+"[^"\n]*")?\s*\)/.exec(src.slice(offset));
    if (!m) return null;
    const length = m[0].length + offset;
    if (offset) return [image(m[1], m[2], opts), length];
    const href = safeHref(m[2]);
    const label = m[1] || m[2];
    if (!href) {
      const span = el("span");
      span.textContent = label;
      return [span, length];
    }
    return [link(href, renderInline(label, opts)), length];
  },
  function angleAutolink(src) {
    const m = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/.exec(src);
    const href = m && safeHref(m[1]);
    return href ? [link(href, [document.createTextNode(m[1])]), m[0].length] : null;
  },
  function autolink(src) {
    const m = /^https?:\/\/[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'"]/.exec(src);
    const href = m && safeHref(m[0]);
    return href ? [link(href, [document.createTextNode(m[0])]), m[0].length] : null;
  },
  function strongEm(src, opts) {
    const m = /^(\*\*\*|___)(?=\S)([\s\S]*?\S)\1(?![*_])/.exec(src);
    if (!m) return null;
    const em = el("em");
    const strong = el("strong");
    strong.append(...renderInline(m[2], opts));
    em.append(strong);
    return [em, m[0].length];
  },
  function strong(src, opts) {
    const m = /^(\*\*|__)(?=\S)([\s\S]*?\S)\1/.exec(src);
    if (!m) return null;
    const node = el("strong");
    node.append(...renderInline(m[2], opts));
    return [node, m[0].length];
  },
  function strike(src, opts) {
    const m = /^~~(?=\S)([\s\S]*?\S)~~/.exec(src);
    if (!m) return null;
    const node = el("del");
    node.append(...renderInline(m[1], opts));
    return [node, m[0].length];
  },
  function em(src, opts) {
    const m = /^([*_])(?=\S)([\s\S]*?\S)\1(?![*_\w])/.exec(src);
    if (!m) return null;
    const node = el("em");
    node.append(...renderInline(m[2], opts));
    return [node, m[0].length];
  },
  function hardBreak(src) {
    const m = /^( {2,}|\\)\n/.exec(src);
    return m ? [el("br"), m[0].length] : null;
  },
  function escape(src) {
    const m = /^\\([\\`*_{}\[\]()#+\-.!~>|<])/.exec(src);
    return m ? [document.createTextNode(m[1]), 2] : null;
  },
];

const INLINE_START = /[`\[!<h*_~\\ ]/;

/** Renders inline Markdown into an array of nodes. `opts.serverUrl` is where images may load from. */
export function renderInline(text, opts = {}) {
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
        matched = rule(rest, opts);
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
