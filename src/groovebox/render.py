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

from .audio import Audio
from .engine import Engine, Program
from .errors import GrooveboxError
from .model.pattern import Pattern

DEFAULT_SAMPLE_RATE = 48000
BLOCK_FRAMES = 8192
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
        from . import library

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


def _plan(source, sample_rate: int, options: dict) -> RenderPlan:
    if isinstance(source, RenderPlan):
        return source
    name = type(source).__name__
    if name in _PLANNERS:
        import importlib

        module, func = _PLANNERS[name].split(":")
        return getattr(importlib.import_module(module), func)(source, sample_rate=sample_rate, **options)
    pattern = resolve_pattern(source)
    options = dict(options)
    options.pop("minutes", None)
    return plan_pattern(pattern, sample_rate=sample_rate, **options)


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
        _fade_out(main, round(END_FADE_S * engine.sample_rate))
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
    from .io.wav import AudioWriter

    buf = np.empty((2 * block_frames, 2), np.float32)
    n_fade = round(END_FADE_S * engine.sample_rate)
    sizes = list(_blocks(plan.frames, block_frames))
    # The end fade must lie inside the last block: merge a short last block into the one before.
    if not plan.tail and len(sizes) > 1 and sizes[-1] < n_fade:
        sizes[-2:] = [sizes[-2] + sizes[-1]]
    writer = AudioWriter(path, engine.sample_rate, subtype=subtype, keep_partial=plan.keep_partial)
    with writer, _Progress(progress, plan.frames, engine.sample_rate, plan.label or path.name) as bar:
        done = 0
        for i, m in enumerate(sizes):
            block = engine.render_block(m, buf[:m])
            if i == len(sizes) - 1 and not plan.tail:
                _fade_out(block, n_fade)
            writer.write(block)
            done += m
            bar.update(done)
        for block in _tail_blocks(engine, plan, block_frames):
            writer.write(block)
    return path


class _CallableModule(type(sys)):
    """``groovebox.render`` is this module *and* the ``render`` function: importing the
    submodule (``from groovebox.render import ...``, or any module that does) rebinds the
    package attribute ``groovebox.render`` to the module, and ``gb.render(...)`` must still
    render."""

    def __call__(self, *args, **kwargs):
        return render(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
