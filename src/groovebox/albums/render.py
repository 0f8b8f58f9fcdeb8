"""Render an album: every track in parallel, one loudness for the whole record, tags, cover,
track list and CUE sheets, written into place only when all of it is done.

1. **Tracks** (in parallel on Dask, :class:`groovebox.batch.Batch`, one local cluster for all
   three rounds): each song's pre-loudness mix (the engine's output: mixer, master EQ and glue
   compressor; no gain, no limiter) to a float file, exactly ``song + tail_s`` long (the ring-out faded over its last second), with
   the track's own loudness and a spectral fingerprint for the cover.
2. **Album loudness**: one BS.1770 meter fed the album timeline (tracks, gaps, crossfades) in
   order, so the gating runs over the album, as if it were one file; one gain brings it to
   the target (-14 LUFS). Every track gets the same gain, so their relative loudness stays.
3. **Masters** (in parallel): each track file's stretch of the timeline through that gain and
   the true-peak limiter (ceiling -1 dBTP; it starts a moment early so it is in step at the
   cut) to 24-bit FLAC and WAV (and Ogg Vorbis / MP3 when asked). The finished album is
   measured again as one programme; where the limiter left it short of the target, the gain
   is raised and the masters made again (rare).
4. **Cover** (from the fingerprints), **tags** (mutagen; ReplayGain 2 track and album values
   measured on the finished files), ``tracklist.md``, ``album.cue``, optionally a gapless FLAC
   of the whole album with its own CUE sheet, and ``album.json`` (the numbers).

Everything is written into a temporary folder beside the output and moved into place at the
end; an interrupted or failed render leaves the output folder as it was. An output folder that
holds anything but an earlier render of the same album is refused.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from groovebox import checks
from groovebox.batch.runner import Batch
from groovebox.dsp.loudness import Meter
from groovebox.dsp.truepeak import MASTER_ITERATIONS, MASTER_TOLERANCE_LU, Master, next_gain_db
from groovebox.formats.album_toml import load as load_album
from groovebox.formats.cue import cue_sheet, tracklist_md
from groovebox.formats.song_toml import field_lines
from groovebox.formats.song_toml import load as load_song
from groovebox.formats.song_toml import loads as loads_song
from groovebox.generators.album import song_file_name
from groovebox.generators.templates import new_song
from groovebox.io.cover import COVER_PX, cover_png, fingerprint
from groovebox.io.tags import TrackTags, rg_gain, set_ogg_serial, write_tags
from groovebox.io.wav import AudioWriter
from groovebox.model.album import Album, AlbumError, layout, track_frames
from groovebox.model.options import RenderOptions
from groovebox.model.song import Song, SongError
from groovebox.renderer.engine import Engine
from groovebox.renderer.plan import plan

__all__ = ["AlbumResult", "album_tracks", "render_album"]

MANIFEST = "album.json"
BLOCK = 16384
TAIL_FADE_S = 1.0
PREROLL_S = 0.2  # the limiter of a track's master starts this early, to be in step at the cut
POSTROLL_S = 0.05  # and looks this far past it (its look-ahead)
WRITE_CHUNK = 16384  # libsndfile's Vorbis encoder crashes on very large single writes


@dataclass
class AlbumResult:
    """What :func:`render_album` made: the folder, the files, and the numbers."""

    folder: Path
    files: list[Path]
    tracks: list[dict]
    album_lufs_before: float
    gain_db: float
    album_lufs: float
    album_true_peak_dbtp: float
    total_s: float
    target_s: float
    seconds: dict = field(default_factory=dict)  # wall time per stage

    @property
    def wall_s(self) -> float:
        return sum(self.seconds.values())


def _title_of(album: Album, i: int, song: Song) -> str:
    return album.tracks[i].title or song.title or f"Track {i + 1}"


def album_tracks(album: Album) -> list[Song]:
    """The album's songs, read from their maps (relative to the album file) or made from templates.

    Raises
    ------
    AlbumError
        A missing or broken song map, named with the album file's line for the track.
    """
    base = Path(album.source).parent if album.source else Path.cwd()
    songs = []
    for i, t in enumerate(album.tracks, 1):
        if t.song is not None:
            p = base / t.song
            if not p.exists():
                err = AlbumError(f"song map '{t.song}' not found (looked in {base})", field=f"tracks.{i}.song")
                raise _located(album, err)
            songs.append(load_song(p))
        else:
            try:
                songs.append(new_song(t.template, seed=t.seed))
            except SongError as exc:
                raise _located(album, AlbumError(exc.message, field=f"tracks.{i}.template")) from None
    return songs


def _located(album: Album, err: AlbumError) -> AlbumError:
    if album.source is None:
        return err
    try:
        where = field_lines(Path(album.source).read_text("utf-8"))
    except OSError:
        where = {}
    parts = (err.field or "").split(".")
    line = None
    while parts and line is None:
        line = where.get(".".join(parts))
        parts.pop()
    return AlbumError(err.message, path=album.source, line=line or 1, field=err.field)


# --- pass 1: each track's pre-loudness mix --------------------------------------------------------------
@dataclass
class PremixJob:
    """Render one song's pre-loudness mix, ``frames`` long, to a raw float32 file."""

    song: Song
    path: str
    frames: int
    sample_rate: int
    fade_frames: int

    def run(self) -> dict:
        sr = self.sample_rate
        the_plan = plan(self.song, RenderOptions(sample_rate=sr))
        engine = Engine(sr, max_block=BLOCK, **(the_plan.engine_options or {}))
        engine.load(the_plan.program)
        out = np.memmap(self.path, np.float32, "w+", shape=(self.frames, 2))
        n = min(the_plan.frames, self.frames)
        pos = 0
        while pos < n:
            m = min(BLOCK, n - pos)
            engine.render_block(m, out[pos:pos + m])
            pos += m
        f = min(self.fade_frames, n)
        if f:  # the ring-out ends in a raised-cosine fade at the track's end
            x = (np.arange(f, dtype=np.float64) + 1.0) / f
            out[n - f:n] *= (0.5 + 0.5 * np.cos(np.pi * x)).astype(np.float32)[:, None]
        meter = Meter(sr, 2)
        meter.feed(out)
        loud = meter.result()
        fp = fingerprint(out[: max(1, n - f)], sr)
        out.flush()
        del out
        return {"lufs": loud.integrated_lufs, "true_peak_dbtp": loud.true_peak_dbtp, "fingerprint": fp}


_WARM_SONG = """
key = "C major"
bpm = 240
[harmony]
A = "I"
[parts.drums]
kind = "drums"
grids = { kick = "x...", snare = "..x.", closed_hat = "xxxx" }
group = "bus"
[parts.bass]
kind = "bass"
compressor = { threshold_db = -20, sidechain = "drums.kick" }
[parts.chords]
kind = "chords"
sends = { reverb = 0.3, delay = 0.1 }
[parts.pad]
kind = "pad"
eq = { highpass_hz = 150 }
[parts.lead]
kind = "lead"
saturation = { drive_db = 3 }
[parts.drone]
kind = "loops"
instrument = "drone"
loops = [{ note = "C3", period_s = 1.0 }]
[parts.tex]
kind = "texture"
texture = "rain"
[mixer.groups.bus]
compressor = { threshold_db = -16 }
[mixer.buses.reverb]
effects = [{ kind = "reverb", decay_s = 1.0 }]
[mixer.buses.delay]
effects = [{ kind = "tape_delay", time_beats = 0.75 }]
[master]
eq = { highpass_hz = 25, high_db = 1 }
compressor = { threshold_db = -14 }
[[sections]]
name = "a"
bars = 1
parts = ["drums", "bass", "chords", "pad", "lead", "drone", "tex"]
"""


def _warm(sample_rate: int) -> None:
    """Load every kernel an album render runs (engine, voices, effects, mixer, meter, limiter)
    into this process by rendering a moment of a small song with every kind of part."""
    song = loads_song(_WARM_SONG)
    the_plan = plan(song, RenderOptions(sample_rate=sample_rate))
    engine = Engine(sample_rate, max_block=BLOCK, **(the_plan.engine_options or {}))
    engine.load(the_plan.program)
    x = engine.render_block(min(BLOCK, the_plan.frames))
    Meter(sample_rate, 2).feed(x)
    stage = Master(sample_rate, 2, gain_db=6.0)
    stage.process(x)
    stage.flush()


def _timeline(tracks: list[tuple[str, int, int]], lo: int, hi: int, crossfade: int) -> np.ndarray:
    """Album frames ``[lo, hi)``: the tracks' raw files placed at their starts, crossfades
    (equal-power) applied."""
    out = np.zeros((hi - lo, 2), np.float32)
    last = len(tracks) - 1
    for j, (path, start, frames) in enumerate(tracks):
        a, b = max(lo, start), min(hi, start + frames)
        if a >= b:
            continue
        src = np.memmap(path, np.float32, "r", shape=(frames, 2))
        seg = np.array(src[a - start:b - start])
        if crossfade:
            k = np.arange(a - start, b - start)
            g = np.ones(len(k))
            if j > 0:
                fin = k < crossfade
                g[fin] *= np.sin(0.5 * np.pi * (k[fin] + 0.5) / crossfade)
            if j < last:
                fout = k >= frames - crossfade
                g[fout] *= np.cos(0.5 * np.pi * (k[fout] - (frames - crossfade) + 0.5) / crossfade)
            seg *= g.astype(np.float32)[:, None]
        out[a - lo:b - lo] += seg
        del src
    return out


# --- pass 2: the masters ----------------------------------------------------------------------------
@dataclass
class LimitJob:
    """One track file's stretch ``[lo, hi)`` of the album through the album gain and the
    true-peak limiter, to a raw float32 file; its loudness and true peak."""

    tracks: list[tuple[str, int, int]]
    lo: int
    hi: int
    album_frames: int
    crossfade: int
    gain_db: float
    ceiling_dbtp: float
    sample_rate: int
    raw_out: str

    def run(self) -> dict:
        sr = self.sample_rate
        pre = min(self.lo, round(PREROLL_S * sr))
        post = min(self.album_frames - self.hi, round(POSTROLL_S * sr))
        x = _timeline(self.tracks, self.lo - pre, self.hi + post, self.crossfade)
        stage = Master(sr, 2, gain_db=self.gain_db, ceiling_dbtp=self.ceiling_dbtp)
        y = np.concatenate([stage.process(x), stage.flush()])
        seg = np.ascontiguousarray(y[pre:pre + self.hi - self.lo])
        seg.tofile(self.raw_out)
        meter = Meter(sr, 2)
        meter.feed(seg)
        loud = meter.result()
        return {"lufs": loud.integrated_lufs, "true_peak_dbtp": loud.true_peak_dbtp,
                "max_reduction_db": stage.max_reduction_db}


@dataclass
class EncodeJob:
    """A finished track (raw float32) into its audio files: 24-bit FLAC/WAV, Vorbis, MP3."""

    raw: str
    frames: int
    sample_rate: int
    outputs: list[str]
    serial: int = 0  # Ogg stream serial (reproducible files)

    def run(self) -> None:
        import soundfile as sf  # libsndfile: the MP3 encoder (the album's staging folder is its atomicity)

        src = np.memmap(self.raw, np.float32, "r", shape=(self.frames, 2))
        for path in self.outputs:
            if path.endswith(".mp3"):
                w = sf.SoundFile(path, "w", self.sample_rate, 2, format="MP3", subtype="MPEG_LAYER_III")
            else:
                w = AudioWriter(path, self.sample_rate, subtype=None if path.endswith(".ogg") else "24")
            with w:
                for i in range(0, self.frames, WRITE_CHUNK):
                    w.write(np.asarray(src[i:i + WRITE_CHUNK]))
            if path.endswith(".ogg"):
                set_ogg_serial(path, self.serial)
        del src


def _album_meter(raw: list[tuple[str, int]], sample_rate: int):
    """One meter over raw float32 files played back to back: (loudness, frames)."""
    meter = Meter(sample_rate, 2)
    for path, frames in raw:
        src = np.memmap(path, np.float32, "r", shape=(frames, 2))
        for i in range(0, frames, 1 << 18):
            meter.feed(np.asarray(src[i:i + (1 << 18)]))
        del src
    return meter.result()


def _timeline_meter(tracks, bounds, crossfade, sample_rate):
    meter = Meter(sample_rate, 2)
    step = 1 << 18
    for lo in range(0, bounds[-1], step):
        meter.feed(_timeline(tracks, lo, min(bounds[-1], lo + step), crossfade))
    return meter.result()


# --- the output folder ----------------------------------------------------------------------------
def _check_output(out: Path, album: Album) -> list[str]:
    """The files an earlier render of this album left in ``out`` (to replace); refuses a folder
    that holds anything else."""
    if out.exists() and not out.is_dir():
        raise AlbumError(f"{out}: exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return []
    man = out / MANIFEST
    if not man.exists():
        raise AlbumError(f"{out}: the folder holds files that are not an album render; choose an empty or new folder")
    try:
        old = json.loads(man.read_text("utf-8"))
        same = old.get("title") == album.title and old.get("artist") == album.artist
        files = [str(f) for f in old.get("files", [])]
    except (OSError, ValueError, AttributeError):
        raise AlbumError(f"{out / MANIFEST}: not an album manifest; choose an empty or new folder") from None
    if not same:
        raise AlbumError(f"{out}: holds the album '{old.get('title')}' by '{old.get('artist')}', not "
                         f"'{album.title}'; choose another folder")
    return files


def _slug(text: str) -> str:
    return song_file_name(-1, text)[3:-5]


def render_album(album: Album | str | os.PathLike, out: str | os.PathLike, *, workers: int | None = None,
                 sample_rate: int | None = None, formats=None, gapless: bool | None = None,
                 log=None) -> AlbumResult:
    """Render an album into the folder ``out``.

    Parameters
    ----------
    album : Album or path
        An album value or an ``album.toml``.
    out : path
        The output folder (made; an earlier render of the same album in it is replaced).
    workers : int, optional
        Processes (default: one per core); 0 renders here, one track after another.
    sample_rate, formats, gapless : optional
        Override the album's.
    log : callable, optional
        ``log(text)`` for progress lines.

    Returns
    -------
    AlbumResult
    """
    if not isinstance(album, Album):
        album = load_album(album)
    changes = {}
    if sample_rate is not None:
        changes["sample_rate"] = checks.sample_rate(sample_rate, error=AlbumError)
    if formats is not None:
        changes["formats"] = tuple(formats)
    if gapless is not None:
        changes["gapless"] = bool(gapless)
    if changes:
        album = album.replace(**changes)
    _check_formats(album.formats)
    say = log or (lambda text: None)
    clock = {}
    t0 = time.perf_counter()
    songs = album_tracks(album)
    out = Path(out)
    old_files = _check_output(out, album)
    sr = album.sample_rate
    n = len(songs)
    frames = [track_frames(s.duration_s, album.tail_s, sr) for s in songs]
    gap, xfade = round(album.gap_s * sr), round(album.crossfade_s * sr)
    starts, bounds = layout(frames, gap, xfade)
    titles = [_title_of(album, i, s) for i, s in enumerate(songs)]
    stems = [f"{i + 1:02d}-{_slug(t)}" for i, t in enumerate(titles)]
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".album-tmp", dir=out.parent))
    try:
        work = stage / ".work"
        work.mkdir()
        raws = [str(work / f"{i:02d}.premix.f32") for i in range(n)]
        placed = [(raws[i], starts[i], frames[i]) for i in range(n)]
        clock["prepare"] = time.perf_counter() - t0
        # 1. the tracks
        t = time.perf_counter()
        fade = round(max(0.01, min(TAIL_FADE_S, album.tail_s)) * sr)
        # One local Dask cluster for the three rounds (tracks, masters, files). Its workers are
        # spawned processes: compiling the kernels here first puts them in the on-disk cache,
        # so each worker loads them instead of compiling them again.
        pool = 0 if n == 1 else workers
        with Batch(workers=pool, warm=None if pool == 0 else (lambda: _warm(sr))) as batch:
            jobs = [PremixJob(s, raws[i], frames[i], sr, fade) for i, s in enumerate(songs)]
            say(f"rendering {n} tracks ({sum(frames) / sr / 60:.1f} min) on "
                f"{min(n, batch.workers) or 1} process(es)")
            pre = batch.run(jobs, chunk_size=1, on_done=lambda i, r: say(f"  {titles[i]}: {r['lufs']:.1f} LUFS before"))
            clock["render"] = time.perf_counter() - t
            # 2. the album's loudness, one measurement
            t = time.perf_counter()
            before = _timeline_meter(placed, bounds, xfade, sr)
            if not before.measurable:
                raise AlbumError("the album is silent (below the -70 LUFS gate); nothing to master")
            gain_db = before.gain_db_to(album.loudness_lufs)
            clock["measure"] = time.perf_counter() - t
            # 3. the masters
            t = time.perf_counter()
            outs = [[str(stage / f"{stems[i]}.{ext}") for ext in album.formats] for i in range(n)]
            raw_outs = [str(work / f"{i:02d}.master.f32") for i in range(n)]
            tries: list[tuple[float, float]] = []
            for attempt in range(MASTER_ITERATIONS):
                mjobs = [LimitJob(placed, bounds[i], bounds[i + 1], bounds[-1], xfade, gain_db, album.ceiling_dbtp, sr,
                                  raw_outs[i]) for i in range(n)]
                masters = batch.run(mjobs, chunk_size=1)
                after = _album_meter([(raw_outs[i], bounds[i + 1] - bounds[i]) for i in range(n)], sr)
                short = album.loudness_lufs - after.integrated_lufs
                limited = max(m["max_reduction_db"] for m in masters)
                if short <= MASTER_TOLERANCE_LU or limited == 0.0 or attempt == MASTER_ITERATIONS - 1:
                    break
                tries.append((gain_db, after.integrated_lufs))
                gain_db = next_gain_db(tries, album.loudness_lufs)
                say(f"  the limiter left the album {short:.2f} LU short; again with {gain_db:+.2f} dB")
            clock["master"] = time.perf_counter() - t
            t = time.perf_counter()
            batch.run([EncodeJob(raw_outs[i], bounds[i + 1] - bounds[i], sr, outs[i], (album.seed * 1009 + i + 1) & 0xFFFFFFFF)
                       for i in range(n)], chunk_size=1)
            clock["encode"] = time.perf_counter() - t
        say(f"album: {before.integrated_lufs:.2f} LUFS before, gain {gain_db:+.2f} dB, "
            f"{after.integrated_lufs:.2f} LUFS after, true peak {after.true_peak_dbtp:.2f} dBTP")
        # 4. cover, tags, track list, CUE, gapless master
        t = time.perf_counter()
        png = cover_png([p["fingerprint"] for p in pre], album.title, album.artist, album.seed, COVER_PX)
        (stage / "cover.png").write_bytes(png)
        rows = []
        album_peak = max(m["true_peak_dbtp"] for m in masters)
        for i, s in enumerate(songs):
            comment = "; ".join(x for x in (
                ("Themes: " + ", ".join(s.themes)) if s.themes else "",
                ("Mood: " + ", ".join(s.mood)) if s.mood else "") if x)
            rg = {"REPLAYGAIN_TRACK_GAIN": rg_gain(masters[i]["lufs"]),
                  "REPLAYGAIN_TRACK_PEAK": f"{10 ** (masters[i]['true_peak_dbtp'] / 20):.6f}",
                  "REPLAYGAIN_ALBUM_GAIN": rg_gain(after.integrated_lufs),
                  "REPLAYGAIN_ALBUM_PEAK": f"{10 ** (album_peak / 20):.6f}"}
            tags = TrackTags(titles[i], album.artist, album.title, i + 1, n, str(album.year),
                             album.genre or album.guidelines.genre, comment, rg, png, (COVER_PX, COVER_PX))
            for path in outs[i]:
                write_tags(path, tags)
            lead = next((p.fields.get("instrument") for p in s.parts if p.kind == "lead"), "")
            rows.append({"track": i + 1, "title": titles[i], "file": stems[i], "seconds": (bounds[i + 1] - bounds[i]) / sr,
                         "song_s": s.duration_s, "key": s.key, "bpm": s.bpm,
                         "drums": any(p.kind == "drums" for p in s.parts), "lead": lead or "",
                         "leads": sorted({str(p.fields.get("instrument")) for p in s.parts if p.kind == "lead"}),
                         "lufs_before": pre[i]["lufs"], "lufs": masters[i]["lufs"],
                         "true_peak_dbtp": masters[i]["true_peak_dbtp"], "themes": list(s.themes),
                         "status": album.tracks[i].notes.status})
        total_s = bounds[-1] / sr
        (stage / "tracklist.md").write_text(tracklist_md(album.title, album.artist, album.year,
                                                         album.genre or album.guidelines.genre, rows, total_s,
                                                         album.target_s, after.integrated_lufs, after.true_peak_dbtp),
                                            "utf-8")
        first = album.formats[0]
        track_rows = [(titles[i], rows[i]["seconds"]) for i in range(n)]
        (stage / "album.cue").write_text(cue_sheet(album.title, album.artist, track_rows,
                                                   [f"{stems[i]}.{first}" for i in range(n)],
                                                   genre=album.genre, date=str(album.year)), "utf-8")
        files = [Path(p).name for o in outs for p in o] + ["cover.png", "tracklist.md", "album.cue"]
        if album.gapless:
            gname = f"{_slug(album.title)}-gapless.flac"
            with AudioWriter(stage / gname, sr, subtype="24") as w:
                for i in range(n):
                    src = np.memmap(raw_outs[i], np.float32, "r", shape=(bounds[i + 1] - bounds[i], 2))
                    for k in range(0, len(src), 1 << 16):
                        w.write(np.asarray(src[k:k + (1 << 16)]))
                    del src
            write_tags(stage / gname, TrackTags(album.title, album.artist, album.title, 1, 1, str(album.year),
                                                album.genre, "Gapless master; tracks in the CUE sheet",
                                                {"REPLAYGAIN_TRACK_GAIN": rg_gain(after.integrated_lufs),
                                                 "REPLAYGAIN_TRACK_PEAK": f"{10 ** (album_peak / 20):.6f}"},
                                                png, (COVER_PX, COVER_PX)))
            (stage / f"{_slug(album.title)}-gapless.cue").write_text(
                cue_sheet(album.title, album.artist, track_rows, [], single_file=gname,
                          starts_s=[b / sr for b in bounds[:-1]], genre=album.genre, date=str(album.year)), "utf-8")
            files += [gname, f"{_slug(album.title)}-gapless.cue"]
        shutil.rmtree(work)
        manifest = {"title": album.title, "artist": album.artist, "year": album.year, "genre": album.genre,
                    "sample_rate": sr, "formats": list(album.formats), "files": [*files, MANIFEST],
                    "album_lufs_before": before.integrated_lufs, "gain_db": gain_db,
                    "album_lufs": after.integrated_lufs, "album_true_peak_dbtp": after.true_peak_dbtp,
                    "total_s": total_s, "target_s": album.target_s, "tracks": rows}
        (stage / MANIFEST).write_text(json.dumps(_finite(manifest), indent=1) + "\n", "utf-8")
        files.append(MANIFEST)
        clock["finish"] = time.perf_counter() - t
        # 5. into place
        out.mkdir(parents=True, exist_ok=True)
        for name in old_files:
            if name not in files and "/" not in name and name not in ("", ".", ".."):
                (out / name).unlink(missing_ok=True)
        for name in files:
            os.replace(stage / name, out / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return AlbumResult(out, [out / f for f in files], rows, before.integrated_lufs, gain_db, after.integrated_lufs,
                       after.true_peak_dbtp, total_s, album.target_s, clock)


def _finite(x):
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return x


def _check_formats(formats) -> None:
    import soundfile as sf  # libsndfile: which lossy encoders this build has

    have = sf.available_formats()
    for f in formats:
        if f in ("ogg", "mp3") and f.upper() not in have:
            raise AlbumError(f"this libsndfile ({sf.__libsndfile_version__}) cannot write {f}; "
                             f"use flac or wav", field="formats")
