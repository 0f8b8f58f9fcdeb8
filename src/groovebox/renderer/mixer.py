"""A song's mixer: tracks with inserts, groups, send buses, sidechains, automation, stems.

The engine renders voices into its tracks; a :class:`Mixer` on the program
(``Program.mixer``) takes them from there, once per engine block:

1. sidechain keys are read from the engine tracks they name (the raw kick, before any fader);
2. each *track node* gathers its engine tracks (a drum part's kick, snare, hats... each with its
   pattern gain and pan) into one stereo strip, runs its inserts (high-pass, EQ, low-pass,
   compressor keyed or not, saturation), the swept low-pass when its cutoff is automated, and
   its fader and balance (automated or not), then adds itself to its group or the master sum
   and, post-fader, to the send buses;
3. *group nodes* (a drum bus) do the same with the sum of their tracks;
4. *bus nodes* run their effects (reverb, delay) on what was sent and fade into the master.

The master sum is what every node that reaches the master adds up to, in a fixed order, so the
stems (those nodes' signals, :attr:`Mixer.stem_names`) sum back to the pre-master mix exactly.
The engine then runs the program's master chain on it. Every step is a function of absolute
sample positions and state arrays, so any block size gives the same mix.

Silence costs nothing. A node whose tracks played nothing in a block (or a group or bus nothing
was sent to) skips every insert that is at rest (an EQ or filter with empty memory, a
compressor back at unity: :func:`~groovebox.dsp.effects.effect_at_rest`), its swept filter
while that is empty, its fader and its sends, all without changing a sample. Reverbs, tape
delays and choruses fall asleep once their input has been silent for their tail (the time to
fall 160 dB, :func:`~groovebox.dsp.effects.tail_frames`) and wake on the first sample that is
not: from then on they output exact silence and do nothing. Both moments are absolute
samples, so the mix still does not depend on the block size. (While asleep an effect's clock
stands still: its modulation resumes where it stopped.)

Played live (:mod:`groovebox.live.song`), a song may jump between sections: the program then
carries a copy of its mixer (:meth:`Mixer.mapped`, sharing every state) whose ``timemap``
says which song frame each mix frame plays, and automation is read there.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from groovebox.dsp.effects import (
    compressor_keyed_process,
    effect_at_rest,
    effect_idle,
    effect_process,
    tail_frames,
)
from groovebox.dsp.mixing import (
    SHAPES,
    SWEEP_CHUNK,
    add_into,
    fader,
    gather,
    glide_gain,
    lane_at,
    lane_fill,
    nonzero_span,
    sweep_at_rest,
    swept_lowpass,
    zero,
    zero_range,
)

__all__ = ["LaneData", "Mixer", "NodeSpec"]

TRACK, GROUP, BUS = 0, 1, 2
FADE_S = 0.010  # the output fade of a live stop glides like a fader (one pole, ~10 ms)
_NEVER = -(1 << 62)
# a sleeping effect's bookkeeping: input silent from this sample on, asleep (0/1), its tail
_QUIET, _ASLEEP, _TAIL = 0, 1, 2


@dataclass
class LaneData:
    """A lane in samples: breakpoints (int64), values (float64), shapes (int8, per point)."""

    times: np.ndarray
    values: np.ndarray
    shapes: np.ndarray

    @classmethod
    def of(cls, times, values, shapes) -> LaneData:
        return cls(np.asarray(times, np.int64), np.asarray(values, np.float64),
                   np.asarray([SHAPES[s] for s in shapes], np.int8))

    def values_at(self, start: int, stop: int) -> np.ndarray:
        """The lane's value at samples ``start .. stop - 1``."""
        out = np.zeros(max(0, stop - start))
        lane_fill(start, len(out), self.times, self.values, self.shapes, out)
        return out


@dataclass
class NodeSpec:
    """One node of the mixer graph (see the module doc)."""

    name: str
    kind: int  # TRACK, GROUP or BUS
    slots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # engine tracks (TRACK)
    slot_gain_l: np.ndarray = field(default_factory=lambda: np.zeros(0))
    slot_gain_r: np.ndarray = field(default_factory=lambda: np.zeros(0))
    slot_stereo: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    inserts: list = field(default_factory=list)  # (state array, key index or -1)
    gain_db: float = 0.0
    pan: float = 0.0
    dest: int = -1  # node index of the group it feeds, -1: the master
    sends: dict = field(default_factory=dict)  # bus node index -> level 0..1
    lanes: dict = field(default_factory=dict)  # "gain_db", "pan", "mute", "cutoff_hz", "send.<node>"


class Mixer:
    """Runs a mixer graph on the engine's track buffers (see the module doc).

    Parameters
    ----------
    nodes : list of NodeSpec
        Tracks first, then groups, then buses (the order they are processed in).
    keys : list of (slots, gain_l, gain_r, stereo)
        Sidechain sources, read from engine tracks; an insert's key index points here.
    sample_rate, max_block : int
    """

    #: Skip silence (see the module doc); False runs every insert on every block (comparisons).
    skip_silence = True
    #: Which song frame each mix frame plays (a renderer.timemap.TimeMap); None: the same one.
    timemap = None
    #: Where the output fade glides to (1: no fade; 0: a live stop).
    fade_to = 1.0

    def __init__(self, nodes: list[NodeSpec], keys: list, sample_rate: int, max_block: int):
        self.nodes = nodes
        self.keys = keys
        self.sample_rate = int(sample_rate)
        self.max_block = int(max_block)
        n = len(nodes)
        self.buf = np.zeros((max(n, 1), 2, max_block), np.float32)
        self.key_buf = np.zeros((max(len(keys), 1), 2, max_block), np.float32)
        self.premaster = np.zeros((2, max_block), np.float32)
        self._lane_buf = np.zeros((6, max_block), np.float64)
        self._send_buf = np.zeros(max_block, np.float64)
        self._empty = np.zeros(1, np.float64)
        self.stem_nodes = [i for i, nd in enumerate(nodes) if nd.dest < 0]
        self.stem_names = [nodes[i].name for i in self.stem_nodes]
        self.tap = None  # called as tap(mixer, m) after each block (offline stems)
        self._sweep = {i: np.zeros(5) for i, nd in enumerate(nodes) if "cutoff_hz" in nd.lanes}
        self._initial = [[st.copy() for st, _ in nd.inserts] for nd in nodes]
        # per insert: None, or the sleep bookkeeping of a reverb, tape delay or chorus
        self._sleep = [[self._sleeper(st) for st, _ in nd.inserts] for nd in nodes]
        self._fed = np.zeros(max(n, 1), np.int8)  # a group or bus got something this block
        self._live = np.zeros(max(n, 1), np.int8)  # a node's output may not be silence
        self._key_live = np.zeros(max(len(keys), 1), np.int8)
        self._fade = np.ones(1)
        self._fade_coeff = 1.0 - math.exp(-1.0 / (FADE_S * self.sample_rate))
        self.reset()

    def warm_up(self) -> None:
        """Load the kernels a block may need only now and then (an effect falling asleep, a
        stop's fade), so a live player's audio thread never waits for one."""
        b = self.buf[0]
        zero_range(b, 0, 0)
        nonzero_span(b, 0)
        glide_gain(self.premaster, 0, np.ones(1), 1.0, self._fade_coeff)
        lane_at(0, np.zeros(1, np.int64), np.zeros(1), np.zeros(1, np.int8))

    def mapped(self, timemap=None, fade_to: float = 1.0) -> Mixer:
        """This mixer (the same state: a program holding the copy plays on seamlessly) reading
        its automation through ``timemap`` and fading its output to ``fade_to``."""
        other = copy.copy(self)
        other.timemap = timemap
        other.fade_to = float(fade_to)
        return other

    @staticmethod
    def _sleeper(state: np.ndarray) -> np.ndarray | None:
        tail = tail_frames(state)
        return None if tail < 0 else np.array([_NEVER, 1, tail], np.int64)

    def reset(self) -> None:
        """Empty every insert's memory (as built) and the swept filters."""
        for nd, initial in zip(self.nodes, self._initial, strict=True):
            for (st, _), init in zip(nd.inserts, initial, strict=True):
                st[:] = init
        for st in self._sweep.values():
            st[:] = 0.0
            st[4] = 1e9
        for sleepers in self._sleep:
            for t in sleepers:
                if t is not None:
                    t[_QUIET] = _NEVER
                    t[_ASLEEP] = 1
        self._fade[0] = 1.0

    def node(self, name: str) -> int:
        for i, nd in enumerate(self.nodes):
            if nd.name == name:
                return i
        raise KeyError(name)

    # -- one block ----------------------------------------------------------------------------
    def process(self, engine, m: int) -> None:
        """Mix ``m`` frames from ``engine``'s track buffers into ``engine.mix``."""
        pos = engine.mix_position
        sr = self.sample_rate
        tb, used = engine.track_buf, engine.track_used
        key_live = self._key_live
        for k, (slots, gl, gr, st) in enumerate(self.keys):
            key_live[k] = gather(tb, used, slots, gl, gr, st, self.key_buf[k], m, False) > 0
        buf = self.buf
        fed = self._fed
        fed[:] = 0
        out_live = self._live
        lanes = self._lane_buf
        every = not self.skip_silence
        for i, nd in enumerate(self.nodes):
            b = buf[i]
            if nd.kind == TRACK:
                live = gather(tb, used, nd.slots, nd.slot_gain_l, nd.slot_gain_r, nd.slot_stereo, b, m, True) > 0 or every
            else:
                live = fed[i] != 0 or every
                if not fed[i]:
                    zero(b, m)
            left, right = b[0], b[1]
            for (state, key), sleeper in zip(nd.inserts, self._sleep[i], strict=True):
                if sleeper is not None and not every:
                    live = self._sleepy(sleeper, state, b, m, pos, live)
                elif live or (key >= 0 and key_live[key]) or not effect_at_rest(state):
                    if key >= 0:
                        kb = self.key_buf[key]
                        compressor_keyed_process(left, right, kb[0], kb[1], 0, m, state)
                    else:
                        effect_process(left, right, 0, m, state)
                    live = True
                else:
                    effect_idle(state, m)
            ln = nd.lanes
            if "cutoff_hz" in ln:
                c = ln["cutoff_hz"]
                sweep = self._sweep[i]
                if live or not sweep_at_rest(sweep):
                    self._fill(c, pos, m, lanes[3])
                    swept_lowpass(b, m, pos, lanes[3], sweep, sr)
                    live = True
                else:
                    # silence through an empty filter: only its chunk's cutoff moves on
                    last = (pos + m - 1) // SWEEP_CHUNK * SWEEP_CHUNK
                    if last >= pos:
                        sweep[4] = lane_at(self._song(last), c.times, c.values, c.shapes)
            out_live[i] = live
            if not live:
                continue  # silence: no fader, nothing to add or send
            if ln:
                ug = "gain_db" in ln
                up = "pan" in ln
                um = "mute" in ln
                for j, key in ((0, "gain_db"), (1, "pan"), (2, "mute")):
                    if key in ln:
                        self._fill(ln[key], pos, m, lanes[j])
                fader(b, m, nd.gain_db, nd.pan, lanes[0], lanes[1], lanes[2], ug, up, um)
            else:
                fader(b, m, nd.gain_db, nd.pan, self._empty, self._empty, self._empty, False, False, False)
            if nd.dest >= 0:
                self._feed(nd.dest, m)
                add_into(buf[nd.dest], b, m, 1.0, self._empty, False)
            for bus, level in nd.sends.items():
                lane = ln.get(f"send.{bus}") if ln else None
                if lane is not None:
                    self._feed(bus, m)
                    self._fill(lane, pos, m, self._send_buf)
                    add_into(buf[bus], b, m, level, self._send_buf, True)
                elif level > 0.0:
                    self._feed(bus, m)
                    add_into(buf[bus], b, m, level, self._empty, False)
        pm = self.premaster
        zero(pm, m)
        for i in self.stem_nodes:
            if out_live[i]:
                add_into(pm, buf[i], m, 1.0, self._empty, False)
        if self.fade_to != 1.0 or self._fade[0] != 1.0:
            glide_gain(pm, m, self._fade, self.fade_to, self._fade_coeff)
        engine.mix[:, :m] = pm[:, :m]
        if self.tap is not None:
            self.tap(self, m)

    def _song(self, t: int) -> int:
        tm = self.timemap
        return t if tm is None else tm.song_frame(t)

    def _fill(self, lane: LaneData, pos: int, m: int, out: np.ndarray) -> None:
        """``lane`` at mix frames ``pos .. pos + m - 1`` into ``out[:m]`` (through the map)."""
        tm = self.timemap
        if tm is None:
            lane_fill(pos, m, lane.times, lane.values, lane.shapes, out)
            return
        for a, b, off, _ in tm.pieces(pos, pos + m):
            lane_fill(a + off, b - a, lane.times, lane.values, lane.shapes, out[a - pos:])

    def _feed(self, node: int, m: int) -> None:
        # A group or bus starts each block empty, emptied when the first node adds to it.
        if not self._fed[node]:
            zero(self.buf[node], m)
            self._fed[node] = 1

    @staticmethod
    def _sleepy(t: np.ndarray, state: np.ndarray, b: np.ndarray, m: int, pos: int, live: bool) -> bool:
        """Run a reverb, tape delay or chorus that sleeps once its input has been silent for
        its tail: asleep it outputs silence, and it wakes on the first input sample that is
        not zero. Returns whether its output may be anything but silence."""
        first = last = -1
        if live:
            first, last = nonzero_span(b, m)
        if first >= 0:
            t[_QUIET] = pos + last + 1
        stop = min(m, max(0, t[_QUIET] + t[_TAIL] - pos))
        start = (first if first >= 0 else m) if t[_ASLEEP] else 0
        ran = start < stop
        if ran:
            effect_process(b[0], b[1], start, stop, state)
        if stop < m and (ran or first >= 0):
            zero_range(b, stop, m)  # asleep from here
        t[_ASLEEP] = 1 if stop < m else 0
        return ran

    def lane_values(self, node: str, param: str, start: int, stop: int) -> np.ndarray:
        """The automation of ``node``'s ``param`` at samples ``start .. stop - 1`` (what the mixer
        applies there)."""
        lane = self.nodes[self.node(node)].lanes[param]
        return lane.values_at(start, stop)
