// Jupyter widget glue (anywidget), appended to grid.js: the grid draws the model's `view`,
// and every click is a message the kernel applies (groovebox.studio.widget).
function renderWidget({ model, el }) {
  const wrap = h("div", { class: "gb-widget" });
  const bar = h("div", { class: "gb-widget-bar" });
  const title = h("span", { class: "gb-widget-title" });
  const playBtn = h("button", { class: "gb-mini gb-play", "data-action": "play", title: "render and play", text: "▶" });
  const stopBtn = h("button", { class: "gb-mini", "data-action": "stop", title: "stop", text: "■" });
  const err = h("div", { class: "gb-widget-error", "data-role": "error" });
  bar.append(playBtn, stopBtn, title);
  wrap.append(bar);
  el.append(wrap);
  const grid = createGrid(wrap, { send: (msg) => model.send(msg) });
  wrap.append(err);

  let ctx = null, source = null, started = 0, stepS = 0, raf = 0;
  function draw() {
    const v = model.get("view");
    title.textContent = `${v.name} · ${v.bpm} bpm · swing ${v.swing} · ${v.signature}`;
    grid.update(v, { mute: model.get("mute"), solo: model.get("solo") });
    err.textContent = model.get("error");
  }
  function tick() {
    if (!source) return;
    grid.setPlayhead(Math.floor((ctx.currentTime - started) / stepS));
    raf = requestAnimationFrame(tick);
  }
  function stop() {
    if (source) { source.onended = null; source.stop(); source = null; }
    cancelAnimationFrame(raf);
    grid.setPlayhead(null);
    playBtn.classList.remove("on");
  }
  playBtn.addEventListener("click", () => {
    ctx = ctx || new AudioContext();
    ctx.resume();
    playBtn.classList.add("on");
    model.send({ op: "play" });
  });
  stopBtn.addEventListener("click", stop);
  model.on("msg:custom", (msg, buffers) => {
    if (!msg || msg.type !== "audio" || !ctx) return;
    stop();
    const buf = ctx.createBuffer(2, msg.frames, msg.sample_rate);
    for (let c = 0; c < 2; c++) {
      const b = buffers[c];
      buf.copyToChannel(new Float32Array(b.buffer, b.byteOffset, msg.frames), c);
    }
    source = ctx.createBufferSource();
    source.buffer = buf;
    source.connect(ctx.destination);
    started = ctx.currentTime + 0.05;
    stepS = 60 / (msg.bpm * msg.steps_per_beat);
    source.start(started);
    source.onended = stop;
    playBtn.classList.add("on");
    el.dataset.played = String(msg.frames);
    tick();
  });
  model.on("change:view", draw);
  model.on("change:mute", draw);
  model.on("change:solo", draw);
  model.on("change:error", draw);
  draw();
  return () => stop();
}

export default { render: renderWidget };
