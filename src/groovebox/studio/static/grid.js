// groovebox step grid: a row per instrument, a column per step, grouped by beat and bar.
// Shared by the studio page and the Jupyter widget (which appends its own glue to this file),
// so it has no imports. It draws a pattern view (groovebox.studio.edits.pattern_view) and turns
// clicks and keys into edit messages; it never changes the pattern itself: the server (or the
// Python kernel) applies the edit and sends the new view back.
//
// Stable hooks for tests and scripts: each cell has data-track, data-step (0-based) and
// data-state (off, hit, accent, ghost); buttons have data-action.

export const STATES = ["off", "hit", "accent", "ghost"];
const CHAR_STATE = { ".": "off", x: "hit", X: "accent", o: "ghost" };

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}
export { h };

// The state a click or a key gives a cell: plain cycles off > hit > accent > ghost > off;
// shift sets an accent, alt a ghost (and takes it off again when it already is one).
export function nextState(state, { shift = false, alt = false } = {}) {
  if (shift) return state === "accent" ? "off" : "accent";
  if (alt) return state === "ghost" ? "off" : "ghost";
  return STATES[(STATES.indexOf(state) + 1) % STATES.length];
}

// Which step of each track sounds at output frame `frame`, from the timeline segments.
export function stepAt(segments, frame) {
  if (!segments || !segments.length) return null;
  let seg = segments[0];
  for (const s of segments) if (s.anchor_sample <= frame) seg = s;
  const g = seg.anchor_step + Math.floor((frame - seg.anchor_sample) / seg.step_samples);
  return Math.max(g, 0);
}

export function createGrid(root, { send, mixable = true, onSelect = null } = {}) {
  const grid = h("div", { class: "gb-grid", role: "grid", "aria-label": "step grid", "data-playhead": "" });
  const inspector = h("div", { class: "gb-inspector", "data-role": "inspector" });
  root.append(grid, inspector);
  let view = null;
  let mute = [];
  let solo = [];
  let focus = { row: 0, step: 0 };
  let lastG = null;

  function cellOf(row, step) {
    return grid.querySelector(`.gb-row[data-row="${row}"] .gb-cell[data-step="${step}"]`);
  }

  function setFocus(row, step, move = true) {
    if (!view) return;
    const n = view.tracks.length;
    row = Math.max(0, Math.min(n - 1, row));
    const len = view.tracks[row].grid.length;
    step = Math.max(0, Math.min(len - 1, step));
    focus = { row, step };
    for (const c of grid.querySelectorAll(".gb-cell[tabindex='0']")) c.tabIndex = -1;
    const cell = cellOf(row, step);
    if (cell) {
      cell.tabIndex = 0;
      if (move) cell.focus();
    }
    drawInspector();
    if (onSelect) onSelect(focus);
  }

  function edit(track, step, state) {
    send({ op: "cell", track, step, state });
  }

  function onCellClick(ev) {
    const cell = ev.currentTarget;
    const row = Number(cell.closest(".gb-row").dataset.row);
    const step = Number(cell.dataset.step);
    setFocus(row, step);
    edit(cell.dataset.track, step, nextState(cell.dataset.state, { shift: ev.shiftKey, alt: ev.altKey }));
  }

  function onKey(ev) {
    if (!view) return;
    const { row, step } = focus;
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (moves[ev.key]) {
      ev.preventDefault();
      const [dr, ds] = moves[ev.key];
      const len = view.tracks[row].grid.length;
      let s = step + ds;
      if (s < 0) s = len - 1;
      if (s >= len) s = 0;
      setFocus(row + dr, dr ? step : s);
    } else if (ev.key === " " || ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      const cell = cellOf(row, step);
      if (cell) edit(cell.dataset.track, step, nextState(cell.dataset.state, { shift: ev.shiftKey, alt: ev.altKey }));
    } else if (ev.key === "Home") {
      ev.preventDefault();
      setFocus(row, 0);
    } else if (ev.key === "End") {
      ev.preventDefault();
      setFocus(row, view.tracks[row].grid.length - 1);
    }
  }
  grid.addEventListener("keydown", onKey);
  // A focused button also "clicks" on the keyup of space: the keydown already made the edit.
  grid.addEventListener("keyup", (ev) => { if (ev.key === " " && ev.target.classList.contains("gb-cell")) ev.preventDefault(); });

  function trackHead(t, i) {
    const name = t.instrument;
    const muted = mute.includes(name);
    const soloed = solo.includes(name);
    const head = h("div", { class: "gb-head" },
      h("span", { class: "gb-name", text: name.replace(/_/g, " "), title: name }));
    if (mixable) {
      head.append(
        h("button", { class: "gb-mini" + (muted ? " on" : ""), "data-action": "mute", "data-track": name,
          "aria-pressed": String(muted), title: "mute", text: "M",
          onclick: () => send({ op: "mute", track: name, on: !muted }) }),
        h("button", { class: "gb-mini" + (soloed ? " on solo" : ""), "data-action": "solo", "data-track": name,
          "aria-pressed": String(soloed), title: "solo", text: "S",
          onclick: () => send({ op: "solo", track: name, on: !soloed }) }));
    }
    const gain = h("input", { type: "range", min: "-24", max: "6", step: "0.5", value: String(t.gain_db),
      class: "gb-gain", "data-action": "gain", "data-track": name, title: `gain ${t.gain_db} dB`,
      onchange: (e) => send({ op: "track", track: name, gain_db: Number(e.target.value) }) });
    const pan = h("input", { type: "range", min: "-1", max: "1", step: "0.05", value: String(t.pan),
      class: "gb-pan", "data-action": "pan", "data-track": name, title: `pan ${t.pan}`,
      onchange: (e) => send({ op: "track", track: name, pan: Number(e.target.value) }) });
    head.append(gain, pan,
      h("button", { class: "gb-mini gb-remove", "data-action": "remove-track", "data-track": name, title: "remove track",
        text: "×", onclick: () => send({ op: "remove_track", track: name }) }));
    return head;
  }

  function draw() {
    grid.replaceChildren();
    if (!view) return;
    const spb = view.steps_per_beat;
    const bar = view.steps_per_bar;
    // the ruler: beat numbers over the first step of each beat
    const ruler = h("div", { class: "gb-row gb-ruler", "aria-hidden": "true" }, h("div", { class: "gb-head" }));
    const rcells = h("div", { class: "gb-cells" });
    for (let k = 0; k < view.length_steps; k++) {
      const beat = Math.floor((k % bar) / spb) + 1;
      const cls = "gb-tick" + (k % bar === 0 ? " bar-start" : k % spb === 0 ? " beat-start" : "");
      rcells.append(h("span", { class: cls, "data-col": String(k),
        text: k % spb === 0 ? (k % bar === 0 ? `${Math.floor(k / bar) + 1}` : `${beat}`) : "" }));
    }
    ruler.append(rcells);
    grid.append(ruler);
    view.tracks.forEach((t, i) => {
      const row = h("div", { class: "gb-row", role: "row", "data-row": String(i), "data-track": t.instrument });
      if (mute.includes(t.instrument) || (solo.length && !solo.includes(t.instrument))) row.classList.add("silent");
      row.append(trackHead(t, i));
      const cells = h("div", { class: "gb-cells" });
      for (let k = 0; k < t.grid.length; k++) {
        const state = CHAR_STATE[t.grid[k]];
        const lanes = [];
        if (state !== "off") {
          if (t.chance[k] < 100) lanes.push(`${Math.round(t.chance[k])}%`);
          if (t.ratchet[k] > 1) lanes.push(`×${t.ratchet[k]}`);
          if (t.flam[k]) lanes.push("f");
          if (t.nudge[k]) lanes.push(t.nudge[k] > 0 ? "›" : "‹");
        }
        const cls = "gb-cell" + (k % bar === 0 ? " bar-start" : k % spb === 0 ? " beat-start" : "")
          + (lanes.length ? " has-lanes" : "");
        const cell = h("button", {
          class: cls, role: "gridcell", tabindex: "-1", "data-track": t.instrument, "data-step": String(k),
          "data-state": state, "aria-label": `${t.instrument} step ${k + 1}: ${state}`,
          title: lanes.length ? lanes.join(" ") : null,
          onclick: onCellClick,
          onfocus: () => { if (focus.row !== i || focus.step !== k) { focus = { row: i, step: k }; drawInspector(); } },
        });
        if (lanes.length) cell.append(h("small", { text: lanes.join(" ") }));
        cells.append(cell);
      }
      row.append(cells);
      grid.append(row);
    });
    const cell = cellOf(Math.min(focus.row, view.tracks.length - 1), focus.step);
    if (cell) cell.tabIndex = 0;
    else if (grid.querySelector(".gb-cell")) grid.querySelector(".gb-cell").tabIndex = 0;
    if (lastG !== null) setPlayhead(lastG);
  }

  function drawInspector() {
    inspector.replaceChildren();
    if (!view || !view.tracks[focus.row]) return;
    const t = view.tracks[focus.row];
    const k = focus.step;
    if (k >= t.grid.length) return;
    const state = CHAR_STATE[t.grid[k]];
    const title = h("span", { class: "gb-insp-title", text: `${t.instrument.replace(/_/g, " ")} · step ${k + 1} · ${state}` });
    inspector.append(title);
    if (state === "off") {
      inspector.append(h("span", { class: "gb-dim", text: "a rest: set a hit for chance, ratchet, flam and nudge" }));
      return;
    }
    const lane = (name, value) => send({ op: "lane", track: t.instrument, step: k, lane: name, value });
    inspector.append(
      h("label", {}, "chance ", h("input", { type: "number", min: "1", max: "100", step: "1", value: String(t.chance[k]),
        "data-action": "lane-chance", onchange: (e) => lane("chance", Number(e.target.value)) }), "%"),
      h("label", {}, "ratchet ", h("input", { type: "number", min: "1", max: "16", step: "1", value: String(t.ratchet[k]),
        "data-action": "lane-ratchet", onchange: (e) => lane("ratchet", Number(e.target.value)) })),
      h("label", {}, h("input", { type: "checkbox", checked: t.flam[k], "data-action": "lane-flam",
        onchange: (e) => lane("flam", e.target.checked) }), " flam"),
      h("label", {}, "nudge ", h("input", { type: "number", min: "-50", max: "50", step: "1", value: String(t.nudge[k]),
        "data-action": "lane-nudge", onchange: (e) => lane("nudge", Number(e.target.value)) }), "% of a step"));
  }

  // g: steps since the pattern started (null: stopped). Each row lights its own step (polymeter).
  function setPlayhead(g) {
    lastG = g;
    for (const c of grid.querySelectorAll(".now")) c.classList.remove("now");
    if (g === null || !view) {
      grid.dataset.playhead = "";
      grid.dataset.stepCount = "";
      return;
    }
    grid.dataset.playhead = String(g % view.length_steps);
    grid.dataset.stepCount = String(g);
    grid.querySelector(`.gb-tick[data-col="${g % view.length_steps}"]`)?.classList.add("now");
    view.tracks.forEach((t, i) => {
      cellOf(i, g % t.grid.length)?.classList.add("now");
    });
  }

  return {
    element: grid,
    update(newView, mix = {}) {
      const hadFocus = grid.contains(document.activeElement);
      view = newView;
      mute = mix.mute || [];
      solo = mix.solo || [];
      if (view && focus.row >= view.tracks.length) focus.row = Math.max(0, view.tracks.length - 1);
      draw();
      drawInspector();
      if (hadFocus) setFocus(focus.row, focus.step);
    },
    setPlayhead,
    focusCell: setFocus,
    get focus() { return focus; },
  };
}
