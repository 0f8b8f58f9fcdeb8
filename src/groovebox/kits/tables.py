"""Kits as playable tables: every drum voice becomes one-shot tables the engine reads.

A synthesized kit's hit is a deterministic function of its knobs, so each voice is synthesized
once per velocity layer (and a few noise variants so repeats are not machine-gun identical) by
the kernels in :mod:`groovebox.dsp.drums`, then played back from the table: 32 sounding voices
then cost what 32 table reads cost, and a sample kit plays through exactly the same path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from groovebox.model.instruments import CHOKE_GROUPS, INSTRUMENT_INDEX, INSTRUMENTS, POLYPHONIC

# Synthesized kits render three velocity layers; a hit uses the first layer whose upper
# velocity bound is >= its velocity.
SYNTH_LAYER_VELOCITIES = (0.35, 0.8, 1.0)
SYNTH_LAYER_BOUNDS = (0.5, 0.9, 1.0)
# Amplitude of a hit is velocity ** VELOCITY_EXPONENT times its table's gain.
VELOCITY_EXPONENT = 1.5


@dataclass(frozen=True, eq=False)
class KitTables:
    """All of a kit's one-shot tables in flat arrays, in the layout the engine kernel reads.

    For instrument ``i``: layers ``layer_first[i] .. layer_first[i] + layer_count[i] - 1``
    (sorted by ``layer_max_vel``); layer ``l`` has variants ``var_first[l] ..`` of
    ``var_count[l]``; variant ``v`` is ``data[var_start[v] : var_start[v] + var_len[v]]``.
    """

    name: str
    sample_rate: int
    data: np.ndarray  # float32 (total,)
    layer_first: np.ndarray  # int64 (n_instruments,)
    layer_count: np.ndarray  # int64 (n_instruments,), 0 = no voice
    layer_max_vel: np.ndarray  # float64 (n_layers,)
    var_first: np.ndarray  # int64 (n_layers,)
    var_count: np.ndarray  # int64 (n_layers,)
    var_start: np.ndarray  # int64 (n_variants,)
    var_len: np.ndarray  # int64 (n_variants,)
    var_gain: np.ndarray  # float32 (n_variants,)
    rate: np.ndarray  # float64 (n_instruments,): playback rate (tune by resampling)
    choke: np.ndarray  # int32 (n_instruments,): choke group, 0 = none
    poly: np.ndarray  # int8 (n_instruments,): 1 = hits ring over each other
    pan: np.ndarray | None = None  # float64 (n_instruments,): the kit's stereo placement
    room: object = None  # model.kit.Room the kit is heard in, or None (dry)

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)

    def pan_of(self, instrument: str, track_pan: float | None = None) -> float:
        """Where ``instrument`` sits: a pattern track's own ``pan`` if it sets one, else the
        kit's placement (centre for kits without one)."""
        if track_pan is not None:
            return float(track_pan)
        return 0.0 if self.pan is None else float(self.pan[INSTRUMENT_INDEX[instrument]])


def pack(
    name: str,
    sample_rate: int,
    layers: dict[str, list[tuple[float, list[np.ndarray], float]]],
    rates: dict[str, float] | None = None,
    choke: dict[str, int] | None = None,
    poly: frozenset[str] | None = None,
    pans: dict[str, float] | None = None,
    room=None,
) -> KitTables:
    """Pack per-instrument layers into :class:`KitTables`.

    Parameters
    ----------
    layers : dict
        instrument -> list of (upper velocity bound, variant tables, gain), sorted by bound.
    rates : dict, optional
        instrument -> playback rate (1.0 = as recorded).
    pans : dict, optional
        instrument -> stereo placement -1..1 (default: centre).
    room : Room, optional
        The room the kit is heard in.
    """
    rates = rates or {}
    choke = CHOKE_GROUPS if choke is None else choke
    poly = POLYPHONIC if poly is None else poly
    n_instr = len(INSTRUMENTS)
    layer_first = np.zeros(n_instr, np.int64)
    layer_count = np.zeros(n_instr, np.int64)
    max_vel, var_first, var_count = [], [], []
    starts, lens, gains, chunks = [], [], [], []
    offset = 0
    for i, instrument in enumerate(INSTRUMENTS):
        layer_first[i] = len(max_vel)
        for bound, tables, gain in layers.get(instrument, []):
            max_vel.append(bound)
            var_first.append(len(starts))
            var_count.append(len(tables))
            for t in tables:
                t = np.ascontiguousarray(t, dtype=np.float32)
                starts.append(offset)
                lens.append(len(t))
                gains.append(gain)
                chunks.append(t)
                offset += len(t)
        layer_count[i] = len(max_vel) - layer_first[i]
    return KitTables(
        name=name,
        sample_rate=int(sample_rate),
        data=np.concatenate(chunks) if chunks else np.zeros(1, np.float32),
        layer_first=layer_first,
        layer_count=layer_count,
        layer_max_vel=np.array(max_vel, np.float64),
        var_first=np.array(var_first, np.int64),
        var_count=np.array(var_count, np.int64),
        var_start=np.array(starts, np.int64),
        var_len=np.array(lens, np.int64),
        var_gain=np.array(gains, np.float32),
        rate=np.array([rates.get(n, 1.0) for n in INSTRUMENTS], np.float64),
        choke=np.array([choke.get(n, 0) for n in INSTRUMENTS], np.int32),
        poly=np.array([n in poly for n in INSTRUMENTS], np.int8),
        pan=np.array([(pans or {}).get(n, 0.0) for n in INSTRUMENTS], np.float64),
        room=room,
    )
