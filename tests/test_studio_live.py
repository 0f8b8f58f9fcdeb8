"""Edits heard while playing, on a real JACK dummy server: an edited grid lands on the next
step and a reloaded file on the next bar line, with no gap and no click (what the callback
played equals an offline render of the old grid up to the switch and the new one after it),
and a broken file keeps the last good version playing. Skipped where no JACK server runs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import groovebox as gb
from groovebox.formats import pattern_toml
from groovebox.io import realtime as rt
from groovebox.live import Player
from groovebox.model.pattern import Track

pytestmark = pytest.mark.realtime
SR = 48000
STEP = 6000  # samples per 16th at 120 bpm
BAR = 16 * STEP

OLD = gb.Pattern.from_grid({"kick": "x... .... x... ....", "snare": ".... x... .... x...",
                            "closed_hat": "x.x. x.x. x.x. x.x."}, bpm=120, name="Old", genre="test",
                           description="Before the edit.")
NEW = OLD.replace(tracks=(Track.from_grid("kick", "x... .... x.x. ...."),
                          Track.from_grid("snare", ".... x... .... x.o."), OLD.tracks[2]), name="New")

# early hits: a flam and a negative nudge land before their steps, so they need lead time
EARLY = OLD.replace(tracks=(OLD.tracks[0], Track.from_grid("snare", ".... x... .... x...", flam="f... f... f... f..."),
                            Track.from_grid("closed_hat", "x.x. x.x. x.x. x.xx", nudge=-20)), name="Early")


def spliced(old, new, at_step: int, n_steps: int):
    """One long pattern that plays ``old`` up to step ``at_step`` and ``new`` from there: what
    a seamless switch sounds like, rendered offline by gb.render."""
    tracks = []
    for a, b in zip(old.tracks, new.tracks, strict=True):
        steps = [a.steps[g % len(a)] if g < at_step else b.steps[g % len(b)] for g in range(n_steps)]
        tracks.append(Track(a.instrument, tuple(steps), a.gain_db, a.pan))
    return old.replace(tracks=tuple(tracks))


def clickiness(x: np.ndarray) -> float:
    """Largest second difference (a click is a jump the music does not make)."""
    return float(np.max(np.abs(np.diff(x, n=2, axis=0)))) if len(x) > 2 else 0.0


def wait_for(cond, timeout=10.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def check_seamless(player: Player, old, new, start: int, steps_after: int = 32):
    """What the callback played equals the offline render of ``old`` then ``new`` from
    ``start``, exactly, and the switch adds no click."""
    at = start // STEP
    assert at * STEP == start  # a step line
    n_steps = at + steps_after
    wait_for(lambda: player.deck.frames > n_steps * STEP + SR // 2, what="the new version to play")
    played = player.replay(n_steps * STEP)
    # (a few steps more, so an early hit of the next step is in the reference too)
    expected = gb.render(spliced(old, new, at, n_steps + 4), bars=(n_steps + 4) / 16, kit="808").samples[: n_steps * STEP]
    np.testing.assert_allclose(played, expected, rtol=0, atol=1e-6)
    before = gb.render(old, bars=n_steps / 16, kit="808").samples[: n_steps * STEP]
    first_new = np.flatnonzero(np.any(np.abs(played - before) > 1e-6, axis=1))[0]
    around = played[max(0, start - 2048): start + 2048]
    assert clickiness(around) <= clickiness(expected) + 1e-6
    return first_new


@pytest.mark.parametrize("new", [NEW, EARLY], ids=["hits", "flam-and-early-nudge"])
def test_an_edited_grid_is_heard_from_the_next_step_without_a_gap_or_click(jack, new):
    _, device = jack
    player = Player(OLD, device=device, blocksize=256, record=True, kit="808", on_message=lambda m: None)
    with player:
        wait_for(lambda: player.deck.frames > SR // 2, what="the stream")
        posted_at = player.deck.frames
        start = player.edit(new)
        # the next step far enough ahead to be on time: within a step of the hand-off guard
        # plus what the new grid's early hits need (a 20 ms flam, a nudge of -20 % of a step)
        early = 0 if new is NEW else round(0.020 * SR) + STEP // 5
        assert 0 < start - posted_at <= STEP + player._guard() + early + 2
        assert player.timeline[-1].anchor_sample == start and player.pattern == new
        first_new = check_seamless(player, OLD, new, start)
        assert player.stats()["late_changes"] == 0
    # the first new hit is the first step at or after the switch that the edit changed
    changed = [g for g in range(start // STEP, start // STEP + 16)
               if any(a.steps[g % 16] != b.steps[g % 16] for a, b in zip(OLD.tracks, new.tracks, strict=True))]
    lead = 0 if new is NEW else round(0.020 * SR) if new.track("snare").steps[changed[0] % 16].flam else STEP // 5
    assert first_new == changed[0] * STEP - lead


def test_studio_edits_play_on_the_sound_card(jack, tmp_path):
    pytest.importorskip("starlette", reason="the studio extra is not installed")
    from groovebox.studio.session import Studio

    _, device = jack
    s = Studio(OLD, audio="device", device=device, blocksize=256, patterns_dir=tmp_path, out_dir=tmp_path,
               watch=False)
    try:
        assert s.transport.mode == "device"
        s.handle({"op": "play"})
        player = s.transport.player
        wait_for(lambda: player.deck.frames > SR // 2, what="the stream")
        heard = s.transport.heard_frame()
        s.handle({"op": "cell", "track": "snare", "step": 14, "state": "ghost"})
        seg = player.timeline[-1]
        assert seg.pattern.track("snare").grid[14] == "o"
        wait_for(lambda: player.deck.frames > seg.anchor_sample + SR // 4, what="the edit to play")
        assert player.stats()["late_changes"] == 0 and player.stats()["underruns"] == 0
        assert 0 < (seg.anchor_sample - heard) / SR < 0.5  # heard within half a second (a step is 125 ms)
        s.handle({"op": "header", "bpm": 100})
        assert player.bpm == 100
        s.handle({"op": "mute", "track": "kick", "on": True})
        assert player.muted == {"kick"}
        assert s.handle({"op": "stop"})["summary"].startswith("played")
    finally:
        s.close()


# -- play --watch -----------------------------------------------------------------------------------
def save(path: Path, text: str) -> None:
    """Save the way editors do: a new file renamed over the old one."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text)
    tmp.replace(path)


def test_watch_switches_on_the_next_bar_and_a_broken_edit_keeps_the_last_good_one(jack, tmp_path):
    pytest.importorskip("watchfiles", reason="the studio extra is not installed")
    from groovebox.live.watch import watch_player

    _, device = jack
    path = tmp_path / "groove.toml"
    path.write_text(pattern_toml.dumps(OLD))
    messages: list[str] = []
    player = Player(pattern_toml.load(path), device=device, blocksize=256, record=True, kit="808",
                    on_message=lambda m: None)
    with player:
        watcher = watch_player(player, path, messages.append)
        try:
            wait_for(lambda: player.deck.frames > SR // 4, what="the stream")
            saved_at = player.deck.frames
            save(path, pattern_toml.dumps(NEW))
            wait_for(lambda: any("reloaded" in m for m in messages), what="the reload")
            start = player.timeline[-1].anchor_sample
            assert start % BAR == 0 and start > saved_at  # the next bar line
            assert player.pattern == NEW
            save(path, pattern_toml.dumps(NEW).replace("bpm = 120", 'bpm = "fast"'))
            wait_for(lambda: any("still playing" in m for m in messages), what="the error")
            error = next(m for m in messages if "still playing" in m)
            assert f"{path}:3:7: field 'bpm'" in error and "\n" not in error
            path.unlink()
            wait_for(lambda: any("gone" in m for m in messages), what="the deleted file")
            assert player.pattern == NEW  # the last good version plays on
            check_seamless(player, OLD, NEW, start, steps_after=40)
        finally:
            watcher.stop()


def test_cli_play_watch(jack, tmp_path):
    pytest.importorskip("watchfiles", reason="the studio extra is not installed")
    path = tmp_path / "groove.toml"
    path.write_text(pattern_toml.dumps(OLD))
    proc = subprocess.Popen([sys.executable, "-m", "groovebox", "play", str(path), "--watch", "--seconds", "6",
                             "--device", "jack", "--blocksize", "1024", "--no-keys"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("watching" in m for m in lines), timeout=60, what="the watch to start")
        save(path, pattern_toml.dumps(NEW))
        wait_for(lambda: any("reloaded" in m for m in lines), what="the reload")
        save(path, "name = \n")
        wait_for(lambda: any("still playing" in m for m in lines), what="the error line")
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(5)
    assert proc.returncode == 0, lines
    error = next(m for m in lines if "still playing" in m)
    assert error.startswith(f"groovebox: {path}:1:") and "not valid TOML" in error
    assert "next bar line" in next(m for m in lines if "reloaded" in m)
    assert out.strip().startswith("played")


def test_cli_watch_bad_input(cli, tmp_path):
    r = cli("play", str(tmp_path / "nope.toml"), "--watch", "--seconds", "1")
    assert r.returncode == 2 and "no such file to watch" in r.stderr and "Traceback" not in r.stderr
    r = cli("play", "airports", "--watch", "--seconds", "1")
    assert r.returncode == 2 and "--watch needs a pattern file" in r.stderr


def test_pull_output_needs_no_sound_card():
    # the browser path: the same player, pulled block by block, equals the offline render
    player = Player(OLD, device=rt.PullOutput(), kit="808", on_message=lambda m: None)
    with player:
        blocks = np.concatenate([player.stream.pull().copy() for _ in range(100)])
    np.testing.assert_array_equal(blocks, gb.render(OLD, bars=8, kit="808").samples[: len(blocks)])
