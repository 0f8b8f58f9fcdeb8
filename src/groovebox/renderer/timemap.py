"""Which song frame each mix frame plays: a song played live, with jumps between sections and
loops.

A song compiles to sources and a mixer in *song time* (frame 0 is the first bar line). Played
straight, mix frame t plays song frame t. Live, the player may jump to another section on a
bar line or loop the current one; a :class:`TimeMap` says what plays where: segments of the
mix timeline, each starting at a mix frame with a song frame, running on from there or around
a loop (a section's frames). A :class:`MappedSource` asks the song's sources for the song
frames each piece of a block plays and moves the events to the mix frames that play them
(notes still sounding where the map jumps are let go there), and the song's mixer reads its
automation at the same song frames. Every piece boundary is an absolute mix frame, so a mapped
song renders the same in blocks of any size.

>>> tm = TimeMap.straight().split(100, song=1000)
>>> tm.song_frame(99), tm.song_frame(100), tm.song_frame(150)
(99, 1000, 1050)
>>> [p[:3] for p in tm.pieces(90, 110)]
[(90, 100, 0), (100, 110, 900)]
>>> lp = TimeMap.straight().split(0, song=0, loop=(0, 10))
>>> [lp.song_frame(t) for t in (0, 9, 10, 25)]
[0, 9, 0, 5]
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["MappedSource", "Segment", "TimeMap"]

FOREVER = 1 << 62


@dataclass(frozen=True)
class Segment:
    """From mix frame ``start`` on, song frame ``song`` plays, then on frame by frame; with a
    loop ``[loop_lo, loop_hi)`` (song frames, ``loop_lo <= song < loop_hi``) it goes back to
    ``loop_lo`` at ``loop_hi``."""

    start: int
    song: int
    loop_lo: int = -1
    loop_hi: int = -1

    @property
    def looping(self) -> bool:
        return self.loop_hi > self.loop_lo >= 0


class TimeMap:
    """Segments of the mix timeline in order; the first starts at mix frame 0."""

    def __init__(self, segments: tuple[Segment, ...]):
        if not segments or segments[0].start != 0:
            raise ValueError("a time map starts at mix frame 0")
        self.segments = tuple(segments)
        self._starts = [s.start for s in self.segments]

    @classmethod
    def straight(cls) -> TimeMap:
        """Mix frame t plays song frame t."""
        return cls((Segment(0, 0),))

    # -- reading ---------------------------------------------------------------------------------
    def index(self, t: int) -> int:
        """The segment playing at mix frame ``t``."""
        return max(0, bisect.bisect_right(self._starts, t) - 1)

    def segment(self, t: int) -> Segment:
        return self.segments[self.index(t)]

    @staticmethod
    def _song(seg: Segment, t: int) -> int:
        x = seg.song + (t - seg.start)
        if seg.looping and x >= seg.loop_hi:
            x = seg.loop_lo + (x - seg.loop_lo) % (seg.loop_hi - seg.loop_lo)
        return x

    def song_frame(self, t: int) -> int:
        """The song frame mix frame ``t`` plays."""
        return self._song(self.segment(t), t)

    def pieces(self, start: int, stop: int):
        """Cut mix frames ``[start, stop)`` where the song jumps: yields ``(a, b, offset,
        until)``: mix frames ``a .. b - 1`` play song frames ``a + offset ..``, and go on doing
        so until mix frame ``until`` (the next jump or loop turn; FOREVER: never)."""
        i = self.index(start)
        segs = self.segments
        t = start
        while t < stop:
            seg = segs[i]
            seg_end = segs[i + 1].start if i + 1 < len(segs) else FOREVER
            x = self._song(seg, t)
            until = seg_end
            if seg.looping:
                until = min(until, t + (seg.loop_hi - x))
            b = min(stop, until)
            yield t, b, x - t, until
            t = b
            if t >= seg_end:
                i += 1

    # -- changing (a new map; maps are never modified) -------------------------------------------
    def split(self, at: int, *, song: int | None = None, loop: tuple[int, int] | None = None) -> TimeMap:
        """This map up to mix frame ``at``, then from ``at`` on song frame ``song`` (default:
        the one playing there, so nothing jumps) looping over ``loop`` (song frames) or not.
        Segments that started at or after ``at`` are dropped."""
        song = self.song_frame(at) if song is None else int(song)
        lo, hi = loop if loop is not None else (-1, -1)
        if loop is not None and not lo <= song < hi:
            raise ValueError(f"song frame {song} is outside the loop {lo}..{hi}")
        kept = tuple(s for s in self.segments if s.start < at)
        return TimeMap((*kept, Segment(int(at), song, int(lo), int(hi))))

    def __repr__(self) -> str:
        return f"TimeMap({', '.join(f'{s.start}->{s.song}' + (f' loop {s.loop_lo}..{s.loop_hi}' if s.looping else '') for s in self.segments)})"


@njit(cache=True)
def _shift(sample, n0, n, offset):
    for k in range(n0, n):
        sample[k] -= offset


@njit(cache=True)
def _shift_notes(sample, dur, n0, n, offset, until):
    """Move notes to the mix frames that play them, and let each go at ``until`` at the latest."""
    for k in range(n0, n):
        s = sample[k] - offset
        sample[k] = s
        if s + dur[k] > until:
            dur[k] = max(1, until - s)


class MappedSource:
    """A song's event sources (drum programs, note programs) played through a :class:`TimeMap`.

    Parameters
    ----------
    sources : list
        The song program's sources (their ``query`` / ``query_notes`` in song frames).
    timemap : TimeMap
    """

    def __init__(self, sources, timemap: TimeMap):
        self.hits = tuple(s for s in sources if hasattr(s, "query"))
        self.notes = tuple(s for s in sources if hasattr(s, "query_notes"))
        self.timemap = timemap

    @staticmethod
    def warm_up() -> None:
        """Load the kernels a jump needs (not in a live player's audio thread)."""
        z = np.zeros(1, np.int64)
        _shift(z, 0, 0, 0)
        _shift_notes(z, z, 0, 0, 0, 0)

    def query(self, start: int, stop: int, buf) -> None:
        """Append the hits that start in mix frames [start, stop) to ``buf``."""
        for a, b, off, _ in self.timemap.pieces(start, stop):
            n0 = buf.n
            for src in self.hits:
                src.query(a + off, b + off, buf)
            if off:
                _shift(buf.sample, n0, buf.n, off)

    def query_notes(self, start: int, stop: int, buf) -> None:
        """Append the notes that start in mix frames [start, stop) to ``buf``; a note still
        held where the map jumps is let go there."""
        for a, b, off, until in self.timemap.pieces(start, stop):
            n0 = buf.n
            for src in self.notes:
                src.query_notes(a + off, b + off, buf)
            _shift_notes(buf.sample, buf.dur, n0, buf.n, off, until)
