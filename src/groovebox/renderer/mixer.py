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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from groovebox.dsp.effects import compressor_keyed_process, effect_process
from groovebox.dsp.mixing import SHAPES, add_into, fader, gather, lane_fill, swept_lowpass, zero

__all__ = ["LaneData", "Mixer", "NodeSpec"]

TRACK, GROUP, BUS = 0, 1, 2


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
        self.reset()

    def reset(self) -> None:
        """Empty every insert's memory (as built) and the swept filters."""
        for nd, initial in zip(self.nodes, self._initial, strict=True):
            for (st, _), init in zip(nd.inserts, initial, strict=True):
                st[:] = init
        for st in self._sweep.values():
            st[:] = 0.0
            st[4] = 1e9

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
        for k, (slots, gl, gr, st) in enumerate(self.keys):
            gather(tb, used, slots, gl, gr, st, self.key_buf[k], m, False)
        buf = self.buf
        zero(buf.reshape(-1, buf.shape[2]), m)
        lanes = self._lane_buf
        for i, nd in enumerate(self.nodes):
            b = buf[i]
            if nd.kind == TRACK:
                gather(tb, used, nd.slots, nd.slot_gain_l, nd.slot_gain_r, nd.slot_stereo, b, m, True)
            left, right = b[0], b[1]
            for state, key in nd.inserts:
                if key >= 0:
                    kb = self.key_buf[key]
                    compressor_keyed_process(left, right, kb[0], kb[1], 0, m, state)
                else:
                    effect_process(left, right, 0, m, state)
            ln = nd.lanes
            if ln:
                if "cutoff_hz" in ln:
                    c = ln["cutoff_hz"]
                    lane_fill(pos, m, c.times, c.values, c.shapes, lanes[3])
                    swept_lowpass(b, m, pos, lanes[3], self._sweep[i], sr)
                ug = "gain_db" in ln
                up = "pan" in ln
                um = "mute" in ln
                for j, key in ((0, "gain_db"), (1, "pan"), (2, "mute")):
                    if key in ln:
                        lane = ln[key]
                        lane_fill(pos, m, lane.times, lane.values, lane.shapes, lanes[j])
                fader(b, m, nd.gain_db, nd.pan, lanes[0], lanes[1], lanes[2], ug, up, um)
            else:
                fader(b, m, nd.gain_db, nd.pan, self._empty, self._empty, self._empty, False, False, False)
            if nd.dest >= 0:
                add_into(buf[nd.dest], b, m, 1.0, self._empty, False)
            for bus, level in nd.sends.items():
                lane = ln.get(f"send.{bus}") if ln else None
                if lane is not None:
                    lane_fill(pos, m, lane.times, lane.values, lane.shapes, self._send_buf)
                    add_into(buf[bus], b, m, level, self._send_buf, True)
                elif level > 0.0:
                    add_into(buf[bus], b, m, level, self._empty, False)
        pm = self.premaster
        zero(pm, m)
        for i in self.stem_nodes:
            add_into(pm, buf[i], m, 1.0, self._empty, False)
        engine.mix[:, :m] = pm[:, :m]
        if self.tap is not None:
            self.tap(self, m)

    def lane_values(self, node: str, param: str, start: int, stop: int) -> np.ndarray:
        """The automation of ``node``'s ``param`` at samples ``start .. stop - 1`` (what the mixer
        applies there)."""
        lane = self.nodes[self.node(node)].lanes[param]
        return lane.values_at(start, stop)
