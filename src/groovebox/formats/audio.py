"""Audio file formats by suffix: what soundfile (libsndfile) writes for .wav, .flac, .ogg, .aiff.

>>> audio_format("x.flac")
('FLAC', 'PCM_24')
"""

from __future__ import annotations

import os
from pathlib import Path

from groovebox.errors import RenderError

__all__ = ["FORMATS", "SUBTYPES", "audio_format"]

# suffix -> (soundfile format, default subtype)
FORMATS: dict[str, tuple[str, str]] = {
    ".wav": ("WAV", "PCM_24"),
    ".flac": ("FLAC", "PCM_24"),
    ".ogg": ("OGG", "VORBIS"),
    ".aif": ("AIFF", "PCM_24"),
    ".aiff": ("AIFF", "PCM_24"),
}
SUBTYPES = {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT", "float": "FLOAT"}


def audio_format(path: str | os.PathLike, subtype: str | None = None) -> tuple[str, str]:
    """(soundfile format, subtype) for ``path``'s suffix.

    Raises
    ------
    RenderError
        For a suffix we cannot write.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise RenderError(
            f"{path}: cannot write '{suffix or 'no suffix'}' audio; use one of {', '.join(FORMATS)}"
        )
    fmt, default = FORMATS[suffix]
    if subtype is None:
        return fmt, default
    sub = SUBTYPES.get(str(subtype).lower(), str(subtype).upper())
    import soundfile as sf  # libsndfile: ~0.12 s to load, only when a subtype is asked for

    if not sf.check_format(fmt, sub):
        raise RenderError(f"{path}: {fmt} files cannot hold '{subtype}' samples")
    return fmt, sub


