"""Compile the sound kernels ahead of use: ``groovebox warmup [--all]``, and a first run's
kernels in parallel.

Numba compiles each kernel the first time a job calls it (then loads it from its cache), so the
very first render of a kind pays for compiling what it uses. Warming up does that ahead, for
every kind of work at once, spread over the machine's cores: each *lane* is a worker process
that runs tiny representative jobs (a one-bar render of every drum, a short progression and
each ambient preset, one block through every effect, a resampled sample kit), and lanes run
side by side. Jobs whose kernels are all in the cache are skipped, so a second warm-up returns
at once.

A command's first run works the same way (:func:`prepare`): the kernels the job needs are cut
into tasks (the pattern's drums; the loudness master; a soundscape's voices and effects) that
compile side by side in worker processes on a multi-core machine, then the job runs from the
cache.

>>> [job.name for job in JOBS]
['drums', 'tonal', 'master', 'effects', 'samples']
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
from groovebox.dsp.truepeak import MASTER_KERNELS
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

__all__ = ["JOBS", "Job", "Task", "cold_jobs", "master_task", "pattern_task", "prepare", "scape_task",
           "warm_up"]

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
    rooms = [BUSES, EFFECT_GROUPS[EFFECT_NAMES.index("reverb")]] if any(k.room for k in BUILTIN_KITS.values()) else []
    return [*synth, PATTERN_KERNELS, DRUM_VOICES, MIXER, *rooms, WAV_KERNELS]


def _drums(folder: Path) -> None:
    for name in BUILTIN_KITS:  # every voice's tables (kept on disk), every synthesis kernel
        kit_tables(name, SAMPLE_RATE)
    every = Pattern.from_grid({name: "x..." for name in INSTRUMENTS}, bpm=120, name="warm-up")
    for name, kit in BUILTIN_KITS.items():  # a dry kit and, where there is one, a kit's room
        if name == "808" or kit.room is not None:
            render(every, bars=1, kit=name, path=folder / f"drums-{name}.wav")


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


def _master_groups() -> list[jit.Group]:
    return [MASTER_KERNELS, WAV_KERNELS]


def _master(folder: Path) -> None:
    run_spec(("master", True), folder)


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
    Job("master", "the loudness master", _master_groups, _master),
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


# --- a first run in parallel ---------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Task:
    """Part of a job's first run: the kernel groups it compiles and a spec a worker runs
    (see :func:`run_spec`)."""

    groups: tuple
    spec: tuple


def pattern_task(pattern, kit=None) -> Task:
    """The kernels rendering ``pattern`` (a Pattern, library id or file) on ``kit`` calls:
    synthesis of its drums (when their tables are not on disk), the sequencer, drum voices,
    mixer and limiter."""
    from groovebox.kits.synth import _table_key  # the tables' disk key: private to the kit module
    from groovebox.library import load
    from groovebox.model.kit import get_kit
    from groovebox.renderer.pattern import DEFAULT_KIT

    p = pattern if isinstance(pattern, Pattern) else load(pattern)
    name = kit if kit is not None else (p.kit or DEFAULT_KIT)
    groups = [PATTERN_KERNELS, DRUM_VOICES, MIXER]
    if isinstance(name, str) and name in BUILTIN_KITS:
        k = get_kit(name)
        if k.room is not None:  # the kit's room: a reverb bus
            groups += [BUSES, EFFECT_GROUPS[EFFECT_NAMES.index("reverb")]]
        from groovebox.kits import diskcache

        new = [i for i in p.instruments if not diskcache.exists(_table_key(k, i, SAMPLE_RATE))]
        if new:
            groups.append(synth_kernels(k, new))
    ref = pattern if isinstance(pattern, str) else str(p.path) if p.path else None
    return Task(tuple(groups), ("pattern", ref, name if isinstance(name, str) else None))


def master_task(wav: bool) -> Task:
    """The loudness master's kernels (and 24-bit WAV packing when ``wav``)."""
    return Task((MASTER_KERNELS, *([WAV_KERNELS] if wav else [])), ("master", wav))


def scape_task(preset: str, seed: int = 0) -> Task:
    """An ambient preset's kernels: loops, evolution, tonal voices, mixer, its effects."""
    from groovebox.generators import ambient
    from groovebox.model.effect import effect_kind

    scape = ambient.preset(preset, seed=seed)
    kinds = {effect_kind(e.kind) for chain in (*scape.buses.values(), scape.master) for e in chain}
    effects = [EFFECT_GROUPS[EFFECT_NAMES.index(k)] for k in sorted(kinds)]
    return Task((LOOP_KERNELS, EVOLVE_KERNELS, TONAL_VOICES, MIXER, BUSES, *effects), ("scape", preset, seed))


def run_spec(spec: tuple, folder: Path) -> None:
    """Do what a task's spec says, small (a worker's body)."""
    if spec[0] == "pattern":
        _, ref, kit = spec
        render(ref if ref is not None else Pattern.from_grid({"kick": "x..."}), bars=1, kit=kit)
    elif spec[0] == "master":
        from groovebox.dsp.truepeak import master
        from groovebox.io.wav import write_audio

        # Long enough for every measurement the master makes (gating blocks, loudness range).
        t = np.arange(6 * SAMPLE_RATE) / SAMPLE_RATE
        x = np.stack([0.3 * np.sin(2 * np.pi * 220 * t) * (1.0 + 0.5 * np.sin(2 * np.pi * 0.5 * t))] * 2,
                     axis=1).astype(np.float32)
        y = master(x, SAMPLE_RATE, target_lufs=-14.0)
        if spec[1]:
            write_audio(folder / "master.wav", y, SAMPLE_RATE)
    elif spec[0] == "scape":
        from groovebox.generators import ambient

        render(ambient.preset(spec[1], seed=spec[2]), seconds=1.0)
    elif spec[0] == "job":
        _BY_NAME[spec[1]].run(folder)
    else:
        raise ValueError(f"unknown warm-up spec {spec!r}")


def run_specs(specs: list[tuple]) -> None:
    """Run specs one after the other, printing ``ready INDEX`` after each (a worker's body)."""
    jit.notice_stream(False)
    with tempfile.TemporaryDirectory(prefix="groovebox-warmup-") as folder:
        for i, spec in enumerate(specs):
            run_spec(spec, Path(folder))
            print(f"ready {i}", flush=True)


def prepare(tasks: list[Task], *, say: Callable[[str], None] | None = None) -> bool:
    """A first run, in parallel: when the tasks' kernels are not all in the cache and the machine
    has more than one core, compile them in worker processes side by side (saying so first),
    so the job that follows only loads them. Returns whether it compiled anything; on one core
    (or if a worker fails) the job compiles what it needs as it goes, with the same notice."""
    todo = [t for t in tasks if jit.cold(t.groups)]
    cores = os.cpu_count() or 1
    if not todo or cores < 2 or len(todo) < 2:
        return False
    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    lanes: list[list[Task]] = [[] for _ in range(min(cores, len(todo)))]
    load = [0.0] * len(lanes)
    for task in sorted(todo, key=lambda t: -sum(g.compile_s for g in jit.cold(t.groups))):
        i = load.index(min(load))
        lanes[i].append(task)
        load[i] += sum(g.compile_s for g in jit.cold(task.groups))
    labels = ", ".join(dict.fromkeys(g.label for t in todo for g in jit.cold(t.groups)))
    say(f"compiling sound kernels, first run only, ~{max(1, round(max(load) + 1))} s on {len(lanes)} cores ({labels})")
    t0 = time.monotonic()
    code = "from groovebox.warmup import run_specs; run_specs({!r})"
    procs = [subprocess.Popen([sys.executable, "-c", code.format([t.spec for t in lane])],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for lane in lanes]
    try:
        ok = all(p.wait() == 0 for p in procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    jit.mark_noticed()
    if ok:
        say(f"compiled sound kernels in {time.monotonic() - t0:.0f} s; later runs load them from the cache")
    return ok
