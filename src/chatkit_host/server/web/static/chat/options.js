// ChatKitOptions as the element reads them: per-name defaults, when `api` really changed, the theme as
// CSS custom properties, web fonts the page names, and the options this element cannot honour.

/**
 * Defaults where the two element names differ. `<openai-chatkit>` follows the defaults documented in
 * `@openai/chatkit`'s types/index.d.ts (a drop-in must behave like the element it replaces); the older
 * `<chatkit-host-chat>` keeps the defaults its pages were written against.
 */
export const DEFAULTS = {
  "openai-chatkit": {
    threadItemActions: { feedback: false, retry: false },
    autoScroll: false,
    threadTitleFirst: false,
    english: { greeting: "What can I help with today?", placeholder: "Message the AI" },
  },
  "chatkit-host-chat": { threadItemActions: { feedback: true, retry: true }, autoScroll: true, threadTitleFirst: true, english: {} },
};

function shape(value) {
  return JSON.stringify(value ?? null, (key, v) => (typeof v === "function" ? `fn:${key}` : v));
}

function functions(api) {
  return Object.values(api || {}).filter((v) => typeof v === "function");
}

/**
 * Whether `next` options point the element at another backend or session (start over) rather than
 * re-render the same one. `@openai/chatkit-react` rebuilds the whole options object, with new function
 * wrappers that call the page's latest functions, whenever any option changes: a theme switch then brings
 * a new `api` whose functions are new but mean the same, and must not restart the chat. So:
 * - the same `api` object: the same session;
 * - other `api` values (url, domainKey, uploadStrategy): start over;
 * - a new `api` object with the very same functions (the playground starting a new session): start over;
 * - new functions and other options changed too (a React re-render): the same session, new functions;
 * - new functions and nothing else changed (a page handing over a new session's fetch): start over.
 */
export function apiChanged(previous, next) {
  if (!previous) return true;
  if (previous.api === next.api) return false;
  if (shape(previous.api) !== shape(next.api)) return true;
  const before = functions(previous.api);
  const after = functions(next.api);
  if (before.length === after.length && before.every((fn, i) => fn === after[i])) return true;
  const rest = (o) => shape({ ...o, api: undefined });
  return rest(previous) === rest(next);
}

const RADIUS = { pill: "20px", round: "12px", soft: "8px", sharp: "0px" };
const GAP = { compact: "8px", normal: "12px", spacious: "16px" };
const BASE_SIZES = new Set([14, 15, 16, 17, 18]);
const CSS_COLOR = /^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla|oklch|oklab|lab|lch)\([0-9.,%\s/+-]+\)|[a-zA-Z]{3,20})$/;
// A font family list as CSS writes it: names, quoted names, commas. Nothing that could close the declaration.
const FONT_FAMILY = /^[\w\s"',.-]{1,300}$/;

function color(value) {
  return typeof value === "string" && CSS_COLOR.test(value.trim()) ? value.trim() : null;
}

/** Grayscale palette from a hue, a tint step (0-9: how much of the hue shows) and a shade step (-4..4). */
function grayscale({ hue = 220, tint = 0, shade = 0 } = {}, scheme) {
  const h = Math.max(0, Math.min(360, Number(hue) || 0));
  const s = Math.max(0, Math.min(9, Number(tint) || 0)) * 3;
  const d = Math.max(-4, Math.min(4, Number(shade) || 0)) * 1.5;
  const l = (light, dark) => `${scheme === "dark" ? dark - d : light - d}%`;
  return {
    "--ck-bg": `hsl(${h} ${s}% ${l(100, 10)})`,
    "--ck-surface": `hsl(${h} ${s}% ${l(96, 14)})`,
    "--ck-surface-2": `hsl(${h} ${s}% ${l(92, 19)})`,
    "--ck-border": `hsl(${h} ${s}% ${l(86, 25)})`,
    "--ck-muted": `hsl(${h} ${Math.min(s, 15)}% ${l(38, 68)})`,
  };
}

/** Applies `theme` (a ColorScheme string or a ThemeOption) to the element's root node. */
export function applyTheme(root, theme) {
  const t = typeof theme === "string" ? { colorScheme: theme } : theme || {};
  const scheme = t.colorScheme === "dark" ? "dark" : "light";
  root.dataset.scheme = scheme;
  root.dataset.density = GAP[t.density] ? t.density : "normal";
  root.dataset.radius = RADIUS[t.radius] ? t.radius : "round";
  const vars = { "--ck-radius": RADIUS[root.dataset.radius], "--ck-gap": GAP[root.dataset.density] };
  const c = t.color || {};
  if (c.grayscale) Object.assign(vars, grayscale(c.grayscale, scheme));
  const surface = c.surface || {};
  if (color(surface.background)) vars["--ck-bg"] = color(surface.background);
  if (color(surface.foreground)) vars["--ck-text"] = color(surface.foreground);
  const accent = c.accent && color(c.accent.primary);
  if (accent) {
    vars["--ck-accent"] = accent;
    // `level` (0-3) is how strongly the accent tints the surfaces it marks: the user's bubbles here.
    const level = Math.max(0, Math.min(3, Number(c.accent.level) || 0));
    vars["--ck-user-bg"] = `color-mix(in srgb, ${accent} ${10 + level * 8}%, var(--ck-bg))`;
  }
  const type = t.typography || {};
  if (BASE_SIZES.has(type.baseSize)) vars["font-size"] = `${type.baseSize}px`;
  if (typeof type.fontFamily === "string" && FONT_FAMILY.test(type.fontFamily)) vars["font-family"] = type.fontFamily;
  if (typeof type.fontFamilyMono === "string" && FONT_FAMILY.test(type.fontFamilyMono)) vars["--ck-font-mono"] = type.fontFamilyMono;
  for (const name of [...root.style]) root.style.removeProperty(name);
  for (const [name, value] of Object.entries(vars)) root.style.setProperty(name, value);
  loadFonts(type.fontSources);
  return scheme;
}

const loadedFonts = new Set();

/** Registers the page's `fontSources` (FontFace objects live on the document and apply inside shadow roots). */
function loadFonts(sources) {
  if (!Array.isArray(sources) || typeof FontFace !== "function") return;
  for (const source of sources) {
    if (!source || typeof source.family !== "string" || typeof source.src !== "string") continue;
    const key = JSON.stringify(source);
    if (loadedFonts.has(key)) continue;
    loadedFonts.add(key);
    let url;
    try {
      url = new URL(source.src, document.baseURI).href;
    } catch {
      continue;
    }
    const descriptors = {};
    if (source.weight !== undefined) descriptors.weight = String(source.weight);
    if (source.style) descriptors.style = source.style;
    if (source.display) descriptors.display = source.display;
    if (source.unicodeRange) descriptors.unicodeRange = source.unicodeRange;
    const face = new FontFace(source.family, `url(${JSON.stringify(url)})`, descriptors);
    document.fonts.add(face);
    face.load().catch(() => {});
  }
}

/** The fields of ChatKitOptions in @openai/chatkit 1.9.0 (types/index.d.ts), and `onEffect` of the older element. */
const KNOWN = new Set([
  "api", "locale", "theme", "frameTitle", "initialThread", "onClientTool", "header", "history", "startScreen",
  "threadItemActions", "composer", "disclaimer", "entities", "commands", "widgets", "thread", "onEffect",
]);

/**
 * Options this element accepts but cannot honour, as `[path, why]`. Each is reported once per element
 * through `chatkit.log` (`{name: "option.unsupported", data: {option, reason}}`) and listed in docs/ui.md.
 */
export function unsupportedOptions(options, { canRecord = true } = {}) {
  const found = [];
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) found.push([key, "not an option of @openai/chatkit 1.9.0; ignored"]);
  }
  const commands = options.commands;
  if (commands && commands.enabled && typeof commands.onSearch !== "function") {
    found.push(["commands.enabled", "there are no built-in composer commands; the menu lists only what onSearch returns"]);
  }
  const dictation = options.composer && options.composer.dictation;
  if (dictation && dictation.enabled && !canRecord) {
    found.push(["composer.dictation", "this browser cannot record audio (no getUserMedia or MediaRecorder)"]);
  }
  return found;
}
