"""A song playing live: where it is (section and bar), jumps to the next or previous section on
the next bar line, and looping the current section.

The song is composed and compiled once (:func:`~groovebox.renderer.song.song_program`); what
plays where is a :class:`~groovebox.renderer.timemap.TimeMap`. A jump or a loop is a new map,
computed here in the control thread, and a new :class:`~groovebox.renderer.program.Program`
around the same sources, kit and mixer state (:class:`~groovebox.renderer.timemap.MappedSource`,
:meth:`~groovebox.renderer.mixer.Mixer.mapped`) that the player hands to the audio thread. The
new map changes nothing before the bar line it lands on, so the program may be swapped in at
any block before it: the music turns on the bar line's exact frame, voices still sounding ring
out (held notes are let go there), the mixer and its effects go on without a break. The player
(:meth:`groovebox.live.player.Player.jump`, ``loop``) drives it; ``tests/test_song_jumps.py``
shows it offline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from groovebox.errors import GrooveboxError
from groovebox.model.song import Position, Song
from groovebox.renderer.program import Program, RenderPlan
from groovebox.renderer.song import N_VOICES, sample_of, song_program
from groovebox.renderer.timemap import FOREVER, MappedSource, TimeMap

__all__ = ["SongPosition", "SongSession"]

ENGINE_OPTIONS = {"n_voices": N_VOICES, "max_tracks": 96}


@dataclass(frozen=True)
class SongPosition:
    """Where a song is: its section (index and name), the bar in it (from 1) of ``bars``, the
    bar of the song (from 1), and whether the section loops. ``ended``: past the last bar."""

    section: int
    name: str
    bar: int
    bars: int
    song_bar: int
    looping: bool
    ended: bool = False


class SongSession:
    """A song with a live time map (see the module doc).

    Parameters
    ----------
    song : Song
    sample_rate : int
    """

    def __init__(self, song: Song, sample_rate: int):
        self.song = song
        self.sample_rate = int(sample_rate)
        self.compiled = song_program(song, self.sample_rate)
        c = self.compiled
        self.section_frames = np.array(c.section_samples, np.int64)  # starts, then the end
        self.bar_frames = np.array([sample_of(song.position_s(Position(b, Fraction(1))), self.sample_rate)
                                    for b in range(1, song.bars + 2)], np.int64)
        self.first_bars = song.section_first_bars()
        self.ring_frames = round(c.ring_s * self.sample_rate)
        self.timemap = TimeMap.straight()
        self.looping = False
        self._jumps: set[int] = set()  # mix frames where jumps land
        self.plan = RenderPlan(c.program, c.frames + self.ring_frames, False, engine_options=dict(ENGINE_OPTIONS),
                               label=song.title or "song", compiled=c)

    # -- programs --------------------------------------------------------------------------------
    def track_names(self) -> list[str]:
        return [t.name for t in self.compiled.program.tracks]

    def tracks(self, muted) -> list:
        return [replace(t, mute=t.mute or muted(t.name)) for t in self.compiled.program.tracks]

    def program(self, muted, fade_to: float = 1.0) -> Program:
        """The song through the current time map (every state shared with the programs before)."""
        p = self.compiled.program
        return Program(sources=[MappedSource(p.sources, self.timemap)], kit=p.kit, tracks=self.tracks(muted),
                       meta=p.meta, patches=p.patches, patch_kind=p.patch_kind, master=p.master,
                       mixer=p.mixer.mapped(self.timemap, fade_to))

    # -- where ------------------------------------------------------------------------------------
    def section_of(self, song_frame: int) -> int:
        """The section playing at ``song_frame`` (the last one past the end)."""
        i = int(np.searchsorted(self.section_frames, song_frame, side="right")) - 1
        return min(max(i, 0), len(self.song.sections) - 1)

    def at(self, frame: int) -> SongPosition:
        """Where the song is at mix frame ``frame``."""
        x = self.timemap.song_frame(max(int(frame), 0))
        i = self.section_of(x)
        song_bar = int(np.searchsorted(self.bar_frames, x, side="right"))  # from 1
        ended = x >= self.section_frames[-1]
        song_bar = min(song_bar, self.song.bars)
        s = self.song.sections[i]
        return SongPosition(i, s.name, song_bar - self.first_bars[i] + 1, s.bars, song_bar,
                            self.timemap.segment(frame).looping, bool(ended))

    def next_bar_line(self, not_before: int) -> int | None:
        """The first mix frame at or after ``not_before`` that plays a bar line (None: the song
        has ended by then)."""
        bars = self.bar_frames
        for a, _, off, until in self.timemap.pieces(int(not_before), FOREVER):
            k = int(np.searchsorted(bars, a + off, side="left"))
            if k >= len(bars):
                return None  # past the song's last bar line
            line = int(bars[k]) - off
            if line < until:
                return line
        return None

    def end_frame(self) -> int:
        """The mix frame where the song ends (its last bar line) under the current map, or
        FOREVER while a section loops."""
        last = self.timemap.segments[-1]
        if last.looping:
            return FOREVER
        return last.start + max(0, int(self.section_frames[-1]) - last.song)

    # -- changes (each returns where it lands; the map is replaced, never modified) -------------
    def jump(self, step: int, not_before: int) -> tuple[int, int]:
        """Play the section ``step`` away (+1 the next, -1 the previous) from the next bar line
        at or after mix frame ``not_before``; returns (that frame, the section's index).

        The section counted from is the one playing just before the bar line, or, if a jump
        already lands there, that jump's section (so pressing "next" twice moves on twice).
        """
        at = self.next_bar_line(not_before)
        if at is None:
            raise GrooveboxError(f"'{self.song.title or 'the song'}' has ended; nothing to jump to")
        tm = self.timemap
        pending = at in self._jumps and any(seg.start == at for seg in tm.segments)
        base = self.section_of(tm.song_frame(at) if pending else tm.song_frame(at - 1) if at > 0 else 0)
        target = base + int(step)
        names = [s.name for s in self.song.sections]
        if target < 0:
            raise GrooveboxError(f"'{names[base]}' is the first section; nothing before it")
        if target >= len(names):
            raise GrooveboxError(f"'{names[base]}' is the last section; nothing after it")
        self.timemap = self.timemap.split(at, song=int(self.section_frames[target]),
                                          loop=self._loop_of(target) if self.looping else None)
        self._jumps.add(at)
        return at, target

    def set_loop(self, on: bool, not_before: int) -> int:
        """Loop the section playing at mix frame ``not_before`` (and every section jumped to
        while on), or stop looping there; returns the frame it takes effect. Nothing jumps:
        a loop turns at the section's end, and stopping one lets the song go on from there."""
        at = int(not_before)
        later = [s for s in self.timemap.segments if s.start > at]
        x = self.timemap.song_frame(at)
        if x >= self.section_frames[-1] and on:
            raise GrooveboxError(f"'{self.song.title or 'the song'}' has ended; nothing to loop")
        tm = self.timemap.split(at, song=x, loop=self._loop_of(self.section_of(x)) if on else None)
        for s in later:
            tm = tm.split(s.start, song=s.song, loop=self._loop_of(self.section_of(s.song)) if on else None)
        self.timemap = tm
        self.looping = bool(on)
        return at

    def state(self) -> tuple:
        """What a change alters (to :meth:`restore` if handing it over fails)."""
        return self.timemap, self.looping, frozenset(self._jumps)

    def restore(self, state: tuple) -> None:
        self.timemap, self.looping, jumps = state
        self._jumps = set(jumps)

    def _loop_of(self, section: int) -> tuple[int, int]:
        return int(self.section_frames[section]), int(self.section_frames[section + 1])
