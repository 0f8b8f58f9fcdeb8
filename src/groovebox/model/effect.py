"""Effects as values: the effect kinds, their parameters in musical units, and ``Effect``.

:data:`EFFECT_PARAMS` is the one schema of every effect parameter (default, range, and how the
range reads in an error message); :func:`validate_effect_params` checks a set against it and
fills in defaults. The kernels in :mod:`groovebox.dsp.effects` take the checked set, and
:func:`groovebox.renderer.effects.make_effect` joins the two. Nothing here needs numba.

>>> Effect("reverb", decay_s=10.0, size=90).params["decay_s"]
10.0
>>> validate_effect_params("saturation", drive_db=6)["output_db"]
0.0
"""

from __future__ import annotations

import math
import numbers

from groovebox import checks
from groovebox.errors import ParameterError, SoundscapeError, UnknownNameError
from groovebox.model.frozen import FrozenMap

__all__ = ["EFFECT_NAMES", "EFFECT_PARAMS", "FILTER_MODES", "Effect", "check_sample_rate", "effect_kind",
           "validate_effect_params"]

EFFECT_NAMES = ("reverb", "tape_delay", "chorus", "filter", "eq", "compressor", "saturation")

FILTER_MODES = ("lowpass", "highpass", "bandpass", "notch", "peak")

# name -> (default, lo, hi, allowed range as an error message says it); None in a default
# or an "or None" in the text marks parameters that may be switched off with None.
EFFECT_PARAMS: dict[str, dict[str, tuple]] = {
    "reverb": {
        "decay_s": (6.0, 0.1, 100.0, "0.1 to 100 s"),
        "size": (70.0, 0.0, 100.0, "0 to 100 %"),
        "damping_hz": (6000.0, 500.0, 20000.0, "500 to 20000 Hz, or None for no damping"),
        "predelay_s": (0.02, 0.0, 0.5, "0 to 0.5 s"),
        "width": (100.0, 0.0, 100.0, "0 to 100 %"),
        "mix": (100.0, 0.0, 100.0, "0 to 100 %"),
        "modulation": (30.0, 0.0, 100.0, "0 to 100 %"),
        "diffusion": (60.0, 0.0, 100.0, "0 to 100 %"),
    },
    "tape_delay": {
        "time_s": (0.5, 0.001, 20.0, "0.001 to 20 s"),
        "feedback": (45.0, 0.0, 100.0, "0 to 100 %"),
        "wow_depth": (0.15, 0.0, 2.0, "0 to 2 % speed deviation"),
        "wow_rate_hz": (0.6, 0.05, 5.0, "0.05 to 5 Hz"),
        "flutter_depth": (0.05, 0.0, 1.0, "0 to 1 % speed deviation"),
        "flutter_rate_hz": (7.0, 1.0, 25.0, "1 to 25 Hz"),
        "lowcut_hz": (120.0, 20.0, 2000.0, "20 to 2000 Hz, or None for off"),
        "highcut_hz": (4500.0, 500.0, 20000.0, "500 to 20000 Hz, or None for off"),
        "mix": (35.0, 0.0, 100.0, "0 to 100 %"),
        "ping_pong": (False, None, None, "True or False"),
        "max_time_s": (None, 0.001, 20.0, "0.001 to 20 s, at least time_s, or None"),
    },
    "chorus": {
        "rate_hz": (0.3, 0.01, 10.0, "0.01 to 10 Hz"),
        "depth_ms": (3.0, 0.0, 10.0, "0 to 10 ms"),
        "delay_ms": (12.0, 1.0, 40.0, "1 to 40 ms, more than depth_ms"),
        "mix": (50.0, 0.0, 100.0, "0 to 100 %"),
    },
    "filter": {
        "mode": ("lowpass", None, None, "one of " + ", ".join(FILTER_MODES)),
        "cutoff_hz": (1000.0, 20.0, 20000.0, "20 to 20000 Hz, below half the sample rate"),
        "q": (0.707, 0.1, 20.0, "0.1 to 20"),
    },
    "eq": {
        "low_hz": (120.0, 20.0, 1000.0, "20 to 1000 Hz"),
        "low_db": (0.0, -24.0, 24.0, "-24 to 24 dB"),
        "mid_hz": (1000.0, 50.0, 16000.0, "50 to 16000 Hz, below half the sample rate"),
        "mid_db": (0.0, -24.0, 24.0, "-24 to 24 dB"),
        "mid_q": (0.9, 0.1, 10.0, "0.1 to 10"),
        "high_hz": (8000.0, 1000.0, 20000.0, "1000 to 20000 Hz, below half the sample rate"),
        "high_db": (0.0, -24.0, 24.0, "-24 to 24 dB"),
    },
    "compressor": {
        "threshold_db": (-18.0, -60.0, 0.0, "-60 to 0 dB"),
        "ratio": (4.0, 1.0, 50.0, "1 to 50"),
        "attack_s": (0.01, 0.0001, 1.0, "0.0001 to 1 s"),
        "release_s": (0.15, 0.005, 5.0, "0.005 to 5 s"),
        "makeup_db": (0.0, -24.0, 24.0, "-24 to 24 dB"),
        "knee_db": (6.0, 0.0, 24.0, "0 to 24 dB"),
    },
    "saturation": {
        "drive_db": (12.0, 0.0, 48.0, "0 to 48 dB"),
        "mix": (100.0, 0.0, 100.0, "0 to 100 %"),
        "output_db": (0.0, -48.0, 12.0, "-48 to 12 dB"),
    },
}
_NONE_OK = {("reverb", "damping_hz"), ("tape_delay", "lowcut_hz"), ("tape_delay", "highcut_hz"),
            ("tape_delay", "max_time_s")}


def effect_kind(kind: int | str) -> str:
    """The effect's name for an effect constant or name."""
    if isinstance(kind, str):
        if kind not in EFFECT_NAMES:
            raise UnknownNameError("effect", kind, EFFECT_NAMES)
        return kind
    if isinstance(kind, bool) or not isinstance(kind, numbers.Integral) or not 0 <= kind < len(EFFECT_NAMES):
        raise UnknownNameError("effect", str(kind), EFFECT_NAMES)
    return EFFECT_NAMES[int(kind)]


def check_sample_rate(sample_rate) -> float:
    """An effect's sample rate as a float in 8000..384000 Hz (a ParameterError otherwise)."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, numbers.Real):
        raise ParameterError("sample_rate", sample_rate, "8000 to 384000 Hz")
    if not 8000 <= sample_rate <= 384000:
        raise ParameterError("sample_rate", sample_rate, "8000 to 384000 Hz")
    return float(sample_rate)


def validate_effect_params(kind: int | str, sample_rate: float = 48000.0, **params) -> dict:
    """Check effect parameters; return the full set (defaults filled in).

    Raises
    ------
    groovebox.errors.UnknownNameError
        For an unknown effect or parameter name.
    groovebox.errors.ParameterError
        For a value out of range; the message names ``effect.parameter`` and the range.
    """
    name = effect_kind(kind)
    sr = check_sample_rate(sample_rate)
    spec = EFFECT_PARAMS[name]
    out = {}
    for key in params:
        if key not in spec:
            raise UnknownNameError(f"{name} parameter", key, spec)
    for key, (default, lo, hi, text) in spec.items():
        value = params.get(key, default)
        label = f"{name}.{key}"
        if value is None:
            if (name, key) not in _NONE_OK:
                raise ParameterError(label, value, text)
            out[key] = None
            continue
        if key == "mode":
            if value not in FILTER_MODES:
                raise ParameterError(label, value, text)
            out[key] = value
            continue
        if key == "ping_pong":
            if not isinstance(value, bool) or type(value).__name__ == "bool_":
                raise ParameterError(label, value, text)
            out[key] = bool(value)
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterError(label, value, text)
        value = float(value)
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ParameterError(label, value, text)
        out[key] = value
    # Ranges that depend on the sample rate or on other parameters.
    nyq = 0.49 * sr
    for key in ("cutoff_hz", "mid_hz", "high_hz", "low_hz", "damping_hz", "highcut_hz"):
        if key not in params and out.get(key) is not None and out[key] >= nyq:
            out[key] = 0.45 * sr  # a default above a low sample rate's Nyquist moves down
        if out.get(key) is not None and out[key] >= nyq:
            lo, text = spec[key][1], spec[key][3]
            raise ParameterError(f"{name}.{key}", out[key], f"{lo:g} to {nyq:g} Hz at {sr:g} Hz")
    if name == "chorus" and out["delay_ms"] - out["depth_ms"] < max(1.0, 3000.0 / sr):
        raise ParameterError("chorus.delay_ms", out["delay_ms"], "more than depth_ms + 1 ms")
    if name == "tape_delay" and out["max_time_s"] is not None and out["max_time_s"] < out["time_s"]:
        raise ParameterError("tape_delay.max_time_s", out["max_time_s"], "at least time_s")
    if name == "tape_delay" and out["time_s"] * sr < 4.0:
        raise ParameterError("tape_delay.time_s", out["time_s"], f"at least {4.0 / sr:g} s at {sr:g} Hz")
    return out


# --- the effect value ---------------------------------------------------------------------------------
class Effect:
    """One effect with its parameters in musical units (checked by the effect's own validator).

    Parameters
    ----------
    kind : str
        ``"reverb"``, ``"tape_delay"``, ``"chorus"``, ``"filter"``, ``"eq"``, ``"compressor"``,
        ``"saturation"``.
    **params
        The effect's parameters (see ``groovebox.dsp.effects``): seconds, Hz, dB, percent.
        A tape delay also takes ``time_beats`` (its time in beats of the soundscape's tempo)
        instead of ``time_s``.

    >>> Effect("reverb", decay_s=10.0, size=90).params["decay_s"]
    10.0
    """

    __slots__ = ("kind", "params")

    def __init__(self, kind: str, **params):
        name = effect_kind(kind)
        check = dict(params)
        if "time_beats" in check:
            if name != "tape_delay":
                raise UnknownNameError(f"{name} parameter", "time_beats", EFFECT_PARAMS[name])
            if "time_s" in check:
                raise SoundscapeError("tape_delay: give time_s or time_beats, not both")
            checks.number(check.pop("time_beats"), "tape_delay.time_beats", 1e-3, 64.0, "0.001 to 64 beats", error=SoundscapeError)
        validate_effect_params(name, 48000.0, **check)  # one line naming effect.param
        object.__setattr__(self, "kind", name)
        object.__setattr__(self, "params", FrozenMap(params))

    def __setattr__(self, name, value):
        raise AttributeError("Effect is immutable")

    def __reduce__(self):  # pickle (process pools) through the constructor: __setattr__ refuses
        return (_effect, (self.kind, dict(self.params)))

    def __eq__(self, other):
        return isinstance(other, Effect) and (self.kind, self.params) == (other.kind, other.params)

    def __hash__(self):
        return hash((self.kind, self.params))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Effect({self.kind!r}{extra})"

    def resolved(self, bpm: float | None) -> dict:
        """Parameters for ``make_effect``: ``time_beats`` turned into ``time_s`` at ``bpm``."""
        p = dict(self.params)
        if "time_beats" in p:
            if bpm is None:
                raise SoundscapeError("tape_delay.time_beats needs a soundscape tempo (bpm)")
            p["time_s"] = float(p.pop("time_beats")) * 60.0 / bpm
        return p


def _effect(kind: str, params: dict) -> Effect:
    """Rebuild a pickled Effect."""
    return Effect(kind, **params)
