"""Albums: guidelines followed, album loudness by an independent meter, tags by two readers,
cover, CUE, byte-identical renders, production notes edited in place, bad input.

The rendered album here is small (3 tracks, 4 minutes at 16 kHz) to keep CI fast; the full
6-track, 22-minute EP is benchmarks/bench_album.py.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from groovebox.cli import main
from groovebox.formats.album_toml import load, loads, set_status
from groovebox.generators.album import MAX_TEMPO_STEP, key_distance, new_album
from groovebox.generators.guidelines import GUIDELINES, guidelines
from groovebox.model.album import AlbumError, Guidelines, layout

pyloudnorm = pytest.importorskip("pyloudnorm", reason="pyloudnorm (the dev extra) is the independent BS.1770 meter here")
tinytag = pytest.importorskip("tinytag", reason="tinytag (the dev extra) is the second tag reader here")

SR = 16000
FORMATS = "flac,wav,ogg,mp3"


# --- guidelines -> song maps ------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(GUIDELINES))
@pytest.mark.parametrize("seed", [1, 7])
def test_new_album_follows_its_guidelines(name, seed):
    g = guidelines(name)
    album, songs = new_album(name, tracks=6, minutes=22, seed=seed)
    ss = [s for _, s in songs]
    assert len(ss) == 6 == len(album.tracks)
    assert abs(album.total_s([s.duration_s for s in ss]) - 22 * 60) <= 5
    keys = [s.key for s in ss]
    assert len(set(keys)) == 6, keys
    assert all(k.split()[1] in g.modes for k in keys)
    assert all(key_distance(a, b) <= 2 for a, b in zip(keys, keys[1:], strict=False)), keys
    bpms = [s.bpm for s in ss]
    assert len(set(bpms)) == 6 and all(g.bpm[0] <= b <= g.bpm[1] for b in bpms)
    assert all(abs(a - b) <= MAX_TEMPO_STEP for a, b in zip(bpms, bpms[1:], strict=False)), bpms
    drums = [any(p.kind == "drums" for p in s.parts) for s in ss]
    if g.drums == "always":
        assert all(drums)
    elif g.drums == "sometimes":
        assert any(drums) and not all(drums), drums
    leads = [{p.fields["instrument"] for p in s.parts if p.kind == "lead"} for s in ss]
    assert all(lead and lead <= set(g.leads) for lead in leads)
    assert set().union(*leads) == set(g.leads)  # the album plays every lead instrument
    assert all(any(p.kind == "lead" for p in s.parts if p.name in sec.parts) for s in ss for sec in s.sections
               if sec.name in ("chorus", "bloom"))
    textures = {p.fields["texture"] for s in ss for p in s.parts if p.kind == "texture"}
    assert textures and textures <= set(g.elements)
    assert all(any(p.kind == "pad" for p in s.parts) == g.pads for s in ss)
    assert all(any(p.kind == "loops" and p.fields["instrument"] == "drone" for p in s.parts) == g.drones for s in ss)
    titles = [s.title for s in ss]
    assert len(set(titles)) == 6 and album.title not in titles
    assert all(s.themes and set(s.themes) <= set(g.themes) for s in ss)


def test_drums_never_gives_no_drum_track_and_always_gives_all():
    base = guidelines("chill")
    never = Guidelines(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, "drums": "never"})
    _, songs = new_album(never, tracks=5, minutes=15, seed=3)
    assert not any(p.kind == "drums" for _, s in songs for p in s.parts)
    always = Guidelines(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, "drums": "always"})
    _, songs = new_album(always, tracks=5, minutes=15, seed=3)
    assert all(any(p.kind == "drums" for p in s.parts) for _, s in songs)


def test_same_guidelines_and_seed_same_album_other_seed_another():
    a = new_album("night-drive", tracks=4, minutes=14, seed=5)
    b = new_album("night-drive", tracks=4, minutes=14, seed=5)
    c = new_album("night-drive", tracks=4, minutes=14, seed=6)
    assert a == b
    assert [s.key for _, s in a[1]] != [s.key for _, s in c[1]] or [s.bpm for _, s in a[1]] != [s.bpm for _, s in c[1]]


def test_guidelines_file(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(GUIDELINES["lofi-study"].replace('name = "lofi-study"', 'name = "mine"')
                 .replace('drums = "sometimes"', 'drums = "never"'))
    album, songs = new_album(str(f), tracks=2, minutes=5, seed=0)
    assert album.guidelines.name == "mine"
    assert not any(p.kind == "drums" for _, s in songs for p in s.parts)
    f.write_text(GUIDELINES["chill"].replace('leads = ["piano", "guitar"]', 'leads = ["piano", "banjoo"]'))
    with pytest.raises(AlbumError, match=r"mine.toml:\d+: field 'leads': unknown lead instrument 'banjoo'"):
        new_album(str(f), tracks=2, minutes=5)


# --- album.toml and production notes ----------------------------------------------------------------
ALBUM = """\
# my first EP
title = "Tide Tables"   # working title
artist = "Me"

[[tracks]]
song = "01.toml"
status = "needs-work"   # the hats
feedback = ["hats too loud"]

[[tracks]]
song = "02.toml"
title = "Low Water"
# nothing yet
"""


def test_set_status_edits_in_place_keeping_comments_and_layout(tmp_path):
    p = tmp_path / "album.toml"
    p.write_text(ALBUM)
    set_status(p, "1", "Finished")
    after = p.read_text()
    diff = [(a, b) for a, b in zip(ALBUM.splitlines(), after.splitlines(), strict=False) if a != b]
    assert diff == [('status = "needs-work"   # the hats', 'status = "finished"   # the hats')]
    set_status(p, "low water", "pending")  # by title; a track without a status gets one
    text = p.read_text()
    assert text.startswith(ALBUM.split("[[tracks]]\nsong = \"02.toml\"")[0].replace("needs-work", "finished"))
    assert "# nothing yet" in text and "# my first EP" in text
    assert [t.notes.status for t in load(p).tracks] == ["finished", "pending"]


def test_cli_status_and_bad_status_word(tmp_path, capsys):
    p = tmp_path / "album.toml"
    p.write_text(ALBUM)
    assert main(["album", "status", str(p)]) == 0
    out = capsys.readouterr().out
    assert "needs-work" in out and "hats too loud" in out and "Low Water" in out
    assert main(["album", "set-status", str(p), "2", "done"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown status 'done'" in err and "finished" in err
    assert p.read_text() == ALBUM
    assert main(["album", "set-status", str(p), "9", "finished"]) == 2
    assert "tracks 1..2" in capsys.readouterr().err


def test_album_file_errors_name_line_and_field(tmp_path):
    with pytest.raises(AlbumError, match=r"a.toml:5: field 'tracks.1.status': unknown status 'dun'"):
        loads('title = "x"\n\n[[tracks]]\nsong = "a.toml"\nstatus = "dun"\n', tmp_path / "a.toml")
    with pytest.raises(AlbumError, match=r"field 'guidelines.drums': unknown drums setting 'somtimes'.*sometimes"):
        loads('title = "x"\n[guidelines]\ndrums = "somtimes"\n[[tracks]]\nsong = "a.toml"\n')


def test_layout_gaps_and_crossfades():
    starts, bounds = layout([100, 200, 50], gap=10)
    assert starts == [0, 110, 320] and bounds == [0, 110, 320, 370]
    starts, bounds = layout([100, 200, 50], crossfade=20)
    assert starts == [0, 80, 260] and bounds[-1] == 310


# --- bad input at the command line -------------------------------------------------------------------
def test_new_album_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys):
    out = tmp_path / "ep"
    assert main(["new", "album", "--guidelines", "chil", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'chill'" in err
    assert main(["new", "album", "--guidelines", "chill", "--tracks", "2", "--minutes", "60", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "more than 2 tracks can fill" in err
    assert not out.exists()


# --- a rendered album ----------------------------------------------------------------------------
def _make(folder: Path, seed: int = 1) -> Path:
    rc = main(["new", "album", "--guidelines", "chill", "--tracks", "3", "--minutes", "4", "--seed", str(seed),
               "--sample-rate", str(SR), "--formats", FORMATS, "--gapless", "-o", str(folder)])
    assert rc == 0
    return folder / "album.toml"


def _quieter(song_map: Path, db: float = -6.0) -> None:
    """Leave one track's mix ``db`` quieter (a broad master EQ cut), so the album has tracks of
    clearly different loudness whose difference the album gain must keep."""
    text = song_map.read_text()
    start = text.index("[master]\neq = {")
    end = text.index("\n", start + len("[master]\n"))
    cut = f"eq = {{ highpass_hz = 25, low_db = {db}, mid_db = {db}, mid_q = 0.1, high_db = {db} }}"
    song_map.write_text(text[:start] + "[master]\n" + cut + text[end:])


@pytest.fixture(scope="module")
def ep(tmp_path_factory):
    d = tmp_path_factory.mktemp("ep")
    album = _make(d / "src")
    _quieter(sorted((d / "src").glob("02-*.toml"))[0])
    assert main(["album", str(album), "-o", str(d / "out")]) == 0
    return d


def _tracks(out: Path, ext: str) -> list[Path]:
    return sorted(p for p in out.glob(f"[0-9][0-9]-*.{ext}"))


def test_album_files_and_length(ep):
    out = ep / "out"
    for ext in FORMATS.split(","):
        assert len(_tracks(out, ext)) == 3
    lengths = [sf.info(str(p)).frames / SR for p in _tracks(out, "wav")]
    assert abs(sum(lengths) - 240) <= 5
    assert all(sf.info(str(p)).subtype == "PCM_24" for p in _tracks(out, "wav") + _tracks(out, "flac"))


def _true_peak_dbtp(x: np.ndarray) -> float:
    from scipy.signal import resample_poly  # independent of our limiter's interpolator

    return 20 * np.log10(np.abs(resample_poly(x, 4, 1, axis=0)).max())


def test_album_loudness_independently_measured(ep):
    out = ep / "out"
    audio = [sf.read(str(p))[0] for p in _tracks(out, "wav")]
    meter = pyloudnorm.Meter(SR)
    album_lufs = meter.integrated_loudness(np.concatenate(audio))
    assert abs(album_lufs - -14.0) <= 0.5
    for x in audio:
        assert _true_peak_dbtp(x) <= -1.0 + 0.05
    after = [meter.integrated_loudness(x) for x in audio]
    man = json.loads((out / "album.json").read_text())
    before = [t["lufs_before"] for t in man["tracks"]]
    spread_before = max(before) - min(before)
    spread_after = max(after) - min(after)
    assert spread_before > 0.5  # the tracks differ, and keep their difference:
    assert abs(spread_after - spread_before) <= 0.5
    # ReplayGain 2: album gain to -18 LUFS
    from groovebox.io.tags import read_tags

    tags = read_tags(_tracks(out, "flac")[0])
    assert abs(float(tags["REPLAYGAIN_ALBUM_GAIN"].split()[0]) - (-18.0 - album_lufs)) <= 0.2


def test_tags_read_back_identically_by_mutagen_and_tinytag(ep):
    from PIL import Image

    from groovebox.io.tags import read_tags

    out = ep / "out"
    cover = (out / "cover.png").read_bytes()
    img = Image.open(io.BytesIO(cover))
    assert img.size[0] == img.size[1] >= 1400
    man = json.loads((out / "album.json").read_text())
    for ext in FORMATS.split(","):
        for i, path in enumerate(_tracks(out, ext), 1):
            m = read_tags(path)
            t = tinytag.TinyTag.get(str(path), image=True)
            row = man["tracks"][i - 1]
            assert m["title"] == t.title == row["title"]
            assert m["artist"] == t.artist == "groovebox"
            assert m["album"] == t.album == man["title"]
            assert (m["track"], m["total"]) == (t.track, t.track_total) == (i, 3)
            assert m["date"] == t.year == "2025"
            assert m["genre"] == t.genre == "Chillwave"
            assert m["comment"] == t.comment and all(th in m["comment"] for th in row["themes"])
            for k in ("REPLAYGAIN_TRACK_GAIN", "REPLAYGAIN_TRACK_PEAK", "REPLAYGAIN_ALBUM_GAIN", "REPLAYGAIN_ALBUM_PEAK"):
                assert [m[k]] == t.other[k.lower()], (ext, k)
            assert m["cover"] == t.images.front_cover.data == cover
            assert Image.open(io.BytesIO(m["cover"])).size == img.size


def test_tracklist_cue_and_gapless_master(ep):
    out = ep / "out"
    man = json.loads((out / "album.json").read_text())
    md = (out / "tracklist.md").read_text()
    cue = (out / "album.cue").read_text()
    for t in man["tracks"]:
        assert t["title"] in md and t["title"] in cue
        m, s = divmod(round(t["seconds"]), 60)
        assert f"| {m}:{s:02d} |" in md
    gapless = next(out.glob("*-gapless.flac"))
    whole, _ = sf.read(str(gapless), dtype="int32")
    parts = np.concatenate([sf.read(str(p), dtype="int32")[0] for p in _tracks(out, "flac")])
    assert np.array_equal(whole, parts)  # sample for sample the tracks back to back
    gcue = next(out.glob("*-gapless.cue")).read_text()
    idx = re.findall(r"INDEX 01 (\d\d):(\d\d):(\d\d)", gcue)
    starts = [int(m) * 60 + int(s) + int(f) / 75 for m, s, f in idx]
    ends = np.cumsum([t["seconds"] for t in man["tracks"]])
    assert starts[0] == 0 and np.allclose(starts[1:], ends[:-1], atol=1 / 75)


def test_same_guidelines_and_seed_give_identical_bytes(ep, tmp_path):
    album = _make(tmp_path / "src")
    _quieter(sorted((tmp_path / "src").glob("02-*.toml"))[0])  # the same edit as the fixture's
    assert main(["album", str(album), "-o", str(tmp_path / "out"), "--workers", "0"]) == 0
    a, b = ep / "out", tmp_path / "out"
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n


def test_output_folder_with_another_album_or_other_files_refused(ep, tmp_path, capsys):
    other = tmp_path / "other"
    shutil.copytree(ep / "out", other)
    man = json.loads((other / "album.json").read_text())
    man["title"] = "Someone Else's Record"
    (other / "album.json").write_text(json.dumps(man))
    before = {p.name: p.read_bytes() for p in other.iterdir()}
    assert main(["album", str(ep / "src" / "album.toml"), "-o", str(other)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Someone Else's Record" in err
    assert {p.name: p.read_bytes() for p in other.iterdir()} == before
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("mine")
    assert main(["album", str(ep / "src" / "album.toml"), "-o", str(junk)]) == 2
    assert "not an album render" in capsys.readouterr().err
    assert [p.name for p in junk.iterdir()] == ["notes.txt"]
    assert not list(tmp_path.glob(".*album-tmp"))


def test_missing_track_file_names_the_album_line(ep, tmp_path, capsys):
    src = tmp_path / "src"
    shutil.copytree(ep / "src", src)
    first = sorted(src.glob("01-*.toml"))[0]
    first.unlink()
    assert main(["album", str(src / "album.toml"), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(r"album.toml:\d+: field 'tracks.1.song': song map '01-.*' not found", err)
    assert not (tmp_path / "out").exists()


def test_cli_new_album_script_runs_without_a_terminal(tmp_path):
    r = subprocess.run([sys.executable, "-m", "groovebox", "new", "album", "--guidelines", "lofi-study", "--tracks", "2",
                        "--minutes", "4", "-o", str(tmp_path / "x")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "x" / "album.toml").exists() and len(list((tmp_path / "x").glob("0*.toml"))) == 2


def test_crossfade_timeline_is_equal_power_and_cut_anywhere(tmp_path):
    from groovebox.albums.render import _timeline

    rng = np.random.default_rng(0)
    frames = [4000, 3000, 5000]
    paths = []
    for i, f in enumerate(frames):
        p = tmp_path / f"{i}.f32"
        rng.standard_normal((f, 2)).astype(np.float32).tofile(p)
        paths.append(str(p))
    starts, bounds = layout(frames, crossfade=1000)
    placed = list(zip(paths, starts, frames, strict=True))
    whole = _timeline(placed, 0, bounds[-1], 1000)
    pieces = np.concatenate([_timeline(placed, a, b, 1000) for a, b in zip(bounds, bounds[1:], strict=False)])
    assert np.array_equal(whole, pieces)
    a = np.fromfile(paths[0], np.float32).reshape(-1, 2)
    assert np.array_equal(whole[:3000], a[:3000])  # before the overlap: track 1 untouched
    over = whole[3000:4000]  # two uncorrelated tracks, equal-power fades: the power holds
    assert 0.8 < np.mean(over ** 2) / np.mean(whole[:3000] ** 2) < 1.25
