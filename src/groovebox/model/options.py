"""RenderOptions: how to play a source, checked once and passed down whole.

Every way of hearing something (``gb.render``, ``gb.play``, ``gb.events``, MIDI export, the
CLI) takes the same options: length, tempo, kit, swing, seed, humanize, mutes and solos, the
ring-out and the sample rate. They are gathered into one frozen value here, checked when it is
made (one line naming the option and what it takes), and the renderers read its fields instead
of repeating keyword lists.

>>> opts = RenderOptions(bpm="96", mute="kick, snare", seed=7)
>>> opts.bpm, opts.mute, opts.given
(96.0, ('kick', 'snare'), ('bpm', 'seed', 'mute'))
>>> RenderOptions(swing=90)
Traceback (most recent call last):
...
groovebox.errors.GrooveboxValueError: swing: 90 is out of range; expected a percent in 50..75 (50 = straight)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields

from groovebox import checks
from groovebox.errors import GrooveboxTypeError, GrooveboxValueError, UnknownNameError
from groovebox.model.pattern import BPM_RANGE, SWING_RANGE

__all__ = ["MAX_BARS", "MAX_SECONDS", "RenderOptions", "names_of", "split_options"]

MAX_BARS = 100_000
MAX_SECONDS = 24 * 3600.0
HUMANIZE_MS_MAX = 50.0
HUMANIZE_VELOCITY_MAX = 0.5


def names_of(value, option: str) -> tuple[str, ...]:
    """Instrument or track names: one name, a comma/space separated string, or an iterable."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(n for n in value.replace(",", " ").split() if n)
    try:
        names = tuple(value)
    except TypeError:
        raise GrooveboxTypeError(f"{option}: expected instrument names, got {checks.shown(value)}") from None
    for n in names:
        if not isinstance(n, str) or not n:
            raise GrooveboxTypeError(f"{option}: expected instrument names, got {checks.shown(n)} in {checks.shown(value)}")
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class RenderOptions:
    """How to render or play a source. ``None`` means "the source's own".

    Parameters
    ----------
    bars, seconds : float, optional
        Length (one of them). Patterns default to 4 bars (or their own length if longer).
    bpm : float, optional
        Tempo in 20..400 bpm.
    kit : str, PathLike or kit value, optional
        A kit name (``"808"``), a sample-kit folder or Hydrogen drumkit, a ``Kit``.
    swing : float, optional
        MPC-style percent, 50 (straight) .. 75.
    seed : int, optional
        Seeds every random choice; any whole number (big ones are hashed down).
    humanize_ms : float
        Standard deviation of timing offsets, 0..50 ms.
    humanize_velocity : float
        Standard deviation of velocity changes, 0..0.5 (0.1 = 10 %).
    mute, solo : str or iterable of str
        Instruments (tracks) to mute, or to hear alone.
    tail : bool
        Let sounds ring out after the last bar (patterns, arrangements).
    fade_s : float, optional
        Fade-out at the end of a render without a tail (soundscapes), 0..600 s.
    sample_rate : int
        Output rate in Hz, 8000..384000.
    """

    bars: float | None = None
    seconds: float | None = None
    bpm: float | None = None
    kit: object = None
    swing: float | None = None
    seed: int | None = None
    humanize_ms: float = 0.0
    humanize_velocity: float = 0.0
    mute: tuple[str, ...] = ()
    solo: tuple[str, ...] = ()
    tail: bool = True
    fade_s: float | None = None
    sample_rate: int = 48000

    def __post_init__(self) -> None:
        def put(name, value):
            object.__setattr__(self, name, value)

        if self.bars is not None and self.seconds is not None:
            raise GrooveboxValueError("give bars or seconds, not both")
        if self.bars is not None:
            put("bars", checks.positive(self.bars, "bars", MAX_BARS, "bars"))
        if self.seconds is not None:
            put("seconds", checks.positive(self.seconds, "seconds", MAX_SECONDS, "seconds"))
        if self.bpm is not None:
            lo, hi = BPM_RANGE
            put("bpm", checks.number(self.bpm, "bpm", lo, hi, f"a tempo in {lo:g}..{hi:g} bpm"))
        if self.swing is not None:
            lo, hi = SWING_RANGE
            put("swing", checks.number(self.swing, "swing", lo, hi, f"a percent in {lo:g}..{hi:g} (50 = straight)"))
        if self.seed is not None:
            put("seed", checks.seed(self.seed))
        put("humanize_ms", checks.number(self.humanize_ms, "humanize", 0.0, HUMANIZE_MS_MAX,
                                         f"0..{HUMANIZE_MS_MAX:g} ms"))
        put("humanize_velocity", checks.number(self.humanize_velocity, "humanize velocity", 0.0,
                                               HUMANIZE_VELOCITY_MAX, f"0..{HUMANIZE_VELOCITY_MAX:g}"))
        put("mute", names_of(self.mute, "mute"))
        put("solo", names_of(self.solo, "solo"))
        if not isinstance(self.tail, bool):
            raise GrooveboxTypeError(f"tail: expected True or False, got {checks.shown(self.tail)}")
        if self.fade_s is not None:
            put("fade_s", checks.number(self.fade_s, "fade_s", 0.0, 600.0, "0..600 seconds"))
        put("sample_rate", checks.sample_rate(self.sample_rate))
        if self.kit is not None and isinstance(self.kit, str) and (not self.kit.strip() or "\x00" in self.kit):
            raise GrooveboxValueError(f"kit: expected a kit name or a sample-kit folder, got {checks.shown(self.kit)}")
        if isinstance(self.kit, os.PathLike):
            put("kit", os.fspath(self.kit))

    @classmethod
    def of(cls, options: RenderOptions | None = None, **changes) -> RenderOptions:
        """``options`` (or the defaults) with ``changes``; an unknown keyword is one line naming it."""
        known = {f.name for f in fields(cls)}
        for name in changes:
            if name not in known:
                raise UnknownNameError("render option", name, known)
        base = options if options is not None else cls()
        return dataclasses.replace(base, **changes) if changes else base

    @property
    def given(self) -> tuple[str, ...]:
        """Names of the options that differ from their defaults, in field order."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) != f.default)

    def muted(self, name: str) -> bool:
        """True when track ``name`` is silent under these mutes and solos."""
        return name in self.mute or (bool(self.solo) and name not in self.solo)

    def only(self, allowed: tuple[str, ...], what: str) -> None:
        """Refuse options a source cannot use: ``render: unknown option 'bpm' for an arrangement``."""
        for name in self.given:
            if name not in allowed and name != "sample_rate":
                raise GrooveboxTypeError(f"render: unknown option '{name}' for {what} "
                                     f"(it takes {', '.join(a for a in allowed) or 'no options'})")


_OPTION_NAMES = frozenset(f.name for f in fields(RenderOptions))


def split_options(*, minutes: float | None = None, **options) -> tuple[RenderOptions, dict]:
    """Keyword arguments -> checked :class:`RenderOptions` and the rest (options only one kind
    of source takes, such as ``gb.arrange`` keywords for a bare progression). ``minutes`` is
    another way to give ``seconds``; None values mean "not given"."""
    if minutes is not None:
        if options.get("seconds") is not None:
            raise GrooveboxValueError("give seconds or minutes, not both")
        options["seconds"] = checks.positive(minutes, "minutes", MAX_SECONDS / 60.0, "minutes") * 60.0
    known = {k: v for k, v in options.items() if k in _OPTION_NAMES and v is not None}
    extra = {k: v for k, v in options.items() if k not in _OPTION_NAMES}
    return RenderOptions(**known), extra
