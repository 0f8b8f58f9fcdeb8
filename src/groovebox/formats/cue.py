"""An album's track list as text: ``tracklist.md`` and CUE sheets.

A CUE sheet times each track in minutes, seconds and CD frames (75 a second). Two kinds:
one for the per-track files (each its own ``FILE``, every track at ``00:00:00``) and one for a
gapless single-file master (one ``FILE``, each track at its start on the album). Durations
are written as ``REM DURATION`` lines too (CUE has no field for them).

>>> print(cue_time(61.5))
01:01:37
>>> print(cue_sheet("Tide Tables", "groovebox", [("Velvet Heron", 200.0)], ["01.flac"]).splitlines()[3])
  TRACK 01 AUDIO
"""

from __future__ import annotations

__all__ = ["cue_sheet", "cue_time", "mmss", "tracklist_md"]


def cue_time(seconds: float) -> str:
    """``mm:ss:ff`` (75 frames a second), rounded to the nearest frame."""
    frames = round(seconds * 75)
    return f"{frames // 4500:02d}:{frames // 75 % 60:02d}:{frames % 75:02d}"


def mmss(seconds: float) -> str:
    """``3:41`` (``1:02:03`` past an hour), rounded to the second."""
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _q(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def cue_sheet(title: str, artist: str, tracks, files, *, single_file: str | None = None, starts_s=None,
              genre: str = "", date: str = "") -> str:
    """A CUE sheet.

    Parameters
    ----------
    title, artist : str
    tracks : list of (title, seconds)
    files : list of str
        The track files (for per-track sheets).
    single_file : str, optional
        A gapless master: one FILE, the tracks at ``starts_s``.
    """
    fmt = "WAVE"
    L = []
    if genre:
        L.append(f"REM GENRE {_q(genre)}")
    if date:
        L.append(f"REM DATE {date}")
    L += [f"PERFORMER {_q(artist or 'Unknown')}", f"TITLE {_q(title)}"]
    if single_file is not None:
        L.append(f"FILE {_q(single_file)} {fmt}")
    for i, (name, secs) in enumerate(tracks):
        if single_file is None:
            L.append(f"FILE {_q(files[i])} {fmt}")
        L += [f"  TRACK {i + 1:02d} AUDIO", f"    TITLE {_q(name)}", f"    PERFORMER {_q(artist or 'Unknown')}",
              f"    REM DURATION {mmss(secs)}",
              f"    INDEX 01 {cue_time(starts_s[i] if single_file is not None else 0.0)}"]
    return "\r\n".join(L) + "\r\n"


def tracklist_md(title: str, artist: str, year: int, genre: str, rows, total_s: float, target_s: float,
                 album_lufs: float, album_peak_dbtp: float) -> str:
    """``tracklist.md``: one row per track (number, title, duration, key, tempo, drums, lead,
    loudness, true peak, status), the total against the target, the album loudness."""
    L = [f"# {title}", "", f"{artist} · {year} · {genre}".strip(" ·"), "",
         "| # | title | duration | key | bpm | drums | lead | LUFS | dBTP | status |",
         "| ---: | --- | ---: | --- | ---: | --- | --- | ---: | ---: | --- |"]
    for r in rows:
        L.append(f"| {r['track']} | {r['title']} | {mmss(r['seconds'])} | {r['key']} | {r['bpm']:g} | "
                 f"{'yes' if r['drums'] else 'no'} | {r['lead']} | {r['lufs']:.1f} | {r['true_peak_dbtp']:.1f} | "
                 f"{r['status']} |")
    L += ["", f"Total {mmss(total_s)} ({total_s:.1f} s; target {mmss(target_s)}, "
              f"{total_s - target_s:+.1f} s). Album loudness {album_lufs:.1f} LUFS (one BS.1770 measurement over "
              f"the whole album), true peak {album_peak_dbtp:.1f} dBTP.", ""]
    return "\n".join(L)
