"""Sample kits: a folder of WAV/FLAC one-shots, or a Hydrogen drumkit, as playable KitTables.

A sample kit plays through exactly the path a synthesized kit does: its samples become the
one-shot tables of :class:`~groovebox.kits.tables.KitTables` (via :func:`groovebox.kits.tables.pack`),
and the engine's table kernel, voice pool, chokes and velocity layers treat them alike. So
anywhere a kit name goes (``--kit 909``), a kit path goes too (``--kit ~/kits/my-kit``).

**A folder kit** names each file after its instrument (``kick.wav``, ``closed_hat.flac``; other
programs' names such as ``BD.wav`` or ``HatOpen.wav`` are recognised too). A trailing number is a
velocity layer, softest first: ``snare_1.wav``, ``snare_2.wav``, ``snare_3.wav`` split the
velocity range in three (``snare.wav`` alone is one layer; ``snare_v2.wav`` also works). A
trailing ``_rr<n>`` marks round-robin variants of a layer (``snare_2_rr1.wav``,
``snare_2_rr2.wav``), picked per hit. An optional ``kit.toml`` sets ``name`` and per-instrument
``[tune]`` (semitones, by resampling) and ``[gain_db]`` tables.

**A Hydrogen drumkit** (a folder with ``drumkit.xml``, or the file itself): instruments are
mapped by name, layers by their min/max velocity (layers with the same range are round-robin
variants), with per-layer gain and pitch, per-instrument volume, gain and pitch offset, and
mute groups as choke groups. Instruments that match nothing are reported, not guessed.

Every sample is read once per (file, modification time, engine rate) and kept in a bounded
cache; it is mixed to mono and resampled to the engine rate with the band-limited kernel of
:mod:`groovebox.dsp.resample`. Any sample format libsndfile reads works (8/16/24/32-bit PCM,
float, any rate). A missing or unreadable sample is one clear :class:`~groovebox.errors.KitError`.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from groovebox.dsp.resample import resample
from groovebox.errors import KitError, UnknownNameError
from groovebox.formats import tomltext
from groovebox.formats.files import open_regular
from groovebox.formats.hydrogen import read_drumkit
from groovebox.kits.tables import KitTables, pack
from groovebox.model.instruments import CHOKE_GROUPS, INSTRUMENTS, match_instrument

AUDIO_SUFFIXES = (".wav", ".flac", ".aif", ".aiff", ".ogg")
CACHE_BYTES = 512 * 1024 * 1024
# What a sample kit may hold (docs/limits.md). Each bound is checked before the work it bounds,
# so no folder or drumkit.xml, however made, costs more than about MAX_KIT_SECONDS of tables.
MAX_SAMPLE_BYTES = 64 << 20  # one file (a minute of 96 kHz 24-bit stereo is 33 MiB)
MAX_SAMPLE_SECONDS = 60.0  # one one-shot (long crashes and gongs ring for ~10 s)
MAX_SAMPLE_VALUES = 1 << 24  # frames x channels of one file (87 s of 96 kHz stereo; 64 MiB decoded)
MAX_KIT_FILES = 1024  # audio files in a kit folder (a drumkit: formats.hydrogen.MAX_DRUMKIT_FILES)
MAX_LAYERS = 128  # velocity layers of one instrument (MIDI has 127 velocities)
MAX_VARIANTS = 64  # round-robin variants of one layer
MAX_KIT_SECONDS = 600.0  # the samples of one kit together (115 MB of tables at 48 kHz)
HYDROGEN_CHOKE_BASE = 100  # Hydrogen mute group g becomes choke group 100 + g
_STEM = re.compile(r"^(?P<name>.+?)(?:[ _-]+v?(?P<layer>\d+))?(?:[ _-]+rr(?P<rr>\d+))?$", re.IGNORECASE)

_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
_cache_bytes = 0
_lock = threading.Lock()


class _QuietSeek:
    """A file for libsndfile whose seek never raises: a damaged header can ask for a position
    before the start, and an exception inside soundfile's C callback is not raised to us but
    printed to stderr as "Exception ignored ... Traceback". Refused, the position stays put and
    libsndfile reports the file as unreadable, which becomes one KitError line."""

    def __init__(self, fh):
        self._fh = fh

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self._fh.seek(offset, whence)
        except (OSError, ValueError, OverflowError):
            return self._fh.tell()

    def tell(self) -> int:
        return self._fh.tell()

    def read(self, n: int = -1) -> bytes:
        return self._fh.read(n)

    def readinto(self, buffer) -> int:
        return self._fh.readinto(buffer)


def _read_sample(path: Path, sample_rate: int, pitch_semitones: float, kit: str) -> np.ndarray:
    """A sample file as a mono float32 table at ``sample_rate`` (pitched by resampling), cached."""
    global _cache_bytes
    try:
        st = path.stat()
    except OSError:
        raise KitError(f"kit {kit}: missing sample {path}") from None
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, int(sample_rate), float(pitch_semitones))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    import soundfile as sf  # soundfile (libsndfile): ~0.2 s; only sample kits pay it

    with open_regular(path, MAX_SAMPLE_BYTES, "sample", KitError) as fh:
        try:
            with sf.SoundFile(_QuietSeek(fh)) as snd:
                rate = snd.samplerate
                seconds = snd.frames / rate if rate > 0 else math.inf
                if not seconds <= MAX_SAMPLE_SECONDS:
                    raise KitError(f"kit {kit}: sample {path}: {seconds:.1f} s is over the limit of "
                                   f"{MAX_SAMPLE_SECONDS:g} s for a one-shot")
                if snd.frames * snd.channels > MAX_SAMPLE_VALUES:
                    raise KitError(f"kit {kit}: sample {path}: {snd.frames:,} frames of {snd.channels} channels "
                                   f"is over the limit of {MAX_SAMPLE_VALUES:,} samples for a one-shot")
                data = snd.read(dtype="float32", always_2d=True)
        except KitError:
            raise
        except Exception as exc:  # libsndfile's errors are RuntimeErrors with one-line reasons
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise KitError(f"kit {kit}: cannot read sample {path} ({reason})") from None
    if data.shape[0] == 0:
        raise KitError(f"kit {kit}: sample {path} has no audio frames")
    # One channel is already mono (no float64 copy of a long file); more are averaged in float64.
    mono = np.ascontiguousarray(data[:, 0]) if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float64).astype(np.float32)
    del data
    if not np.all(np.isfinite(mono)):
        raise KitError(f"kit {kit}: sample {path} contains NaN or infinite values")
    # Pitch by resampling: read the file as if recorded at rate * 2^(semitones/12).
    table = resample(mono, rate * 2.0 ** (pitch_semitones / 12.0), sample_rate)
    table = np.ascontiguousarray(table, dtype=np.float32)
    table.setflags(write=False)
    with _lock:
        _cache[key] = table
        _cache_bytes += table.nbytes
        while _cache_bytes > CACHE_BYTES and len(_cache) > 1:
            _, old = _cache.popitem(last=False)
            _cache_bytes -= old.nbytes
    return table


def clear_cache() -> None:
    """Forget every cached sample."""
    global _cache_bytes
    with _lock:
        _cache.clear()
        _cache_bytes = 0


def is_kit_path(kit) -> bool:
    """True if ``kit`` names a folder or file rather than a built-in kit."""
    if isinstance(kit, os.PathLike):
        return True
    if not isinstance(kit, str) or "\x00" in kit:
        return False
    return "/" in kit or os.sep in kit or kit.startswith("~") or os.path.lexists(kit)


def load_sample_kit(
    path: str | os.PathLike,
    sample_rate: int,
    instruments: tuple[str, ...] | None = None,
    *,
    tune: dict[str, float] | None = None,
    report: list[str] | None = None,
) -> KitTables:
    """Load a sample kit (a folder of one-shots, or a Hydrogen drumkit) as KitTables.

    Parameters
    ----------
    path : path-like
        A folder of samples, a Hydrogen drumkit folder, or its ``drumkit.xml``.
    sample_rate : int
        Engine rate in Hz; samples are resampled to it.
    instruments : tuple of str, optional
        Load only these instruments (default: every one the kit has).
    tune : dict, optional
        instrument -> semitones, applied by resampling at playback (the tables' ``rate``).
    report : list, optional
        One-line remarks are appended (Hydrogen instruments with no match here...).

    Returns
    -------
    KitTables
        Instruments the kit has no sample for stay silent.

    Raises
    ------
    KitError
        No such folder, no samples, an unreadable or missing sample, a gap in the velocity
        layers, an unrecognised file name (one line, naming the file).
    """
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or not 8000 <= sample_rate <= 384000:
        raise KitError(f"sample rate: expected a whole number of Hz in 8000..384000, got {sample_rate!r}")
    sample_rate = int(sample_rate)
    if "\x00" in os.fspath(path):
        raise KitError(f"kit {os.fspath(path)!r}: not a folder name")
    path = Path(path).expanduser()
    report = report if report is not None else []
    if not path.exists():
        raise KitError(f"kit {path}: no such folder or file")
    wanted = set(INSTRUMENTS if instruments is None else instruments)
    budget = _Budget(str(path), sample_rate)
    if path.is_file() or (path / "drumkit.xml").is_file():
        name, layers, rates, choke = _hydrogen_layers(path, sample_rate, wanted, report, budget)
    elif path.is_dir():
        name, layers, rates, choke = _folder_layers(path, sample_rate, wanted, budget)
    else:
        raise KitError(f"kit {path}: not a folder or a drumkit.xml")
    for instrument, semitones in (tune or {}).items():
        if instrument not in INSTRUMENTS:
            raise UnknownNameError("instrument to tune", instrument, INSTRUMENTS)
        if not (isinstance(semitones, (int, float)) and math.isfinite(semitones) and -24 <= semitones <= 24):
            raise KitError(f"tune.{instrument}: expected -24..24 semitones, got {semitones!r}")
        rates[instrument] = rates.get(instrument, 1.0) * 2.0 ** (semitones / 12.0)
    if not any(layers.values()):
        raise KitError(f"kit {path}: no samples for any instrument")
    return pack(name, sample_rate, layers, rates=rates, choke=choke)


class _Budget:
    """Seconds of samples a kit has read so far, against :data:`MAX_KIT_SECONDS`."""

    def __init__(self, kit: str, sample_rate: int):
        self.kit = kit
        self.sample_rate = sample_rate
        self.seconds = 0.0

    def take(self, table: np.ndarray) -> np.ndarray:
        self.seconds += len(table) / self.sample_rate
        if self.seconds > MAX_KIT_SECONDS:
            raise KitError(f"kit {self.kit}: more than {MAX_KIT_SECONDS:g} s of samples is over the limit "
                           f"for one kit")
        return table


def _number_in_name(digits: str | None, limit: int, what: str, folder: Path, name: str) -> int:
    """A layer or round-robin number from a file name, 1..``limit``; checked on the digits, so
    ``snare_999999999.wav`` costs nothing."""
    if digits is None:
        return 1
    value = digits.lstrip("0")
    if not value:
        raise KitError(f"kit {folder}: {name}: {what} 0; they count from 1")
    if len(value) > len(str(limit)) or int(value) > limit:
        shown = value if len(value) <= 12 else value[:12] + "..."
        raise KitError(f"kit {folder}: {name}: {what} {shown} is over the limit of {limit}")
    return int(value)


def _folder_layers(folder: Path, sample_rate: int, wanted: set[str], budget: _Budget):
    name = folder.name
    tune: dict[str, float] = {}
    gain_db: dict[str, float] = {}
    conf = folder / "kit.toml"
    if conf.exists():  # a FIFO or a folder named kit.toml is an error, not ignored
        name, tune, gain_db = _kit_toml(conf, name)
    files: dict[str, dict[int, dict[int, Path]]] = {}
    unknown = []
    audio = []
    try:
        for f in folder.iterdir():
            if f.suffix.lower() not in AUDIO_SUFFIXES or f.name.startswith("."):
                continue
            audio.append(f)
            if len(audio) > MAX_KIT_FILES:
                raise KitError(f"kit {folder}: more than {MAX_KIT_FILES} audio files is over the limit for one kit")
    except OSError as exc:
        raise KitError(f"kit {folder}: cannot list the folder ({exc.strerror or exc})") from None
    for f in sorted(audio):
        m = _STEM.match(f.stem)
        base = f.stem
        layer = rr = None
        instrument = _exact_instrument(base)
        if instrument is None and m:
            base, layer, rr = m.group("name"), m.group("layer"), m.group("rr")
            instrument = _exact_instrument(base) or match_instrument(base)
        if instrument is None:
            unknown.append(f.name)
            continue
        layer_n = _number_in_name(layer, MAX_LAYERS, "velocity layer", folder, f.name)
        variant = _number_in_name(rr, MAX_VARIANTS, "round-robin variant", folder, f.name)
        slot = files.setdefault(instrument, {}).setdefault(layer_n, {})
        if variant in slot:
            raise KitError(f"kit {folder}: {slot[variant].name} and {f.name} are both {instrument} "
                           f"layer {layer or 1}; number layers ({instrument}_1, {instrument}_2...) "
                           f"or variants (_rr1, _rr2...)")
        slot[variant] = f
    if unknown:
        raise KitError(f"kit {folder}: cannot tell the instrument of {', '.join(unknown[:5])}"
                       f"{' ...' if len(unknown) > 5 else ''}; name files after instruments "
                       f"(kick.wav, snare_1.wav, closed_hat.flac, see the README)")
    if not files:
        raise KitError(f"kit {folder}: no samples ({', '.join(AUDIO_SUFFIXES)} files named after instruments)")
    layers: dict[str, list] = {}
    for instrument, by_layer in files.items():
        n = max(by_layer)  # at most MAX_LAYERS, checked per file name above
        missing = [i for i in range(1, n + 1) if i not in by_layer]
        if missing:
            have = ", ".join(sorted(p.name for v in by_layer.values() for p in v.values()))
            raise KitError(f"kit {folder}: {instrument} velocity layer {missing[0]} of {n} is missing (have {have})")
        if instrument not in wanted:
            continue
        gain = 10.0 ** (gain_db.get(instrument, 0.0) / 20.0)
        layers[instrument] = [
            (i / n, [budget.take(_read_sample(by_layer[i][v], sample_rate, 0.0, str(folder)))
                     for v in sorted(by_layer[i])], gain)
            for i in range(1, n + 1)
        ]
    rates = {ins: 2.0 ** (st / 12.0) for ins, st in tune.items()}
    return name, layers, rates, dict(CHOKE_GROUPS)


def _exact_instrument(stem: str) -> str | None:
    key = stem.strip().lower().replace("-", "_").replace(" ", "_")
    return key if key in INSTRUMENTS else None


def _kit_toml(conf: Path, default_name: str):
    _, data = tomltext.load(conf, "kit.toml", KitError)
    allowed = {"name", "tune", "gain_db"}
    for key in data:
        if key not in allowed:
            raise KitError(f"{conf}: unknown field '{key}'; expected one of {', '.join(sorted(allowed))}")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise KitError(f"{conf}: field 'name': expected a non-empty string")
    tables = {}
    for field, lo, hi, unit in (("tune", -24.0, 24.0, "semitones"), ("gain_db", -60.0, 12.0, "dB")):
        table = data.get(field, {})
        if not isinstance(table, dict):
            raise KitError(f"{conf}: [{field}] must be a table of instrument = {unit}")
        for ins, v in table.items():
            if ins not in INSTRUMENTS:
                raise KitError(f"{conf}: {field}.{ins}: unknown instrument")
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise KitError(f"{conf}: {field}.{ins}: expected {lo:g}..{hi:g} {unit}, got {v!r}")
        tables[field] = {k: float(v) for k, v in table.items()}
    return name, tables["tune"], tables["gain_db"]


def _hydrogen_layers(path: Path, sample_rate: int, wanted: set[str], report: list[str], budget: _Budget):
    kit = read_drumkit(path)
    report.extend(kit.notes)
    layers: dict[str, list] = {}
    rates: dict[str, float] = {}
    choke = dict(CHOKE_GROUPS)
    taken: dict[str, str] = {}
    unmapped = []
    for inst in kit.instruments:
        if inst.instrument is None:
            unmapped.append(inst.name)
            continue
        if inst.instrument in taken:
            report.append(f"'{inst.name}' also plays {inst.instrument}; '{taken[inst.instrument]}' is used")
            continue
        taken[inst.instrument] = inst.name
        if inst.mute_group >= 0:
            choke[inst.instrument] = HYDROGEN_CHOKE_BASE + inst.mute_group
        if inst.instrument not in wanted:
            continue
        groups: dict[tuple[float, float], list] = {}
        for lay in inst.layers:
            groups.setdefault((lay.min_velocity, lay.max_velocity), []).append(lay)
        out = []
        for (_, hi), lays in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            tables = [budget.take(_read_sample(lay.path, sample_rate, lay.pitch_semitones, kit.name)) for lay in lays]
            # One gain per layer: variants share the first's (Hydrogen's are almost always equal).
            out.append((float(min(1.0, max(hi, 0.0))), tables, inst.gain * lays[0].gain))
        if out:
            out[-1] = (1.0, *out[-1][1:])  # the loudest layer takes everything above it
            layers[inst.instrument] = out
        if inst.pitch_semitones:
            rates[inst.instrument] = 2.0 ** (inst.pitch_semitones / 12.0)
    if unmapped:
        report.append(f"kit {kit.name}: instruments with no match here: {', '.join(repr(u) for u in unmapped)}")
    return kit.name, layers, rates, choke
