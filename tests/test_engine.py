"""The engine: hits on their exact samples, identical output for any block size, seeds, the
limiter, chokes and a voice pool that never glitches."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

import groovebox as gb
from groovebox import Pattern, Track
from groovebox.model.options import RenderOptions
from groovebox.renderer.effects import make_effect
from groovebox.renderer.engine import Engine
from groovebox.renderer.pattern import pattern_program
from groovebox.renderer.program import Program

SR = 48000


def render_blocks(program_args: dict, block: int, n_frames: int, **engine_kw) -> np.ndarray:
    pattern = program_args.pop("pattern")
    eng = Engine(SR, **engine_kw)
    eng.load(pattern_program(pattern, RenderOptions(sample_rate=SR, **program_args)))
    out = np.zeros((n_frames, 2), np.float32)
    for start in range(0, n_frames, block):
        m = min(block, n_frames - start)
        eng.render_block(m, out[start : start + m])
    return out


def onsets(x: np.ndarray) -> list[int]:
    """First non-zero sample of each sound that starts after exact silence."""
    nz = np.any(x != 0.0, axis=1)
    starts = np.flatnonzero(nz & ~np.concatenate([[False], nz[:-1]]))
    return starts.tolist()


def step_sample(step: int, bpm: float, spb: int = 4, offset=Fraction(0)) -> int:
    x = (step + offset) * Fraction(60) / (Fraction(bpm) * spb) * SR
    return int(x + Fraction(1, 2))


@pytest.mark.parametrize("instrument", ["clave", "rim", "closed_hat", "kick"])
def test_each_hit_starts_on_its_exact_sample(instrument):
    bpm = 45  # hits far enough apart that each one rings out before the next
    p = Pattern.from_grid({instrument: "x... .... x... ...."}, bpm=bpm)
    audio = gb.render(p, bars=4, kit="808", tail=False)
    assert onsets(audio.samples) == [step_sample(s, bpm) for s in range(0, 64, 8)]


def test_swing_and_nudge_move_onsets_exactly():
    bpm = 40
    clave = Track.from_grid("clave", "...x .... .... ....")
    rim = Track.from_grid("rim", "x... .... ..x. ....", nudge={11: 20})
    p = Pattern(name="t", tracks=(clave, rim), bpm=bpm, swing=62)
    audio = gb.render(p, bars=1, kit="909", tail=False)
    want = sorted([
        step_sample(0, bpm),
        step_sample(3, bpm, offset=Fraction(12, 50)),  # odd step: swung by (62-50)/50 of a step
        step_sample(10, bpm, offset=Fraction(20, 100)),  # even step, nudged 20 % late
    ])
    assert onsets(audio.samples) == want


BLOCK_PATTERN = Pattern(
    name="busy",
    tracks=(
        Track.from_grid("kick", "x..x ..x. x... ..x."),
        Track.from_grid("snare", ".... X..o .o.. X..o", flam=".... f... .... ....", gain_db=-2, pan=-0.3),
        Track.from_grid("closed_hat", "xxxx xx.x xxxx x.xx", ratchet="...3 .... ..2. ....", chance="..7. .... .... 5..."),
        Track.from_grid("open_hat", "..x. ..x. ..x. ..x.", pan=0.4),
        Track.from_grid("crash", "x..."),
    ),
    bpm=127,
    swing=57,
)


def test_output_does_not_depend_on_block_size():
    args = dict(pattern=BLOCK_PATTERN, seed=7, humanize_ms=3.0, kit="909")
    n = 3 * SR + 123
    ref = render_blocks(dict(args), 4096, n)
    assert np.abs(ref).max() > 0.1
    for block in (1, 64, 65, 256, 8193):
        got = render_blocks(dict(args), block, n)
        assert np.array_equal(got, ref), f"block size {block} differs"


def test_same_seed_same_bytes_other_seed_other_hits(tmp_path):
    p = BLOCK_PATTERN
    a = gb.render(p, bars=4, seed=11, path=tmp_path / "a.wav")
    b = gb.render(p, bars=4, seed=11, path=tmp_path / "b.wav")
    c = gb.render(p, bars=4, seed=12, path=tmp_path / "c.wav")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    ea = gb.events(p, bars=4, seed=11)
    ec = gb.events(p, bars=4, seed=12)
    hat = lambda e: e[e["instrument"] == "closed_hat"]["step"].tolist()  # noqa: E731
    assert hat(ea) != hat(ec)


def test_limiter_holds_the_ceiling_and_can_be_turned_off():
    loud = Pattern.from_grid({k: "XXXX XXXX" for k in ("kick", "snare", "clap", "crash", "low_tom", "open_hat")},
                             bpm=160)
    loud = loud.replace(tracks=tuple(t.__class__(t.instrument, t.steps, gain_db=12.0) for t in loud.tracks))
    limited = render_blocks(dict(pattern=loud), 1024, SR)
    ceiling = 10 ** (-0.3 / 20)
    assert np.abs(limited).max() <= ceiling + 1e-7
    assert np.abs(limited).max() > 0.9 * ceiling
    raw = render_blocks(dict(pattern=loud), 1024, SR, limiter=False)
    assert np.abs(raw).max() > 1.5
    assert np.all(np.isfinite(limited))


def test_limiter_leaves_quiet_audio_untouched():
    quiet = Pattern.from_grid({"clave": "x..."}, bpm=120).replace(
        tracks=(Track.from_grid("clave", "x...", gain_db=-12),))
    on = render_blocks(dict(pattern=quiet), 512, SR)
    off = render_blocks(dict(pattern=quiet), 512, SR, limiter=False)
    assert np.array_equal(on, off)


def test_closed_hat_chokes_the_open_hat():
    p = Pattern.from_grid({"open_hat": "x... ....", "closed_hat": ".... x..."}, bpm=240)
    ringing = gb.render(Pattern.from_grid({"open_hat": "x... ...."}, bpm=240), bars=0.5, tail=False, kit="808")
    choked = gb.render(p, bars=0.5, tail=False, kit="808")
    hat_only = gb.render(Pattern.from_grid({"closed_hat": ".... x..."}, bpm=240), bars=0.5, tail=False, kit="808")
    cut = SR // 4 + int(0.006 * SR)  # step 4 at 240 bpm is at 0.25 s; the choke fade lasts 4 ms
    assert np.abs(ringing.samples[cut : cut + 2000]).max() > 1e-3  # it would still ring
    residue = choked.samples[cut:] - hat_only.samples[cut:]
    assert np.abs(residue).max() < 1e-6  # after the fade only the closed hat sounds


def test_voice_stealing_fades_and_stays_finite():
    # 32 instruments x ratchets of 16: far more hits than the 16-voice pool holds.
    from groovebox.model.instruments import INSTRUMENTS

    tracks = tuple(Track.from_grid(i, "XXXX", ratchet={1: 16, 3: 16}) for i in INSTRUMENTS)
    p = Pattern(name="storm", tracks=tracks, bpm=180)
    x = render_blocks(dict(pattern=p), 256, SR, n_voices=16)
    assert np.all(np.isfinite(x)) and np.abs(x).max() <= 10 ** (-0.3 / 20) + 1e-7


def test_mute_silences_a_track():
    p = Pattern.from_grid({"kick": "x...", "clave": "..x."}, bpm=120)
    both = gb.render(p, bars=1, tail=False)
    muted = gb.render(p, bars=1, tail=False, mute=("kick",))
    clave = gb.render(Pattern.from_grid({"clave": "..x."}, bpm=120), bars=1, tail=False)
    assert not np.array_equal(both.samples, muted.samples)
    assert np.array_equal(muted.samples, clave.samples)
    with pytest.raises(gb.GrooveboxError, match="unknown track to mute 'snare'"):
        gb.render(p, bars=1, mute=("snare",))


def test_render_block_without_out_allocates_and_with_out_writes_in_place():
    eng = Engine(SR)
    eng.load(pattern_program(Pattern.from_grid({"kick": "x..."}), RenderOptions(sample_rate=SR)))
    a = eng.render_block(300)
    assert a.shape == (300, 2) and a.dtype == np.float32
    buf = np.full((300, 2), 9.0, np.float32)
    b = eng.render_block(300, buf)
    assert b.base is buf or b is buf
    assert eng.position == 600


def test_engine_rejects_bad_settings():
    for kw in (dict(sample_rate=0), dict(sample_rate=48000.5), dict(n_voices=0), dict(ceiling_db=3.0)):
        with pytest.raises(gb.GrooveboxError):
            Engine(**kw)


def _tapped_render(tap: bool, limiter: bool, block: int, n: int):
    """BLOCK_PATTERN with a room bus (two tracks send to it) and a fader move halfway, rendered
    in blocks of ``block``; with ``tap``, also each block's track signals and bus outputs, placed
    at their mix samples."""
    base = pattern_program(BLOCK_PATTERN, RenderOptions(sample_rate=SR, seed=3, humanize_ms=2.0, kit="909"))
    tracks = [dataclasses.replace(t, sends=(0.4,) if t.name in ("snare", "open_hat") else ()) for t in base.tracks]
    program = Program(sources=base.sources, kit=base.kit, tracks=tracks, meta=base.meta,
                      buses=[[make_effect("reverb", SR, decay_s=0.8)]])
    eng = Engine(SR, max_block=1024, max_tracks=len(tracks), limiter=limiter)
    eng.load(program)
    parts = np.zeros((len(tracks) + 1, n + eng.latency + 1024, 2), np.float32)

    def record(engine, m):
        pos = engine.mix_position
        for t in range(len(tracks)):
            if engine.track_live[t]:
                parts[t, pos : pos + m] = engine.track_out[t, :, :m].T
        parts[-1, pos : pos + m] = engine.bus_buf[0, :, :m].T

    if tap:
        eng.tap_tracks(record)
    out = np.zeros((n, 2), np.float32)
    for start in range(0, n, block):
        if start == n // 2:  # the kick's fader glides down: the gliding path is tapped too
            targets, mute = eng.mix_targets(dataclasses.replace(program, tracks=[
                dataclasses.replace(t, gain_db=t.gain_db - 6.0 if t.name == "kick" else t.gain_db) for t in tracks]))
            eng.swap(None, targets, mute)
        m = min(block, n - start)
        eng.render_block(m, out[start : start + m])
    return out, parts[:, :n]


def test_a_tap_hands_over_each_tracks_share_of_the_mix_and_changes_nothing():
    n = 2 * SR + 77
    plain, _ = _tapped_render(False, True, 512, n)
    tapped, _ = _tapped_render(True, True, 700, n)
    assert np.abs(plain).max() > 0.1
    np.testing.assert_array_equal(tapped, plain)  # tapping leaves the output as it was
    # Limiter off (and no master chain): the tracks and the bus add up to the output exactly,
    # in the engine's own order of float32 additions.
    out, parts = _tapped_render(True, False, 700, n)
    total = np.zeros((n, 2), np.float32)
    for part in parts:
        total += part
    np.testing.assert_array_equal(total, out)
    assert all(np.abs(part).max() > 0.001 for part in parts)  # every track, and the room, is there
