"""Hypothesis strategies that damage valid inputs the way hostile and careless users do.

A case starts from a valid seed (a library pattern, an exported MIDI file, a drumkit) and
applies a few mutations drawn by Hypothesis, so most cases are *almost* valid and get past the
first checks into the code behind them. Three families:

- bytes: flip, set to an edge value (0x00, 0x7F, 0x80, 0xFF), insert, delete, duplicate,
  splice from another seed, truncate (binary formats: MIDI, audio);
- text: the same on characters, plus swapping a number for an extreme one (0, -1, 1e400, nan,
  inf, 2**70, 1e-400), repeating or dropping a line, nesting a value thousands deep, long and
  odd strings, path-like names with ``../`` (TOML, XML);
- folders: renaming files (layer numbers 0, huge, 2**70; unknown names), damaging one file's
  bytes, and putting a FIFO, a folder or a dangling symlink where a file should be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import strategies as st

EDGE_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)
EDGE_NUMBERS = ("0", "-1", "1e400", "-1e400", "nan", "inf", "-inf", "1180591620717411303424", "1e-400",
                "0.0000001", "999999999", "-999999999", "0x7fffffff", "1_000", "1e12", "4294967296", "0.5")
ODD_STRINGS = ("", " ", "../../../../etc/passwd", "/etc/passwd", "~", "..", "a/b", "\\\\server\\x", "\u0000",
               "\u202e", "x" * 5000, "é" * 100, "%s%n", "\ufffd", "<![CDATA[", "&lol;", '"', "'")
_NUMBER = re.compile(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?")


@dataclass(frozen=True)
class Case:
    """One input: a file (``files`` has one entry) or a folder (name -> bytes); ``special``
    names entries to make a FIFO, a folder or a dangling symlink instead of a file."""

    files: tuple[tuple[str, bytes], ...]
    special: tuple[tuple[str, str], ...] = ()

    @property
    def size(self) -> int:
        return sum(len(b) for _, b in self.files)


# -- bytes and text ---------------------------------------------------------------------------
@st.composite
def mutated_bytes(draw, data: bytes, others: tuple[bytes, ...] = (), *, text: bool = False,
                  max_ops: int = 6) -> bytes:
    """``data`` after 1..max_ops mutations (text-aware ones when ``text``)."""
    buf = bytearray(data)
    ops = ["flip", "edge", "insert", "delete", "duplicate", "truncate", "splice"]
    if text:
        ops += ["number", "number", "number", "line_dup", "line_drop", "nest", "string", "tag"]
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(ops))
        n = len(buf)
        at = draw(st.integers(0, max(0, n)))
        if op == "flip" and n:
            i = min(at, n - 1)
            buf[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "edge" and n:
            buf[min(at, n - 1)] = draw(st.sampled_from(EDGE_BYTES))
        elif op == "insert":
            buf[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete" and n:
            buf[at:at + draw(st.integers(1, 64))] = b""
        elif op == "duplicate" and n:
            length = draw(st.integers(1, 256))
            chunk = bytes(buf[at:at + length])
            times = draw(st.sampled_from([1, 2, 10, 100]))
            buf[at:at] = chunk * times
        elif op == "truncate" and n:
            del buf[at:]
        elif op == "splice" and others:
            other = draw(st.sampled_from(others))
            if other:
                start = draw(st.integers(0, len(other) - 1))
                buf[at:at] = other[start:start + draw(st.integers(1, 512))]
        elif op == "number":
            found = list(_NUMBER.finditer(buf))
            if found:
                m = draw(st.sampled_from(found))
                buf[m.start():m.end()] = draw(st.sampled_from(EDGE_NUMBERS)).encode()
        elif op in ("line_dup", "line_drop"):
            lines = bytes(buf).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            if op == "line_dup":
                lines[i:i] = [lines[i]] * draw(st.sampled_from([1, 2, 50]))
            else:
                del lines[i]
            buf = bytearray(b"\n".join(lines))
        elif op == "nest":
            depth = draw(st.sampled_from([3, 40, 1000, 20000]))
            opener, closer = draw(st.sampled_from([(b"[", b"]"), (b"{a=", b"}"), (b"<a>", b"</a>")]))
            closed = draw(st.booleans())
            buf[at:at] = opener * depth + (closer * depth if closed else b"")
        elif op == "string":
            s = draw(st.sampled_from(ODD_STRINGS)).encode("utf-8", "surrogatepass")
            quote = bytes(buf).find(b'"', at)
            if quote >= 0:
                end = bytes(buf).find(b'"', quote + 1)
                if end > quote:
                    buf[quote + 1:end] = s.replace(b'"', b"'")
                    continue
            buf[at:at] = s
        elif op == "tag":  # XML element contents: <x>...</x>
            found = list(re.finditer(rb">([^<>]*)</", buf))
            if found:
                m = draw(st.sampled_from(found))
                new = draw(st.sampled_from(EDGE_NUMBERS + ODD_STRINGS[:10])).encode("utf-8", "surrogatepass")
                buf[m.start(1):m.end(1)] = new.replace(b"<", b"").replace(b"&", b"")
    return bytes(buf)


@st.composite
def file_cases(draw, seeds: tuple[Case, ...], *, text: bool) -> Case:
    """A one-file case: a seed's bytes, mutated."""
    seed = draw(st.sampled_from(seeds))
    (name, data), = seed.files
    others = tuple(s.files[0][1] for s in seeds)
    return Case(((name, draw(mutated_bytes(data, others, text=text))),))


# -- folders ------------------------------------------------------------------------------------
_LAYER_SUFFIX = re.compile(r"(?:[ _-]+v?\d+)?(?:[ _-]+rr\d+)?$")


def _fit(stem: str, suffix: str) -> str:
    """A file name of at most 255 bytes (the file system's limit), keeping the suffix."""
    return stem.encode()[: 255 - len(suffix.encode())].decode(errors="ignore") + suffix


@st.composite
def folder_cases(draw, seeds: tuple[Case, ...], *, text_files: tuple[str, ...] = ()) -> Case:
    """A folder case: some files renamed, some damaged, some made FIFOs, folders or links."""
    seed = draw(st.sampled_from(seeds))
    files = dict(seed.files)
    special: dict[str, str] = {}
    names = list(files)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["damage", "damage", "rename", "special", "drop", "copy"]))
        name = draw(st.sampled_from(names)) if names else None
        if name is None or name not in files:
            continue
        if op == "damage":
            text = name in text_files or name.endswith((".toml", ".xml"))
            others = tuple(b for n, b in files.items() if n != name)
            files[name] = draw(mutated_bytes(files[name], others, text=text, max_ops=4))
        elif op == "rename":
            stem, dot, suffix = name.rpartition(".")
            base = _LAYER_SUFFIX.sub("", stem)
            tail = draw(st.sampled_from(["_0", "_1", "_2", "_7", "_128", "_129", "_999999999",
                                         "_" + "9" * 5000, "_v3", "_2_rr1", "_1_rr65", "_rr0", "", "_x"]))
            new_base = draw(st.sampled_from([base, base, "BD", "HatOpen", "gong", "kick", "ride_bell"]))
            new = _fit(f"{new_base}{tail}", f"{dot}{suffix}")
            files[new] = files.pop(name)
            names = list(files)
        elif op == "special":
            special[name] = draw(st.sampled_from(["fifo", "dir", "dangling"]))
        elif op == "drop":
            del files[name]
            names = list(files)
        elif op == "copy":
            stem, dot, suffix = name.rpartition(".")
            files[_fit(f"{stem}_{draw(st.integers(1, 4))}", f"{dot}{suffix}")] = files[name]
            names = list(files)
    return Case(tuple(files.items()), tuple(special.items()))
