"""Song maps: TOML in, TOML out; errors name the file, line and field (with close matches).

The format is documented in ``songs/README.md``. :func:`load` / :func:`loads` read a map into
a :class:`~groovebox.model.song.Song`; :func:`dumps` / :func:`save` write one back (reading
what was written gives the same song).

>>> s = loads('''
... title = "Velvet Heron"
... key = "A minor"
... bpm = 90
... [harmony]
... A = "i VI III VII"
... [parts.keys]
... kind = "chords"
... [[sections]]
... name = "verse"
... bars = 8
... parts = ["keys"]
... ''')
>>> s.title, s.bars, s.part("keys").fields["instrument"]
('Velvet Heron', 8, 'keys')
>>> loads(dumps(s)) == s
True
"""

from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path

from groovebox.formats import tomltext
from groovebox.formats.atomic import write_atomic
from groovebox.formats.files import read_regular
from groovebox.formats.hydrogen import KIT_NAME_ONLY, is_drumkit_name
from groovebox.model.effect import EFFECT_NAMES, Effect
from groovebox.model.frozen import FrozenMap
from groovebox.model.song import (
    DEFAULT_GAIN_DB,
    EQ,
    PART_FIELDS,
    Automation,
    Bus,
    Compressor,
    Group,
    Master,
    Saturation,
    Section,
    Song,
    SongError,
    SongPart,
    Strip,
    Transition,
    unknown,
)

__all__ = ["dumps", "is_song_map", "load", "loads", "save"]

MAX_BYTES = 1 << 20
HEADER = ("title", "artist", "key", "bpm", "time_signature", "themes", "mood", "seed", "bars_per_chord",
          "template", "harmony", "parts", "sections", "automation", "mixer", "master")
STRIP_KEYS = ("gain_db", "pan", "eq", "compressor", "saturation", "sends", "group")
SECTION_KEYS = ("name", "bars", "parts", "vary", "energy", "harmony", "time_signature", "bpm", "transitions")
_KEY_LINE = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*""")
_TABLE_LINE = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_SONG_TABLE = re.compile(rb"^\s*\[\[\s*sections\s*\]\]|^\s*\[\s*parts\s*\.", re.MULTILINE)


def _split_key(key: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", key)]


def field_lines(text: str) -> dict[str, int]:
    """Dotted field -> line (1-based). Arrays of tables count from 1: ``sections.3.bars``."""
    where: dict[str, int] = {}
    table: list[str] = []
    counts: dict[str, int] = {}
    in_multiline = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        m = _TABLE_LINE.match(line)
        if m:
            keys = _split_key(m.group(2))
            if m.group(1) == "[[":
                base = ".".join(keys)
                counts[base] = counts.get(base, 0) + 1
                keys = [*keys, str(counts[base])]
            table = keys
            where.setdefault(".".join(table), lineno)
            continue
        m = _KEY_LINE.match(line)
        if m:
            key = ".".join(table + _split_key(m.group(1)))
            where.setdefault(key, lineno)
            rest = line[m.end():]
            for quote in ('"""', "'''"):
                if rest.startswith(quote) and rest.count(quote) == 1:
                    in_multiline = quote
            if rest.startswith("{"):
                for km in re.finditer(r"""([A-Za-z0-9_-]+|"[^"]*")\s*=""", rest):
                    where.setdefault(f"{key}.{km.group(1).strip(chr(34))}", lineno)
    return where


def _table(v, field: str) -> dict:
    if not isinstance(v, dict):
        raise SongError(f"expected a table, got {v!r}", field=field)
    return v


def _only(d: dict, keys, field: str, what: str) -> None:
    for k in d:
        if k not in keys:
            raise unknown(what, k, keys, f"{field}.{k}" if field else k)


def _eq(v, field: str) -> EQ | None:
    if v is None:
        return None
    d = _table(v, field)
    _only(d, EQ.__dataclass_fields__, field, "eq field")
    try:
        return EQ(**d)
    except SongError as e:
        raise SongError(e.message, field=f"{field}.{(e.field or '').split('.')[-1]}") from None


def _compressor(v, field: str) -> Compressor | None:
    if v is None:
        return None
    d = _table(v, field)
    _only(d, Compressor.__dataclass_fields__, field, "compressor field")
    try:
        return Compressor(**d)
    except SongError as e:
        raise SongError(e.message, field=f"{field}.{(e.field or '').split('.')[-1]}") from None


def _saturation(v, field: str) -> Saturation | None:
    if v is None:
        return None
    d = _table(v, field)
    _only(d, Saturation.__dataclass_fields__, field, "saturation field")
    try:
        return Saturation(**d)
    except SongError as e:
        raise SongError(e.message, field=f"{field}.{(e.field or '').split('.')[-1]}") from None


def _strip(d: dict, field: str, default_gain: float = 0.0) -> Strip:
    sends = d.get("sends", {})
    if not isinstance(sends, dict):
        raise SongError("expected a table of send levels like { reverb = 0.2 }", field=f"{field}.sends")
    try:
        return Strip(gain_db=d.get("gain_db", default_gain), pan=d.get("pan", 0.0), eq=_eq(d.get("eq"), f"{field}.eq"),
                     compressor=_compressor(d.get("compressor"), f"{field}.compressor"),
                     saturation=_saturation(d.get("saturation"), f"{field}.saturation"),
                     sends=FrozenMap(sends), group=d.get("group"))
    except SongError as e:
        f = e.field or ""
        raise SongError(e.message, field=f if f.startswith(field) else f"{field}.{f}") from None


def _part(name: str, d: dict) -> SongPart:
    field = f"parts.{name}"
    d = _table(d, field)
    kind = d.get("kind")
    if kind is None:
        raise SongError("missing 'kind' (drums, chords, pad, bass, arp, lead, loops or texture)", field=field)
    if not isinstance(kind, str) or kind not in PART_FIELDS:
        raise unknown("part kind", str(kind), PART_FIELDS, f"{field}.kind")
    allowed = ("kind", "variations", *STRIP_KEYS, *PART_FIELDS[kind])
    _only(d, allowed, field, f"{kind} part field")
    fields = {k: v for k, v in d.items() if k in PART_FIELDS[kind]}
    variations = _table(d.get("variations", {}), f"{field}.variations")
    for vn, vd in variations.items():
        _table(vd, f"{field}.variations.{vn}")
    for where, table in ((field, fields), *((f"{field}.variations.{vn}", vd) for vn, vd in variations.items())):
        if isinstance(table.get("kit"), str) and not is_drumkit_name(table["kit"]):
            raise SongError(KIT_NAME_ONLY, field=f"{where}.kit")  # never a folder of the reader's
    strip = _strip(d, field, DEFAULT_GAIN_DB[kind])
    return SongPart(name, kind, FrozenMap(fields), FrozenMap(variations), strip)


def _transition(v, field: str) -> Transition:
    if isinstance(v, str):
        return Transition(v)
    d = _table(v, field)
    _only(d, ("kind", "beats", "keep", "parts"), field, "transition field")
    if "kind" not in d:
        raise SongError("missing 'kind' (fill, crash, riser, noise_sweep, reverse_cymbal, filter_sweep, drop)",
                        field=field)
    parts = d.get("parts", ())
    if isinstance(parts, str):
        parts = (parts,)
    return Transition(d["kind"], d.get("beats"), d.get("keep"), tuple(parts))


def _section(i: int, d: dict) -> Section:
    field = f"sections.{i}"
    d = _table(d, field)
    _only(d, SECTION_KEYS, field, "section field")
    for k in ("name", "bars"):
        if k not in d:
            raise SongError(f"missing '{k}'", field=field)
    parts = d.get("parts", [])
    if isinstance(parts, str):
        parts = [parts]
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        raise SongError("expected an array of part names", field=f"{field}.parts")
    vary = _table(d.get("vary", {}), f"{field}.vary")
    trans = d.get("transitions", [])
    if isinstance(trans, str | dict):
        trans = [trans]
    if not isinstance(trans, list):
        raise SongError("expected an array of transitions", field=f"{field}.transitions")
    ts = []
    for _j, t in enumerate(trans, 1):
        try:
            ts.append(_transition(t, f"{field}.transitions"))
        except SongError as e:
            raise SongError(e.message, field=f"{field}.transitions") from None
    try:
        return Section(d["name"], d["bars"], tuple(parts), FrozenMap(vary), d.get("energy", 0.7), d.get("harmony"),
                       d.get("time_signature"), d.get("bpm"), tuple(ts))
    except SongError as e:
        f = e.field or ""
        raise SongError(e.message, field=f if f.startswith(field) else f"{field}.{f.split('.')[-1]}") from None


def _bus(name: str, d: dict) -> Bus:
    field = f"mixer.buses.{name}"
    d = _table(d, field)
    _only(d, ("effects", "gain_db", "pan", "eq"), field, "bus field")
    effects = d.get("effects", [])
    if isinstance(effects, dict):
        effects = [effects]
    out = []
    for _j, e in enumerate(effects, 1):
        e = dict(_table(e, f"{field}.effects"))
        kind = e.pop("kind", None)
        if kind not in EFFECT_NAMES:
            raise unknown("effect", str(kind), EFFECT_NAMES, f"{field}.effects")
        try:
            out.append(Effect(kind, **e))
        except Exception as exc:  # a GrooveboxError naming effect.param
            raise SongError(str(exc), field=f"{field}.effects") from None
    return Bus(name, tuple(out), _strip({k: v for k, v in d.items() if k != "effects"}, field))


def _from_data(data: dict) -> Song:
    _only(data, HEADER, "", "song map field")
    kw = {}
    for k in ("title", "artist", "key", "bpm", "seed", "template"):
        if k in data:
            kw[k] = data[k]
    if "time_signature" in data:
        kw["meter"] = data["time_signature"]
    for k in ("themes", "mood"):
        if k in data:
            v = data[k]
            kw[k] = tuple(v) if isinstance(v, list) else v
    if "bars_per_chord" in data:
        kw["bars_per_chord"] = data["bars_per_chord"]
    if "harmony" in data:
        kw["harmony"] = FrozenMap(_table(data["harmony"], "harmony"))
    parts = _table(data.get("parts", {}), "parts")
    if not parts:
        raise SongError("no parts: add tables like [parts.drums] with kind = \"drums\"", field="parts")
    kw["parts"] = tuple(_part(n, d) for n, d in parts.items())
    sections = data.get("sections", [])
    if not isinstance(sections, list) or not sections:
        raise SongError("no sections: add [[sections]] tables with name, bars and parts", field="sections")
    kw["sections"] = tuple(_section(i, d) for i, d in enumerate(sections, 1))
    autos = data.get("automation", [])
    if not isinstance(autos, list):
        raise SongError("expected [[automation]] tables", field="automation")
    lanes = []
    for i, a in enumerate(autos, 1):
        field = f"automation.{i}"
        a = _table(a, field)
        _only(a, ("target", "points", "curve"), field, "automation field")
        pts = a.get("points", [])
        if not isinstance(pts, list):
            raise SongError("expected an array of [\"bar:beat\", value] pairs", field=f"{field}.points")
        try:
            lanes.append(Automation(a.get("target"), tuple(tuple(p) if isinstance(p, list) else p for p in pts),
                                    a.get("curve", "linear")))
        except SongError as e:
            raise SongError(e.message, field=f"{field}.{e.field or 'points'}") from None
    kw["automation"] = tuple(lanes)
    mixer = _table(data.get("mixer", {}), "mixer")
    _only(mixer, ("groups", "buses"), "mixer", "mixer field")
    groups = []
    for gname, gd in _table(mixer.get("groups", {}), "mixer.groups").items():
        field = f"mixer.groups.{gname}"
        gd = _table(gd, field)
        _only(gd, ("gain_db", "pan", "eq", "compressor", "saturation", "sends"), field, "group field")
        groups.append(Group(gname, _strip(gd, field)))
    kw["groups"] = tuple(groups)
    kw["buses"] = tuple(_bus(n, d) for n, d in _table(mixer.get("buses", {}), "mixer.buses").items())
    if "master" in data:
        md = _table(data["master"], "master")
        _only(md, ("eq", "compressor", "loudness_lufs", "ceiling_dbtp", "loudness"), "master", "master field")
        kw["master"] = Master(_eq(md.get("eq"), "master.eq"), _compressor(md.get("compressor"), "master.compressor"),
                              md.get("loudness_lufs", -14.0), md.get("ceiling_dbtp", -1.0), md.get("loudness", True))
    return Song(**kw)


def loads(text: str, path: str | os.PathLike | None = None) -> Song:
    """Read a song map from TOML text.

    Raises
    ------
    SongError
        One line: ``file:line: field 'sections.2.bars': ...`` for the first problem.
    """
    path_s = None if path is None else str(path)
    # Size and nesting bounded before tomllib parses (formats.tomltext: no RecursionError).
    data = tomltext.loads(text, path_s, lambda line, col, msg: SongError(msg, path=path_s, line=line))
    where = field_lines(text)
    try:
        song = _from_data(data)
    except SongError as err:
        if err.path is not None:
            raise
        line = None
        if err.field:
            parts = err.field.split(".")
            while parts and line is None:
                line = where.get(".".join(parts))
                parts.pop()
        raise SongError(err.message, path=path_s, line=line or (1 if path_s else None), field=err.field) from None
    return song.replace(source=path_s, positions=FrozenMap(where)) if path_s else song


def load(path: str | os.PathLike) -> Song:
    """Read a song map file (at most 1 MiB of UTF-8 TOML)."""
    p = Path(path)
    raw = read_regular(p, MAX_BYTES, "song map", SongError)  # regular files only: never a FIFO
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SongError("not UTF-8 text", path=str(p), line=raw[: exc.start].count(b"\n") + 1) from None
    return loads(text, p)


def is_song_map(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a ``.toml`` file that reads as a song map (it has ``[[sections]]`` or
    ``[parts.NAME]`` tables) rather than a pattern; a broken map still counts, so reading it
    gives the map's own error."""
    p = Path(path)
    if p.suffix.lower() != ".toml" or not p.is_file():
        return False
    try:
        with p.open("rb") as f:
            head = f.read(MAX_BYTES)
    except OSError:
        return False
    return _SONG_TABLE.search(head) is not None


# --- writing -------------------------------------------------------------------------------------------
def toml_value(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, Fraction):
        return toml_value(int(x)) if x.denominator == 1 else toml_value(float(x))
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return repr(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    if isinstance(x, str):
        return '"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(x, dict | FrozenMap):
        return "{ " + ", ".join(f"{_k(k)} = {toml_value(v)}" for k, v in x.items()) + " }" if x else "{}"
    if isinstance(x, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in x) + "]"
    raise TypeError(type(x))


def _k(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_value(k)


def _dc(obj, default) -> dict:
    return {k: getattr(obj, k) for k in obj.__dataclass_fields__ if getattr(obj, k) != getattr(default, k)}


def _strip_lines(strip: Strip, default_gain: float) -> list[str]:
    out = []
    if strip.gain_db != default_gain:
        out.append(f"gain_db = {toml_value(strip.gain_db)}")
    if strip.pan:
        out.append(f"pan = {toml_value(strip.pan)}")
    if strip.group:
        out.append(f"group = {toml_value(strip.group)}")
    if strip.sends:
        out.append(f"sends = {toml_value(strip.sends)}")
    for name, default in (("eq", EQ()), ("compressor", Compressor()), ("saturation", Saturation())):
        v = getattr(strip, name)
        if v is not None:
            out.append(f"{name} = {toml_value(_dc(v, default))}")
    return out


def dumps(song: Song) -> str:
    """The song map as TOML text (what :func:`loads` reads back to an equal Song)."""
    L = []
    for k in ("title", "artist", "key"):
        v = getattr(song, k)
        if v:
            L.append(f"{k} = {toml_value(v)}")
    L.append(f"bpm = {toml_value(song.bpm)}")
    L.append(f"time_signature = \"{song.meter[0]}/{song.meter[1]}\"")
    if song.themes:
        L.append(f"themes = {toml_value(list(song.themes))}")
    if song.mood:
        L.append(f"mood = {toml_value(list(song.mood))}")
    L.append(f"seed = {song.seed}")
    if song.template:
        L.append(f"template = {toml_value(song.template)}")
    if song.bars_per_chord != 1:
        L.append(f"bars_per_chord = {toml_value(song.bars_per_chord)}")
    L += ["", "[harmony]"]
    L += [f"{_k(k)} = {toml_value(v)}" for k, v in song.harmony.items()]
    for p in song.parts:
        L += ["", f"[parts.{p.name}]", f"kind = {toml_value(p.kind)}"]
        for k, (default, _) in PART_FIELDS[p.kind].items():
            v = p.fields.get(k)
            if v is not None and v != default:
                if k == "loops":
                    v = [dict(x) for x in v]
                L.append(f"{k} = {toml_value(v)}")
        L += _strip_lines(p.strip, DEFAULT_GAIN_DB[p.kind])
        for vn, changes in p.variations.items():
            L += ["", f"[parts.{p.name}.variations.{vn}]"]
            L += [f"{k} = {toml_value(v)}" for k, v in changes.items() if v is not None]
    for g in song.groups:
        L += ["", f"[mixer.groups.{g.name}]", *_strip_lines(g.strip, 0.0)]
    for b in song.buses:
        L += ["", f"[mixer.buses.{b.name}]"]
        L.append("effects = [" + ", ".join(toml_value({"kind": e.kind, **dict(e.params)}) for e in b.effects) + "]")
        L += _strip_lines(b.strip, 0.0)
    m = song.master
    if m != Master():
        L += ["", "[master]"]
        if m.eq is not None:
            L.append(f"eq = {toml_value(_dc(m.eq, EQ()))}")
        if m.compressor is not None:
            L.append(f"compressor = {toml_value(_dc(m.compressor, Compressor()))}")
        L += [f"loudness_lufs = {toml_value(m.loudness_lufs)}", f"ceiling_dbtp = {toml_value(m.ceiling_dbtp)}"]
        if not m.loudness:
            L.append("loudness = false")
    for s in song.sections:
        L += ["", "[[sections]]", f"name = {toml_value(s.name)}", f"bars = {s.bars}", f"parts = {toml_value(list(s.parts))}"]
        if s.energy != 0.7:
            L.append(f"energy = {toml_value(s.energy)}")
        if s.harmony:
            L.append(f"harmony = {toml_value(s.harmony)}")
        if s.vary:
            L.append(f"vary = {toml_value(s.vary)}")
        if s.meter:
            L.append(f"time_signature = \"{s.meter[0]}/{s.meter[1]}\"")
        if s.bpm is not None:
            L.append(f"bpm = {toml_value(s.bpm)}")
        if s.transitions:
            items = []
            for t in s.transitions:
                d = {"kind": t.kind}
                if t.beats is not None and t.beats != Transition(t.kind).beats:
                    d["beats"] = t.beats
                if t.keep:
                    d["keep"] = t.keep
                if t.parts:
                    d["parts"] = list(t.parts)
                items.append(toml_value(t.kind) if len(d) == 1 else toml_value(d))
            L.append(f"transitions = [{', '.join(items)}]")
    for a in song.automation:
        L += ["", "[[automation]]", f"target = {toml_value(a.target)}",
              "points = [" + ", ".join(f"[{toml_value(str(p))}, {toml_value(v)}]" for p, v in a.points) + "]"]
        if a.curve != "linear":
            L.append(f"curve = {toml_value(a.curve)}")
    return "\n".join(L) + "\n"


def save(song: Song, path: str | os.PathLike) -> Path:
    """Write ``song`` to ``path`` atomically."""
    return write_atomic(path, dumps(song), error=SongError)
