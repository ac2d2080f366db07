// A hosted-ChatKit app shaped like openai/openai-chatkit-starter-app, written for this repository's tests:
// the backend route /api/create-session makes the session, the page hands ChatKit `getClientSecret`
// (hosted mode), the workflow calls the client tool `switch_theme`, a widget's `save_fact` action reaches
// `widgets.onAction`, and the page follows `onResponseEnd` and `onThreadChange`. Nothing here knows about
// chatkit-host: index.html's script URL is the only line that does.
//
// `?mode=custom` runs the same app in custom mode (`api.url` + `fetch`), the way an app with its own
// ChatKit backend configures it; the backend's /api/config says where that backend is.
import { StrictMode, useCallback, useMemo, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { ChatKit, useChatKit } from "@openai/chatkit-react";

// What happened, for the test to read (a real app would log or update its own state).
const events = (window.appEvents = []);
const record = (name, detail) => events.push({ name, detail: detail ?? null });

async function createSession(current) {
  const response = await fetch("/api/create-session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ current }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || "Could not create a ChatKit session");
  return body.client_secret;
}

/**
 * Custom mode: the app's own fetch, adding the secret and renewing it once when the backend refuses it.
 * Requests that start together share one session (and one renewal).
 */
function secretFetch() {
  let secret = null;
  let pending = null;
  const obtain = (stale) => {
    if (secret && secret !== stale) return Promise.resolve(secret);
    pending =
      pending ||
      createSession(stale).then((fresh) => {
        secret = fresh;
        pending = null;
        return fresh;
      });
    return pending;
  };
  return async (input, init = {}) => {
    const send = (current) => {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${current}`);
      return fetch(input, { ...init, headers });
    };
    const used = await obtain(null);
    const first = await send(used);
    if (first.status !== 401) return first;
    record("custom.refresh", { status: first.status });
    return send(await obtain(used));
  };
}

function ChatKitPanel({ config }) {
  const [theme, setTheme] = useState("light");
  const [facts, setFacts] = useState([]);
  const chatkitRef = useRef(null);
  const customFetch = useMemo(() => secretFetch(), []);

  const getClientSecret = useCallback(async (current) => {
    record("getClientSecret", { current });
    return createSession(current);
  }, []);

  const api =
    config.mode === "custom"
      ? { url: config.chatkit_api_url, domainKey: config.domain_key, fetch: customFetch }
      : { getClientSecret };

  const chatkit = useChatKit({
    api,
    theme: { colorScheme: theme, radius: "round", color: { accent: { primary: "#0f766e", level: 1 } } },
    startScreen: {
      greeting: "What can I help with today?",
      prompts: [
        { label: "Switch the theme", prompt: "Please switch the theme to dark", icon: "sparkle" },
        { label: "Remember a fact", prompt: "Remember a fact about me", icon: "notebook" },
      ],
    },
    composer: { placeholder: "Ask the starter app" },
    threadItemActions: { feedback: false },
    onClientTool: async ({ name, params }) => {
      record("clientTool", { name, params });
      if (name === "switch_theme" && (params.theme === "dark" || params.theme === "light")) {
        setTheme(params.theme);
        document.body.dataset.theme = params.theme;
        return { success: true, theme: params.theme };
      }
      return { success: false };
    },
    widgets: {
      onAction: async (action, widgetItem) => {
        record("widgetAction", { type: action.type, payload: action.payload ?? null, itemId: widgetItem.id });
        if (action.type === "save_fact") {
          setFacts((saved) => [...saved, String(action.payload?.fact ?? "")]);
          await chatkitRef.current.sendCustomAction({ type: "fact.saved", payload: action.payload }, widgetItem.id);
        }
      },
    },
    onReady: () => record("ready"),
    onResponseStart: () => record("responseStart"),
    onResponseEnd: () => record("responseEnd"),
    onThreadChange: ({ threadId }) => record("threadChange", { threadId }),
    onError: ({ error }) => record("error", { message: error?.message ?? String(error) }),
  });
  chatkitRef.current = chatkit;

  return (
    <div className="app">
      <ChatKit control={chatkit.control} className="chat" style={{ height: "100%", width: "100%" }} />
      <aside className="facts" aria-label="Saved facts">
        <h2>Saved facts</h2>
        <ul id="facts">
          {facts.map((fact, i) => (
            <li key={i}>{fact}</li>
          ))}
        </ul>
        <p id="theme">Theme: {theme}</p>
      </aside>
    </div>
  );
}

async function main() {
  const mode = new URLSearchParams(location.search).get("mode") === "custom" ? "custom" : "hosted";
  const config = mode === "custom" ? { mode, ...(await (await fetch("/api/config")).json()) } : { mode };
  createRoot(document.getElementById("root")).render(
    <StrictMode>
      <ChatKitPanel config={config} />
    </StrictMode>,
  );
}

main();
