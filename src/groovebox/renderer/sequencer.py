"""Pattern -> sample-exact events for any window of samples.

The sequencer knows no audio: it answers "which hits start in samples [start, stop)?" for a
compiled pattern, so a long render and a 256-frame real-time block ask the same question and get
the same answer. Time is exact until the last moment: step ``g`` sits at tick ``g * 600`` (600
ticks per step make MPC swing percents, percent nudges and ratchets of 2..6 whole numbers), and a
tick becomes a sample through integer arithmetic, ``round(tick * samples_per_tick)`` with
``samples_per_tick`` a fraction, so an hour-long render lands every hit where a 1-bar render would.

>>> import groovebox as gb
>>> p = gb.Pattern.from_grid({"kick": "x...x...", "snare": "....x..."}, bpm=120)
>>> ev = gb.sequencer.events(p, steps=8, sample_rate=48000)
>>> ev["sample"].tolist(), ev["instrument"].tolist()
([0, 24000, 24000], ['kick', 'kick', 'snare'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
from numba import njit

from groovebox import checks
from groovebox.dsp import jit
from groovebox.dsp.rng import hash_normal, hash_unit
from groovebox.errors import GrooveboxError
from groovebox.model.instruments import INSTRUMENT_INDEX, INSTRUMENTS
from groovebox.model.options import RenderOptions
from groovebox.model.pattern import Pattern

TICKS_PER_STEP = 600
MAX_EVENT_STEPS = 16 * 100_000  # events() of at most 100,000 bars of 16 steps
FLAM_S = 0.020  # grace note lead time
FLAM_VELOCITY = 0.55  # grace note velocity relative to its main hit
HUMANIZE_CLIP = 3.0  # humanize offsets are clipped at 3 standard deviations

EVENT_DTYPE = np.dtype(
    [
        ("sample", np.int64),  # onset, in samples from the start of the render
        ("tick", np.int64),  # onset in pattern ticks (600 per step) incl. swing, nudge, ratchet
        ("step", np.int64),  # step number since the pattern started
        ("track", np.int32),  # index into pattern.tracks
        ("instrument", "U16"),
        ("velocity", np.float32),  # 0..1
    ]
)


def samples_per_tick(bpm: float, steps_per_beat: int, sample_rate: int) -> tuple[int, int]:
    """Samples per tick as an exact fraction ``(num, den)``.

    The tempo is taken to 1/100 bpm, so ``round(tick * num / den)`` is exact for any length.
    """
    bpm_q = Fraction(bpm).limit_denominator(100)
    spt = Fraction(60 * sample_rate) / (bpm_q * steps_per_beat * TICKS_PER_STEP)
    return spt.numerator, spt.denominator


@dataclass
class PatternProgram:
    """A pattern compiled into dense per-track step arrays for :func:`_pattern_events`.

    Built once outside the audio thread; :meth:`query` allocates nothing.
    """

    pattern: Pattern
    bpm: float
    swing: float
    sample_rate: int
    seed: int
    humanize_ms: float
    humanize_velocity: float
    track_len: np.ndarray  # int64 (n_tracks,)
    track_first: np.ndarray  # int64 (n_tracks,): offset of the track's steps in the step arrays
    track_instr: np.ndarray  # int32 (n_tracks,): instrument index
    track_slot: np.ndarray  # int32 (n_tracks,): engine track slot
    vel: np.ndarray  # float64 (total steps,): 0 for rests
    chance: np.ndarray  # float64: probability 0..1
    ratchet: np.ndarray  # int64
    flam: np.ndarray  # int8
    nudge_ticks: np.ndarray  # int64
    swing_ticks: int
    num: int  # samples per tick = num / den
    den: int
    anchor_sample: int = 0  # the sample where step `anchor_step` starts
    anchor_step: int = 0
    end_step: int = -1  # no steps from here on (-1: loop forever)
    # Voice id each track's events carry to the engine (default: the instrument index). The
    # live player gives each pattern slot its own range so two patterns can use two kits.
    track_voice: np.ndarray | None = None

    @classmethod
    def build(
        cls,
        pattern: Pattern,
        options: RenderOptions | None = None,
        *,
        track_slots: list[int] | None = None,
        start_sample: int = 0,
        end_step: int = -1,
    ) -> PatternProgram:
        """Compile ``pattern`` with ``options``' tempo, swing, seed, humanize and sample rate
        (the pattern's own tempo and swing where the options leave them None).

        Parameters
        ----------
        options : RenderOptions, optional
            Checked options (default: all defaults, 48 kHz).
        track_slots : list of int, optional
            Engine track of each pattern track (default 0, 1, ...).
        start_sample : int
            The sample where step 0 lands.
        end_step : int
            Play steps 0 .. end_step - 1 only (-1: loop forever).
        """
        o = options if options is not None else RenderOptions()
        bpm = pattern.bpm if o.bpm is None else o.bpm
        swing = pattern.swing if o.swing is None else o.swing
        sample_rate = o.sample_rate
        seed = 0 if o.seed is None else o.seed
        humanize_ms, humanize_velocity = o.humanize_ms, o.humanize_velocity
        n = len(pattern.tracks)
        lens = np.array([len(t) for t in pattern.tracks], dtype=np.int64)
        first = np.zeros(n, dtype=np.int64)
        first[1:] = np.cumsum(lens)[:-1]
        steps = [s for t in pattern.tracks for s in t.steps]
        num, den = samples_per_tick(bpm, pattern.steps_per_beat, sample_rate)
        swing_ticks = _swing_ticks(swing, pattern.steps_per_beat)
        return cls(
            pattern=pattern,
            bpm=bpm,
            swing=swing,
            sample_rate=int(sample_rate),
            seed=int(seed),
            humanize_ms=float(humanize_ms),
            humanize_velocity=float(humanize_velocity),
            track_len=lens,
            track_first=first,
            track_instr=np.array([INSTRUMENT_INDEX[t.instrument] for t in pattern.tracks], dtype=np.int32),
            track_slot=np.array(track_slots if track_slots is not None else range(n), dtype=np.int32),
            vel=np.array([s.velocity for s in steps], dtype=np.float64),
            chance=np.array([s.chance_pct / 100.0 for s in steps], dtype=np.float64),
            ratchet=np.array([s.ratchet for s in steps], dtype=np.int64),
            flam=np.array([s.flam for s in steps], dtype=np.int8),
            nudge_ticks=np.array([round(s.nudge_pct * TICKS_PER_STEP / 100.0) for s in steps], dtype=np.int64),
            swing_ticks=int(swing_ticks),
            num=num,
            den=den,
            anchor_sample=int(start_sample),
            anchor_step=0,
            end_step=int(end_step),
        )

    @property
    def step_samples(self) -> float:
        """Length of a step in samples (exact value as a float)."""
        return TICKS_PER_STEP * self.num / self.den

    def step_to_sample(self, step: int) -> int:
        """The sample where (unswung) step ``step`` starts."""
        t = (step - self.anchor_step) * TICKS_PER_STEP
        q, r = divmod(t, self.den)
        return self.anchor_sample + q * self.num + (2 * r * self.num + self.den) // (2 * self.den)

    def next_step(self, sample: int, multiple: int = 1) -> int:
        """The first step that is a multiple of ``multiple`` (and not before ``anchor_step``)
        whose unswung start is at or after ``sample``."""
        g = self.anchor_step + max(0, math.floor((sample - self.anchor_sample) / self.step_samples) - 1)
        g = -(-g // multiple) * multiple
        while g < self.anchor_step or self.step_to_sample(g) < sample:
            g += multiple
        return g

    def retimed(self, at_step: int, *, bpm: float | None = None, swing: float | None = None) -> PatternProgram:
        """This program from step ``at_step`` on at another tempo and/or swing.

        The result is anchored where ``at_step`` starts in this program, so steps before it keep
        their samples and the new tempo counts from that exact sample. Play ``self.until(at_step)``
        and the result side by side for a seamless change (arrays are shared, nothing is rebuilt).
        """
        if at_step < self.anchor_step:
            raise GrooveboxError(f"cannot retime at step {at_step}, before the anchor step {self.anchor_step}")
        o = RenderOptions(bpm=bpm, swing=swing)  # checked: one line for a bad value
        bpm = self.bpm if o.bpm is None else o.bpm
        swing = self.swing if o.swing is None else o.swing
        spb = self.pattern.steps_per_beat
        num, den = samples_per_tick(bpm, spb, self.sample_rate)
        return replace(
            self, bpm=bpm, swing=swing, num=num, den=den, swing_ticks=_swing_ticks(swing, spb),
            anchor_sample=self.step_to_sample(at_step), anchor_step=int(at_step),
        )  # fmt: skip

    def until(self, end_step: int) -> PatternProgram:
        """This program without the steps from ``end_step`` on."""
        end = int(end_step) if self.end_step < 0 else min(self.end_step, int(end_step))
        return replace(self, end_step=end)

    @property
    def lead_samples(self) -> int:
        """How far before its step's unswung start a hit can land (negative nudge, flam, humanize)."""
        return math.ceil(0.5 * self.step_samples + FLAM_S * self.sample_rate
                         + HUMANIZE_CLIP * self.humanize_ms * 1e-3 * self.sample_rate) + 2

    @property
    def end_sample(self) -> int:
        """No hit lands at or after this sample (-1: the program never ends)."""
        if self.end_step < 0:
            return -1
        # Swing, nudge and ratchets keep a hit within 2 steps of its step's start.
        return self.step_to_sample(self.end_step + 2) + self.lead_samples

    @property
    def kernels(self) -> jit.Group:
        """The kernels :meth:`query` calls (so a first run can say it compiles them)."""
        return PATTERN_KERNELS

    def query(self, start: int, stop: int, buf: EventBuffer, kind: int = 0) -> None:
        """Append the events whose onsets fall in samples [start, stop) to ``buf``."""
        voice = self.track_instr if self.track_voice is None else self.track_voice
        buf.n = _pattern_events(
            self.track_len, self.track_first, self.track_instr, voice, self.track_slot,
            self.vel, self.chance, self.ratchet, self.flam, self.nudge_ticks,
            self.pattern.steps_per_beat, self.swing_ticks, self.num, self.den,
            self.anchor_sample, self.anchor_step, self.end_step, self.seed,
            self.humanize_ms * 1e-3 * self.sample_rate, self.humanize_velocity,
            round(FLAM_S * self.sample_rate), start, stop,
            buf.sample, buf.tick, buf.step, buf.track, buf.instr, buf.vel, buf.n,
        )  # fmt: skip


def _swing_ticks(swing: float, steps_per_beat: int) -> int:
    # Swing shifts every second step of a pair, so it needs pairs inside a beat.
    return round((swing - 50.0) / 50.0 * TICKS_PER_STEP) if steps_per_beat % 2 == 0 else 0


class EventBuffer:
    """Preallocated parallel arrays of events (filled by sources, drained by the engine)."""

    def __init__(self, capacity: int = 16384):
        self.capacity = capacity
        self.sample = np.zeros(capacity, np.int64)
        self.tick = np.zeros(capacity, np.int64)
        self.step = np.zeros(capacity, np.int64)
        self.track = np.zeros(capacity, np.int32)
        self.instr = np.zeros(capacity, np.int32)
        self.vel = np.zeros(capacity, np.float32)
        self.n = 0


@njit(cache=True, inline="always")
def _tick_to_sample(tick, num, den):
    q = tick // den
    r = tick - q * den
    return q * num + (2 * r * num + den) // (2 * den)


@njit(cache=True)
def _pattern_events(
    track_len, track_first, track_instr, track_voice, track_slot, vel, chance, ratchet, flam, nudge_ticks,
    steps_per_beat, swing_ticks, num, den, anchor_sample, anchor_step, end_step, seed,
    humanize_samples, humanize_vel, flam_samples, start, stop,
    ev_sample, ev_tick, ev_step, ev_track, ev_instr, ev_vel, n,
):  # fmt: skip
    cap = ev_sample.shape[0]
    tps = 600
    step_samples = tps * num / den
    # Any hit lands within 3 steps of its step (swing + nudge + ratchet), minus the flam
    # lead, plus or minus the clipped humanize offset.
    margin = 3.0 * step_samples + flam_samples + 3.0 * humanize_samples + 2.0
    g_lo = anchor_step + int(math.floor((start - margin - anchor_sample) / step_samples))
    g_hi = anchor_step + int(math.ceil((stop + margin - anchor_sample) / step_samples))
    if g_lo < anchor_step:
        g_lo = anchor_step
    if end_step >= 0 and g_hi > end_step - 1:
        g_hi = end_step - 1
    swing_on = steps_per_beat % 2 == 0 and swing_ticks != 0
    for t in range(track_len.shape[0]):
        length = track_len[t]
        base = track_first[t]
        instr = track_instr[t]  # seeds the random draws: the same for any voice id
        voice = track_voice[t]
        for g in range(g_lo, g_hi + 1):
            k = base + g % length
            v = vel[k]
            if v == 0.0:
                continue
            if chance[k] < 1.0 and hash_unit(seed, instr, g, 0) >= chance[k]:
                continue
            local = (g - anchor_step) * tps
            step_len = tps
            if swing_on:
                if g % 2 == 1:
                    local += swing_ticks
                    step_len = tps - swing_ticks
                else:
                    step_len = tps + swing_ticks
            local += nudge_ticks[k]
            r = ratchet[k]
            for j in range(r):
                tk = local + (2 * j * step_len + r) // (2 * r)
                s = anchor_sample + _tick_to_sample(tk, num, den)
                vv = v
                if humanize_samples > 0.0:
                    z = hash_normal(seed, instr, g, j + 1)
                    z = min(max(z, -3.0), 3.0)
                    s += int(round(z * humanize_samples))
                if humanize_vel > 0.0:
                    z = hash_normal(seed + 1, instr, g, j + 1)
                    vv = min(max(vv * (1.0 + humanize_vel * z), 0.05), 1.0)
                if flam[k] != 0 and j == 0:
                    fs = s - flam_samples
                    if fs >= start and fs < stop and n < cap:
                        ev_sample[n] = fs
                        ev_tick[n] = anchor_step * tps + tk
                        ev_step[n] = g
                        ev_track[n] = track_slot[t]
                        ev_instr[n] = voice
                        ev_vel[n] = vv * 0.55
                        n += 1
                if s >= start and s < stop and n < cap:
                    ev_sample[n] = s
                    ev_tick[n] = anchor_step * tps + tk
                    ev_step[n] = g
                    ev_track[n] = track_slot[t]
                    ev_instr[n] = voice
                    ev_vel[n] = vv
                    n += 1
    return n


def events(
    pattern: Pattern,
    options: RenderOptions | None = None,
    *,
    steps: int | None = None,
    **changes,
) -> np.ndarray:
    """Every hit of ``pattern`` over ``bars`` bars (or ``steps`` steps), sorted by onset.

    Parameters
    ----------
    pattern : Pattern
    options : RenderOptions, optional
        Tempo, swing, seed, humanize, sample rate, and ``bars`` (default: the pattern's length).
    steps : int, optional
        Exactly this many steps instead of bars.
    **changes
        Any :class:`~groovebox.model.options.RenderOptions` field (``bars=2, bpm=100``).

    Returns
    -------
    ndarray of EVENT_DTYPE, shape (n_events,)
        Fields ``sample``, ``tick``, ``step``, ``track``, ``instrument``, ``velocity``.
        Grace notes of flams have the step and tick of their main hit.
    """
    o = RenderOptions.of(options, **changes)
    sample_rate = o.sample_rate
    if steps is None:
        n_bars = Fraction(pattern.bars) if o.bars is None else Fraction(o.bars).limit_denominator(64)
        steps = math.ceil(n_bars * pattern.steps_per_bar)
    else:
        steps = checks.whole(steps, "steps", 1, MAX_EVENT_STEPS)
    prog = PatternProgram.build(pattern, o, end_step=int(steps))
    # Enough room for every hit (ratchets and flams included).
    capacity = int(steps) * len(pattern.tracks) * (2 + int(prog.ratchet.max())) + 16
    buf = EventBuffer(capacity)
    lo = -int(prog.step_samples * 4) - round(FLAM_S * sample_rate) - 10_000
    hi = prog.step_to_sample(int(steps) + 4) + 10_000
    prog.query(lo, hi, buf)
    n = buf.n
    out = np.zeros(n, EVENT_DTYPE)
    out["sample"] = buf.sample[:n]
    out["tick"] = buf.tick[:n]
    out["step"] = buf.step[:n]
    out["track"] = [list(pattern.instruments).index(INSTRUMENTS[i]) for i in buf.instr[:n]]
    out["instrument"] = [INSTRUMENTS[i] for i in buf.instr[:n]]
    out["velocity"] = buf.vel[:n]
    order = np.lexsort((out["track"], out["sample"]))
    return out[order]


class NoteBuffer:
    """Preallocated parallel arrays of tonal note events (filled by note sources)."""

    def __init__(self, capacity: int = 4096):
        self.capacity = capacity
        self.sample = np.zeros(capacity, np.int64)
        self.track = np.zeros(capacity, np.int32)
        self.patch = np.zeros(capacity, np.int32)
        self.vel = np.zeros(capacity, np.float32)
        self.pitch = np.zeros(capacity, np.float64)  # Hz
        self.dur = np.zeros(capacity, np.int64)  # frames to note-off
        self.seed = np.zeros(capacity, np.int64)
        self.n = 0


@dataclass
class NoteProgram:
    """Notes at exact frames, optionally looping every ``loop_frames``: a part of a progression,
    a melody, or any list of notes compiled for the engine.

    Arrays are sorted by ``start``; ``query_notes`` finds a window by binary search, so a
    block costs the same at minute 1 and minute 60.
    """

    start: np.ndarray  # int64 frames
    dur: np.ndarray  # int64 frames to note-off
    pitch_hz: np.ndarray  # float64
    vel: np.ndarray  # float32
    patch: np.ndarray  # int32: engine patch index
    track: np.ndarray  # int32: engine track slot
    seed: np.ndarray  # int64: per-note seed for the voice's random choices
    loop_frames: int = 0  # 0: play once
    offset: int = 0  # sample where frame 0 of the notes lands

    def __post_init__(self):
        order = np.argsort(self.start, kind="stable")
        for name in ("start", "dur", "pitch_hz", "vel", "patch", "track", "seed"):
            setattr(self, name, np.ascontiguousarray(getattr(self, name)[order]))
        if self.loop_frames and len(self.start) and self.start[-1] >= self.loop_frames:
            raise GrooveboxError(f"a note starts at frame {self.start[-1]}, past the loop length {self.loop_frames}")

    @property
    def kernels(self) -> jit.Group:
        """The kernels :meth:`query_notes` calls."""
        return NOTE_KERNELS

    def query_notes(self, start: int, stop: int, buf: NoteBuffer) -> None:
        """Append the notes whose onsets fall in samples [start, stop) to ``buf``."""
        buf.n = _note_events(
            self.start, self.dur, self.pitch_hz, self.vel, self.patch, self.track, self.seed,
            self.loop_frames, self.offset, start, stop,
            buf.sample, buf.track, buf.patch, buf.vel, buf.pitch, buf.dur, buf.seed, buf.n,
        )  # fmt: skip


@njit(cache=True)
def _note_events(
    n_start, n_dur, n_pitch, n_vel, n_patch, n_track, n_seed, loop_frames, offset, start, stop,
    ev_sample, ev_track, ev_patch, ev_vel, ev_pitch, ev_dur, ev_seed, n,
):  # fmt: skip
    cap = ev_sample.shape[0]
    total = n_start.shape[0]
    if total == 0 or stop <= start:
        return n
    lo = start - offset
    hi = stop - offset
    if loop_frames > 0:
        c0 = lo // loop_frames if lo >= 0 else -((-lo + loop_frames - 1) // loop_frames)
        c1 = (hi - 1) // loop_frames if hi > 0 else -1
    else:
        c0 = 0
        c1 = 0
    for c in range(max(c0, 0), c1 + 1):
        base = c * loop_frames
        a = np.searchsorted(n_start, lo - base, side="left")
        b = np.searchsorted(n_start, hi - base, side="left")
        for k in range(a, b):
            if n >= cap:
                return n
            ev_sample[n] = offset + base + n_start[k]
            ev_track[n] = n_track[k]
            ev_patch[n] = n_patch[k]
            ev_vel[n] = n_vel[k]
            ev_pitch[n] = n_pitch[k]
            ev_dur[n] = n_dur[k]
            ev_seed[n] = n_seed[k] + c * 7919
            n += 1
    return n


PATTERN_KERNELS = jit.Group("pattern sequencer", (_pattern_events,), 1.0)
NOTE_KERNELS = jit.Group("note sequencer", (_note_events,), 0.5)
