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
  (:mod:`groovebox.kits.arena` keeps them where the voices read them);
* a song's next or previous section (:meth:`Player.jump`): on the next bar line; looping the
  section (:meth:`Player.loop`): at once (it turns at the section's end).

The player owns the stream, the hand-off and the mix (mutes, solos); what plays comes from a
*session*: a :class:`~groovebox.live.patterns.PatternSession` for a looping pattern (live tempo,
kit and pattern changes), a :class:`~groovebox.live.song.SongSession` for a song (sections,
jumps, loops) or a :class:`PlanSession` for any other source. With ``record=True`` a
:class:`~groovebox.live.recorder.Recorder` keeps every change for :meth:`Player.replay`.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
import time
from dataclasses import replace

import numpy as np

from groovebox import checks, library
from groovebox.errors import GrooveboxError, UnknownNameError
from groovebox.formats import song_toml
from groovebox.generators import ambient
from groovebox.io import realtime as rt
from groovebox.kits import synth
from groovebox.kits.arena import N_INSTRUMENTS
from groovebox.live.patterns import N_BANKS, PatternSession
from groovebox.live.recorder import Recorder
from groovebox.live.song import ENGINE_OPTIONS as SONG_ENGINE_OPTIONS
from groovebox.live.song import SongPosition, SongSession
from groovebox.model.options import RenderOptions, names_of
from groovebox.model.pattern import BPM_RANGE, SWING_RANGE, Pattern
from groovebox.model.song import Song
from groovebox.renderer.engine import Engine
from groovebox.renderer.plan import plan
from groovebox.renderer.program import Program, RenderPlan
from groovebox.renderer.timemap import FOREVER, MappedSource

__all__ = ["Player", "PlanSession", "current", "play", "stop"]

N_VOICES = 64
GUARD_S = 0.030  # changes are built to land at least this far (plus 2 blocks) ahead of the mix
STOP_FADE_S = 0.08  # stop() glides the faders to silence over this long before closing
SWITCH_INTERVAL_S = 0.0005  # GIL hand-over interval while playing (see Player.start)

_current: Player | None = None
_open: set[Player] = set()  # every started player, so interpreter exit can stop them all
_saved_switch_interval: float | None = None


def _preset_or_source(source, seed: int | None):
    """An ambient preset's soundscape for a bare preset name (``"airports"``), else ``source``.

    Library ids always hold a ``/`` and pattern files end in ``.toml``, so a bare word that
    names a preset cannot be mistaken for either.
    """
    if isinstance(source, str) and "/" not in source and not source.endswith(".toml") \
            and not os.path.exists(source) and source in ambient.names():
        return ambient.preset(source, seed=seed or 0)
    return source


def _song_or_none(source) -> Song | None:
    """A Song for a Song or a song map file (``.toml`` with sections), else None."""
    if isinstance(source, Song):
        return source
    if isinstance(source, str | os.PathLike) and song_toml.is_song_map(source):
        return song_toml.load(source)
    return None


class PlanSession:
    """A finite (or free-running) source that plays as planned: a soundscape, an arrangement."""

    def __init__(self, the_plan: RenderPlan):
        self.plan = the_plan

    def track_names(self) -> list[str]:
        return [t.name for t in self.plan.program.tracks]

    def tracks(self, muted) -> list:
        return [replace(t, mute=t.mute or muted(t.name)) for t in self.plan.program.tracks]

    def program(self, muted) -> Program:
        return replace(self.plan.program, tracks=self.tracks(muted))


class Player:
    """A pattern (or any other renderable source) playing on an output device.

    Build it with :func:`play`. Methods may be called from any thread; changes are serialized
    by a lock that only control threads take (the audio thread never does).

    Parameters
    ----------
    source : Pattern, str, PathLike, Song, Soundscape or RenderPlan
        A pattern, a library id, a pattern file, a song or song map file (played from its first
        bar; :meth:`jump` and :meth:`loop` move around it), an ambient preset name
        (``"airports"``), or anything ``gb.render`` can plan (only patterns loop and take live
        tempo, swing, kit and pattern changes).
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
    **options
        :class:`~groovebox.model.options.RenderOptions` fields: ``bpm``, ``swing``, ``kit``,
        ``seed``, ``humanize_ms``, ``mute``, ``solo`` (None: the pattern's own).
    """

    def __init__(self, source, *, device: int | str | None = None, blocksize: int | None = None,
                 latency: str | float | None = None, sample_rate: int | None = None, record: bool = False,
                 on_message=None, **options):
        opts = RenderOptions.of(**options)
        self.blocksize = rt.check_blocksize(blocksize)
        self.latency = rt.parse_latency(latency)
        self.device = rt.find_device(device)
        if sample_rate is None:  # a ready plan brings its rate; otherwise the device's
            tables = getattr(getattr(source, "program", None), "kit", None)
            sample_rate = tables.sample_rate if tables is not None else self.device.default_sample_rate
        self.sample_rate = checks.sample_rate(sample_rate)
        rt.check_output(self.device, self.sample_rate, self.blocksize)  # before any heavy work
        opts = replace(opts, sample_rate=self.sample_rate)
        self.options = opts
        self.messages: list[str] = []
        self._on_message = on_message
        self._lock = threading.RLock()  # control threads only; never taken by the callback
        self._seq = 0
        self._acked = 0  # changes below this number have known output positions in _applied
        self._applied: dict[int, int] = {}
        self._keep: list[tuple[int, Program]] = []  # programs the audio thread may still hold
        self._stream = None
        self._started_at: float | None = None
        self._stopped: str | None = None
        source = _preset_or_source(source, opts.seed)
        song = _song_or_none(source)
        if song is not None:
            opts.only(("mute", "solo", "sample_rate"), "a song (its tempo, kits and seed are in the song map)")
            self._session = SongSession(song, self.sample_rate)
        elif isinstance(source, Pattern | str | os.PathLike):
            pattern = source if isinstance(source, Pattern) else library.load(source)
            # Kit tables must stay where voices read them for a replay, so only reclaim without one.
            self._session = PatternSession(pattern, replace(opts, mute=(), solo=()), self.sample_rate,
                                           reclaim=not record)
            # Kits can change while playing: load every drum kernel now, not in the music.
            synth.load_kernels()
        else:
            self._session = PlanSession(plan(source, RenderOptions(sample_rate=self.sample_rate)))
        self.engine = self._new_engine()
        self.deck = rt.Deck(self.engine)
        self._mute: set[str] = self._names(opts.mute, "mute")
        self._solo: set[str] = self._names(opts.solo, "solo")
        first = self._program()
        self.engine.load(first)
        self._keep.append((-1, first))
        self._recorder = Recorder(first, self._new_engine) if record else None
        # Load every kernel's cache now, not in the first callback.
        self.engine.render_block(64)
        self.engine.reset()
        if first.mixer is not None:
            first.mixer.warm_up()
        if self._song is not None:
            MappedSource.warm_up()

    def _new_engine(self) -> Engine:
        if isinstance(self._session, SongSession):
            return Engine(self.sample_rate, **SONG_ENGINE_OPTIONS)  # the safety limiter on
        return Engine(self.sample_rate, n_voices=N_VOICES, max_tracks=N_BANKS * N_INSTRUMENTS)

    @property
    def record(self) -> bool:
        return self._recorder is not None

    @property
    def _patterns(self) -> PatternSession | None:
        return self._session if isinstance(self._session, PatternSession) else None

    @property
    def _song(self) -> SongSession | None:
        return self._session if isinstance(self._session, SongSession) else None

    # -- programs -------------------------------------------------------------------------------
    def _muted(self, name: str) -> bool:
        return name in self._mute or (bool(self._solo) and name not in self._solo)

    def _program(self) -> Program:
        return self._session.program(self._muted)

    def _names(self, names, what: str) -> set[str]:
        names = set(names_of(names, what))
        known = self._session.track_names()
        for n in names:
            if n not in known:
                raise UnknownNameError(f"instrument to {what}", str(n), known)
        return names

    def _checked(self, field: str, value, bounds, unit: str) -> float:
        """A live tempo or swing: clamped into range with a notice (a knob turned too far)."""
        lo, hi = bounds
        v = checks.number(value, field, -float("inf"), float("inf"), f"a number in {lo:g}..{hi:g}")
        if lo <= v <= hi:
            return v
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

    def _not_before(self) -> int:
        """The earliest mix frame a change posted now can still land on time."""
        return self.engine.mix_position + self._guard()

    def _drain(self) -> None:
        new = self.deck.applied(self._acked, self._seq)
        self._applied.update(new)
        if self._patterns is not None:
            for seq, pos in new.items():
                self._patterns.arena.applied(seq, pos)
        while self._acked in self._applied:
            self._acked += 1
        # Programs the engine can no longer hold: everything before the newest applied one.
        applied = [k for k, (seq, _) in enumerate(self._keep) if seq < 0 or seq in self._applied]
        if applied:
            del self._keep[: applied[-1]]
        if self._recorder is None:
            for seq in [s for s in self._applied if s < self._acked - 64]:
                del self._applied[seq]

    def _post(self, *, program: Program | None = None, mix: bool = True, deadline: int = -1,
              label: str = "", end: int = -1, tail: bool = False) -> int:
        seq = self._seq
        targets = mute = None
        if mix:
            mix_program = program if program is not None else Program(sources=[], kit=None, tracks=self._session.tracks(self._muted))
            targets, mute = self.engine.mix_targets(mix_program)
        change = rt.Change(seq, program, targets, mute, deadline, end, tail, label)
        self._drain()
        if not self.deck.handoff.post(change):
            raise GrooveboxError("the audio thread has not taken the last changes; is playback stalled?")
        self._seq += 1
        if program is not None:
            self._keep.append((seq, program))
            if self._patterns is not None:
                self._patterns.arena.retire(program.meta["regions"], seq)
        if self._recorder is not None:
            self._recorder.record(change)
        return seq

    def _applied_at(self, seq: int) -> int | None:
        self._drain()
        return self._applied.get(seq)

    def _maybe_reclaim(self) -> None:
        s = self._patterns
        if s is not None and s.needs_reclaim():
            self._drain()
            s.arena.reclaim(self.deck.position, self.engine.latency + 2 * self._guard())

    # -- live controls --------------------------------------------------------------------------
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
            s = self._patterns
            if (bpm is not None or swing is not None or kit is not None) and s is None:
                raise GrooveboxError(f"tempo, swing and kit change live only for patterns; "
                                     f"'{self._session.plan.label}' is not one")
            new_bpm = None if bpm is None else self._checked("tempo", bpm, BPM_RANGE, "bpm")
            new_swing = None if swing is None else self._checked("swing", swing, SWING_RANGE, "")
            new_mute = None if mute is None else self._names(mute, "mute")
            new_solo = None if solo is None else self._names(solo, "solo")
            old_mute, old_solo = set(self._mute), set(self._solo)
            old = s.t.copy() if s is not None else None
            try:
                if kit is not None:
                    s.prepare(kit=kit)  # build the kit before a tempo change is timed
                deadline, labels = -1, []
                if new_bpm is not None or new_swing is not None:
                    deadline = s.retime(new_bpm, new_swing, self._not_before())
                    labels.append("tempo")
                if new_mute is not None:
                    self._mute = new_mute
                if new_solo is not None:
                    self._solo = new_solo
                if labels and (new_mute is not None or new_solo is not None):
                    labels.append("mix")
                if kit is not None:
                    s.set_kit(kit)
                    self._maybe_reclaim()
                    labels.append("kit")
                if labels:
                    self._post(program=self._program(), deadline=deadline, label="+".join(labels))
                elif new_mute is not None or new_solo is not None:
                    self._post(label="mix")
            except BaseException:
                self._mute, self._solo = old_mute, old_solo
                if s is not None:
                    s.t = old
                raise
            return self.messages[start:]

    def queue(self, source, *, bpm: float | None = None, swing: float | None = None, kit=None) -> int:
        """Switch to another pattern on the next bar line; returns the sample where it starts.

        A pattern that fails to load (or a kit that cannot be built) leaves the current one
        playing and raises a one-line GrooveboxError saying why. Tempo, swing and kit stay as
        set live (or the new pattern's own when they were never set); ``bpm``/``swing``/``kit``
        set them from the new pattern on.
        """
        s = self._patterns
        if s is None:
            raise GrooveboxError(f"only patterns can be queued after a pattern; '{self._session.plan.label}' is playing")
        with self._lock:
            old = s.t.copy()
            try:
                pattern = source if isinstance(source, Pattern) else library.load(source)
                new_bpm = None if bpm is None else self._checked("tempo", bpm, BPM_RANGE, "bpm")
                new_swing = None if swing is None else self._checked("swing", swing, SWING_RANGE, "")
                s.prepare(pattern, kit)  # kits first: the switch is timed only once they exist
                start, deadline = s.queue(pattern, self._not_before(), bpm=new_bpm, swing=new_swing, kit=kit)
                self._maybe_reclaim()
                self._post(program=self._program(), deadline=deadline, label="queue")
            except GrooveboxError as exc:
                s.t = old
                sounding = self.now()[0]
                still = f"still playing '{sounding.id or sounding.name}'"
                if s.t.cur.pattern is not sounding:
                    still += f" ('{s.t.cur.pattern.id or s.t.cur.pattern.name}' is queued)"
                raise GrooveboxError(f"cannot queue: {exc}; {still}") from exc
            except BaseException:
                s.t = old
                raise
            return start

    def edit(self, pattern: Pattern) -> int:
        """Hear an edited version of the playing pattern from the next step; returns the sample
        where the new version starts.

        The step count, tempo and kit carry on, so the change is heard without a restart, a gap
        or a click (hits already sounding ring out). An edit that changes the bar (signature,
        steps per beat) or removes or reorders tracks switches on the next bar line instead, as
        :meth:`queue` does. On an error the current pattern keeps playing.
        """
        s = self._patterns
        if s is None:
            raise GrooveboxError(f"only patterns can be edited live; '{self._session.plan.label}' is playing")
        if not isinstance(pattern, Pattern):
            raise GrooveboxError(f"edit: expected a Pattern, got {type(pattern).__name__}")
        with self._lock:
            old = s.t.copy()
            try:
                start, deadline = s.edit(pattern, self._not_before())
                self._maybe_reclaim()
                self._post(program=self._program(), deadline=deadline, label="edit")
            except BaseException:
                s.t = old
                raise
            return start

    def jump(self, step: int = 1) -> int:
        """A song: play the next (``step=1``) or previous (``-1``) section from the next bar
        line; returns the output frame of that bar line. Pressed again before it, it moves on
        from the section already chosen. Past either end: a one-line GrooveboxError, and the
        song plays on as it was."""
        s = self._song
        if s is None:
            raise GrooveboxError(f"jumps are for songs; '{self._session.plan.label}' is not one")
        step = checks.whole(step, "step", -256, 256)
        with self._lock:
            old = s.state()
            try:
                at, _ = s.jump(step, self._not_before())
                self._post(program=self._program(), deadline=at, label="jump", end=self._song_end())
            except BaseException:
                s.restore(old)
                raise
            return at

    def loop(self, on: bool | None = None) -> bool:
        """A song: loop the section playing (``on=True``), stop looping (False) or toggle
        (None); returns whether it loops now. While on, a jump loops the section it lands on."""
        s = self._song
        if s is None:
            raise GrooveboxError(f"looping sections is for songs; '{self._session.plan.label}' is not one")
        with self._lock:
            on = (not s.looping) if on is None else bool(on)
            old = s.state()
            try:
                at = s.set_loop(on, self._not_before())
                self._post(program=self._program(), deadline=at, label="loop" if on else "unloop",
                           end=self._song_end())
            except BaseException:
                s.restore(old)
                raise
            return on

    def _song_end(self) -> int:
        s = self._song
        end = s.end_frame()
        return FOREVER if end >= FOREVER else end + s.ring_frames

    # -- state ----------------------------------------------------------------------------------
    @property
    def song(self) -> Song | None:
        """The song playing (None for other sources)."""
        s = self._song
        return None if s is None else s.song

    def position(self) -> SongPosition | None:
        """A song's section and bar sounding at the speakers now (None for other sources)."""
        s = self._song
        if s is None:
            return None
        lat = 0 if self._stream is None else round(self._stream.latency * self.sample_rate)
        return s.at(max(0, self.deck.frames - lat))

    def next_position(self) -> SongPosition | None:
        """Where a song goes at a jump handed over but not yet heard (a bar line ahead):
        its section and first bar; None when no jump is pending (or for other sources)."""
        s = self._song
        if s is None:
            return None
        lat = 0 if self._stream is None else round(self._stream.latency * self.sample_rate)
        now = max(0, self.deck.frames - lat)
        ahead = [seg for seg in s.timemap.segments if seg.start > now and seg.song in s.section_frames]
        return s.at(ahead[-1].start) if ahead else None

    @property
    def pattern(self) -> Pattern | None:
        """The pattern playing now, or queued to play next (None for other sources)."""
        s = self._patterns
        return None if s is None else s.t.cur.pattern

    @property
    def bpm(self) -> float | None:
        s = self._patterns
        return None if s is None else s.t.cur.bpm

    @property
    def swing(self) -> float | None:
        s = self._patterns
        return None if s is None else s.t.cur.swing

    @property
    def kit(self):
        s = self._patterns
        return None if s is None else s.t.banks[s.t.cur_bank].kit

    @property
    def arena(self):
        """The kit table store of a pattern player (None for other sources), for inspection."""
        s = self._patterns
        return None if s is None else s.arena

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
    def stream(self):
        """The open output stream (a sounddevice stream, or a
        :class:`~groovebox.io.realtime.PullStream`); None before start and after stop."""
        return self._stream

    @property
    def playing(self) -> bool:
        return self._stream is not None and not self.deck.finished

    def now(self) -> tuple[Pattern, int] | None:
        """The pattern and the step (counted from its start) sounding at the speakers now."""
        s = self._patterns
        if s is None:
            return None
        lat = 0 if self._stream is None else round(self._stream.latency * self.sample_rate)
        return s.at(max(0, self.deck.frames - lat))

    @property
    def timeline(self) -> tuple:
        """The latest pattern segments (each anchored where it starts: ``anchor_sample`` is the
        sample of step ``anchor_step``, at its ``bpm`` and ``swing``), oldest first."""
        s = self._patterns
        return tuple(s.t.segments) if s is not None else ()

    def log(self) -> list[tuple[str, int | None]]:
        """(label, output frame where it took effect, or None while pending) of every change
        (``record=True``)."""
        if self._recorder is None:
            return []
        with self._lock:
            self._drain()
            return self._recorder.log(self._applied)

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
            if isinstance(self._session, PlanSession):
                p = self._session.plan
                self._post(mix=False, end=p.frames, tail=p.tail, label="end")
            elif self._song is not None:
                self._post(mix=False, end=self._song_end(), label="end")
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
        # A song's mixer does its own mixing: its program fades the mix out instead.
        program = self._song.program(self._muted, fade_to=0.0) if self._song is not None else None
        change = rt.Change(self._seq, program, np.zeros((n, 2)), np.ones(n, np.int8), label="fade")
        self._drain()
        if not self.deck.handoff.post(change):
            return
        if program is not None:
            self._keep.append((self._seq, program))
        self._seq += 1
        if self._recorder is not None:
            self._recorder.record(change)
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
        what = (self.pattern.id or self.pattern.name) if self.pattern is not None else self._session.plan.label
        state = "playing" if self.playing else "stopped"
        return f"<Player {what!r} on {self.device}, {state}, {self.position_s:.1f} s>"

    # -- offline --------------------------------------------------------------------------------
    def replay(self, n_frames: int | None = None) -> np.ndarray:
        """Render offline exactly what the callback played: the same engine, programs and
        changes, each applied at the output frame where the audio thread applied it.

        Needs ``record=True``. Returns float32 (n_frames, 2) (default: every frame played).
        """
        if self._recorder is None:
            raise GrooveboxError("replay needs a player made with record=True")
        first = self._recorder.first
        if self._stream is not None and (first.mixer is not None or first.buses or first.master):
            raise GrooveboxError("replay after stop(): the replay starts this source's effects over, and the "
                                 "stream still plays through them")
        with self._lock:
            self._drain()
            n = self.deck.frames if n_frames is None else checks.whole(n_frames, "n_frames", 0, 1 << 34)
            return self._recorder.replay(n, self._applied)


def play(
    source,
    *,
    blocking: bool = False,
    seconds: float | None = None,
    device: int | str | None = None,
    blocksize: int | None = None,
    latency: str | float | None = None,
    sample_rate: int | None = None,
    record: bool = False,
    on_message=None,
    **options,
) -> Player:
    """Play a pattern (library id, file or Pattern), a song (Song or song map file) or another
    source on the sound card.

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
    if seconds is not None:
        seconds = checks.positive(seconds, "seconds", 24 * 3600.0, "seconds")
    player = Player(source, device=device, blocksize=blocksize, latency=latency, sample_rate=sample_rate,
                    record=record, on_message=on_message, **options)
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
