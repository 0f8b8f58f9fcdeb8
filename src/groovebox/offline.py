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
from dataclasses import replace
from pathlib import Path

import numpy as np

from groovebox import checks
from groovebox.dsp import jit
from groovebox.dsp.loudness import Meter
from groovebox.dsp.truepeak import (
    MASTER_KERNELS,
    MASTER_TOLERANCE_LU,
    TARGET_RANGE_LUFS,
    Master,
    master,
    next_gain_db,
)
from groovebox.errors import GrooveboxError, GrooveboxTypeError, GrooveboxValueError, RenderError
from groovebox.formats.atomic import deferred_signals
from groovebox.io import wav
from groovebox.io.audio import Audio
from groovebox.io.wav import AudioWriter, write_audio
from groovebox.model.options import split_options
from groovebox.renderer.engine import Engine
from groovebox.renderer.plan import plan
from groovebox.renderer.program import RenderPlan

DEFAULT_SAMPLE_RATE = 48000
BLOCK_FRAMES = 16384  # offline blocks: big enough that per-call overhead vanishes
END_FADE_S = 0.010  # a render cut mid-sound ends with this fade, never a click
MAX_TAIL_S = 12.0
MASTER_IN_MEMORY_FRAMES_PER_HZ = 180  # a mastered render up to 3 min is rendered once, in memory
MASTER_PASSES = 4  # longer ones: measured once, then written (again if limiting left it short)


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
    loudness: float | str | None = None,
    stems: str | os.PathLike | None = None,
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
    loudness : float or "off", optional
        Master to this integrated loudness in LUFS (-70..0; streaming services play at -14):
        the whole render is measured (ITU-R BS.1770-4), then brought there by one gain, with a
        true-peak limiter keeping it at or under -1 dBTP. None or ``"off"`` (the default here;
        the command line's default is -14): the raw mix through the engine's safety limiter.
        Songs carry their own target in their master chain; ``loudness`` overrides it.
    stems : str or PathLike, optional
        Songs: also write one 24-bit WAV per track and bus that reaches the master (all from
        time 0, all the same length) and the pre-master mix as ``mix.wav`` into this folder.
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
    if stems is not None and not isinstance(stems, str | os.PathLike):
        raise GrooveboxTypeError(f"stems: expected a folder name, got {stems!r}")
    target = loudness_target(loudness)
    # Declared before planning, so a first run announces everything it compiles at once.
    if path is not None:
        jit.need(*wav.kernel_groups(path, subtype))
    if target is not None:
        jit.need(MASTER_KERNELS)
    the_plan = plan(source, opts, **extra)
    if stems is not None and the_plan.program.mixer is None:
        raise GrooveboxValueError("stems: only songs have stems (tracks and buses of a mixer)")
    mastered = target is not None or the_plan.master_stage is not None
    # A mastered render leaves the peaks to the true-peak limiter of the master stage: the
    # engine's own limiter (a safety net at -0.3 dBFS) would duck the mix before it is measured.
    engine_options = {"limiter": not mastered, **(the_plan.engine_options or {})}
    engine = Engine(opts.sample_rate, max_block=block_frames, **engine_options)
    engine.load(the_plan.program)
    if the_plan.master_stage is not None:
        song_target = "off" if loudness is not None and target is None else target
        if path is None and stems is None:
            return _render_song(engine, the_plan, None, subtype, block_frames, progress, None, song_target)
        with deferred_signals() as signals:  # files: finished or removed before Ctrl-C is raised
            try:
                result = _render_song(engine, the_plan, None if path is None else Path(path), subtype,
                                      block_frames, progress, None if stems is None else Path(stems),
                                      song_target, signals)
            except _Stopped:
                result = None
        signals.deliver()
        return result
    meta = {"label": the_plan.label, **the_plan.program.meta}
    if path is None:
        samples = _render_to_memory(engine, the_plan, block_frames)
        if target is not None:
            samples = master(samples, opts.sample_rate, target_lufs=target)
            meta["loudness_lufs"] = target
        return Audio(samples, opts.sample_rate, meta=meta)
    if target is not None and _fits_in_memory(the_plan, opts.sample_rate):
        # Short renders: render once, master in memory, write (half the work of two passes).
        samples = master(_render_to_memory(engine, the_plan, block_frames), opts.sample_rate, target_lufs=target)
        return write_audio(path, samples, opts.sample_rate, subtype=subtype)
    return _render_to_file(engine, the_plan, Path(path), subtype, block_frames, progress, target)


def loudness_target(loudness) -> float | None:
    """``loudness`` as a target in LUFS (-70..0), or None for ``None``/``"off"``."""
    if loudness is None or (isinstance(loudness, str) and loudness.strip().lower() == "off"):
        return None
    lo, hi = TARGET_RANGE_LUFS
    return checks.number(loudness, "loudness", lo, hi, f"a loudness in {lo:g}..{hi:g} LUFS, or 'off'")


def _fits_in_memory(plan: RenderPlan, sample_rate: int) -> bool:
    frames = plan.frames + (round(MAX_TAIL_S * sample_rate) if plan.tail else 0)
    return frames <= MASTER_IN_MEMORY_FRAMES_PER_HZ * sample_rate


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


class _MeterSink:
    """Pass 1 of a mastered render: takes the blocks a file would get and measures them."""

    partial = False
    frames = 0

    def __init__(self, sample_rate: int):
        self.meter = Meter(sample_rate, 2)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def write(self, block: np.ndarray) -> None:
        self.meter.feed(block)

    def result(self):
        return self.meter.result()


class _MasteredWriter:
    """Pass 2: each block through the master stage into the file; the stage's last frames go
    out when the file is finished (or kept, when an interrupted render keeps what it has)."""

    def __init__(self, writer: AudioWriter, stage: Master):
        self.writer = writer
        self.stage = stage
        self.out_meter = Meter(stage.sample_rate, 2)

    def on_target(self, target_lufs: float) -> bool:
        """The file so far (all of it, once flushed) is within the tolerance of the target."""
        short = target_lufs - self.out_meter.result().integrated_lufs
        return short <= MASTER_TOLERANCE_LU or self.stage.max_reduction_db == 0.0

    @property
    def partial(self) -> bool:
        return self.writer.partial

    @property
    def frames(self) -> int:
        return self.writer.frames

    def __enter__(self):
        self.writer.__enter__()
        return self

    def write(self, block: np.ndarray) -> None:
        out = self.stage.process(block)
        if len(out):
            self.writer.write(out)
            self.out_meter.feed(out)

    def finish(self) -> None:
        """Write the stage's last frames (before the file is closed)."""
        out = self.stage.flush()
        self.writer.write(out)
        self.out_meter.feed(out)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt) and self.writer.keep_partial:
            self.finish()
        self.writer.__exit__(exc_type, exc, tb)


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
                    progress: bool | None, target_lufs: float | None = None) -> Path:
    sr = engine.sample_rate
    # Ctrl-C and SIGTERM only set `signals.stop` while the file is open: the loop stops at the
    # next block and the file is finished (kept shorter, or removed) before the interruption is
    # raised, so no second signal can land inside the clean-up (see formats.atomic).
    kept = None
    with deferred_signals() as signals:
        try:
            if target_lufs is not None:
                _render_mastered(engine, plan, path, subtype, block_frames, progress, target_lufs, signals)
            else:
                writer = AudioWriter(path, sr, subtype=subtype, keep_partial=plan.keep_partial)
                _write_blocks(engine, plan, writer, block_frames, progress, path, signals)
        except _Stopped:
            pass  # the writer removed its file
        except _Interrupted as stop:
            kept = stop.writer  # the writer kept what it had, ending in a fade
    if signals.stop:
        signals.deliver(PartialRender(path, kept.frames, sr) if kept is not None and kept.partial else None)
    return path


def _render_mastered(engine: Engine, plan: RenderPlan, path: Path, subtype, block_frames: int,
                     progress: bool | None, target_lufs: float, signals) -> Path:
    """A long render mastered in constant memory: measure the whole render, then render it
    again (the engine is deterministic: the same samples) through one gain and the true-peak
    limiter into the file. Where the limiter pulls the result under the target, the file is
    written once more with the gain raised by the shortfall (rare: long renders are seldom that
    peaky)."""
    sr = engine.sample_rate
    meter = _MeterSink(sr)
    _write_blocks(engine, replace(plan, keep_partial=False), meter, block_frames, progress, path, signals)
    gain_db = meter.result().gain_db_to(target_lufs)
    tries: list[tuple[float, float]] = []
    for attempt in range(MASTER_PASSES):
        engine.reset()
        stage = Master(sr, 2, gain_db=gain_db)
        writer = _MasteredWriter(AudioWriter(path, sr, subtype=subtype, keep_partial=plan.keep_partial), stage)
        last = attempt == MASTER_PASSES - 1
        try:
            _write_blocks(engine, plan, writer, block_frames, progress, path, signals,
                          keep=lambda w=writer, final=last: final or w.on_target(target_lufs))
        except _TryAgain:
            tries.append((gain_db, writer.out_meter.result().integrated_lufs))
            gain_db = next_gain_db(tries, target_lufs)
            continue
        break
    return path


class _TryAgain(Exception):
    """The mastered file came out under its target: drop it and write it again."""


class _Stopped(Exception):
    """A deferred signal stopped a render that keeps nothing: raised inside the writer (not a
    KeyboardInterrupt, so the writer removes its file); the signal is raised afterwards."""


class _Interrupted(KeyboardInterrupt):
    """A deferred signal stopped a render that keeps its file: raised inside the writer, which
    (as on Ctrl-C) keeps what it has; ``writer`` is the one that kept it."""

    writer = None


def _write_blocks(engine: Engine, plan: RenderPlan, writer, block_frames: int, progress, path: Path,
                  signals, keep=None) -> None:
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
            _fade_out(held, round(INTERRUPT_FADE_S * sr))
            writer.write(held)
            stop = _Interrupted()
            stop.writer = writer
            raise stop
        if held is not None:
            writer.write(held)
        for block in _tail_blocks(engine, plan, block_frames):  # at most MAX_TAIL_S: always finished
            writer.write(block)
        if keep is not None:  # a mastered file: its last frames, and is it on target?
            writer.finish()
            if not keep():
                raise _TryAgain


# --- songs: stems and the loudness stage -------------------------------------------------------------
class _Stems:
    """Writers for a mixer's stems and its pre-master mix, fed from the mixer's tap."""

    def __init__(self, folder: Path, mixer, sample_rate: int, tags=None):
        names = [*mixer.stem_names, "mix"]
        self.writers = [AudioWriter(folder / f"{_stem_file(n)}.wav", sample_rate, subtype="24",
                                    tags=tags(n) if tags is not None else None) for n in names]
        self.paths = [w.path for w in self.writers]

    def __enter__(self):
        entered = []
        try:
            for w in self.writers:
                w.__enter__()
                entered.append(w)
        except BaseException:
            for w in entered:
                w.__exit__(RenderError, RenderError("stems"), None)
            raise
        return self

    def tap(self, mixer, m: int) -> None:
        for w, i in zip(self.writers, mixer.stem_nodes, strict=False):
            w.write(mixer.buf[i, :, :m].T)
        self.writers[-1].write(mixer.premaster[:, :m].T)

    def __exit__(self, *exc):
        first = None
        for w in self.writers:
            try:
                w.__exit__(*exc)
            except GrooveboxError as err:
                first = first or err
        if first is not None and exc[0] is None:
            raise first


def _stem_file(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _render_song(engine: Engine, plan: RenderPlan, path: Path | None, subtype, block_frames: int, progress,
                 stems: Path | None, target_lufs: float | str | None = None, signals=None) -> Audio | Path:
    """Render a plan whose master has a loudness stage (songs): pass 1 renders the mix (and the
    stems) while a BS.1770 meter measures it; pass 2 applies one gain to the target loudness
    and the true-peak limiter. In memory the mix is kept; for a file it goes to a temporary
    float file beside the target, so memory stays flat however long the song."""
    import soundfile as sf  # soundfile (libsndfile): the float pre-master file of a long song

    sr = engine.sample_rate
    st = plan.master_stage
    target, ceiling = st.get("target_lufs"), st.get("ceiling_dbtp", -1.0)
    if target_lufs is not None:
        target = None if target_lufs == "off" else target_lufs
    meter = Meter(sr, 2)
    mixer = plan.program.mixer
    block_frames = min(block_frames, engine.max_block)
    label = plan.label or (path.name if path is not None else "song")
    from groovebox.io.tags import SongTags  # mutagen (~40 ms to import): songs' files are tagged

    song = plan.program.meta.get("song")
    tags = SongTags.of_song(song) if song is not None else None  # title, artist, mood, themes
    stem_tags = (lambda stem: SongTags.of_song(song, stem)) if song is not None else None
    stem_ctx = _Stems(stems, mixer, sr, stem_tags) if stems is not None else None
    tmp_path = None
    try:
        if stem_ctx is not None:
            stem_ctx.__enter__()
            mixer.tap = stem_ctx.tap
        if path is None:
            mix = np.empty((plan.frames, 2), np.float32)
            sink = None
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp_path = path.parent / f".{path.name}.premaster.{os.getpid()}.wav"
            sink = sf.SoundFile(tmp_path, "w", sr, 2, "FLOAT", format="WAV")
        with _Progress(progress, plan.frames, sr, label) as bar:
            done = 0
            for m in _blocks(plan.frames, block_frames):
                if signals is not None and signals.stop:
                    raise _Stopped  # the clean-up below removes every file begun
                block = engine.render_block(m) if sink is not None else engine.render_block(m, mix[done:done + m])
                _end_fade(block, done, plan.frames, plan, sr)
                meter.feed(block)
                if sink is not None:
                    sink.write(block)
                done += m
                bar.update(done)
        mixer.tap = None
        if stem_ctx is not None:
            stem_ctx.__exit__(None, None, None)
            stem_ctx = None
        loud = meter.result()
        if target is not None and not loud.measurable:
            raise RenderError(f"{label}: the song is silent (below the -70 LUFS gate); nothing to master")
        gain_db = 0.0 if target is None else loud.gain_db_to(target)
        if sink is not None:
            sink.close()
            sink = None
        tries: list[tuple[float, float]] = []
        for attempt in range(MASTER_PASSES):
            # One static gain and the true-peak limiter over the kept pre-master mix; where the
            # limiter leaves it under the target, again with the gain raised (no new render).
            stage = Master(sr, 2, gain_db=gain_db, ceiling_dbtp=ceiling)
            out_meter = Meter(sr, 2)
            if path is None:
                out = np.concatenate([stage.process(mix), stage.flush()])
                out_meter.feed(out)
            else:
                last = attempt == MASTER_PASSES - 1
                try:
                    with AudioWriter(path, sr, subtype=subtype, tags=tags) as writer, \
                            sf.SoundFile(tmp_path, "r") as src:
                        while True:
                            block = src.read(block_frames, dtype="float32")
                            if not len(block):
                                break
                            if signals is not None and signals.stop:
                                raise _Stopped
                            done_block = stage.process(block)
                            writer.write(done_block)
                            out_meter.feed(done_block)
                        done_block = stage.flush()
                        writer.write(done_block)
                        out_meter.feed(done_block)
                        got = out_meter.result().integrated_lufs
                        if not last and target is not None and target - got > MASTER_TOLERANCE_LU \
                                and stage.max_reduction_db > 0.0:
                            raise _TryAgain  # the writer drops its temporary file
                except _TryAgain:
                    pass
            got = out_meter.result().integrated_lufs
            if target is None or target - got <= MASTER_TOLERANCE_LU or stage.max_reduction_db == 0.0:
                break
            tries.append((gain_db, got))
            gain_db = next_gain_db(tries, target)
        meta = {"label": plan.label, **plan.program.meta, "premaster_lufs": loud.integrated_lufs,
                "master_gain_db": gain_db}
        return Audio(out, sr, meta=meta) if path is None else path
    finally:
        mixer.tap = None
        if stem_ctx is not None:
            stem_ctx.__exit__(RenderError, RenderError("interrupted"), None)
        if tmp_path is not None:
            try:
                if sink is not None:
                    sink.close()
            finally:
                tmp_path.unlink(missing_ok=True)
