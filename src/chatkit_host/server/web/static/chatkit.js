/*
 * chatkit.js: chatkit-host's stand-in for the script OpenAI serves from its CDN. A classic script, so
 * `<script src=".../static/chatkit.js" async>` (or Next.js `strategy="beforeInteractive"`) works from any
 * origin; it loads the ES modules beside it, relative to its own URL, and they define <openai-chatkit>
 * (and <chatkit-host-chat>, the same element under its older name). Once they have,
 * `customElements.whenDefined("openai-chatkit")` resolves, which is what @openai/chatkit-react waits for.
 * Nothing is loaded from anywhere but the server this file came from. docs/ui.md has the details.
 */
(function () {
  "use strict";
  if (!window.customElements || customElements.get("openai-chatkit")) return;
  var script = document.currentScript;
  var src = script && script.src;
  if (!src) {
    // Inserted by a loader that runs it outside its own <script> (currentScript is null): find the tag.
    var tags = document.querySelectorAll('script[src*="chatkit.js"]');
    src = tags.length ? tags[tags.length - 1].src : document.baseURI;
  }
  var entry = new URL("./chat/dropin.js", src).href;
  import(entry).catch(function (error) {
    console.error("chatkit.js could not load " + entry, error);
  });
})();
