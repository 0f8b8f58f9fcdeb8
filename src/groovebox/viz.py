"""Plots (matplotlib, imported inside each function so ``import groovebox`` stays light).

Figures are made with ``matplotlib.figure.Figure`` directly, not pyplot: they work without a
display (Agg), do not pile up in pyplot's figure list, and show inline in notebooks.
"""

from __future__ import annotations

import numpy as np

from groovebox.errors import GrooveboxError
from groovebox.generators.song import compose
from groovebox.model.loop import note_name
from groovebox.renderer.sequencer import EventBuffer, NoteBuffer
from groovebox.renderer.soundscape import build_program


def loop_timeline(scape, *, minutes: float | None = None, seconds: float | None = None,
                  seed: int | None = None, sample_rate: int = 48000, width: float = 11.0):
    """Each loop of a soundscape as a row of its repeating events, so the drifting phase shows.

    Events are the ones the engine plays (skipped events are missing, ``choose`` picks are
    labelled by pitch on short timelines). A bar runs from an event's onset to its note-off;
    the paler stretch after it is the release. Drum parts are rows of ticks.

    Parameters
    ----------
    scape : Soundscape
    minutes, seconds : float, optional
        Time span from 0 (default: 3 minutes, or the soundscape's length if shorter).
    seed : int, optional
        Variation seed (default: the soundscape's).
    sample_rate : int
        Rate at which event times are computed (they are shown in seconds).
    width : float
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure  # matplotlib: ~0.7 s to import; only plots pay it

    if minutes is not None and seconds is not None:
        raise GrooveboxError("give minutes or seconds, not both")
    span_s = seconds if seconds is not None else (minutes * 60.0 if minutes is not None else min(180.0, scape.length_s))
    if not (isinstance(span_s, int | float) and 0 < span_s <= 24 * 3600):
        raise GrooveboxError(f"timeline length: expected more than 0 and at most 24 h, got {span_s!r}")
    prog = build_program(scape, sample_rate, seed=seed)
    n_frames = round(span_s * sample_rate)
    loops = scape.loops
    rows = [lp.name for lp in loops] + [d.name for d in scape.drums]
    fig = Figure(figsize=(width, 0.45 * len(rows) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    colors = [f"C{i % 10}" for i in range(len(rows))]

    note_src = next((s for s in prog.sources if hasattr(s, "query_notes")), None)
    if note_src is not None:
        buf = NoteBuffer(4096)
        starts: list[list[float]] = [[] for _ in loops]
        lengths: list[list[float]] = [[] for _ in loops]
        pitches: list[list[float]] = [[] for _ in loops]
        # Windows of a minute keep the buffer small for timelines of any length.
        step = 60 * sample_rate
        for a in range(0, n_frames, step):
            buf.n = 0
            note_src.query_notes(a, min(n_frames, a + step), buf)
            for i in range(buf.n):
                t = int(buf.track[i])
                starts[t].append(buf.sample[i] / sample_rate)
                lengths[t].append(buf.dur[i] / sample_rate)
                pitches[t].append(buf.pitch[i])
        release = prog.patches[:, 3]  # P_RELEASE_S
        for row, lp in enumerate(loops):
            if not starts[row]:
                continue
            rel = float(release[note_src.l_patch[row]])
            y = len(rows) - 1 - row
            on = list(zip(starts[row], lengths[row], strict=True))
            ax.broken_barh([(s, d + rel) for s, d in on], (y - 0.3, 0.6), facecolors=colors[row], alpha=0.25)
            ax.broken_barh(on, (y - 0.3, 0.6), facecolors=colors[row], alpha=0.85)
            single = all(len(v) == 1 and len(v[0].pitches) == 1 for v in lp.variants)
            if len(lp.variants) > 1 and single and span_s <= 240:
                for s, p in zip(starts[row], pitches[row], strict=True):
                    midi = round(69 + 12 * np.log2(p / 440.0))
                    ax.text(s, y + 0.34, note_name(midi), fontsize=6, va="bottom")
    for j, src in enumerate(s for s in prog.sources if hasattr(s, "query")):
        ev = EventBuffer(1 << 16)
        row = len(loops) + j
        y = len(rows) - 1 - row
        times: list[float] = []
        step = 10 * sample_rate
        for a in range(0, n_frames, step):
            ev.n = 0
            src.query(a, min(n_frames, a + step), ev)
            times.extend((ev.sample[: ev.n] / sample_rate).tolist())
        ax.vlines(times, y - 0.3, y + 0.3, colors=colors[row], linewidth=0.6)

    labels = []
    for lp in loops:
        unit = "s" if lp.unit == "s" else " beats"
        labels.append(f"{lp.name}  ({float(lp.period):g}{unit})")
    labels += [f"{d.name}  ({d.pattern.name})" for d in scape.drums]
    ax.set_yticks(range(len(rows)), labels[::-1])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(0, span_s)
    ax.set_xlabel("time (s)")
    ax.set_title(f"{scape.name}: loop timeline (seed {prog.meta['seed']})", loc="left")
    ax.grid(axis="x", alpha=0.3)
    return fig


# --- songs --------------------------------------------------------------------------------------------
def arrangement_text(song, width: int | None = None) -> str:
    """The arrangement as text: sections as columns (name and bars), parts as rows, ``#`` where a
    part plays (a letter: the variation it plays), transitions under the sections."""
    cols = []
    for _i, s in enumerate(song.sections):
        w = max(len(s.name), len(str(s.bars)) + 1, 3)
        cols.append((s, w))
    name_w = max(len(p) for p in (*song.part_names, "section", "bars", "into"))
    lines = ["section".ljust(name_w) + " | " + " ".join(s.name.ljust(w) for s, w in cols),
             "bars".ljust(name_w) + " | " + " ".join(str(s.bars).ljust(w) for s, w in cols)]
    lines.append("-" * len(lines[0]))
    for p in song.parts:
        row = []
        for s, w in cols:
            if p.name in s.parts:
                v = s.vary.get(p.name)
                row.append((v[:w] if v else "#" * w).ljust(w))
            else:
                row.append(" " * w)
        lines.append(p.name.ljust(name_w) + " | " + " ".join(row))
    trans = [",".join(t.kind.replace("reverse_cymbal", "rev").replace("filter_sweep", "sweep")
                      .replace("noise_sweep", "noise") for t in s.transitions) for s, _ in cols]
    if any(trans):
        lines.append("into".ljust(name_w) + " | " + " ".join(t[:w].ljust(w) for t, (_, w) in zip(trans, cols, strict=True)))
    total = song.duration_s
    lines.append(f"{song.title or 'untitled'}: {song.key}, {song.bpm:g} bpm, {len(song.sections)} sections, "
                 f"{song.bars} bars, {int(total // 60)}:{int(total % 60):02d}")
    return "\n".join(line.rstrip() for line in lines)


def arrangement(song, *, figsize=(12, None)):
    """Draw a song's arrangement: sections along time (seconds), parts as rows (a bar where a
    part plays, labelled with its variation), transitions marked at the section lines, and one
    lane per automation (and per transition sweep or drop) below.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure  # plotting only

    score = compose(song)
    parts = list(song.part_names)
    lanes = list(score.lanes)
    n_rows = len(parts) + len(lanes)
    height = figsize[1] or 0.35 * n_rows + 1.8
    fig = Figure(figsize=(figsize[0], height))
    ax = fig.add_subplot(1, 1, 1)
    for st in score.sections:
        s = song.sections[st.index]
        x0, x1 = float(st.start_s), float(st.end_s)
        ax.axvline(x0, color="0.7", lw=0.8)
        ax.text((x0 + x1) / 2, -0.9, s.name, ha="center", va="bottom", fontsize=8)
        for t in s.transitions:
            ax.text(x0, -0.35, t.kind, rotation=0, fontsize=6, color="tab:red", ha="left")
        for r, pn in enumerate(parts):
            if pn in s.parts:
                ax.barh(r, x1 - x0, left=x0, height=0.7, color=f"C{r % 10}", alpha=0.8)
                v = s.vary.get(pn)
                if v:
                    ax.text(x0 + 0.3, r, v, va="center", fontsize=6, color="white")
    for k, lane in enumerate(lanes):
        r = len(parts) + k
        t = [float(x) for x in lane.times_s]
        v = np.asarray(lane.values, float)
        lo, hi = (v.min(), v.max()) if v.max() > v.min() else (v.min() - 1, v.max() + 1)
        y = r + 0.35 - 0.7 * (v - lo) / (hi - lo)
        t = [0.0, *t, float(score.duration_s)]
        y = [y[0], *y, y[-1]]
        ax.plot(t, y, color="k", lw=1)
    ax.set_yticks(range(n_rows), [*parts, *(f"{ln.track}.{ln.param}" for ln in lanes)], fontsize=7)
    ax.set_ylim(n_rows - 0.4, -1.0)
    ax.set_xlim(0, float(score.duration_s))
    ax.set_xlabel("seconds")
    ax.set_title(f"{song.title or 'untitled'} ({song.key}, {song.bpm:g} bpm)")
    fig.tight_layout()
    return fig
