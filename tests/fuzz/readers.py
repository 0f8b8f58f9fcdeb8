"""Every reader of user files, with valid seeds to mutate and its time and memory bounds.

**Adding a reader is one line** (at the end of this file)::

    register("album", "album.toml", read=lambda p: album_toml.load(p), seeds=toml_files("albums"))

``read`` takes the path of the (mutated) file, or of the folder for ``folder=True`` readers;
``seeds`` returns valid inputs as :class:`~tests.fuzz.mutate.Case` values (``toml_files``,
``one_file`` and ``folder`` build them). The short run in ``make test`` and the long run in
``make fuzz`` pick it up from :data:`READERS`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .mutate import Case

ROOT = Path(__file__).resolve().parents[2]
SR = 48000
DEMO_SONGS = Path("/usr/share/hydrogen/data/demo_songs")
GMROCK = Path("/usr/share/hydrogen/data/drumkits/GMRockKit")


@dataclass(frozen=True)
class Reader:
    name: str
    read: Callable[[Path], object]
    seeds: Callable[[], tuple[Case, ...]]
    text: bool = True  # text format: text-aware mutations too
    folder: bool = False  # reads a folder; mutations rename, damage and replace its files
    max_seconds: float = 10.0  # CPU seconds per case (a wall-clock backstop at 3x)
    max_bytes: int = 256 << 20  # peak Python + numpy allocations per case
    before: Callable[[], None] | None = None  # run before each case (clear caches)


READERS: dict[str, Reader] = {}


def register(name: str, filename: str | None = None, *, read, seeds, **options) -> Reader:
    """Add a reader to the fuzz suite (``filename`` is documentation: what it reads)."""
    reader = Reader(name, read, cache(seeds), **options)
    READERS[name] = reader
    return reader


# -- seed builders ---------------------------------------------------------------------------
def one_file(name: str, data: bytes | str) -> Case:
    return Case(((name, data.encode() if isinstance(data, str) else data),))


def folder(**files: bytes | str) -> Case:
    return Case(tuple((n.replace("__", "."), d.encode() if isinstance(d, str) else d) for n, d in files.items()))


def toml_files(pattern: str, limit: int = 12) -> Callable[[], tuple[Case, ...]]:
    """Seeds: up to ``limit`` files matching ``pattern`` under the repository (spread out)."""
    def seeds():
        found = sorted(ROOT.glob(pattern))
        step = max(1, len(found) // limit)
        return tuple(one_file(p.name, p.read_bytes()) for p in found[::step][:limit])
    return seeds


def audio(seconds: float = 0.05, rate: int = SR, fmt: str = "WAV", subtype: str = "PCM_16", channels: int = 1) -> bytes:
    import soundfile as sf

    t = np.arange(int(seconds * rate)) / rate
    x = (0.5 * np.sin(2 * np.pi * 180 * t) * np.exp(-t * 30)).astype(np.float32)
    x = np.repeat(x[:, None], channels, axis=1)
    buf = io.BytesIO()
    sf.write(buf, x, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


# -- the readers -------------------------------------------------------------------------------
def _pattern_read(path):
    from groovebox.formats import pattern_toml

    return pattern_toml.load(path)


def _kit_read(path):
    from groovebox.kits.samples import load_sample_kit

    return load_sample_kit(path, SR)


def _clear_kit_cache():
    from groovebox.kits.samples import clear_cache

    clear_cache()


def _kit_toml_seeds():
    kick = audio()
    return (
        folder(kick__wav=kick, kit__toml='name = "dusty"\n[tune]\nkick = -2\n[gain_db]\nkick = -3.5\n'),
        folder(kick__wav=kick, snare__wav=kick, kit__toml='name = "x"\n[tune]\nsnare = 1.5\n'),
    )


def _sample_folder_seeds():
    return (
        folder(kick__wav=audio(), snare_1__wav=audio(0.03), snare_2__wav=audio(0.04, subtype="PCM_24"),
               closed_hat_rr1__wav=audio(0.02, 44100), closed_hat_rr2__wav=audio(0.02, 44100, subtype="FLOAT"),
               ride__flac=audio(0.06, fmt="FLAC"), HatOpen__aiff=audio(0.03, fmt="AIFF"),
               kit__toml='name = "seed"\n[tune]\nkick = -1\n'),
        folder(BD__wav=audio(channels=2), SD_v1__wav=audio(0.02), SD_v2__wav=audio(0.03),
               crash__ogg=audio(0.2, fmt="OGG", subtype="VORBIS")),
    )


def _midi_seeds(kind: str):
    def seeds():
        import groovebox as gb
        from groovebox import library

        out = []
        tmp = Path(__import__("tempfile").mkdtemp())
        if kind == "drums":
            for pid in ("funk/cissy-strut", "breaks/amen-break", "jazz/swing-ride", "latin/songo"):
                path = gb.export(library.load(pid), tmp / "p.mid")
                out.append(one_file("p.mid", path.read_bytes()))
        else:
            prog = gb.progression("ii7 V7 Imaj7 vi7", key="Bb")
            for extra in ({}, {"bass": "walking", "melody": True}):
                path = gb.export(gb.arrange(prog, **extra), tmp / "n.mid")
                out.append(one_file("n.mid", path.read_bytes()))
        return tuple(out)
    return seeds


def _midi_drums_read(path):
    from groovebox.formats.midi.drums import read_drum_midi

    return read_drum_midi(path)


def _midi_notes_read(path):
    from groovebox.formats.midi.notes import read_midi

    return read_midi(path)


_H2NOTE = ("<note><position>{pos}</position><leadlag>{ll}</leadlag><velocity>{vel}</velocity><pan>0</pan>"
           "<key>C0</key><length>-1</length><instrument>{ins}</instrument><type>{type}</type>"
           "<note_off>false</note_off><probability>{prob}</probability></note>")


def _h2notes(spec):
    return "".join(_H2NOTE.format(pos=p, ll=ll, vel=v, ins=i, type=t, prob=pr) for p, ll, v, i, t, pr in spec)


_NOTES = [(0, 0, 0.8, 0, "Kick", 1), (48, 0.2, 0.9, 2, "Snare", 1), (96, 0, 0.5, 0, "Kick", 0.5),
          (144, -0.3, 1.0, 2, "Snare", 1), *[(p, 0, 0.7, 6, "Hi-hat Closed", 1) for p in range(0, 192, 24)]]


def _hydrogen_seeds(kind: str):
    def seeds():
        if kind == "pattern":
            return (
                one_file("p.h2pattern", '<?xml version="1.0" encoding="UTF-8"?>\n<drumkit_pattern '
                         'xmlns="http://www.hydrogen-music.org/drumkit_pattern"><drumkit_name>GMRockKit</drumkit_name>'
                         f'<pattern><name>Seed</name><info>fuzz seed</info><size>192</size><denominator>4</denominator>'
                         f'<category>funk</category><noteList>{_h2notes(_NOTES)}</noteList></pattern>'
                         '</drumkit_pattern>\n'),
                one_file("p.h2pattern", '<?xml version="1.0"?>\n<drumkit_pattern><pattern_for_drumkit>TR808'
                         '</pattern_for_drumkit><pattern><pattern_name>Shuffle</pattern_name><size>144</size>'
                         f'<noteList>{_h2notes([(p, 0, 0.8, 12, "Ride", 1) for p in (0, 24, 36, 60, 72)])}'
                         '</noteList></pattern></drumkit_pattern>\n'),
            )
        song = ('<?xml version="1.0" encoding="UTF-8"?>\n<song><name>Seed Song</name><bpm>96</bpm>'
                '<swing_factor>0.3</swing_factor><instrumentList>'
                + "".join(f"<instrument><id>{i}</id><name>{n}</name></instrument>"
                          for i, n in enumerate(["Kick", "Stick", "Snare", "Clap", "Rim", "Floor", "Hat Closed"]))
                + f'</instrumentList><patternList><pattern><name>a</name><size>192</size><noteList>'
                f'{_h2notes(_NOTES)}</noteList></pattern><pattern><name>b</name><size>96</size><noteList>'
                f'{_h2notes(_NOTES[:2])}</noteList></pattern></patternList></song>\n')
        out = [one_file("s.h2song", song)]
        if DEMO_SONGS.is_dir():  # the hydrogen-data package's demo songs, when installed
            out += [one_file("s.h2song", p.read_bytes()) for p in sorted(DEMO_SONGS.glob("*.h2song"))[:3]]
        return tuple(out)
    return seeds


def _hydrogen_read(path):
    from groovebox.formats.hydrogen import read_hydrogen

    return read_hydrogen(path)


def _drumkit_seeds():
    layer = ("<layer><filename>{f}</filename><min>{lo}</min><max>{hi}</max><gain>1</gain>"
             "<pitch>{p}</pitch></layer>")
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">'
           "<name>Seed Kit</name><instrumentList>"
           "<instrument><id>0</id><name>Kick</name><volume>1</volume><isMuted>false</isMuted><pitchOffset>0"
           "</pitchOffset><gain>1</gain><muteGroup>-1</muteGroup><instrumentComponent><component_id>0</component_id>"
           "<gain>1</gain>" + layer.format(f="k1.wav", lo=0, hi=0.5, p=0) + layer.format(f="k2.wav", lo=0.5, hi=1, p=-2)
           + "</instrumentComponent></instrument>"
           "<instrument><id>1</id><name>Hat Closed</name><volume>0.8</volume><muteGroup>1</muteGroup>"
           "<layer><filename>h.flac</filename><min>0</min><max>1</max><gain>1</gain><pitch>0</pitch></layer>"
           "</instrument><instrument><id>2</id><name>Hat Open</name><muteGroup>1</muteGroup>"
           "<filename>h.flac</filename></instrument></instrumentList></drumkit_info>\n")
    out = [folder(drumkit__xml=xml, k1__wav=audio(), k2__wav=audio(0.08), h__flac=audio(0.03, fmt="FLAC"))]
    if GMROCK.is_dir():  # the real thing's drumkit.xml, over short made-up samples of its file names
        import re

        text = (GMROCK / "drumkit.xml").read_text()
        names = sorted(set(re.findall(r"<filename>([^<]+)</filename>", text)))
        out.append(Case((("drumkit.xml", text.encode()), *((n, audio(0.01)) for n in names))))
    return tuple(out)


def _song_read(path):
    from groovebox.formats import song_toml

    return song_toml.load(path)


register("pattern_toml", "*.toml", read=_pattern_read, seeds=toml_files("patterns/*/*.toml"))
register("kit_toml", "kit.toml in a kit folder", read=_kit_read, seeds=_kit_toml_seeds, folder=True,
         before=_clear_kit_cache)
register("sample_folder", "a folder of one-shots", read=_kit_read, seeds=_sample_folder_seeds, folder=True,
         before=_clear_kit_cache)
register("hydrogen_drumkit", "drumkit.xml and its samples", read=_kit_read, seeds=_drumkit_seeds, folder=True,
         before=_clear_kit_cache)
register("midi_drums", "*.mid (drums)", read=_midi_drums_read, seeds=_midi_seeds("drums"), text=False)
register("midi_notes", "*.mid (parts)", read=_midi_notes_read, seeds=_midi_seeds("notes"), text=False)
register("h2pattern", "*.h2pattern", read=_hydrogen_read, seeds=_hydrogen_seeds("pattern"))
register("h2song", "*.h2song", read=_hydrogen_read, seeds=_hydrogen_seeds("song"))
register("song_map", "songs/*.toml", read=_song_read, seeds=toml_files("songs/*.toml"))


def _album_seeds():
    # album.toml files as `groovebox new album` writes them (two guideline sets, with and without drums)
    import tempfile

    from groovebox.cli import main

    out = []
    for guidelines, seed in (("chill", 1), ("night-drive", 2)):
        with tempfile.TemporaryDirectory() as tmp:
            main(["new", "album", "--guidelines", guidelines, "--tracks", "3", "--minutes", "6", "--seed", str(seed),
                  "-o", tmp])
            out.append(one_file("album.toml", (Path(tmp) / "album.toml").read_bytes()))
    return tuple(out)


def _album_read(path):
    from groovebox.formats import album_toml

    return album_toml.load(path)


def _dataset_read(path):
    from groovebox.batch.spec import load_spec

    return load_spec(path)


register("album_toml", "album.toml", read=_album_read, seeds=_album_seeds)
register("dataset_spec", "datasets/*.toml", read=_dataset_read, seeds=toml_files("datasets/*.toml"))
