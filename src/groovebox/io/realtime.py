"""Real-time output: a sounddevice stream whose callback is ``Engine.render_block``.

The audio thread is sacred. The callback (:meth:`Deck.callback`) applies the control changes
waiting for it, renders the block in place into sounddevice's ``outdata`` and keeps a few
counters; it does no I/O, allocates no arrays, takes no lock and never waits for anything the
control thread holds.

Control changes reach it through :class:`Handoff`, a single-producer/single-consumer ring:

* a preallocated list of slots and two counters, ``written`` (only the producer stores it) and
  ``read`` (only the consumer stores it), both only ever increasing;
* the producer fills ``slots[written % capacity]`` and *then* stores ``written + 1``; the
  consumer takes slots while ``read != written`` and stores ``read + 1`` after applying one;
* the producer never fills a slot the consumer has not passed (``written - read < capacity``).

Why that is safe in CPython: storing an attribute or a list item is one atomic reference
assignment under the GIL, and the GIL orders memory between threads, so a consumer that sees
the new ``written`` also sees the slot filled before it, and neither side ever writes the
other's counter: there is no read-modify-write race and nothing to lock. Every object a change
carries (programs, kit tables, mix arrays) is built in the control thread and never modified
afterwards, and the producer keeps references to them, so the audio thread never drops the
last reference to a large object (no deallocation in the callback either).

The callback reports back through preallocated int64 arrays (the output position at which each
change took effect, per-block callback times) that the control thread reads.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from groovebox.errors import DeviceError, GrooveboxError
from groovebox.renderer.engine import Engine
from groovebox.renderer.program import Program

CHANNELS = 2
BLOCKSIZE_RANGE = (16, 16384)
MAX_LATENCY_S = 2.0
MAX_TAIL_S = 12.0  # a finite source rings out for at most this long after its end
NO_DEVICE = ("no audio output device found; render to a file instead: "
             "groovebox render PATTERN -o out.wav")


def _sounddevice():
    try:
        import sounddevice as sd  # starts PortAudio (a device scan): only playback pays it
    except OSError as exc:  # the PortAudio library itself is missing
        raise DeviceError(f"cannot play sound here ({exc}); render to a file instead: "
                          "groovebox render PATTERN -o out.wav") from None
    return sd


# -- devices -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutputDevice:
    """An output device as PortAudio lists it."""

    index: int
    name: str
    hostapi: str
    channels: int
    default_sample_rate: int

    def __str__(self) -> str:
        return f"{self.index} '{self.name}' ({self.hostapi})"


class PullOutput:
    """An output without a sound card: whoever holds its stream pulls the blocks, at its own
    pace (the studio streams them to a browser, which plays them with Web Audio).

    Pass it as ``device`` to a :class:`~groovebox.live.player.Player`; the player's callback
    then runs in the thread that calls :meth:`PullStream.pull`.
    """

    index = -1
    hostapi = "pulled"
    channels = CHANNELS

    def __init__(self, name: str = "pulled stream", sample_rate: int = 48000, blocksize: int = 1024):
        self.name = name
        self.default_sample_rate = int(sample_rate)
        self.blocksize = check_blocksize(blocksize)

    def __str__(self) -> str:
        return f"'{self.name}'"

    def open(self, callback, sample_rate: int, blocksize: int | None) -> PullStream:
        return PullStream(callback, sample_rate, blocksize or self.blocksize)


class _NoUnderflow:
    output_underflow = False  # a pulled stream cannot underflow here: the puller waits for it


class PullStream:
    """The stream of a :class:`PullOutput`: ``pull()`` renders the next block.

    ``latency`` (seconds between the block pulled last and what the listener hears) is kept
    up to date by the puller; the player uses it for its playhead and to time changes.
    """

    def __init__(self, callback, sample_rate: int, blocksize: int):
        self.samplerate = int(sample_rate)
        self.blocksize = int(blocksize)
        self.latency = 0.0
        self.active = False
        self._callback = callback
        self._buf = np.zeros((self.blocksize, CHANNELS), np.float32)
        self._status = _NoUnderflow()

    def start(self) -> None:
        self.active = True

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active = False

    def pull(self) -> np.ndarray:
        """The next block, float32 (blocksize, 2); a view reused by the next call."""
        self._callback(self._buf, self.blocksize, None, self._status)
        return self._buf


def output_devices() -> list[OutputDevice]:
    """Every device that can play sound, in PortAudio's order."""
    sd = _sounddevice()
    apis = sd.query_hostapis()
    return [
        OutputDevice(i, d["name"], apis[d["hostapi"]]["name"], int(d["max_output_channels"]),
                     int(d["default_samplerate"]))
        for i, d in enumerate(sd.query_devices()) if d["max_output_channels"] > 0
    ]  # fmt: skip


def rescan_devices() -> None:
    """Make PortAudio list devices again (e.g. after a JACK server started). No stream may be
    open."""
    sd = _sounddevice()
    sd._terminate()
    sd._initialize()


def _listing(devices: list[OutputDevice]) -> str:
    return "; ".join(str(d) for d in devices) if devices else "none"


def find_device(device: int | str | None = None) -> OutputDevice:
    """The output device to play on: the default (None), a PortAudio index, or a name (a
    case-insensitive part of the device or host API name).

    Raises
    ------
    DeviceError
        No output device at all, or none that matches (the message lists them).
    """
    if isinstance(device, PullOutput):
        return device
    devices = output_devices()
    if not devices:
        raise DeviceError(NO_DEVICE)
    if device is None:
        sd = _sounddevice()
        try:
            index = int(sd.query_devices(kind="output")["index"])
        except Exception:  # no default output: the first one that can play
            return devices[0]
        return next((d for d in devices if d.index == index), devices[0])
    if isinstance(device, bool) or not isinstance(device, (int, np.integer, str)):
        raise DeviceError(f"device: expected a device number or name, got {device!r}")
    text = str(device).strip()
    if text.lstrip("-").isdigit():
        index = int(text)
        for d in devices:
            if d.index == index:
                return d
        raise DeviceError(f"no output device number {index}; output devices: {_listing(devices)}")
    low = text.lower()
    exact = [d for d in devices if d.name.lower() == low]
    if exact:
        return exact[0]
    hits = [d for d in devices if low in d.name.lower() or low in d.hostapi.lower()]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise DeviceError(f"device '{text}' matches {len(hits)} outputs: {_listing(hits)}; give its number")
    raise DeviceError(f"unknown device '{text}'; output devices: {_listing(devices)}")


def check_blocksize(blocksize) -> int | None:
    """``blocksize`` in frames (None: the device's choice), or a one-line error."""
    if blocksize is None:
        return None
    lo, hi = BLOCKSIZE_RANGE
    if isinstance(blocksize, bool) or not isinstance(blocksize, (int, np.integer)) or not lo <= blocksize <= hi:
        raise DeviceError(f"blocksize: expected a whole number of frames in {lo}..{hi}, got {blocksize!r}")
    return int(blocksize)


def parse_latency(latency) -> str | float | None:
    """``"low"``, ``"high"``, seconds (a number or numeric text), or None (the device's)."""
    if latency is None or latency in ("low", "high"):
        return latency
    try:
        v = float(latency)
    except (TypeError, ValueError):
        raise DeviceError(f"latency: expected low, high or seconds, got {latency!r}") from None
    if not (math.isfinite(v) and 0.0 < v <= MAX_LATENCY_S):
        raise DeviceError(f"latency: {latency!r} is out of range; expected more than 0 and at most "
                          f"{MAX_LATENCY_S:g} seconds")
    return v


def _device_error(exc, device: OutputDevice, sample_rate: int, blocksize: int | None) -> DeviceError:
    code = exc.args[1] if len(exc.args) > 1 else None
    if code == -9997:  # paInvalidSampleRate
        return DeviceError(f"device {device} does not play at {sample_rate} Hz (its rate is "
                           f"{device.default_sample_rate} Hz)")
    if code == -9985:  # paDeviceUnavailable
        return DeviceError(f"device {device} is busy or unavailable (is another program using it?)")
    if code in (-9990, -9991):  # paBufferTooSmall / paBufferTooBig
        return DeviceError(f"device {device} does not take blocks of {blocksize} frames")
    if code == -9998:  # paInvalidChannelCount
        return DeviceError(f"device {device} has no stereo output")
    return DeviceError(f"device {device}: cannot open an output stream ({exc.args[0]})")


def check_output(device: OutputDevice, sample_rate: int, blocksize: int | None = None) -> None:
    """Raise a one-line DeviceError if ``device`` cannot play float32 stereo at ``sample_rate``."""
    if isinstance(device, PullOutput):
        return
    sd = _sounddevice()
    if device.channels < CHANNELS:
        raise DeviceError(f"device {device} has no stereo output")
    try:
        sd.check_output_settings(device=device.index, channels=CHANNELS, dtype="float32",
                                 samplerate=sample_rate)
    except sd.PortAudioError as exc:
        raise _device_error(exc, device, sample_rate, blocksize) from None


def open_stream(callback, device: OutputDevice, sample_rate: int, blocksize: int | None,
                latency: str | float | None, finished_callback=None):
    """An (unstarted) float32 stereo sounddevice OutputStream (a :class:`PullStream` for a
    :class:`PullOutput`), or a one-line DeviceError."""
    if isinstance(device, PullOutput):
        return device.open(callback, sample_rate, blocksize)
    sd = _sounddevice()
    check_output(device, sample_rate, blocksize)
    try:
        return sd.OutputStream(
            samplerate=sample_rate, blocksize=blocksize or 0, device=device.index,
            channels=CHANNELS, dtype="float32", latency=latency, callback=callback,
            finished_callback=finished_callback, dither_off=True,
        )  # fmt: skip
    except sd.PortAudioError as exc:
        raise _device_error(exc, device, sample_rate, blocksize) from None


# -- the hand-off -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Change:
    """One control change for the audio thread, built whole in the control thread.

    ``program``: swap to it (None: keep). ``targets``/``mute``: new fader targets
    (max_tracks, 2) and mute flags (None: keep). ``deadline``: the change is on time if the
    engine has mixed no further than this sample when it applies (-1: any time). ``end``: stop
    making sound after this output frame (-1: never), or once it has rung out (``tail``).
    """

    seq: int
    program: Program | None = None
    targets: np.ndarray | None = None
    mute: np.ndarray | None = None
    deadline: int = -1
    end: int = -1
    tail: bool = False  # after `end`, play on until every voice has rung out
    label: str = ""


class Handoff:
    """Single-producer/single-consumer ring of changes (see the module docstring)."""

    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self.slots: list[Change | None] = [None] * capacity
        self.written = 0  # stored by the producer only
        self.read = 0  # stored by the consumer only

    def post(self, change: Change) -> bool:
        """Producer: queue ``change``; False when the ring is full (the consumer is stalled)."""
        w = self.written
        if w - self.read >= self.capacity:
            return False
        self.slots[w % self.capacity] = change
        self.written = w + 1  # publish only after the slot is filled
        return True

    @property
    def pending(self) -> int:
        return self.written - self.read


class Capture:
    """Preallocated ring the callback copies its blocks into (for tests and recordings)."""

    def __init__(self, n_frames: int):
        self.data = np.zeros((n_frames, CHANNELS), np.float32)
        self.n = 0

    def write(self, block: np.ndarray, frames: int) -> None:
        n = self.n
        m = min(frames, len(self.data) - n)
        if m > 0:
            self.data[n : n + m] = block[:m]
            self.n = n + m


class Deck:
    """The audio-thread side: an Engine, the change ring, counters, the callback.

    Parameters
    ----------
    engine : Engine
        With its first program loaded.
    timing_slots : int
        Per-block callback times kept for percentiles (a ring; power of two).
    """

    def __init__(self, engine: Engine, *, capacity: int = 256, timing_slots: int = 1 << 16):
        self.engine = engine
        self.handoff = Handoff(capacity)
        self.acks = np.full((capacity, 2), -1, np.int64)  # [seq, output frame it took effect]
        self.timing_ns = np.zeros(timing_slots, np.int64)
        self._mask = timing_slots - 1
        self.blocks = 0
        self.frames = 0
        self.underruns = 0
        self.late = 0  # changes that arrived after their deadline
        self.sum_ns = 0
        self.max_ns = 0
        self.end = -1
        self.tail_end = -1
        self.finished = False
        self.capture: Capture | None = None
        self.error: BaseException | None = None
        self.first_callback_time: float | None = None  # time.time() of the first callback

    @property
    def position(self) -> int:
        """Frames handed to the device so far."""
        return self.frames

    def callback(self, outdata, frames, time_info, status) -> None:
        """The sounddevice callback (audio thread)."""
        t0 = time.perf_counter_ns()
        if self.first_callback_time is None:
            self.first_callback_time = time.time()
        if status.output_underflow:
            self.underruns += 1
        eng = self.engine
        ho = self.handoff
        try:
            while ho.read != ho.written:
                r = ho.read
                ch = ho.slots[r % ho.capacity]
                if ch.deadline >= 0 and eng.mix_position > ch.deadline:
                    self.late += 1
                eng.swap(ch.program, ch.targets, ch.mute)
                if ch.end >= 0:
                    self.end = ch.end
                    self.tail_end = ch.end + (round(MAX_TAIL_S * eng.sample_rate) if ch.tail else 0)
                k = ch.seq % ho.capacity
                self.acks[k, 1] = eng.position
                self.acks[k, 0] = ch.seq  # publishes the ack: written after its position
                ho.read = r + 1
            if self.finished:
                outdata.fill(0.0)
            else:
                eng.render_block(frames, outdata)
                if self.end >= 0 and eng.position >= self.end and (eng.position >= self.tail_end or eng.silent):
                    self.finished = True
        except Exception as exc:  # a bug must not leave garbage in the speakers
            outdata.fill(0.0)
            self.error = exc
            self.finished = True
        dt = time.perf_counter_ns() - t0
        self.timing_ns[self.blocks & self._mask] = dt
        self.blocks += 1
        self.frames += frames
        self.sum_ns += dt
        if dt > self.max_ns:
            self.max_ns = dt
        cap = self.capture
        if cap is not None:
            cap.write(outdata, frames)

    # -- control-thread views -------------------------------------------------------------------
    def applied(self, since: int, until: int) -> dict[int, int]:
        """seq -> output frame, for the changes ``since <= seq < until`` already applied."""
        out = {}
        cap = self.handoff.capacity
        for seq in range(max(since, until - cap), until):
            k = seq % cap
            if self.acks[k, 0] == seq:
                out[seq] = int(self.acks[k, 1])
        return out

    def stats(self, sample_rate: int) -> dict:
        n = self.blocks
        times = self.timing_ns[: min(n, len(self.timing_ns))]
        return {
            "seconds": self.frames / sample_rate,
            "blocks": n,
            "frames": self.frames,
            "underruns": self.underruns,
            "late_changes": self.late,
            "callback_mean_ms": self.sum_ns / n / 1e6 if n else 0.0,
            "callback_p99_ms": float(np.percentile(times, 99)) / 1e6 if n else 0.0,
            "callback_max_ms": self.max_ns / 1e6,
        }


def summary(stats: dict) -> str:
    """``played 6.0 s, 282 blocks, 0 underruns, callback mean 0.05 ms, max 0.40 ms``."""
    text = (f"played {stats['seconds']:.1f} s, {stats['blocks']} blocks, {stats['underruns']} underrun"
            f"{'' if stats['underruns'] == 1 else 's'}, callback mean {stats['callback_mean_ms']:.2f} ms, "
            f"max {stats['callback_max_ms']:.2f} ms")
    if stats.get("late_changes"):
        text += f", {stats['late_changes']} late change{'' if stats['late_changes'] == 1 else 's'}"
    return text


def check_no_error(deck: Deck) -> None:
    if deck.error is not None:
        raise GrooveboxError(f"playback stopped: {type(deck.error).__name__}: {deck.error}")
