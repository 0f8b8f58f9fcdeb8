"""One tonal note, rendered by the voice kernels: for notebooks, tests and previews.

The engine plays tonal voices from a preallocated pool; :func:`render_note` runs the same three
kernels (:func:`~groovebox.dsp.tonal.tonal_start`, ``tonal_render``, ``tonal_release``) for a
single note, after checking its patch against :mod:`groovebox.model.patch`.

>>> from groovebox.model.patch import preset
>>> kind, patch = preset("fm_bell")
>>> render_note(kind, patch, 440.0, 0.8, 0.1, sample_rate=24000).shape[1]
2
"""

from __future__ import annotations

import numpy as np

from groovebox.dsp.tonal import (
    CHUNK,
    P_RELEASE_S,
    SCRATCH_SIZE,
    STATE_SIZE,
    tonal_render,
    tonal_start,
)
from groovebox.errors import ParameterError
from groovebox.model.patch import TEXTURES, default_patch, kind_id, validate_patch

__all__ = ["render_note"]


def render_note(
    kind: int | str,
    patch: np.ndarray | None,
    pitch_hz: float,
    velocity: float,
    duration_s: float,
    sample_rate: float = 48000.0,
    seed: int = 0,
    tail_s: float = 0.0,
    block_frames: int | None = None,
) -> np.ndarray:
    """Render one note with the kernels, for tests and notebooks.

    Parameters
    ----------
    kind : int or str
        Voice kind.
    patch : ndarray, shape (PATCH_SIZE,), or None
        Patch row (None: the kind's default).
    pitch_hz : float
        Fundamental in Hz (ignored by textures).
    velocity : float
        0..1.
    duration_s : float
        Time to note-off; the release follows.
    sample_rate : float
        Samples per second.
    seed : int
        Seed for the voice's random choices.
    tail_s : float
        Extra silence after the release.
    block_frames : int, optional
        Render in blocks of this many frames (output is identical for any value).

    Returns
    -------
    ndarray, shape (n, 2), float64
        Stereo audio, n = duration + release + tail (+ one control period), in frames.
    """
    k = kind_id(kind)
    patch = default_patch(k) if patch is None else np.ascontiguousarray(patch, dtype=np.float64)
    validate_patch(patch)
    if not (isinstance(sample_rate, int | float) and 8000 <= sample_rate <= 384000):
        raise ParameterError("sample_rate", sample_rate, "8000 to 384000 Hz")
    if k not in TEXTURES and not (20.0 <= pitch_hz <= 0.45 * sample_rate):
        raise ParameterError("pitch_hz", pitch_hz, f"20 to {0.45 * sample_rate:g} Hz")
    if not 0.0 <= velocity <= 1.0:
        raise ParameterError("velocity", velocity, "0 to 1")
    if not 0.0 <= duration_s <= 3600.0:
        raise ParameterError("duration_s", duration_s, "0 to 3600 s")
    if not 0.0 <= tail_s <= 600.0:
        raise ParameterError("tail_s", tail_s, "0 to 600 s")
    dur_n = int(round(duration_s * sample_rate))
    n = dur_n + int(round(patch[P_RELEASE_S] * sample_rate)) + int(round(tail_s * sample_rate))
    n += CHUNK
    state = np.zeros(STATE_SIZE + SCRATCH_SIZE)  # with the kernels' scratch, as in the engine
    left = np.zeros(n)
    right = np.zeros(n)
    tonal_start(k, state, patch, float(pitch_hz), float(velocity), dur_n, float(sample_rate), seed)
    step = n if block_frames is None else max(1, int(block_frames))
    for a in range(0, n, step):
        if tonal_render(k, state, patch, left, right, a, min(n, a + step), float(sample_rate)) == 0:
            break
    return np.stack([left, right], axis=1)
