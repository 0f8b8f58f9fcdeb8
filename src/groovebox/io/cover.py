"""Album cover art drawn from the music: each track's spectrogram wound into a ring.

The cover is a square PNG (1400 x 1400 by default, what the stores ask for at least). Track 1
is the innermost ring, the last the outermost; going round a ring is going through its track
(from twelve o'clock, clockwise), its radius the frequency (low inside), its colour the
energy in that band at that moment. So a quiet intro is a dark arc, a chorus a bright band, a
beatless track a smooth ring and a track with drums a ring with spokes. The album title and
artist are set below. The palette and where the rings start are chosen by the seed; the rest
comes from the audio, so the same album and seed give the same bytes.

:func:`fingerprint` reduces a track to the small matrix the cover needs (log-spaced bands x
moments), cheap enough to compute beside the render.
"""

from __future__ import annotations

import io
import math

import numpy as np

__all__ = ["COVER_PX", "PALETTES", "cover_png", "fingerprint"]

COVER_PX = 1400
PALETTES = ("magma", "viridis", "plasma", "inferno", "cividis", "twilight_shifted", "cubehelix", "YlGnBu_r")
N_BANDS = 40
N_MOMENTS = 240
FRAME = 2048


def fingerprint(samples: np.ndarray, sample_rate: int, moments: int = N_MOMENTS, bands: int = N_BANDS) -> np.ndarray:
    """A track's energy in ``bands`` log-spaced bands (40 Hz .. 16 kHz, or near Nyquist) at
    ``moments`` evenly spaced moments, in dB: shape (moments, bands), float32.

    Parameters
    ----------
    samples : ndarray, shape (frames, channels) or (frames,)
    sample_rate : int
    """
    x = np.asarray(samples, np.float32)
    mono = x.mean(axis=1) if x.ndim == 2 else x
    n = len(mono)
    top = min(16000.0, 0.45 * sample_rate)
    edges = np.geomspace(40.0, top, bands + 1)
    freqs = np.fft.rfftfreq(FRAME, 1.0 / sample_rate)
    which = np.clip(np.searchsorted(edges, freqs) - 1, -1, bands)
    window = np.hanning(FRAME).astype(np.float32)
    starts = np.linspace(0, max(0, n - FRAME), moments).astype(np.int64)
    frames = np.zeros((moments, FRAME), np.float32)
    for i, s in enumerate(starts):
        seg = mono[s:s + FRAME]
        frames[i, : len(seg)] = seg
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    out = np.zeros((moments, bands))
    for b in range(bands):
        sel = which == b
        if sel.any():
            out[:, b] = power[:, sel].mean(axis=1)
    return (10.0 * np.log10(out + 1e-12)).astype(np.float32)


def cover_png(fingerprints, title: str, artist: str = "", seed: int = 0, size_px: int = COVER_PX) -> bytes:
    """The cover as PNG bytes.

    Parameters
    ----------
    fingerprints : list of ndarray
        One :func:`fingerprint` per track, in track order.
    title, artist : str
        Set in the lower part of the cover.
    seed : int
        Picks the palette and the rings' starting angle.
    size_px : int
        Width and height (at least 1400 for the stores).
    """
    import matplotlib as mpl  # matplotlib: ~0.3 s to import; only the cover needs it
    from matplotlib.figure import Figure

    rng = np.random.default_rng([int(seed), 0x434F5652])  # 'COVR'
    cmap = PALETTES[int(rng.integers(len(PALETTES)))]
    start = float(rng.uniform(0, 2 * math.pi))
    dpi = 100
    fig = Figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi)
    colours = mpl.colormaps[cmap]
    bg = colours(0.02)
    fig.patch.set_facecolor(bg)
    ax = fig.add_axes((0.08, 0.2, 0.84, 0.75), projection="polar")
    ax.set_facecolor(bg)
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    ax.set_axis_off()
    n = max(1, len(fingerprints))
    hole = 0.22
    width = (1.0 - hole) / n
    all_db = np.concatenate([np.asarray(f).ravel() for f in fingerprints]) if fingerprints else np.zeros(1)
    hi = float(np.percentile(all_db, 99.5)) if all_db.size else 0.0
    lo = hi - 60.0
    for i, fp in enumerate(fingerprints):
        fp = np.asarray(fp, np.float64)
        m, b = fp.shape
        theta = start + np.linspace(0, 2 * math.pi * 0.97, m + 1)  # a small gap where the track ends
        r = hole + width * i + np.linspace(0.08 * width, 0.92 * width, b + 1)
        ax.pcolormesh(theta, r, np.clip((fp.T - lo) / (hi - lo), 0, 1), cmap=colours, vmin=0, vmax=1,
                      shading="flat", rasterized=True)
    ax.set_ylim(0, 1.0)
    ink = colours(0.92)
    fig.text(0.5, 0.105, title, ha="center", va="center", color=ink, fontsize=size_px / 22, fontweight="bold",
             family="DejaVu Sans")
    if artist:
        fig.text(0.5, 0.045, artist, ha="center", va="center", color=colours(0.7), fontsize=size_px / 48,
                 family="DejaVu Sans")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=bg, metadata={"Software": None})
    return buf.getvalue()
