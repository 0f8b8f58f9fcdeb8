"""The mixer skips silence: a part that plays nothing, a transition track between its risers, a
send bus nobody sends to. Skipping changes no sample where the skipped work would have made
silence (EQ, filters, compressors, swept filters at rest), and reverbs and delays that sleep
after their tail cut only what lies 160 dB down; either way any block size gives the same song."""

from __future__ import annotations

import numpy as np
import pytest

from groovebox.formats.song_toml import loads
from groovebox.renderer import mixer as mixer_module
from groovebox.renderer.engine import Engine
from groovebox.renderer.song import song_program

SR = 24000

PARTS = """
title = "Quiet Rooms"
key = "D minor"
bpm = 120
seed = 3

[harmony]
A = "i VI III VII"

[parts.drums]
kind = "drums"
grids = { kick = "x... x... x... x...", snare = ".... x... .... x...", closed_hat = "x.x. x.x. x.x. x.x." }
group = "drum_bus"

[parts.bass]
kind = "bass"
compressor = { sidechain = "drums.kick", threshold_db = -30, ratio = 4 }
eq = { highpass_hz = 40, low_db = 2 }

[parts.keys]
kind = "chords"
instrument = "epiano"
eq = { highpass_hz = 150, mid_db = -3, lowpass_hz = 9000 }
saturation = { drive_db = 6 }
sends = { SEND }

[parts.pad]
kind = "pad"
instrument = "strings"

[mixer.groups.drum_bus]
compressor = { threshold_db = -16, ratio = 2.5 }
saturation = { drive_db = 3 }
"""

EXACT = PARTS.replace("SEND", "colour = 0.3") + """
[mixer.buses.colour]
effects = [{ kind = "eq", high_db = 4 }, { kind = "filter", mode = "highpass", cutoff_hz = 300 }]

[master]
eq = { highpass_hz = 25 }
compressor = { threshold_db = -14, ratio = 2 }

[[sections]]
name = "intro"
bars = 2
parts = ["pad"]

[[sections]]
name = "verse"
bars = 2
parts = ["drums", "bass", "keys"]
transitions = ["riser", "crash"]

[[sections]]
name = "gap"
bars = 2
parts = ["pad"]

[[sections]]
name = "chorus"
bars = 2
parts = ["drums", "bass", "keys", "pad"]
transitions = [{ kind = "filter_sweep", beats = 4 }, "noise_sweep"]
"""

TAILS = PARTS.replace("SEND", "verb = 0.4, echo = 0.3") + """
[mixer.buses.verb]
effects = [{ kind = "reverb", decay_s = 0.6, modulation = 0, mix = 100 }]
eq = { highpass_hz = 120 }

[mixer.buses.echo]
effects = [{ kind = "tape_delay", time_s = 0.3, feedback = 30, wow_depth = 0, flutter_depth = 0, mix = 100 },
           { kind = "chorus", depth_ms = 0, mix = 50 }]

[[sections]]
name = "a"
bars = 2
parts = ["drums", "keys"]

[[sections]]
name = "b"
bars = 4
parts = ["drums", "bass"]

[[sections]]
name = "a"
bars = 2
parts = ["drums", "keys"]
"""


def _render(compiled, block: int, skip: bool, tap=None) -> np.ndarray:
    mx = compiled.mixer
    compiled.program.reset_effects()
    mx.skip_silence = skip
    mx.tap = tap
    try:
        eng = Engine(SR, n_voices=160, max_tracks=96, limiter=False, max_block=16384)
        eng.load(compiled.program)
        n = compiled.frames + SR
        return np.concatenate([eng.render_block(block) for _ in range(n // block + 1)])[:n]
    finally:
        mx.skip_silence = True
        mx.tap = None


def _counting(monkeypatch, name):
    calls = []
    real = getattr(mixer_module, name)

    def counted(*args):
        calls.append(args[1] if name == "effect_idle" else 1)
        return real(*args)

    monkeypatch.setattr(mixer_module, name, counted)
    return calls


def test_skipping_silent_inserts_changes_no_sample(monkeypatch):
    compiled = song_program(loads(EXACT), SR)
    everything = _render(compiled, 4096, skip=False)
    idle = _counting(monkeypatch, "effect_idle")
    sweeps_idle = _counting(monkeypatch, "lane_at")
    skipped = _render(compiled, 4096, skip=True)
    assert np.abs(everything).max() > 0.05
    np.testing.assert_array_equal(skipped, everything)
    # ... and it did skip: silent parts' EQs and the riser's swept filter between its rises
    assert sum(idle) > 20 * 4096 and len(sweeps_idle) > 10
    for block in (1000, 257):
        np.testing.assert_array_equal(_render(compiled, block, skip=True), everything)


def test_reverb_and_delay_sleep_after_their_tail_and_wake_on_time():
    compiled = song_program(loads(TAILS), SR)
    mx = compiled.mixer
    verb, echo = mx.node("verb"), mx.node("echo")
    asleep = []

    def tap(mixer, m):
        asleep.append([int(mixer._sleep[i][0][1]) for i in (verb, echo)])

    slept = _render(compiled, 1000, skip=True, tap=tap)
    awake = _render(compiled, 1000, skip=False)
    starts = compiled.section_samples
    flags = np.array(asleep)
    # asleep in the middle of section b (nothing sent for 8 s), awake in both a sections
    in_b = flags[(starts[1] + 6 * SR) // 1000 : starts[2] // 1000 - 1]  # the echo rings 5.1 s
    assert in_b.all() and not flags[starts[0] // 1000 + 2 : starts[1] // 1000].any()
    assert not flags[starts[2] // 1000 + 2 : starts[3] // 1000].any()
    # what sleeping left out lies more than 140 dB under the song's peak: the tails had ended
    peak = np.abs(awake).max()
    assert peak > 0.05
    assert np.abs(slept - awake).max() <= peak * 1e-7
    for block in (16384, 257):
        np.testing.assert_array_equal(_render(compiled, block, skip=True), slept)


@pytest.mark.parametrize("decay_s,floor_s", [(0.6, 1.6), (2.5, 6.7)])
def test_a_reverb_tail_is_its_time_to_fall_160_db(decay_s, floor_s):
    from groovebox.dsp.effects import tail_frames
    from groovebox.renderer.effects import make_effect

    tail = tail_frames(make_effect("reverb", SR, decay_s=decay_s, predelay_s=0.0)) / SR
    assert floor_s <= tail <= floor_s + 0.3
