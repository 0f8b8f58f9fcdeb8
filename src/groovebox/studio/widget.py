"""``gb.grid(pattern)``: the studio's step grid as a Jupyter widget (anywidget).

The widget is two-way synced with a :class:`~groovebox.model.pattern.Pattern`: a click in the
grid applies the same edit the studio applies (:mod:`groovebox.studio.edits`) and the widget's
``pattern`` becomes the new value; setting ``pattern`` from Python redraws the grid. Patterns
are immutable, so "the Python pattern changes" means ``widget.pattern`` is the new value, and
:meth:`GridWidget.on_change` calls you with each one. The play button renders with ``gb.render``
in the kernel and plays the result inline (Web Audio in the notebook page).

>>> import groovebox as gb
>>> w = gb.grid(gb.Pattern.from_grid({"kick": "x... x...", "snare": ".... x..."}))
>>> w.edit({"op": "cell", "track": "snare", "step": 6, "state": "ghost"}).track("snare").grid
'....x.o.'
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from groovebox import library
from groovebox.errors import GrooveboxError
from groovebox.model.pattern import Pattern
from groovebox.studio import edits
from groovebox.studio.edits import StudioError

__all__ = ["grid", "widget_esm"]

STATIC = Path(__file__).resolve().parent / "static"
MAX_PLAY_BARS = 64
_GridWidget = None


def widget_esm() -> str:
    """The widget's front-end module: the studio's grid (``static/grid.js``) and its glue."""
    return (STATIC / "grid.js").read_text(encoding="utf-8") + "\n" + (STATIC / "widget.js").read_text(encoding="utf-8")


def _widget_class():
    """The widget class, made on first use: anywidget and traitlets are the optional extra
    ``groovebox[studio]`` and load only when a grid is shown."""
    global _GridWidget
    if _GridWidget is not None:
        return _GridWidget
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise GrooveboxError("gb.grid needs anywidget: pip install 'groovebox[studio]'") from None

    class GridWidget(anywidget.AnyWidget):
        """The step grid of one pattern (see the module docstring)."""

        _esm = widget_esm()
        _css = (STATIC / "grid.css").read_text(encoding="utf-8")
        view = traitlets.Dict().tag(sync=True)  # edits.pattern_view of the pattern
        mute = traitlets.List(traitlets.Unicode()).tag(sync=True)
        solo = traitlets.List(traitlets.Unicode()).tag(sync=True)
        error = traitlets.Unicode("").tag(sync=True)  # the last edit's error, shown under the grid
        bars = traitlets.Int(4).tag(sync=True)  # bars the play button renders
        kit = traitlets.Unicode("").tag(sync=True)

        def __init__(self, pattern: Pattern, **kwargs):
            super().__init__(**kwargs)
            self._pattern = pattern
            self._listeners: list[Callable[[Pattern], None]] = []
            self.view = edits.pattern_view(pattern)
            self.on_msg(self._on_front_end)

        # -- the pattern --------------------------------------------------------------------------
        @property
        def pattern(self) -> Pattern:
            """The pattern as the grid shows it now."""
            return self._pattern

        @pattern.setter
        def pattern(self, value: Pattern) -> None:
            if not isinstance(value, Pattern):
                raise GrooveboxError(f"grid: expected a Pattern, got {type(value).__name__}")
            old, self._pattern = self._pattern, value
            self.mute = [n for n in self.mute if n in value.instruments]
            self.solo = [n for n in self.solo if n in value.instruments]
            self.view = edits.pattern_view(value)
            if value != old:
                for listener in list(self._listeners):
                    listener(value)

        def on_change(self, callback: Callable[[Pattern], None]) -> None:
            """Call ``callback(pattern)`` whenever the pattern changes (a click, or Python)."""
            self._listeners.append(callback)

        def edit(self, msg: dict) -> Pattern:
            """Apply one grid message (what a click sends), as the studio does."""
            self.pattern = edits.apply(self._pattern, msg)
            return self._pattern

        # -- messages from the front-end ------------------------------------------------------------
        def _on_front_end(self, widget, content, buffers) -> None:
            if not isinstance(content, dict):
                return
            try:
                op = content.get("op")
                if op in ("mute", "solo"):
                    name = edits._name(content, "track", self._pattern.instruments)
                    names = set(getattr(self, op))
                    (names.add if content.get("on", name not in names) else names.discard)(name)
                    setattr(self, op, sorted(names))
                elif op == "play":
                    self.play()
                else:
                    self.edit(content)
                self.error = ""
            except GrooveboxError as exc:
                self.error = str(exc)

        def render(self, bars: int | None = None):
            """The pattern through the engine (``gb.render``), with the grid's mutes, solos, kit."""
            from groovebox.offline import render  # numba: loads when something is played

            bars = self.bars if bars is None else bars
            if isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= MAX_PLAY_BARS:
                raise StudioError(f"play: bars: expected 1..{MAX_PLAY_BARS}, got {bars!r}")
            return render(self._pattern, bars=bars, kit=self.kit or None, mute=self.mute or None,
                          solo=self.solo or None)

        def play(self, bars: int | None = None) -> None:
            """Render and send the audio to the notebook page, which plays it."""
            audio = self.render(bars)
            planar = np.ascontiguousarray(audio.samples.T, dtype=np.float32)
            self.send({"type": "audio", "sample_rate": audio.sample_rate, "frames": audio.n_frames,
                       "bpm": self._pattern.bpm, "steps_per_beat": self._pattern.steps_per_beat},
                      buffers=[planar[0].tobytes(), planar[1].tobytes()])

        def __repr__(self) -> str:
            return f"GridWidget({self._pattern!r})"

    _GridWidget = GridWidget
    return GridWidget


def grid(pattern: Pattern | str = None, **kwargs):
    """The step grid of ``pattern`` (a Pattern, a library id or a pattern file) as a Jupyter
    widget, two-way synced with ``widget.pattern``.

    Parameters
    ----------
    pattern : Pattern or str
    **kwargs
        Widget traits: ``bars`` (what the play button renders), ``kit``, ``mute``, ``solo``.

    Raises
    ------
    GrooveboxError
        anywidget is not installed, or the pattern cannot be loaded.
    """
    if pattern is None:
        from groovebox.studio.session import blank_pattern

        pattern = blank_pattern()
    if not isinstance(pattern, Pattern):
        pattern = library.load(pattern)
    return _widget_class()(pattern, **kwargs)
