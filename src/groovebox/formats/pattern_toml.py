"""Pattern files: TOML in, TOML out, errors with file, line, column and field.

tomllib parses; this module checks the parsed values against the format of patterns/README.md
and, when something is wrong, finds where in the text the offending field is so the message
can point at it. :func:`dumps` writes the canonical form, and ``loads(dumps(p)) == p``.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from groovebox.errors import PatternError
from groovebox.formats.atomic import write_atomic
from groovebox.model.pattern import GridError, Pattern, Track, parse_signature

REQUIRED = ("name", "genre", "bpm", "signature", "steps_per_beat", "swing", "description")
OPTIONAL = ("tags", "kit", "variation_of", "record", "source")
TRACK_KEYS = ("grid", "chance", "ratchet", "flam", "nudge", "gain_db", "pan")

_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_KEY_LINE = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*""")
_TABLE_LINE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _split_key(key: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", key)]


def _locate(text: str) -> dict[str, tuple[int, int]]:
    """Map dotted field names to the (line, column) where their value starts (both 1-based).

    Table headers map to their own line. Lines inside multi-line strings are skipped.
    """
    where: dict[str, tuple[int, int]] = {}
    table: list[str] = []
    in_multiline = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        m = _TABLE_LINE.match(line)
        if m:
            table = _split_key(m.group(1))
            where[".".join(table)] = (lineno, line.index("[") + 1)
            continue
        m = _KEY_LINE.match(line)
        if m:
            key = ".".join(table + _split_key(m.group(1)))
            where[key] = (lineno, m.end() + 1)
            rest = line[m.end():]
            for quote in ('"""', "'''"):
                if rest.startswith(quote) and rest.count(quote) == 1:
                    in_multiline = quote
            # inline tables: nudge = { 5 = -6 }
            if rest.startswith("{"):
                for km in re.finditer(r"""([A-Za-z0-9_-]+|"[^"]*")\s*=""", rest):
                    where[f"{key}.{km.group(1).strip(chr(34))}"] = (lineno, m.end() + km.start() + 1)
    return where


class _Located:
    """Raises PatternErrors that carry the file and the position of their field."""

    def __init__(self, text: str, path: str | None):
        self.path = path
        self.where = _locate(text)

    def position(self, field: str | None) -> tuple[int | None, int | None]:
        if not field:
            return None, None
        parts = field.split(".")
        while parts:
            pos = self.where.get(".".join(parts))
            if pos:
                return pos
            parts.pop()
        return 1, 1

    def error(self, message: str, field: str | None, offset: int | None = None) -> PatternError:
        line, col = self.position(field)
        if offset is not None and col is not None:
            col += 1 + offset  # past the opening quote
        return PatternError(message, path=self.path, line=line, column=col, field=field)

    def wrap(self, err: PatternError) -> PatternError:
        offset = err.offset if isinstance(err, GridError) else None
        return self.error(err.message, err.field, offset)


def loads(text: str, path: str | Path | None = None, pattern_id: str | None = None) -> Pattern:
    """Parse pattern TOML text.

    Parameters
    ----------
    text : str
        The file's contents.
    path : str or Path, optional
        Where it came from, for error messages.
    pattern_id : str, optional
        Library id (``genre/slug``) to attach to the pattern.

    Raises
    ------
    PatternError
        With file, line, column and field of the first problem.
    """
    path_s = None if path is None else str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        msg = _TOML_POS.sub("", msg).strip()
        raise PatternError(f"not valid TOML: {msg}", path=path_s, line=line, column=col) from None
    loc = _Located(text, path_s)
    try:
        return _from_data(data, loc, path_s, pattern_id)
    except PatternError as err:
        if err.path is not None:
            raise
        raise loc.wrap(err) from None


def _from_data(data: dict, loc: _Located, path: str | None, pattern_id: str | None) -> Pattern:
    known = set(REQUIRED) | set(OPTIONAL) | {"tracks"}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of {', '.join(sorted(known))}"
            raise loc.error(f"unknown field '{key}'{hint}", key)
    for key in REQUIRED:
        if key not in data:
            raise PatternError(f"missing required field '{key}'", path=path, line=1, column=1, field=key)
    for key in ("name", "genre", "description"):
        if not isinstance(data[key], str):
            raise loc.error(f"expected a string, got {type(data[key]).__name__}", key)
    if not data["description"].strip():
        raise loc.error("empty description: say the era, the feel and what to listen for", "description")
    if "tags" in data and not (isinstance(data["tags"], list) and all(isinstance(t, str) for t in data["tags"])):
        raise loc.error("expected an array of strings", "tags")
    if "tracks" not in data:
        raise PatternError("missing [tracks] table", path=path, line=1, column=1, field="tracks")
    tracks_data = data["tracks"]
    if not isinstance(tracks_data, Mapping) or not tracks_data:
        raise loc.error("[tracks] has no tracks; add lines like kick = \"x... x...\"", "tracks")
    # Header values first so their messages win over track messages.
    parse_signature(data["signature"])
    tracks = []
    for instrument, value in tracks_data.items():
        tracks.append(_track(instrument, value))
    return Pattern(
        name=data["name"],
        genre=data["genre"],
        bpm=data["bpm"],
        signature=data["signature"],
        steps_per_beat=data["steps_per_beat"],
        swing=data["swing"],
        description=data["description"].strip(),
        tags=tuple(data.get("tags", ())),
        kit=data.get("kit"),
        variation_of=data.get("variation_of"),
        record=data.get("record"),
        source=data.get("source"),
        tracks=tuple(tracks),
        id=pattern_id,
        path=path,
    )


def _track(instrument: str, value: object) -> Track:
    field = f"tracks.{instrument}"
    if isinstance(value, str):
        return Track.from_grid(instrument, value)
    if not isinstance(value, Mapping):
        raise PatternError(f"expected a grid string or a table with 'grid', got {type(value).__name__}", field=field)
    for key in value:
        if key not in TRACK_KEYS:
            raise PatternError(f"unknown key '{key}'; expected {', '.join(TRACK_KEYS)}", field=f"{field}.{key}")
    if "grid" not in value:
        raise PatternError("missing 'grid'", field=field)
    return Track.from_grid(
        instrument,
        value["grid"],
        chance=value.get("chance"),
        ratchet=value.get("ratchet"),
        flam=value.get("flam"),
        nudge=value.get("nudge"),
        gain_db=value.get("gain_db", 0.0),
        pan=value.get("pan"),  # absent: the kit's placement
    )


def load(path: str | Path, pattern_id: str | None = None) -> Pattern:
    """Read a pattern file (see :func:`loads`)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PatternError(f"cannot read: {exc.strerror or exc}", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PatternError("not UTF-8 text", path=path, line=line) from None
    return loads(text, path, pattern_id)


# ---------------------------------------------------------------------------------------------
# Writing


def _str(value: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def _num(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _grouped(chars: str, group: int) -> str:
    return " ".join(chars[i : i + group] for i in range(0, len(chars), group))


def _lane_text(track: Track, group: int, attr: str) -> str | None:
    hits = [s for s in track.steps if s.is_hit]
    default = {"chance_pct": 100.0, "ratchet": 1, "flam": False}[attr]
    if all(getattr(s, attr) == default for s in hits):
        return None
    values = [getattr(s, attr) for s in track.steps]
    if attr == "chance_pct" and all(v == 100.0 or (v % 10 == 0 and 10 <= v <= 90) for v in values):
        chars = "".join("." if v == 100.0 else str(int(v) // 10) for v in values)
        return _str(_grouped(chars, group))
    if attr == "ratchet" and all(v <= 9 for v in values):
        return _str(_grouped("".join("." if v == 1 else str(v) for v in values), group))
    if attr == "flam":
        return _str(_grouped("".join("f" if v else "." for v in values), group))
    entries = [f"{i + 1} = {_num(getattr(s, attr))}" for i, s in enumerate(track.steps)
               if s.is_hit and getattr(s, attr) != default]
    return "{ " + ", ".join(entries) + " }"


def _nudge_text(track: Track) -> str | None:
    hits = [s for s in track.steps if s.is_hit]
    if all(s.nudge_pct == 0.0 for s in hits):
        return None
    if len(hits) == len(track.steps) and len({s.nudge_pct for s in hits}) == 1:
        return _num(hits[0].nudge_pct)
    entries = [f"{i + 1} = {_num(s.nudge_pct)}" for i, s in enumerate(track.steps)
               if s.is_hit and s.nudge_pct != 0.0]
    return "{ " + ", ".join(entries) + " }"


def dumps(pattern: Pattern) -> str:
    """The canonical TOML text of ``pattern``: ``loads(dumps(p)) == p``."""
    out = [
        f"name = {_str(pattern.name)}",
        f"genre = {_str(pattern.genre)}",
        f"bpm = {_num(pattern.bpm)}",
        f'signature = "{pattern.signature[0]}/{pattern.signature[1]}"',
        f"steps_per_beat = {pattern.steps_per_beat}",
        f"swing = {_num(pattern.swing)}",
        f"description = {_str(pattern.description)}",
    ]
    if pattern.tags:
        out.append("tags = [" + ", ".join(_str(t) for t in pattern.tags) + "]")
    if pattern.kit is not None:
        out.append(f"kit = {_str(pattern.kit)}")
    if pattern.variation_of is not None:
        out.append(f"variation_of = {_str(pattern.variation_of)}")
    if pattern.record is not None:
        out.append(f"record = {_str(pattern.record)}")
    if pattern.source is not None:
        out.append(f"source = {_str(pattern.source)}")
    group = pattern.steps_per_beat
    # Short form (`kick = "x..."`) for plain tracks up to the first track that needs the long
    # form; TOML puts [tracks.x] sub-tables after the short keys, so every later track goes long
    # too, which keeps the track order through a round trip.
    plain = [not t.has_lanes and t.gain_db == 0.0 and t.pan is None for t in pattern.tracks]
    n_short = plain.index(False) if False in plain else len(plain)
    short, long = pattern.tracks[:n_short], pattern.tracks[n_short:]
    width = max((len(t.instrument) for t in short), default=0)
    out += ["", "[tracks]"]
    out += [f"{t.instrument.ljust(width)} = {_str(_grouped(t.grid, group))}" for t in short]
    for t in long:
        out += ["", f"[tracks.{t.instrument}]", f"grid = {_str(_grouped(t.grid, group))}"]
        for attr, key in (("chance_pct", "chance"), ("ratchet", "ratchet"), ("flam", "flam")):
            lane = _lane_text(t, group, attr)
            if lane is not None:
                out.append(f"{key} = {lane}")
        nudge = _nudge_text(t)
        if nudge is not None:
            out.append(f"nudge = {nudge}")
        if t.gain_db != 0.0:
            out.append(f"gain_db = {_num(t.gain_db)}")
        if t.pan is not None:
            out.append(f"pan = {_num(t.pan)}")
    return "\n".join(out) + "\n"


def dump(pattern: Pattern, path: str | Path) -> Path:
    """Write ``pattern`` to ``path`` atomically (temp file + rename); missing folders are made."""
    return write_atomic(path, dumps(pattern), error=PatternError)
