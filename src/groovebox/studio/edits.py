"""Grid edits as pure functions: a message from a grid (the studio page, the notebook widget)
and a :class:`~groovebox.model.pattern.Pattern` in, a new Pattern out.

Every edit checks its message first and raises a one-line :class:`StudioError` naming the
field and what was expected, so a malformed message from a browser never changes anything.
The same functions serve the studio server and the Jupyter widget, and the JSON view of a
pattern they share (:func:`pattern_view`) is what both front-ends draw.

>>> from groovebox.model.pattern import Pattern
>>> p = Pattern.from_grid({"kick": "x... ....", "snare": ".... x..."})
>>> apply(p, {"op": "cell", "track": "snare", "step": 7, "state": "ghost"}).track("snare").grid
'....x..o'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from groovebox.errors import GrooveboxError
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.kit import BUILTIN_KITS
from groovebox.model.pattern import (
    BPM_RANGE,
    GAIN_DB_RANGE,
    MAX_RATCHET,
    MAX_STEPS,
    NUDGE_RANGE,
    SWING_RANGE,
    Pattern,
    Step,
    Track,
    parse_signature,
)

__all__ = ["CELL_STATES", "EDIT_OPS", "StudioError", "apply", "pattern_view", "resize", "state_of"]

# Cell states as the grids name them (data-state) and the pattern characters they stand for.
CELL_STATES: dict[str, str] = {"off": ".", "hit": "x", "accent": "X", "ghost": "o"}
STATE_OF_CHAR = {c: s for s, c in CELL_STATES.items()}
MAX_BARS = 32
MAX_TEXT = 200  # characters of a name, genre or description from a grid
LANES = ("chance", "ratchet", "flam", "nudge")


class StudioError(GrooveboxError):
    """A message from a grid cannot be applied (unknown field, value out of range...)."""


def state_of(step: Step) -> str:
    """``off``, ``hit``, ``accent`` or ``ghost``."""
    return STATE_OF_CHAR[step.hit]


# -- checking messages ----------------------------------------------------------------------------
def _get(msg: Mapping, key: str):
    if key not in msg:
        raise StudioError(f"{msg.get('op', 'message')}: missing '{key}'")
    return msg[key]


def _name(msg: Mapping, key: str, known) -> str:
    v = _get(msg, key)
    if not isinstance(v, str):
        raise StudioError(f"{msg['op']}: {key}: expected an instrument name, got {v!r}")
    if v not in known:
        shown = ", ".join(known) if len(known) <= 12 else ", ".join(list(known)[:12]) + ", ..."
        raise StudioError(f"{msg['op']}: unknown {key} '{v[:40]}' (expected one of {shown})")
    return v


def _int(msg: Mapping, key: str, lo: int, hi: int) -> int:
    v = _get(msg, key)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise StudioError(f"{msg['op']}: {key}: expected a whole number {lo}..{hi}, got {v!r}")
    return v


def _float(msg: Mapping, key: str, lo: float, hi: float, unit: str = "") -> float:
    v = _get(msg, key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not lo <= v <= hi:
        raise StudioError(f"{msg['op']}: {key}: expected a number {lo:g}..{hi:g}{unit}, got {v!r}")
    return float(v)


def _text(msg: Mapping, key: str) -> str:
    v = _get(msg, key)
    if not isinstance(v, str) or len(v) > MAX_TEXT or any(c in v for c in "\n\r\0"):
        raise StudioError(f"{msg['op']}: {key}: expected one line of text (at most {MAX_TEXT} characters)")
    return v


def _track_index(pattern: Pattern, msg: Mapping) -> int:
    name = _name(msg, "track", pattern.instruments)
    return pattern.instruments.index(name)


def _with_track(pattern: Pattern, i: int, track: Track) -> Pattern:
    tracks = list(pattern.tracks)
    tracks[i] = track
    return pattern.replace(tracks=tuple(tracks))


def _with_step(pattern: Pattern, msg: Mapping, **changes) -> Pattern:
    i = _track_index(pattern, msg)
    t = pattern.tracks[i]
    k = _int(msg, "step", 0, len(t) - 1)
    steps = list(t.steps)
    steps[k] = dataclasses.replace(steps[k], **changes)
    return _with_track(pattern, i, dataclasses.replace(t, steps=tuple(steps)))


# -- the edits -------------------------------------------------------------------------------------
def _cell(p: Pattern, msg: Mapping) -> Pattern:
    state = _get(msg, "state")
    if state not in CELL_STATES:
        raise StudioError(f"cell: state: expected one of {', '.join(CELL_STATES)}, got {state!r}")
    i = _track_index(p, msg)
    k = _int(msg, "step", 0, len(p.tracks[i]) - 1)
    old = p.tracks[i].steps[k]
    # A new hit starts plain; a hit that changes between hit/accent/ghost keeps its lanes.
    new = Step(CELL_STATES[state]) if not old.is_hit else dataclasses.replace(old, hit=CELL_STATES[state])
    steps = list(p.tracks[i].steps)
    steps[k] = new
    return _with_track(p, i, dataclasses.replace(p.tracks[i], steps=tuple(steps)))


def _lane(p: Pattern, msg: Mapping) -> Pattern:
    lane = _get(msg, "lane")
    if lane not in LANES:
        raise StudioError(f"lane: expected one of {', '.join(LANES)}, got {lane!r}")
    i = _track_index(p, msg)
    k = _int(msg, "step", 0, len(p.tracks[i]) - 1)
    if not p.tracks[i].steps[k].is_hit:
        raise StudioError(f"lane: step {k + 1} of {p.tracks[i].instrument} is a rest; set a hit first")
    if lane == "chance":
        v = _float(msg, "value", 1.0, 100.0, " %")
        return _with_step(p, msg, chance_pct=v)
    if lane == "ratchet":
        return _with_step(p, msg, ratchet=_int(msg, "value", 1, MAX_RATCHET))
    if lane == "flam":
        v = _get(msg, "value")
        if not isinstance(v, bool):
            raise StudioError(f"lane: flam: expected true or false, got {v!r}")
        return _with_step(p, msg, flam=v)
    return _with_step(p, msg, nudge_pct=_float(msg, "value", *NUDGE_RANGE, " % of a step"))


def _track(p: Pattern, msg: Mapping) -> Pattern:
    i = _track_index(p, msg)
    t = p.tracks[i]
    changes = {}
    if "gain_db" in msg:
        changes["gain_db"] = _float(msg, "gain_db", *GAIN_DB_RANGE, " dB")
    if "pan" in msg:
        changes["pan"] = _float(msg, "pan", -1.0, 1.0)
    if not changes:
        raise StudioError("track: expected gain_db or pan")
    return _with_track(p, i, dataclasses.replace(t, **changes))


def _add_track(p: Pattern, msg: Mapping) -> Pattern:
    free = [n for n in INSTRUMENTS if n not in p.instruments]
    name = _get(msg, "instrument")
    if name in p.instruments:
        raise StudioError(f"add_track: '{name}' already has a track")
    name = _name(msg, "instrument", free)
    return p.replace(tracks=(*p.tracks, Track(name, (Step(),) * p.length_steps)))


def _remove_track(p: Pattern, msg: Mapping) -> Pattern:
    i = _track_index(p, msg)
    if len(p.tracks) == 1:
        raise StudioError("remove_track: a pattern needs at least one track")
    return p.replace(tracks=p.tracks[:i] + p.tracks[i + 1:])


def resize(p: Pattern, *, bars: int | None = None, steps_per_beat: int | None = None) -> Pattern:
    """Every track made ``bars`` bars long at ``steps_per_beat`` steps per beat.

    A change of resolution keeps each hit at its time where the new grid has a step there
    (16ths -> 8ths drops the off-16ths; 8ths -> 16ths spreads them out). A track is cut or
    filled with rests to the new length (polymeter tracks keep their own length when only the
    resolution changes).
    """
    spb_old = p.steps_per_beat
    spb = spb_old if steps_per_beat is None else steps_per_beat
    tracks = []
    for t in p.tracks:
        if spb != spb_old:
            n = max(1, len(t) * spb // spb_old)
            steps = [Step()] * n
            for k, s in enumerate(t.steps):
                j, r = divmod(k * spb, spb_old)
                if s.is_hit and r == 0 and j < n and not steps[j].is_hit:
                    steps[j] = s
        else:
            steps = list(t.steps)
        if bars is not None:
            n = bars * p.beats_per_bar * spb
            steps = (steps + [Step()] * n)[:n]
        if len(steps) > MAX_STEPS:
            raise StudioError(f"resize: {len(steps)} steps; at most {MAX_STEPS} per track")
        tracks.append(dataclasses.replace(t, steps=tuple(steps)))
    return p.replace(tracks=tuple(tracks), steps_per_beat=spb)


def _resize(p: Pattern, msg: Mapping) -> Pattern:
    bars = _int(msg, "bars", 1, MAX_BARS) if "bars" in msg else None
    spb = _int(msg, "steps_per_beat", 1, 8) if "steps_per_beat" in msg else None
    if bars is None and spb is None:
        raise StudioError("resize: expected bars or steps_per_beat")
    return resize(p, bars=bars, steps_per_beat=spb)


def _header(p: Pattern, msg: Mapping) -> Pattern:
    changes = {}
    if "bpm" in msg:
        changes["bpm"] = _float(msg, "bpm", *BPM_RANGE, " bpm")
    if "swing" in msg:
        changes["swing"] = _float(msg, "swing", *SWING_RANGE, " %")
    for key in ("name", "genre", "description"):
        if key in msg:
            changes[key] = _text(msg, key)
    if "name" in changes and not changes["name"].strip():
        raise StudioError("header: name: expected a name")
    if "kit" in msg:
        kit = msg["kit"]
        if kit is not None and kit not in BUILTIN_KITS:
            raise StudioError(f"header: kit: expected one of {', '.join(BUILTIN_KITS)}, got {kit!r}")
        changes["kit"] = kit
    if "signature" in msg:
        sig = _get(msg, "signature")
        try:
            changes["signature"] = parse_signature(sig)
        except GrooveboxError as exc:
            raise StudioError(f"header: signature: {getattr(exc, 'message', exc)}") from None
    if not changes:
        raise StudioError("header: nothing to change (bpm, swing, name, genre, description, kit, signature)")
    return p.replace(**changes)


EDIT_OPS = {
    "cell": _cell,
    "lane": _lane,
    "track": _track,
    "add_track": _add_track,
    "remove_track": _remove_track,
    "resize": _resize,
    "header": _header,
}


def apply(pattern: Pattern, msg: object) -> Pattern:
    """The pattern after the edit ``msg`` (a dict with ``op`` and its fields).

    Raises
    ------
    StudioError
        A malformed message, an unknown instrument, a step out of range, a value out of bounds.
    """
    if not isinstance(msg, Mapping):
        raise StudioError(f"expected a message object, got {type(msg).__name__}")
    op = msg.get("op")
    if op not in EDIT_OPS:
        raise StudioError(f"unknown edit {str(op)[:40]!r}; expected one of {', '.join(EDIT_OPS)}")
    try:
        return EDIT_OPS[op](pattern, msg)
    except StudioError:
        raise
    except GrooveboxError as exc:  # the model's own checks (one line already)
        raise StudioError(f"{op}: {exc}") from None


# -- the view both grids draw ---------------------------------------------------------------------
def pattern_view(p: Pattern) -> dict:
    """The JSON-ready view of ``p`` that the studio page and the widget draw."""
    return {
        "name": p.name,
        "genre": p.genre,
        "description": p.description,
        "bpm": p.bpm,
        "swing": p.swing,
        "signature": f"{p.signature[0]}/{p.signature[1]}",
        "steps_per_beat": p.steps_per_beat,
        "steps_per_bar": p.steps_per_bar,
        "beats_per_bar": p.beats_per_bar,
        "length_steps": p.length_steps,
        "bars": p.length_steps / p.steps_per_bar,
        "kit": p.kit,
        "id": p.id,
        "tracks": [
            {
                "instrument": t.instrument,
                "grid": t.grid,
                "gain_db": t.gain_db,
                "pan": t.pan,
                "chance": [s.chance_pct for s in t.steps],
                "ratchet": [s.ratchet for s in t.steps],
                "flam": [s.flam for s in t.steps],
                "nudge": [s.nudge_pct for s in t.steps],
            }
            for t in p.tracks
        ],
    }

