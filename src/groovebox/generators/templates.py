"""Song templates: complete song maps to start from, one per style.

Each template is a song map (TOML, the format of ``songs/README.md``) with a real form (intro,
verses, choruses or drops, a bridge or break, an outro), 2-5 minutes long, with drums, bass,
chords or pads, a lead, two send buses and a master. :func:`new_song` fills in the seed and a
working title; ``groovebox new song --template house --seed 3 -o song.toml`` writes it.

>>> s = new_song("house", seed=3)
>>> s.template, 120 <= s.duration_s <= 300, len(set(s.form)) >= 4
('house', True, True)
"""

from __future__ import annotations

from groovebox import checks
from groovebox.formats.song_toml import loads
from groovebox.generators.titles import working_title
from groovebox.model.song import Song, SongError, unknown

__all__ = ["TEMPLATES", "new_song", "template_names"]

_BUSES = """
[mixer.buses.reverb]
effects = [{{ kind = "reverb", decay_s = {decay}, predelay_s = 0.02, damping_hz = 6000, mix = 100 }}]
eq = {{ highpass_hz = 200 }}

[mixer.buses.delay]
effects = [{{ kind = "tape_delay", time_beats = {delay}, feedback = 35, mix = 100 }}]
eq = {{ highpass_hz = 250 }}
"""

_MASTER = """
[master]
eq = { highpass_hz = 25, high_db = 1.0 }
compressor = { threshold_db = -14, ratio = 2, attack_s = 0.03, release_s = 0.2, knee_db = 6 }
"""

TEMPLATES: dict[str, str] = {}

TEMPLATES["chillwave"] = """
key = "F major"
bpm = 88
themes = ["summer haze", "old VHS tapes"]
mood = ["dreamy", "warm", "nostalgic"]

[harmony]
A = "Imaj7 vi7 IVmaj7 V"
B = "IVmaj7 iii7 vi7 V"
C = "ii7 V Imaj7 IVmaj7"

[parts.drums]
kind = "drums"
pattern = "downtempo/chill-out"
kit = "808"
gain_db = -8
group = "drum_bus"
sends = { reverb = 0.1 }

[parts.bass]
kind = "bass"
style = "root_fifth"
gain_db = -11
compressor = { threshold_db = -24, ratio = 4, attack_s = 0.002, release_s = 0.12, sidechain = "drums.kick" }

[parts.pad]
kind = "pad"
instrument = "warm_pad"
gain_db = -19
sends = { reverb = 0.35 }
eq = { highpass_hz = 150 }
compressor = { threshold_db = -26, ratio = 3, attack_s = 0.003, release_s = 0.25, sidechain = "drums.kick" }

[parts.keys]
kind = "chords"
instrument = "epiano"
gain_db = -17
pan = -0.2
sends = { reverb = 0.25, delay = 0.1 }

[parts.arp]
kind = "arp"
direction = "updown"
rate = 2
instrument = "glass"
gain_db = -22
pan = 0.3
sends = { delay = 0.3, reverb = 0.2 }

[parts.lead]
kind = "lead"
instrument = "lead"
gain_db = -16
sends = { delay = 0.2, reverb = 0.2 }
saturation = { drive_db = 4, mix = 40 }

[parts.tape]
kind = "texture"
texture = "tape_hiss"
gain_db = -30

[mixer.groups.drum_bus]
compressor = { threshold_db = -16, ratio = 2.5, attack_s = 0.01, release_s = 0.15 }
saturation = { drive_db = 3, mix = 30 }
""" + _BUSES.format(decay=3.5, delay=0.75) + _MASTER + """
[[sections]]
name = "intro"
bars = 8
parts = ["pad", "tape", "arp"]
energy = 0.4

[[sections]]
name = "verse"
bars = 16
parts = ["drums", "bass", "pad", "keys", "tape"]
energy = 0.6
transitions = ["reverse_cymbal"]

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "pad", "keys", "arp", "lead", "tape"]
harmony = "B"
energy = 0.85
transitions = ["fill", "crash"]

[[sections]]
name = "verse"
bars = 16
parts = ["drums", "bass", "pad", "keys", "tape"]
energy = 0.6
transitions = ["crash"]

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "pad", "keys", "arp", "lead", "tape"]
harmony = "B"
energy = 0.85
transitions = ["fill", "crash"]

[[sections]]
name = "bridge"
bars = 8
parts = ["pad", "keys", "arp", "tape"]
harmony = "C"
energy = 0.5
transitions = [{ kind = "filter_sweep", beats = 8, parts = ["keys", "lead", "arp"] }]

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "pad", "keys", "arp", "lead", "tape"]
harmony = "B"
energy = 0.9
transitions = ["riser", "crash"]

[[sections]]
name = "outro"
bars = 8
parts = ["pad", "arp", "tape"]
energy = 0.35

[[automation]]
target = "pad.cutoff_hz"
points = [["1:1", 500], ["9:1", 16000]]
curve = "exp"
"""

TEMPLATES["lo-fi-hip-hop"] = """
key = "D minor"
bpm = 78
themes = ["rainy window", "late study night"]
mood = ["mellow", "hazy", "cozy"]

[harmony]
A = "ii7 v7 i7 VImaj7"
B = "iv7 VII7 IIImaj7 VI7"

[parts.drums]
kind = "drums"
pattern = "hip-hop/lo-fi-chillhop"
kit = "lofi"
gain_db = -7
group = "drum_bus"

[parts.drums.variations.B]
pattern = "hip-hop/lo-fi-chillhop-b"

[parts.bass]
kind = "bass"
style = "kick"
instrument = "sub"
gain_db = -8

[parts.keys]
kind = "chords"
instrument = "epiano"
gain_db = -15
sends = { reverb = 0.2, delay = 0.12 }
saturation = { drive_db = 6, mix = 35 }
eq = { highpass_hz = 120, lowpass_hz = 6000 }

[parts.lead]
kind = "lead"
instrument = "vibes"
density = 0.45
gain_db = -19
pan = 0.25
sends = { delay = 0.3, reverb = 0.25 }

[parts.vinyl]
kind = "texture"
texture = "vinyl"
gain_db = -26

[parts.rain]
kind = "texture"
texture = "rain"
gain_db = -30

[mixer.groups.drum_bus]
eq = { lowpass_hz = 9000, low_db = 2 }
compressor = { threshold_db = -18, ratio = 3, attack_s = 0.02, release_s = 0.12 }
saturation = { drive_db = 6, mix = 40 }
""" + _BUSES.format(decay=2.2, delay=0.75) + _MASTER + """
[[sections]]
name = "intro"
bars = 4
parts = ["keys", "vinyl", "rain"]
energy = 0.4

[[sections]]
name = "A"
bars = 16
parts = ["drums", "bass", "keys", "vinyl"]
energy = 0.6
transitions = ["crash"]

[[sections]]
name = "B"
bars = 16
parts = ["drums", "bass", "keys", "lead", "vinyl"]
harmony = "B"
vary = { drums = "B" }
energy = 0.75
transitions = ["fill"]

[[sections]]
name = "A"
bars = 16
parts = ["drums", "bass", "keys", "vinyl"]
energy = 0.6
transitions = [{ kind = "drop", beats = 4, keep = "keys" }]

[[sections]]
name = "B"
bars = 16
parts = ["drums", "bass", "keys", "lead", "vinyl"]
harmony = "B"
vary = { drums = "B" }
energy = 0.8
transitions = ["fill", "crash"]

[[sections]]
name = "outro"
bars = 8
parts = ["keys", "vinyl", "rain"]
energy = 0.35
"""

TEMPLATES["ambient"] = """
key = "D major"
bpm = 66
themes = ["northern lights", "a frozen lake"]
mood = ["spacey", "still", "vast"]
bars_per_chord = 2

[harmony]
A = "I IVmaj7 vi7 IVmaj7"
B = "ii7 IV I V"

[parts.pad]
kind = "pad"
instrument = "dark_pad"
gain_db = -17
sends = { reverb = 0.5 }

[parts.choir]
kind = "pad"
instrument = "choir"
voicing = "close"
octave = 1
gain_db = -22
pan = 0.2
sends = { reverb = 0.6 }

[parts.bells]
kind = "loops"
instrument = "bell"
gain_db = -17
sends = { reverb = 0.45, delay = 0.25 }
loops = [{ note = "F#5", period_s = 19.7, start_s = 1.0, duration_s = 3.0, velocity = 0.6 },
         { note = "A5", period_s = 17.8, start_s = 4.0, duration_s = 3.0, velocity = 0.55 },
         { note = "D6", period_s = 21.3, start_s = 6.5, duration_s = 3.0, velocity = 0.5 },
         { note = "E5", period_s = 23.1, start_s = 9.0, duration_s = 3.0, velocity = 0.5 }]

[parts.bass]
kind = "bass"
instrument = "sub"
gain_db = -15

[parts.arp]
kind = "arp"
direction = "random"
rate = 1
instrument = "harp"
gain_db = -21
pan = -0.3
sends = { delay = 0.35, reverb = 0.4 }

[parts.rain]
kind = "texture"
texture = "rain"
gain_db = -24

[parts.wind]
kind = "texture"
texture = "wind"
gain_db = -26
""" + _BUSES.format(decay=8.0, delay=1.5) + """
[master]
eq = { highpass_hz = 25 }
compressor = { threshold_db = -18, ratio = 1.5, attack_s = 0.05, release_s = 0.4 }

[[sections]]
name = "dawn"
bars = 12
parts = ["pad", "rain", "bells"]
energy = 0.3

[[sections]]
name = "drift"
bars = 20
parts = ["pad", "bells", "bass", "arp", "rain"]
energy = 0.5
transitions = [{ kind = "noise_sweep", beats = 8 }]

[[sections]]
name = "bloom"
bars = 16
parts = ["pad", "choir", "bells", "bass", "arp", "wind"]
harmony = "B"
energy = 0.7
transitions = [{ kind = "riser", beats = 8 }]

[[sections]]
name = "drift"
bars = 12
parts = ["pad", "bells", "bass", "arp", "rain"]
energy = 0.5

[[sections]]
name = "fade"
bars = 8
parts = ["pad", "wind", "bells"]
energy = 0.3

[[automation]]
target = "pad.cutoff_hz"
points = [["1:1", 600], ["13:1", 12000], ["61:1", 12000], ["69:1", 900]]
curve = "exp"
"""

TEMPLATES["house"] = """
key = "A minor"
bpm = 124
themes = ["warehouse", "sunrise after the party"]
mood = ["driving", "euphoric"]

[harmony]
A = "i VII VI VII"
B = "iv i VI VII"

[parts.drums]
kind = "drums"
pattern = "house/chicago-house"
kit = "909"
gain_db = -6
group = "drum_bus"

[parts.drums.variations.B]
pattern = "house/chicago-house-b"

[parts.drums.variations.kick]
grids = { kick = "x... x... x... x..." }

[parts.bass]
kind = "bass"
style = "root_fifth"
gain_db = -10
compressor = { threshold_db = -26, ratio = 6, attack_s = 0.001, release_s = 0.1, sidechain = "drums.kick" }

[parts.stabs]
kind = "chords"
instrument = "organ"
gain_db = -20
sends = { reverb = 0.2, delay = 0.15 }
eq = { highpass_hz = 200 }

[parts.pad]
kind = "pad"
instrument = "strings"
gain_db = -20
sends = { reverb = 0.3 }
compressor = { threshold_db = -28, ratio = 4, attack_s = 0.002, release_s = 0.2, sidechain = "drums.kick" }

[parts.lead]
kind = "lead"
instrument = "pluck"
rate = 4
density = 0.5
gain_db = -15
pan = 0.15
sends = { delay = 0.25, reverb = 0.15 }

[mixer.groups.drum_bus]
compressor = { threshold_db = -14, ratio = 2, attack_s = 0.01, release_s = 0.1 }
""" + _BUSES.format(decay=2.5, delay=0.75) + _MASTER + """
[[sections]]
name = "intro"
bars = 16
parts = ["drums", "pad"]
vary = { drums = "kick" }
energy = 0.5

[[sections]]
name = "build"
bars = 8
parts = ["drums", "bass", "pad"]
energy = 0.65
transitions = ["fill"]

[[sections]]
name = "drop"
bars = 16
parts = ["drums", "bass", "stabs", "pad", "lead"]
energy = 0.9
transitions = ["riser", "crash"]

[[sections]]
name = "break"
bars = 16
parts = ["pad", "stabs", "lead"]
harmony = "B"
energy = 0.5

[[sections]]
name = "build"
bars = 8
parts = ["drums", "bass", "pad"]
vary = { drums = "kick" }
energy = 0.7
transitions = ["crash"]

[[sections]]
name = "drop"
bars = 16
parts = ["drums", "bass", "stabs", "pad", "lead"]
vary = { drums = "B" }
energy = 1.0
transitions = [{ kind = "drop", beats = 4, keep = "pad" }, "noise_sweep", "crash"]

[[sections]]
name = "outro"
bars = 16
parts = ["drums", "bass"]
vary = { drums = "kick" }
energy = 0.5
transitions = ["fill"]
"""

TEMPLATES["techno"] = """
key = "F minor"
bpm = 130
themes = ["concrete", "strobe lights", "night train"]
mood = ["hypnotic", "driving", "dark"]

[harmony]
A = "i i VI VII"
B = "i iv i v"

[parts.drums]
kind = "drums"
pattern = "techno/berlin-techno"
kit = "909"
gain_db = -6
group = "drum_bus"

[parts.drums.variations.sparse]
grids = { kick = "X... X... X... X...", closed_hat = "..x. ..x. ..x. ..x." }

[parts.bass]
kind = "bass"
style = "roots"
instrument = "sub"
gain_db = -10
compressor = { threshold_db = -26, ratio = 8, attack_s = 0.001, release_s = 0.09, sidechain = "drums.kick" }

[parts.arp]
kind = "arp"
direction = "up"
rate = 4
octaves = 1
low = 48
instrument = "pluck"
gain_db = -17
sends = { delay = 0.3 }
saturation = { drive_db = 10, mix = 60 }

[parts.pad]
kind = "pad"
instrument = "dark_pad"
gain_db = -19
sends = { reverb = 0.45 }

[parts.lead]
kind = "lead"
instrument = "lead"
density = 0.35
gain_db = -17
sends = { delay = 0.3, reverb = 0.2 }

[mixer.groups.drum_bus]
compressor = { threshold_db = -14, ratio = 3, attack_s = 0.005, release_s = 0.1 }
saturation = { drive_db = 5, mix = 40 }
""" + _BUSES.format(decay=4.0, delay=0.75) + _MASTER + """
[[sections]]
name = "intro"
bars = 16
parts = ["drums", "pad"]
vary = { drums = "sparse" }
energy = 0.5

[[sections]]
name = "groove"
bars = 32
parts = ["drums", "bass", "arp"]
energy = 0.75
transitions = ["crash"]

[[sections]]
name = "break"
bars = 16
parts = ["pad", "arp", "lead"]
harmony = "B"
energy = 0.5
transitions = [{ kind = "filter_sweep", beats = 16, parts = ["arp"] }]

[[sections]]
name = "peak"
bars = 32
parts = ["drums", "bass", "arp", "pad", "lead"]
energy = 1.0
transitions = ["riser", "crash"]

[[sections]]
name = "outro"
bars = 16
parts = ["drums", "bass"]
vary = { drums = "sparse" }
energy = 0.5
transitions = ["fill"]

[[automation]]
target = "bass.cutoff_hz"
points = [["17:1", 400], ["49:1", 4000]]
curve = "exp"
"""

TEMPLATES["drum-and-bass"] = """
key = "E minor"
bpm = 172
themes = ["city at 3 am", "neon rain"]
mood = ["energetic", "rolling", "bright"]
bars_per_chord = 2

[harmony]
A = "i VI III VII"
B = "iv VI i v"

[parts.drums]
kind = "drums"
pattern = "drum-and-bass/two-step"
kit = "acoustic"
gain_db = -6
group = "drum_bus"

[parts.drums.variations.B]
pattern = "drum-and-bass/two-step-b"

[parts.bass]
kind = "bass"
style = "roots"
instrument = "sub"
gain_db = -9
compressor = { threshold_db = -24, ratio = 5, attack_s = 0.001, release_s = 0.08, sidechain = "drums.kick" }

[parts.pad]
kind = "pad"
instrument = "strings"
gain_db = -20
sends = { reverb = 0.4 }

[parts.keys]
kind = "chords"
instrument = "rhodes"
gain_db = -18
sends = { reverb = 0.25, delay = 0.1 }

[parts.lead]
kind = "lead"
instrument = "bell"
rate = 4
density = 0.45
gain_db = -18
sends = { delay = 0.3, reverb = 0.25 }

[mixer.groups.drum_bus]
compressor = { threshold_db = -16, ratio = 3, attack_s = 0.003, release_s = 0.08 }
""" + _BUSES.format(decay=3.0, delay=0.75) + _MASTER + """
[[sections]]
name = "intro"
bars = 16
parts = ["pad", "keys"]
energy = 0.4

[[sections]]
name = "drop"
bars = 32
parts = ["drums", "bass", "pad", "keys"]
energy = 0.9
transitions = ["riser", "crash"]

[[sections]]
name = "break"
bars = 16
parts = ["pad", "keys", "lead"]
harmony = "B"
energy = 0.5
transitions = ["fill"]

[[sections]]
name = "drop"
bars = 32
parts = ["drums", "bass", "pad", "keys", "lead"]
vary = { drums = "B" }
energy = 1.0
transitions = [{ kind = "drop", beats = 4, keep = "lead" }, "crash"]

[[sections]]
name = "outro"
bars = 16
parts = ["drums", "pad"]
energy = 0.4
transitions = ["fill"]
"""

TEMPLATES["synthwave"] = """
key = "C minor"
bpm = 100
themes = ["night drive", "1984", "ocean highway"]
mood = ["nostalgic", "driving", "cinematic"]

[harmony]
A = "i VI III VII"
B = "VI VII i i"
C = "iv v VI VII"

[parts.drums]
kind = "drums"
pattern = "synthwave/synthwave"
kit = "808"
gain_db = -6
group = "drum_bus"
sends = { reverb = 0.15 }

[parts.drums.variations.B]
pattern = "synthwave/synthwave-b"

[parts.bass]
kind = "bass"
style = "roots"
gain_db = -10
compressor = { threshold_db = -24, ratio = 4, attack_s = 0.002, release_s = 0.12, sidechain = "drums.kick" }

[parts.pad]
kind = "pad"
instrument = "warm_pad"
gain_db = -19
sends = { reverb = 0.35 }

[parts.arp]
kind = "arp"
direction = "up"
rate = 4
octaves = 2
low = 48
instrument = "pluck"
gain_db = -19
pan = 0.2
sends = { delay = 0.3 }

[parts.lead]
kind = "lead"
instrument = "lead"
gain_db = -14
sends = { delay = 0.25, reverb = 0.25 }
saturation = { drive_db = 6, mix = 40 }

[mixer.groups.drum_bus]
compressor = { threshold_db = -16, ratio = 2.5, attack_s = 0.01, release_s = 0.15 }
""" + _BUSES.format(decay=3.0, delay=0.75) + _MASTER + """
[[sections]]
name = "intro"
bars = 8
parts = ["pad", "arp"]
energy = 0.45

[[sections]]
name = "verse"
bars = 16
parts = ["drums", "bass", "pad", "arp"]
energy = 0.65
transitions = ["reverse_cymbal", "crash"]

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "pad", "arp", "lead"]
harmony = "B"
vary = { drums = "B" }
energy = 0.9
transitions = ["fill", "crash"]

[[sections]]
name = "verse"
bars = 16
parts = ["drums", "bass", "pad", "arp"]
energy = 0.65
transitions = ["crash"]

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "pad", "arp", "lead"]
harmony = "B"
vary = { drums = "B" }
energy = 0.9
transitions = ["fill", "crash"]

[[sections]]
name = "bridge"
bars = 8
parts = ["pad", "lead"]
harmony = "C"
energy = 0.5

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "pad", "arp", "lead"]
harmony = "B"
vary = { drums = "B" }
energy = 1.0
transitions = ["riser", "crash"]

[[sections]]
name = "outro"
bars = 8
parts = ["pad", "arp"]
energy = 0.4
"""

TEMPLATES["pop"] = """
key = "G major"
bpm = 112
themes = ["first summer", "friends on a rooftop"]
mood = ["bright", "uplifting", "catchy"]

[harmony]
A = "I V vi IV"
B = "vi IV I V"
C = "ii IV vi V"

[parts.drums]
kind = "drums"
pattern = "pop/dance-pop"
kit = "909"
gain_db = -6
group = "drum_bus"

[parts.drums.variations.half]
grids = { kick = "x... .... x... ....", snare = ".... .... x... ....", closed_hat = "x.x. x.x. x.x. x.x." }

[parts.bass]
kind = "bass"
style = "root_fifth"
gain_db = -10
compressor = { threshold_db = -24, ratio = 4, attack_s = 0.002, release_s = 0.1, sidechain = "drums.kick" }

[parts.piano]
kind = "chords"
instrument = "piano"
gain_db = -15
sends = { reverb = 0.2 }

[parts.pad]
kind = "pad"
instrument = "strings"
gain_db = -21
sends = { reverb = 0.3 }

[parts.arp]
kind = "arp"
direction = "updown"
rate = 2
instrument = "bell"
gain_db = -21
pan = 0.25
sends = { delay = 0.25 }

[parts.lead]
kind = "lead"
instrument = "lead"
density = 0.7
gain_db = -13
sends = { delay = 0.15, reverb = 0.2 }

[mixer.groups.drum_bus]
compressor = { threshold_db = -16, ratio = 2.5, attack_s = 0.01, release_s = 0.12 }
""" + _BUSES.format(decay=2.4, delay=0.75) + _MASTER + """
[[sections]]
name = "intro"
bars = 8
parts = ["piano", "pad"]
energy = 0.45

[[sections]]
name = "verse"
bars = 16
parts = ["drums", "bass", "piano"]
vary = { drums = "half" }
energy = 0.6
transitions = ["crash"]

[[sections]]
name = "pre"
bars = 8
parts = ["drums", "bass", "piano", "pad"]
harmony = "C"
vary = { drums = "half" }
energy = 0.7

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "piano", "pad", "arp", "lead"]
harmony = "B"
energy = 0.95
transitions = ["fill", "crash"]

[[sections]]
name = "verse"
bars = 16
parts = ["drums", "bass", "piano", "lead"]
vary = { drums = "half" }
energy = 0.6
transitions = ["crash"]

[[sections]]
name = "pre"
bars = 8
parts = ["drums", "bass", "piano", "pad"]
harmony = "C"
vary = { drums = "half" }
energy = 0.7

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "piano", "pad", "arp", "lead"]
harmony = "B"
energy = 0.95
transitions = ["fill", "crash"]

[[sections]]
name = "bridge"
bars = 8
parts = ["piano", "pad", "lead"]
harmony = "C"
energy = 0.5

[[sections]]
name = "chorus"
bars = 16
parts = ["drums", "bass", "piano", "pad", "arp", "lead"]
harmony = "B"
energy = 1.0
transitions = ["riser", "crash"]

[[sections]]
name = "outro"
bars = 8
parts = ["piano", "pad"]
energy = 0.4
"""

_ALIASES = {"lofi": "lo-fi-hip-hop", "lo-fi": "lo-fi-hip-hop", "lofi-hip-hop": "lo-fi-hip-hop",
            "lo_fi_hip_hop": "lo-fi-hip-hop", "dnb": "drum-and-bass", "drum_and_bass": "drum-and-bass"}


def template_names() -> tuple[str, ...]:
    """The templates, in the order ``groovebox new song --help`` lists them."""
    return tuple(TEMPLATES)


def new_song(template: str = "pop", seed: int = 0, title: str | None = None) -> Song:
    """A complete song map from a template, with ``seed`` and a working title.

    Raises
    ------
    SongError
        For a template that does not exist (with close matches).
    """
    if not isinstance(template, str):
        raise SongError(f"template: expected a name, got {template!r}")
    name = _ALIASES.get(template.lower(), template.lower())
    if name not in TEMPLATES:
        raise unknown("template", template, TEMPLATES)
    seed = checks.seed(seed)
    head = f'title = "{title or working_title(seed)}"\nseed = {seed}\ntemplate = "{name}"\n'
    return loads(head + TEMPLATES[name])
