// The form controls of ChatKit widgets (types/widgets.d.ts of @openai/chatkit 1.9): Input, Textarea, Select,
// Checkbox, RadioGroup, DatePicker, Label and the editable Text, plus reading their values for an action.
// Every value from the server is set as a property or text, never parsed as markup.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

const CONTROL_SIZES = new Set(["3xs", "2xs", "xs", "sm", "md", "lg", "xl", "2xl", "3xl"]);
const VARIANTS = new Set(["solid", "soft", "outline", "ghost"]);

/** The id a control gets so that a `Label` with `fieldName` can point at it (unique per rendered widget). */
export function fieldId(ctx, name) {
  return `${ctx.idPrefix}-${String(name || "").replace(/[^\w-]/g, "_")}`;
}

function decorate(node, c, ctx) {
  node.name = String(c.name || "");
  if (c.name) node.id = fieldId(ctx, c.name);
  if (c.disabled) node.disabled = true;
  if (c.required) node.required = true;
  if (CONTROL_SIZES.has(c.size)) node.dataset.size = c.size;
  if (VARIANTS.has(c.variant)) node.dataset.variant = c.variant;
  if (c.pill) node.classList.add("ck-pill");
  if (c.block) node.classList.add("ck-w-block");
  // A field with no visible label is still named for assistive technology.
  node.setAttribute("aria-label", c.placeholder || c.name || "");
}

/** `pattern` is a regular expression the browser checks; one that does not compile is left out. */
function setPattern(node, pattern) {
  if (typeof pattern !== "string" || !pattern) return;
  try {
    new RegExp(pattern, "v");
    node.pattern = pattern;
  } catch {
    /* an invalid pattern would make the browser reject every value */
  }
}

function focusLater(node, c) {
  if (!c.autoFocus && !c.autoSelect) return;
  // After the widget is in the document; focusing a detached field does nothing.
  requestAnimationFrame(() => {
    if (!node.isConnected) return;
    if (c.autoFocus) node.focus({ preventScroll: true });
    if (c.autoSelect && typeof node.select === "function") node.select();
  });
}

export function renderInput(c, ctx) {
  const node = el("input", "ck-w-input");
  decorate(node, c, ctx);
  node.type = ["number", "email", "text", "password", "tel", "url"].includes(c.inputType) ? c.inputType : "text";
  if (c.placeholder) node.placeholder = c.placeholder;
  if (c.defaultValue !== undefined && c.defaultValue !== null) node.value = String(c.defaultValue);
  setPattern(node, c.pattern);
  node.autocomplete = c.allowAutofillExtensions ? "on" : "off";
  focusLater(node, c);
  return node;
}

export function renderTextarea(c, ctx) {
  const node = el("textarea", "ck-w-input");
  decorate(node, c, ctx);
  if (c.placeholder) node.placeholder = c.placeholder;
  if (c.defaultValue !== undefined && c.defaultValue !== null) node.value = String(c.defaultValue);
  const rows = Number(c.rows) > 0 ? Math.min(Number(c.rows), 40) : 3;
  node.rows = rows;
  if (c.autoResize) {
    // Grows with its text up to maxRows (then scrolls), as ChatKit's autoResize does.
    const maxRows = Number(c.maxRows) > 0 ? Number(c.maxRows) : 12;
    node.classList.add("ck-w-autoresize");
    const fit = () => {
      const line = parseFloat(getComputedStyle(node).lineHeight) || 20;
      node.style.height = "auto";
      node.style.height = `${Math.min(node.scrollHeight, line * maxRows + 14)}px`;
    };
    node.addEventListener("input", fit);
    requestAnimationFrame(() => node.isConnected && fit());
  }
  focusLater(node, c);
  return node;
}

export function renderSelect(c, ctx, form) {
  const node = el("select", "ck-w-input ck-w-select");
  decorate(node, c, ctx);
  // The empty choice is the placeholder, and also how a `clearable` select is cleared.
  if (c.placeholder || c.clearable) {
    const opt = el("option", null, c.placeholder || "—");
    opt.value = "";
    node.append(opt);
  }
  for (const o of c.options || []) {
    const opt = el("option", null, o.label);
    opt.value = String(o.value);
    if (o.disabled) opt.disabled = true;
    node.append(opt);
  }
  if (c.defaultValue) node.value = String(c.defaultValue);
  if (c.onChangeAction) node.addEventListener("change", () => ctx.onAction(c.onChangeAction, form || node, node));
  return node;
}

export function renderCheckbox(c, ctx, form) {
  const node = el("label", "ck-w-check");
  const input = el("input");
  input.type = "checkbox";
  input.name = String(c.name || "");
  if (c.name) input.id = fieldId(ctx, c.name);
  input.checked = Boolean(c.defaultChecked);
  if (c.disabled) input.disabled = true;
  if (c.required) input.required = true;
  if (c.onChangeAction) input.addEventListener("change", () => ctx.onAction(c.onChangeAction, form || input, input));
  node.append(input, el("span", null, c.label || ""));
  return node;
}

export function renderRadioGroup(c, ctx, form) {
  const node = el("div", c.direction === "row" ? "ck-w-row ck-w-radios" : "ck-w-col ck-w-radios");
  node.setAttribute("role", "radiogroup");
  if (c.ariaLabel) node.setAttribute("aria-label", c.ariaLabel);
  if (c.required) node.setAttribute("aria-required", "true");
  for (const o of c.options || []) {
    const label = el("label", "ck-w-check");
    const input = el("input");
    input.type = "radio";
    input.name = String(c.name || "");
    input.value = String(o.value);
    input.checked = c.defaultValue === o.value;
    if (c.disabled || o.disabled) input.disabled = true;
    if (c.required) input.required = true;
    if (c.onChangeAction) input.addEventListener("change", () => ctx.onAction(c.onChangeAction, form || input, input));
    label.append(input, el("span", null, o.label));
    node.append(label);
  }
  return node;
}

/** `YYYY-MM-DD` from a date or datetime string (how the server sends DatePicker values), else null. */
function isoDate(value) {
  const m = typeof value === "string" ? /^(\d{4}-\d{2}-\d{2})/.exec(value) : null;
  return m ? m[1] : null;
}

export function renderDatePicker(c, ctx, form) {
  // The browser's own date field: `side` and `align` (where ChatKit opens its popover) have no equivalent.
  const node = el("input", "ck-w-input ck-w-date");
  decorate(node, c, ctx);
  node.type = "date";
  const value = isoDate(c.defaultValue);
  if (value) node.value = value;
  if (isoDate(c.min)) node.min = isoDate(c.min);
  if (isoDate(c.max)) node.max = isoDate(c.max);
  // A native date field has no placeholder; the text still names the field for assistive tech.
  if (c.placeholder) node.title = c.placeholder;
  if (c.onChangeAction) {
    // Outside a form the field alone is sent, so the action still carries the date under its name.
    node.addEventListener("change", () => {
      if (node.value || c.clearable) ctx.onAction(c.onChangeAction, form || node, node);
    });
  }
  return node;
}

/** A Label points at the control named `fieldName` in the same widget. */
export function renderLabel(node, c, ctx) {
  if (c.fieldName) node.htmlFor = fieldId(ctx, c.fieldName);
  return node;
}

/** A Text with `editable`: a text field showing the value, sent under `editable.name` with the form. */
export function renderEditableText(c, ctx) {
  const e = c.editable;
  return renderInput(
    {
      name: e.name,
      defaultValue: c.value,
      placeholder: e.placeholder,
      required: e.required,
      pattern: e.pattern,
      autoFocus: e.autoFocus,
      autoSelect: e.autoSelect,
      allowAutofillExtensions: e.allowAutofillExtensions,
      variant: "ghost",
    },
    ctx,
  );
}

/**
 * The values of a widget form (or of a single field, for a control's change action outside a form), merged
 * into an action's payload the way ChatKit does.
 */
export function formValues(form) {
  if (!form) return {};
  const values = {};
  const fields = form.matches("input, textarea, select") ? [form] : form.querySelectorAll("input, textarea, select");
  for (const field of fields) {
    if (!field.name) continue;
    if (field.type === "checkbox") values[field.name] = field.checked;
    else if (field.type === "radio") {
      if (field.checked) values[field.name] = field.value;
    } else values[field.name] = field.value;
  }
  return values;
}
