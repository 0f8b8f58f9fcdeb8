// AudioWorklet: plays the float32 stereo blocks the studio server streams, in order.
// Each block: int64 first frame, int32 frame count (little-endian), then interleaved L/R floats.
// Reports back which server frame it plays at which audio-clock time, so the page can draw the
// playhead from the audio clock and the server can stay just ahead.
class GrooveboxStream extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];      // {frame, data (Float32Array interleaved), pos (frames used)}
    this.buffered = 0;    // frames queued
    this.started = false;
    this.nextFrame = 0;   // server frame of the next sample out
    this.underruns = 0;
    this.played = 0;
    this.received = 0;
    this.peak = 0;
    this.quanta = 0;
    this.capture = null;  // {want, frame, data}
    this.port.onmessage = (e) => {
      const d = e.data;
      if (d instanceof ArrayBuffer) {
        const view = new DataView(d);
        const frame = Number(view.getBigInt64(0, true));
        const n = view.getInt32(8, true);
        this.queue.push({ frame, data: new Float32Array(d, 12, 2 * n), pos: 0, n });
        this.buffered += n;
        this.received += n;
      } else if (d && d.capture) {
        this.capture = { want: d.capture, frame: null, data: new Float32Array(2 * d.capture), n: 0 };
      } else if (d && d.reset) {
        this.queue = []; this.buffered = 0; this.started = false;
      }
    };
  }

  process(inputs, outputs) {
    const out = outputs[0];
    const L = out[0], R = out[1] || out[0];
    const n = L.length;
    if (!this.started && this.buffered >= 2048) this.started = true;
    let i = 0;
    const first = this.queue.length ? this.queue[0].frame + this.queue[0].pos : this.nextFrame;
    if (this.started) {
      while (i < n && this.queue.length) {
        const b = this.queue[0];
        if (this.capture && this.capture.frame === null) this.capture.frame = b.frame + b.pos;
        const m = Math.min(n - i, b.n - b.pos);
        for (let k = 0; k < m; k++) {
          const l = b.data[2 * (b.pos + k)], r = b.data[2 * (b.pos + k) + 1];
          L[i + k] = l; R[i + k] = r;
          const a = Math.abs(l) > Math.abs(r) ? Math.abs(l) : Math.abs(r);
          if (a > this.peak) this.peak = a;
          const c = this.capture;
          if (c && c.n < c.want) { c.data[2 * c.n] = l; c.data[2 * c.n + 1] = r; c.n++; }
        }
        b.pos += m; i += m; this.buffered -= m; this.played += m;
        this.nextFrame = b.frame + b.pos;
        if (b.pos >= b.n) this.queue.shift();
      }
      if (i < n) { this.underruns++; this.started = this.buffered >= 2048; }
    }
    for (; i < n; i++) { L[i] = 0; R[i] = 0; }
    if (this.capture && this.capture.n >= this.capture.want) {
      this.port.postMessage({ captured: this.capture.data, frame: this.capture.frame });
      this.capture = null;
    }
    if (++this.quanta % 8 === 0) {
      this.port.postMessage({ frame: first, time: currentTime, underruns: this.underruns, played: this.played,
        received: this.received, buffered: this.buffered, peak: this.peak, started: this.started });
      this.peak = 0;
    }
    return true;
  }
}
registerProcessor("groovebox-stream", GrooveboxStream);
