"""Hydrogen files: patterns (``.h2pattern``), songs (``.h2song``) and drumkits (``drumkit.xml``).

Hydrogen (hydrogen-music.org) stores everything as XML; this module reads the current
namespaced format (1.x, 2.x) and the old un-namespaced 0.9.x one with ``xml.etree``.

**Patterns and songs** become groovebox patterns. Hydrogen counts 48 ticks per quarter note
and a pattern's ``size`` in ticks (192 = a 4/4 bar). Notes name their instrument by id (into
the song's instrument list, or the drumkit the pattern was made for) and, since 1.2, by a type
name; both are mapped to our instruments by name keywords
(:func:`~groovebox.model.instruments.match_instrument`). A pattern file whose kit is not
installed is read with the ids of Hydrogen's default kit, GMRockKit. The grid is the coarsest
that holds the notes (sixteenths 12 ticks, triplet eighths 16, ...), off-grid notes and
lead/lag keep their offset as a nudge, velocity becomes ghost/hit/accent, probability a chance.
Notes that play nothing in Hydrogen (note-off markers, which only stop the instrument's
ringing sound, and probability 0) are not hits: they are named in the remarks, as are notes of
one instrument on one tick that become one hit.

A 144-tick pattern on a 12-tick grid is ambiguous: a 3/4 bar of sixteenths, or a 4/4 bar of
triplet eighths written with one tick-step per triplet (as transcriptions of shuffles and jazz
ride patterns often are). The notes decide: whichever reading puts more of them on its beats
(and on the off-beat of the beat: the "and" of straight time, the third triplet of a shuffle)
wins, so a shuffle comes back as 4/4 with ``steps_per_beat = 3`` and a waltz as 3/4.

**Drumkits** (:func:`read_drumkit`) give their instruments, velocity layers and settings to
:func:`groovebox.kits.samples.load_sample_kit`.
"""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from groovebox.checks import shown
from groovebox.errors import GrooveboxError, KitError
from groovebox.formats.drum_grid import DrumImportError, Hit, Imported, build_pattern
from groovebox.formats.files import read_regular
from groovebox.model.instruments import match_instrument
from groovebox.model.pattern import Pattern

TICKS_PER_QUARTER = 48
LEAD_LAG_TICKS = 5  # Hydrogen moves a note by lead/lag (-1..1) times this many ticks
SWING_OFFSET_PCT = 25.0  # swing factor 1.0 delays off-beat 16ths by half a 16th: MPC 75 %

# Instrument names of GMRockKit, Hydrogen's default kit, by id: pattern files made for it (or
# for a kit that is not installed) name instruments by these ids only.
GMROCKKIT_NAMES = (
    "Kick", "Stick", "Snare", "Hand Clap", "Snare Rimshot", "Floor Tom", "Hat Closed", "Tom 2",
    "Hat Pedal", "Tom 1", "Hat Open", "Cowbell", "Ride", "Crash", "Ride 2", "Splash",
    "Hat Semi-Open", "Bell",
)  # fmt: skip

# Limits (docs/limits.md): every Hydrogen file is read whole, so its size bounds the rest.
MAX_HYDROGEN_BYTES = 4 << 20  # .h2song, .h2pattern, drumkit.xml (the demo songs are <= 240 KiB)
MAX_HYDROGEN_TICKS = 192 * 64  # note positions and pattern sizes: 64 bars of 4/4
MAX_HYDROGEN_PATTERNS = 512  # patterns imported from one song
MAX_DRUMKIT_LAYERS = 128  # sample layers of one drumkit instrument
MAX_DRUMKIT_FILES = 1024  # sample layers of one drumkit, all instruments
MAX_GAIN = 16.0  # linear volume and gain of a drumkit instrument, layer or component
MAX_PITCH = 24.0  # semitones of a drumkit layer or instrument (Hydrogen's own range)

DRUMKIT_DIRS = (
    "~/.hydrogen/data/drumkits",
    "~/.local/share/hydrogen/data/drumkits",
    "/usr/share/hydrogen/data/drumkits",
    "/usr/local/share/hydrogen/data/drumkits",
)


class HydrogenError(DrumImportError):
    """A Hydrogen file cannot be read."""


def _parse(path: Path, error: type[GrooveboxError] = HydrogenError) -> ET.Element:
    data = read_regular(path, MAX_HYDROGEN_BYTES, "Hydrogen file", error)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        msg = str(exc).split(":")[0]
        raise error(f"{path}:{line}:{col + 1}: not valid Hydrogen XML ({msg}; truncated?)") from None
    except RecursionError:  # elements nested thousands deep
        raise error(f"{path}: XML nested too deep to read") from None
    except (LookupError, ValueError) as exc:  # <?xml encoding="..."?> that Python does not know
        raise error(f"{path}: not valid Hydrogen XML ({str(exc)[:80]})") from None
    for el in root.iter():  # drop namespaces: 0.9.x files have none, newer ones two
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def _text(el: ET.Element | None, tag: str, default: str = "") -> str:
    if el is None:
        return default
    v = el.findtext(tag)
    return default if v is None else v.strip()


def _label(el: ET.Element | None, tag: str) -> str:
    """A name from the file as one line (a newline or tab inside it would split a message)."""
    return " ".join(_text(el, tag).split())


def _number(el: ET.Element, tag: str, default: float, path: Path, kind=float,
            lo: float = -math.inf, hi: float = math.inf) -> float:
    """A finite number in ``[lo, hi]`` from ``<tag>`` (``default`` when absent)."""
    raw = _text(el, tag)
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise HydrogenError(f"{path}: <{tag}> {shown(raw)} is not a number") from None
    if not math.isfinite(value):
        raise HydrogenError(f"{path}: <{tag}> {shown(raw)} is not a finite number")
    if not lo <= value <= hi:
        raise HydrogenError(f"{path}: <{tag}> {shown(raw)} is out of range; expected {lo:g}..{hi:g}")
    return int(value) if kind is int else value


def slug(text: str) -> str:
    """A file-name-safe lowercase slug: ``"GM kit demo #1: main 1-1"`` -> ``gm-kit-demo-1-main-1-1``."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "pattern"


# ---------------------------------------------------------------------------------------------
# patterns and songs


@dataclass
class _Note:
    tick: int
    leadlag: float
    velocity: float
    probability: float
    name: str


def _signature(size: int, denominator: int) -> tuple[int, int]:
    """Hydrogen's pattern size (ticks) and denominator -> a time signature."""
    if size % 192 == 0 and denominator == 4:
        return 4, 4
    for den in (denominator, 4, 8, 16):
        if den in (1, 2, 4, 8, 16) and (size * den) % 192 == 0 and 1 <= size * den // 192 <= 32:
            return size * den // 192, den
    raise HydrogenError(f"pattern size {size} ticks is not a whole number of sixteenths")


def _metric_score(ticks: list[int], beat: int) -> float:
    """Notes on the beat count 1, on the beat's off-beat (2/3 of a triplet beat, 1/2 of a
    straight one) 1/2."""
    off = beat * 2 // 3 if beat % 3 == 0 and beat % 2 else beat // 2
    return sum(1.0 if t % beat == 0 else 0.5 if t % beat == off else 0.0 for t in ticks)


def _pattern_from_notes(
    notes: list[_Note], size: int, denominator: int, *, name: str, quarter_bpm: float,
    swing_factor: float, description: str, genre: str, tags: tuple[str, ...], out_notes: list[str],
) -> Pattern | None:  # fmt: skip
    if not notes:
        return None
    if size <= 0:
        raise HydrogenError(f"pattern '{name}': size {size} ticks; expected more than 0")
    ticks = [n.tick for n in notes]
    num, den = _signature(size, denominator)
    per_quarter = TICKS_PER_QUARTER
    grid: int | str = "auto"
    if den == 4 and size % 144 == 0 and size % 192 and all(t % 12 == 0 for t in ticks):
        # A 3/4 bar of 16ths, or a 4/4 bar of triplet 8ths one 12-tick step each?
        if _metric_score(ticks, 36) > _metric_score(ticks, 48):
            per_quarter, num, den, grid = 36, 4, 4, 12
            out_notes.append(f"'{name}': {size} ticks on a triplet feel, read as 4/4 in triplet eighths")
    hits = [
        Hit(Fraction(n.tick, per_quarter) + Fraction(n.leadlag * LEAD_LAG_TICKS).limit_denominator(1000) / per_quarter,
            n.name, n.velocity, chance_pct=100.0 * n.probability)
        for n in notes
    ]  # fmt: skip
    return build_pattern(
        hits, name=name, quarter_bpm=quarter_bpm, signature=(num, den), grid=grid,
        swing=round(50.0 + SWING_OFFSET_PCT * swing_factor, 2), hits_swung=False,
        end_quarters=Fraction(size, per_quarter),
        keep_timing=True, dynamics="absolute", genre=genre, description=description, tags=tags,
        notes=out_notes,
    )  # fmt: skip


def _collect_notes(pattern_el: ET.Element, names_by_id: dict[str, str], path: Path,
                   unmapped: dict[str, int], silent: list[str]) -> list[_Note]:
    """The sounding notes of a pattern; each note that plays nothing (a note-off marker, a
    probability of 0) is described in ``silent`` instead, so the user hears why it is gone."""
    out = []
    for note in pattern_el.iter("note"):
        iid = _text(note, "instrument")
        label = _label(note, "type") or names_by_id.get(iid) or (f"instrument id {iid}" if iid else "")
        if not label:
            raise HydrogenError(f"{path}: a <note> names no instrument")
        tick = _number(note, "position", -1, path, int, 0, MAX_HYDROGEN_TICKS)
        if tick < 0:
            raise HydrogenError(f"{path}: a <note> has no <position>")
        if _text(note, "note_off").lower() == "true":
            # Hydrogen's sampler releases the instrument's ringing notes on a note-off and
            # plays nothing: it is no hit, and a groovebox pattern has no note-off to keep.
            silent.append(f"note-off '{label}' at tick {tick}")
            continue
        ours = match_instrument(label)
        if ours is None:
            unmapped[label] = unmapped.get(label, 0) + 1
            continue
        prob = _number(note, "probability", 1.0, path)
        if prob <= 0:
            silent.append(f"'{label}' at tick {tick} (probability 0)")
            continue
        out.append(_Note(
            tick=tick, leadlag=min(1.0, max(-1.0, _number(note, "leadlag", 0.0, path))),
            velocity=min(1.0, max(0.0, _number(note, "velocity", 0.8, path))),
            probability=min(1.0, prob), name=ours,
        ))  # fmt: skip
    return out


def _dropped_remarks(title: str, pnotes: list[_Note], silent: list[str]) -> list[str]:
    """One-line remarks for the notes of a pattern that do not become a grid hit of their own:
    silent ones (note-offs, probability 0) and doubles of one instrument on one tick."""
    out = []
    if silent:
        out.append(f"'{title}': {len(silent)} silent note(s) not imported (Hydrogen plays no sound for them): {', '.join(silent)}")
    seen: dict[tuple[int, str], int] = {}
    for n in pnotes:
        seen[(n.tick, n.name)] = seen.get((n.tick, n.name), 0) + 1
    doubles = [f"{name} at tick {tick} (x{count})" for (tick, name), count in sorted(seen.items()) if count > 1]
    if doubles:
        out.append(f"'{title}': notes of one instrument on one tick played as one hit: {', '.join(doubles)}")
    return out


def is_drumkit_name(name: str) -> bool:
    """True for a plain drumkit name: no path separator, no ``..``, nothing a path could hide, and
    short enough to be a folder name (255 bytes)."""
    return (isinstance(name, str) and bool(name.strip()) and name not in (".", "..") and ".." not in name
            and not any(c in name for c in "/\\\x00") and not name.startswith("~")
            and len(name.encode("utf-8", "surrogatepass")) <= 255)


KIT_NAME_ONLY = ("a kit named in a file is a name (808, 909, lofi, acoustic, or an installed Hydrogen "
                 "drumkit such as GMRockKit), not a path")


def drumkit_folder(name: str) -> Path | None:
    """The folder of the installed Hydrogen drumkit ``name`` (see :data:`DRUMKIT_DIRS`), or None.

    Only plain names are looked up, and only inside those folders: a name read from a file
    can never lead to a folder elsewhere.
    """
    if not is_drumkit_name(name):
        return None
    for folder in DRUMKIT_DIRS:
        kit = Path(folder).expanduser() / name
        try:
            found = (kit / "drumkit.xml").is_file()
        except OSError:  # unreadable folder, or a name the file system refuses: not installed here
            found = False
        if found:
            return kit
    return None


def _kit_names(kit_name: str, path: Path) -> tuple[dict[str, str], str | None]:
    """Instrument names by id of an installed drumkit, else GMRockKit's (and a remark)."""
    if kit_name and not is_drumkit_name(kit_name):
        raise HydrogenError(f"{path}: <drumkit_name> {shown(kit_name)} is not a drumkit name "
                            f"(a name such as GMRockKit, without '/' or '..')")
    folder = drumkit_folder(kit_name) if kit_name else None
    if folder is not None:
        try:
            kit = read_drumkit(folder)
        except GrooveboxError:
            kit = None
        if kit is not None:
            return {str(i.id): i.name for i in kit.instruments}, None
    names = {str(i): n for i, n in enumerate(GMROCKKIT_NAMES)}
    if kit_name in ("", "GMRockKit", "GMkit"):
        return names, None
    return names, f"drumkit '{kit_name}' is not installed; instrument ids read as GMRockKit's"


def read_hydrogen(
    path: str | os.PathLike,
    *,
    bpm: float | None = None,
    strict: bool = False,
) -> Imported:
    """Patterns from a Hydrogen ``.h2pattern`` or ``.h2song`` (current or 0.9.x format).

    Parameters
    ----------
    path : path-like
    bpm : float, optional
        Tempo in quarter notes per minute (default: the song's; 120 for pattern files, which
        carry none).
    strict : bool
        Unmapped instrument names are an error instead of a remark.

    Returns
    -------
    Imported
        One pattern per non-empty Hydrogen pattern (songs: each named after the song), plus
        one-line remarks (unmapped instruments, empty patterns skipped, triplet readings).

    Raises
    ------
    HydrogenError
        Not XML, truncated, not a Hydrogen pattern or song, or nothing to import (one line).
    """
    path = Path(path)
    root = _parse(path)
    notes: list[str] = []
    kit_remark = ""
    unmapped: dict[str, int] = {}
    found: list[tuple[str, list[_Note], int, int, str, tuple[str, ...], str]] = []
    if root.tag == "drumkit_pattern":
        kit_name = _label(root, "drumkit_name") or _label(root, "pattern_for_drumkit")
        pattern_el = root.find("pattern")
        if pattern_el is None:
            raise HydrogenError(f"{path}: no <pattern> in this Hydrogen pattern file")
        names_by_id, remark = _kit_names(kit_name, path)
        title = _label(pattern_el, "name") or _label(pattern_el, "pattern_name") or path.stem
        silent: list[str] = []
        pnotes = _collect_notes(pattern_el, names_by_id, path, unmapped, silent)
        notes.extend(_dropped_remarks(title, pnotes, silent))
        if remark and any(n.find("type") is None for n in pattern_el.iter("note")):
            notes.append(remark)
            kit_remark = remark
        tags = tuple(t.text.strip().lower() for t in pattern_el.iter("tag") if t.text and t.text.strip())
        category = _text(pattern_el, "category").lower()
        genre = category if category and category not in ("unknown", "not_categorized", "legacy") else "imported"
        author = _text(pattern_el, "author") or _text(root, "author")
        info = _text(pattern_el, "info")
        desc = f"Imported from the Hydrogen pattern {path.name}" + (f" by {author}" if author else "") + "."
        if info:
            desc += " " + re.sub(r"\s+", " ", info)
        found.append((title, pnotes, _pattern_size(pattern_el, path), _denominator(pattern_el, path),
                      genre, tags, desc))
        quarter_bpm, swing_factor = 120.0, 0.0
        if bpm is None:
            notes.append("a Hydrogen pattern file has no tempo; set to 120 bpm")
    elif root.tag == "song":
        song = _label(root, "name") or path.stem
        quarter_bpm = _number(root, "bpm", 120.0, path, float, 1.0, 1000.0)
        swing_factor = min(1.0, max(0.0, _number(root, "swing_factor", 0.0, path)))
        ilist = root.find("instrumentList")
        names_by_id = {} if ilist is None else {_text(i, "id"): _label(i, "name") for i in ilist.findall("instrument")}
        plist = root.find("patternList")
        if plist is None:
            raise HydrogenError(f"{path}: no <patternList> in this Hydrogen song")
        author = _text(root, "author")
        empty = 0
        pattern_els = plist.findall("pattern")
        if len(pattern_els) > MAX_HYDROGEN_PATTERNS:
            raise HydrogenError(f"{path}: {len(pattern_els):,} patterns is over the limit of "
                                f"{MAX_HYDROGEN_PATTERNS} for one song")
        for pattern_el in pattern_els:
            pname = _label(pattern_el, "name") or f"pattern {len(found) + 1}"
            silent = []
            pnotes = _collect_notes(pattern_el, names_by_id, path, unmapped, silent)
            notes.extend(_dropped_remarks(f"{song}: {pname}", pnotes, silent))
            if not pnotes:
                empty += 1
                continue
            desc = (f"Imported from the Hydrogen song '{song}'" + (f" by {author}" if author else "")
                    + f" ({path.name}), pattern '{pname}'.")
            found.append((f"{song}: {pname}", pnotes, _pattern_size(pattern_el, path),
                          _denominator(pattern_el, path), "imported", ("imported", "hydrogen"), desc))
        if empty:
            notes.append(f"{empty} empty pattern(s) skipped")
    else:
        hint = "; a drumkit is a kit: use it with --kit" if root.tag == "drumkit_info" else ""
        raise HydrogenError(f"{path}: <{root.tag}> is not a Hydrogen pattern or song "
                            f"(expected <drumkit_pattern> or <song>){hint}")
    if bpm is not None:
        quarter_bpm = float(bpm)
    if unmapped:
        listing = ", ".join(f"'{k}' ({v})" for k, v in sorted(unmapped.items()))
        if strict or not any(f[1] for f in found):
            why = f" ({kit_remark})" if kit_remark else ""
            raise HydrogenError(f"{path}: instruments with no match here: {listing}{why}")
        notes.append(f"unmapped instruments skipped: {listing}")
    patterns = []
    for title, pnotes, size, den, genre, tags, desc in found:
        p = _pattern_from_notes(pnotes, size, den, name=title, quarter_bpm=quarter_bpm,
                                swing_factor=swing_factor, description=desc, genre=genre,
                                tags=tags or ("imported", "hydrogen"), out_notes=notes)
        if p is not None:
            patterns.append(p)
    if not patterns:
        raise HydrogenError(f"{path}: no notes to import")
    return Imported(patterns, notes)


def _pattern_size(el: ET.Element, path: Path) -> int:
    return int(_number(el, "size", 192, path, int, 1, MAX_HYDROGEN_TICKS))


def _denominator(el: ET.Element, path: Path) -> int:
    return int(_number(el, "denominator", 4, path, int, 1, 64))


# ---------------------------------------------------------------------------------------------
# drumkits


@dataclass(frozen=True)
class KitLayer:
    """One sample of an instrument, played for velocities in [min_velocity, max_velocity]."""

    path: Path
    min_velocity: float
    max_velocity: float
    gain: float
    pitch_semitones: float


@dataclass(frozen=True)
class KitInstrument:
    """A Hydrogen drumkit instrument and the groovebox instrument it plays (None: no match)."""

    id: int
    name: str
    instrument: str | None
    gain: float  # instrument volume x gain x component gain
    pitch_semitones: float
    mute_group: int  # -1: none
    layers: tuple[KitLayer, ...]


@dataclass(frozen=True)
class Drumkit:
    name: str
    path: Path
    instruments: tuple[KitInstrument, ...]
    notes: tuple[str, ...] = field(default=())


def _inside(folder: Path, filename: str, xml: Path, instrument: str) -> Path:
    """A layer's sample file, which must lie inside the drumkit's folder: a ``<filename>`` such
    as ``../../etc/x.wav`` or ``/etc/x.wav`` is an error, not a read elsewhere."""
    if "\x00" in filename:
        raise KitError(f"{xml}: instrument '{instrument}': <filename> {shown(filename)} is not a file name")
    target = folder / filename
    try:
        inside = target.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        inside = False
    if not inside:
        raise KitError(f"{xml}: instrument '{instrument}': sample {shown(filename)} is outside the drumkit folder")
    return target


def read_drumkit(path: str | os.PathLike) -> Drumkit:
    """A Hydrogen drumkit (its folder or its ``drumkit.xml``), current or 0.9.x format.

    Raises
    ------
    KitError
        Not a drumkit, malformed XML, or a layer without a file name (one line each).
    """
    path = Path(path)
    xml = path / "drumkit.xml" if path.is_dir() else path
    root = _parse(xml, KitError)
    if root.tag != "drumkit_info":
        raise KitError(f"{xml}: <{root.tag}> is not a Hydrogen drumkit (expected <drumkit_info>)")
    folder = xml.parent
    ilist = root.find("instrumentList")
    if ilist is None:
        raise KitError(f"{xml}: no <instrumentList>")
    out = []
    notes = []
    n_files = 0

    def num(el, tag, default, lo=-1e6, hi=1e6):
        raw = _text(el, tag)
        try:
            value = float(raw) if raw else default
        except ValueError:
            raise KitError(f"{xml}: <{tag}> {shown(raw)} is not a number") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise KitError(f"{xml}: <{tag}> {shown(raw)} is out of range; expected {lo:g}..{hi:g}")
        return value

    for inst in ilist.findall("instrument"):
        name = _label(inst, "name")
        comps = inst.findall("instrumentComponent")
        comp_gain = 1.0
        if comps:
            layer_els = comps[0].findall("layer")
            comp_gain = num(comps[0], "gain", 1.0, 0.0, MAX_GAIN)
            if len(comps) > 1:
                notes.append(f"'{name}': only the first of {len(comps)} components is used")
        else:
            layer_els = inst.findall("layer")
        layers = []
        for lay in layer_els:
            fname = _text(lay, "filename")
            if not fname:
                raise KitError(f"{xml}: instrument '{name}' has a layer without <filename>")
            layers.append(KitLayer(_inside(folder, fname, xml, name), num(lay, "min", 0.0), num(lay, "max", 1.0),
                                   num(lay, "gain", 1.0, 0.0, MAX_GAIN), num(lay, "pitch", 0.0, -MAX_PITCH, MAX_PITCH)))
            if len(layers) > MAX_DRUMKIT_LAYERS:
                raise KitError(f"{xml}: instrument '{name}' has more than {MAX_DRUMKIT_LAYERS} layers, "
                               f"over the limit")
        if not layers and _text(inst, "filename"):  # 0.9.x: one sample per instrument
            layers.append(KitLayer(_inside(folder, _text(inst, "filename"), xml, name), 0.0, 1.0, 1.0, 0.0))
        n_files += len(layers)
        if n_files > MAX_DRUMKIT_FILES:
            raise KitError(f"{xml}: more than {MAX_DRUMKIT_FILES} sample layers is over the limit for one kit")
        muted = _text(inst, "isMuted").lower() == "true"
        if not layers or muted:
            continue
        try:
            iid = int(float(_text(inst, "id") or len(out)))
        except (ValueError, OverflowError):
            iid = len(out)
        out.append(KitInstrument(
            id=iid, name=name, instrument=match_instrument(name) if name else None,
            gain=num(inst, "volume", 1.0, 0.0, MAX_GAIN) * num(inst, "gain", 1.0, 0.0, MAX_GAIN) * comp_gain,
            pitch_semitones=num(inst, "pitchOffset", 0.0, -MAX_PITCH, MAX_PITCH) + num(inst, "pitch", 0.0, -MAX_PITCH, MAX_PITCH),
            mute_group=int(num(inst, "muteGroup", -1, -1, 1000)), layers=tuple(layers),
        ))  # fmt: skip
    return Drumkit(_label(root, "name") or folder.name, xml, tuple(out), tuple(notes))
