// groovebox studio page: the library, the grid, the transport and the files, over one
// WebSocket (/ws). The server owns the pattern; this page sends messages and draws what the
// server sends back.
import { createGrid, stepAt, h } from "/static/grid.js";
import { BrowserAudio } from "/static/audio.js";

const $ = (sel) => document.querySelector(sel);
const act = (name) => document.querySelector(`[data-action="${name}"]`);

const app = {
  state: null,
  timeline: { playing: false, segments: [] },
  clock: null, // {frame, at}: the server's heard frame, when the page received it
  audio: new BrowserAudio(),
  pending: new Map(),
  nextId: 1,
  ws: null,
};
window.groovebox = app; // for scripts and tests

function status(text, kind = "info") {
  const el = $('[data-role="status"]');
  el.textContent = text;
  el.dataset.kind = kind;
}

// -- the channel ---------------------------------------------------------------------------------
function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws`);
  app.ws = ws;
  ws.onmessage = (e) => onEvent(JSON.parse(e.data));
  ws.onclose = () => { status("disconnected from the studio server; reload when it runs again", "error"); };
  return new Promise((resolve) => { ws.onopen = resolve; });
}

function send(msg) {
  const ref = app.nextId++;
  return new Promise((resolve) => {
    app.pending.set(ref, resolve);
    app.ws.send(JSON.stringify({ ...msg, ref }));
  }).then(async (reply) => {
    if (reply.ok === false && reply.ask) {
      if (window.confirm(reply.ask)) return send({ ...msg, overwrite: true });
      status("not saved", "info");
      return reply;
    }
    if (reply.ok === false) status(reply.error, "error");
    return reply;
  });
}
app.send = send;

function onEvent(ev) {
  if (ev.type === "reply") {
    const resolve = app.pending.get(ev.ref);
    app.pending.delete(ev.ref);
    if (resolve) resolve(ev);
    else if (ev.ok === false) status(ev.error, "error");
  } else if (ev.type === "state") {
    app.state = ev;
    draw();
  } else if (ev.type === "timeline") {
    app.timeline = ev;
    if (!ev.playing) grid.setPlayhead(null);
  } else if (ev.type === "clock") {
    app.clock = { frame: ev.frame, at: performance.now() };
  } else if (ev.type === "message") {
    status(ev.message, /error|cannot|expected|gone|refus/i.test(ev.message) ? "error" : "info");
  }
}

// -- drawing -------------------------------------------------------------------------------------
const grid = createGrid($('[data-role="grid"]'), { send });

function setValue(el, value) {
  if (document.activeElement !== el) el.value = value;
}

function draw() {
  const s = app.state;
  const p = s.pattern;
  grid.update(p, { mute: s.mute, solo: s.solo });
  setValue(act("bpm"), p.bpm);
  setValue(act("swing"), p.swing);
  $('[data-role="swing"]').textContent = `${p.swing}`;
  setValue(act("name"), p.name);
  setValue(act("bars"), Math.ceil(p.bars));
  setValue(act("steps-per-beat"), String(p.steps_per_beat));
  setValue(act("signature"), p.signature);
  setValue(act("genre-field"), p.genre);
  setValue(act("save-name"), s.save_name);
  const kit = act("kit");
  if (kit.options.length !== s.kits.length) kit.replaceChildren(...s.kits.map((k) => h("option", { value: k, text: k })));
  setValue(kit, s.kit);
  setValue(act("audio"), s.audio);
  $('[data-role="audio-where"]').textContent = s.audio_where;
  const add = act("add-instrument");
  const free = s.instruments.filter((i) => !p.tracks.some((t) => t.instrument === i));
  add.replaceChildren(...free.map((i) => h("option", { value: i, text: i.replace(/_/g, " ") })));
  $('[data-role="meta"]').textContent =
    `${p.id || "new"} · ${p.signature} · ${p.length_steps} steps · ${p.genre}`;
  $('[data-role="dirty"]').textContent = s.dirty ? "● unsaved" : "";
  $('[data-role="file"]').textContent = s.file ? `file: ${s.file}` : `saves to ${s.patterns_dir}`;
  act("undo").disabled = !s.can_undo;
  act("undo").title = s.undo ? `undo ${s.undo} (Ctrl+Z)` : "nothing to undo";
  act("redo").disabled = !s.can_redo;
  act("redo").title = s.redo ? `redo ${s.redo} (Ctrl+Shift+Z)` : "nothing to redo";
  act("play").classList.toggle("on", s.playing);
  document.body.dataset.playing = String(s.playing);
  document.body.dataset.preview = s.preview || "";
  for (const li of document.querySelectorAll(".patterns li")) {
    li.classList.toggle("current", li.dataset.id === p.id);
    li.classList.toggle("previewing", li.dataset.id === s.preview);
  }
}

// The frame at the speakers: the browser's own audio clock when it plays the sound, else the
// server's clock messages, carried forward by the page's clock between them.
function heardFrame() {
  const tl = app.timeline;
  if (!tl.playing) return null;
  if (tl.mode === "browser" && app.audio.active) {
    const f = app.audio.heardFrame();
    if (f !== null) return f;
  }
  if (!app.clock) return null;
  return app.clock.frame + ((performance.now() - app.clock.at) / 1000) * tl.sample_rate;
}

// Steps (with the fraction) since the playing pattern started, at the speakers now.
app.heardStep = () => {
  const f = heardFrame();
  const segs = app.timeline.segments;
  if (f === null || !segs || !segs.length) return null;
  const local = f - (app.timeline.origin || 0);
  let seg = segs[0];
  for (const s of segs) if (s.anchor_sample <= local) seg = s;
  return seg.anchor_step + (local - seg.anchor_sample) / seg.step_samples;
};

function frameLoop() {
  const f = heardFrame();
  if (f === null) grid.setPlayhead(null);
  else grid.setPlayhead(stepAt(app.timeline.segments, f - (app.timeline.origin || 0)));
  requestAnimationFrame(frameLoop);
}

// -- the library ---------------------------------------------------------------------------------
let libraryTimer = null;
async function loadLibrary() {
  const q = new URLSearchParams();
  if (act("genre").value) q.set("genre", act("genre").value);
  if (act("search").value) q.set("q", act("search").value);
  const lo = act("bpm-min").value, hi = act("bpm-max").value;
  if (lo || hi) q.set("bpm", `${lo || 20}-${hi || 400}`);
  const r = await (await fetch(`/api/library?${q}`)).json();
  const list = $('[data-role="library"]');
  if (!r.ok) { status(r.error, "error"); return; }
  list.replaceChildren(...r.patterns.map((p) => h("li", { "data-id": p.id, title: p.description },
    h("button", { class: "preview", "data-action": "preview", "data-id": p.id, title: `preview ${p.name}`, text: "▶",
      onclick: () => send({ op: "preview", id: p.id }) }),
    h("button", { class: "load", "data-action": "load", "data-id": p.id, text: p.name,
      onclick: () => send({ op: "load", id: p.id }).then((r) => r.ok && status(`loaded ${p.id}`)) }),
    h("span", { class: "gb-dim", text: `${p.bpm}` }))));
  $('[data-role="library"]').dataset.count = String(r.patterns.length);
  if (app.state) draw();
}

async function loadGenres() {
  const r = await (await fetch("/api/genres")).json();
  act("genre").append(...Object.entries(r.genres).map(([g, n]) => h("option", { value: g, text: `${g} (${n})` })));
}

// -- controls ------------------------------------------------------------------------------------
function wire() {
  act("play").onclick = async () => {
    if (app.state && app.state.audio === "browser") await app.audio.start();
    send({ op: "play" });
  };
  act("stop").onclick = () => send({ op: "stop" });
  act("bpm").onchange = (e) => send({ op: "header", bpm: Number(e.target.value) });
  act("swing").oninput = (e) => { $('[data-role="swing"]').textContent = e.target.value; };
  act("swing").onchange = (e) => send({ op: "header", swing: Number(e.target.value) });
  act("kit").onchange = (e) => send({ op: "header", kit: e.target.value });
  act("audio").onchange = async (e) => {
    if (e.target.value === "browser") await app.audio.start();
    else app.audio.stop();
    send({ op: "audio", mode: e.target.value });
  };
  act("undo").onclick = () => send({ op: "undo" });
  act("redo").onclick = () => send({ op: "redo" });
  act("name").onchange = (e) => send({ op: "header", name: e.target.value });
  act("genre-field").onchange = (e) => send({ op: "header", genre: e.target.value });
  act("signature").onchange = (e) => send({ op: "header", signature: e.target.value });
  act("bars").onchange = (e) => send({ op: "resize", bars: Number(e.target.value) });
  act("steps-per-beat").onchange = (e) => send({ op: "resize", steps_per_beat: Number(e.target.value) });
  act("add-track").onclick = () => { if (act("add-instrument").value) send({ op: "add_track", instrument: act("add-instrument").value }); };
  act("save").onclick = () => send({ op: "save", name: act("save-name").value }).then((r) => r.ok && status(`saved ${r.path}`));
  act("export-wav").onclick = () => exportAs("wav");
  act("export-mid").onclick = () => exportAs("mid");
  act("new").onclick = () => send({ op: "new" });
  act("open").onchange = async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    const r = await send({ op: "open", name: f.name, text: await f.text() });
    if (r.ok) status(`opened ${f.name}`);
    e.target.value = "";
  };
  for (const a of ["genre", "bpm-min", "bpm-max"]) act(a).onchange = loadLibrary;
  act("search").oninput = () => { clearTimeout(libraryTimer); libraryTimer = setTimeout(loadLibrary, 200); };
  document.addEventListener("keydown", (e) => {
    const typing = e.target.matches("input, select, textarea");
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
      if (typing) return;
      e.preventDefault();
      send({ op: e.shiftKey ? "redo" : "undo" });
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y" && !typing) {
      e.preventDefault();
      send({ op: "redo" });
    } else if (e.key === " " && !typing && !e.target.closest(".gb-grid") && e.target.tagName !== "BUTTON") {
      e.preventDefault();
      (app.state && app.state.playing ? act("stop") : act("play")).click();
    }
  });
}

async function exportAs(format) {
  const r = await send({ op: "export", format, name: act("save-name").value });
  if (r.ok) {
    status(`wrote ${r.path}`);
    const a = h("a", { href: r.download, download: "", text: "download" });
    $('[data-role="status"]').append(" ", a);
  }
}

// -- start ---------------------------------------------------------------------------------------
wire();
await connect();
await Promise.all([loadGenres(), loadLibrary()]);
requestAnimationFrame(frameLoop);
document.body.dataset.ready = "true";
