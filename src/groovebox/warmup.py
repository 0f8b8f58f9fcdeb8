"""Compile the sound kernels ahead of use: ``groovebox warmup [--all]``.

Numba compiles each kernel the first time a job calls it (then loads it from its cache), so the
very first render of a kind pays for compiling what it uses. Warming up does that ahead, for
every kind of work at once, spread over the machine's cores: each *lane* is a worker process
that runs tiny representative jobs (a one-bar render of every drum, a short progression and
each ambient preset, one block through every effect, a resampled sample kit), and lanes run
side by side. Jobs whose kernels are all in the cache are skipped, so a second warm-up returns
at once.

>>> [job.name for job in JOBS]
['drums', 'tonal', 'effects', 'samples']
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from groovebox.dsp import jit
from groovebox.dsp.effects import EFFECT_GROUPS, EFFECT_KERNELS, EFFECT_NAMES
from groovebox.dsp.resample import RESAMPLE_KERNELS
from groovebox.errors import RenderError
from groovebox.io.wav import WAV_KERNELS
from groovebox.kits import kit_tables
from groovebox.kits.synth import synth_kernels
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.kit import BUILTIN_KITS
from groovebox.model.pattern import Pattern
from groovebox.offline import render
from groovebox.renderer.effects import make_effect
from groovebox.renderer.engine import BUSES, MIXER
from groovebox.renderer.loops import LOOP_KERNELS
from groovebox.renderer.sequencer import NOTE_KERNELS, PATTERN_KERNELS
from groovebox.renderer.soundscape import EVOLVE_KERNELS
from groovebox.renderer.voicepool import DRUM_VOICES, TONAL_VOICES

__all__ = ["JOBS", "Job", "cold_jobs", "warm_up"]

SAMPLE_RATE = 48000


@dataclass(frozen=True)
class Job:
    """One kind of work: the kernel groups it calls and a tiny run that compiles them."""

    name: str
    what: str
    groups: Callable[[], list[jit.Group]]
    run: Callable[[Path], None]

    @property
    def compile_s(self) -> float:
        return sum(g.compile_s for g in jit.cold(self.groups()))


def _drum_groups() -> list[jit.Group]:
    synth = [synth_kernels(kit, INSTRUMENTS) for kit in BUILTIN_KITS.values()]
    return [*synth, PATTERN_KERNELS, DRUM_VOICES, MIXER, WAV_KERNELS]


def _drums(folder: Path) -> None:
    for name in BUILTIN_KITS:  # every voice's tables (kept on disk), every synthesis kernel
        kit_tables(name, SAMPLE_RATE)
    every = Pattern.from_grid({name: "x..." for name in INSTRUMENTS}, bpm=120, name="warm-up")
    render(every, bars=1, path=folder / "drums.wav")


def _tonal_groups() -> list[jit.Group]:
    return [NOTE_KERNELS, LOOP_KERNELS, EVOLVE_KERNELS, TONAL_VOICES, MIXER, BUSES, EFFECT_GROUPS[0], WAV_KERNELS]


def _tonal(folder: Path) -> None:
    from groovebox.generators import ambient  # the presets; music21 only for chillwave's chords
    from groovebox.generators.arrange import arrange
    from groovebox.harmony.progression import progression

    band = arrange(progression("I vi", key="C", bpm=120), chords="pad", bass="kick", arp="updown", melody=True,
                   drums=Pattern.from_grid({"kick": "x..."}, bpm=120))
    render(band, bars=1, path=folder / "tonal.wav")
    for name in ambient.names():
        render(ambient.preset(name), seconds=1.0, path=folder / f"{name}.wav")


def _effect_groups() -> list[jit.Group]:
    return list(EFFECT_GROUPS)


def _effects(folder: Path) -> None:
    n = 256
    for kind, kernel in zip(EFFECT_NAMES, EFFECT_KERNELS, strict=True):
        # As the engine calls them: float32 bus buffers, a float64 state.
        left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
        kernel(left, right, 0, n, make_effect(kind, SAMPLE_RATE))


def _sample_groups() -> list[jit.Group]:
    return [RESAMPLE_KERNELS]


def _samples(folder: Path) -> None:
    import soundfile as sf

    kit = folder / "kit"
    kit.mkdir(exist_ok=True)
    t = np.arange(4410) / 44100.0
    sf.write(str(kit / "kick.wav"), (np.sin(2 * np.pi * 60 * t) * np.exp(-t * 30)).astype(np.float32), 44100)
    kit_tables(str(kit), SAMPLE_RATE)


JOBS = (
    Job("drums", "drum patterns", _drum_groups, _drums),
    Job("tonal", "tonal voices and ambient", _tonal_groups, _tonal),
    Job("effects", "effects", _effect_groups, _effects),
    Job("samples", "sample kits", _sample_groups, _samples),
)
_BY_NAME = {job.name: job for job in JOBS}


def cold_jobs(names=None) -> list[Job]:
    """The jobs (default: all) with kernels still to compile."""
    jobs = JOBS if names is None else [_BY_NAME[n] for n in names]
    return [job for job in jobs if jit.cold(job.groups())]


def _lanes(jobs: list[Job], n_lanes: int) -> list[list[Job]]:
    """Jobs spread over ``n_lanes`` worker processes, longest first onto the least loaded lane."""
    lanes: list[list[Job]] = [[] for _ in range(max(1, n_lanes))]
    load = [0.0] * len(lanes)
    for job in sorted(jobs, key=lambda j: -j.compile_s):
        i = load.index(min(load))
        lanes[i].append(job)
        load[i] += job.compile_s
    return [lane for lane in lanes if lane]


def run_lane(names: list[str]) -> None:
    """Run jobs one after the other in this process, printing ``ready NAME SECONDS`` after each
    (the body of a worker process)."""
    jit.notice_stream(False)
    with tempfile.TemporaryDirectory(prefix="groovebox-warmup-") as folder:
        for name in names:
            t0 = time.monotonic()
            _BY_NAME[name].run(Path(folder))
            print(f"ready {name} {time.monotonic() - t0:.1f}", flush=True)


def warm_up(names=None, *, cores: int | None = None, say: Callable[[str], None] = print) -> float:
    """Compile the kernels of the jobs ``names`` (default: all) that are not yet in the cache,
    in parallel worker processes (one per core, at most one per job).

    Returns
    -------
    float
        Seconds it took (0 when everything was ready).

    Raises
    ------
    RenderError
        A worker failed (its last error line is in the message).
    """
    jobs = cold_jobs(names)
    if not jobs:
        say("sound kernels are ready: nothing to compile")
        return 0.0
    n = min(len(jobs), cores or os.cpu_count() or 1)
    lanes = _lanes(jobs, n)
    estimate = max(sum(j.compile_s for j in lane) for lane in lanes)
    say(f"compiling sound kernels for {', '.join(j.what for j in jobs)} on {len(lanes)} "
        f"core{'s' if len(lanes) > 1 else ''}, ~{max(1, round(estimate))} s")
    t0 = time.monotonic()
    code = "from groovebox.warmup import run_lane; run_lane({!r})"
    procs = [subprocess.Popen([sys.executable, "-c", code.format([j.name for j in lane])], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for lane in lanes]
    lines: queue.Queue = queue.Queue()

    def read(proc):  # one reader per worker, so jobs are reported as they finish on any lane
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    for proc in procs:
        threading.Thread(target=read, args=(proc,), daemon=True).start()
    try:
        open_lanes = len(procs)
        while open_lanes:
            line = lines.get()
            if line is None:
                open_lanes -= 1
            elif line.startswith("ready "):
                say(f"  {_BY_NAME[line.split()[1]].what} ready ({time.monotonic() - t0:.0f} s)")
        failed = [(p.stderr.read().strip().splitlines() or [f"exit status {p.returncode}"])[-1]
                  for p in procs if p.wait() != 0]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    if failed:
        raise RenderError(f"warm-up failed: {failed[0]}")
    took = time.monotonic() - t0
    say(f"sound kernels ready in {took:.0f} s")
    return took
