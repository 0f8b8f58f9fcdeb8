"""Start-up loads only what a job uses, and a first run says it is compiling.

Numba loads a kernel (and, on a first run, compiles it) when it is first called, so what a
process has loaded is what its job called: these tests look at the dispatchers that hold
machine code in a fresh process after a render.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import groovebox as gb
from groovebox.renderer.engine import Engine
from groovebox.renderer.pattern import pattern_program

# Prints every groovebox kernel that holds machine code after the job, and the heavy modules
# that were imported.
_LOADED = textwrap.dedent("""
    import json, sys
    from numba.core.dispatcher import Dispatcher
    import groovebox as gb

    JOB

    loaded = sorted(f"{m}.{k}" for m, mod in list(sys.modules.items()) if m.startswith("groovebox.")
                    for k, v in vars(mod).items()
                    if isinstance(v, Dispatcher) and v.__module__ == m and v.overloads)
    print(json.dumps({"kernels": loaded, "modules": sorted(m for m in sys.modules if m.startswith(
        ("music21", "matplotlib", "sounddevice", "mido")))}))
""")


def _loaded_by(job: str) -> dict:
    code = _LOADED.replace("JOB", textwrap.dedent(job))
    for _ in range(2):  # the first run fills the cache if it is cold; the second only loads
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


DRUM_KERNELS = [
    "groovebox.dsp.limiter.limit",
    "groovebox.renderer.engine._mix_tracks",
    "groovebox.renderer.sequencer._pattern_events",
    "groovebox.renderer.voicepool.drum_voices",
]


def test_a_drum_render_loads_the_drum_kernels_and_nothing_else():
    got = _loaded_by("""
        gb.render("breaks/funky-drummer", bars=2, kit="808")
    """)
    assert got["kernels"] == DRUM_KERNELS  # no tonal voices, textures, effects, or drum synthesis (tables are on disk)
    assert got["modules"] == []
    # a kit heard in a room adds its reverb bus, and only that effect
    got = _loaded_by("""
        gb.render("breaks/funky-drummer", bars=2, kit="acoustic")
    """)
    assert got["kernels"] == sorted([*DRUM_KERNELS, "groovebox.dsp.effects.reverb_process",
                                     "groovebox.renderer.engine._add_buses"]), got["kernels"]


def test_an_ambient_render_loads_its_voices_and_its_effects_only():
    got = _loaded_by("""
        tone = gb.Instrument("bell", attack_s=0.5, release_s=1.0)
        loops = [gb.Loop(n, p, 0.3 * i, instrument=tone, duration=1.0, sends={"hall": 0.0})
                 for i, (n, p) in enumerate([("F3", 3.1), ("C4", 4.7)])]
        gb.render(gb.Soundscape(loops, buses={"hall": gb.Effect("reverb", decay_s=3.0)}), seconds=4)
    """)
    kernels = got["kernels"]
    assert "groovebox.renderer.voicepool.all_voices" in kernels
    assert "groovebox.dsp.effects.reverb_process" in kernels
    others = [k for k in kernels if k.startswith("groovebox.dsp.effects.") and k != "groovebox.dsp.effects.reverb_process"]
    assert others == []  # no delay, chorus, compressor... nor effect_process, which holds them all
    assert not [k for k in kernels if k.startswith(("groovebox.dsp.drums.", "groovebox.renderer.voicepool.drum"))]
    assert got["modules"] == []


def test_the_drum_and_the_tonal_voice_kernels_play_drums_identically(sr):
    pattern = gb.load("breaks/amen-break")
    program = pattern_program(pattern, gb.RenderOptions(sample_rate=sr, kit="909", swing=56))
    out = []
    for tonal in (False, True):
        eng = Engine(sr, max_block=1000)
        eng._tonal = tonal  # as after a program with notes was loaded
        eng.load(program)
        out.append(np.concatenate([eng.render_block(n) for n in (700, 1, 5000, 1000, 96000)]))
    assert np.array_equal(out[0], out[1])
    assert np.abs(out[0]).max() > 0.1


@pytest.mark.slow
def test_a_first_run_says_it_compiles_before_it_does(tmp_path):
    """On an empty kernel cache, the first render says on stderr what it compiles and about how
    long it takes before it starts; the second says nothing; both write the same bytes."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    runs = []
    for i in range(2):
        out = tmp_path / f"beat{i}.wav"
        r = subprocess.run([sys.executable, "-m", "groovebox", "render", "rock/straight-eighths", "--bars", "1",
                            "--kit", "808", "-o", str(out)], capture_output=True, text=True, env=env, timeout=900)
        assert r.returncode == 0, r.stderr
        runs.append((r.stderr, out.read_bytes()))
    first = runs[0][0].splitlines()
    assert first[0].startswith("compiling sound kernels, first run only, ~"), first
    seconds = int(first[0].split("~")[1].split()[0])
    assert 3 <= seconds <= 30
    for group in ("drum synthesis", "drum voices", "mixer and limiter", "WAV packing"):
        assert group in first[0]
    assert "tonal" not in first[0] and "reverb" not in first[0]  # only what a drum render needs
    assert first[-1].startswith("compiled sound kernels in ")
    assert runs[1][0] == ""
    assert runs[0][1] == runs[1][1]


@pytest.mark.slow
def test_warmup_compiles_ahead_so_a_render_compiles_nothing(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}

    def groovebox(*args):
        r = subprocess.run([sys.executable, "-m", "groovebox", *map(str, args)], capture_output=True, text=True,
                           env=env, timeout=900)
        assert r.returncode == 0, r.stderr
        return r

    first = groovebox("warmup")
    assert first.stdout.startswith("compiling sound kernels for drum patterns, the loudness master on ")
    assert "drum patterns ready" in first.stdout and first.stdout.splitlines()[-1].startswith("sound kernels ready in")
    assert groovebox("warmup").stdout.strip() == "sound kernels are ready: nothing to compile"
    r = groovebox("render", "breaks/amen-break", "--bars", "1", "--kit", "909", "-o", tmp_path / "x.wav")
    assert r.stderr == ""  # no first-run notice: everything came from the cache


def test_drum_tables_kept_on_disk_are_the_synthesized_ones(tmp_path, monkeypatch, sr):
    from groovebox.kits import diskcache, synth
    from groovebox.model.kit import get_kit

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # a fresh table cache
    kit, names = get_kit("909"), ("kick", "snare", "closed_hat", "clap")
    synth._synth_layers.cache_clear()
    fresh = synth.synth_tables(kit, sr, names)
    assert len(list((tmp_path / "groovebox-tables").glob("*.npz"))) == len(names)
    synth._synth_layers.cache_clear()
    again = synth.synth_tables(kit, sr, names)  # read back, not synthesized
    assert np.array_equal(fresh.data, again.data) and np.array_equal(fresh.var_len, again.var_len)
    synth._synth_layers.cache_clear()
    # the key follows the code that makes the sound, and only that code
    modules = diskcache.sound_modules()
    assert {"groovebox.dsp.drums", "groovebox.dsp.filters", "groovebox.dsp.rng", "groovebox.kits.synth"} <= set(modules)
    assert not {"groovebox.dsp.tonal", "groovebox.dsp.effects", "groovebox.dsp.truepeak"} & set(modules)
