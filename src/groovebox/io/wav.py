"""Streaming, atomic audio file writing (WAV, FLAC, OGG, AIFF).

soundfile (libsndfile) writes every format; integer WAV, the common case, goes through the
standard library's ``wave`` module with samples packed by a Numba kernel instead, because
libsndfile's per-sample conversion costs 4-6 ns a sample, more than synthesizing a drum
pattern does (see README, Performance). Both read back identically.

The file is written under a temporary name in the target folder and renamed into place only
when complete, so a failed, interrupted or killed render never leaves a half-written file where
the output should be. ``keep_partial=True`` (long ambient renders) instead finalises what was
rendered when interrupted, so the user keeps a valid, shorter file.
"""

from __future__ import annotations

import os
import tempfile
import wave
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from groovebox.dsp import jit
from groovebox.dsp.pcm import pack_pcm
from groovebox.errors import RenderError
from groovebox.formats.atomic import deferred_signals
from groovebox.formats.audio import audio_format

if TYPE_CHECKING:
    from groovebox.io.tags import SongTags


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


class AudioWriter:
    """Write stereo float32 blocks to ``path`` atomically.

    >>> import numpy as np, tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with AudioWriter(os.path.join(d, "x.wav"), 48000) as w:
    ...     w.write(np.zeros((480, 2), np.float32))
    >>> w.frames
    480

    Parameters
    ----------
    path : str or PathLike
        Target file; the suffix picks the format. Missing folders are created.
    sample_rate : int
        Samples per second.
    subtype : str, optional
        Sample format (``"16"``, ``"24"``, ``"float"`` or a soundfile subtype); default 24-bit
        for WAV/FLAC/AIFF.
    keep_partial : bool
        On KeyboardInterrupt, finalise and keep the frames written so far instead of deleting.
    tags : SongTags, optional
        Title, artist, mood, themes... written into WAV, FLAC and Ogg files
        (:mod:`groovebox.io.tags`) before the file is renamed into place.
    """

    def __init__(self, path, sample_rate: int, *, channels: int = 2, subtype: str | None = None,
                 keep_partial: bool = False, tags: SongTags | None = None):
        self.path = Path(path)
        self.format, self.subtype = audio_format(self.path, subtype)
        self.sample_rate = int(sample_rate)
        self.channels = channels
        self.keep_partial = keep_partial
        self.tags = tags
        self.frames = 0
        self.partial = False
        self._file = None
        self._tmp: Path | None = None
        self._pcm_width = _pcm_width(self.format, self.subtype)
        jit.need(*kernel_groups(self.path, subtype))
        self._q = np.zeros(0, np.int32)
        self._bytes = np.zeros(0, np.uint8)

    def __enter__(self) -> AudioWriter:
        import soundfile as sf  # soundfile (libsndfile): ~0.2 s to import; the wave fast path needs none

        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=folder)
            os.close(fd)
        except OSError as exc:
            raise RenderError(f"cannot write {self.path}: {_reason(exc)}") from None
        self._tmp = Path(tmp)
        try:
            if self._pcm_width:
                self._file = wave.open(tmp, "wb")
                self._file.setnchannels(self.channels)
                self._file.setsampwidth(self._pcm_width)
                self._file.setframerate(self.sample_rate)
            else:
                self._file = sf.SoundFile(tmp, "w", self.sample_rate, self.channels, self.subtype,
                                          format=self.format)
        except Exception as exc:
            self._tmp.unlink(missing_ok=True)
            raise RenderError(f"cannot write {self.path}: {_reason(exc)}") from None
        return self

    def write(self, block: np.ndarray) -> None:
        """Append frames (shape (n, channels), float32 in [-1, 1])."""
        try:
            if self._pcm_width:
                self._write_pcm(block)
            else:
                self._file.write(block)
        except (OSError, RuntimeError, AssertionError) as exc:
            # soundfile asserts on a short write, which is what a full disk looks like.
            reason = _reason(exc) if not isinstance(exc, AssertionError) else "short write (disk full?)"
            raise RenderError(f"cannot write {self.path}: {reason}") from None
        self.frames += len(block)

    def _write_pcm(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block, dtype=np.float32)
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise RenderError(f"{self.path}: expected blocks of shape (n, {self.channels}), got {block.shape}")
        n = block.size
        if self._q.shape[0] < n:
            self._q = np.zeros(n, np.int32)
            self._bytes = np.zeros(n * self._pcm_width, np.uint8)
        pack_pcm(block, self._pcm_width, self._q, self._bytes)
        self._file.writeframesraw(self._bytes[: n * self._pcm_width])

    def __exit__(self, exc_type, exc, tb) -> None:
        keep = exc_type is None or (self.keep_partial and issubclass(exc_type, KeyboardInterrupt))
        try:
            self._file.close()
        except Exception as close_exc:
            self._tmp.unlink(missing_ok=True)
            if exc_type is None:
                raise RenderError(f"cannot write {self.path}: {_reason(close_exc)}") from None
            return
        if not keep:
            self._tmp.unlink(missing_ok=True)
            return
        self.partial = exc_type is not None
        try:
            if self.tags:
                from groovebox.io.tags import (
                    write_song_tags,  # mutagen (~40 ms): only tagged files pay it
                )

                write_song_tags(self._tmp, self.format, self.tags)
            os.chmod(self._tmp, 0o666 & ~_umask())
            os.replace(self._tmp, self.path)
        except OSError as os_exc:
            self._tmp.unlink(missing_ok=True)
            raise RenderError(f"cannot write {self.path}: {_reason(os_exc)}") from None
        except RenderError:
            self._tmp.unlink(missing_ok=True)
            raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_audio(path, samples: np.ndarray, sample_rate: int, subtype: str | None = None,
                tags: SongTags | None = None) -> Path:
    """Write a whole array (n, channels) to ``path`` atomically (with ``tags``); returns the path."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[:, None]
    with deferred_signals() as signals:  # Ctrl-C waits for the file to be whole, then is raised
        with AudioWriter(path, sample_rate, channels=samples.shape[1], subtype=subtype, tags=tags) as w:
            w.write(samples)
    signals.deliver()
    return Path(path)


WAV_KERNELS = jit.Group("WAV packing", (pack_pcm,), 0.6)


def _pcm_width(fmt: str, subtype: str) -> int:
    """Bytes per sample when integer WAV is packed here (by :func:`pack_pcm`), else 0."""
    return {"PCM_16": 2, "PCM_24": 3}.get(subtype, 0) if fmt == "WAV" else 0


def kernel_groups(path, subtype: str | None = None) -> list[jit.Group]:
    """The kernels writing ``path`` calls (for the first-run notice)."""
    return [WAV_KERNELS] if _pcm_width(*audio_format(Path(path), subtype)) else []
