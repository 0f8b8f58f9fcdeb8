"""Drum kits: which synthesized voice model plays each instrument, and how it is set.

A :class:`Kit` maps every instrument of :data:`~groovebox.model.instruments.INSTRUMENTS` to
a :class:`VoiceParams`: a voice *model* (a named analog-style recipe such as ``"808_kick"``,
rendered by :mod:`groovebox.kits.synth`) plus the knobs a drum machine has on its panel (tune,
decay, tone, level) and a few model-specific ones. Kits and voices are immutable, hashable
values; ``Kit.with_voice`` makes a changed copy.

This module is pure data: no numba, no audio.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from groovebox import checks
from groovebox.errors import KitError, UnknownNameError
from groovebox.model.frozen import FrozenMap
from groovebox.model.instruments import INSTRUMENTS

# Voice model -> synthesis family (see groovebox.dsp.drums for what each family does).
MODEL_FAMILIES: dict[str, str] = {
    # TR-808 style circuits
    "808_kick": "membrane",
    "808_snare": "membrane",
    "808_rim": "membrane",
    "808_clap": "clap",
    "808_tom_low": "membrane",
    "808_tom_mid": "membrane",
    "808_tom_high": "membrane",
    "808_conga_low": "membrane",
    "808_conga_high": "membrane",
    "808_conga_mute": "membrane",
    "808_clave": "membrane",
    "808_cowbell": "metal",
    "808_maracas": "noise",
    "808_hat_closed": "metal",
    "808_hat_pedal": "metal",
    "808_hat_open": "metal",
    "808_crash": "metal",
    "808_ride": "metal",
    "808_ride_bell": "metal",
    "808_splash": "metal",
    "808_china": "metal",
    # TR-909 style
    "909_kick": "membrane",
    "909_snare": "membrane",
    "909_rim": "membrane",
    "909_clap": "clap",
    "909_tom_low": "membrane",
    "909_tom_mid": "membrane",
    "909_tom_high": "membrane",
    "909_hat_closed": "metal",
    "909_hat_pedal": "metal",
    "909_hat_open": "metal",
    "909_crash": "metal",
    "909_ride": "metal",
    "909_ride_bell": "metal",
    "909_splash": "metal",
    "909_china": "metal",
    # Acoustic kit: modal membranes, wires driven by the head, cymbals of dense inharmonic modes
    "acoustic_kick": "membrane",
    "acoustic_snare": "membrane",
    "acoustic_rim": "membrane",
    "acoustic_tom_low": "membrane",
    "acoustic_tom_mid": "membrane",
    "acoustic_tom_high": "membrane",
    "acoustic_hat_closed": "cymbal",
    "acoustic_hat_pedal": "cymbal",
    "acoustic_hat_open": "cymbal",
    "acoustic_crash": "cymbal",
    "acoustic_ride": "cymbal",
    "acoustic_ride_bell": "metal",
    "acoustic_splash": "cymbal",
    "acoustic_china": "cymbal",
    # Latin and hand percussion (shared by every kit, set differently)
    "bongo_low": "membrane",
    "bongo_high": "membrane",
    "timbale_low": "membrane",
    "timbale_high": "membrane",
    "agogo_low": "membrane",
    "agogo_high": "membrane",
    "woodblock_low": "membrane",
    "woodblock_high": "membrane",
    "triangle": "membrane",
    "shaker": "noise",
    "tambourine": "noise",
}

# Knobs every model takes: the vintage-sampler colour applied after synthesis. 0 means off.
COLOR_KNOBS: tuple[str, ...] = ("saturation", "crush_bits", "hold_hz", "lowpass_hz", "highpass_hz")

# Model-specific knobs by family; all are multipliers of the model's own amount (1 = as built).
FAMILY_KNOBS: dict[str, tuple[str, ...]] = {
    "membrane": ("sweep", "click", "noise"),
    "metal": ("noise",),
    "cymbal": ("noise",),
    "clap": ("spread", "tail"),
    "noise": ("beads", "jingle"),
}

# name -> (low, high); color knobs also accept 0 (= off).
KNOB_RANGES: dict[str, tuple[float, float]] = {
    "sweep": (0.0, 4.0),
    "click": (0.0, 4.0),
    "noise": (0.0, 4.0),
    "spread": (0.25, 4.0),
    "tail": (0.0, 4.0),
    "beads": (0.0, 4.0),
    "jingle": (0.0, 4.0),
    "saturation": (0.0, 1.0),
    "crush_bits": (4.0, 16.0),
    "hold_hz": (1000.0, 192000.0),
    "lowpass_hz": (100.0, 40000.0),
    "highpass_hz": (10.0, 5000.0),
}

TUNE_RANGE_SEMITONES = (-24.0, 24.0)
DECAY_MAX = 8.0  # 8x: short machine toms and claps still reach long, boomy settings
LEVEL_RANGE_DB = (-60.0, 0.0)


def _number(field_name: str, value: Any) -> float:
    return checks.number(value, f"field '{field_name}'", -math.inf, math.inf, "a finite number", error=KitError,
                         strings=False)


def _in_range(field_name: str, value: Any, low: float, high: float, unit: str = "") -> float:
    return checks.number(value, f"field '{field_name}'", low, high, f"{low:g}..{high:g}{unit}", error=KitError,
                         strings=False)


@dataclass(frozen=True)
class VoiceParams:
    """How one instrument of a kit sounds.

    Parameters
    ----------
    model : str
        Voice model, a key of :data:`MODEL_FAMILIES` (e.g. ``"808_kick"``).
    tune_semitones : float
        Pitch shift of the tonal parts, -24..24 semitones.
    decay : float
        Multiplier of the model's decay times (1.0 = its natural decay), in (0, 8].
    tone : float
        0 (dark) .. 0.5 (as built) .. 1 (bright): filter cutoffs, click and overtones.
    level_db : float
        Peak level of a full-velocity hit in dB relative to 0.9 of full scale, -60..0.
    knobs : Mapping[str, float]
        Model-specific settings: the family's multipliers (:data:`FAMILY_KNOBS`) and the
        colour knobs (:data:`COLOR_KNOBS`), ranges in :data:`KNOB_RANGES`.
    pan : float
        Where the drum sits in the stereo picture, -1 (left) .. 1 (right), heard from the
        audience (see :data:`AUDIENCE_PAN`); a pattern track's own ``pan`` overrides it.

    Raises
    ------
    KitError
        One line naming the field, when a value is out of range or unknown.
    """

    model: str
    tune_semitones: float = 0.0
    decay: float = 1.0
    tone: float = 0.5
    level_db: float = -6.0
    knobs: Mapping[str, float] = field(default_factory=FrozenMap)
    pan: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or self.model not in MODEL_FAMILIES:
            close = difflib.get_close_matches(str(self.model), MODEL_FAMILIES, n=3, cutoff=0.5)
            hint = "; did you mean " + ", ".join(f"'{c}'" for c in close) + "?" if close else ""
            raise KitError(f"field 'model': unknown voice model {self.model!r}{hint}")
        set_ = object.__setattr__
        set_(
            self,
            "tune_semitones",
            _in_range("tune_semitones", self.tune_semitones, *TUNE_RANGE_SEMITONES, " semitones"),
        )
        decay = _number("decay", self.decay)
        if not 0.0 < decay <= DECAY_MAX:
            raise KitError(f"field 'decay': must be > 0 and <= {DECAY_MAX:g}, got {decay:g}")
        set_(self, "decay", decay)
        set_(self, "tone", _in_range("tone", self.tone, 0.0, 1.0))
        set_(self, "level_db", _in_range("level_db", self.level_db, *LEVEL_RANGE_DB, " dB"))
        set_(self, "pan", _in_range("pan", self.pan, -1.0, 1.0))
        if not isinstance(self.knobs, Mapping):
            raise KitError(
                f"field 'knobs': expected a mapping of name to number, got {self.knobs!r}"
            )
        allowed = FAMILY_KNOBS[self.family] + COLOR_KNOBS
        knobs = {}
        for name, value in self.knobs.items():
            if name not in allowed:
                raise KitError(
                    f"field 'knobs.{name}': model '{self.model}' has no knob '{name}'; "
                    f"known: {', '.join(allowed)}"
                )
            low, high = KNOB_RANGES[name]
            value = _number(f"knobs.{name}", value)
            if not (low <= value <= high or (name in COLOR_KNOBS and value == 0.0)):
                off = " or 0 (off)" if name in COLOR_KNOBS else ""
                raise KitError(
                    f"field 'knobs.{name}': must be between {low:g} and {high:g}{off}, "
                    f"got {value:g}"
                )
            if name == "crush_bits" and value != int(value):
                raise KitError(f"field 'knobs.crush_bits': must be a whole number, got {value:g}")
            knobs[name] = value
        set_(self, "knobs", FrozenMap(knobs))

    @property
    def family(self) -> str:
        """The synthesis family of :attr:`model` (membrane, metal, clap or noise)."""
        return MODEL_FAMILIES[self.model]

    def knob(self, name: str, default: float) -> float:
        """The knob's value, or ``default`` when the voice does not set it."""
        return float(self.knobs.get(name, default))


ROOM_RANGES: dict[str, tuple[float, float]] = {
    "send_db": (-60.0, 0.0),
    "decay_s": (0.1, 2.0),
    "size": (5.0, 100.0),
    "damping_hz": (1000.0, 20000.0),
    "predelay_s": (0.0, 0.05),
}


@dataclass(frozen=True)
class Room:
    """The short room a kit is heard in: one reverb bus that every drum track sends to.

    Parameters
    ----------
    send_db : float
        Level each drum track sends to the room, dB (-60..0).
    decay_s : float
        The room's RT60, seconds (0.1..2).
    size : float
        Reverb size in percent (5..100): small rooms have short, dense early reflections.
    damping_hz : float
        Above this the room's tail dies twice as fast (1000..20000 Hz).
    predelay_s : float
        Gap before the room answers, seconds (0..0.05).

    Raises
    ------
    KitError
        One line naming the field, when a value is out of range.
    """

    send_db: float = -16.0
    decay_s: float = 0.45
    size: float = 20.0
    damping_hz: float = 5000.0
    predelay_s: float = 0.005

    def __post_init__(self) -> None:
        for name, (low, high) in ROOM_RANGES.items():
            value = _in_range(f"room.{name}", getattr(self, name), low, high)
            object.__setattr__(self, name, value)


def _instrument_error(kit_name: str, instrument: Any) -> KitError:
    close = difflib.get_close_matches(str(instrument), INSTRUMENTS, n=3, cutoff=0.5)
    hint = "; did you mean " + ", ".join(f"'{c}'" for c in close) + "?" if close else ""
    return KitError(f"kit '{kit_name}': field 'voices': unknown instrument {instrument!r}{hint}")


@dataclass(frozen=True)
class Kit:
    """A named set of drum voices, one for every instrument.

    Parameters
    ----------
    name : str
        Short name (``"808"``).
    description : str
        What machine or era it evokes, and how.
    voices : Mapping[str, VoiceParams]
        instrument -> voice, for every instrument in ``INSTRUMENTS``.
    room : Room or None
        The room the kit is heard in (None: dry).

    Raises
    ------
    KitError
        If a voice is missing, an instrument is unknown or a value is not a VoiceParams.
    """

    name: str
    description: str
    voices: Mapping[str, VoiceParams]
    room: Room | None = None

    def __post_init__(self) -> None:
        if self.room is not None and not isinstance(self.room, Room):
            raise KitError(f"kit '{self.name}': field 'room': expected a Room or None, "
                           f"got {type(self.room).__name__}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise KitError(f"field 'name': expected a non-empty string, got {self.name!r}")
        if not isinstance(self.description, str):
            raise KitError(f"kit '{self.name}': field 'description': expected a string")
        if not isinstance(self.voices, Mapping):
            raise KitError(f"kit '{self.name}': field 'voices': expected a mapping")
        for instrument, voice in self.voices.items():
            if instrument not in INSTRUMENTS:
                raise _instrument_error(self.name, instrument)
            if not isinstance(voice, VoiceParams):
                raise KitError(
                    f"kit '{self.name}': field 'voices.{instrument}': expected a VoiceParams, "
                    f"got {type(voice).__name__}"
                )
        missing = [i for i in INSTRUMENTS if i not in self.voices]
        if missing:
            raise KitError(
                f"kit '{self.name}': field 'voices': no voice for {', '.join(missing)} "
                "(every instrument needs one)"
            )
        object.__setattr__(self, "voices", FrozenMap({i: self.voices[i] for i in INSTRUMENTS}))

    def voice(self, instrument: str) -> VoiceParams:
        """The voice of ``instrument``; UnknownNameError if there is no such instrument."""
        if instrument not in self.voices:
            raise UnknownNameError("instrument", str(instrument), INSTRUMENTS)
        return self.voices[instrument]

    def with_voice(self, instrument: str, **changes: Any) -> Kit:
        """A copy of the kit with one voice changed.

        Parameters
        ----------
        instrument : str
            The instrument whose voice changes.
        **changes
            Any :class:`VoiceParams` field: ``model``, ``tune_semitones``, ``decay``, ``tone``,
            ``level_db``, ``knobs`` (replaces the knobs mapping), ``pan``.

        Raises
        ------
        KitError
            Unknown instrument or field, or an invalid value; the message names both.
        """
        if instrument not in INSTRUMENTS:
            raise _instrument_error(self.name, instrument)
        fields = VoiceParams.__dataclass_fields__
        for key in changes:
            if key not in fields:
                raise KitError(
                    f"kit '{self.name}': voice '{instrument}': unknown field '{key}'; "
                    f"known: {', '.join(fields)}"
                )
        try:
            voice = replace(self.voices[instrument], **changes)
        except KitError as exc:
            raise KitError(f"kit '{self.name}': voice '{instrument}': {exc}") from None
        return Kit(self.name, self.description, {**self.voices, instrument: voice}, self.room)

    def with_room(self, room: Room | None) -> Kit:
        """A copy of the kit heard in ``room`` (None: dry)."""
        return Kit(self.name, self.description, self.voices, room)

    def renamed(self, name: str, description: str | None = None) -> Kit:
        """The same voices under another name (and description), e.g. for a user kit."""
        return Kit(name, self.description if description is None else description, self.voices,
                   self.room)


# Where each drum sits, heard from the audience (the listener faces the kit, so a right-handed
# drummer's hi-hat and crash are on the right, the ride and floor tom on the left), -1..1.
# The drum machines use 0.8 of this spread (hats at 36 %, as producers pan a machine's outputs),
# the lofi kit 0.6 (a break lifted from a record); instruments not listed stay centred.
AUDIENCE_PAN: dict[str, float] = {
    "closed_hat": 0.45, "pedal_hat": 0.45, "open_hat": 0.45,
    "high_tom": 0.35, "mid_tom": 0.1, "low_tom": -0.4,
    "crash": 0.55, "splash": 0.3, "ride": -0.45, "ride_bell": -0.45, "china": -0.6,
    "cowbell": 0.25, "clave": -0.25, "shaker": -0.3, "tambourine": 0.3, "maracas": -0.3,
    "conga_low": -0.35, "conga_high": -0.15, "conga_mute": -0.15,
    "bongo_low": 0.2, "bongo_high": 0.35, "timbale_low": -0.2, "timbale_high": 0.2,
    "agogo_low": 0.4, "agogo_high": 0.4, "woodblock_low": -0.4, "woodblock_high": -0.4,
    "triangle": 0.5,
}  # fmt: skip


def _placed(voices: dict[str, VoiceParams], width: float) -> dict[str, VoiceParams]:
    """``voices`` panned to :data:`AUDIENCE_PAN` scaled by ``width`` (1 = a drum kit's spread)."""
    return {i: replace(v, pan=round(width * AUDIENCE_PAN.get(i, 0.0), 3)) for i, v in voices.items()}


def _leveled(voices: dict[str, VoiceParams], levels: dict[str, float],
             headroom_db: float) -> dict[str, VoiceParams]:
    """``voices`` with the peak levels in ``levels`` (dB) replacing theirs, every voice then
    lowered by ``headroom_db`` (the balance stays; the loudest groove stays off the limiter)."""
    return {i: replace(v, level_db=round(levels.get(i, v.level_db) - headroom_db, 2))
            for i, v in voices.items()}


def _v(
    model: str,
    level_db: float,
    tune: float = 0.0,
    decay: float = 1.0,
    tone: float = 0.5,
    **knobs: float,
) -> VoiceParams:
    return VoiceParams(model, tune, decay, tone, level_db, FrozenMap(knobs))


# The shared percussion set; kits adjust it with tune/decay/tone.
def _percussion(tune: float = 0.0, decay: float = 1.0, tone: float = 0.5, **knobs: float):
    def v(model: str, level_db: float) -> VoiceParams:
        return _v(model, level_db, tune, decay, tone, **knobs)

    return {
        "cowbell": v("808_cowbell", -11.0),
        "clave": v("808_clave", -11.0),
        "shaker": v("shaker", -15.0),
        "tambourine": v("tambourine", -14.0),
        "maracas": v("808_maracas", -14.0),
        "conga_low": v("808_conga_low", -9.0),
        "conga_high": v("808_conga_high", -9.0),
        "conga_mute": v("808_conga_mute", -10.0),
        "bongo_low": v("bongo_low", -10.0),
        "bongo_high": v("bongo_high", -10.0),
        "timbale_low": v("timbale_low", -11.0),
        "timbale_high": v("timbale_high", -11.0),
        "agogo_low": v("agogo_low", -13.0),
        "agogo_high": v("agogo_high", -13.0),
        "woodblock_low": v("woodblock_low", -12.0),
        "woodblock_high": v("woodblock_high", -12.0),
        "triangle": v("triangle", -16.0),
    }


def _machine(prefix: str) -> dict[str, VoiceParams]:
    """kick .. china from one machine's models, at levels that mix without clipping."""
    return {
        "kick": _v(f"{prefix}_kick", -4.0),
        "snare": _v(f"{prefix}_snare", -8.0),
        "rim": _v(f"{prefix}_rim", -10.0),
        "clap": _v(f"{prefix}_clap" if prefix != "acoustic" else "909_clap", -8.0),
        "low_tom": _v(f"{prefix}_tom_low", -8.0),
        "mid_tom": _v(f"{prefix}_tom_mid", -8.0),
        "high_tom": _v(f"{prefix}_tom_high", -8.0),
        "closed_hat": _v(f"{prefix}_hat_closed", -12.0),
        "pedal_hat": _v(f"{prefix}_hat_pedal", -14.0),
        "open_hat": _v(f"{prefix}_hat_open", -12.0),
        "crash": _v(f"{prefix}_crash", -12.0),
        "ride": _v(f"{prefix}_ride", -14.0),
        "ride_bell": _v(f"{prefix}_ride_bell", -13.0),
        "splash": _v(f"{prefix}_splash", -13.0),
        "china": _v(f"{prefix}_china", -13.0),
    }


# Peak levels (dB) that balance each kit like its reference kit plays the library's patterns
# (benchmarks/sound_report.py measures it; tests/test_kit_sound.py holds it to +-3 LU).
# The headroom lowers a whole kit so that no library groove (hits landing together) peaks
# above -1 dBFS: the engine's limiter (at -0.3 dBFS) never acts at default levels.
_HEADROOM_DB = {"808": 2.4, "909": 2.8, "lofi": 1.5, "acoustic": 1.7}
# Instruments the reference lacks follow their nearest relative: the machines' ride, bell,
# splash and china sit with the TR-808's (quiet) cymbal, the acoustic splash and china with
# the crash.
_LEVELS_808: dict[str, float] = {
    "kick": -4.0, "snare": -4.2, "clap": -9.0, "low_tom": -3.3, "mid_tom": -3.1, "high_tom": -2.6,
    "closed_hat": -9.9, "pedal_hat": -7.6, "open_hat": -7.8, "crash": -25.1, "cowbell": -14.5,
    "conga_high": -12.1, "shaker": -24.4,
    "ride": -22.0, "ride_bell": -21.0, "splash": -24.0, "china": -24.0,
}  # fmt: skip
_LEVELS_909: dict[str, float] = {
    "kick": -5.6, "snare": -5.5, "clap": -9.5, "low_tom": -3.5, "mid_tom": -3.0, "high_tom": -2.0,
    "closed_hat": -10.0, "pedal_hat": -10.4, "open_hat": -7.9, "crash": -25.4, "cowbell": -15.1,
    "conga_high": -12.0, "shaker": -25.2,
    "ride": -22.0, "ride_bell": -21.0, "splash": -24.0, "china": -24.0,
}  # fmt: skip
_LEVELS_LOFI: dict[str, float] = {
    "kick": -7.1, "snare": -5.3, "rim": -3.4, "clap": -11.3, "low_tom": -6.4, "mid_tom": -5.3,
    "high_tom": -6.4, "closed_hat": -3.9, "pedal_hat": -5.6, "open_hat": -6.4, "crash": -11.7,
    "ride": -16.5, "cowbell": -11.6,
}  # fmt: skip
_LEVELS_ACOUSTIC: dict[str, float] = {
    "kick": -5.6, "snare": -2.1, "rim": -6.9, "clap": -9.5, "low_tom": -5.6, "mid_tom": -6.3,
    "high_tom": -5.3, "closed_hat": -8.8, "pedal_hat": -13.0, "open_hat": -10.9, "crash": -14.3,
    "ride": -16.1, "cowbell": -9.5, "splash": -16.0, "china": -15.0,
}  # fmt: skip

_KIT_808 = Kit(
    "808",
    "Roland TR-808 (1980) in spirit: a sine-like bridged-T kick around 50 Hz with a gentle "
    "downward bend and a long boomy tail, a snare of two damped tones (~180/330 Hz) under "
    "high-passed 'snappy' noise, a three-burst hand clap with a diffuse tail, and hats and "
    "cymbal built from six detuned square oscillators through band-pass and high-pass filters. "
    "Congas, claves, cowbell (two squares, two-stage decay) and maracas follow the same "
    "circuits; the rest of the Latin percussion is voiced to sit with them. Panned like a "
    "producer spreads the machine's outputs: hats and crash a little right, low tom left.",
    _placed(_leveled({**_machine("808"), **_percussion()}, _LEVELS_808, _HEADROOM_DB["808"]), 0.8),
)

_KIT_909 = Kit(
    "909",
    "Roland TR-909 (1983) in spirit: a punchy kick whose pitch dives from a few hundred Hz to "
    "~55 Hz in a few milliseconds, with a click-and-noise attack, a tight decay and a little "
    "drive; a brighter, noisier snare with a pitch drop; a four-burst clap; toms with a deeper "
    "sweep; and crisp, sizzling hats, crash and ride in place of the 909's 6-bit cymbal "
    "samples. Percussion is the 808 set, tuned up, brighter and tighter. Panned like the 808.",
    _placed(_leveled({**_machine("909"), **_percussion(tune=1.0, decay=0.85, tone=0.62)},
                     _LEVELS_909, _HEADROOM_DB["909"]), 0.8),
)

# A 12-bit, 26 kHz sampler playing back dusty 808-ish sounds: the tape-fed, band-limited,
# slightly driven sound of late-80s/90s boom-bap and lo-fi beats.
_LOFI_COLOR = {
    "saturation": 0.35,
    "crush_bits": 12.0,
    "hold_hz": 26040.0,
    "lowpass_hz": 11000.0,  # ~9 kHz at the kit's darker tone (tone sets a sampler's filter)
    "highpass_hz": 30.0,
}
_lofi_voices = {
    inst: replace(v, tone=max(0.0, v.tone - 0.15), knobs=FrozenMap(_LOFI_COLOR))
    for inst, v in {**_machine("808"), **_percussion(decay=0.8)}.items()
}
_lofi_voices["kick"] = _v(
    "808_kick", -4.0, tune=-1.0, decay=0.7, tone=0.45, click=2.0, **_LOFI_COLOR
)
_lofi_voices["snare"] = _v(
    "808_snare", -6.0, tune=-2.0, decay=0.9, tone=0.4, noise=1.4, **_LOFI_COLOR
)
# Hats and cymbals keep their top so they still cut through the band limit.
for _inst in (
    "closed_hat",
    "pedal_hat",
    "open_hat",
    "crash",
    "ride",
    "splash",
    "china",
    "shaker",
    "maracas",
    "tambourine",
):
    top = 12000.0 if _inst.endswith("_hat") else 13000.0  # hats: a touch under the cymbals
    _lofi_voices[_inst] = replace(
        _lofi_voices[_inst], tone=0.5, knobs=FrozenMap({**_LOFI_COLOR, "lowpass_hz": top})
    )
_KIT_LOFI = Kit(
    "lofi",
    "A dusty vintage-sampler kit: 808-style voices, a little darker and shorter, driven into "
    "soft saturation, resampled to a 26 kHz sample-and-hold clock with 12-bit quantisation "
    "(the grainy sound of the late-80s E-mu SP-1200 era) and band-limited to ~9 kHz (hats "
    "~12-13 kHz) like a sampled record. For boom-bap, lo-fi hip-hop and chilled beats. A "
    "narrow stereo picture in a small, dark room, like a break lifted from a record.",
    _placed(_leveled(_lofi_voices, _LEVELS_LOFI, _HEADROOM_DB["lofi"]), 0.6),
    Room(send_db=-18.0, decay_s=0.35, size=15.0, damping_hz=4000.0, predelay_s=0.004),
)

_KIT_ACOUSTIC = Kit(
    "acoustic",
    "A synthesized acoustic kit, voiced against a recorded rock kit: a felt-beater kick that "
    "is gone in under half a second, a snare whose wires buzz as long as its head moves them, "
    "toms with circular-membrane overtones that ring for two seconds under a stick attack, and "
    "hats and cymbals as plates of dense inharmonic modes (a dark, wide crash; a bright, "
    "sizzling ride). For live-feel grooves (funk, rock, jazz, breaks). Heard "
    "from the audience (hi-hat and crash right, ride and floor tom left) in a short room.",
    _placed(_leveled({**_machine("acoustic"), **_percussion(tone=0.6)}, _LEVELS_ACOUSTIC,
                     _HEADROOM_DB["acoustic"]), 1.0),
    Room(send_db=-16.0, decay_s=0.5, size=22.0, damping_hz=6000.0, predelay_s=0.006),
)

BUILTIN_KITS: dict[str, Kit] = {k.name: k for k in (_KIT_808, _KIT_909, _KIT_LOFI, _KIT_ACOUSTIC)}


def get_kit(name: str) -> Kit:
    """The built-in kit called ``name`` (UnknownNameError if there is none)."""
    try:
        return BUILTIN_KITS[name]
    except (KeyError, TypeError):
        raise UnknownNameError("kit", str(name), BUILTIN_KITS) from None
