"""Live playback: hear a pattern the moment you ask, and change it while it plays.

>>> import groovebox as gb
>>> player = gb.play("funk/funky-drummer")          # doctest: +SKIP
>>> player.set(bpm=104, mute=["open_hat"])          # doctest: +SKIP
>>> player.queue("funk/cissy-strut")                # doctest: +SKIP
>>> player.stop()                                   # doctest: +SKIP
'played 12.3 s, 578 blocks, 0 underruns, callback mean 0.05 ms, max 0.40 ms'

The sound card is fed by the same ``Engine.render_block`` that renders files, called from the
sounddevice callback (:mod:`groovebox.io.realtime`), so what you hear is, sample for sample,
what ``gb.render`` writes for the same settings and the same change timeline
(:meth:`Player.replay` renders that timeline offline).

Everything heavy happens here, in the calling (control) thread: compiling patterns, building
kit tables, computing fader targets. Each change is then handed whole to the audio thread,
which swaps it in at the start of its next block. Where a change lands:

* tempo and swing: on the next step boundary far enough ahead to be on time (the pattern is
  re-anchored there, :meth:`PatternProgram.retimed`); if a queued pattern has not started yet,
  it starts at the new tempo;
* a queued pattern (:meth:`Player.queue`, next/previous in the CLI): on the next bar line;
* mute, solo: at the next block, through the smoothed track faders (no click);
* kit: at the next block; hits already sounding ring out on the old kit's tables
  (:mod:`groovebox.kitarena` keeps them where the voices read them).

Patterns take turns in three *banks* of mixer tracks and voice ids, so a queued pattern's kit
and mix never touch the hits of the pattern still playing before the bar line.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import math
import os
import sys
import threading
import time

import numpy as np

from groovebox.engine import Engine, Program, TrackSettings
from groovebox.errors import GrooveboxError, UnknownNameError
from groovebox.io import realtime as rt
from groovebox.kitarena import N_INSTRUMENTS, KitArena
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.pattern import BPM_RANGE, SWING_RANGE, Pattern
from groovebox.sequencer import PatternProgram

N_BANKS = 3
N_VOICES = 64
GUARD_S = 0.030  # changes are built to land at least this far (plus 2 blocks) ahead of the mix
STOP_FADE_S = 0.08  # stop() glides the faders to silence over this long before closing
SWITCH_INTERVAL_S = 0.0005  # GIL hand-over interval while playing (see Player.start)
RECLAIM_ABOVE = 1 << 24  # samples of kit tables in use before unused kits are given back

_current: Player | None = None
_open: set[Player] = set()  # every started player, so interpreter exit can stop them all
_saved_switch_interval: float | None = None


@dataclasses.dataclass
class _Bank:
    pattern: Pattern
    kit: object  # kit name, Kit or KitTables


def _is_pattern_source(source) -> bool:
    return isinstance(source, (Pattern, str, os.PathLike))


def _preset_or_source(source, seed: int):
    """An ambient preset's soundscape for a bare preset name (``"airports"``), else ``source``.

    Library ids always hold a ``/`` and pattern files end in ``.toml``, so a bare word that
    names a preset cannot be mistaken for either.
    """
    if isinstance(source, str) and "/" not in source and not source.endswith(".toml") \
            and not os.path.exists(source):
        from groovebox.generators import ambient

        if source in ambient.names():
            return ambient.preset(source, seed=seed)
    return source


class Player:
    """A pattern (or any other renderable source) playing on an output device.

    Build it with :func:`play`. Methods may be called from any thread; changes are serialized
    by a lock that only control threads take (the audio thread never does).

    Parameters
    ----------
    source : Pattern, str, PathLike, Soundscape or RenderPlan
        A pattern, a library id, a pattern file, an ambient preset name (``"airports"``), or
        anything ``gb.render`` can plan (only patterns loop and take live tempo, swing, kit and
        pattern changes).
    bpm, swing, kit, seed, humanize_ms
        As for ``gb.render``; None: the pattern's own.
    mute, solo : iterable of str
        Instruments (track names) to mute, or to hear alone.
    device : int or str, optional
        Output device number or name (part of it); default: the system's default output.
    blocksize : int, optional
        Frames per callback (16..16384); default: the device's choice.
    latency : "low", "high" or float seconds, optional
    sample_rate : int, optional
        Default: the device's rate.
    record : bool
        Keep every change so :meth:`replay` can render exactly what was played.
    on_message : callable, optional
        Receives one-line notices (a clamped tempo...); default: print to stderr.
    """

    def __init__(
        self,
        source,
        *,
        bpm: float | None = None,
        swing: float | None = None,
        kit=None,
        seed: int = 0,
        humanize_ms: float = 0.0,
        mute=(),
        solo=(),
        device: int | str | None = None,
        blocksize: int | None = None,
        latency: str | float | None = None,
        sample_rate: int | None = None,
        record: bool = False,
        on_message=None,
    ):
        from groovebox.offline import check_sample_rate

        self.blocksize = rt.check_blocksize(blocksize)
        self.latency = rt.parse_latency(latency)
        self.device = rt.find_device(device)
        if sample_rate is None:  # a ready plan brings its rate; otherwise the device's
            tables = getattr(getattr(source, "program", None), "kit", None)
            sample_rate = tables.sample_rate if tables is not None else self.device.default_sample_rate
        self.sample_rate = check_sample_rate(sample_rate)
        rt.check_output(self.device, self.sample_rate, self.blocksize)  # before any heavy work
        self.record = record
        self._reclaim_ok = not record  # replay() needs every kit region left where it was
        self.messages: list[str] = []
        self._on_message = on_message
        self._lock = threading.RLock()  # control threads only; never taken by the callback
        self._seq = 0
        self._acked = 0  # changes below this number have known output positions in _applied
        self._applied: dict[int, int] = {}
        self._keep: list[tuple[int, Program]] = []  # programs the audio thread may still hold
        self._history: list[rt.Change] = []
        self._stream = None
        self._started_at: float | None = None
        self._stopped: str | None = None
        self.seed = int(seed)
        self.humanize_ms = float(humanize_ms)
        self._bpm = None if bpm is None else self._checked("bpm", bpm, BPM_RANGE, "bpm", clamp=False)
        self._swing = None if swing is None else self._checked("swing", swing, SWING_RANGE, "", clamp=False)
        self._kit = kit
        self.engine = Engine(self.sample_rate, n_voices=N_VOICES, max_tracks=N_BANKS * N_INSTRUMENTS)
        self.deck = rt.Deck(self.engine)
        self._mute: set[str] = set()
        self._solo: set[str] = set()
        source = _preset_or_source(source, self.seed)
        if _is_pattern_source(source):
            self._init_pattern(source)
        else:
            self._init_plan(source)
        self._mute, self._solo = self._names(mute, "mute"), self._names(solo, "solo")
        first = self._program()
        self._initial = first
        self.engine.load(first)
        self._keep.append((-1, first))
        # Load every kernel's cache now, not in the first callback.
        self.engine.render_block(64)
        self.engine.reset()

    # -- setup ----------------------------------------------------------------------------------
    def _init_pattern(self, source) -> None:
        from groovebox.offline import resolve_pattern

        pattern = resolve_pattern(source)
        self.arena = KitArena(self.sample_rate)
        self._banks: list[_Bank | None] = [None] * N_BANKS
        self._banks[0] = _Bank(pattern, self._kit_for(pattern))
        self._cur_bank = 0
        self._cur = self._compile(pattern, 0, start_sample=0)
        self._out: list[tuple[PatternProgram, int]] = []  # (program with an end, bank)
        self._segments: list[PatternProgram] = [self._cur]
        self._plan = None

    def _init_plan(self, source) -> None:
        from groovebox.offline import _plan

        self._plan = _plan(source, self.sample_rate, {})
        self._cur = None

    def _kit_for(self, pattern: Pattern):
        return self._kit if self._kit is not None else (pattern.kit or "808")

    def _compile(self, pattern: Pattern, bank: int, start_sample: int) -> PatternProgram:
        prog = PatternProgram.build(
            pattern, sample_rate=self.sample_rate, bpm=self._bpm, swing=self._swing, seed=self.seed,
            humanize_ms=self.humanize_ms, start_sample=start_sample,
            track_slots=[bank * N_INSTRUMENTS + i for i in range(len(pattern.tracks))],
        )  # fmt: skip
        return dataclasses.replace(prog, track_voice=(prog.track_instr + bank * N_INSTRUMENTS).astype(np.int32))

    # -- programs -------------------------------------------------------------------------------
    def _muted(self, name: str) -> bool:
        return name in self._mute or (bool(self._solo) and name not in self._solo)

    def _tracks(self) -> list[TrackSettings]:
        if self._plan is not None:
            return [dataclasses.replace(t, mute=t.mute or self._muted(t.name)) for t in self._plan.program.tracks]
        tracks = [TrackSettings("", mute=True) for _ in range(N_BANKS * N_INSTRUMENTS)]
        for b, bank in enumerate(self._banks):
            if bank is not None:
                for i, t in enumerate(bank.pattern.tracks):
                    tracks[b * N_INSTRUMENTS + i] = TrackSettings(t.instrument, t.gain_db, t.pan, self._muted(t.instrument))
        return tracks

    def _program(self) -> Program:
        if self._plan is not None:
            return dataclasses.replace(self._plan.program, tracks=self._tracks())
        banks = [(b.kit, b.pattern.instruments) if b is not None else None for b in self._banks]
        kit = self.arena.tables(banks)
        sources = [p for p, _ in self._out] + [self._cur]
        return Program(sources=sources, kit=kit, tracks=self._tracks(),
                       meta={"pattern": self._cur.pattern, "regions": self.arena.regions_of(banks)})

    def _names(self, names, what: str) -> set[str]:
        if isinstance(names, str):
            names = [n for n in names.replace(",", " ").split() if n]
        names = set(names or ())
        known = [t.name for t in self._plan.program.tracks] if self._plan is not None else INSTRUMENTS
        for n in names:
            if n not in known:
                raise UnknownNameError(f"instrument to {what}", str(n), known)
        return names

    def _checked(self, field: str, value, bounds, unit: str, clamp: bool = True) -> float:
        lo, hi = bounds
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise GrooveboxError(f"{field}: expected a number in {lo:g}..{hi:g}, got {value!r}") from None
        if not math.isfinite(v):
            raise GrooveboxError(f"{field}: expected a number in {lo:g}..{hi:g}, got {value!r}")
        if lo <= v <= hi:
            return v
        if not clamp:
            raise GrooveboxError(f"{field}: {value!r} is out of range; expected {lo:g}..{hi:g}")
        c = min(max(v, lo), hi)
        self._say(f"{field} {v:g} is out of range {lo:g}..{hi:g}; using {c:g}" + (f" {unit}" if unit else ""))
        return c

    def _say(self, message: str) -> None:
        self.messages.append(message)
        if self._on_message is not None:
            self._on_message(message)
        else:
            print(f"groovebox: {message}", file=sys.stderr)

    # -- the hand-off ---------------------------------------------------------------------------
    def _guard(self) -> int:
        # A change posted now applies at the start of one of the next blocks the host asks for
        # (hosts such as JACK ask for several callbacks in a burst): the host's period, bounded
        # by the stream's output latency, plus as much again and a margin keeps it on time.
        period = max(self.blocksize or 0, 1024)
        if self._stream is not None:
            period = max(period, round(self._stream.latency * self.sample_rate))
        return 2 * period + round(GUARD_S * self.sample_rate)

    def _drain(self) -> None:
        new = self.deck.applied(self._acked, self._seq)
        self._applied.update(new)
        if self._plan is None:
            for seq, pos in new.items():
                self.arena.applied(seq, pos)
        while self._acked in self._applied:
            self._acked += 1
        # Programs the engine can no longer hold: everything before the newest applied one.
        applied = [k for k, (seq, _) in enumerate(self._keep) if seq < 0 or seq in self._applied]
        if applied:
            del self._keep[: applied[-1]]
        if not self.record:
            for seq in [s for s in self._applied if s < self._acked - 64]:
                del self._applied[seq]

    def _post(self, *, program: Program | None = None, mix: bool = True, deadline: int = -1,
              label: str = "", end: int = -1, tail: bool = False) -> int:
        seq = self._seq
        targets = mute = None
        if mix:
            targets, mute = self.engine.mix_targets(program if program is not None else self._mix_program())
        change = rt.Change(seq, program, targets, mute, deadline, end, tail, label)
        self._drain()
        if not self.deck.handoff.post(change):
            raise GrooveboxError("the audio thread has not taken the last changes; is playback stalled?")
        self._seq += 1
        if program is not None:
            self._keep.append((seq, program))
            if self._plan is None:
                self.arena.retire(program.meta["regions"], seq)
        if self.record:
            self._history.append(change)
        return seq

    def _mix_program(self) -> Program:
        # Only the tracks matter for fader targets.
        return Program(sources=[], kit=None, tracks=self._tracks())

    def _applied_at(self, seq: int) -> int | None:
        self._drain()
        return self._applied.get(seq)

    # -- live controls --------------------------------------------------------------------------
    def _snapshot(self):
        if self._plan is not None:
            return (set(self._mute), set(self._solo))
        return (set(self._mute), set(self._solo), list(self._out), self._cur, self._cur_bank,
                [dataclasses.replace(b) if b is not None else None for b in self._banks],
                list(self._segments), self._bpm, self._swing, self._kit)

    def _restore(self, snap) -> None:
        self._mute, self._solo = snap[:2]
        if self._plan is None:
            (self._out, self._cur, self._cur_bank, self._banks, self._segments, self._bpm, self._swing,
             self._kit) = snap[2:]

    def set(self, *, bpm: float | None = None, swing: float | None = None, mute=None, solo=None,
            kit=None) -> list[str]:
        """Change tempo, swing, mutes, solos or kit while playing.

        Tempo and swing land on the next step (values out of range are clamped, with a
        message), mutes and solos glide in at the next block, a kit takes over at the next block
        while hits already sounding ring out. ``mute``/``solo`` replace the current sets
        (``[]`` clears them). Either everything given changes, or (on an error) nothing.
        Returns the messages this call produced.
        """
        with self._lock:
            start = len(self.messages)
            if (bpm is not None or swing is not None or kit is not None) and self._plan is not None:
                raise GrooveboxError(f"tempo, swing and kit change live only for patterns; "
                                     f"'{self._plan.label}' is not one")
            new_bpm = None if bpm is None else self._checked("tempo", bpm, BPM_RANGE, "bpm")
            new_swing = None if swing is None else self._checked("swing", swing, SWING_RANGE, "")
            new_mute = None if mute is None else self._names(mute, "mute")
            new_solo = None if solo is None else self._names(solo, "solo")
            snap = self._snapshot()
            try:
                deadline, labels = -1, []
                if new_bpm is not None or new_swing is not None:
                    deadline = self._retime(new_bpm, new_swing)
                    labels.append("tempo")
                if new_mute is not None:
                    self._mute = new_mute
                if new_solo is not None:
                    self._solo = new_solo
                if labels and (new_mute is not None or new_solo is not None):
                    labels.append("mix")
                if kit is not None:
                    self._kit = kit
                    for b in self._banks:
                        if b is not None:
                            b.kit = kit
                    self._maybe_reclaim()
                    labels.append("kit")
                if labels:
                    self._post(program=self._program(), deadline=deadline, label="+".join(labels))
                elif new_mute is not None or new_solo is not None:
                    self._post(label="mix")
            except BaseException:
                self._restore(snap)
                raise
            return self.messages[start:]

    def _retime(self, bpm: float | None, swing: float | None) -> int:
        """Re-anchor the current pattern at a step far enough ahead; returns the deadline."""
        cur = self._cur
        if bpm is not None:
            self._bpm = bpm
        if swing is not None:
            self._swing = swing
        slower = cur.retimed(cur.anchor_step, bpm=bpm, swing=swing)
        lead = max(cur.lead_samples, slower.lead_samples)
        at = cur.next_step(self.engine.mix_position + self._guard() + lead)
        new = cur.retimed(at, bpm=bpm, swing=swing)
        self._out = self._live_out()
        if at > cur.anchor_step:
            self._out.append((cur.until(at), self._cur_bank))
        self._cur = new
        self._add_segment(new)
        return new.anchor_sample - new.lead_samples

    def queue(self, source, *, bpm: float | None = None, swing: float | None = None, kit=None) -> int:
        """Switch to another pattern on the next bar line; returns the sample where it starts.

        A pattern that fails to load (or a kit that cannot be built) leaves the current one
        playing and raises a one-line GrooveboxError saying why. Tempo, swing and kit stay as
        set live (or the new pattern's own when they were never set); ``bpm``/``swing``/``kit``
        set them from the new pattern on.
        """
        from groovebox.offline import resolve_pattern

        if self._plan is not None:
            raise GrooveboxError(f"only patterns can be queued after a pattern; '{self._plan.label}' is playing")
        with self._lock:
            snap = self._snapshot()
            try:
                pattern = resolve_pattern(source)
                if bpm is not None:
                    self._bpm = self._checked("tempo", bpm, BPM_RANGE, "bpm")
                if swing is not None:
                    self._swing = self._checked("swing", swing, SWING_RANGE, "")
                if kit is not None:
                    self._kit = kit
                cur = self._cur
                probe = self._compile(pattern, 0, start_sample=0)
                at = cur.next_step(self.engine.mix_position + self._guard() + probe.lead_samples,
                                   cur.pattern.steps_per_bar)
                start = cur.step_to_sample(at)
                replacing = at <= cur.anchor_step  # the current one has not started yet
                self._out = self._live_out()
                bank = self._free_bank(replacing)
                if not replacing:
                    self._out.append((cur.until(at), self._cur_bank))
                new = self._compile(pattern, bank, start_sample=start)
                self._banks[bank] = _Bank(pattern, self._kit_for(pattern))
                self._cur, self._cur_bank = new, bank
                self._add_segment(new)
                self._maybe_reclaim()
                self._post(program=self._program(), deadline=start - new.lead_samples, label="queue")
            except GrooveboxError as exc:
                self._restore(snap)
                sounding = self.now()[0]
                still = f"still playing '{sounding.id or sounding.name}'"
                if self._cur.pattern is not sounding:
                    still += f" ('{self._cur.pattern.id or self._cur.pattern.name}' is queued)"
                raise GrooveboxError(f"cannot queue: {exc}; {still}") from exc
            except BaseException:
                self._restore(snap)
                raise
            return start

    def _live_out(self) -> list[tuple[PatternProgram, int]]:
        pos = self.engine.mix_position
        return [(p, b) for p, b in self._out if p.end_sample < 0 or p.end_sample > pos]

    def _free_bank(self, replacing: bool) -> int:
        busy = {b for _, b in self._out}
        if replacing and self._cur_bank not in busy:
            return self._cur_bank
        if not replacing:
            busy.add(self._cur_bank)
        for k in range(1, N_BANKS + 1):
            b = (self._cur_bank + k) % N_BANKS
            if b not in busy:
                return b
        raise GrooveboxError("patterns are being switched faster than the last ones can end; try again")

    def _add_segment(self, prog: PatternProgram) -> None:
        self._segments = [s for s in self._segments if s.anchor_sample < prog.anchor_sample][-8:] + [prog]

    def _maybe_reclaim(self) -> None:
        if self._reclaim_ok and self.arena.used > RECLAIM_ABOVE:
            self._drain()
            self.arena.reclaim(self.deck.position, self.engine.latency + 2 * self._guard())

    # -- state ----------------------------------------------------------------------------------
    @property
    def pattern(self) -> Pattern | None:
        """The pattern playing now, or queued to play next (None for other sources)."""
        return None if self._cur is None else self._cur.pattern

    @property
    def bpm(self) -> float | None:
        return None if self._cur is None else self._cur.bpm

    @property
    def swing(self) -> float | None:
        return None if self._cur is None else self._cur.swing

    @property
    def kit(self):
        return None if self._cur is None else self._banks[self._cur_bank].kit

    @property
    def muted(self) -> frozenset[str]:
        return frozenset(self._mute)

    @property
    def soloed(self) -> frozenset[str]:
        return frozenset(self._solo)

    @property
    def position_s(self) -> float:
        """Seconds of audio handed to the device so far."""
        return self.deck.frames / self.sample_rate

    @property
    def playing(self) -> bool:
        return self._stream is not None and not self.deck.finished

    def now(self) -> tuple[Pattern, int] | None:
        """The pattern and the step (counted from its start) sounding at the speakers now."""
        if self._cur is None:
            return None
        lat = 0 if self._stream is None else round(self._stream.latency * self.sample_rate)
        s = max(0, self.deck.frames - lat)
        segs = self._segments
        seg = next((p for p in reversed(segs) if p.anchor_sample <= s), segs[0])
        g = seg.anchor_step + math.floor((s - seg.anchor_sample) / seg.step_samples)
        return seg.pattern, max(g, 0)

    @property
    def timeline(self) -> tuple[PatternProgram, ...]:
        """The latest pattern segments (each anchored where it starts: ``anchor_sample`` is the
        sample of step ``anchor_step``, at its ``bpm`` and ``swing``), oldest first."""
        return tuple(self._segments) if self._cur is not None else ()

    def log(self) -> list[tuple[str, int | None]]:
        """(label, output frame where it took effect, or None while pending) of every change
        (``record=True``)."""
        with self._lock:
            self._drain()
            return [(ch.label, self._applied.get(ch.seq)) for ch in self._history]

    def stats(self) -> dict:
        """Seconds played, blocks, underruns, late changes, callback mean/p99/max in ms."""
        return self.deck.stats(self.sample_rate)

    def summary(self) -> str:
        """``played 6.0 s, 282 blocks, 0 underruns, callback mean 0.05 ms, max 0.40 ms``."""
        return rt.summary(self.stats())

    # -- stream ---------------------------------------------------------------------------------
    def start(self) -> Player:
        """Open the output stream and start playing."""
        global _saved_switch_interval
        with self._lock:
            if self._stream is not None:
                return self
            if self._stopped is not None:
                raise GrooveboxError("this player has stopped; gb.play(...) starts a new one")
            if self._plan is not None:
                self._post(mix=False, end=self._plan.frames, tail=self._plan.tail, label="end")
            stream = rt.open_stream(self.deck.callback, self.device, self.sample_rate, self.blocksize,
                                    self.latency)
            # The callback needs the GIL. A full pass of the cyclic garbage collector holds it
            # for tens of ms (numba and friends make for many objects), so everything alive now
            # is moved out of its reach; and busy Python threads hand the GIL over every 0.5 ms
            # instead of every 5 ms, so a UI or a control thread cannot starve the audio.
            gc.collect()
            gc.freeze()
            if _saved_switch_interval is None:
                _saved_switch_interval = sys.getswitchinterval()
                sys.setswitchinterval(SWITCH_INTERVAL_S)
            try:
                stream.start()
            except Exception:
                stream.close()
                raise
            self._stream = stream
            self._started_at = time.perf_counter()
            _open.add(self)
            _stop_all_at_exit()
        return self

    def wait(self, seconds: float | None = None) -> None:
        """Block until ``seconds`` of audio have played in all (None: until a finite source
        ends; forever for patterns, until Ctrl-C)."""
        target = None if seconds is None else round(float(seconds) * self.sample_rate)
        while not self.deck.finished and (target is None or self.deck.frames < target):
            if self._stream is None or not self._stream.active:
                break
            time.sleep(0.01)
        rt.check_no_error(self.deck)

    def stop(self) -> str:
        """Fade out, close the stream and return the summary line (safe to call twice)."""
        global _current, _saved_switch_interval
        with self._lock:
            stream = self._stream
            if stream is None:
                return self._stopped or self.summary()
            try:
                if stream.active and not self.deck.finished:
                    self._fade_out()
            finally:
                self._stream = None
                try:
                    stream.stop()
                finally:
                    stream.close()
                _open.discard(self)
                if _current is self:
                    _current = None
                if not _open:
                    gc.unfreeze()  # back within the collector's reach
                    if _saved_switch_interval is not None:
                        sys.setswitchinterval(_saved_switch_interval)
                        _saved_switch_interval = None
            self._stopped = self.summary()
            return self._stopped

    def _fade_out(self) -> None:
        # Glide every fader to 0 and wait until that has played, so stopping never clicks.
        n = self.engine.max_tracks
        change = rt.Change(self._seq, None, np.zeros((n, 2)), np.ones(n, np.int8), label="fade")
        self._drain()
        if not self.deck.handoff.post(change):
            return
        self._seq += 1
        if self.record:
            self._history.append(change)
        fade = round(STOP_FADE_S * self.sample_rate) + self.engine.latency
        deadline = time.perf_counter() + 1.0
        while time.perf_counter() < deadline:
            at = self._applied_at(change.seq)
            if at is not None and self.deck.frames >= at + fade:
                return
            time.sleep(0.005)

    def __enter__(self) -> Player:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        what = (self.pattern.id or self.pattern.name) if self.pattern is not None else self._plan.label
        state = "playing" if self.playing else "stopped"
        return f"<Player {what!r} on {self.device}, {state}, {self.position_s:.1f} s>"

    # -- offline --------------------------------------------------------------------------------
    def replay(self, n_frames: int | None = None) -> np.ndarray:
        """Render offline exactly what the callback played: the same engine, programs and
        changes, each applied at the output frame where the audio thread applied it.

        Needs ``record=True``. Returns float32 (n_frames, 2) (default: every frame played).
        """
        if not self.record:
            raise GrooveboxError("replay needs a player made with record=True")
        with self._lock:
            self._drain()
            n = self.deck.frames if n_frames is None else int(n_frames)
            eng = Engine(self.sample_rate, n_voices=N_VOICES, max_tracks=N_BANKS * N_INSTRUMENTS)
            eng.load(self._initial)
            out = np.zeros((n, 2), np.float32)
            pos = 0
            for ch in self._history:
                at = self._applied.get(ch.seq)
                if at is None or at >= n:
                    break
                if at > pos:
                    eng.render_block(at - pos, out[pos:at])
                    pos = at
                eng.swap(ch.program, ch.targets, ch.mute)
            if n > pos:
                eng.render_block(n - pos, out[pos:n])
            return out


def play(
    source,
    *,
    blocking: bool = False,
    seconds: float | None = None,
    bpm: float | None = None,
    kit=None,
    swing: float | None = None,
    seed: int = 0,
    humanize_ms: float = 0.0,
    mute=(),
    solo=(),
    device: int | str | None = None,
    blocksize: int | None = None,
    latency: str | float | None = None,
    sample_rate: int | None = None,
    record: bool = False,
    on_message=None,
) -> Player:
    """Play a pattern (library id, file or Pattern) or another source on the sound card.

    Returns the :class:`Player` at once (``blocking=False``), or after ``seconds`` of audio
    (or when a finite source ends, or on Ctrl-C) with the stream closed (``blocking=True``).
    A new ``play`` stops the player started before it (one stream per process, so re-running a
    notebook cell never stacks streams); interpreter or kernel shutdown stops the sound.

    Raises
    ------
    DeviceError
        No output device (use ``gb.render`` instead), busy device, unsupported settings.
    """
    global _current
    stop()
    player = Player(
        source, bpm=bpm, swing=swing, kit=kit, seed=seed, humanize_ms=humanize_ms, mute=mute,
        solo=solo, device=device, blocksize=blocksize, latency=latency, sample_rate=sample_rate,
        record=record, on_message=on_message,
    )  # fmt: skip
    player.start()
    _current = player
    if blocking:
        try:
            player.wait(None if seconds is None else max(0.0, seconds - STOP_FADE_S))  # the fade ends on time
        finally:
            player.stop()
    return player


def stop() -> str | None:
    """Stop the player started last by :func:`play` (if any); returns its summary."""
    player = _current
    return None if player is None else player.stop()


def current() -> Player | None:
    """The player :func:`play` started last, if it is still open."""
    return _current


def _stop_all() -> None:
    for player in list(_open):
        player.stop()


_exit_hook = False


def _stop_all_at_exit() -> None:
    # Registered once a stream is open, so after sounddevice's own exit handler (atexit runs
    # last-registered first): the streams close while PortAudio is still there.
    global _exit_hook
    if not _exit_hook:
        atexit.register(_stop_all)
        _exit_hook = True
