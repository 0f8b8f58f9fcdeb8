"""Real-time playback against a real JACK dummy server: real time, no underruns, what the
callback plays is the offline render, live changes land on the right block, step or bar, and
stopping leaves nothing behind. Skipped (with the reason) where no JACK server can run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import groovebox as gb
from groovebox.io import realtime as rt
from groovebox.live import Player
from groovebox.live import patterns as live_patterns
from groovebox.model.options import RenderOptions
from groovebox.renderer.pattern import plan_pattern

pytestmark = pytest.mark.realtime
SR = 48000


def onsets(x: np.ndarray) -> list[int]:
    """First non-zero sample of each sound that starts after exact silence."""
    nz = np.any(x != 0.0, axis=1)
    return np.flatnonzero(nz & ~np.concatenate([[False], nz[:-1]])).tolist()


def started(player: Player, frames: int = 1) -> None:
    deadline = time.perf_counter() + 10
    while player.deck.frames < frames:
        assert time.perf_counter() < deadline, "the stream never called back"
        time.sleep(0.002)


def play_until(player: Player, frames: int) -> None:
    started(player, frames)


def captured(player: Player, n_frames: int) -> np.ndarray:
    cap = rt.Capture(n_frames)
    player.deck.capture = cap
    return cap


# -- real time, underruns, and equality with the offline render ----------------------------------
def test_plays_in_real_time_without_underruns_exactly_what_render_writes(jack):
    _, device = jack
    beat = gb.load("breaks/funky-drummer")
    player = Player(beat, device=device, blocksize=1024, kit="909", swing=58)
    cap = captured(player, 6 * SR)
    with player:
        started(player)
        f0, t0 = player.deck.frames, time.perf_counter()
        time.sleep(5.0)
        f1, t1 = player.deck.frames, time.perf_counter()
    stats = player.stats()
    assert abs((f1 - f0) / SR / (t1 - t0) - 1.0) < 0.02
    assert stats["underruns"] == 0
    assert stats["blocks"] * 1024 == stats["frames"]
    # Sample for sample what gb.render makes of the same pattern and settings.
    n = cap.n - round(0.2 * SR)  # before the stop fade
    offline = gb.render(beat, bars=8, kit="909", swing=58).samples
    n = min(n, len(offline))
    assert n > 4 * SR
    np.testing.assert_array_equal(cap.data[:n], offline[:n])
    assert re.fullmatch(r"played \d+\.\d s, \d+ blocks, 0 underruns, callback mean \d+\.\d\d ms, "
                        r"max \d+\.\d\d ms", player.summary())


# -- live changes ----------------------------------------------------------------------------------
def test_tempo_change_lands_on_the_next_step_at_exact_samples(jack):
    _, device = jack
    clave = gb.Pattern.from_grid({"clave": "x... x... x... x..."}, bpm=120)
    player = Player(clave, device=device, blocksize=256, record=True, on_message=lambda m: None)
    cap = captured(player, 4 * SR)
    with player:
        play_until(player, round(0.6 * SR))
        assert player.set(bpm=150) == []
        play_until(player, round(2.2 * SR))
        assert player.set(bpm=1000) == ["tempo 1000 is out of range 20..400; using 400 bpm"]
        play_until(player, round(2.5 * SR))
    assert player.stats()["late_changes"] == 0
    change = player.timeline[-2]  # the 150 bpm segment (the last one is the clamped 400)
    at, step = change.anchor_sample, change.anchor_step
    assert change.bpm == 150 and at == step * 6000  # a step boundary of 120 bpm (6000 samples)
    applied = [f for label, f in player.log() if label == "tempo"][0]
    assert applied < at < applied + 4 * 6000  # the next steps after it was handed over
    want = [g * 6000 for g in range(0, step, 4)]
    want += [at + (g - step) * 4800 for g in range(step + (-step % 4), 400, 4)]  # 150 bpm: 4800
    stop = player.timeline[-1].anchor_sample
    got = onsets(cap.data[:stop])
    assert got == [s for s in want if s < stop]
    np.testing.assert_array_equal(cap.data[: cap.n], player.replay(cap.n))


def test_mute_glides_in_at_a_block_boundary(jack):
    _, device = jack
    beat = gb.Pattern.from_grid({"rim": "x... x... x... x...", "clave": "..x. ..x. ..x. ..x."}, bpm=120)
    player = Player(beat, device=device, blocksize=256, record=True)
    cap = captured(player, 3 * SR)
    with player:
        play_until(player, round(0.7 * SR))
        player.set(mute=["clave"])
        play_until(player, round(2.0 * SR))
    at = dict(player.log())["mix"]
    assert at % 256 == 0  # applied between two callback blocks
    full = gb.render(beat, bars=2, tail=False).samples
    np.testing.assert_array_equal(cap.data[:at], full[:at])
    # No clave hit after the change; every rim hit still there.
    rims = [s for s in range(0, 2 * SR, 24000)]
    claves = [s for s in range(12000, 2 * SR, 24000)]
    got = onsets(cap.data[: 2 * SR])
    assert got == sorted(rims + [c for c in claves if c < at])
    # The clave sounding at the change fades over the fader glide instead of being cut.
    diff = np.abs(full[at : at + 2000, 0] - cap.data[at : at + 2000, 0])
    if diff.max() > 0:
        assert np.abs(np.diff(cap.data[at - 1 : at + 2000, 0])).max() < 0.2
    np.testing.assert_array_equal(cap.data[: cap.n], player.replay(cap.n))


def test_queued_pattern_starts_on_the_next_bar_line(jack):
    _, device = jack
    a = gb.Pattern.from_grid({"rim": "x... x... x... x..."}, bpm=180, name="a")
    b = gb.Pattern.from_grid({"clave": "x.x. x.x. x.x. x.x."}, bpm=100, name="b")
    bar_a, bar_b = 16 * 4000, 16 * 7200  # 180 and 100 bpm
    player = Player(a, device=device, blocksize=512, record=True)
    cap = captured(player, 5 * SR)
    with player:
        play_until(player, round(0.5 * SR))
        start = player.queue(b)
        with pytest.raises(gb.GrooveboxError,
                           match=r"cannot queue: .*nope\.toml: no such file; still playing 'a' \('b' is queued\)"):
            player.queue("/no/such/dir/nope.toml")
        play_until(player, start + bar_b + 4800)
    assert start % bar_a == 0 and start >= 0.5 * SR
    assert player.pattern.name == "b" and player.bpm == 100  # tempo never set: b's own
    assert player.stats()["late_changes"] == 0
    got = onsets(cap.data[: start + bar_b])
    want = [s for s in range(0, start, 16000)] + [start + k * 14400 for k in range(8)]
    assert got == want
    # From the bar line on it is exactly b rendered on its own.
    b_alone = gb.render(b, bars=1, tail=False).samples
    np.testing.assert_allclose(cap.data[start : start + bar_b], b_alone[:bar_b], atol=1e-6)
    np.testing.assert_array_equal(cap.data[: cap.n], player.replay(cap.n))


def test_kit_switch_lets_sounding_hits_ring_out_on_their_own_tables(jack):
    _, device = jack
    ride = gb.Pattern.from_grid({"ride": "x..............." + "." * 16}, bpm=240)  # a hit every 2 s
    bar2 = 32 * 3000
    player = Player(ride, device=device, blocksize=256, kit="808", record=True)
    cap = captured(player, 3 * SR)
    with player:
        play_until(player, round(0.3 * SR))
        player.set(kit="909")
        play_until(player, bar2 + SR // 2)
    at = dict(player.log())["kit"]
    assert 0 < at < bar2
    old = gb.render(ride, bars=2, kit="808").samples
    # The 808 ride keeps ringing on 808 tables across the switch ...
    np.testing.assert_array_equal(cap.data[:bar2], old[:bar2])
    # ... and goes on under the next hit, a 909 ride (variants are picked by onset sample).
    n = SR // 2
    one = {"808": "x" + "." * 63, "909": "." * 32 + "x" + "." * 31}
    old_tail, new = (gb.render(gb.Pattern.from_grid({"ride": g}, bpm=240), bars=3, kit=k).samples
                     for k, g in one.items())
    np.testing.assert_allclose(cap.data[bar2 : bar2 + n], old_tail[bar2 : bar2 + n] + new[bar2 : bar2 + n],
                               atol=2e-6)
    assert np.abs(old_tail[bar2 : bar2 + n]).max() > 1e-5  # there is a tail to hear
    assert np.abs(cap.data[: cap.n]).max() < 1.0
    np.testing.assert_array_equal(cap.data[: cap.n], player.replay(cap.n))


# -- lifecycle -------------------------------------------------------------------------------------
def test_stop_is_clean_and_a_new_play_replaces_the_old_one(jack):
    _, device = jack
    before = set(threading.enumerate())
    first = gb.play("rock/straight-eighths", device=device, blocksize=1024)
    stream = first._stream
    started(first)
    second = gb.play("breaks/funky-drummer", device=device, blocksize=1024)
    assert stream.closed and not first.playing
    assert gb.live.current() is second and second.playing
    started(second, second.deck.frames + 2048)
    stream = second._stream
    line = gb.stop()
    assert line.startswith("played ") and stream.closed and gb.live.current() is None
    assert set(threading.enumerate()) == before
    assert second.stop() == line  # stopping twice is harmless
    with pytest.raises(gb.GrooveboxError, match=r"this player has stopped; gb\.play\(\.\.\.\) starts a new one"):
        second.start()


def test_blocking_play_of_a_finite_plan_ends_by_itself(jack):
    _, device = jack
    plan = plan_pattern(gb.Pattern.from_grid({"rim": "x..."}, bpm=240), RenderOptions(sample_rate=SR, bars=1))
    t0 = time.perf_counter()
    player = gb.play(plan, blocking=True, device=device, blocksize=1024)
    assert time.perf_counter() - t0 < 5
    assert not player.playing and player.deck.frames >= plan.frames
    with pytest.raises(gb.GrooveboxError, match="only for patterns"):
        player.set(bpm=100)


def test_device_errors_are_one_clear_line(jack):
    _, device = jack
    with pytest.raises(gb.GrooveboxError, match=r"unknown device 'no-such-card'; output devices: \d+ '"):
        gb.play("rock/straight-eighths", device="no-such-card")
    with pytest.raises(gb.GrooveboxError, match=r"does not play at 44100 Hz \(its rate is 48000 Hz\)"):
        gb.play("rock/straight-eighths", device=device, sample_rate=44100)
    for bad in (0, -5, 10**7, 3.5):
        with pytest.raises(gb.GrooveboxError, match=r"blocksize: expected a whole number of frames in 16\.\.16384"):
            gb.play("rock/straight-eighths", device=device, blocksize=bad)
    with pytest.raises(gb.GrooveboxError, match="latency: expected low, high or seconds"):
        gb.play("rock/straight-eighths", device=device, latency="soon")
    assert gb.live.current() is None


# -- the command -----------------------------------------------------------------------------------
def test_cli_play_for_seconds_prints_the_summary(jack, cli):
    r = cli("play", "rock/straight-eighths", "--seconds", "2", "--blocksize", "1024", "--bpm", "132",
            "--kit", "909", "--device", "jack")
    assert r.returncode == 0, r.stderr
    assert re.search(r"played 2\.0 s, \d+ blocks, 0 underruns, callback mean \d+\.\d\d ms, max \d+\.\d\d ms",
                     r.stdout), r.stdout


def test_an_ambient_preset_plays_what_render_writes(jack):
    _, device = jack
    player = Player("drift", seed=2, device=device, blocksize=1024)
    cap = captured(player, 2 * SR)
    with player:
        play_until(player, 2 * SR)
    offline = gb.render(gb.ambient.preset("drift", seed=2), seconds=4).samples
    assert np.abs(cap.data[: 2 * SR]).max() > 1e-3
    np.testing.assert_array_equal(cap.data[: 2 * SR], offline[: 2 * SR])


def test_cli_plays_an_ambient_preset(jack, cli):
    r = cli("play", "airports", "--seconds", "2", "--blocksize", "1024", "--seed", "3", "--device", "jack")
    assert r.returncode == 0, r.stderr
    assert re.search(r"played 2\.0 s, \d+ blocks, 0 underruns", r.stdout), r.stdout


def test_cli_play_bad_input(jack, cli):
    r = cli("play", "rock/straight-eighths", "--seconds", "1", "--device", "no-such-card")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown device 'no-such-card'" in r.stderr
    r = cli("play", "rock/straight-eighths", "--seconds", "1", "--blocksize", "0")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "blocksize" in r.stderr
    r = cli("play", "rock/straight-eighths", "--seconds", "1", "--sample-rate", "44100", "--device", "jack")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "44100 Hz" in r.stderr


def test_cli_play_without_any_device_suggests_render(cli, tmp_path):
    env = {**os.environ, "JACK_DEFAULT_SERVER": f"no-such-server-{os.getpid()}", "JACK_NO_START_SERVER": "1"}
    n = subprocess.run([sys.executable, "-c", "import sounddevice as sd; print(sum(d['max_output_channels'] > 0 "
                        "for d in sd.query_devices()))"], capture_output=True, text=True, env=env)
    if n.returncode != 0 or n.stdout.strip() != "0":
        pytest.skip("this machine has a sound card, so 'no device' cannot be shown")
    r = cli("play", "rock/straight-eighths", "--seconds", "1", env=env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "no audio output device found; render to a file instead: groovebox render" in r.stderr


def test_cli_live_keys_in_a_terminal(jack):
    """In a terminal: the grid with a playhead, keys change tempo, mute and pattern, q quits
    with the summary, and the terminal is left as it was."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    before = termios.tcgetattr(slave)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "40"}
    proc = subprocess.Popen([sys.executable, "-m", "groovebox", "play", "rock/straight-eighths", "--bpm", "120",
                             "--blocksize", "1024"], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    out = b""

    def read_for(seconds: float) -> None:
        nonlocal out
        import select

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    return

    def wait_for(text: bytes, seconds: float = 20) -> None:
        end = time.monotonic() + seconds
        while text not in out and time.monotonic() < end:
            read_for(0.1)
        assert text in out, out[-2000:].decode("utf-8", "replace")

    try:
        wait_for(b"120 bpm")
        for key in (b"+", b"+", b">"):
            os.write(master, key)
            read_for(0.3)
        wait_for(b"132 bpm")
        os.write(master, b"1")  # mute the first row
        wait_for(b"muted")
        os.write(master, b"n")
        wait_for(b"on the bar line")
        os.write(master, b"q")
        assert proc.wait(20) == 0
        read_for(0.3)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.decode("utf-8", "replace")
    assert re.search(r"played \d+\.\d s, \d+ blocks, \d+ underruns?, callback mean", text), text[-2000:]
    after = termios.tcgetattr(slave)
    assert after == before  # cbreak mode undone
    os.close(master)
    os.close(slave)


def test_demo_plays_through_the_live_player(jack, cli, tmp_path):
    r = cli("demo", "--out", tmp_path, "--seconds", "0.3")
    assert r.returncode == 0, r.stderr
    assert "playing on" in r.stdout and r.stdout.count("▶") == 9  # 7 patterns, ambient, progression
    assert len(re.findall(r"played 0\.3 s, \d+ blocks, \d+ underruns?", r.stdout)) == 9, r.stdout
    assert sorted(p.name for p in tmp_path.iterdir())[:2] == ["ambient--airports.wav", "blues--slow-blues-12-8--acoustic.wav"]


def test_interpreter_exit_stops_the_sound_cleanly(jack):
    _, device = jack
    code = (f"import time, groovebox as gb\n"
            f"p = gb.play('rock/straight-eighths', device={device}, blocksize=1024)\n"
            f"time.sleep(0.5)\nprint(p.playing)\n")  # exits without stop()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "True" and r.stderr == "", r.stderr


def test_cli_ctrl_c_stops_with_the_summary(jack):
    import signal

    proc = subprocess.Popen([sys.executable, "-m", "groovebox", "play", "rock/straight-eighths", "--blocksize",
                             "1024", "--verbose"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while "playing rock/straight-eighths" not in (line := proc.stdout.readline()):
            assert line, proc.stderr.read()
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert re.search(r"played 1\.\d s, \d+ blocks, \d+ underruns?, callback mean", out), out + err
    assert "Traceback" not in err


def test_kit_space_is_reclaimed_and_reused_without_touching_sounding_hits(jack, monkeypatch):
    _, device = jack
    monkeypatch.setattr(live_patterns, "RECLAIM_ABOVE", 0)  # give back every unused kit at once
    # One ride every 2 s hard left; short rims hard right, whose kits come and go.
    ride = gb.Track.from_grid("ride", "x" + "." * 31, pan=-1.0)
    rim = gb.Track.from_grid("rim", "..x. ..x. ..x. ..x. ..x. ..x. ..x. ..x.", pan=1.0)
    beat = gb.Pattern(name="t", tracks=(ride, rim), bpm=240)
    player = Player(beat, device=device, blocksize=256, kit="808")
    cap = captured(player, 4 * SR)
    with player:
        # A kit every 0.1 s while the first ride rings (lofi and acoustic dry: their room's tail
        # is a bus's, not the tables' business).
        dry = [gb.get_kit(k).with_room(None) for k in ("lofi", "acoustic")]
        for k in ["909", dry[0], dry[1], "808"] * 3:
            play_until(player, player.deck.frames + round(0.1 * SR))
            player.set(kit=k)
        play_until(player, 3 * SR)
    assert player.arena.reclaimed > 0
    # The first ride rang on its 808 tables through twelve kit changes and the reuse of the
    # space the other kits gave back: its samples are exactly those of a plain 808 render.
    ride_only = gb.render(beat.replace(tracks=(ride,)), kit="808", bars=2).samples
    upto = 2 * SR - 1000  # before the next ride
    np.testing.assert_array_equal(cap.data[:upto, 0], ride_only[:upto, 0])
    assert np.abs(cap.data[:upto, 1]).max() > 0.01  # the rims were there, on the other side
