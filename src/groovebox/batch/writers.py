"""Writing a data set: item files, the manifest and the data card, never half-written.

An item's files are encoded in memory (so each file's sha256 is taken from the very bytes
written), written into a hidden folder ``<split>/.<id>.part-XXXX`` next to the item's final
folder, and the folder is renamed into place once every file is complete. A killed run leaves at
most a ``.part`` folder, which the next run removes; a folder under an item's final name is
always complete.

The manifest is built in two steps: while the run goes on, the client appends each finished
item's record to ``.manifest.journal.jsonl`` (a line is whole or is ignored); at the end the
records are sorted by item id into ``manifest.jsonl``, written atomically.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import shutil
import struct
import tempfile
from json.encoder import encode_basestring_ascii
from pathlib import Path

import numpy as np

from groovebox.batch.item import RenderedItem
from groovebox.dsp.pcm import CHUNK as PCM_CHUNK
from groovebox.dsp.pcm import pack_pcm
from groovebox.errors import RenderError
from groovebox.formats.atomic import write_atomic
from groovebox.formats.midi.drums import drum_midi_bytes

__all__ = ["JOURNAL", "MANIFEST", "LABEL_FIELDS", "encode_audio", "item_files", "read_records",
           "remove_partials", "verify_files", "write_item"]

MANIFEST = "manifest.jsonl"
JOURNAL = ".manifest.journal.jsonl"
PART = ".part-"
LABEL_FIELDS = ("sample", "seconds", "instrument", "gm_note", "velocity", "midi_velocity", "kind", "step",
                "grid_sample", "offset_samples", "offset_ms")


def _wav_header(n_bytes: int, channels: int, sample_rate: int, width: int) -> bytes:
    """The 44-byte header of a PCM WAV file (what the standard library's ``wave`` writes)."""
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + n_bytes, b"WAVE", b"fmt ", 16, 1, channels,
                       sample_rate, sample_rate * channels * width, channels * width, 8 * width, b"data", n_bytes)


def encode_audio(samples: np.ndarray, sample_rate: int, fmt: str, sample_format: str) -> tuple:
    """A whole stereo file as a tuple of byte buffers (written and hashed in order, never
    joined): integer WAV by the Numba packer (as :mod:`groovebox.io.wav` does), float WAV and
    FLAC by libsndfile."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if fmt == "wav" and sample_format in ("16", "24"):
        width = 2 if sample_format == "16" else 3
        q = np.empty(min(samples.size, PCM_CHUNK), np.int32)
        data = np.empty(samples.size * width, np.uint8)
        pack_pcm(samples, width, q, data)
        return (_wav_header(data.size, samples.shape[1], sample_rate, width), memoryview(data))
    import soundfile as sf  # libsndfile: ~30 ms to import, only float WAV and FLAC need it

    subtype = {"16": "PCM_16", "24": "PCM_24", "float": "FLOAT"}[sample_format]
    buf = io.BytesIO()
    sf.write(buf, samples, sample_rate, subtype=subtype, format=fmt.upper())
    return (buf.getbuffer(),)


def _labels_json(item: RenderedItem) -> bytes:
    """``labels.json``: what ``json.dumps(doc, indent=1)`` writes, with the hits formatted
    here (json's indenting encoder is pure Python: ~7 ms for an item's few hundred hits)."""
    p = item.plan
    head = {"item": p.id, "pattern": p.source, "sample_rate": p.sample_rate, "bpm": p.bpm, "swing": p.swing,
            "bars": p.bars, "frames": item.frames, "timeline_frames": item.timeline_frames}
    rows = ["  {\n" + ",\n".join("   " + encode_basestring_ascii(k) + ": " + _json_scalar(v) for k, v in hit.items())
            + "\n  }" for hit in item.hits]
    hits = "[\n" + ",\n".join(rows) + "\n ]" if rows else "[]"
    return (json.dumps(head, indent=1)[: -len("\n}")] + ',\n "hits": ' + hits + "\n}\n").encode()


def _json_scalar(v) -> str:
    """One label value as json.dumps writes it (the common types directly, others through it)."""
    t = type(v)
    if t is str:
        return encode_basestring_ascii(v)
    if t is int:
        return int.__repr__(v)
    if t is float and math.isfinite(v):
        return float.__repr__(v)
    return json.dumps(v)


def _labels_csv(item: RenderedItem) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=LABEL_FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(item.hits)
    return buf.getvalue().encode()


def item_files(item: RenderedItem) -> dict[str, tuple]:
    """File name (relative to the item's folder) -> content (a tuple of byte buffers)."""
    p = item.plan
    ext = p.format
    files: dict[str, bytes] = {}
    if "mix" in p.outputs:
        files[f"mix.{ext}"] = encode_audio(item.mix, p.sample_rate, ext, p.sample_format)
    for name, stem in item.stems.items():
        files[f"stems/{name}.{ext}"] = encode_audio(stem, p.sample_rate, ext, p.sample_format)
    if "labels" in p.outputs:
        files["labels.json"] = (_labels_json(item),)
        files["labels.csv"] = (_labels_csv(item),)
    if "midi" in p.outputs:
        files["drums.mid"] = (drum_midi_bytes(item.midi),)
    return files


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def write_item(root: Path, folder: str, files: dict[str, tuple]) -> dict[str, str]:
    """Write ``files`` as ``root/folder`` atomically; returns file name -> sha256.

    Raises
    ------
    RenderError
        The folder cannot be written (one line with the path and the reason: a full disk...).
    """
    final = root / folder
    parent = final.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}{PART}", dir=parent))
    except OSError as exc:
        raise RenderError(f"cannot write {final}: {_reason(exc)}") from None
    hashes = {}
    path = final
    try:
        for name, data in files.items():
            path = tmp / name
            path.parent.mkdir(exist_ok=True)
            h = hashlib.sha256()
            with open(path, "wb") as fh:
                for part in data:
                    fh.write(part)
                    h.update(part)
            hashes[name] = h.hexdigest()
        os.chmod(tmp, 0o777 & ~_umask())
        if final.exists():  # an older, different version of the item: swap it out
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}{PART}old-", dir=parent))
            os.replace(final, old / "item")
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RenderError(f"cannot write {final / path.relative_to(tmp) if path != final else final}: "
                          f"{_reason(exc)}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return hashes


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def verify_files(root: Path, folder: str, hashes: dict[str, str]) -> bool:
    """True when ``root/folder`` holds exactly the files of ``hashes`` with those sha256s."""
    base = root / folder
    try:
        present = {p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()}
    except OSError:
        return False
    if present != set(hashes):
        return False
    for name, digest in hashes.items():
        h = hashlib.sha256()
        try:
            with open(base / name, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
        except OSError:
            return False
        if h.hexdigest() != digest:
            return False
    return True


def remove_partials(root: Path) -> int:
    """Remove the ``.part`` folders a killed run left behind; returns how many."""
    n = 0
    if not root.is_dir():
        return 0
    for split in root.iterdir():
        if not split.is_dir() or split.name.startswith("."):
            continue
        for p in split.glob(f".*{PART}*"):
            shutil.rmtree(p, ignore_errors=True)
            n += 1
    return n


def read_records(path: Path) -> dict[str, dict]:
    """Item id -> record from a manifest or journal; a torn last line (a killed run) is skipped."""
    out: dict[str, dict] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and isinstance(rec.get("id"), str) and isinstance(rec.get("files"), dict):
            out[rec["id"]] = rec
    return out


def record_line(record: dict) -> str:
    """One manifest line (keys sorted: the same record gives the same bytes)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"


def write_manifest(root: Path, records: list[dict]) -> Path:
    """``manifest.jsonl``: the records sorted by item id, written atomically."""
    text = "".join(record_line(r) for r in sorted(records, key=lambda r: r["id"]))
    return write_atomic(root / MANIFEST, text, error=RenderError)
