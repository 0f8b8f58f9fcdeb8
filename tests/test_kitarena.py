"""Live kit tables: identical sound to the offline kit tables, offsets that never move while a
voice may read them, kit swaps that let ringing hits ring out, space reused and regrown."""

from __future__ import annotations

import numpy as np

import groovebox as gb
from groovebox.kits import kit_tables, placement
from groovebox.kits.arena import N_INSTRUMENTS, KitArena
from groovebox.model.instruments import INSTRUMENT_INDEX
from groovebox.model.options import RenderOptions
from groovebox.renderer.engine import Engine
from groovebox.renderer.program import Program, TrackSettings
from groovebox.renderer.sequencer import PatternProgram

SR = 48000


def variant_samples(kt, instrument: str, vid: int | None = None) -> list[np.ndarray]:
    i = INSTRUMENT_INDEX[instrument] if vid is None else vid
    out = []
    for layer in range(kt.layer_first[i], kt.layer_first[i] + kt.layer_count[i]):
        for v in range(kt.var_first[layer], kt.var_first[layer] + kt.var_count[layer]):
            out.append(kt.data[kt.var_start[v] : kt.var_start[v] + kt.var_len[v]].copy())
    return out


def render_program(program: Program, n: int, block: int = 256) -> np.ndarray:
    eng = Engine(SR, max_tracks=3 * N_INSTRUMENTS)
    eng.load(program)
    out = np.zeros((n, 2), np.float32)
    for s in range(0, n, block):
        eng.render_block(min(block, n - s), out[s : s + block])
    return out


def test_arena_tables_hold_the_kit_tables_samples_for_each_bank():
    arena = KitArena(SR)
    kt = arena.tables([("808", ("kick", "snare")), ("909", ("kick", "open_hat")), None])
    assert kt.data is arena.data
    ref808, ref909 = kit_tables("808", SR, ("kick", "snare")), kit_tables("909", SR, ("kick", "open_hat"))
    for name in ("kick", "snare"):
        assert all(map(np.array_equal, variant_samples(kt, name), variant_samples(ref808, name)))
    for name in ("kick", "open_hat"):
        got = variant_samples(kt, name, N_INSTRUMENTS + INSTRUMENT_INDEX[name])
        assert all(map(np.array_equal, got, variant_samples(ref909, name)))
    assert kt.layer_count[INSTRUMENT_INDEX["open_hat"]] == 0 and kt.layer_count[2 * N_INSTRUMENTS:].sum() == 0
    # Hats choke each other in every bank; a mono drum cuts its own hit across banks.
    assert kt.choke[INSTRUMENT_INDEX["kick"]] == kt.choke[N_INSTRUMENTS + INSTRUMENT_INDEX["kick"]] != 0
    assert kt.choke[N_INSTRUMENTS + INSTRUMENT_INDEX["open_hat"]] == 1


def test_a_pattern_on_arena_tables_sounds_exactly_like_render():
    beat = gb.load("breaks/funky-drummer")
    arena = KitArena(SR)
    prog = PatternProgram.build(beat, RenderOptions(sample_rate=SR))
    pans, _ = placement("909")  # where the 909 puts its drums (the arena holds tables only)
    tracks = [TrackSettings(t.instrument, t.gain_db, pans[t.instrument] if t.pan is None else t.pan)
              for t in beat.tracks]
    live = Program([prog], arena.tables([("909", beat.instruments), None, None]), tracks)
    n = 3 * SR
    np.testing.assert_array_equal(render_program(live, n), gb.render(beat, kit="909", bars=8).samples[:n])


def test_regions_keep_their_offsets_and_samples_while_others_come_and_go():
    arena = KitArena(SR, capacity=1000)  # tiny: forces regrowth
    first = arena.tables([("808", ("kick", "snare"))])
    kick = variant_samples(first, "kick")
    starts = first.var_start.copy()
    arena.tables([("909", ("kick",))])  # another kit, while 808 voices may still ring
    again = arena.tables([("808", ("kick", "snare"))])
    assert np.array_equal(again.var_start, starts) and again.data is not first.data  # regrown
    assert all(map(np.array_equal, variant_samples(again, "kick"), kick))
    # 808 falls out of use with change 7: its space comes back only once its longest hit is over.
    arena.retire(arena.regions_of([("909", ("kick",))]), change=7)
    used = arena.used
    assert arena.reclaim(position=10**9, margin=0) == 0  # change 7 has not taken effect yet
    arena.applied(6, 500)
    assert arena.reclaim(position=10**9, margin=0) == 0
    arena.applied(7, 1000)
    assert arena.reclaim(position=1001, margin=0) == 0  # its hits may still ring
    assert arena.reclaim(position=10**7, margin=0) == 2
    assert arena.used < used
    lofi = arena.tables([("lofi", ("kick",)), ("909", ("kick",))])
    assert lofi.var_start.min() < starts.max()  # reuses the space 808 gave back
    assert all(map(np.array_equal, variant_samples(lofi, "kick"), variant_samples(kit_tables("lofi", SR, ("kick",)), "kick")))


def test_kit_swap_lets_a_ringing_hit_ring_out_on_its_own_samples():
    ride = gb.Pattern.from_grid({"ride": "x" + "." * 31}, bpm=240)
    arena = KitArena(SR)
    prog = PatternProgram.build(ride, RenderOptions(sample_rate=SR))
    tracks = [TrackSettings("ride", pan=placement("808")[0]["ride"])]  # 909's ride sits there too
    eng = Engine(SR, max_tracks=3 * N_INSTRUMENTS)
    eng.load(Program([prog], arena.tables([("808", ("ride",))]), tracks))
    n_swap, n = 14336, 2 * 48000
    out = np.zeros((n, 2), np.float32)
    eng.render_block(n_swap, out[:n_swap])
    swapped = Program([prog], arena.tables([("909", ("ride",))]), tracks)
    eng.swap(swapped, *eng.mix_targets(swapped))
    eng.render_block(n - n_swap, out[n_swap:])
    # Until the next hit (at 2 s) it is the 808 ride alone: nothing cut, no foreign samples.
    np.testing.assert_array_equal(out[: n - 1000], gb.render(ride, bars=2, kit="808").samples[: n - 1000])
