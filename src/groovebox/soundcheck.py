"""Listening with numbers: drum kits measured against recorded reference kits.

One module for the measures the sound report (``benchmarks/sound_report.py``), the kit tests
and ``notebooks/06_sound.ipynb`` share, so all three say the same thing:

- :func:`render_hit` plays one hit of one instrument through the :class:`~groovebox.engine.Engine`
  (limiter off, so nothing but the kit is measured) and returns the mono signal;
- :func:`hit_measures` turns it into the numbers of a listening test: spectral centroid, share
  of energy above 2 kHz, decay times T60/T40, first-sample level and the >2 kHz transient;
- :func:`pattern_balance` renders a pattern's per-instrument stems (everything else muted) and
  gives each stem's loudness relative to the whole pattern, in LU; the same pattern on a
  reference kit gives the reference balance;
- :func:`loudness_lufs` is the integrated loudness of :mod:`groovebox.dsp.loudness` (ITU-R
  BS.1770-4).

Reference kits are Hydrogen drumkits (Debian's ``hydrogen-data``): :data:`REFERENCE_KITS` names
the one each built-in kit is compared with, and :func:`reference_path` finds it on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from groovebox import library
from groovebox.dsp.loudness import measure
from groovebox.kits import KitTables, kit_tables
from groovebox.model.instruments import INSTRUMENT_INDEX
from groovebox.model.options import RenderOptions
from groovebox.model.pattern import Pattern
from groovebox.renderer.engine import Engine
from groovebox.renderer.pattern import pattern_program, plan_pattern

SAMPLE_RATE = 48000
HYDROGEN_DRUMKITS = Path("/usr/share/hydrogen/data/drumkits")
HYDROGEN_MISSING = "hydrogen-data is not installed: apt install hydrogen-data"

# Built-in kit -> the recorded kit it is judged against. hydrogen-data ships only these two.
# The 909 is Roland's next analog machine, built the same way (bridged-T drums, noise claps,
# metallic hats), so TR808EmulationKit is its nearest reference. The lofi kit stands for a
# sampler playing drums lifted from records: its balance is a recorded kit's mix, so it is
# judged against GMRockKit (its crash, cowbell and claps sit where GMRockKit's do, 10-15 LU
# above the TR-808's quiet cymbal and cowbell).
REFERENCE_KITS: dict[str, str] = {
    "808": "TR808EmulationKit",
    "909": "TR808EmulationKit",
    "lofi": "GMRockKit",
    "acoustic": "GMRockKit",
}

# Whose kick a kit's kick attack is judged against (its >2 kHz transient): the 808 and the
# lofi kit (an 808 kick through a sampler) against the TR-808's soft bridged-T thump (-36 dB);
# the 909, whose kick has a designed beater click, and the acoustic kick against GMRockKit's
# felt beater (-25 dB).
KICK_REFERENCE: dict[str, str] = {
    "808": "TR808EmulationKit",
    "909": "GMRockKit",
    "lofi": "TR808EmulationKit",
    "acoustic": "GMRockKit",
}

# Velocities of the three synth layers: ghost, normal hit, accent (the grid's o, x, X).
VELOCITIES: dict[str, float] = {"ghost": 0.35, "hit": 0.8, "accent": 1.0}

# Library patterns the balance is measured over: kick/snare/hats grooves, toms, cymbals, claps,
# cowbell, rim, shaker and conga, at their own tempos.
BALANCE_PATTERNS: tuple[str, ...] = (
    "hip-hop/boom-bap",
    "breaks/funky-drummer",
    "funk/sixteenth-funk-b",
    "funk/p-funk",
    "funk/go-go-b",
    "rock/four-on-the-floor",
    "rock/straight-eighths-b",
    "rock/half-time-fill",
    "jazz/swing-ride",
    "house/chicago-house",
    "electro/planet-rock",
    "electro/miami-bass-b",
    "dubstep/brostep",
    "footwork/juke",
    "house/tech-house",
)

TRANSIENT_HZ = 2000.0  # "transient": the part of the attack above this frequency
TRANSIENT_WINDOW_S = 0.03  # ...within this long after the onset
ENVELOPE_FRAME_S = 0.005  # RMS frames of the decay envelope


def reference_path(kit: str) -> Path | None:
    """The Hydrogen drumkit folder a built-in kit is compared with, or None if not installed.

    ``GROOVEBOX_HYDROGEN_DRUMKITS`` overrides the folder the kits are looked for in.
    """
    root = Path(os.environ.get("GROOVEBOX_HYDROGEN_DRUMKITS", HYDROGEN_DRUMKITS))
    path = root / REFERENCE_KITS[kit]
    return path if (path / "drumkit.xml").is_file() else None


def kick_reference_path(kit: str) -> Path | None:
    """The drumkit whose kick ``kit``'s kick attack is judged against (:data:`KICK_REFERENCE`)."""
    root = Path(os.environ.get("GROOVEBOX_HYDROGEN_DRUMKITS", HYDROGEN_DRUMKITS))
    path = root / KICK_REFERENCE[kit]
    return path if (path / "drumkit.xml").is_file() else None


def references_installed() -> bool:
    """True when every reference kit of :data:`REFERENCE_KITS` is on disk."""
    return all(reference_path(k) is not None and kick_reference_path(k) is not None
               for k in REFERENCE_KITS)


# ---------------------------------------------------------------------------------------
# Rendering through the engine
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def tables(kit, sample_rate: int = SAMPLE_RATE) -> KitTables:
    """All of a kit's tables (a built-in name, a Kit or a drumkit path), cached."""
    return kit_tables(str(kit) if isinstance(kit, os.PathLike) else kit, sample_rate)


def has_instrument(kit, instrument: str, sample_rate: int = SAMPLE_RATE) -> bool:
    """Whether ``kit`` has a sound for ``instrument`` (sample kits may lack some)."""
    return bool(tables(kit, sample_rate).layer_count[INSTRUMENT_INDEX[instrument]])


def _longest_s(kt: KitTables, instrument: str) -> float:
    i = INSTRUMENT_INDEX[instrument]
    first, count = kt.layer_first[i], kt.layer_count[i]
    longest = 0
    for layer in range(first, first + count):
        v0, nv = kt.var_first[layer], kt.var_count[layer]
        longest = max(longest, int(kt.var_len[v0 : v0 + nv].max()))
    return longest / kt.sample_rate / float(kt.rate[i])


def _render(program, frames: int, sample_rate: int) -> np.ndarray:
    engine = Engine(sample_rate, limiter=False)
    engine.load(program)
    return engine.render_block(frames).astype(np.float64)


def render_hit(kit, instrument: str, velocity: float = 0.8, sample_rate: int = SAMPLE_RATE,
               stereo: bool = False) -> np.ndarray:
    """One hit of ``instrument`` on ``kit`` through the engine (no limiter), to its end.

    Parameters
    ----------
    kit : str, Kit or path
        A built-in kit name, a Kit, or a sample kit / Hydrogen drumkit folder.
    instrument : str
    velocity : float
        0.35 ghost, 0.8 hit or 1.0 accent (the grid's o, x and X).
    stereo : bool
        Return the (n, 2) engine output instead of its mono mid signal.

    Returns
    -------
    ndarray float64
        Starts on the trigger sample.
    """
    kt = tables(kit, sample_rate)
    grids = {1.0: "X", 0.8: "x", 0.35: "o"}
    if velocity not in grids:
        raise ValueError(f"velocity: expected one of {sorted(grids)} (the grid's o, x, X), got {velocity!r}")
    pattern = Pattern.from_grid({instrument: grids[velocity]}, bpm=60.0, steps_per_beat=1)
    program = pattern_program(pattern, RenderOptions(kit=kt, sample_rate=sample_rate), end_step=1)
    frames = int((_longest_s(kt, instrument) + 0.05) * sample_rate)
    out = _render(program, frames, sample_rate)
    return out if stereo else 0.5 * (out[:, 0] + out[:, 1])


def render_pattern(pattern, kit, *, bars: int = 4, mute: tuple[str, ...] = (),
                   sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """``bars`` bars of ``pattern`` on ``kit`` through the engine (no limiter), with ring-out;
    (n, 2) float64."""
    pattern = _pattern(pattern)
    plan = plan_pattern(pattern, RenderOptions(bars=bars, kit=tables(kit, sample_rate), mute=tuple(mute),
                                               sample_rate=sample_rate))
    return _render(plan.program, plan.frames + sample_rate, sample_rate)


def _pattern(pattern) -> Pattern:
    return pattern if isinstance(pattern, Pattern) else library.load(pattern)


# ---------------------------------------------------------------------------------------
# Measures of one hit
# ---------------------------------------------------------------------------------------


def power_spectrum(x: np.ndarray, sample_rate: int = SAMPLE_RATE):
    """(frequencies Hz, power) of ``x``, at least 1 Hz resolution."""
    n = max(len(x), sample_rate)
    return np.fft.rfftfreq(n, 1.0 / sample_rate), np.abs(np.fft.rfft(x, n=n)) ** 2


def centroid_hz(x: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """Spectral centroid of the whole hit (power-weighted mean frequency)."""
    f, p = power_spectrum(x, sample_rate)
    return float((f * p).sum() / p.sum())


def fraction_above(x: np.ndarray, hz: float, sample_rate: int = SAMPLE_RATE) -> float:
    """Share of the hit's energy above ``hz`` (0..1)."""
    f, p = power_spectrum(x, sample_rate)
    return float(p[f >= hz].sum() / p.sum())


def band_fraction(x: np.ndarray, lo_hz: float, hi_hz: float, sample_rate: int = SAMPLE_RATE) -> float:
    """Share of the hit's energy in [lo_hz, hi_hz)."""
    f, p = power_spectrum(x, sample_rate)
    return float(p[(f >= lo_hz) & (f < hi_hz)].sum() / p.sum())


def envelope_db(x: np.ndarray, sample_rate: int = SAMPLE_RATE, frame_s: float = ENVELOPE_FRAME_S):
    """RMS envelope in ``frame_s`` frames, dB relative to its loudest frame."""
    w = max(1, int(frame_s * sample_rate))
    n = len(x) // w
    rms = np.sqrt(np.mean(x[: n * w].reshape(n, w) ** 2, axis=1))
    return 20.0 * np.log10(rms / rms.max() + 1e-15)


def decay_s(x: np.ndarray, drop_db: float, sample_rate: int = SAMPLE_RATE) -> float:
    """Seconds from the onset to the end of the last 5 ms frame within ``drop_db`` of the
    loudest frame (T60 for 60 dB, T40 for 40 dB)."""
    env = envelope_db(x, sample_rate)
    above = np.flatnonzero(env >= -drop_db)
    return float((above[-1] + 1) * ENVELOPE_FRAME_S)


def first_sample_ratio(x: np.ndarray) -> float:
    """|first sample| / peak: 1.0 is a hit that starts at full level (a click)."""
    return float(abs(x[0]) / np.abs(x).max())


def transient_db(x: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """Peak of the hit's content above 2 kHz within 30 ms of the onset, dB relative to the
    peak of the whole hit: how much click or stick attack it has."""
    n = len(x) + sample_rate // 10
    spec = np.fft.rfft(x, n=n)
    spec[np.fft.rfftfreq(n, 1.0 / sample_rate) < TRANSIENT_HZ] = 0.0
    high = np.fft.irfft(spec, n=n)[: int(TRANSIENT_WINDOW_S * sample_rate)]
    return float(20.0 * np.log10(np.abs(high).max() / np.abs(x).max() + 1e-15))


def side_to_mid_db(stereo: np.ndarray) -> float:
    """Energy of the side signal (L-R)/2 relative to the mid (L+R)/2, dB: -inf for mono,
    around -10 dB for a drum kit spread across the stereo field."""
    mid = 0.5 * (stereo[:, 0] + stereo[:, 1])
    side = 0.5 * (stereo[:, 0] - stereo[:, 1])
    with np.errstate(divide="ignore"):
        return float(10.0 * np.log10(np.sum(side**2) / np.sum(mid**2)))


@dataclass(frozen=True)
class HitMeasures:
    """The numbers of one hit (see :func:`hit_measures`)."""

    centroid_hz: float
    above_2k: float  # share of energy above 2 kHz, 0..1
    t60_s: float
    t40_s: float
    first_sample: float  # |x[0]| / peak
    transient_db: float  # >2 kHz attack peak relative to the hit's peak

    def row(self) -> dict[str, float]:
        return {
            "centroid_hz": self.centroid_hz,
            "above_2k_pct": 100.0 * self.above_2k,
            "t60_s": self.t60_s,
            "t40_s": self.t40_s,
            "first_pct": 100.0 * self.first_sample,
            "transient_db": self.transient_db,
        }


def hit_measures(x: np.ndarray, sample_rate: int = SAMPLE_RATE) -> HitMeasures:
    """Measure one mono hit that starts on its first sample."""
    x = np.asarray(x, np.float64)
    return HitMeasures(
        centroid_hz=centroid_hz(x, sample_rate),
        above_2k=fraction_above(x, 2000.0, sample_rate),
        t60_s=decay_s(x, 60.0, sample_rate),
        t40_s=decay_s(x, 40.0, sample_rate),
        first_sample=first_sample_ratio(x),
        transient_db=transient_db(x, sample_rate),
    )


@lru_cache(maxsize=512)
def measure_hit(kit, instrument: str, velocity: float = 0.8,
                sample_rate: int = SAMPLE_RATE) -> HitMeasures:
    """:func:`hit_measures` of :func:`render_hit`, cached."""
    return hit_measures(render_hit(kit, instrument, velocity, sample_rate), sample_rate)


def loudness_lufs(x: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """Integrated loudness (ITU-R BS.1770-4, the project meter) of mono (n,) or stereo (n, 2)
    audio, in LUFS; ``-inf`` when nothing passes the -70 LUFS gate."""
    return measure(np.asarray(x, np.float64), sample_rate).integrated_lufs


# ---------------------------------------------------------------------------------------
# Balance inside patterns
# ---------------------------------------------------------------------------------------


def pattern_balance(pattern, kit, instruments: tuple[str, ...] | None = None, *, bars: int = 4,
                    sample_rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Each instrument's loudness in ``pattern`` on ``kit`` relative to the pattern, in LU.

    The pattern is rendered once with only ``instruments`` playing (default: all of its own)
    and once per instrument with everything else muted; each stem's integrated loudness minus
    the pattern's is the instrument's balance (0 LU: as loud as the whole groove; a hat at
    -12 LU sits 12 LU under it).
    """
    pattern = _pattern(pattern)
    own = pattern.instruments
    playing = tuple(i for i in own if instruments is None or i in instruments)
    silent = tuple(i for i in own if i not in playing)
    whole = loudness_lufs(render_pattern(pattern, kit, bars=bars, mute=silent,
                                         sample_rate=sample_rate), sample_rate)
    out = {}
    for inst in playing:
        others = tuple(i for i in own if i != inst)
        stem = render_pattern(pattern, kit, bars=bars, mute=others, sample_rate=sample_rate)
        out[inst] = loudness_lufs(stem, sample_rate) - whole
    return out


def balance_against(pattern, kit: str, reference=None, *, bars: int = 4,
                    sample_rate: int = SAMPLE_RATE) -> dict[str, tuple[float, float]]:
    """instrument -> (balance on ``kit``, balance on its reference kit), LU, for the instruments
    of ``pattern`` both kits have. The reference defaults to :func:`reference_path` of ``kit``."""
    pattern = _pattern(pattern)
    reference = reference if reference is not None else reference_path(kit)
    shared = tuple(i for i in pattern.instruments if has_instrument(reference, i, sample_rate))
    if not shared:
        return {}
    ours = pattern_balance(pattern, kit, shared, bars=bars, sample_rate=sample_rate)
    theirs = pattern_balance(pattern, reference, shared, bars=bars, sample_rate=sample_rate)
    return {i: (ours[i], theirs[i]) for i in shared}
