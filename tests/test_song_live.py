"""Songs played live on a JACK dummy server: a jump to the next or previous section lands on
the bar line's exact frame, after it the section plays exactly as the song plays it, looping a
section turns at its end, nothing clicks or underruns, and `groovebox play SONG.toml` shows
the section and bar and takes the keys. Skipped (with the reason) where no JACK server runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

import groovebox as gb
from groovebox.formats.song_toml import loads
from groovebox.io import realtime as rt
from groovebox.live import Player
from groovebox.live.song import ENGINE_OPTIONS, SongSession
from groovebox.renderer.engine import Engine

pytestmark = pytest.mark.realtime
SR = 48000
BAR = 2 * SR  # 4/4 at 120 bpm

CLICKS = """
title = "Three Rooms"
key = "C major"
bpm = 120
seed = 1

[parts.drums]
kind = "drums"
grids = { rim = "x... x... x... x..." }

[parts.drums.variations.b]
grids = { clave = "..x. ..x. ..x. ..x." }

[parts.drums.variations.c]
grids = { clave = "x.x. x.x. x.x. x.x." }

[[sections]]
name = "a"
bars = BARS_A
parts = ["drums"]

[[sections]]
name = "b"
bars = 2
parts = ["drums"]
vary = { drums = "b" }

[[sections]]
name = "c"
bars = 2
parts = ["drums"]
vary = { drums = "c" }
"""


def onsets(x: np.ndarray) -> list[int]:
    """First non-zero sample of each sound that starts after exact silence."""
    nz = np.any(x != 0.0, axis=1)
    return np.flatnonzero(nz & ~np.concatenate([[False], nz[:-1]])).tolist()


def play_until(player: Player, frames: int) -> None:
    deadline = time.perf_counter() + 60
    while player.deck.frames < frames:
        assert time.perf_counter() < deadline, "the stream stopped calling back"
        time.sleep(0.002)


def captured(player: Player, n_frames: int) -> rt.Capture:
    cap = rt.Capture(n_frames)
    player.deck.capture = cap
    return cap


def render_mapped(song, jumps, n_frames: int, block: int = 4096, timemap=None) -> np.ndarray:
    """The song offline with ``jumps`` ((step, bar-line frame)...) or through ``timemap``: the
    sections in the order they were played."""
    s = SongSession(song, SR)
    for step, frame in jumps:
        assert s.jump(step, frame)[0] == frame
    if timemap is not None:
        s.timemap = timemap
    eng = Engine(SR, **ENGINE_OPTIONS)
    eng.load(s.program(lambda name: False))
    eng.reset()
    return np.concatenate([eng.render_block(block) for _ in range(n_frames // block + 1)])[:n_frames]


def test_a_jump_lands_on_the_bar_line_and_plays_the_section_as_the_song_does(jack):
    _, device = jack
    song = loads(CLICKS.replace("BARS_A", "4"))
    player = Player(song, device=device, blocksize=1024, record=True)
    cap = captured(player, 10 * SR)
    player.start()
    try:
        play_until(player, round(0.5 * SR))
        at = player.jump(+1)  # from the middle of a (bar 1 of 4) to b
        assert player.next_position().name == "b"
        play_until(player, at + 2 * BAR + SR // 4)  # b, then c follows it
        assert player.position().name == "c" and player.position().bar == 1
    finally:
        player.stop()
    stats = player.stats()
    assert stats["underruns"] == 0 and stats["late_changes"] == 0
    assert at == BAR  # the first bar line after the key (and the hand-over's guard)
    end = at + 2 * BAR
    got = onsets(cap.data[:end])
    assert got == [k * SR // 2 for k in range(4)] + [at + SR // 4 + k * SR // 2 for k in range(8)]
    # From the bar line on it is section b exactly as the song plays it (at its own frame)
    s = SongSession(song, SR)
    b0 = int(s.section_frames[1])
    straight = render_mapped(song, [], b0 + 2 * BAR)
    np.testing.assert_array_equal(cap.data[at:end], straight[b0 : b0 + 2 * BAR])
    # ... and the whole capture is the song rendered offline in the jumped order
    np.testing.assert_array_equal(cap.data[: cap.n - SR // 5], render_mapped(song, [(1, at)], cap.n)[: cap.n - SR // 5])
    np.testing.assert_array_equal(cap.data[: cap.n], player.replay(cap.n))


def test_jumping_twice_before_the_bar_line_moves_on_twice_and_back_is_refused_at_the_start(jack):
    _, device = jack
    song = loads(CLICKS.replace("BARS_A", "2"))
    done = gb.play(song, device=device, blocksize=1024, blocking=True, seconds=0.5)  # gb.play takes songs
    assert not done.playing and done.deck.frames >= 0.5 * SR and done.song is song
    player = Player(song, device=device, blocksize=1024)
    cap = captured(player, 6 * SR)
    with player:
        play_until(player, round(0.3 * SR))
        with pytest.raises(gb.GrooveboxError, match="'a' is the first section; nothing before it"):
            player.jump(-1)
        at = player.jump(+1)
        assert player.jump(+1) == at  # the same bar line, one section further: c
        assert player.next_position().name == "c"
        with pytest.raises(gb.GrooveboxError, match="'c' is the last section; nothing after it"):
            player.jump(+1)
        play_until(player, at + BAR)
    assert at == BAR
    got = onsets(cap.data[: at + BAR])
    assert got == [k * SR // 2 for k in range(4)] + [at + k * SR // 4 for k in range(8)]  # c: claves on the eighths


def test_a_looped_section_turns_at_its_end_until_the_loop_is_let_go(jack):
    _, device = jack
    song = loads(CLICKS.replace("BARS_A", "1"))
    player = Player(song, device=device, blocksize=512, record=True)
    cap = captured(player, 8 * SR)
    with player:
        play_until(player, round(0.3 * SR))
        assert player.loop() is True
        play_until(player, round(2.6 * SR))
        assert player.position().name == "a" and player.position().looping
        assert player.loop() is False
        play_until(player, 4 * SR + BAR // 2)
    assert player.stats()["underruns"] == 0 and player.stats()["late_changes"] == 0
    got = onsets(cap.data[: 5 * SR])
    # a, a again (looped; the loop let go in its second turn), then b's claves
    rims = [k * SR // 2 for k in range(8)]
    claves = [2 * BAR + SR // 4 + k * SR // 2 for k in range(4)]
    assert got == [x for x in rims + claves if x < 5 * SR]
    # the song offline through the same loop (the map the player built) is what played
    n = cap.n - SR // 5
    np.testing.assert_array_equal(cap.data[:n], render_mapped(song, [], n, timemap=player._song.timemap))
    np.testing.assert_array_equal(cap.data[: cap.n], player.replay(cap.n))


def test_a_template_song_jumps_without_a_click_or_an_underrun(jack):
    _, device = jack
    song = gb.new_song("house", seed=1)
    player = Player(song, device=device, blocksize=1024, record=True)
    cap = captured(player, 12 * SR)
    with player:
        play_until(player, round(1.5 * SR))
        at = player.jump(+1)
        play_until(player, at + 2 * SR)
    stats = player.stats()
    assert stats["underruns"] == 0 and stats["late_changes"] == 0
    s = SongSession(song, SR)
    assert at in s.bar_frames.tolist() and at < s.section_frames[1]  # a bar line of the intro
    x = cap.data[: cap.n - SR // 5]
    assert np.abs(x[at : at + SR]).max() > 0.01  # the next section sounds at once
    np.testing.assert_array_equal(x, render_mapped(song, [(1, at)], len(x)))
    # No click: the steps from sample to sample around the jump are no larger than the music's
    # own (before it, and where the song itself enters that section)
    k = int(s.section_frames[1])
    straight = render_mapped(song, [], k + SR)
    step = np.abs(np.diff(x, axis=0)).max(axis=1)
    own = max(step[: at - 240].max(), np.abs(np.diff(straight[k - 240 : k + 240], axis=0)).max())
    assert step[at - 240 : at + 240].max() <= own * 1.25


# -- the command ---------------------------------------------------------------------------------
def test_cli_plays_a_song_with_section_keys_in_a_terminal(jack, tmp_path):
    import fcntl
    import pty
    import select
    import struct
    import termios

    path = tmp_path / "walk.toml"
    path.write_text(CLICKS.replace("BARS_A", "8"))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "40"}
    proc = subprocess.Popen([sys.executable, "-m", "groovebox", "play", str(path), "--blocksize", "1024"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    out = b""

    def read_for(seconds: float) -> None:
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    return

    def wait_for(pattern: bytes, seconds: float = 30) -> None:
        end = time.monotonic() + seconds
        while not re.search(pattern, out) and time.monotonic() < end:
            read_for(0.1)
        assert re.search(pattern, out), out[-2000:].decode("utf-8", "replace")

    try:
        wait_for(rb"a   bar 1/8")
        os.write(master, b"n")
        wait_for(rb"b at the bar line")
        wait_for(rb"b   bar 1/2")
        os.write(master, b"l")
        wait_for(rb"looping the section")
        wait_for(rb"\xe2\x9f\xb2 loop")  # the screen marks the section as looping
        os.write(master, b"q")
        assert proc.wait(20) == 0
        read_for(0.3)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.decode("utf-8", "replace")
    # (underruns are counted by the tests above; a terminal UI on a busy machine may add one)
    assert re.search(r"played \d+\.\d s, \d+ blocks, \d+ underruns?, callback mean", text), text[-2000:]
    os.close(master)
    os.close(slave)


def test_cli_song_bad_input(jack, cli, tmp_path):
    song = tmp_path / "song.toml"
    song.write_text(CLICKS.replace("BARS_A", "2"))
    r = cli("play", song, "--bpm", "100", "--seconds", "1", "--device", "jack")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--bpm: a song's tempo" in r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(CLICKS.replace("BARS_A", "0"))
    r = cli("play", bad, "--seconds", "1", "--device", "jack")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "bad.toml:" in r.stderr and "bars" in r.stderr
    r = cli("play", song, "--seconds", "1.5", "--blocksize", "1024", "--device", "jack")
    assert r.returncode == 0 and re.search(r"played 1\.\d s, \d+ blocks, 0 underruns", r.stdout), r.stdout + r.stderr
