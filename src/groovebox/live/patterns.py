"""The live state of a playing pattern: banks, the timeline of tempo and pattern changes, kits.

Patterns take turns in three *banks* of mixer tracks and voice ids, so a queued pattern's kit
and mix never touch the hits of the pattern still playing before the bar line. Every change is
computed here, in the control thread, as a new :class:`Timeline` value; the player hands the
resulting :class:`~groovebox.renderer.program.Program` to the audio thread and keeps the old
timeline to fall back on if anything fails half way.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from groovebox.errors import GrooveboxError
from groovebox.kits import placement
from groovebox.kits.arena import N_INSTRUMENTS, KitArena
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.options import RenderOptions
from groovebox.model.pattern import Pattern
from groovebox.renderer.effects import make_effect
from groovebox.renderer.pattern import DEFAULT_KIT
from groovebox.renderer.program import Program, TrackSettings
from groovebox.renderer.sequencer import FLAM_S, HUMANIZE_CLIP, PatternProgram

__all__ = ["N_BANKS", "PatternSession", "Timeline", "same_grid"]

N_BANKS = 3
RECLAIM_ABOVE = 1 << 24  # samples of kit tables in use before unused kits are given back


@dataclass
class Bank:
    """A pattern and the kit it plays in one bank of tracks."""

    pattern: Pattern
    kit: object  # kit name, Kit or KitTables


@dataclass
class Timeline:
    """Everything a live change may alter, as named fields (copied before each change)."""

    cur: PatternProgram  # the pattern playing now or queued next, anchored where it starts
    cur_bank: int
    banks: list[Bank | None]
    out: list[tuple[PatternProgram, int]] = field(default_factory=list)  # ending programs, bank
    segments: list[PatternProgram] = field(default_factory=list)  # latest segments, oldest first
    bpm: float | None = None  # set live (None: each pattern's own)
    swing: float | None = None
    kit: object = None

    def copy(self) -> Timeline:
        return dataclasses.replace(
            self, banks=[dataclasses.replace(b) if b is not None else None for b in self.banks],
            out=list(self.out), segments=list(self.segments),
        )  # fmt: skip


def same_grid(old: Pattern, new: Pattern) -> bool:
    """True when ``new`` can take over from ``old`` on any step: the same bar and the same
    tracks in the same mixer slots (tracks may be added at the end)."""
    return (old.signature == new.signature and old.steps_per_beat == new.steps_per_beat
            and new.instruments[: len(old.instruments)] == old.instruments)


def early_samples(prog: PatternProgram) -> int:
    """How far before its step's start a hit of ``prog`` can land: its most negative nudge, the
    flam lead if it has flams, the humanize clip (a bound like ``lead_samples``, but from what
    the grid holds)."""
    ticks = max(0, -int(prog.nudge_ticks.min())) if len(prog.nudge_ticks) else 0
    early = ticks * prog.num / prog.den
    if prog.flam.any():
        early += FLAM_S * prog.sample_rate
    early += HUMANIZE_CLIP * prog.humanize_ms * 1e-3 * prog.sample_rate
    return math.ceil(early) + 2


class PatternSession:
    """A looping pattern with live tempo, swing, kit and pattern changes.

    Parameters
    ----------
    pattern : Pattern
    options : RenderOptions
        Tempo, swing, kit, seed and humanize to start with (None: the pattern's own).
    sample_rate : int
    reclaim : bool
        Give unused kit tables back when they pile up (off when a replay needs them all).
    """

    def __init__(self, pattern: Pattern, options: RenderOptions, sample_rate: int, *, reclaim: bool = True):
        self.options = options
        self.sample_rate = sample_rate
        self.arena = KitArena(sample_rate)
        self._reclaim = reclaim
        banks: list[Bank | None] = [None] * N_BANKS
        banks[0] = Bank(pattern, options.kit if options.kit is not None else (pattern.kit or DEFAULT_KIT))
        t = Timeline(cur=None, cur_bank=0, banks=banks, bpm=options.bpm, swing=options.swing, kit=options.kit)
        t.cur = self._compile(t, pattern, 0, start_sample=0)
        t.segments = [t.cur]
        self.t = t

    # -- building --------------------------------------------------------------------------------
    def _compile(self, t: Timeline, pattern: Pattern, bank: int, start_sample: int) -> PatternProgram:
        opts = dataclasses.replace(self.options, bpm=t.bpm, swing=t.swing, sample_rate=self.sample_rate)
        prog = PatternProgram.build(
            pattern, opts, start_sample=start_sample,
            track_slots=[bank * N_INSTRUMENTS + i for i in range(len(pattern.tracks))],
        )  # fmt: skip
        return dataclasses.replace(prog, track_voice=(prog.track_instr + bank * N_INSTRUMENTS).astype(np.int32))

    def track_names(self) -> list[str]:
        """Names that mute and solo may use: any instrument."""
        return list(INSTRUMENTS)

    def tracks(self, muted) -> list[TrackSettings]:
        """The mixer: each bank's pattern tracks (``muted(name)`` says which are silent), placed
        where their kit puts them unless the pattern pans them; the banks of a kit in the playing
        kit's room send to it (a ringing hit of another kit keeps its own, dry, mix)."""
        tracks = [TrackSettings("", mute=True) for _ in range(N_BANKS * N_INSTRUMENTS)]
        bus, sends = self.room()
        playing_room = self._room_key if bus else None
        for b, bank in enumerate(self.t.banks):
            if bank is not None:
                pans, room = placement(bank.kit)
                bank_sends = sends if room is not None and room == playing_room else ()
                for i, tr in enumerate(bank.pattern.tracks):
                    pan = tr.pan if tr.pan is not None else pans.get(tr.instrument, 0.0)
                    tracks[b * N_INSTRUMENTS + i] = TrackSettings(tr.instrument, tr.gain_db, pan, muted(tr.instrument),
                                                                  sends=bank_sends)
        return tracks

    def room(self) -> tuple[list, tuple[float, ...]]:
        """The playing kit's room as an effect bus (``[]`` and no send for a dry kit), kept while
        the room stays the same so its tail carries over program swaps."""
        bank = self.t.banks[self.t.cur_bank]
        room = placement(bank.kit)[1] if bank is not None else None
        if room is None:
            return [], ()
        if getattr(self, "_room_key", None) != room:
            self._room_key = room
            self._room_bus = [[make_effect("reverb", self.sample_rate, decay_s=room.decay_s, size=room.size,
                                           damping_hz=room.damping_hz, predelay_s=room.predelay_s, mix=100.0)]]
        return self._room_bus, (10.0 ** (room.send_db / 20.0),)

    def program(self, muted) -> Program:
        """The program for the current timeline: every live segment, one kit arena."""
        t = self.t
        banks = [(b.kit, b.pattern.instruments) if b is not None else None for b in t.banks]
        kit = self.arena.tables(banks)
        sources = [p for p, _ in t.out] + [t.cur]
        return Program(sources=sources, kit=kit, tracks=self.tracks(muted), buses=self.room()[0],
                       meta={"pattern": t.cur.pattern, "regions": self.arena.regions_of(banks)})

    # -- changes (each returns the deadline: the latest mix position at which it is on time) ----
    def retime(self, bpm: float | None, swing: float | None, not_before: int) -> int:
        """Re-anchor the current pattern at the first step after ``not_before`` (mix frames)."""
        t = self.t
        cur = t.cur
        if bpm is not None:
            t.bpm = bpm
        if swing is not None:
            t.swing = swing
        slower = cur.retimed(cur.anchor_step, bpm=bpm, swing=swing)
        lead = max(cur.lead_samples, slower.lead_samples)
        at = cur.next_step(not_before + lead)
        new = cur.retimed(at, bpm=bpm, swing=swing)
        t.out = self._live_out(not_before)
        if at > cur.anchor_step:
            t.out.append((cur.until(at), t.cur_bank))
        t.cur = new
        self._add_segment(new)
        return new.anchor_sample - new.lead_samples

    def set_kit(self, kit) -> None:
        """Every bank plays ``kit`` from the next block on."""
        self.t.kit = kit
        for b in self.t.banks:
            if b is not None:
                b.kit = kit

    def queue(self, pattern: Pattern, not_before: int, *, bpm=None, swing=None, kit=None) -> tuple[int, int]:
        """Start ``pattern`` on the first bar line after ``not_before``; returns (start sample,
        deadline)."""
        t = self.t
        if bpm is not None:
            t.bpm = bpm
        if swing is not None:
            t.swing = swing
        if kit is not None:
            t.kit = kit
        cur = t.cur
        probe = self._compile(t, pattern, 0, start_sample=0)
        at = cur.next_step(not_before + probe.lead_samples, cur.pattern.steps_per_bar)
        start = cur.step_to_sample(at)
        replacing = at <= cur.anchor_step  # the current one has not started yet
        t.out = self._live_out(not_before)
        bank = self._free_bank(replacing)
        if not replacing:
            t.out.append((cur.until(at), t.cur_bank))
        new = self._compile(t, pattern, bank, start_sample=start)
        t.banks[bank] = Bank(pattern, t.kit if t.kit is not None else (pattern.kit or DEFAULT_KIT))
        t.cur, t.cur_bank = new, bank
        self._add_segment(new)
        return start, start - new.lead_samples

    def edit(self, pattern: Pattern, not_before: int) -> tuple[int, int]:
        """Play an edited version of the current pattern from the first step after
        ``not_before``; returns (start sample, deadline).

        The edit keeps the current step count, tempo, bank and kit, so the next step simply
        comes from the new grid (no restart, no gap): hits already sounding ring on. An edit that
        changes the bar (signature, steps per beat) or removes or reorders tracks cannot line up
        step for step; it is queued on the next bar line in a bank of its own instead.
        """
        t = self.t
        cur = t.cur
        old = cur.pattern
        if not same_grid(old, pattern):
            return self.queue(pattern, not_before)
        new = self._compile(t, pattern, t.cur_bank, start_sample=0)
        # Only the new grid's own early hits (flams, negative nudges, humanize) need lead time:
        # steps before the switch keep playing from the old program, late hits included.
        lead = early_samples(new)
        at = cur.next_step(not_before + lead)
        new = dataclasses.replace(new, anchor_sample=cur.step_to_sample(at), anchor_step=at)
        t.out = self._live_out(not_before)
        if at > cur.anchor_step:
            t.out.append((cur.until(at), t.cur_bank))
        t.banks[t.cur_bank].pattern = pattern
        t.cur = new
        self._add_segment(new)
        return new.anchor_sample, new.anchor_sample - lead

    def _live_out(self, position: int) -> list[tuple[PatternProgram, int]]:
        return [(p, b) for p, b in self.t.out if p.end_sample < 0 or p.end_sample > position]

    def _free_bank(self, replacing: bool) -> int:
        t = self.t
        busy = {b for _, b in t.out}
        if replacing and t.cur_bank not in busy:
            return t.cur_bank
        if not replacing:
            busy.add(t.cur_bank)
        for k in range(1, N_BANKS + 1):
            b = (t.cur_bank + k) % N_BANKS
            if b not in busy:
                return b
        raise GrooveboxError("patterns are being switched faster than the last ones can end; try again")

    def _add_segment(self, prog: PatternProgram) -> None:
        self.t.segments = [s for s in self.t.segments if s.anchor_sample < prog.anchor_sample][-8:] + [prog]

    # -- kit memory --------------------------------------------------------------------------------
    def needs_reclaim(self) -> bool:
        return self._reclaim and self.arena.used > RECLAIM_ABOVE

    # -- where we are --------------------------------------------------------------------------------
    def at(self, sample: int) -> tuple[Pattern, int]:
        """The pattern and step (counted from its start) sounding at output ``sample``."""
        segs = self.t.segments
        seg = next((p for p in reversed(segs) if p.anchor_sample <= sample), segs[0])
        g = seg.anchor_step + math.floor((sample - seg.anchor_sample) / seg.step_samples)
        return seg.pattern, max(g, 0)
