"""The studio's transport: one live :class:`~groovebox.live.player.Player` at a time, playing
on the machine's sound card (``device``) or streamed to the browser (``browser``).

Both ways run the same engine and the same player, so edits, tempo, swing, mutes and kits
land the same way (the next step, the next bar, the next block). In browser mode the player's
output is a :class:`~groovebox.io.realtime.PullOutput`: a pump thread pulls blocks just ahead of
what the browser reports it has played, and hands them to ``send`` (the server pushes them down
a WebSocket to an AudioWorklet). With no browser listening the pump keeps time by the clock, so
the playhead still moves.
"""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Callable

from groovebox.errors import DeviceError, GrooveboxError
from groovebox.io import realtime as rt
from groovebox.live.player import Player
from groovebox.model.pattern import Pattern
from groovebox.renderer.pattern import DEFAULT_KIT

__all__ = ["MODES", "BrowserPump", "Transport", "pick_mode"]

MODES = ("device", "browser")
SAMPLE_RATE = 48000
BROWSER_BLOCK = 1024  # frames per streamed block (21 ms)
AHEAD_S = 0.16  # how far the server renders ahead of what the browser has played
HEADER = struct.Struct("<qi")  # first frame of the block, frames in it; float32 stereo follows


def pick_mode(mode: str, device) -> tuple[str, str]:
    """(mode, why) for ``auto``/``device``/``browser``: ``auto`` is the sound card when there
    is one that plays, else the browser."""
    if mode not in ("auto", *MODES):
        raise GrooveboxError(f"audio: expected auto, device or browser, got {mode!r}")
    if mode == "browser":
        return mode, "in the browser"
    try:
        dev = rt.find_device(device)
        rt.check_output(dev, dev.default_sample_rate)
    except DeviceError as exc:
        if mode == "device":
            raise
        return "browser", f"in the browser (no sound card here: {exc})"
    return "device", f"on {dev}"


class BrowserPump:
    """Pulls a browser-mode player's blocks at the pace the browser plays them."""

    def __init__(self, player: Player, send: Callable[[bytes], None], origin: int = 0):
        self.player = player
        self.send = send
        self.origin = origin  # frames streamed by earlier players: block frames count on from there
        self.sample_rate = player.sample_rate
        self.sent = 0  # frames pulled and sent
        self._report: tuple[int, float] | None = None  # (frame the browser plays, when told)
        self._latency_s = 0.0
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="groovebox-browser-audio", daemon=True)

    def start(self) -> BrowserPump:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(2.0)

    def played(self, frame: int, output_latency_s: float = 0.0) -> None:
        """The browser's report: it is playing ``frame`` (counted from ``origin``) now,
        ``output_latency_s`` before the speakers."""
        self._report = (int(frame) - self.origin, time.monotonic())
        self._latency_s = max(0.0, min(float(output_latency_s), 1.0))

    def listener_gone(self) -> None:
        self._report = None
        self._t0 = time.monotonic() - self.sent / self.sample_rate + AHEAD_S

    def heard(self) -> float:
        """Frame the listener hears now (estimated between reports)."""
        now = time.monotonic()
        if self._report is not None:
            frame, at = self._report
            est = frame + (now - at) * self.sample_rate - self._latency_s * self.sample_rate
        else:  # nobody listening: keep time by the clock
            est = (now - self._t0) * self.sample_rate
        return min(est, float(self.sent))

    def _run(self) -> None:
        ahead = AHEAD_S * self.sample_rate
        while not self._stop.is_set():
            stream = self.player.stream
            if stream is None or not stream.active:
                break
            heard = self.heard()
            if self.sent < heard + ahead:
                first = self.sent
                block = stream.pull()
                self.sent += len(block)
                stream.latency = (self.sent - heard) / self.sample_rate
                self.send(HEADER.pack(self.origin + first, len(block)) + block.tobytes())
            else:
                time.sleep(0.004)


class Transport:
    """Start, stop and change what the studio plays.

    Parameters
    ----------
    mode : "device" or "browser"
    device : int or str, optional
        Output device for device mode (default: the system's).
    send_audio : callable, optional
        Receives browser-mode blocks (bytes); default: dropped.
    on_message : callable
        One-line notices from the player (a clamped tempo...).
    """

    def __init__(self, mode: str = "browser", *, device=None, send_audio: Callable[[bytes], None] | None = None,
                 on_message: Callable[[str], None] | None = None, blocksize: int | None = None):
        if mode not in MODES:
            raise GrooveboxError(f"audio: expected device or browser, got {mode!r}")
        self.mode = mode
        self.device = device
        self.blocksize = blocksize
        self.send_audio = send_audio or (lambda data: None)
        self.on_message = on_message or (lambda m: None)
        self.player: Player | None = None
        self.pump: BrowserPump | None = None
        self.playing_id: str | None = None  # what the player plays when it is not the editor's pattern
        self.origin = 0  # browser mode: frames streamed by earlier players

    @property
    def playing(self) -> bool:
        return self.player is not None and self.player.playing

    def start(self, pattern: Pattern, *, mute=(), solo=(), kit=None) -> None:
        """Play ``pattern`` from its first step (stopping whatever played)."""
        self.stop()
        kit = kit or pattern.kit or DEFAULT_KIT
        if self.mode == "browser":
            out = rt.PullOutput("browser (Web Audio)", SAMPLE_RATE, BROWSER_BLOCK)
            player = Player(pattern, device=out, bpm=pattern.bpm, swing=pattern.swing, kit=kit,
                            mute=sorted(mute), solo=sorted(solo), on_message=self.on_message)
        else:
            player = Player(pattern, device=self.device, blocksize=self.blocksize, bpm=pattern.bpm,
                            swing=pattern.swing, kit=kit, mute=sorted(mute), solo=sorted(solo),
                            on_message=self.on_message)
        player.start()
        self.player = player
        if self.mode == "browser":
            self.pump = BrowserPump(player, self._send, self.origin).start()

    def _send(self, data: bytes) -> None:
        self.send_audio(data)

    def stop(self) -> str | None:
        player, self.player = self.player, None
        self.playing_id = None
        if player is None:
            return None
        line = player.stop()
        if self.pump is not None:
            self.pump.stop()
            self.origin += self.pump.sent
            self.pump = None
        return line

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise GrooveboxError(f"audio: expected device or browser, got {mode!r}")
        self.stop()
        self.mode = mode

    # -- live changes (no-ops when stopped) -------------------------------------------------------
    def edit(self, old: Pattern, new: Pattern, *, kit=None) -> int | None:
        """Hear ``new`` instead of ``old``: tempo and swing from the next step, a kit from the
        next block, the grid from the next step (the next bar for a new bar shape)."""
        p = self.player
        if p is None or not p.playing:
            return None
        if (new.bpm, new.swing) != (old.bpm, old.swing):
            p.set(bpm=new.bpm, swing=new.swing)
        if new.kit != old.kit:
            p.set(kit=new.kit or DEFAULT_KIT)
        if self.playing_id is not None:  # a preview plays: back to the editor's pattern at the bar
            self.playing_id = None
            return p.queue(new, bpm=new.bpm, swing=new.swing)
        if (new.tracks, new.signature, new.steps_per_beat) != (old.tracks, old.signature, old.steps_per_beat):
            return p.edit(new)
        return None

    def queue(self, pattern: Pattern) -> int | None:
        p = self.player
        if p is None or not p.playing:
            return None
        return p.queue(pattern, bpm=pattern.bpm, swing=pattern.swing)

    def mix(self, mute, solo) -> None:
        if self.playing:
            self.player.set(mute=sorted(mute), solo=sorted(solo))

    # -- where the music is ---------------------------------------------------------------------
    def heard_frame(self) -> int | None:
        """The output frame sounding at the speakers (the browser's, in browser mode)."""
        p = self.player
        if p is None:
            return None
        if self.pump is not None:
            return self.origin + int(self.pump.heard())
        stream = p.stream
        lat = 0 if stream is None else round(stream.latency * p.sample_rate)
        return max(0, p.deck.frames - lat)

    def timeline(self) -> dict:
        """The playing pattern's segments, for drawing the playhead from an audio position."""
        p = self.player
        if p is None or not p.playing:
            return {"playing": False, "segments": []}
        return {
            "playing": True,
            "mode": self.mode,
            "sample_rate": p.sample_rate,
            "origin": self.origin if self.mode == "browser" else 0,
            "segments": [
                {"anchor_sample": s.anchor_sample, "anchor_step": s.anchor_step, "step_samples": s.step_samples,
                 "length_steps": s.pattern.length_steps, "steps_per_bar": s.pattern.steps_per_bar,
                 "id": s.pattern.id, "bpm": s.bpm}
                for s in p.timeline
            ],
        }
