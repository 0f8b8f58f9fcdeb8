"""An album from guidelines: keys, tempos, forms and parts for every track, seeded.

:func:`new_album` plans a record the way the guidelines frame it, then writes one song map
per track (:class:`~groovebox.model.song.Song` values; the CLI saves them beside
``album.toml``):

- **keys** that sit well in sequence: every track in a different key, each a step or two
  round the circle of fifths from the one before (or its relative major/minor), in the modes
  the guidelines allow;
- **tempos** in the guidelines' range, all different, each within :data:`MAX_TEMPO_STEP` bpm
  of the one before, so the record moves without lurching;
- **forms** (intro, verses, choruses, a bridge, an outro) whose lengths add up to the target:
  the songs' bars are chosen so the album timeline (songs, their ring-out ``tail_s`` and the
  gaps) lands within half a bar of the target minutes;
- **drums** on every track, on none, or ("sometimes") on about half of them, never all or none;
- the **lead instruments** as ``lead`` parts (each track one, the album all of them), pads,
  drones (tonic-and-fifth loops), the sound elements as textures, the harmony as strong as asked;
- **unique working titles** (:func:`groovebox.generators.titles.working_titles`).

>>> album, songs = new_album("chill", tracks=3, minutes=8, seed=2)
>>> len(songs), round(album.total_s([s.duration_s for _, s in songs]) - 8 * 60) in range(-5, 6)
(3, True)
>>> len({s.key for _, s in songs}), len({s.bpm for _, s in songs})
(3, 3)
"""

from __future__ import annotations

import re

import numpy as np

from groovebox import checks
from groovebox.generators.guidelines import resolve_guidelines
from groovebox.generators.titles import working_titles
from groovebox.model.album import (
    MAX_TRACKS,
    TRACK_MINUTES,
    Album,
    AlbumError,
    AlbumTrack,
    Guidelines,
)
from groovebox.model.effect import Effect
from groovebox.model.frozen import FrozenMap
from groovebox.model.song import (
    EQ,
    Bus,
    Compressor,
    Group,
    Master,
    Section,
    Song,
    SongPart,
    Strip,
    Transition,
)

__all__ = ["MAX_TEMPO_STEP", "key_distance", "key_fifths", "new_album", "plan_drums", "plan_keys", "plan_tempos",
           "song_file_name"]

MAX_TEMPO_STEP = 10  # bpm between neighbouring tracks
MIN_TEMPO_STEP = 2
MAX_KEY_DISTANCE = 2  # steps round the circle of fifths between neighbouring tracks

# Key signatures round the circle of fifths (flats negative), spelled as music21 reads them.
_MAJOR = {-5: "Db", -4: "Ab", -3: "Eb", -2: "Bb", -1: "F", 0: "C", 1: "G", 2: "D", 3: "A", 4: "E", 5: "B"}
_MINOR = {-5: "Bb", -4: "F", -3: "C", -2: "G", -1: "D", 0: "A", 1: "E", 2: "B", 3: "F#", 4: "C#", 5: "G#"}
_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# Progressions by harmony strength and mode: (verse, chorus) pairs of roman numerals.
_STRONG = {
    "major": [("Imaj7 vi7 IVmaj7 V", "IVmaj7 V iii7 vi7"), ("I V vi IV", "IV I V vi"),
              ("ii7 V7 Imaj7 vi7", "IVmaj7 iii7 ii7 V7"), ("I vi ii7 V7", "vi IV I V"),
              ("Imaj7 iii7 vi7 IVmaj7", "ii7 V Imaj7 IVmaj7")],
    "minor": [("i VI III VII", "VI VII i i"), ("i iv VII III", "VI iv V i"), ("i VI iv V", "iv v VI VII"),
              ("i7 iv7 VII7 IIImaj7", "VImaj7 iv7 V i"), ("i VII VI VII", "iv VI VII i")],
}
_STYLES = {"moderate": ("pop", "jazz"), "loose": ("ambient",)}


def key_fifths(key: str) -> tuple[int, str]:
    """``"F major"`` -> ``(-1, "major")``: the key signature (flats negative) and the mode."""
    m = re.fullmatch(r"\s*([A-Ga-g][#b]?)\s+(major|minor)\s*", key)
    if not m:
        raise AlbumError(f"expected a key like 'F major' or 'D minor', got {key!r}")
    tonic, mode = m.group(1)[0].upper() + m.group(1)[1:], m.group(2)
    table = _MAJOR if mode == "major" else _MINOR
    for f, name in table.items():
        if name == tonic:
            return f, mode
    raise AlbumError(f"key {key!r}: spell it with at most five sharps or flats")


def key_distance(a: str, b: str) -> int:
    """Steps round the circle of fifths between two keys' signatures (relative keys: 0)."""
    return abs(key_fifths(a)[0] - key_fifths(b)[0])


def plan_keys(n: int, modes, rng: np.random.Generator) -> list[str]:
    """``n`` different keys, each within :data:`MAX_KEY_DISTANCE` fifths of the one before."""
    keys = [(f, m) for m in modes for f in range(-4, 5)]
    for _ in range(200):
        order = [keys[rng.integers(len(keys))]]
        while len(order) < n:
            f0 = order[-1][0]
            near = [k for k in keys if k not in order and abs(k[0] - f0) <= MAX_KEY_DISTANCE]
            if not near:
                break
            order.append(near[rng.integers(len(near))])
        if len(order) == n:
            return [f"{(_MAJOR if m == 'major' else _MINOR)[f]} {m}" for f, m in order]
    raise AlbumError(f"cannot find {n} different keys in {'/'.join(modes)} that follow each other closely")


def plan_tempos(n: int, bpm_range, rng: np.random.Generator) -> list[int]:
    """``n`` different whole tempos in the range, neighbours 2..:data:`MAX_TEMPO_STEP` bpm apart."""
    lo, hi = int(np.ceil(bpm_range[0])), int(np.floor(bpm_range[1]))
    for _ in range(500):
        out = [int(rng.integers(lo, hi + 1))]
        while len(out) < n:
            near = [b for b in range(max(lo, out[-1] - MAX_TEMPO_STEP), min(hi, out[-1] + MAX_TEMPO_STEP) + 1)
                    if b not in out and abs(b - out[-1]) >= MIN_TEMPO_STEP]
            if not near:
                break
            out.append(near[rng.integers(len(near))])
        if len(out) == n:
            return out
    raise AlbumError(f"cannot give {n} tracks different tempos in {lo}..{hi} bpm; widen guidelines.bpm")


def plan_drums(n: int, drums: str, rng: np.random.Generator) -> list[bool]:
    """Which tracks have drums: all, none, or ("sometimes") about half, never all or none."""
    if drums == "always" or (drums == "sometimes" and n == 1):
        return [True] * n
    if drums == "never":
        return [False] * n
    k = int(np.clip(round(n / 2 + rng.uniform(-0.5, 0.5)), 1, n - 1))
    with_drums = set(rng.permutation(n)[:k].tolist())
    return [i in with_drums for i in range(n)]


def _plan_bars(n: int, song_s: float, bpms: list[int], rng: np.random.Generator) -> list[int]:
    """Bars per song so the songs add up to ``song_s`` seconds: lengths varied by up to 15 %,
    each rounding error carried into the next song (the total lands within half a bar)."""
    w = 1.0 + rng.uniform(-0.15, 0.15, n)
    lengths = song_s * w / w.sum()
    out, carry = [], 0.0
    for length, bpm in zip(lengths, bpms, strict=True):
        bar_s = 240.0 / bpm
        want = length + carry
        bars = max(8, round(want / bar_s))
        carry = want - bars * bar_s
        out.append(bars)
    return out


def _form(bars: int, drums: bool) -> list[tuple[str, int]]:
    """Section names and lengths adding up to ``bars``: intro, verse/chorus pairs, a bridge in
    longer songs, an outro."""
    edge = 4 if bars < 56 else 8
    middle = bars - 2 * edge
    cycle = ["verse", "chorus", "verse", "chorus", "bridge", "chorus", "verse", "chorus", "chorus"] if drums else \
        ["theme", "bloom", "theme", "bridge", "bloom", "theme", "bloom"]
    unit = 16 if middle >= 48 else 8
    out: list[tuple[str, int]] = [("intro", edge)]
    k = 0
    while middle > 0:
        name = cycle[k % len(cycle)]
        size = 8 if name == "bridge" else unit
        if middle - size < 4:
            size = middle
        out.append((name, size))
        middle -= size
        k += 1
    out.append(("outro", edge))
    return out


def _note(tonic: str, octave: int, up: int = 0) -> str:
    names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    pc = _PC[tonic[0]] + (1 if tonic[1:] == "#" else -1 if tonic[1:] == "b" else 0)
    n = 12 * (octave + 1) + pc + up
    return f"{names[n % 12]}{n // 12 - 1}"


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _song(g: Guidelines, *, title: str, key: str, bpm: int, bars: int, drums: bool, lead: str, kit: str,
          pattern: str, themes: tuple[str, ...], seed: int, rng: np.random.Generator, artist: str) -> Song:
    mode = key.split()[1]
    tonic = key.split()[0]
    # harmony
    if g.harmony == "strong":
        verse, chorus = _pick(rng, _STRONG[mode])
        harmony = {"A": verse, "B": chorus}
    elif g.harmony == "moderate":
        verse, _ = _pick(rng, _STRONG[mode])
        harmony = {"A": verse, "B": FrozenMap({"style": _pick(rng, _STYLES["moderate"]), "bars": 8,
                                               "seed": int(rng.integers(1 << 30))})}
    else:
        harmony = {"A": FrozenMap({"style": "ambient", "bars": 8, "seed": int(rng.integers(1 << 30))}),
                   "B": FrozenMap({"style": "ambient", "bars": 8, "seed": int(rng.integers(1 << 30))})}
    bright = g.brightness
    parts: list[SongPart] = []
    if drums:
        parts.append(SongPart("drums", "drums", FrozenMap({"pattern": pattern, "kit": kit}),
                              strip=Strip(gain_db=-8.0, group="drum_bus", sends={"reverb": 0.08})))
        parts.append(SongPart("bass", "bass", FrozenMap({"style": _pick(rng, ("root_fifth", "roots", "kick"))}),
                              strip=Strip(gain_db=-11.0)))
    else:
        parts.append(SongPart("bass", "bass", FrozenMap({"instrument": "sub", "style": "roots", "velocity": 0.6}),
                              strip=Strip(gain_db=-13.0)))
    keys_inst = "piano" if lead != "piano" and g.harmony == "strong" and rng.random() < 0.4 else \
        _pick(rng, ("epiano", "rhodes", "keys"))
    parts.append(SongPart("chords", "chords", FrozenMap({"instrument": keys_inst,
                                                        "voicing": _pick(rng, ("open", "drop2", "close"))}),
                          strip=Strip(gain_db=-16.0, pan=-0.15, sends={"reverb": 0.25, "delay": 0.06})))
    if g.pads:
        pad = "warm_pad" if bright >= 0.5 else _pick(rng, ("pad", "dark_pad"))
        pad = "strings" if rng.random() < 0.25 else pad
        parts.append(SongPart("pad", "pad", FrozenMap({"instrument": pad}),
                              strip=Strip(gain_db=-19.0, sends={"reverb": 0.35}, eq=EQ(highpass_hz=150.0))))
    if g.drones:
        loops = ({"note": _note(tonic, 2), "period_s": round(17.0 + rng.uniform(0, 6), 2), "duration_s": 15.0,
                  "velocity": 0.55},
                 {"note": _note(tonic, 3, 7), "period_s": round(23.0 + rng.uniform(0, 8), 2), "start_s": 6.0,
                  "duration_s": 13.0, "velocity": 0.4})
        parts.append(SongPart("drone", "loops", FrozenMap({"instrument": "drone", "loops": loops}),
                              strip=Strip(gain_db=-21.0, sends={"reverb": 0.3})))
    parts.append(SongPart("lead", "lead", FrozenMap({"instrument": lead, "density": round(0.35 + 0.3 * rng.random(), 2),
                                                    "rate": 1 if bpm >= 100 else 2, "phrase": "A"}),
                          strip=Strip(gain_db=-14.0, pan=0.12, sends={"delay": 0.18, "reverb": 0.22})))
    n_tex = min(len(g.elements), 1 + int(rng.random() < 0.5))
    textures = [str(t) for t in rng.permutation(np.array(g.elements, dtype=object))[:n_tex]] if g.elements else []
    for t in textures:
        parts.append(SongPart(t, "texture", FrozenMap({"texture": t}), strip=Strip(gain_db=-27.0)))
    names = {p.name for p in parts}

    def have(*ps):
        return [p for p in ps if p in names] + textures

    layers = {
        "intro": have("pad", "drone", "chords") if g.pads or g.drones else have("chords"),
        "verse": have("drums", "bass", "chords", "pad"),
        "chorus": have("drums", "bass", "chords", "pad", "drone", "lead"),
        "bridge": have("chords", "pad", "drone", "lead"),
        "theme": have("bass", "chords", "pad", "drone", "lead"),
        "bloom": have("bass", "chords", "pad", "drone", "lead"),
        "outro": have("pad", "drone", "chords") if g.pads or g.drones else have("chords", "lead"),
    }
    energy = {"intro": 0.4, "verse": 0.6, "chorus": 0.8, "bridge": 0.5, "theme": 0.55, "bloom": 0.7, "outro": 0.35}
    harmony_of = {"chorus": "B", "bloom": "B", "bridge": "B"}
    sections = []
    form = _form(bars, drums)
    for i, (name, n) in enumerate(form):
        ps = tuple(dict.fromkeys(layers[name]))
        trans: list[Transition] = []
        prev = sections[-1] if sections else None
        if prev is not None and "drums" in ps:
            if "drums" in prev.parts and name == "chorus":
                trans.append(Transition("fill"))
            trans.append(Transition("crash"))
        elif prev is not None and name in ("chorus", "bloom") and i == len(form) - 2:
            trans.append(Transition("riser", beats=min(8, prev.bars * 4)))
        sections.append(Section(name, n, ps, energy=energy[name], harmony=harmony_of.get(name), transitions=trans))
    groups = (Group("drum_bus", Strip(compressor=Compressor(threshold_db=-16, ratio=2.5, attack_s=0.01,
                                                            release_s=0.15))),) if drums else ()
    decay = round(2.5 + 2.0 * rng.random(), 1)
    buses = (Bus("reverb", (Effect("reverb", decay_s=decay, predelay_s=0.02, damping_hz=6000, mix=100),),
                 Strip(eq=EQ(highpass_hz=200.0))),
             Bus("delay", (Effect("tape_delay", time_beats=0.75, feedback=35, mix=100),), Strip(eq=EQ(highpass_hz=250.0))))
    master = Master(eq=EQ(highpass_hz=25.0, high_db=round((bright - 0.5) * 4.0, 1)),
                    compressor=Compressor(threshold_db=-14, ratio=2, attack_s=0.03, release_s=0.2, knee_db=6))
    return Song(parts=tuple(parts), sections=tuple(sections), title=title, artist=artist, key=key, bpm=float(bpm),
                themes=themes, mood=g.mood, seed=seed, harmony=FrozenMap(harmony),
                bars_per_chord=2 if g.harmony == "loose" else 1, groups=groups, buses=buses, master=master)


def song_file_name(index: int, title: str) -> str:
    """``01-velvet-heron.toml``."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "track"
    return f"{index + 1:02d}-{slug}.toml"


def new_album(guidelines, *, tracks: int = 6, minutes: float = 22.0, seed: int = 0, title: str | None = None,
              artist: str = "groovebox", year: int = 2025, gap_s: float = 2.0, tail_s: float = 3.0,
              formats=("flac", "wav"), gapless: bool = False, sample_rate: int = 48000,
              ) -> tuple[Album, list[tuple[str, Song]]]:
    """Plan an album from guidelines and write its songs.

    Parameters
    ----------
    guidelines : str, path or Guidelines
        A named set (``chill``, ``night-drive``, ``lofi-study``), a guidelines file, or a value.
    tracks : int
        1..24.
    minutes : float
        The album's target length (songs, ring-outs and gaps); each track gets 1..12 minutes.
    seed : int
        Same guidelines and seed, same album.
    title, artist, year
        The album's; the title defaults to a working title of its own.
    gap_s, tail_s, formats, gapless, sample_rate
        Written into the album (see :class:`~groovebox.model.album.Album`).

    Returns
    -------
    (Album, list of (file name, Song))
        The album's tracks name the song files.
    """
    g = resolve_guidelines(guidelines)
    n = checks.whole(tracks, "tracks", 1, MAX_TRACKS, error=AlbumError)
    minutes = checks.number(minutes, "minutes", 0.5, MAX_TRACKS * TRACK_MINUTES[1], "a length in minutes",
                            error=AlbumError)
    seed = checks.seed(seed, error=AlbumError)
    song_s = minutes * 60.0 - n * tail_s - (n - 1) * gap_s
    per_track_min = song_s / n / 60.0
    lo, hi = TRACK_MINUTES
    if per_track_min > hi:
        raise AlbumError(f"{minutes:g} minutes is more than {n} tracks can fill: a generated track lasts at most "
                         f"{hi:g} minutes (ask for more tracks, or fewer minutes)", field="minutes")
    if per_track_min < lo:
        raise AlbumError(f"{minutes:g} minutes is too short for {n} tracks: a generated track lasts at least "
                         f"{lo:g} minute (ask for fewer tracks, or more minutes)", field="minutes")
    rng = np.random.default_rng([seed, 0x41424D])  # 'ABM'
    names = working_titles(n + 1, seed)
    album_title = title if title is not None else names[n]
    keys = plan_keys(n, g.modes, rng)
    bpms = plan_tempos(n, g.bpm, rng)
    with_drums = plan_drums(n, g.drums, rng)
    bars = _plan_bars(n, song_s, bpms, rng)
    # The album plays every lead instrument (when it has as many tracks), neighbours differ.
    lead_order = rng.permutation(len(g.leads))
    leads = [g.leads[int(lead_order[i % len(g.leads)])] for i in range(n)]
    kits = [g.kits[int(k) % len(g.kits)] for k in rng.permutation(max(n, len(g.kits)))[:n]]
    pats = [g.drum_patterns[int(k) % len(g.drum_patterns)] for k in rng.permutation(max(n, len(g.drum_patterns)))[:n]] \
        if g.drum_patterns else [""] * n
    theme_order = rng.permutation(len(g.themes)) if g.themes else np.zeros(0, int)
    songs: list[tuple[str, Song]] = []
    entries = []
    for i in range(n):
        themes = tuple(g.themes[int(theme_order[(2 * i + k) % len(theme_order)])] for k in range(2)) if g.themes else ()
        themes = tuple(dict.fromkeys(themes))
        song_seed = int(np.random.default_rng([seed, i, 0x534F4E47]).integers(1 << 31))
        song = _song(g, title=names[i], key=keys[i], bpm=bpms[i], bars=bars[i], drums=with_drums[i], lead=leads[i],
                     kit=kits[i], pattern=pats[i], themes=themes, seed=song_seed,
                     rng=np.random.default_rng([seed, i, 0x50415254]), artist=artist)
        fname = song_file_name(i, names[i])
        songs.append((fname, song))
        entries.append(AlbumTrack(song=fname))
    album = Album(title=album_title, tracks=tuple(entries), artist=artist, year=year, genre=g.genre, guidelines=g,
                  minutes=minutes, gap_s=gap_s, tail_s=tail_s, seed=seed, formats=tuple(formats), gapless=gapless,
                  sample_rate=sample_rate)
    return album, songs
