"""Songs as values: parts, sections, transitions, automation and the mixer of a song map.

A :class:`Song` is what a song map (``songs/*.toml``, :mod:`groovebox.formats.song_toml`)
says, checked and immutable: no music21, numba, audio or files here. Composition
(:mod:`groovebox.generators.song`) turns it into notes and drum patterns per section; the
renderer (:mod:`groovebox.renderer.song`) compiles that into one engine program with a mixer.

Time is exact. The song's ``bpm`` counts quarter notes per minute (like progressions); a
section may change the tempo and the meter. :meth:`Song.timeline` gives each section's start
in quarter notes and in seconds as :class:`~fractions.Fraction` values (tempi are taken to
1/100 bpm, as the drum sequencer takes them), so a section boundary becomes a sample index by
one rounding, wherever it sits in the song. Positions are written ``"bar:beat"``, both
counted from 1 over the whole song (``"17:1"`` is the downbeat of bar 17; ``"17:2.5"`` the
"and" of beat 2); a beat is the meter's denominator note of that bar (an eighth in 7/8).

>>> s = Song(parts=(SongPart("pad", "pad"),),
...          sections=(Section("a", 2, ("pad",)), Section("b", 1, ("pad",), meter=(7, 8), bpm=90)))
>>> [str(x) for x in s.section_starts_s()]
['0', '4', '19/3']
>>> s.position_s(Position(3, Fraction(1))), s.bars
(Fraction(4, 1), 3)
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from groovebox import checks
from groovebox.errors import GrooveboxValueError
from groovebox.model.effect import Effect
from groovebox.model.frozen import FrozenMap

__all__ = [
    "AUTOMATION_PARAMS",
    "CURVES",
    "PART_KINDS",
    "PART_FIELDS",
    "TRANSITION_KINDS",
    "Automation",
    "Bus",
    "Compressor",
    "EQ",
    "Group",
    "Master",
    "Position",
    "Saturation",
    "Section",
    "Song",
    "SongError",
    "SongPart",
    "Strip",
    "Transition",
    "parse_meter",
    "parse_position",
    "quarters_per_bar",
]

MAX_SECTIONS = 256
MAX_SECTION_BARS = 1024
MAX_SONG_BARS = 4096
BPM_RANGE = (20.0, 400.0)
METER_DENOMINATORS = (2, 4, 8, 16)
MAX_PARTS = 32


class SongError(GrooveboxValueError):
    """A song map or Song value cannot be used.

    Carries the file, line and dotted field when known:
    ``songs/x.toml:12: field 'sections.3.bars': expected a whole number of bars 1..1024, got 0``.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        fld = f"field '{field}': " if field else ""
        super().__init__(f"{where}{fld}{message}")


def unknown(kind: str, name: str, known, field: str | None = None) -> SongError:
    """An unknown name, with close matches (or the list when it is short)."""
    known = sorted(set(known))
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
    msg = f"unknown {kind} '{name}'"
    if close:
        msg += "; did you mean " + ", ".join(f"'{c}'" for c in close) + "?"
    elif known and len(known) <= 16:
        msg += "; known: " + ", ".join(known)
    return SongError(msg, field=field)


def _num(value: Any, field: str, lo: float, hi: float, what: str = "a number") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction) or not math.isfinite(value):
        raise SongError(f"expected {what} in {lo:g}..{hi:g}, got {value!r}", field=field)
    if not lo <= value <= hi:
        raise SongError(f"{value!r} is out of range; expected {what} in {lo:g}..{hi:g}", field=field)
    return float(value)


def _whole(value: Any, field: str, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SongError(f"expected {what} {lo}..{hi}, got {value!r}", field=field)
    return int(value)


def _name(value: Any, field: str, what: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,39}", value):
        raise SongError(f"expected a {what} name (a letter, then letters, digits, _ or -; at most 40), "
                        f"got {value!r}", field=field)
    return value


# --- meter and positions ------------------------------------------------------------------------------
def parse_meter(value: Any, field: str = "time_signature") -> tuple[int, int]:
    """``"7/8"`` -> ``(7, 8)``: 1..32 beats over a 2, 4, 8 or 16 note (what the sequencer places)."""
    if isinstance(value, tuple | list) and len(value) == 2:
        value = f"{value[0]}/{value[1]}"
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value) if isinstance(value, str) else None
    if not m:
        raise SongError(f"expected a time signature like '4/4', '3/4' or '7/8', got {value!r}", field=field)
    num, den = int(m.group(1)), int(m.group(2))
    if not 1 <= num <= 32 or den not in METER_DENOMINATORS:
        raise SongError(f"time signature {num}/{den} cannot be placed: expected 1..32 beats over a "
                        f"note of {', '.join(map(str, METER_DENOMINATORS))}", field=field)
    return num, den


def quarters_per_bar(meter: tuple[int, int]) -> Fraction:
    """Quarter notes in one bar (7/8 -> 7/2)."""
    return Fraction(4 * meter[0], meter[1])


def _bpm(value: Any, field: str) -> Fraction:
    """A tempo as the exact value the sequencer plays: taken to 1/100 bpm."""
    _num(value, field, *BPM_RANGE, "a tempo in bpm")
    return Fraction(value).limit_denominator(100)


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A point in a song: ``bar`` (1-based, counted over the whole song) and ``beat`` (1-based,
    may be fractional; a beat is the bar's meter denominator note)."""

    bar: int
    beat: Fraction = Fraction(1)

    def __str__(self) -> str:
        b = self.beat
        return f"{self.bar}:{b.numerator if b.denominator == 1 else float(b):g}"


def parse_position(value: Any, field: str = "position") -> Position:
    """``"17:1"``, ``"17:2.5"``, ``"17:5/2"`` or a whole bar number ``17`` -> Position."""
    if isinstance(value, Position):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Position(_whole(value, field, 1, MAX_SONG_BARS + 1, "a bar"), Fraction(1))
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+)\s*(?::\s*(\d+(?:\.\d+)?|\d+/\d+)\s*)?", value)
        if m:
            bar = int(m.group(1))
            beat = Fraction(m.group(2)) if m.group(2) else Fraction(1)
            if bar >= 1 and beat >= 1:
                return Position(bar, beat)
    raise SongError(f"expected a position 'bar:beat' like '9:1' or '12:2.5' (both from 1), got {value!r}",
                    field=field)


# --- mixer values --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EQ:
    """A channel EQ: high-pass, low shelf, peak, high shelf, low-pass (None: band off)."""

    highpass_hz: float | None = None
    low_hz: float = 120.0
    low_db: float = 0.0
    mid_hz: float = 1000.0
    mid_db: float = 0.0
    mid_q: float = 0.9
    high_hz: float = 8000.0
    high_db: float = 0.0
    lowpass_hz: float | None = None

    def __post_init__(self):
        for name, lo, hi in (("highpass_hz", 20, 2000), ("lowpass_hz", 200, 20000)):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, _num(v, f"eq.{name}", lo, hi, "Hz"))
        for name, lo, hi in (("low_hz", 20, 1000), ("mid_hz", 50, 16000), ("high_hz", 1000, 20000),
                             ("low_db", -24, 24), ("mid_db", -24, 24), ("high_db", -24, 24), ("mid_q", 0.1, 10)):
            object.__setattr__(self, name, _num(getattr(self, name), f"eq.{name}", lo, hi))


@dataclass(frozen=True, slots=True)
class Compressor:
    """A compressor; ``sidechain`` names the part (or ``part.instrument`` of a drum part, e.g.
    ``"drums.kick"``) whose signal drives it (ducking), None for the track's own signal."""

    threshold_db: float = -18.0
    ratio: float = 3.0
    attack_s: float = 0.01
    release_s: float = 0.15
    makeup_db: float = 0.0
    knee_db: float = 6.0
    sidechain: str | None = None

    def __post_init__(self):
        for name, lo, hi in (("threshold_db", -60, 0), ("ratio", 1, 50), ("attack_s", 0.0001, 1),
                             ("release_s", 0.005, 5), ("makeup_db", -24, 24), ("knee_db", 0, 24)):
            object.__setattr__(self, name, _num(getattr(self, name), f"compressor.{name}", lo, hi))
        if self.sidechain is not None and not isinstance(self.sidechain, str):
            raise SongError(f"expected a part name like 'drums.kick', got {self.sidechain!r}",
                            field="compressor.sidechain")

    def params(self) -> dict:
        """The effect parameters (:data:`groovebox.model.effect.EFFECT_PARAMS` 'compressor')."""
        return {k: getattr(self, k) for k in ("threshold_db", "ratio", "attack_s", "release_s", "makeup_db",
                                               "knee_db")}


@dataclass(frozen=True, slots=True)
class Saturation:
    """Soft saturation: drive, wet mix (percent) and output trim."""

    drive_db: float = 6.0
    mix: float = 100.0
    output_db: float = 0.0

    def __post_init__(self):
        for name, lo, hi in (("drive_db", 0, 48), ("mix", 0, 100), ("output_db", -48, 12)):
            object.__setattr__(self, name, _num(getattr(self, name), f"saturation.{name}", lo, hi))


@dataclass(frozen=True, slots=True)
class Strip:
    """A channel strip: fader, balance, EQ, compressor, saturation, sends, and its group.

    Signal order: EQ -> compressor -> saturation -> (automated filter) -> fader and pan ->
    the group (or the master), with post-fader sends (0..1) to the send buses.
    """

    gain_db: float = 0.0
    pan: float = 0.0
    eq: EQ | None = None
    compressor: Compressor | None = None
    saturation: Saturation | None = None
    sends: FrozenMap = field(default_factory=FrozenMap)
    group: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "gain_db", _num(self.gain_db, "gain_db", -60, 12, "a gain in dB"))
        object.__setattr__(self, "pan", _num(self.pan, "pan", -1, 1, "a balance (-1 left, 1 right)"))
        sends = {}
        for bus, level in dict(self.sends).items():
            sends[_name(bus, "sends", "bus")] = _num(level, f"sends.{bus}", 0, 1, "a send level")
        object.__setattr__(self, "sends", FrozenMap(sends))
        if self.group is not None:
            _name(self.group, "group", "group")


@dataclass(frozen=True, slots=True)
class Group:
    """A group bus (e.g. a drum bus): tracks routed into it are summed and share its strip."""

    name: str
    strip: Strip = field(default_factory=Strip)

    def __post_init__(self):
        _name(self.name, "mixer.groups", "group")
        if self.strip.group is not None:
            raise SongError("a group cannot route into another group", field=f"mixer.groups.{self.name}.group")


@dataclass(frozen=True, slots=True)
class Bus:
    """A send bus: effects (reverb, tape delay, ...) then its strip to the master."""

    name: str
    effects: tuple[Effect, ...] = ()
    strip: Strip = field(default_factory=Strip)

    def __post_init__(self):
        _name(self.name, "mixer.buses", "bus")
        object.__setattr__(self, "effects", tuple(self.effects))
        for e in self.effects:
            if not isinstance(e, Effect):
                raise SongError(f"expected Effect values, got {type(e).__name__}", field=f"mixer.buses.{self.name}")
        if self.strip.sends or self.strip.group:
            raise SongError("a send bus goes to the master: no sends or group", field=f"mixer.buses.{self.name}")


@dataclass(frozen=True, slots=True)
class Master:
    """The master chain: EQ, glue compressor, then the loudness stage (one gain to
    ``loudness_lufs`` integrated and a true-peak limiter at ``ceiling_dbtp``); ``loudness=False``
    leaves the level as mixed (the limiter still keeps peaks under the ceiling)."""

    eq: EQ | None = None
    compressor: Compressor | None = None
    loudness_lufs: float = -14.0
    ceiling_dbtp: float = -1.0
    loudness: bool = True

    def __post_init__(self):
        object.__setattr__(self, "loudness_lufs", _num(self.loudness_lufs, "master.loudness_lufs", -40, -5, "LUFS"))
        object.__setattr__(self, "ceiling_dbtp", _num(self.ceiling_dbtp, "master.ceiling_dbtp", -20, 0, "dBTP"))
        if self.compressor is not None and self.compressor.sidechain is not None:
            raise SongError("the master compressor has no sidechain", field="master.compressor.sidechain")
        if not isinstance(self.loudness, bool):
            raise SongError(f"expected true or false, got {self.loudness!r}", field="master.loudness")


# --- parts ---------------------------------------------------------------------------------------------
PART_KINDS = ("drums", "chords", "pad", "bass", "arp", "lead", "loops", "texture")

TEXTURES = ("rain", "wind", "ocean", "tape_hiss", "vinyl")
#: A part's fader when its map gives none: levels that leave the pre-master mix headroom.
DEFAULT_GAIN_DB = {"drums": -6.0, "chords": -14.0, "pad": -16.0, "bass": -10.0, "arp": -16.0, "lead": -13.0,
                   "loops": -14.0, "texture": -18.0}
BASS_STYLES = ("roots", "root_fifth", "walking", "kick")
ARP_DIRECTIONS = ("up", "down", "updown", "random")
VOICINGS = ("close", "open", "drop2")


def _str_or_none(v, f):
    if v is not None and not isinstance(v, str):
        raise SongError(f"expected a string, got {v!r}", field=f)
    return v


def _choice(options):
    def check(v, f):
        if v not in options:
            raise unknown(f.rsplit(".", 1)[-1].replace("_", " "), str(v), options, f)
        return v
    return check


def _grids(v, f):
    if v is None:
        return None
    if not isinstance(v, dict | FrozenMap) or not v or not all(isinstance(k, str) and isinstance(g, str)
                                                               for k, g in v.items()):
        raise SongError("expected a table of drum grids like { kick = \"x... x...\" }", field=f)
    return FrozenMap(v)


def _fill(v, f):
    if isinstance(v, dict | FrozenMap):
        return _grids(v, f)
    if not isinstance(v, str):
        raise SongError(f"expected 'auto', 'none', a pattern id or a table of grids, got {v!r}", field=f)
    return v


def _range(lo, hi, what="a number"):
    return lambda v, f: _num(v, f, lo, hi, what)


def _int_range(lo, hi, what):
    return lambda v, f: _whole(v, f, lo, hi, what)


def _loops(v, f):
    if not isinstance(v, list | tuple) or not v:
        raise SongError("expected an array of loops like { note = \"E5\", period_s = 7.3 }", field=f)
    out = []
    for i, lp in enumerate(v, 1):
        if not isinstance(lp, dict | FrozenMap) or "note" not in lp or "period_s" not in lp:
            raise SongError("expected a loop table with note and period_s", field=f"{f}.{i}")
        extra = set(lp) - {"note", "period_s", "start_s", "duration_s", "velocity"}
        if extra:
            raise unknown("loop field", sorted(extra)[0], ("note", "period_s", "start_s", "duration_s", "velocity"),
                          f"{f}.{i}")
        if not isinstance(lp["note"], str | int) or isinstance(lp["note"], bool):
            raise SongError(f"expected a note name like 'E5' or a MIDI number, got {lp['note']!r}", field=f"{f}.{i}.note")
        _num(lp["period_s"], f"{f}.{i}.period_s", 0.1, 600, "seconds")
        _num(lp.get("start_s", 0.0), f"{f}.{i}.start_s", 0, 600, "seconds")
        _num(lp.get("duration_s", 2.0), f"{f}.{i}.duration_s", 0.05, 60, "seconds")
        _num(lp.get("velocity", 0.7), f"{f}.{i}.velocity", 0, 1)
        out.append(FrozenMap(lp))
    return tuple(out)


_COMMON = {"instrument": (None, _str_or_none)}

#: Fields of each part kind: name -> (default, check(value, field) -> value).
PART_FIELDS: dict[str, dict[str, tuple]] = {
    "drums": {"pattern": (None, _str_or_none), "grids": (None, _grids), "kit": (None, _str_or_none),
              "swing": (None, lambda v, f: None if v is None else _num(v, f, 50, 75, "a swing percent")),
              "steps_per_beat": (4, _int_range(1, 16, "steps per beat")), "fill": ("auto", _fill)},
    "chords": {"instrument": ("keys", _str_or_none), "voicing": ("close", _choice(VOICINGS)),
               "octave": (0, _int_range(-2, 2, "octaves"))},
    "pad": {"instrument": ("pad", _str_or_none), "voicing": ("open", _choice(VOICINGS)),
            "octave": (0, _int_range(-2, 2, "octaves"))},
    "bass": {"instrument": ("bass", _str_or_none), "style": ("roots", _choice(BASS_STYLES)),
             "octave": (0, _int_range(-2, 2, "octaves")), "lock_to": ("drums", _str_or_none)},
    "arp": {"instrument": ("pluck", _str_or_none), "direction": ("up", _choice(ARP_DIRECTIONS)),
            "rate": (2, _range(0.25, 8, "notes per beat")), "octaves": (2, _int_range(1, 4, "octaves")),
            "low": (60, _int_range(24, 96, "a MIDI note"))},
    "lead": {"instrument": ("lead", _str_or_none), "rate": (2, _range(0.5, 4, "notes per beat")),
             "density": (0.6, _range(0, 1)), "phrase": ("A", _str_or_none), "low": (64, _int_range(36, 96, "a MIDI note"))},
    "loops": {"instrument": ("bell", _str_or_none), "loops": ((), _loops)},
    "texture": {"instrument": (None, _str_or_none), "texture": ("rain", _choice(TEXTURES))},
}
for _kind in PART_FIELDS:
    PART_FIELDS[_kind]["velocity"] = (None, lambda v, f: None if v is None else _num(v, f, 0, 1, "a velocity"))


def check_part_fields(kind: str, values, where: str, *, partial: bool = False) -> FrozenMap:
    """Check a part's fields against :data:`PART_FIELDS` (defaults filled unless ``partial``)."""
    spec = PART_FIELDS[kind]
    for k in values:
        if k not in spec:
            raise unknown(f"{kind} part field", k, spec, f"{where}.{k}")
    out = {}
    for k, (default, check) in spec.items():
        if k in values:
            out[k] = check(values[k], f"{where}.{k}")
        elif not partial:
            out[k] = default
    return FrozenMap(out)


@dataclass(frozen=True, slots=True)
class SongPart:
    """One part: its kind, its fields (:data:`PART_FIELDS`), named variations (field changes a
    section can ask for) and its channel strip."""

    name: str
    kind: str
    fields: FrozenMap = field(default_factory=FrozenMap)
    variations: FrozenMap = field(default_factory=FrozenMap)  # name -> FrozenMap of changed fields
    strip: Strip | None = None  # None: the kind's default level (DEFAULT_GAIN_DB), centred, dry

    def __post_init__(self):
        _name(self.name, "parts", "part")
        if self.kind not in PART_KINDS:
            raise unknown("part kind", str(self.kind), PART_KINDS, f"parts.{self.name}.kind")
        where = f"parts.{self.name}"
        object.__setattr__(self, "fields", check_part_fields(self.kind, dict(self.fields), where))
        if self.kind == "drums" and (self.fields["pattern"] is None) == (self.fields["grids"] is None):
            raise SongError("a drums part needs a pattern (a library id) or grids, not both", field=where)
        if self.kind == "loops" and not self.fields["loops"]:
            raise SongError("a loops part needs loops = [{ note = \"E5\", period_s = 7.3 }, ...]", field=where)
        vs = {}
        for vname, changes in dict(self.variations).items():
            _name(vname, f"{where}.variations", "variation")
            vs[vname] = check_part_fields(self.kind, dict(changes), f"{where}.variations.{vname}", partial=True)
        object.__setattr__(self, "variations", FrozenMap(vs))
        if self.strip is None:
            object.__setattr__(self, "strip", Strip(gain_db=DEFAULT_GAIN_DB[self.kind]))
        if not isinstance(self.strip, Strip):
            raise SongError(f"expected a Strip, got {type(self.strip).__name__}", field=where)

    def variant(self, variation: str | None) -> FrozenMap:
        """The fields with a variation's changes applied (None: the part as written)."""
        if variation is None:
            return self.fields
        if variation not in self.variations:
            raise unknown(f"variation of part '{self.name}'", variation, self.variations)
        merged = dict(self.fields)
        merged.update(self.variations[variation])
        if self.kind == "drums" and "pattern" in self.variations[variation]:
            merged.setdefault("grids", None)
            merged["grids"] = None if "grids" not in self.variations[variation] else merged["grids"]
        if self.kind == "drums" and "grids" in self.variations[variation] and "pattern" not in self.variations[variation]:
            merged["pattern"] = None
        return FrozenMap(merged)


# --- sections and transitions -------------------------------------------------------------------------
TRANSITION_KINDS = ("fill", "crash", "riser", "noise_sweep", "reverse_cymbal", "filter_sweep", "drop")
# kind -> default length in beats of the bar before the section (None: fixed by the kind)
_TRANSITION_DEFAULT_BEATS = {"fill": None, "crash": None, "riser": 8, "noise_sweep": 8, "reverse_cymbal": 2,
                             "filter_sweep": 8, "drop": 4}


@dataclass(frozen=True, slots=True)
class Transition:
    """A transition into a section, by name.

    ``fill``: a drum fill in the last bar before the section (the drum part's ``fill``, generated
    from its pattern when it gives none); ``crash``: a crash on the section's downbeat; ``riser``
    (a rising filtered wind) and ``noise_sweep`` (white noise swept up) over the last ``beats``;
    ``reverse_cymbal``: a cymbal swell cut on the downbeat; ``filter_sweep``: the parts in
    ``parts`` (default: every part but drums) swept from a closed low-pass open over ``beats``;
    ``drop``: every part but ``keep`` silent for the last ``beats`` before the section.
    """

    kind: str
    beats: Fraction | None = None
    keep: str | None = None
    parts: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in TRANSITION_KINDS:
            raise unknown("transition", str(self.kind), TRANSITION_KINDS, "transitions")
        default = _TRANSITION_DEFAULT_BEATS[self.kind]
        if self.beats is not None:
            if default is None:
                raise SongError(f"a {self.kind} has no length to set", field="transitions.beats")
            b = self.beats
            if isinstance(b, bool) or not isinstance(b, int | float | Fraction | str):
                raise SongError(f"expected a number of beats, got {b!r}", field="transitions.beats")
            try:
                b = Fraction(b) if not isinstance(b, float) else Fraction(repr(b))
            except (ValueError, ZeroDivisionError):
                raise SongError(f"expected a number of beats, got {self.beats!r}", field="transitions.beats") from None
            if not 0 < b <= 64:
                raise SongError(f"expected 0 < beats <= 64, got {self.beats!r}", field="transitions.beats")
            object.__setattr__(self, "beats", b)
        elif default is not None:
            object.__setattr__(self, "beats", Fraction(default))
        if self.keep is not None and self.kind != "drop":
            raise SongError("only a drop keeps a part", field="transitions.keep")
        object.__setattr__(self, "parts", tuple(self.parts))
        if self.parts and self.kind != "filter_sweep":
            raise SongError("only a filter_sweep takes parts", field="transitions.parts")


@dataclass(frozen=True, slots=True)
class Section:
    """A section: name, length in bars, the parts that play, per-part variations, energy (0..1,
    scales velocities), the harmony it plays (a name of ``Song.harmony``), and optionally its
    own meter and tempo; ``transitions`` lead into it."""

    name: str
    bars: int
    parts: tuple[str, ...] = ()
    vary: FrozenMap = field(default_factory=FrozenMap)
    energy: float = 0.7
    harmony: str | None = None
    meter: tuple[int, int] | None = None
    bpm: float | None = None
    transitions: tuple[Transition, ...] = ()

    def __post_init__(self):
        _name(self.name, "sections.name", "section")
        object.__setattr__(self, "bars", _whole(self.bars, "bars", 1, MAX_SECTION_BARS, "a whole number of bars"))
        parts = (self.parts,) if isinstance(self.parts, str) else tuple(self.parts)
        if len(set(parts)) != len(parts):
            raise SongError(f"section '{self.name}' lists a part twice", field="parts")
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "vary", FrozenMap(dict(self.vary)))
        object.__setattr__(self, "energy", _num(self.energy, "energy", 0, 1, "an energy"))
        if self.meter is not None:
            object.__setattr__(self, "meter", parse_meter(self.meter, "time_signature"))
        if self.bpm is not None:
            object.__setattr__(self, "bpm", float(_bpm(self.bpm, "bpm")))
        object.__setattr__(self, "transitions", tuple(t if isinstance(t, Transition) else Transition(t)
                                                      for t in self.transitions))


# --- automation ----------------------------------------------------------------------------------------
#: Automatable parameters: name -> (lo, hi, unit text). ``send.BUS`` is a send level.
AUTOMATION_PARAMS = {"gain_db": (-60.0, 12.0, "dB"), "pan": (-1.0, 1.0, "(-1 left .. 1 right)"),
                     "cutoff_hz": (20.0, 20000.0, "Hz"), "send": (0.0, 1.0, "(send level)")}
CURVES = ("linear", "exp", "smooth")


@dataclass(frozen=True, slots=True)
class Automation:
    """Breakpoints for one parameter of a track, group or bus.

    ``target`` is ``"name.param"``: a part, group or bus name and ``gain_db`` (added to the
    fader), ``pan`` (replaces the balance), ``cutoff_hz`` (a low-pass on the strip) or
    ``send.BUS``. Between points the value follows ``curve``: ``linear``, ``exp`` (linear in
    the logarithm: even octaves for a cutoff) or ``smooth`` (an S-curve); before the first point
    and after the last it holds.
    """

    target: str
    points: tuple[tuple[Position, float], ...]
    curve: str = "linear"

    def __post_init__(self):
        if not isinstance(self.target, str) or "." not in self.target:
            raise SongError(f"expected 'track.param' (e.g. 'pad.cutoff_hz', 'drums.send.reverb'), got {self.target!r}",
                            field="target")
        param = self.param
        kind = "send" if param.startswith("send.") else param
        if kind not in AUTOMATION_PARAMS:
            raise unknown("automation parameter", param, ("gain_db", "pan", "cutoff_hz", "send.BUS"), "target")
        if self.curve not in CURVES:
            raise unknown("curve", str(self.curve), CURVES, "curve")
        lo, hi, unit = AUTOMATION_PARAMS[kind]
        pts = []
        for i, pv in enumerate(self.points, 1):
            if not isinstance(pv, tuple | list) or len(pv) != 2:
                raise SongError(f"expected [\"bar:beat\", value] pairs, got {pv!r}", field=f"points.{i}")
            pos = parse_position(pv[0], f"points.{i}")
            val = pv[1]
            if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
                raise SongError(f"expected a number, got {val!r}", field=f"points.{i}")
            if not lo <= val <= hi:
                raise SongError(f"{param} {val!r} at {pos} is out of range; expected {lo:g}..{hi:g} {unit}",
                                field=f"points.{i}")
            pts.append((pos, float(val)))
        if not pts:
            raise SongError("expected at least one point", field="points")
        for (a, _), (b, _) in zip(pts, pts[1:], strict=False):
            if b < a:
                raise SongError(f"points must be in time order: {b} comes after {a}", field="points")
        object.__setattr__(self, "points", tuple(pts))

    @property
    def track(self) -> str:
        return self.target.split(".", 1)[0]

    @property
    def param(self) -> str:
        return self.target.split(".", 1)[1]


# --- the song ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Song:
    """A song map as a value.

    Parameters
    ----------
    title : str
        Empty: a seeded working title is made when the map is read or written
        (:func:`groovebox.generators.titles.working_title`).
    artist, key : str
        ``key`` is a key name (``"A minor"``, ``"F"``, ``"D dorian"``).
    bpm : float
        Quarter notes per minute (sections may change it).
    meter : tuple of int
        Time signature (sections may change it).
    themes, mood : tuple of str
        Free text, carried into file metadata.
    seed : int
        Seeds every generated thing (fills, melodies, walking bass, drum chances).
    harmony : FrozenMap
        Named progressions: roman numerals or chord symbols (``"vi IV I V"``), or a table
        ``{ style = "pop", bars = 8 }`` for a generated one. The first is the default.
    bars_per_chord : Fraction
        Bars each written chord lasts.
    parts, sections, automation
        See :class:`SongPart`, :class:`Section`, :class:`Automation`.
    groups, buses, master
        The mixer.
    source : str, optional
        The file it was read from (errors found later name it).
    positions : FrozenMap
        Dotted field -> line in ``source``.
    """

    parts: tuple[SongPart, ...]
    sections: tuple[Section, ...]
    title: str = ""
    artist: str = ""
    key: str = "C major"
    bpm: float = 120.0
    meter: tuple[int, int] = (4, 4)
    themes: tuple[str, ...] = ()
    mood: tuple[str, ...] = ()
    seed: int = 0
    harmony: FrozenMap = field(default_factory=lambda: FrozenMap({"A": "I V vi IV"}))
    bars_per_chord: Fraction = Fraction(1)
    automation: tuple[Automation, ...] = ()
    groups: tuple[Group, ...] = ()
    buses: tuple[Bus, ...] = ()
    master: Master = field(default_factory=Master)
    template: str | None = None
    source: str | None = field(default=None, compare=False)
    positions: FrozenMap = field(default_factory=FrozenMap, compare=False, repr=False)

    def __post_init__(self):
        try:
            self._check()
        except SongError as err:
            raise self.locate(err) from None

    def locate(self, err: SongError) -> SongError:
        """``err`` with this song's file and the line of its field (when known)."""
        if err.path is not None or self.source is None:
            return err
        line = None
        if err.field:
            parts = err.field.split(".")
            while parts and line is None:
                line = self.positions.get(".".join(parts))
                parts.pop()
        return SongError(err.message, path=self.source, line=line or 1, field=err.field)

    def error(self, message: str, field: str | None = None) -> SongError:
        """A located SongError for a problem found after reading (unknown pattern id, ...)."""
        return self.locate(SongError(message, field=field))

    def _check(self) -> None:
        if not isinstance(self.title, str) or not isinstance(self.artist, str):
            raise SongError("expected a string", field="title")
        if not isinstance(self.key, str) or not self.key.strip():
            raise SongError(f"expected a key like 'A minor' or 'F', got {self.key!r}", field="key")
        object.__setattr__(self, "bpm", float(_bpm(self.bpm, "bpm")))
        object.__setattr__(self, "meter", parse_meter(self.meter))
        for name in ("themes", "mood"):
            v = getattr(self, name)
            v = (v,) if isinstance(v, str) else tuple(v)
            if not all(isinstance(x, str) for x in v):
                raise SongError("expected an array of strings", field=name)
            object.__setattr__(self, name, v)
        # any whole number, as every seed (huge and negative ones hashed down: checks.seed)
        object.__setattr__(self, "seed", checks.seed(self.seed, "", error=lambda m: SongError(m, field="seed")))
        # harmony
        harmony = dict(self.harmony)
        if not harmony:
            raise SongError("expected at least one progression, e.g. A = \"I V vi IV\"", field="harmony")
        for hname, spec in harmony.items():
            _name(hname, "harmony", "progression")
            if isinstance(spec, str):
                if not spec.strip():
                    raise SongError("empty progression", field=f"harmony.{hname}")
            elif isinstance(spec, dict | FrozenMap):
                extra = set(spec) - {"style", "bars", "seed"}
                if extra or "style" not in spec:
                    raise SongError("expected { style = \"pop\", bars = 8 } (style, bars, seed)", field=f"harmony.{hname}")
                _whole(spec.get("bars", 8), f"harmony.{hname}.bars", 1, 64, "bars")
                harmony[hname] = FrozenMap(spec)
            else:
                raise SongError("expected chords like \"I V vi IV\" or { style = \"pop\", bars = 8 }",
                                field=f"harmony.{hname}")
        object.__setattr__(self, "harmony", FrozenMap(harmony))
        bpc = self.bars_per_chord
        try:
            bpc = Fraction(repr(bpc)) if isinstance(bpc, float) else Fraction(bpc)
        except (TypeError, ValueError):
            raise SongError(f"expected a number of bars, got {self.bars_per_chord!r}", field="bars_per_chord") from None
        if not Fraction(1, 4) <= bpc <= 16:
            raise SongError(f"expected 1/4..16 bars, got {self.bars_per_chord!r}", field="bars_per_chord")
        object.__setattr__(self, "bars_per_chord", bpc)
        # parts
        parts = tuple(self.parts)
        if not parts:
            raise SongError("a song needs at least one part", field="parts")
        if len(parts) > MAX_PARTS:
            raise SongError(f"{len(parts)} parts; at most {MAX_PARTS}", field="parts")
        names = [p.name for p in parts]
        for p in parts:
            if names.count(p.name) > 1:
                raise SongError(f"two parts are named '{p.name}'", field=f"parts.{p.name}")
        object.__setattr__(self, "parts", parts)
        groups = tuple(self.groups)
        buses = tuple(self.buses)
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "buses", buses)
        object.__setattr__(self, "automation", tuple(self.automation))
        all_names = names + [g.name for g in groups] + [b.name for b in buses]
        for n in set(all_names):
            if all_names.count(n) > 1:
                raise SongError(f"'{n}' names two of parts, groups and buses; names must differ", field="mixer")
        group_names = [g.name for g in groups]
        bus_names = [b.name for b in buses]
        if len(bus_names) > 8:
            raise SongError(f"{len(bus_names)} send buses; the engine mixes at most 8", field="mixer.buses")
        for owner, strip, where in ([(p.name, p.strip, f"parts.{p.name}") for p in parts]
                                    + [(g.name, g.strip, f"mixer.groups.{g.name}") for g in groups]):
            if strip.group is not None and strip.group not in group_names:
                raise unknown("group", strip.group, group_names, f"{where}.group")
            for bus in strip.sends:
                if bus not in bus_names:
                    raise unknown("bus", bus, bus_names, f"{where}.sends.{bus}")
            comp = strip.compressor
            if comp is not None and comp.sidechain is not None:
                key_part = comp.sidechain.split(".", 1)[0]
                if key_part not in names:
                    raise unknown("part", key_part, names, f"{where}.compressor.sidechain")
                if key_part == owner:
                    raise SongError("a part cannot duck under itself", field=f"{where}.compressor.sidechain")
        # sections
        sections = tuple(self.sections)
        if not sections:
            raise SongError("a song needs at least one section", field="sections")
        if len(sections) > MAX_SECTIONS:
            raise SongError(f"{len(sections)} sections; at most {MAX_SECTIONS}", field="sections")
        object.__setattr__(self, "sections", sections)
        part_by_name = {p.name: p for p in parts}
        for i, s in enumerate(sections, 1):
            where = f"sections.{i}"
            for pn in s.parts:
                if pn not in part_by_name:
                    raise unknown("part", pn, names, f"{where}.parts")
            for pn, var in s.vary.items():
                if pn not in part_by_name:
                    raise unknown("part", pn, names, f"{where}.vary")
                if var not in part_by_name[pn].variations:
                    raise unknown(f"variation of part '{pn}'", str(var), part_by_name[pn].variations, f"{where}.vary.{pn}")
            if s.harmony is not None and s.harmony not in self.harmony:
                raise unknown("progression", s.harmony, self.harmony, f"{where}.harmony")
            for t in s.transitions:
                if i == 1 and t.kind != "crash":
                    raise SongError(f"a {t.kind} plays before its section; the first section has nothing before it",
                                    field=f"{where}.transitions")
                if t.keep is not None and t.keep not in part_by_name:
                    raise unknown("part", t.keep, names, f"{where}.transitions.keep")
                for pn in t.parts:
                    if pn not in part_by_name:
                        raise unknown("part", pn, names, f"{where}.transitions.parts")
                if t.beats is not None and i > 1:
                    prev = sections[i - 2]
                    prev_beats = prev.bars * (prev.meter or self.meter)[0]
                    if t.beats > prev_beats:
                        raise SongError(f"a {t.kind} of {t.beats} beats is longer than section '{prev.name}' "
                                        f"({prev_beats} beats) before it", field=f"{where}.transitions")
        if self.bars > MAX_SONG_BARS:
            raise SongError(f"{self.bars} bars; a song has at most {MAX_SONG_BARS}", field="sections")
        # automation
        targets = {p.name for p in parts} | set(group_names) | set(bus_names)
        for i, a in enumerate(self.automation, 1):
            where = f"automation.{i}"
            if a.track not in targets:
                raise unknown("track, group or bus", a.track, targets, f"{where}.target")
            if a.param.startswith("send."):
                bus = a.param[5:]
                if bus not in bus_names:
                    raise unknown("bus", bus, bus_names, f"{where}.target")
                if a.track in bus_names:
                    raise SongError("a send bus has no sends", field=f"{where}.target")
            for j, (pos, _) in enumerate(a.points, 1):
                if pos.bar > self.bars + 1 or (pos.bar == self.bars + 1 and pos.beat != 1):
                    raise SongError(f"position {pos} is outside the song ({self.bars} bars; the end is "
                                    f"{self.bars + 1}:1)", field=f"{where}.points.{j}")
                meter = self.meter_of_bar(pos.bar) if pos.bar <= self.bars else (1, 4)
                if pos.beat >= meter[0] + 1:
                    raise SongError(f"position {pos}: bar {pos.bar} is in {meter[0]}/{meter[1]} and has "
                                    f"{meter[0]} beats", field=f"{where}.points.{j}")

    # -- time ---------------------------------------------------------------------------------------
    @property
    def bars(self) -> int:
        """Length in bars."""
        return sum(s.bars for s in self.sections)

    def section_meter(self, section: Section) -> tuple[int, int]:
        return section.meter or self.meter

    def section_bpm(self, section: Section) -> Fraction:
        """The section's tempo (quarter notes per minute) as the exact value played."""
        return Fraction(section.bpm if section.bpm is not None else self.bpm).limit_denominator(100)

    def section_first_bars(self) -> list[int]:
        """The song bar (1-based) each section starts on."""
        out, bar = [], 1
        for s in self.sections:
            out.append(bar)
            bar += s.bars
        return out

    def section_starts_s(self) -> list[Fraction]:
        """Each section's start in seconds, exactly, and the song's end last."""
        out = [Fraction(0)]
        for s in self.sections:
            q = s.bars * quarters_per_bar(self.section_meter(s))
            out.append(out[-1] + q * 60 / self.section_bpm(s))
        return out

    def meter_of_bar(self, bar: int) -> tuple[int, int]:
        return self.section_meter(self.sections[self.section_of_bar(bar)])

    def section_of_bar(self, bar: int) -> int:
        """Index of the section that holds song bar ``bar`` (1-based)."""
        if not 1 <= bar <= self.bars:
            raise SongError(f"bar {bar} is outside the song (1..{self.bars})")
        for i, first in reversed(list(enumerate(self.section_first_bars()))):
            if bar >= first:
                return i
        return 0

    def position_s(self, pos: Position) -> Fraction:
        """A position's time in seconds, exactly (``bars + 1 : 1`` is the end)."""
        if pos.bar == self.bars + 1 and pos.beat == 1:
            return self.section_starts_s()[-1]
        i = self.section_of_bar(pos.bar)
        s = self.sections[i]
        num, den = self.section_meter(s)
        bar_in = pos.bar - self.section_first_bars()[i]
        quarters = bar_in * quarters_per_bar((num, den)) + (pos.beat - 1) * Fraction(4, den)
        return self.section_starts_s()[i] + quarters * 60 / self.section_bpm(s)

    @property
    def duration_s(self) -> float:
        return float(self.section_starts_s()[-1])

    # -- look-ups -----------------------------------------------------------------------------------
    def part(self, name: str) -> SongPart:
        for p in self.parts:
            if p.name == name:
                return p
        raise unknown("part", name, [p.name for p in self.parts])

    def section(self, name: str) -> Section:
        for s in self.sections:
            if s.name == name:
                return s
        raise unknown("section", name, [s.name for s in self.sections])

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts)

    @property
    def form(self) -> tuple[str, ...]:
        """The section names in order."""
        return tuple(s.name for s in self.sections)

    def replace(self, **changes) -> Song:
        """A copy with some fields changed (checked again)."""
        return replace(self, **changes)

    def with_section(self, name: str, **changes) -> Song:
        """A copy where every section called ``name`` has ``changes``."""
        self.section(name)
        return self.replace(sections=tuple(replace(s, **changes) if s.name == name else s for s in self.sections))

    def with_automation(self, target: str, points, curve: str = "linear") -> Song:
        """A copy with one more automation lane."""
        return self.replace(automation=(*self.automation, Automation(target, tuple(tuple(p) for p in points), curve)))

    def __repr__(self) -> str:
        return (f"Song({self.title!r}, {len(self.sections)} sections, {self.bars} bars, "
                f"{self.duration_s:.1f} s, parts {', '.join(self.part_names)})")
