// Entry point of the open chat UI: importing it defines <chatkit-host-chat>.
//
//   <chatkit-host-chat id="chat"></chatkit-host-chat>
//   <script type="module">
//     import "/static/chatkit-ui.js";
//     document.getElementById("chat").setOptions({ api: { url: "/chatkit", fetch: myFetch } });
//   </script>
import { defineChatElement } from "./chat/element.js";

export { ChatApi, ChatApiError } from "./chat/api.js";
export { ChatKitHostElement, defineChatElement } from "./chat/element.js";
export { describeError } from "./chat/errors.js";
export { renderMarkdown } from "./chat/markdown.js";

defineChatElement();
