"""Jumps and loops in a song, offline (no sound card): where a jump lands (the next bar line,
through tempo and meter changes), which section it goes to (pressing twice goes two on, even
where the song would change section anyway), that a loop turns at the section's end, that the
automation follows the song's own frames, and that the result does not depend on the block
size or on when the audio thread takes the new program."""

from __future__ import annotations

import numpy as np
import pytest

import groovebox as gb
from groovebox.live.song import ENGINE_OPTIONS, SongSession
from groovebox.renderer.engine import Engine
from groovebox.renderer.timemap import TimeMap

SR = 24000


@pytest.fixture(scope="module")
def walk():
    return gb.read_song("songs/meter-walk.toml")


def _session(song):
    return SongSession(song, SR)


def test_time_maps_cut_blocks_where_the_song_jumps():
    tm = TimeMap.straight().split(100, song=1000).split(150, song=1050, loop=(1000, 1080))
    assert [tm.song_frame(t) for t in (0, 99, 100, 149, 150, 179, 180, 259, 260)] == \
        [0, 99, 1000, 1049, 1050, 1079, 1000, 1079, 1000]
    assert list(tm.pieces(90, 200)) == [(90, 100, 0, 100), (100, 150, 900, 150), (150, 180, 900, 180),
                                        (180, 200, 820, 260)]
    with pytest.raises(ValueError):
        TimeMap.straight().split(10, song=5, loop=(10, 20))


def test_a_jump_lands_on_the_next_bar_line_through_tempo_and_meter_changes(walk):
    s = _session(walk)
    bars = s.bar_frames.tolist()
    sec = s.section_frames.tolist()
    at, target = s.jump(+1, 1000)
    assert (at, target) == (bars[1], 1)  # from bar 1 of 'four' to 'three' at bar 2's line
    # in 3/4 at 93.5 bpm: the next bar line after a frame in the middle of the section
    s = _session(walk)
    s.jump(+1, 0)  # 'three' from frame 0 (the first bar line)
    mid = bars[4] + (bars[5] - bars[4]) // 2  # half way through the second bar of 'three'
    at, target = s.jump(+1, mid - sec[1])  # (in mix frames: 'three' started at 0)
    assert target == 2 and at == bars[5] - sec[1]
    assert s.at(at).name == "seven" and s.at(at - 1).name == "three"


def test_pressing_next_twice_goes_two_sections_on_even_at_a_section_change(walk):
    s = _session(walk)
    last_bar_of_four = s.bar_frames[2] + 10  # in bar 3, the last of 'four'
    at1, t1 = s.jump(+1, last_bar_of_four)
    assert (at1, t1) == (s.section_frames[1], 1)  # where 'three' starts anyway
    at2, t2 = s.jump(+1, last_bar_of_four)
    assert (at2, t2) == (at1, 2)  # the same bar line, one section further
    with pytest.raises(gb.GrooveboxError, match="'seven' is the last section"):
        s.jump(+1, last_bar_of_four)
    assert s.jump(-1, last_bar_of_four) == (at1, 1)
    s = _session(walk)
    with pytest.raises(gb.GrooveboxError, match="'four' is the first section; nothing before it"):
        s.jump(-1, 5)


def test_a_loop_turns_at_the_section_end_and_lets_the_song_go_on(walk):
    s = _session(walk)
    sec = s.section_frames.tolist()
    s.set_loop(True, 100)
    assert s.end_frame() > 1 << 60
    assert [s.at(t).name for t in (sec[1] - 1, sec[1], 2 * sec[1] + 5)] == ["four", "four", "four"]
    assert s.at(sec[1] + 5).bar == 1
    off = 2 * sec[1] + 50
    s.set_loop(False, off)
    assert s.at(3 * sec[1]).name == "three" and s.end_frame() == 2 * sec[1] + sec[-1]
    with pytest.raises(gb.GrooveboxError, match="has ended; nothing to loop"):
        s.set_loop(True, s.end_frame() + 10)


def test_automation_is_read_at_the_song_frames_that_play(walk):
    s = _session(walk)
    at, _ = s.jump(+2, 500)  # from 'four' to 'seven' at the second bar line
    prog = s.program(lambda name: False)
    mx = prog.mixer
    lane = mx.nodes[mx.node("keys")].lanes["gain_db"]
    got = np.zeros(400)
    mx._fill(lane, at - 200, 400, got)
    want_before = lane.values_at(at - 200, at)
    k = int(s.section_frames[2])
    want_after = lane.values_at(k, k + 200)
    np.testing.assert_array_equal(got, np.concatenate([want_before, want_after]))
    assert want_after[0] == -9  # bar 7:1 of the song, where 'seven' starts


@pytest.mark.parametrize("block,swap_at", [(4096, 1000), (1000, 30000), (257, 47000)])
def test_a_jump_sounds_the_same_whatever_the_blocks_and_whenever_it_is_taken(walk, block, swap_at):
    s = _session(walk)
    first = s.program(lambda name: False)
    at, _ = s.jump(+1, 40000)
    jumped = s.program(lambda name: False)
    n = at + 3 * SR

    def render(block, swap_at):
        eng = Engine(SR, **ENGINE_OPTIONS)
        eng.load(first)
        eng.reset()
        out, pos = [], 0
        while pos < n:
            m = min(block, n - pos)
            if pos < swap_at:
                m = min(m, swap_at - pos)
            out.append(eng.render_block(m))
            pos += m
            if pos == swap_at:
                eng.swap(jumped)
        return np.concatenate(out)

    reference = render(16384, 100)
    assert np.abs(reference[at:]).max() > 0.05
    np.testing.assert_array_equal(render(block, swap_at), reference)
