// ChatKit's `composer.dictation`: a microphone button that records with MediaRecorder, sends the audio to
// the runtime's `input.transcribe` (src/chatkit_host/server/runtime/transcribe.py) and inserts the text.
// The audio goes only to the chat server; the button is hidden where the browser cannot record.
import { icon } from "./icons.js";

const MAX_SECONDS = 120;

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export class Dictation {
  /** @param {{transcribe: Function, insert: Function, notify: Function, t: Function}} host */
  constructor(host) {
    this.host = host;
    this.recorder = null;
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "ck-icon-btn ck-dictate";
    this.button.hidden = true;
    this.button.append(icon("mic"));
    this.button.addEventListener("click", () => (this.recorder ? this.stop() : this.start()));
  }

  static supported() {
    return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && typeof MediaRecorder === "function");
  }

  configure(option, t) {
    this.t = t;
    this.enabled = Boolean(option && option.enabled) && Dictation.supported();
    this.button.hidden = !this.enabled;
    this.label();
  }

  label() {
    if (!this.t) return;
    const key = this.recorder ? "stopDictation" : "dictate";
    this.button.setAttribute("aria-label", this.t(key));
    this.button.title = this.t(key);
    this.button.setAttribute("aria-pressed", String(Boolean(this.recorder)));
  }

  setDisabled(disabled) {
    this.button.disabled = disabled && !this.recorder;
  }

  async start() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      this.host.notify("warning", this.t("microphoneRefused"));
      return;
    }
    const chunks = [];
    const recorder = new MediaRecorder(stream);
    this.recorder = recorder;
    recorder.addEventListener("dataavailable", (e) => e.data.size && chunks.push(e.data));
    recorder.addEventListener("stop", async () => {
      stream.getTracks().forEach((track) => track.stop());
      this.recorder = null;
      this.label();
      const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
      if (!blob.size) return;
      this.button.setAttribute("aria-busy", "true");
      try {
        const result = await this.host.transcribe({ audio_base64: base64(await blob.arrayBuffer()), mime_type: blob.type });
        if (result && result.text) this.host.insert(result.text);
      } catch (error) {
        this.host.notify("danger", (error && error.message) || this.t("streamError"));
      } finally {
        this.button.removeAttribute("aria-busy");
      }
    });
    recorder.start();
    this.timer = setTimeout(() => this.stop(), MAX_SECONDS * 1000);
    this.label();
  }

  stop() {
    clearTimeout(this.timer);
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
  }
}
