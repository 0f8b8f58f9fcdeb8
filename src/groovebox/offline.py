"""Offline rendering: drive ``Engine.render_block`` over a timeline into memory or a file.

Files are streamed block by block (memory does not grow with duration) and written atomically.

>>> import groovebox as gb
>>> beat = gb.Pattern.from_grid({"kick": "x...x...", "snare": "....x..."}, bpm=120)
>>> audio = gb.render(beat, bars=1)
>>> audio.sample_rate, audio.samples.shape[1]
(48000, 2)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from groovebox import checks
from groovebox.errors import GrooveboxTypeError
from groovebox.formats.atomic import deferred_signals
from groovebox.io.audio import Audio
from groovebox.io.wav import AudioWriter
from groovebox.model.options import split_options
from groovebox.renderer.engine import Engine
from groovebox.renderer.plan import plan
from groovebox.renderer.program import RenderPlan

DEFAULT_SAMPLE_RATE = 48000
BLOCK_FRAMES = 16384  # offline blocks: big enough that per-call overhead vanishes
END_FADE_S = 0.010  # a render cut mid-sound ends with this fade, never a click
MAX_TAIL_S = 12.0


class PartialRender(KeyboardInterrupt):
    """A render interrupted by Ctrl-C or SIGTERM whose file was kept (``RenderPlan.keep_partial``):
    ``path`` holds ``frames`` valid frames at ``sample_rate``, ending in a short fade."""

    def __init__(self, path: Path, frames: int, sample_rate: int):
        self.path = Path(path)
        self.frames = int(frames)
        self.sample_rate = int(sample_rate)
        super().__init__(f"interrupted; kept {self.seconds:.1f} s in {self.path}")

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def render(
    source,
    *,
    path: str | os.PathLike | None = None,
    subtype: str | None = None,
    block_frames: int = BLOCK_FRAMES,
    progress: bool | None = None,
    **options,
) -> Audio | Path:
    """Render a pattern (or another source) offline.

    Parameters
    ----------
    source : Pattern, str, PathLike, Soundscape, Arrangement or Progression
        A pattern, a library id (``"breaks/funky-drummer"``), a pattern file, or any other
        source :func:`groovebox.renderer.plan.plan` knows.
    path : str or PathLike, optional
        Stream to this file instead of returning audio (format from the suffix; 24-bit WAV by
        default); written atomically.
    subtype : str, optional
        ``"16"``, ``"24"`` or ``"float"`` sample format for files.
    block_frames : int
        Frames per engine call (the output does not depend on it).
    progress : bool, optional
        A progress bar on stderr (default: on a terminal, for renders over 30 s).
    **options
        :class:`~groovebox.model.options.RenderOptions` fields: ``bars``, ``seconds`` (or
        ``minutes``), ``bpm``, ``kit``, ``swing``, ``seed``, ``humanize_ms``,
        ``humanize_velocity``, ``mute``, ``solo``, ``tail``, ``fade_s``, ``sample_rate``.
        Patterns default to 4 bars (or their own length if longer) and ring out after the last
        bar; a bare progression also takes ``gb.arrange`` keywords.

    Returns
    -------
    Audio or Path
        The audio in memory, or the path written.
    """
    opts, extra = split_options(**options)
    block_frames = checks.whole(block_frames, "block_frames", 1, 1 << 20)
    if path is not None and not isinstance(path, str | os.PathLike):
        raise GrooveboxTypeError(f"path: expected a file name, got {path!r}")
    the_plan = plan(source, opts, **extra)
    engine = Engine(opts.sample_rate, max_block=block_frames, **(the_plan.engine_options or {}))
    engine.load(the_plan.program)
    if path is None:
        return Audio(_render_to_memory(engine, the_plan, block_frames), opts.sample_rate,
                     meta={"label": the_plan.label, **the_plan.program.meta})
    return _render_to_file(engine, the_plan, Path(path), subtype, block_frames, progress)


def _blocks(total: int, block: int):
    """Block sizes covering ``total`` frames."""
    done = 0
    while done < total:
        m = min(block, total - done)
        yield m
        done += m


def _fade_out(block: np.ndarray, n_fade: int) -> None:
    n = min(n_fade, len(block))
    if n > 0:
        block[-n:] *= np.linspace(1.0, 0.0, n, dtype=np.float32)[:, None]


INTERRUPT_FADE_S = 0.05  # an interrupted render that keeps its file ends with this fade


def _end_fade(block: np.ndarray, pos: int, total: int, plan: RenderPlan, sample_rate: int) -> None:
    """Fade frames [pos, pos + len(block)) of a timeline of ``total`` frames that ends without a
    tail: a 10 ms linear anti-click fade, or the plan's raised-cosine fade-out if longer. Gains
    depend on the absolute frame only, so the fade may span any number of blocks."""
    n_click = round(END_FADE_S * sample_rate)
    n = max(n_click, plan.fade_frames)
    first = total - n
    lo = max(pos, first)
    hi = min(pos + len(block), total)
    if hi <= lo:
        return
    if n == n_click:
        g = np.linspace(1.0, 0.0, n, dtype=np.float32)[lo - first : hi - first]
    else:
        x = (np.arange(lo - first, hi - first, dtype=np.float64) + 1.0) / n
        g = (0.5 + 0.5 * np.cos(np.pi * x)).astype(np.float32)
    block[lo - pos : hi - pos] *= g[:, None]


def _tail_blocks(engine: Engine, plan: RenderPlan, block_frames: int):
    """Blocks after the timeline until everything has rung out; the last one is trimmed."""
    if not plan.tail:
        return
    limit = round(MAX_TAIL_S * engine.sample_rate)
    done = 0
    while done < limit and not engine.silent:
        m = min(block_frames, limit - done)
        block = engine.render_block(m)
        done += m
        if engine.silent:
            nz = np.flatnonzero(np.any(block != 0.0, axis=1))
            block = block[: nz[-1] + 1] if len(nz) else block[:0]
        elif done >= limit:
            _fade_out(block, round(END_FADE_S * engine.sample_rate))
        yield block


def _render_to_memory(engine: Engine, plan: RenderPlan, block_frames: int) -> np.ndarray:
    main = np.empty((plan.frames, 2), np.float32)
    pos = 0
    for m in _blocks(plan.frames, block_frames):
        engine.render_block(m, main[pos : pos + m])
        pos += m
    tail = list(_tail_blocks(engine, plan, block_frames))
    if not plan.tail:
        _end_fade(main, 0, plan.frames, plan, engine.sample_rate)
    return np.concatenate([main, *tail]) if tail else main


class _Progress:
    """A rich progress bar on a terminal (elapsed, speed in x real time, ETA); silent otherwise."""

    def __init__(self, enabled: bool | None, total_frames: int, sample_rate: int, label: str):
        if enabled is None:
            enabled = sys.stderr.isatty() and total_frames > 30 * sample_rate
        self.enabled = enabled
        self.sample_rate = sample_rate
        self.total = total_frames
        self.label = label
        self.start = time.perf_counter()
        self._bar = None

    def __enter__(self):
        if self.enabled:
            from rich.progress import (  # rich: ~0.08 s to import; only a visible progress bar pays it
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(),
                TextColumn("{task.fields[speed]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                transient=True,
            )  # fmt: skip
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=self.total, speed="")
        return self

    def update(self, frames_done: int) -> None:
        if self._bar is not None:
            wall = max(time.perf_counter() - self.start, 1e-9)
            speed = frames_done / self.sample_rate / wall
            self._bar.update(self._task, completed=frames_done, speed=f"{speed:,.0f}x real time")

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _render_to_file(engine: Engine, plan: RenderPlan, path: Path, subtype, block_frames: int,
                    progress: bool | None) -> Path:
    sr = engine.sample_rate
    # Ctrl-C and SIGTERM only set `signals.stop` while the file is open: the loop stops at the
    # next block and the file is finished (kept shorter, or removed) before the interruption is
    # raised, so no second signal can land inside the clean-up (see formats.atomic).
    with deferred_signals() as signals:
        writer = AudioWriter(path, sr, subtype=subtype, keep_partial=plan.keep_partial)
        try:
            _write_blocks(engine, plan, writer, block_frames, progress, path, signals)
        except _Stopped:
            pass  # the writer removed its file
    if signals.stop:
        signals.deliver(PartialRender(path, writer.frames, sr) if writer.partial else None)
    return path


class _Stopped(Exception):
    """Raised inside the writer to make it remove its file when an interrupted render keeps nothing."""


def _write_blocks(engine: Engine, plan: RenderPlan, writer, block_frames: int, progress, path: Path,
                  signals) -> None:
    sr = engine.sample_rate
    buf = np.empty((2, block_frames, 2), np.float32)
    with writer, _Progress(progress, plan.frames, sr, plan.label or path.name) as bar:
        # A render that keeps its file when interrupted holds the last rendered block back, so
        # the file can end in a short fade instead of a click.
        held = None
        done = 0
        for i, m in enumerate(_blocks(plan.frames, block_frames)):
            if signals.stop:
                break
            block = engine.render_block(m, buf[i % 2, :m])
            if not plan.tail:
                _end_fade(block, done, plan.frames, plan, sr)
            done += m
            if plan.keep_partial:
                ready, held = held, block
                if ready is not None:
                    writer.write(ready)
            else:
                writer.write(block)
            bar.update(done)
        if signals.stop:
            if not plan.keep_partial or held is None:  # nothing worth keeping
                raise _Stopped
            if held is not None:
                _fade_out(held, round(INTERRUPT_FADE_S * sr))
                writer.write(held)
            writer.partial = True
            return
        if held is not None:
            writer.write(held)
        for block in _tail_blocks(engine, plan, block_frames):  # at most MAX_TAIL_S: always finished
            writer.write(block)
