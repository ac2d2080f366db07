// Defines <openai-chatkit> and <chatkit-host-chat>. Two names cannot share one constructor in
// customElements, so each gets its own trivial subclass of the one element class; they differ only in
// the defaults of options.js DEFAULTS (the drop-in follows OpenAI's documented ones).
import { ChatKitHostElement } from "./element.js";

export class OpenAIChatKitElement extends ChatKitHostElement {}

if (!customElements.get("openai-chatkit")) customElements.define("openai-chatkit", OpenAIChatKitElement);
if (!customElements.get("chatkit-host-chat")) customElements.define("chatkit-host-chat", class extends ChatKitHostElement {});
