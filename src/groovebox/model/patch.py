"""Tonal voices as values: voice kinds, the patch schema, named presets, instruments.

A tonal voice (pad, bell, e-piano, pluck, piano, choir, drone, organ, sub bass, and the
textures rain, wind, ocean and hiss) is a *kind* plus a *patch*: one row of ``PATCH_SIZE``
floats whose fields are named by :data:`PATCH_FIELDS` (units in the names) and bounded by
:data:`PATCH_RANGES`. The kernels in :mod:`groovebox.dsp.tonal` read the same row by index
(their ``P_*`` constants follow :data:`PATCH_FIELDS`; a test keeps the two in step), so this
module is the one place that says what a patch means; it needs numpy, never numba.

>>> kind, patch = preset("warm_pad")
>>> KIND_NAMES[kind], float(patch[PATCH_FIELDS.index("attack_s")])
('pad', 2.5)
>>> Instrument("choir_ah", attack_s=0.3).fields["attack_s"]
0.3
"""

from __future__ import annotations

import math

import numpy as np

from groovebox.errors import ParameterError, UnknownNameError
from groovebox.model.frozen import FrozenMap

# --- voice kinds (the kernels' kind numbers are the positions in KIND_NAMES) ----------------
PAD = 0
BELL = 1
EPIANO = 2
PLUCK = 3
PIANO = 4
CHOIR = 5
DRONE = 6
ORGAN = 7
SUB_BASS = 8
RAIN = 9
WIND = 10
OCEAN = 11
HISS = 12
N_KINDS = 13
KIND_NAMES = (
    "pad",
    "bell",
    "epiano",
    "pluck",
    "piano",
    "choir",
    "drone",
    "organ",
    "sub_bass",
    "rain",
    "wind",
    "ocean",
    "hiss",
)
TEXTURES = (RAIN, WIND, OCEAN, HISS)  # unpitched

# --- the patch row ----------------------------------------------------------------------------
PATCH_FIELDS = (
    "attack_s",
    "decay_s",
    "sustain",
    "release_s",
    "gain_db",
    "pan",
    "cutoff_hz",
    "resonance",
    "filter_env_oct",
    "detune_cents",
    "voices",
    "spread",
    "brightness",
    "fm_ratio",
    "fm_index",
    "fm_decay_s",
    "fm_sustain",
    "fm_ratio2",
    "fm_index2",
    "fm_decay2_s",
    "vibrato_hz",
    "vibrato_cents",
    "drift_cents",
    "lfo_hz",
    "lfo_depth",
    "noise",
    "position",
    "inharmonicity",
    "drawbars",
    "velocity_sens",
    "density",
    "vowel",
)
PATCH_SIZE = len(PATCH_FIELDS)

# (lo, hi, how the range reads in an error message)
PATCH_RANGES: dict[str, tuple[float, float, str]] = {
    "attack_s": (0.0, 60.0, "0 to 60 s"),
    "decay_s": (0.001, 120.0, "0.001 to 120 s"),
    "sustain": (0.0, 1.0, "0 to 1"),
    "release_s": (0.001, 60.0, "0.001 to 60 s"),
    "gain_db": (-60.0, 12.0, "-60 to 12 dB"),
    "pan": (-1.0, 1.0, "-1 (left) to 1 (right)"),
    "cutoff_hz": (20.0, 20000.0, "20 to 20000 Hz"),
    "resonance": (0.1, 20.0, "a Q of 0.1 to 20"),
    "filter_env_oct": (-8.0, 8.0, "-8 to 8 octaves"),
    "detune_cents": (0.0, 100.0, "0 to 100 cents"),
    "voices": (1.0, 7.0, "a whole number of voices, 1 to 7"),
    "spread": (0.0, 1.0, "0 to 1"),
    "brightness": (0.0, 1.0, "0 to 1"),
    "fm_ratio": (0.0, 32.0, "0 to 32"),
    "fm_index": (0.0, 50.0, "0 to 50 radians"),
    "fm_decay_s": (0.001, 120.0, "0.001 to 120 s"),
    "fm_sustain": (0.0, 1.0, "0 to 1"),
    "fm_ratio2": (0.0, 32.0, "0 to 32"),
    "fm_index2": (0.0, 50.0, "0 to 50 radians"),
    "fm_decay2_s": (0.001, 120.0, "0.001 to 120 s"),
    "vibrato_hz": (0.0, 20.0, "0 to 20 Hz"),
    "vibrato_cents": (0.0, 100.0, "0 to 100 cents"),
    "drift_cents": (0.0, 50.0, "0 to 50 cents"),
    "lfo_hz": (0.0, 20.0, "0 to 20 Hz"),
    "lfo_depth": (0.0, 1.0, "0 to 1"),
    "noise": (0.0, 1.0, "0 to 1"),
    "position": (0.01, 0.5, "0.01 to 0.5 of the string"),
    "inharmonicity": (0.0, 0.01, "0 to 0.01"),
    "drawbars": (0.0, 888888888.0, "nine drawbar digits 0-8 in Hammond order (16', 5 1/3', 8', 4', ...), e.g. 838000000"),
    "velocity_sens": (0.0, 1.0, "0 to 1"),
    "density": (0.0, 5000.0, "0 to 5000 per second"),
    "vowel": (0.0, 4.0, "0 to 4 (a, e, i, o, u)"),
}
assert tuple(PATCH_RANGES) == PATCH_FIELDS

_BASE_PATCH = {
    "attack_s": 0.01,
    "decay_s": 1.0,
    "sustain": 1.0,
    "release_s": 0.5,
    "gain_db": 0.0,
    "pan": 0.0,
    "cutoff_hz": 2000.0,
    "resonance": 0.707,
    "filter_env_oct": 0.0,
    "detune_cents": 0.0,
    "voices": 1.0,
    "spread": 0.5,
    "brightness": 0.5,
    "fm_ratio": 1.0,
    "fm_index": 0.0,
    "fm_decay_s": 1.0,
    "fm_sustain": 0.0,
    "fm_ratio2": 1.0,
    "fm_index2": 0.0,
    "fm_decay2_s": 0.2,
    "vibrato_hz": 5.0,
    "vibrato_cents": 0.0,
    "drift_cents": 0.0,
    "lfo_hz": 0.1,
    "lfo_depth": 0.0,
    "noise": 0.0,
    "position": 0.2,
    "inharmonicity": 0.0,
    "drawbars": 0.0,
    "velocity_sens": 0.5,
    "density": 0.0,
    "vowel": 0.0,
}

# Named patches: (kind, settings that differ from _BASE_PATCH). Voiced here by ear and from
# what the instruments do: slow pads that open as they swell, bells with inharmonic
# modulators, an electric piano whose pickup barks when struck hard over a tine's ping (its second
# mode, 6.27 times the first), felt-soft piano hammers.
_PRESET_SPECS: dict[str, tuple[int, dict[str, float]]] = {
    "warm_pad": (PAD, dict(attack_s=2.5, decay_s=4.0, sustain=0.8, release_s=4.0, cutoff_hz=900.0,
                           resonance=0.8, filter_env_oct=1.2, detune_cents=12.0, voices=7.0,
                           spread=0.8, drift_cents=3.0, lfo_hz=0.07, lfo_depth=0.3)),
    "dark_pad": (PAD, dict(attack_s=4.0, decay_s=6.0, sustain=0.7, release_s=6.0, cutoff_hz=420.0,
                           resonance=1.1, filter_env_oct=0.8, detune_cents=7.0, voices=5.0,
                           spread=0.9, drift_cents=4.0, lfo_hz=0.05, lfo_depth=0.4)),
    "fm_bell": (BELL, dict(attack_s=0.002, decay_s=6.0, sustain=0.0, release_s=3.0, fm_ratio=3.5,
                           fm_index=3.0, fm_decay_s=2.5, fm_sustain=0.1, velocity_sens=0.6)),
    "glass": (BELL, dict(attack_s=0.03, decay_s=9.0, sustain=0.0, release_s=3.0, fm_ratio=7.0,
                         fm_index=0.8, fm_decay_s=1.5, fm_sustain=0.3, fm_ratio2=2.0,
                         fm_index2=0.4, fm_decay2_s=4.0, velocity_sens=0.4)),
    "rhodes": (EPIANO, dict(attack_s=0.002, decay_s=5.0, sustain=0.0, release_s=0.4, gain_db=1.0, fm_ratio=1.0,
                            fm_index=3.0, fm_decay_s=2.5, fm_sustain=0.3, fm_ratio2=6.27,
                            fm_index2=0.5, fm_decay2_s=0.1, velocity_sens=0.9)),
    "pluck": (PLUCK, dict(attack_s=0.002, decay_s=3.5, sustain=0.0, release_s=0.3, brightness=0.6,
                          position=0.18, velocity_sens=0.6)),
    "soft_piano": (PIANO, dict(attack_s=0.003, decay_s=7.0, sustain=0.0, release_s=0.5,
                               brightness=0.35, position=0.125, inharmonicity=0.00025,
                               velocity_sens=0.7)),
    "choir_ah": (CHOIR, dict(attack_s=1.2, decay_s=2.0, sustain=0.9, release_s=2.5, voices=3.0,
                             detune_cents=9.0, spread=0.7, vibrato_hz=5.2, vibrato_cents=14.0,
                             drift_cents=4.0, noise=0.15, vowel=0.0)),
    "sine_drone": (DRONE, dict(attack_s=6.0, decay_s=1.0, sustain=1.0, release_s=8.0,
                               drawbars=508400000.0, detune_cents=3.0, spread=0.6, lfo_hz=0.05,
                               lfo_depth=0.5)),
    "organ": (ORGAN, dict(attack_s=0.01, sustain=1.0, release_s=0.08, drawbars=838000000.0,
                          gain_db=-3.0)),
    "sub": (SUB_BASS, dict(attack_s=0.01, sustain=1.0, release_s=0.15, brightness=0.3)),
    "rain": (RAIN, dict(attack_s=3.0, sustain=1.0, release_s=4.0, cutoff_hz=9000.0, brightness=0.5,
                        noise=0.6, density=180.0, lfo_hz=0.08, lfo_depth=0.4)),
    "wind": (WIND, dict(attack_s=4.0, sustain=1.0, release_s=6.0, cutoff_hz=500.0, resonance=1.6,
                        lfo_hz=0.12, lfo_depth=0.8)),
    "ocean": (OCEAN, dict(attack_s=5.0, sustain=1.0, release_s=8.0, cutoff_hz=350.0,
                          resonance=0.6, lfo_hz=0.1, lfo_depth=0.7)),
    "tape_hiss": (HISS, dict(attack_s=2.0, sustain=1.0, release_s=3.0, cutoff_hz=9000.0,
                             brightness=0.4, lfo_hz=0.2, lfo_depth=0.2, gain_db=-12.0)),
    "vinyl": (HISS, dict(attack_s=1.0, sustain=1.0, release_s=2.0, cutoff_hz=6000.0,
                         brightness=0.2, noise=0.5, density=6.0, lfo_hz=0.3, lfo_depth=0.3,
                         gain_db=-14.0)),
}
_KIND_DEFAULT_PRESET = {
    PAD: "warm_pad",
    BELL: "fm_bell",
    EPIANO: "rhodes",
    PLUCK: "pluck",
    PIANO: "soft_piano",
    CHOIR: "choir_ah",
    DRONE: "sine_drone",
    ORGAN: "organ",
    SUB_BASS: "sub",
    RAIN: "rain",
    WIND: "wind",
    OCEAN: "ocean",
    HISS: "tape_hiss",
}


def kind_id(kind: int | str) -> int:
    """The integer voice kind for a kind constant or its name (``"pad"``, ``"bell"``, ...)."""
    if isinstance(kind, str):
        if kind not in KIND_NAMES:
            raise UnknownNameError("voice kind", kind, KIND_NAMES)
        return KIND_NAMES.index(kind)
    if isinstance(kind, bool) or not isinstance(kind, int | np.integer) or not 0 <= kind < N_KINDS:
        raise UnknownNameError("voice kind", str(kind), KIND_NAMES)
    return int(kind)


def validate_patch(patch: np.ndarray) -> None:
    """Raise :class:`~groovebox.errors.ParameterError` naming the first out-of-range slot.

    Parameters
    ----------
    patch : ndarray, shape (PATCH_SIZE,)
        Patch row to check.
    """
    arr = np.asarray(patch)
    if arr.shape != (PATCH_SIZE,):
        raise ParameterError("patch", f"array of shape {arr.shape}", f"shape ({PATCH_SIZE},)")
    for i, name in enumerate(PATCH_FIELDS):
        _check_field(name, float(arr[i]), ParameterError)


def _check_field(name: str, value: float, error_type) -> None:
    lo, hi, text = PATCH_RANGES[name]
    if not math.isfinite(value) or not lo <= value <= hi:
        raise error_type(f"patch.{name}", value, text)
    if name == "voices" and value != int(value):
        raise error_type(f"patch.{name}", value, text)
    if name == "drawbars":
        digits = f"{int(value):09d}"
        if value != int(value) or any(d == "9" for d in digits):
            raise error_type(f"patch.{name}", value, text)


def make_patch(kind: int | str, **fields: float) -> np.ndarray:
    """A validated patch row: the kind's default patch with ``fields`` changed.

    Parameters
    ----------
    kind : int or str
        Voice kind (constant or name).
    **fields : float
        Any of :data:`PATCH_FIELDS` in their units, e.g. ``attack_s=4.0, cutoff_hz=800``;
        ``drawbars`` may also be given as a string of nine digits (``"888000000"``).

    Returns
    -------
    ndarray, shape (PATCH_SIZE,), float64
    """
    patch = default_patch(kind)
    for name, value in fields.items():
        if name not in PATCH_FIELDS:
            raise UnknownNameError("patch field", name, PATCH_FIELDS)
        if name == "drawbars" and isinstance(value, str):
            if len(value) != 9 or not value.isdigit():
                raise ParameterError("patch.drawbars", value, PATCH_RANGES["drawbars"][2])
            value = float(int(value))
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"patch.{name}", value, PATCH_RANGES[name][2]) from None
        _check_field(name, value, ParameterError)
        patch[PATCH_FIELDS.index(name)] = value
    return patch


def _build(spec: dict[str, float]) -> np.ndarray:
    values = dict(_BASE_PATCH)
    values.update(spec)
    return np.array([values[name] for name in PATCH_FIELDS], dtype=np.float64)


def default_patch(kind: int | str) -> np.ndarray:
    """The default patch of a voice kind (a fresh copy), shape (PATCH_SIZE,), float64."""
    k = kind_id(kind)
    return _build(_PRESET_SPECS[_KIND_DEFAULT_PRESET[k]][1])


PRESETS: dict[str, tuple[int, np.ndarray]] = {
    name: (kind, _build(spec)) for name, (kind, spec) in _PRESET_SPECS.items()
}
for _kind, _patch in PRESETS.values():
    _patch.flags.writeable = False


def preset(name: str) -> tuple[int, np.ndarray]:
    """(kind, patch copy) of a named preset such as ``"warm_pad"`` or ``"fm_bell"``."""
    if name not in PRESETS:
        raise UnknownNameError("preset", name, PRESETS)
    kind, patch = PRESETS[name]
    return kind, patch.copy()


# --- instruments: a preset with some fields changed -----------------------------------------------------------------------------
class Instrument:
    """A tonal voice: a named preset (or a voice kind) with some patch fields changed.

    Parameters
    ----------
    preset : str
        A tonal preset (``"choir_ah"``, ``"warm_pad"``, ``"fm_bell"``, ``"soft_piano"``,
        ``"rain"``, ... see ``groovebox.dsp.PRESETS``) or a voice kind (``"pad"``,
        ``"bell"``, ...), whose default patch is used.
    **fields : float
        Patch fields in their units (``attack_s=2.0``, ``cutoff_hz=800``, ``vowel=1.0``...).

    >>> Instrument("choir_ah", attack_s=0.3).fields["attack_s"]
    0.3
    """

    __slots__ = ("preset", "fields")

    def __init__(self, preset: str, **fields: float):
        if not isinstance(preset, str) or (preset not in PRESETS and preset not in KIND_NAMES):
            raise UnknownNameError("instrument", str(preset), [*PRESETS, *KIND_NAMES])
        kind = PRESETS[preset][0] if preset in PRESETS else KIND_NAMES.index(preset)
        checked = make_patch(kind, **fields)  # ParameterError / UnknownNameError, one line
        values = {name: float(checked[PATCH_FIELDS.index(name)]) for name in fields}
        object.__setattr__(self, "preset", preset)
        object.__setattr__(self, "fields", FrozenMap(values))

    def __setattr__(self, name, value):
        raise AttributeError("Instrument is immutable")

    def __eq__(self, other):
        return isinstance(other, Instrument) and (self.preset, self.fields) == (other.preset, other.fields)

    def __hash__(self):
        return hash((self.preset, self.fields))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.fields.items())
        return f"Instrument({self.preset!r}{extra})"

    def with_fields(self, **fields: float) -> Instrument:
        """The same instrument with more fields changed."""
        return Instrument(self.preset, **{**dict(self.fields), **fields})

    def patch(self):
        """``(kind, patch)``: the voice kind (int) and its patch row (float64, PATCH_SIZE)."""
        if self.preset in PRESETS:
            kind, patch = preset(self.preset)
        else:
            kind = KIND_NAMES.index(self.preset)
            patch = default_patch(kind)
        for name, value in self.fields.items():
            patch[PATCH_FIELDS.index(name)] = value
        return kind, patch

    @property
    def is_texture(self) -> bool:
        """True for unpitched textures (rain, wind, ocean, hiss)."""
        kind = PRESETS[self.preset][0] if self.preset in PRESETS else KIND_NAMES.index(self.preset)
        return kind in TEXTURES
