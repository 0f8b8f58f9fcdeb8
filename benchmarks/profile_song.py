"""Where a template song's render time goes: CPU seconds per stage (voices, each mixer kernel,
the master chain, the sources' queries) and the voices of each part alone (every other part's
engine tracks muted, so no voice of theirs starts). Numba kernels are one frame to a
profiler, so each is timed around its call instead. CPU time, not wall time: on a shared
machine it is the steadier of the two (say so when you quote it).

    .venv/bin/python benchmarks/profile_song.py house [chillwave ...]
"""

from __future__ import annotations

import collections
import sys
import time

import groovebox as gb
from groovebox.dsp import limiter
from groovebox.dsp.effects import EFFECT_NAMES
from groovebox.model.options import RenderOptions
from groovebox.renderer import engine as engine_module
from groovebox.renderer import mixer as mixer_module
from groovebox.renderer import sequencer
from groovebox.renderer.engine import Engine
from groovebox.renderer.song import plan_song

SR = 48000
BLOCK = 16384
clock = time.process_time


def _timed(module, name: str, key, spent: collections.Counter) -> None:
    real = getattr(module, name)

    def timed(*args):
        t = clock()
        out = real(*args)
        spent[key(args) if callable(key) else key] += clock() - t
        return out

    setattr(module, name, timed)


class _Kernels:
    """A stand-in for the EFFECT_KERNELS tuple whose entries can be wrapped by index."""

    def __init__(self, kernels):
        for j, k in enumerate(kernels):
            setattr(self, str(j), k)

    def __getitem__(self, j):
        return getattr(self, str(j))


def _render(plan, eng) -> float:
    eng.reset()
    t = clock()
    for i in range(0, plan.frames, BLOCK):
        eng.render_block(min(BLOCK, plan.frames - i))
    return clock() - t


def profile(name: str) -> None:
    song = gb.new_song(name, seed=1)
    plan = plan_song(song, RenderOptions(sample_rate=SR))
    eng = Engine(SR, max_block=BLOCK, **plan.engine_options)
    eng.load(plan.program)
    _render(plan, eng)  # kernels loaded
    plain = _render(plan, eng)
    spent: collections.Counter = collections.Counter()
    patched = [(engine_module, "all_voices", "voices"),
               (mixer_module, "effect_process", lambda a: f"mixer {EFFECT_NAMES[int(a[-1][0])]}"),
               (mixer_module, "compressor_keyed_process", "mixer compressor (keyed)"),
               (mixer_module, "swept_lowpass", "mixer swept low-pass"),
               (limiter, "limit", "limiter"),
               (sequencer, "_pattern_events", "drum events"),
               (sequencer, "_note_events", "note events")]
    saved = [(m, n, getattr(m, n)) for m, n, _ in patched]
    for m, n, k in patched:
        _timed(m, n, k, spent)
    # the master chain: the engine calls its effects through the EFFECT_KERNELS tuple
    real_kernels = engine_module.EFFECT_KERNELS
    master = _Kernels(real_kernels)
    for j, effect in enumerate(EFFECT_NAMES):
        _timed(master, str(j), f"master {effect}", spent)
    engine_module.EFFECT_KERNELS = master
    for n in ("gather", "fader", "add_into", "lane_fill", "zero"):
        _timed(mixer_module, n, "mixer gather, faders, sends, lanes", spent)
    real_process = mixer_module.Mixer.process
    _timed(mixer_module.Mixer, "process", "mixer (all)", spent)
    try:
        total = _render(plan, eng)
    finally:
        mixer_module.Mixer.process = real_process
        engine_module.EFFECT_KERNELS = real_kernels
        for m, n, f in saved:
            setattr(m, n, f)
    secs = plan.frames / SR
    print(f"{name}: {secs:.0f} s of audio, {plain:.2f} s CPU = {secs / plain:.0f}x real time "
          f"({total:.2f} s with the timers)")
    for k, v in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {k:36s} {v:6.2f} s  {100 * v / total:4.0f} %")
    slots = plan.compiled.track_slots
    kinds = {p.name: (p.kind, p.fields.get("instrument")) for p in song.parts}
    print("  voices of each part alone:")
    for part, d in slots.items():
        eng.track_mute[:] = 1
        eng.track_mute[list(d.values())] = 0
        spent.clear()
        _timed(engine_module, "all_voices", "voices", spent)
        try:
            _render(plan, eng)
        finally:
            engine_module.all_voices = saved[0][2]
        kind, inst = kinds.get(part, ("transition", ""))
        print(f"    {part:10s} {kind:10s} {inst or '':10s} {spent['voices']:6.2f} s")
    eng.track_mute[:] = 0


if __name__ == "__main__":
    for template in sys.argv[1:] or ["house"]:
        profile(template)
