"""Loops -> sample-exact note events for any window of samples.

:class:`LoopSource` is the engine's note source for a soundscape's loops. Like the pattern
sequencer it answers "which notes start in samples [start, stop)?" without state, so a long
render and a 256-frame real-time block get the same notes.

Exact time: a loop's period and each hit's onset (start plus phrase offset) are exact rationals
of seconds (the decimals they were written as), so in frames they are ``B / D`` and ``A / D``
with integers A, B, D. The k-th event's hit lands on ``round((A + k B) / D)`` (ties to even,
as Python's ``round``), computed from k in 64-bit integers: no accumulated error, at minute 1
or hour 10. D stays below 2**22 (periods and starts with up to six decimals, tempos to 1/100
bpm); frames stay below 2**40 (about 265 days at 48 kHz).

Variation is counter-hashed (:func:`groovebox.dsp.rng.hash_unit` of ``(seed, loop, k, salt)``):
whether event k is skipped, which ``choose`` alternative it plays, its velocity and tone-colour
drift (smooth noise over k) and the seed of its voices. None of it depends on the window.

>>> import groovebox as gb
>>> from groovebox.renderer.sequencer import NoteBuffer
>>> src = LoopSource.build([gb.Loop("F4", 19.7, 4.0)], sample_rate=48000, seed=0)
>>> buf = NoteBuffer(64)
>>> src.query_notes(0, 48000 * 60, buf)
>>> buf.sample[: buf.n].tolist()
[192000, 1137600, 2083200]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numba import njit

from groovebox.dsp import jit
from groovebox.dsp.rng import hash_unit
from groovebox.errors import SoundscapeError
from groovebox.model.loop import Loop, midi_to_hz

MAX_DEN = 1 << 22
MAX_FRAME = 1 << 40
DRIFT_KNOT_EVENTS = 3.0  # velocity/timbre drift: a new random knot every 3 events
# Salts of the per-event hashes.
_SALT_SKIP, _SALT_CHOOSE, _SALT_VEL, _SALT_TIMBRE, _SALT_SEED = 1, 2, 3, 4, 16


def _lcm(a: int, b: int) -> int:
    return a // math.gcd(a, b) * b


@dataclass
class LoopSource:
    """Compiled loops: per-loop, per-variant and per-hit arrays for :func:`_loop_events`.

    Build it with :meth:`build` (outside the audio thread); :meth:`query_notes` allocates
    nothing.
    """

    l_b: np.ndarray  # int64 (n_loops,): period in frames times D
    l_d: np.ndarray  # int64: the loop's common denominator D
    l_amin: np.ndarray  # int64: smallest hit numerator A of any variant
    l_amax: np.ndarray  # int64: largest
    l_track: np.ndarray  # int32: engine track slot
    l_patch: np.ndarray  # int32: first patch row
    l_npatch: np.ndarray  # int32: patch rows (timbre variants)
    l_skip: np.ndarray  # float64: probability an event is skipped
    l_vel: np.ndarray  # float64: base velocity
    l_vdrift: np.ndarray  # float64: velocity drift 0..1
    l_var0: np.ndarray  # int64: first variant
    l_nvar: np.ndarray  # int64: variants
    v_hit0: np.ndarray  # int64 (n_variants,): first hit
    v_nhit: np.ndarray  # int64
    h_a: np.ndarray  # int64 (n_hits,): onset numerator A (frames times D)
    h_dur: np.ndarray  # int64: frames to note-off
    h_pitch: np.ndarray  # float64: Hz
    h_vel: np.ndarray  # float64: velocity factor
    seed: int
    sample_rate: int
    loops: tuple[Loop, ...] = ()

    @classmethod
    def build(
        cls,
        loops,
        *,
        sample_rate: int,
        seed: int = 0,
        bpm: float | None = None,
        tracks=None,
        patch_first=None,
        patch_count=None,
    ) -> LoopSource:
        """Compile loops at ``sample_rate``.

        Parameters
        ----------
        loops : sequence of Loop
        sample_rate : int
            Frames per second.
        seed : int
            Seed of every variation (>= 0).
        bpm : float, optional
            Tempo of loops in beats that have none of their own.
        tracks, patch_first, patch_count : sequences of int, optional
            Per loop: engine track slot (default: its index), first patch row (default 0) and
            number of patch rows (default 1); with several, a slow random walk over the events
            picks the row (timbre drift).
        """
        loops = tuple(loops)
        n = len(loops)
        sr = int(sample_rate)
        tracks = list(range(n)) if tracks is None else list(tracks)
        patch_first = [0] * n if patch_first is None else list(patch_first)
        patch_count = [1] * n if patch_count is None else list(patch_count)
        cols: dict[str, list] = {k: [] for k in (
            "l_b", "l_d", "l_amin", "l_amax", "l_skip", "l_vel", "l_vdrift", "l_var0",
            "l_nvar", "v_hit0", "v_nhit", "h_a", "h_dur", "h_pitch", "h_vel")}  # fmt: skip
        for lp in loops:
            unit = lp.seconds_per_unit(bpm)
            period = lp.exact_period * unit * sr
            onsets = [[(lp.exact_start + h.offset) * unit * sr for h in v] for v in lp.variants]
            den = period.denominator
            for v in onsets:
                for a in v:
                    den = _lcm(den, a.denominator)
                    if den > MAX_DEN:
                        break
            if den > MAX_DEN:
                # Too many decimals to be exact in 64 bits over long renders: the nearest
                # multiples of 1 / MAX_DEN frame (an error far below a sample per hour).
                den = MAX_DEN
                period = Fraction(round(period * den), den)
                onsets = [[Fraction(round(a * den), den) for a in v] for v in onsets]
            b = int(period * den)
            if b <= 0:
                raise SoundscapeError(
                    f"loop '{lp.name}': period {lp.period_s(bpm):g} s is shorter than a sample at {sr} Hz"
                )
            nums = [int(a * den) for v in onsets for a in v]
            cols["l_b"].append(b)
            cols["l_d"].append(den)
            cols["l_amin"].append(min(nums))
            cols["l_amax"].append(max(nums))
            cols["l_skip"].append(float(lp.skip))
            cols["l_vel"].append(float(lp.velocity))
            cols["l_vdrift"].append(float(lp.velocity_drift))
            cols["l_var0"].append(len(cols["v_hit0"]))
            cols["l_nvar"].append(len(lp.variants))
            for v, v_onsets in zip(lp.variants, onsets, strict=True):
                cols["v_hit0"].append(len(cols["h_a"]))
                # A chord is one hit per pitch; a texture is one hit at a nominal pitch.
                count = 0
                for h, a in zip(v, v_onsets, strict=True):
                    dur = max(1, round(h.duration * float(unit) * sr))
                    for p in h.pitches or (69,):
                        cols["h_a"].append(int(a * den))
                        cols["h_dur"].append(dur)
                        cols["h_pitch"].append(midi_to_hz(p))
                        cols["h_vel"].append(float(h.velocity))
                        count += 1
                cols["v_nhit"].append(count)
        i64 = {"l_b", "l_d", "l_amin", "l_amax", "l_var0", "l_nvar", "v_hit0", "v_nhit", "h_a", "h_dur"}
        arrays = {k: np.array(v, dtype=np.int64 if k in i64 else np.float64) for k, v in cols.items()}
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise SoundscapeError(f"seed: expected a whole number >= 0, got {seed!r}")
        return cls(
            **arrays,
            l_track=np.array(tracks, dtype=np.int32),
            l_patch=np.array(patch_first, dtype=np.int32),
            l_npatch=np.array(patch_count, dtype=np.int32),
            seed=int(seed) & 0x7FFFFFFFFFFFFFFF,
            sample_rate=sr,
            loops=loops,
        )

    @property
    def kernels(self) -> jit.Group:
        """The kernels :meth:`query_notes` calls."""
        return LOOP_KERNELS

    def query_notes(self, start: int, stop: int, buf) -> None:
        """Append the notes whose onsets fall in samples [start, stop) to ``buf`` (a NoteBuffer)."""
        buf.n = _loop_events(
            self.l_b, self.l_d, self.l_amin, self.l_amax, self.l_track, self.l_patch,
            self.l_npatch, self.l_skip, self.l_vel, self.l_vdrift, self.l_var0,
            self.l_nvar, self.v_hit0, self.v_nhit, self.h_a, self.h_dur, self.h_pitch, self.h_vel,
            self.seed, start, stop,
            buf.sample, buf.track, buf.patch, buf.vel, buf.pitch, buf.dur, buf.seed, buf.n,
        )  # fmt: skip

    def onset(self, loop: int, k: int, hit: int = 0) -> int:
        """The frame of hit ``hit`` (of the loop's first variant) in event ``k``, as the engine
        computes it."""
        h = int(self.v_hit0[self.l_var0[loop]]) + hit
        return int(_frame(self.h_a[h], self.l_b[loop], k, self.l_d[loop]))


@njit(cache=True, inline="always")
def _frame(a, b, k, d):
    """round((a + k b) / d), ties to even, in integers."""
    num = a + k * b
    q = num // d
    r = num - q * d
    if 2 * r > d or (2 * r == d and (q & 1) == 1):
        q += 1
    return q


@njit(cache=True)
def _smooth(seed, loop, k, salt):
    """Smooth random function of the event index in [-1, 1] (knots every few events)."""
    x = k / DRIFT_KNOT_EVENTS
    i = math.floor(x)
    f = x - i
    s = f * f * (3.0 - 2.0 * f)
    a = hash_unit(seed, loop, np.int64(i), salt) * 2.0 - 1.0
    b = hash_unit(seed, loop, np.int64(i) + 1, salt) * 2.0 - 1.0
    return a + (b - a) * s


@njit(cache=True)
def _loop_events(
    l_b, l_d, l_amin, l_amax, l_track, l_patch, l_npatch, l_skip, l_vel, l_vdrift, l_var0, l_nvar, v_hit0, v_nhit, h_a, h_dur, h_pitch, h_vel, seed, start, stop,
    ev_sample, ev_track, ev_patch, ev_vel, ev_pitch, ev_dur, ev_seed, n,
):  # fmt: skip
    cap = ev_sample.shape[0]
    if stop <= start:
        return n
    for lp in range(l_b.shape[0]):
        b = l_b[lp]
        d = l_d[lp]
        amin = l_amin[lp]
        amax = l_amax[lp]
        # First event whose latest hit is not before `start`: a lower bound from integer
        # division, then exact steps (the frame is monotonic in k).
        lo = (start - 1) * d - amax
        k = lo // b if lo > 0 else 0
        while _frame(amax, b, k, d) < start:
            k += 1
        while k > 0 and _frame(amax, b, k - 1, d) >= start:
            k -= 1
        while _frame(amin, b, k, d) < stop:
            if l_skip[lp] > 0.0 and hash_unit(seed, lp, k, _SALT_SKIP) < l_skip[lp]:
                k += 1
                continue
            nv = l_nvar[lp]
            var = l_var0[lp]
            if nv > 1:
                var += min(np.int64(hash_unit(seed, lp, k, _SALT_CHOOSE) * nv), nv - 1)
            vel = l_vel[lp]
            if l_vdrift[lp] > 0.0:
                vel *= 1.0 + 0.5 * l_vdrift[lp] * _smooth(seed, lp, k, _SALT_VEL)
            vel = min(max(vel, 0.0), 1.0)
            row = l_patch[lp]
            npatch = l_npatch[lp]
            if npatch > 1:
                u = 0.5 + 0.5 * _smooth(seed, lp, k, _SALT_TIMBRE)
                row += min(np.int64(u * npatch), npatch - 1)
            h0 = v_hit0[var]
            for h in range(h0, h0 + v_nhit[var]):
                f = _frame(h_a[h], b, k, d)
                if f < start or f >= stop:
                    continue
                if n >= cap:
                    return n
                ev_sample[n] = f
                ev_track[n] = l_track[lp]
                ev_patch[n] = row
                ev_vel[n] = vel * h_vel[h]
                ev_pitch[n] = h_pitch[h]
                ev_dur[n] = h_dur[h]
                ev_seed[n] = np.int64(hash_unit(seed, lp, k, _SALT_SEED + h - h0) * 2147483647.0)
                n += 1
            k += 1
    return n


LOOP_KERNELS = jit.Group("loop sequencer", (_loop_events,), 1.5)
