"""Plots (matplotlib, imported inside each function so ``import groovebox`` stays light).

Figures are made with ``matplotlib.figure.Figure`` directly, not pyplot: they work without a
display (Agg), do not pile up in pyplot's figure list, and show inline in notebooks.
"""

from __future__ import annotations

import numpy as np

from groovebox.errors import GrooveboxError
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
