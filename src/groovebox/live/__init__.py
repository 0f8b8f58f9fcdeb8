"""Live playback: hear a pattern the moment you ask, and change it while it plays.

:func:`play` starts a :class:`Player` (:mod:`groovebox.live.player`); a looping pattern's live
state is a :class:`~groovebox.live.patterns.PatternSession`, and a recording player keeps its
changes in a :class:`~groovebox.live.recorder.Recorder`.
"""

from groovebox.live.player import Player, current, play, stop

__all__ = ["Player", "current", "play", "stop"]
