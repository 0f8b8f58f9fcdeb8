"""What a player played, kept so it can be rendered again offline, sample for sample.

A :class:`Recorder` keeps the first program and every change a player handed to the audio
thread; :meth:`Recorder.replay` runs a fresh engine through the same changes, each applied at the
output frame where the audio thread applied it, so the result equals what the callback wrote.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from groovebox.io.realtime import Change
from groovebox.renderer.engine import Engine
from groovebox.renderer.program import Program

__all__ = ["Recorder"]


class Recorder:
    """The change history of one player.

    Parameters
    ----------
    first : Program
        The program the player's engine was loaded with.
    new_engine : callable
        Makes an engine like the player's (same rate, voices and tracks).
    """

    def __init__(self, first: Program, new_engine: Callable[[], Engine]):
        self.first = first
        self._new_engine = new_engine
        self.changes: list[Change] = []

    def record(self, change: Change) -> None:
        """Keep ``change`` (control thread)."""
        self.changes.append(change)

    def log(self, applied: dict[int, int]) -> list[tuple[str, int | None]]:
        """(label, output frame where it took effect, or None while pending) of every change."""
        return [(ch.label, applied.get(ch.seq)) for ch in self.changes]

    def replay(self, n_frames: int, applied: dict[int, int]) -> np.ndarray:
        """Render offline exactly what the callback played over ``n_frames`` frames.

        Parameters
        ----------
        n_frames : int
            Frames to render from the start.
        applied : dict
            Change number -> output frame where the audio thread applied it.

        Returns
        -------
        ndarray, float32, shape (n_frames, 2)
        """
        eng = self._new_engine()
        eng.load(self.first)
        eng.reset()  # effects and mixer start over, as the player's did before its first block
        out = np.zeros((n_frames, 2), np.float32)
        pos = 0
        for ch in self.changes:
            at = applied.get(ch.seq)
            if at is None or at >= n_frames:
                break
            if at > pos:
                eng.render_block(at - pos, out[pos:at])
                pos = at
            eng.swap(ch.program, ch.targets, ch.mute)
        if n_frames > pos:
            eng.render_block(n_frames - pos, out[pos:n_frames])
        return out
