"""Dataset specs: a TOML file that says which patterns, kits and variations make a data set.

The format is documented in ``datasets/README.md``. :func:`load_spec` reads and checks a spec
completely before anything renders: every bad value is one line naming the file, the field
and what was expected (unknown patterns and kits with close matches, empty selections, ranges
upside down).

>>> spec = parse_spec('seed = 3\\nvariations = 2\\n[patterns]\\nids = ["funk/cissy-strut"]\\n'
...                   '[[kits]]\\nkit = "909"\\n')
>>> [p.id for p in spec.patterns], spec.kits[0].ref, spec.n_items
(['funk/cissy-strut'], '909', 2)
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

from groovebox import checks, library
from groovebox.errors import GrooveboxError, UnknownNameError
from groovebox.formats import tomltext
from groovebox.formats.files import read_regular
from groovebox.formats.tomltext import MAX_TOML_BYTES
from groovebox.kits.samples import is_kit_path
from groovebox.model.kit import BUILTIN_KITS, DECAY_MAX, TUNE_RANGE_SEMITONES
from groovebox.model.options import HUMANIZE_MS_MAX, HUMANIZE_VELOCITY_MAX
from groovebox.model.pattern import BPM_RANGE, SWING_RANGE, Pattern

__all__ = ["DatasetSpec", "KitSpec", "SpecError", "load_spec", "parse_spec"]

MAX_ITEMS = 10_000_000
MAX_BARS = 64  # one item is a loop, not a song
MAX_KIT_VARIANTS = 1000
FORMATS = ("wav", "flac")
SAMPLE_FORMATS = ("16", "24", "float")
SPLITS = ("train", "validation", "test")

_TOP = {"name", "description", "seed", "variations", "items", "bars", "bpm", "tempo_scale", "swing",
        "humanize_ms", "humanize_velocity", "sample_rate", "format", "sample_format",
        "patterns", "kits", "augment", "outputs", "splits"}
_PATTERNS = {"genres", "ids", "files", "exclude", "mutate"}
_KIT = {"kit", "weight", "tune", "decay", "variants"}
_AUGMENT = {"gain_db", "pan", "room"}
_OUTPUTS = {"mix", "stems", "labels", "midi"}


class SpecError(GrooveboxError):
    """A dataset spec is malformed (the message names the file and the field)."""


@dataclass(frozen=True)
class KitSpec:
    """One kit of a spec and how its voices are jittered.

    ``ref`` is a built-in kit name or the absolute path of a sample folder or Hydrogen drumkit.
    Each of the kit's ``variants`` versions draws, per instrument, a tune offset in ``tune``
    semitones and a decay multiplier in ``decay``; an item plays one variant.
    """

    ref: str
    label: str
    weight: float = 1.0
    tune: tuple[float, float] = (0.0, 0.0)
    decay: tuple[float, float] = (1.0, 1.0)
    variants: int = 1

    @property
    def is_sample_kit(self) -> bool:
        return self.ref not in BUILTIN_KITS


@dataclass(frozen=True)
class DatasetSpec:
    """A checked dataset spec (see ``datasets/README.md`` for every field)."""

    name: str
    description: str
    seed: int
    patterns: tuple[Pattern, ...]
    kits: tuple[KitSpec, ...]
    variations: int | None = 1
    items: int | None = None
    bars: tuple[int, int] = (4, 4)
    bpm: tuple[float, float] | None = None
    tempo_scale: tuple[float, float] | None = None
    swing: tuple[float, float] | None = None
    humanize_ms: tuple[float, float] = (0.0, 0.0)
    humanize_velocity: tuple[float, float] = (0.0, 0.0)
    mutate: float = 0.0
    gain_db: tuple[float, float] = (-6.0, -6.0)
    pan: float = 0.0
    room: tuple[float, float] = (0.0, 0.0)
    sample_rate: int = 48000
    format: str = "wav"
    sample_format: str = "24"
    mix: bool = True
    stems: bool = True
    labels: bool = True
    midi: bool = True
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1)
    text: str = ""
    path: str = ""

    @property
    def n_items(self) -> int:
        """How many items the spec makes."""
        return self.items if self.items is not None else self.variations * len(self.patterns)

    @property
    def digest(self) -> str:
        """sha256 of the spec's text: two data sets from the same digest are the same set."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def instruments(self) -> tuple[str, ...]:
        """Every instrument some selected pattern plays, in first-seen order."""
        return tuple(dict.fromkeys(i for p in self.patterns for i in p.instruments))


def load_spec(path: str | os.PathLike) -> DatasetSpec:
    """Read and check a dataset spec file.

    Raises
    ------
    SpecError, UnknownNameError
        One line naming the file and field: a syntax error, an unknown key, a value out of
        range, a range upside down, an unknown pattern, genre or kit, an empty selection.
    """
    path = Path(path).expanduser()
    raw = read_regular(path, MAX_TOML_BYTES, "dataset spec", SpecError)  # regular files only, bounded
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(f"{path}:{line}: not UTF-8 text") from None
    return parse_spec(text, path=path)


def parse_spec(text: str, *, path: str | os.PathLike | None = None) -> DatasetSpec:
    """Check a spec given as TOML text (``path`` names it in errors and anchors relative paths)."""
    where = Path(path).name if path is not None else "spec"
    base = Path(path).resolve().parent if path is not None else Path.cwd()
    # Size and nesting bounded before tomllib parses (formats.tomltext: no RecursionError).
    doc = tomltext.loads(text, where, lambda line, col, msg: SpecError(
        f"{where}" + (f":{line}" if line else "") + (f":{col}" if line and col else "") + f": {msg}"))
    r = _Reader(where)
    r.keys(doc, _TOP, "")
    pt = r.table(doc, "patterns", required=True)
    r.keys(pt, _PATTERNS, "patterns.")
    aug = r.table(doc, "augment")
    r.keys(aug, _AUGMENT, "augment.")
    out = r.table(doc, "outputs")
    r.keys(out, _OUTPUTS, "outputs.")
    if "variations" in doc and "items" in doc:
        raise SpecError(f"{where}: give 'variations' (items per pattern) or 'items' (in all), not both")
    variations = r.whole(doc, "variations", 1, MAX_ITEMS, 1) if "items" not in doc else None
    items = r.whole(doc, "items", 1, MAX_ITEMS, None) if "items" in doc else None
    if "bpm" in doc and "tempo_scale" in doc:
        raise SpecError(f"{where}: give 'bpm' (a tempo range) or 'tempo_scale' (of each pattern's own), not both")
    fmt = r.choice(doc, "format", FORMATS, "wav")
    sample_format = r.choice(doc, "sample_format", SAMPLE_FORMATS, "24")
    stems = r.flag(out, "stems", True, "outputs.")
    if stems and sample_format == "16":
        raise SpecError(f"{where}: field 'sample_format': stems need \"24\" or \"float\" to sum to the mix "
                        f"within -90 dBFS (16-bit rounding alone is -90 dBFS per file); got \"16\"")
    spec = DatasetSpec(
        name=r.text(doc, "name", Path(path).stem if path is not None else "dataset"),
        description=r.text(doc, "description", ""),
        seed=checks.seed(doc.get("seed", 0), f"{where}: field 'seed'", error=SpecError),
        patterns=_select_patterns(r, pt, base),
        kits=_kits(r, doc, base),
        variations=variations,
        items=items,
        bars=tuple(int(b) for b in r.range(doc, "bars", 1, MAX_BARS, (4, 4), "bars", whole=True)),
        bpm=r.range(doc, "bpm", *BPM_RANGE, None, "bpm"),
        tempo_scale=r.range(doc, "tempo_scale", 0.25, 4.0, None, "times the pattern's tempo"),
        swing=r.range(doc, "swing", *SWING_RANGE, None, "percent"),
        humanize_ms=r.range(doc, "humanize_ms", 0.0, HUMANIZE_MS_MAX, (0.0, 0.0), "ms"),
        humanize_velocity=r.range(doc, "humanize_velocity", 0.0, HUMANIZE_VELOCITY_MAX, (0.0, 0.0), ""),
        mutate=r.number(pt, "mutate", 0.0, 0.5, 0.0, "patterns."),
        gain_db=r.range(aug, "gain_db", -60.0, 12.0, (-6.0, -6.0), "dB", "augment."),
        pan=r.number(aug, "pan", 0.0, 1.0, 0.0, "augment."),
        room=r.range(aug, "room", 0.0, 1.0, (0.0, 0.0), "", "augment."),
        sample_rate=_sample_rate(where, doc.get("sample_rate", 48000)),
        format=fmt,
        sample_format=sample_format,
        mix=r.flag(out, "mix", True, "outputs."),
        stems=stems,
        labels=r.flag(out, "labels", True, "outputs."),
        midi=r.flag(out, "midi", True, "outputs."),
        splits=_splits(r, doc),
        text=text,
        path=str(Path(path).resolve()) if path is not None else "",
    )
    if not (spec.mix or spec.stems or spec.labels or spec.midi):
        raise SpecError(f"{where}: field 'outputs': every output is off; nothing to write")
    return spec


def _sample_rate(where: str, value) -> int:
    return checks.sample_rate(value, error=lambda msg: SpecError(f"{where}: field 'sample_rate': {msg.split(': ', 1)[1]}"))


class _Reader:
    """Typed field access that names the file and the field in every error."""

    def __init__(self, where: str):
        self.where = where

    def fail(self, field: str, message: str) -> SpecError:
        return SpecError(f"{self.where}: field '{field}': {message}")

    def keys(self, table: dict, known: set[str], prefix: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"; did you mean '{prefix}{close[0]}'?" if close else f"; known: {', '.join(sorted(known))}"
                raise SpecError(f"{self.where}: unknown field '{prefix}{key}'{hint}")

    def table(self, doc: dict, key: str, required: bool = False) -> dict:
        value = doc.get(key)
        if value is None:
            if required:
                raise SpecError(f"{self.where}: no [{key}] table; the spec must say which patterns to use")
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table [{key}], got {value!r}")
        return value

    def text(self, doc: dict, key: str, default: str) -> str:
        value = doc.get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {value!r}")
        return value

    def flag(self, doc: dict, key: str, default: bool, prefix: str = "") -> bool:
        value = doc.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(prefix + key, f"expected true or false, got {value!r}")
        return value

    def choice(self, doc: dict, key: str, choices: tuple[str, ...], default: str) -> str:
        value = doc.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value not in choices:
            raise self.fail(key, f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}")
        return value

    def whole(self, doc: dict, key: str, lo: int, hi: int, default, prefix: str = ""):
        if key not in doc:
            return default
        return checks.whole(doc[key], "", lo, hi, error=lambda m: self.fail(prefix + key, m))

    def number(self, doc: dict, key: str, lo: float, hi: float, default, prefix: str = "") -> float:
        if key not in doc:
            return default
        return checks.number(doc[key], "", lo, hi, f"a number in {lo:g}..{hi:g}", strings=False,
                             error=lambda m: self.fail(prefix + key, m))

    def range(self, doc: dict, key: str, lo: float, hi: float, default, unit: str, prefix: str = "",
              whole: bool = False):
        """A number (a fixed value) or ``[low, high]`` (drawn per item), inside ``lo..hi``."""
        if key not in doc:
            return default
        value = doc[key]
        field = prefix + key
        what = f"{'a whole number' if whole else 'a number'} in {lo:g}..{hi:g}{' ' + unit if unit else ''}"
        if isinstance(value, list):
            if len(value) != 2:
                raise self.fail(field, f"expected [low, high], got {value!r}")
            pair = value
        else:
            pair = [value, value]
        out = []
        for v in pair:
            if whole:
                out.append(checks.whole(v, "", int(lo), int(hi), what, error=lambda m: self.fail(field, m)))
            else:
                out.append(checks.number(v, "", lo, hi, what, strings=False, error=lambda m: self.fail(field, m)))
        if out[0] > out[1]:
            raise self.fail(field, f"range [{value[0]}, {value[1]}] is upside down; expected [low, high] with low <= high")
        return tuple(out)

    def names(self, doc: dict, key: str, prefix: str) -> list[str]:
        value = doc.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(prefix + key, f"expected a list of names, got {value!r}")
        return [v.strip().strip("/") if prefix == "patterns." and key != "files" else v for v in value]


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def _select_patterns(r: _Reader, table: dict, base: Path) -> tuple[Pattern, ...]:
    ids = library.pattern_ids()
    chosen: dict[str, Pattern] = {}
    known_genres = library.genres()
    for genre in r.names(table, "genres", "patterns."):
        if genre not in known_genres:
            raise UnknownNameError("genre", genre, known_genres, hint=f"{r.where}: field 'patterns.genres'")
        for p in library.search(genre=genre):
            chosen.setdefault(p.id, p)
    for ref in r.names(table, "ids", "patterns."):
        if _is_glob(ref):
            found = fnmatch.filter(ids, ref)
            if not found:
                raise SpecError(f"{r.where}: field 'patterns.ids': '{ref}' matches no pattern (see `groovebox list`)")
            for pid in found:
                chosen.setdefault(pid, library.load(pid))
        else:
            if ref not in ids:
                raise UnknownNameError("pattern", ref, ids, hint=f"{r.where}: field 'patterns.ids'")
            chosen.setdefault(ref, library.load(ref))
    for i, ref in enumerate(r.names(table, "files", "patterns.")):
        file = (base / Path(ref).expanduser()).resolve()
        if not file.is_file():
            raise SpecError(f"{r.where}: field 'patterns.files[{i}]': no such file {file}")
        p = library.load(file)
        key = p.id or f"file/{file.stem}"
        chosen.setdefault(key, p if p.id else p.replace(id=key))
    if not (table.get("genres") or table.get("ids") or table.get("files")):
        raise SpecError(f"{r.where}: field 'patterns': say which patterns: genres, ids (or globs) or files")
    for ref in r.names(table, "exclude", "patterns."):
        hit = [k for k in chosen if fnmatch.fnmatchcase(k, ref)]
        if not hit and not _is_glob(ref) and ref not in ids:
            raise UnknownNameError("pattern to exclude", ref, ids, hint=f"{r.where}: field 'patterns.exclude'")
        for k in hit:
            del chosen[k]
    if not chosen:
        raise SpecError(f"{r.where}: field 'patterns': the selection is empty (every pattern was excluded)")
    return tuple(chosen[k] for k in sorted(chosen))


def _kits(r: _Reader, doc: dict, base: Path) -> tuple[KitSpec, ...]:
    value = doc.get("kits")
    if value is None:
        return (KitSpec("808", "808"),)
    if not isinstance(value, list) or not value or not all(isinstance(k, dict) for k in value):
        raise SpecError(f"{r.where}: field 'kits': expected one or more [[kits]] tables")
    out = []
    for i, table in enumerate(value):
        prefix = f"kits[{i}]."
        r.keys(table, _KIT, prefix)
        ref = table.get("kit")
        if not isinstance(ref, str) or not ref.strip():
            raise r.fail(prefix + "kit", f"expected a kit name ({', '.join(BUILTIN_KITS)}) or a sample-kit folder, got {ref!r}")
        if ref in BUILTIN_KITS:
            label = ref
        elif is_kit_path(ref) or "." in ref:
            try:
                kit_path = (base / Path(ref).expanduser()).resolve()
                found, is_file = kit_path.exists(), kit_path.is_file()
            except (OSError, RuntimeError) as exc:  # a name too long for the file system, a link loop
                raise r.fail(prefix + "kit", f"cannot look up sample kit {checks.shown(ref)} "
                             f"({getattr(exc, 'strerror', None) or type(exc).__name__})") from None
            if not found:
                raise r.fail(prefix + "kit", f"no such sample kit folder or Hydrogen drumkit {kit_path}")
            ref, label = str(kit_path), kit_path.stem if is_file else kit_path.name
            if kit_path.name == "drumkit.xml":
                label = kit_path.parent.name
        else:
            raise UnknownNameError("kit", ref, BUILTIN_KITS, hint=f"{r.where}: field '{prefix}kit'")
        lo_t, hi_t = TUNE_RANGE_SEMITONES
        out.append(KitSpec(
            ref=ref, label=label,
            weight=r.number(table, "weight", 0.0, 1e6, 1.0, prefix),
            tune=r.range(table, "tune", lo_t, hi_t, (0.0, 0.0), "semitones", prefix),
            decay=r.range(table, "decay", 0.05, DECAY_MAX, (1.0, 1.0), "times the voice's decay", prefix),
            variants=r.whole(table, "variants", 1, MAX_KIT_VARIANTS, 1, prefix),
        ))  # fmt: skip
        if out[-1].is_sample_kit and out[-1].decay[1] > 1.0:
            raise r.fail(prefix + "decay", f"a sample kit can only be shortened: expected at most 1, got {out[-1].decay[1]:g}")
    if not any(k.weight > 0 for k in out):
        raise SpecError(f"{r.where}: field 'kits': every kit has weight 0")
    return tuple(out)


def _splits(r: _Reader, doc: dict) -> tuple[float, float, float]:
    table = r.table(doc, "splits")
    r.keys(table, set(SPLITS), "splits.")
    if not table:
        return (0.8, 0.1, 0.1)
    values = tuple(r.number(table, s, 0.0, 1.0, 0.0, "splits.") for s in SPLITS)
    if not math.isclose(sum(values), 1.0, abs_tol=1e-6):
        raise SpecError(f"{r.where}: field 'splits': ratios add up to {sum(values):g}; expected 1")
    return values
