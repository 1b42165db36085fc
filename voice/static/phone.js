// "Call the shop" from the browser: the microphone goes to the voice gateway over a WebSocket
// (16-bit PCM at the page's sample rate; the gateway resamples it), the bot's 8 kHz audio comes
// back and is scheduled back to back so it plays without gaps. Protocol: voice/browser.py.
"use strict";

(() => {
  const STRINGS = {
    it: {
      title: "Chiama il negozio",
      hint: "Parla dopo il saluto. Puoi interrompere il bot in ogni momento, digitare il numero d'ordine e premere # per inviarlo. Meglio con le cuffie.",
      call: "Chiama",
      hangup: "Riaggancia",
      idle: "Pronto a chiamare.",
      connecting: "Chiamata in corso…",
      connected: "In linea: parla pure.",
      ended: "Chiamata terminata.",
      noMicrophone: "Serve il permesso di usare il microfono.",
      noSpeech: "Riconoscimento vocale italiano non installato (vedi README): la chiamata sarà in inglese.",
      failed: "Il servizio vocale non risponde.",
    },
    en: {
      title: "Call the shop",
      hint: "Speak after the greeting. You can interrupt the bot at any time, key in an order number and press # to send it. Best with headphones.",
      call: "Call",
      hangup: "Hang up",
      idle: "Ready to call.",
      connecting: "Calling…",
      connected: "On the line: go ahead and speak.",
      ended: "Call ended.",
      noMicrophone: "The page needs permission to use the microphone.",
      noSpeech: "English speech recognition is not installed (see README): the call will be in Italian.",
      failed: "The voice service is not answering.",
    },
  };
  const LINE_RATE = 8000;

  // Runs in the audio thread: microphone samples -> 16-bit PCM chunks of about 20 ms.
  const CAPTURE_WORKLET = `
    class Capture extends AudioWorkletProcessor {
      constructor() { super(); this.chunk = []; this.size = Math.round(sampleRate / 50); }
      process(inputs) {
        const samples = inputs[0][0];
        if (samples) {
          for (const sample of samples) this.chunk.push(Math.max(-1, Math.min(1, sample)) * 0x7fff);
          if (this.chunk.length >= this.size) {
            this.port.postMessage(Int16Array.from(this.chunk).buffer);
            this.chunk = [];
          }
        }
        return true;
      }
    }
    registerProcessor("capture", Capture);`;

  const page = {
    languageButtons: document.querySelectorAll(".phone__language"),
    status: document.querySelector(".phone__status"),
    captions: document.querySelector(".phone__captions"),
    keys: document.querySelectorAll(".phone__keypad button"),
    call: document.querySelector(".phone__call"),
    hangup: document.querySelector(".phone__hangup"),
  };
  let language = navigator.language.startsWith("en") ? "en" : "it";
  let speech = { it: true, en: true };
  let call = null;

  function text(key) {
    return STRINGS[language][key];
  }

  function showStatus(key, state = "ok") {
    page.status.textContent = text(key);
    page.status.dataset.state = state;
  }

  function applyLanguage() {
    document.documentElement.lang = language;
    document.title = text("title");
    document.querySelectorAll("[data-text]").forEach((element) => {
      element.textContent = text(element.dataset.text);
    });
    page.languageButtons.forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.language === language));
    });
    if (!call) showStatus(speech[language] ? "idle" : "noSpeech", speech[language] ? "ok" : "error");
  }

  function setInCall(inCall) {
    page.call.disabled = inCall;
    page.hangup.disabled = !inCall;
    page.keys.forEach((key) => (key.disabled = !inCall));
    page.languageButtons.forEach((button) => (button.disabled = inCall));
  }

  // -- captions ----------------------------------------------------------------------------

  let partial = null;

  function addCaption(who, words, final) {
    if (who === "caller" && !final) {
      if (!partial) {
        partial = document.createElement("p");
        partial.className = "caption caption--caller caption--partial";
        page.captions.append(partial);
      }
      partial.textContent = words;
    } else {
      if (who === "caller" && partial) {
        partial.remove();
        partial = null;
      }
      if (!words) return;
      const line = document.createElement("p");
      line.className = `caption caption--${who}`;
      line.textContent = words;
      page.captions.append(line);
    }
    page.captions.scrollTop = page.captions.scrollHeight;
  }

  // -- bot audio out: 8 kHz PCM frames, scheduled back to back -------------------------------

  class Player {
    constructor(context) {
      this.context = context;
      this.nextStart = 0;
      this.sources = new Set();
    }

    play(buffer) {
      const pcm = new Int16Array(buffer);
      const audio = this.context.createBuffer(1, pcm.length, LINE_RATE);
      const channel = audio.getChannelData(0);
      for (let i = 0; i < pcm.length; i++) channel[i] = pcm[i] / 0x8000;
      const source = this.context.createBufferSource();
      source.buffer = audio;
      source.connect(this.context.destination);
      const now = this.context.currentTime;
      if (this.nextStart < now) this.nextStart = now + 0.06; // a little cushion after a pause
      source.start(this.nextStart);
      this.nextStart += audio.duration;
      this.sources.add(source);
      source.onended = () => this.sources.delete(source);
    }

    clear() {
      this.sources.forEach((source) => source.stop());
      this.sources.clear();
      this.nextStart = 0;
    }
  }

  // -- the call ------------------------------------------------------------------------------

  async function startCall() {
    page.captions.replaceChildren();
    partial = null;
    showStatus("connecting");
    setInCall(true);
    let microphone;
    try {
      microphone = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (error) {
      showStatus("noMicrophone", "error");
      setInCall(false);
      return;
    }
    const context = new AudioContext();
    const workletUrl = URL.createObjectURL(new Blob([CAPTURE_WORKLET], { type: "application/javascript" }));
    await context.audioWorklet.addModule(workletUrl);
    const capture = new AudioWorkletNode(context, "capture");
    context.createMediaStreamSource(microphone).connect(capture);

    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/browser/call`);
    socket.binaryType = "arraybuffer";
    const player = new Player(context);
    call = { socket, context, microphone, player };

    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "start", language, rate: context.sampleRate }));
      capture.port.onmessage = (event) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(event.data);
      };
    };
    socket.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) {
        player.play(event.data);
        return;
      }
      const message = JSON.parse(event.data);
      if (message.type === "ready") showStatus("connected");
      else if (message.type === "caption") addCaption(message.who, message.text, message.final);
      else if (message.type === "clear") player.clear();
      else if (message.type === "hangup") endCall("ended");
      else if (message.type === "error") console.warn("voice gateway:", message.message);
    };
    socket.onerror = () => endCall("failed", "error");
    socket.onclose = () => endCall("ended");
  }

  function endCall(statusKey, state = "ok") {
    if (!call) return;
    const { socket, context, microphone } = call;
    call = null;
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "hangup" }));
      socket.close();
    }
    microphone.getTracks().forEach((track) => track.stop());
    setTimeout(() => context.close(), 1500); // let the goodbye finish playing
    setInCall(false);
    showStatus(statusKey, state);
  }

  function pressKey(key) {
    if (call && call.socket.readyState === WebSocket.OPEN) {
      call.socket.send(JSON.stringify({ type: "dtmf", digit: key }));
    }
  }

  page.call.addEventListener("click", startCall);
  page.hangup.addEventListener("click", () => endCall("ended"));
  page.keys.forEach((key) => key.addEventListener("click", () => pressKey(key.dataset.key)));
  document.addEventListener("keydown", (event) => {
    if (call && "0123456789*#".includes(event.key) && event.key.length === 1) pressKey(event.key);
  });
  page.languageButtons.forEach((button) =>
    button.addEventListener("click", () => {
      language = button.dataset.language;
      applyLanguage();
    })
  );

  setInCall(false);
  applyLanguage();
  fetch("/browser/config")
    .then((response) => response.json())
    .then((config) => {
      speech = config.languages;
      if (!speech[language] && speech[config.default_language]) language = config.default_language;
      if (!speech[language]) language = Object.keys(speech).find((code) => speech[code]) || language;
      applyLanguage();
    })
    .catch(() => showStatus("failed", "error"));
})();
