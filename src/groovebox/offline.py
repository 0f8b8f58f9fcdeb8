"""Offline rendering: drive ``Engine.render_block`` over a timeline into memory or a file.

Files are streamed block by block (memory does not grow with duration) and written atomically.

>>> import groovebox as gb
>>> beat = gb.Pattern.from_grid({"kick": "x...x...", "snare": "....x..."}, bpm=120)
>>> audio = gb.render(beat, bars=1)
>>> audio.sample_rate, audio.samples.shape[1]
(48000, 2)
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from groovebox.audio import Audio
from groovebox.engine import Engine, Program
from groovebox.errors import GrooveboxError
from groovebox.model.pattern import Pattern

DEFAULT_SAMPLE_RATE = 48000
BLOCK_FRAMES = 16384  # offline blocks: big enough that per-call overhead vanishes
END_FADE_S = 0.010  # a render cut mid-sound ends with this fade, never a click
MAX_TAIL_S = 12.0


@dataclass
class RenderPlan:
    """How to render a source: its program, length, and how it ends."""

    program: Program
    frames: int  # frames of the timeline proper
    tail: bool  # after `frames`, let sounding voices ring out (no new events)
    keep_partial: bool = False  # on Ctrl-C keep the file rendered so far
    engine_options: dict | None = None
    label: str = ""
    fade_frames: int = 0  # without a tail: a musical (raised-cosine) fade-out this long at the end


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


def _positive(name: str, value, unit: str, hi: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise GrooveboxError(f"{name}: expected a number of {unit}, got {value!r}") from None
    if not (math.isfinite(v) and 0 < v <= hi):
        raise GrooveboxError(f"{name}: {value!r} is out of range; expected more than 0 and at most {hi:g} {unit}")
    return v


def check_sample_rate(sample_rate) -> int:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or not 8000 <= sample_rate <= 384000:
        raise GrooveboxError(f"sample rate: expected a whole number of Hz in 8000..384000, got {sample_rate!r}")
    return int(sample_rate)


def resolve_pattern(source) -> Pattern:
    """A Pattern from a Pattern, a library id or a path."""
    if isinstance(source, Pattern):
        return source
    if isinstance(source, (str, os.PathLike)):
        from groovebox import library

        return library.load(source)
    raise GrooveboxError(f"cannot render a {type(source).__name__}; expected a Pattern, a pattern id or a .toml path")


def plan_pattern(
    pattern: Pattern,
    *,
    sample_rate: int,
    bars: float | None = None,
    seconds: float | None = None,
    bpm: float | None = None,
    kit=None,
    swing: float | None = None,
    seed: int = 0,
    humanize_ms: float = 0.0,
    humanize_velocity: float = 0.0,
    mute: tuple[str, ...] = (),
    tail: bool = True,
) -> RenderPlan:
    """Plan a pattern render: ``bars`` bars (default: 4, or the pattern's length if longer) or
    ``seconds`` seconds."""
    if bars is not None and seconds is not None:
        raise GrooveboxError("give bars or seconds, not both")
    if seconds is not None:
        seconds = _positive("seconds", seconds, "seconds", 24 * 3600)
        end_step = -1
    else:
        if bars is None:
            bars = max(Fraction(4), Fraction(math.ceil(pattern.bars)))
        bars = _positive("bars", bars, "bars", 100_000)
        end_step = max(1, round(Fraction(bars).limit_denominator(64) * pattern.steps_per_bar))
    program = Engine.program_for(
        pattern, sample_rate, kit=kit, bpm=bpm, swing=swing, seed=seed, humanize_ms=humanize_ms,
        humanize_velocity=humanize_velocity, end_step=end_step, mute=tuple(mute),
    )  # fmt: skip
    src = program.sources[0]
    if seconds is not None:
        frames = round(seconds * sample_rate)
        program.events_end = frames
        tail = False
    else:
        frames = src.step_to_sample(end_step)
    return RenderPlan(program, frames, tail, label=pattern.id or pattern.name)


# Other kinds of sources plan themselves; modules are imported only when needed.
_PLANNERS: dict[str, str] = {}


def register_planner(type_name: str, target: str) -> None:
    """Route sources of class ``type_name`` to ``"module:function"`` (called with the source
    and the render keyword arguments, returning a RenderPlan)."""
    _PLANNERS[type_name] = target


register_planner("Arrangement", "groovebox.arrangement:plan_arrangement")
register_planner("Progression", "groovebox.arrangement:plan_progression")
register_planner("Soundscape", "groovebox.soundscape:plan_soundscape")


def _plan(source, sample_rate: int, options: dict) -> RenderPlan:
    if isinstance(source, RenderPlan):
        return source
    name = type(source).__name__
    if name in _PLANNERS:
        import importlib

        module, func = _PLANNERS[name].split(":")
        return getattr(importlib.import_module(module), func)(source, sample_rate=sample_rate, **options)
    return plan_pattern(resolve_pattern(source), sample_rate=sample_rate, **options)


def render(
    source,
    *,
    bars: float | None = None,
    seconds: float | None = None,
    minutes: float | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    path: str | os.PathLike | None = None,
    subtype: str | None = None,
    block_frames: int = BLOCK_FRAMES,
    progress: bool | None = None,
    **options,
) -> Audio | Path:
    """Render a pattern (or another source) offline.

    Parameters
    ----------
    source : Pattern, str or PathLike
        A pattern, a library id (``"breaks/funky-drummer"``) or a pattern file.
    bars, seconds, minutes : float, optional
        Length (one of them). Patterns default to 4 bars (or their own length if longer) and
        ring out after the last bar.
    sample_rate : int
        Output rate in Hz (default 48000).
    path : str or PathLike, optional
        Stream to this file instead of returning audio (format from the suffix; 24-bit WAV by
        default); written atomically.
    **options
        ``bpm``, ``kit``, ``swing``, ``seed``, ``humanize_ms``, ``humanize_velocity``, ``mute``,
        ``tail`` for patterns.

    Returns
    -------
    Audio or Path
        The audio in memory, or the path written.
    """
    sample_rate = check_sample_rate(sample_rate)
    if minutes is not None:
        if seconds is not None:
            raise GrooveboxError("give seconds or minutes, not both")
        seconds = _positive("minutes", minutes, "minutes", 24 * 60) * 60.0
    if bars is not None:
        options["bars"] = bars
    if seconds is not None:
        options["seconds"] = seconds
    plan = _plan(source, sample_rate, options)
    engine = Engine(sample_rate, max_block=block_frames, **(plan.engine_options or {}))
    engine.load(plan.program)
    if path is None:
        return Audio(_render_to_memory(engine, plan, block_frames), sample_rate,
                     meta={"label": plan.label, **plan.program.meta})
    return _render_to_file(engine, plan, Path(path), subtype, block_frames, progress)


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
            from rich.progress import (
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
    from groovebox.io.wav import AudioWriter

    sr = engine.sample_rate
    writer = AudioWriter(path, sr, subtype=subtype, keep_partial=plan.keep_partial)
    try:
        _write_blocks(engine, plan, writer, block_frames, progress, path)
    except KeyboardInterrupt:
        if writer.partial:
            raise PartialRender(path, writer.frames, sr) from None
        raise
    return path


def _write_deferring_signals(writer, block: np.ndarray) -> None:
    """Write with Ctrl-C and SIGTERM held back until the block is written and counted.

    A KeyboardInterrupt raised inside the file module's write (just after the bytes went out,
    before they were counted) would leave the data and the length in the file's header out of
    step, and the kept file would lose its last blocks, fade included. So while writing, the
    two signals are only noted; afterwards the original handler gets them.
    """
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():  # signals go to the main thread
        writer.write(block)
        return
    caught: list[int] = []
    deferred = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in deferred}
    try:
        writer.write(block)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if caught:
        handler = previous[caught[0]]
        if callable(handler):
            handler(caught[0], None)
        elif handler == signal.SIG_DFL:
            os.kill(os.getpid(), caught[0])


def _write_blocks(engine: Engine, plan: RenderPlan, writer, block_frames: int, progress, path: Path) -> None:
    sr = engine.sample_rate
    buf = np.empty((2, block_frames, 2), np.float32)
    with writer, _Progress(progress, plan.frames, sr, plan.label or path.name) as bar:
        # A render that keeps its file when interrupted holds the last rendered block back, so
        # the file can end in a short fade instead of a click.
        held = None
        try:
            done = 0
            for i, m in enumerate(_blocks(plan.frames, block_frames)):
                block = engine.render_block(m, buf[i % 2, :m])
                if not plan.tail:
                    _end_fade(block, done, plan.frames, plan, sr)
                done += m
                if plan.keep_partial:
                    ready, held = held, block
                    if ready is not None:
                        _write_deferring_signals(writer, ready)
                else:
                    writer.write(block)
                bar.update(done)
            if held is not None:
                ready, held = held, None
                _write_deferring_signals(writer, ready)
            for block in _tail_blocks(engine, plan, block_frames):
                writer.write(block)
        except KeyboardInterrupt:
            if plan.keep_partial and held is not None:
                _fade_out(held, round(INTERRUPT_FADE_S * sr))
                writer.write(held)
            raise
