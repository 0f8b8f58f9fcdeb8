"""The fixed drum instrument vocabulary and its General MIDI drum-map notes.

Pattern files name tracks by these instruments; kits provide a voice for each; MIDI export
and import use the GM note numbers (channel 10).
"""

from __future__ import annotations

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
