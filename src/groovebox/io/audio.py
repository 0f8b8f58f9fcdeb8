"""Rendered audio as a value: samples plus sample rate, shown as a player in notebooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from groovebox.io.wav import write_audio


@dataclass(eq=False)
class Audio:
    """Stereo audio in memory.

    Attributes
    ----------
    samples : ndarray float32, shape (n_frames, 2)
    sample_rate : int
        Samples per second.
    """

    samples: np.ndarray
    sample_rate: int
    meta: dict = field(default_factory=dict, repr=False)

    @property
    def n_frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.sample_rate

    @property
    def peak_db(self) -> float:
        """Sample peak in dBFS (-inf for silence)."""
        peak = float(np.max(np.abs(self.samples))) if self.n_frames else 0.0
        return 20.0 * np.log10(peak) if peak > 0 else float("-inf")

    @property
    def rms_db(self) -> float:
        """RMS level over both channels in dBFS (-inf for silence)."""
        if not self.n_frames:
            return float("-inf")
        rms = float(np.sqrt(np.mean(np.square(self.samples, dtype=np.float64))))
        return 20.0 * np.log10(rms) if rms > 0 else float("-inf")

    def save(self, path, subtype: str | None = None) -> Path:
        """Write to ``path`` (format from the suffix: .wav .flac .ogg .aiff; 24-bit by default),
        atomically."""
        return write_audio(path, self.samples, self.sample_rate, subtype)

    def __array__(self, dtype=None, copy=None):
        return self.samples if dtype is None else self.samples.astype(dtype)

    def __len__(self) -> int:
        return self.n_frames

    def __repr__(self) -> str:
        return (f"Audio({self.duration_s:.2f} s, {self.sample_rate} Hz, stereo, "
                f"peak {self.peak_db:.1f} dBFS)")

    def _repr_html_(self) -> str:
        try:
            from IPython.display import (
                Audio as _IPyAudio,  # IPython: ~0.14 s, and only inside a notebook
            )
        except ImportError:  # not in a notebook
            return f"<pre>{self!r}</pre>"
        # IPython normalises by default; keep our levels so quiet things sound quiet.
        player = _IPyAudio(self.samples.T, rate=self.sample_rate, normalize=False)
        return f"<div><pre>{self!r}</pre>{player._repr_html_()}</div>"
