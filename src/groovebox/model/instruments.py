"""The fixed drum instrument vocabulary and its General MIDI drum-map notes.

Pattern files name tracks by these instruments; kits provide a voice for each; MIDI export
and import use the GM note numbers (channel 10).
"""

from __future__ import annotations

import re

# name -> General MIDI percussion key (channel 10). Order is the display order of `show`
# (low to high, drums then cymbals then percussion), and the index is the engine's id.
GM_NOTES: dict[str, int] = {
    "kick": 36,
    "snare": 38,
    "rim": 37,
    "clap": 39,
    "low_tom": 45,
    "mid_tom": 47,
    "high_tom": 50,
    "closed_hat": 42,
    "pedal_hat": 44,
    "open_hat": 46,
    "crash": 49,
    "ride": 51,
    "ride_bell": 53,
    "splash": 55,
    "china": 52,
    "cowbell": 56,
    "clave": 75,
    "shaker": 82,
    "tambourine": 54,
    "maracas": 70,
    "conga_low": 64,
    "conga_high": 63,
    "conga_mute": 62,
    "bongo_low": 61,
    "bongo_high": 60,
    "timbale_low": 66,
    "timbale_high": 65,
    "agogo_low": 68,
    "agogo_high": 67,
    "woodblock_low": 77,
    "woodblock_high": 76,
    "triangle": 81,
}

INSTRUMENTS: tuple[str, ...] = tuple(GM_NOTES)
INSTRUMENT_INDEX: dict[str, int] = {name: i for i, name in enumerate(INSTRUMENTS)}

# Extra GM notes that mean one of ours when importing MIDI (many files use both variants).
GM_ALIASES: dict[int, str] = {
    35: "kick",  # acoustic bass drum
    40: "snare",  # electric snare
    41: "low_tom",  # low floor tom
    43: "low_tom",  # high floor tom
    48: "mid_tom",  # hi-mid tom
    57: "crash",  # crash 2
    59: "ride",  # ride 2
    69: "shaker",  # cabasa
    74: "shaker",  # long guiro, closest texture we have
    73: "shaker",  # short guiro
    78: "woodblock_high",  # mute cuica, percussive and high
    79: "woodblock_low",  # open cuica
    80: "triangle",  # mute triangle
}

NOTE_TO_INSTRUMENT: dict[int, str] = {**GM_ALIASES, **{n: name for name, n in GM_NOTES.items()}}

# Hats share one choke group: any hat silences a ringing open hat, as on the classic machines.
CHOKE_GROUPS: dict[str, int] = {"closed_hat": 1, "pedal_hat": 1, "open_hat": 1}

# Cymbals ring over each other; every other instrument cuts its own previous hit (a drum
# machine voice is one circuit, and a real drum head is one head).
POLYPHONIC: frozenset[str] = frozenset({"crash", "ride", "ride_bell", "splash", "china"})


# -- names from other programs ----------------------------------------------------------------
# Hydrogen drumkits, sample packs and DAW drum racks name their sounds freely ("Kick Long",
# "Hat Semi-Open", "SideStick-Hard", "BD", "Tom 1"). Rules are tried in order on the lowercased
# name split into words; the first whose words are all present wins. Order matters: "cowbell"
# before "bell", "snare rimshot" (a snare sound) before "rim", "stick" (a side stick) before
# "snare".
_NAME_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("cowbell",), "cowbell"),
    (("ride", "bell"), "ride_bell"),
    (("bell",), "ride_bell"),
    (("ride",), "ride"),
    (("crash",), "crash"),
    (("splash",), "splash"),
    (("china",), "china"),
    (("chinese",), "china"),
    (("cymbal",), "crash"),
    (("cym",), "crash"),
    (("open", "hat"), "open_hat"),
    (("semi", "hat"), "open_hat"),
    (("pedal", "hat"), "pedal_hat"),
    (("foot", "hat"), "pedal_hat"),
    (("hat",), "closed_hat"),
    (("oh",), "open_hat"),
    (("ch",), "closed_hat"),
    (("hh",), "closed_hat"),
    (("stick",), "rim"),
    (("clap",), "clap"),
    (("snare",), "snare"),
    (("sd",), "snare"),
    (("rim",), "rim"),
    (("rimshot",), "rim"),
    (("kick",), "kick"),
    (("bd",), "kick"),
    (("bass", "drum"), "kick"),
    (("floor", "tom"), "low_tom"),
    (("tom", "floor"), "low_tom"),
    (("tom", "low"), "low_tom"),
    (("tom", "lo"), "low_tom"),
    (("tom", "mid"), "mid_tom"),
    (("tom", "high"), "high_tom"),
    (("tom", "hi"), "high_tom"),
    (("tom", "1"), "high_tom"),
    (("tom", "2"), "mid_tom"),
    (("tom", "3"), "low_tom"),
    (("tom",), "mid_tom"),
    (("lt",), "low_tom"),
    (("mt",), "mid_tom"),
    (("ht",), "high_tom"),
    (("conga", "mute"), "conga_mute"),
    (("conga", "low"), "conga_low"),
    (("conga", "lo"), "conga_low"),
    (("conga",), "conga_high"),
    (("bongo", "low"), "bongo_low"),
    (("bongo", "lo"), "bongo_low"),
    (("bongo",), "bongo_high"),
    (("timbale", "low"), "timbale_low"),
    (("timbale", "lo"), "timbale_low"),
    (("timbale",), "timbale_high"),
    (("agogo", "low"), "agogo_low"),
    (("agogo", "lo"), "agogo_low"),
    (("agogo",), "agogo_high"),
    (("woodblock", "low"), "woodblock_low"),
    (("woodblock", "lo"), "woodblock_low"),
    (("woodblock",), "woodblock_high"),
    (("block",), "woodblock_high"),
    (("clave",), "clave"),
    (("shaker",), "shaker"),
    (("cabasa",), "shaker"),
    (("maraca",), "maracas"),
    (("tambourine",), "tambourine"),
    (("tamb",), "tambourine"),
    (("triangle",), "triangle"),
)


def _name_words(name: str) -> set[str]:
    text = name.lower().replace("hi-hat", "hihat").replace("hi hat", "hihat")
    # camelCase and digits become words: "HatClosed2" -> hat closed 2
    text = re.sub(r"(?<=[a-z])(?=[A-Z0-9])", " ", name).lower() + " " + text
    words = set(re.findall(r"[a-z]+|\d+", text))
    if "hihat" in words or "hihats" in words:
        words.add("hat")
    words |= {w[:-1] for w in words if len(w) > 3 and w.endswith("s")}  # plurals: "congas"
    return words


def match_instrument(name: str) -> str | None:
    """Our instrument for another program's sound name, or None when nothing fits.

    >>> [match_instrument(n) for n in ("Kick Long", "Hat Semi-Open", "SideStick-Hard", "Tom 1")]
    ['kick', 'open_hat', 'rim', 'high_tom']
    >>> match_instrument("open_hat"), match_instrument("Laser Zap")
    ('open_hat', None)
    """
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in GM_NOTES:
        return key
    words = _name_words(name)
    for need, instrument in _NAME_RULES:
        if all(w in words for w in need):
            return instrument
    return None
