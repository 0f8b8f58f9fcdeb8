"""``groovebox meter FILE...`` — loudness (EBU R 128 / ITU-R BS.1770-4) of audio files.

Prints, per file, what ffmpeg's ``ebur128`` filter prints in its summary: integrated loudness,
loudness range, the largest short-term loudness and the true peak. ``--json`` prints one JSON
object per line and file instead. Files are read in blocks of :data:`BLOCK_FRAMES` frames, so
memory stays the same for any length (the meter itself keeps 160 bytes per second of audio for
its gates: about 0.6 MB for an hour).

Every file that cannot be measured gets one line on stderr naming it (missing, not a regular
file, empty, not audio, too many channels, NaN samples, or silent / below the -70 LUFS gate);
the others are still measured, and the exit status is then 2.
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys

from groovebox.errors import GrooveboxError

BLOCK_FRAMES = 1 << 16  # 64 Ki frames: 1.4 s at 48 kHz, 512 KiB for stereo float32


def register(sub) -> None:
    p = sub.add_parser(
        "meter", help="loudness of audio files: integrated LUFS, LRA, max short-term, true peak",
        description="Measure audio files like ffmpeg's ebur128 filter (ITU-R BS.1770-4, EBU R 128): "
                    "integrated loudness (LUFS), loudness range (LU), maximum short-term loudness "
                    "(LUFS) and true peak (dBTP, 4x oversampled). Reads any format soundfile "
                    "reads, 1-5 channels (L, R, C, Ls, Rs), in constant memory.",
    )  # fmt: skip
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files (WAV, FLAC, OGG, AIFF...)")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per line and file: path, integrated_lufs, lra_lu, "
                        "max_short_term_lufs, true_peak_dbtp (null where a value is -inf)")
    p.set_defaults(func=cmd_meter)


def measure_file(path: str):
    """Loudness of the audio file at ``path``, read block by block.

    Returns
    -------
    groovebox.dsp.loudness.Loudness

    Raises
    ------
    GrooveboxError
        One line naming the file: missing, not a regular file, empty, not audio, unsupported
        channel count or rate, NaN samples, or integrated loudness -inf (silent or below the
        -70 LUFS gate, or shorter than 400 ms).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise GrooveboxError(f"{path}: no such file") from None
    except OSError as exc:
        raise GrooveboxError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise GrooveboxError(f"{path}: is a directory, expected an audio file")
    if not stat.S_ISREG(st.st_mode):
        raise GrooveboxError(f"{path}: not a regular file (a pipe, socket or device); expected an audio file")
    if st.st_size == 0:
        raise GrooveboxError(f"{path}: empty file, expected audio")

    import soundfile as sf

    from groovebox.dsp.loudness import Meter

    try:
        with sf.SoundFile(path) as f:
            try:
                meter = Meter(f.samplerate, f.channels)
            except GrooveboxError as exc:
                raise GrooveboxError(f"{path}: {exc}") from None
            for block in f.blocks(blocksize=BLOCK_FRAMES, dtype="float32", always_2d=True):
                try:
                    meter.feed(block)
                except GrooveboxError:
                    raise GrooveboxError(f"{path}: contains NaN or infinite samples") from None
    except (sf.LibsndfileError, RuntimeError) as exc:
        reason = str(exc).split(":")[-1].strip() or "unknown format"
        raise GrooveboxError(f"{path}: not an audio file soundfile can read ({reason})") from None
    result = meter.result()
    if meter.frames == 0:
        raise GrooveboxError(f"{path}: holds no audio frames")
    if not result.measurable:
        raise GrooveboxError(
            f"{path}: integrated loudness is -inf: the file is silent or below the -70 LUFS gate"
            + (" (or shorter than 400 ms)" if meter.duration_s < 0.4 else ""))
    return result


def _fmt(value: float, unit: str) -> str:
    return f"{value:6.1f} {unit}" if math.isfinite(value) else f"  -inf {unit}"


def cmd_meter(args) -> int:
    failed = 0
    for path in args.files:
        try:
            r = measure_file(path)
        except GrooveboxError as exc:
            failed += 1
            print(f"groovebox: error: {exc}", file=sys.stderr)
            continue
        if args.json:
            d = r.as_dict()
            print(json.dumps({"path": path, "integrated_lufs": d["integrated_lufs"],
                              "lra_lu": d["lra_lu"], "max_short_term_lufs": d["max_short_term_lufs"],
                              "true_peak_dbtp": d["true_peak_dbtp"]}))
        else:
            print(path)
            print(f"  Integrated loudness  I:    {_fmt(r.integrated_lufs, 'LUFS')}")
            print(f"  Loudness range       LRA:  {_fmt(r.lra_lu, 'LU')}")
            print(f"  Max short-term       S:    {_fmt(r.max_short_term_lufs, 'LUFS')}")
            print(f"  True peak            Peak: {_fmt(r.true_peak_dbtp, 'dBTP')}")
        sys.stdout.flush()
    return 2 if failed else 0
