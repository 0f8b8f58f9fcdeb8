// Browser audio: the server renders with the engine and streams blocks down /ws/audio; an
// AudioWorklet plays them. The playhead comes from the audio clock (which server frame the
// worklet plays at which AudioContext time).
export class BrowserAudio {
  constructor() {
    this.ctx = null; this.node = null; this.ws = null;
    this.report = null; this.stats = {}; this.active = false; this._captures = [];
  }

  async start() {
    if (this.active) return;
    if (!this.ctx) {
      this.ctx = new AudioContext({ sampleRate: 48000, latencyHint: "interactive" });
      await this.ctx.audioWorklet.addModule("/static/worklet.js");
      this.node = new AudioWorkletNode(this.ctx, "groovebox-stream", { outputChannelCount: [2] });
      this.node.connect(this.ctx.destination);
      this.node.port.onmessage = (e) => this._fromWorklet(e.data);
    }
    await this.ctx.resume();
    this.node.port.postMessage({ reset: true });
    this.ws = new WebSocket(`ws://${location.host}/ws/audio`);
    this.ws.binaryType = "arraybuffer";
    this.ws.onmessage = (e) => { if (e.data instanceof ArrayBuffer) this.node.port.postMessage(e.data, [e.data]); };
    this.ws.onclose = () => { this.active = false; };
    await new Promise((resolve, reject) => { this.ws.onopen = resolve; this.ws.onerror = reject; });
    this.active = true;
  }

  stop() {
    this.active = false;
    this.report = null;
    if (this.ws) { this.ws.onclose = null; this.ws.close(); this.ws = null; }
  }

  latency() {
    return this.ctx ? (this.ctx.outputLatency || 0) + (this.ctx.baseLatency || 0) : 0;
  }

  _fromWorklet(d) {
    if (d.captured) {
      const waiting = this._captures.shift();
      if (waiting) waiting({ frame: d.frame, samples: Array.from(d.captured) });
      return;
    }
    this.stats = d;
    if (!d.started) return;
    this.report = { frame: d.frame, time: d.time };
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ frame: d.frame, latency: this.latency() }));
  }

  // The server frame at the speakers now, from the audio clock (null before any audio played).
  heardFrame() {
    if (!this.active || !this.report || !this.ctx) return null;
    return this.report.frame + (this.ctx.currentTime - this.report.time - this.latency()) * this.ctx.sampleRate;
  }

  // The next n frames the worklet plays, interleaved L/R, with the server frame of the first.
  capture(n) {
    return new Promise((resolve) => { this._captures.push(resolve); this.node.port.postMessage({ capture: n }); });
  }
}
