"""Named album guidelines: the written frames a producer starts a record from.

Each set is a guidelines file (the format of ``songs/README.md``, Albums: the ``[guidelines]``
fields) written here from the genre's conventions: tempo range, drums or not, harmony, the
instruments that lead, the sounds around them. ``groovebox new album --guidelines NAME`` uses
one by name; ``--guidelines FILE`` reads your own.

>>> g = guidelines("chill")
>>> g.drums, g.leads, g.pads, g.drones
('sometimes', ('piano', 'guitar'), True, True)
>>> sorted(GUIDELINES)
['chill', 'lofi-study', 'night-drive']
"""

from __future__ import annotations

import os
from pathlib import Path

from groovebox.formats.album_toml import load_guidelines, loads_guidelines
from groovebox.model.album import AlbumError, Guidelines, unknown_name

__all__ = ["GUIDELINES", "guidelines", "resolve_guidelines"]

GUIDELINES: dict[str, str] = {}

GUIDELINES["chill"] = """
name = "chill"
genre = "Chillwave"
description = "Chillwave. Mood: relaxed but pensive. Eclectic drum hits. Sometimes drums and groove, sometimes not. Strong chord progressions. Lush pads and atmospheric drones. Lead instruments: piano, guitar. Sound elements: ambient background sounds from nature, bright sound, drones, evocative themes."
mood = ["relaxed", "pensive", "warm"]
themes = ["low tide at dusk", "a window left open", "summer rain on leaves", "the long way home",
          "postcards never sent", "morning fog over the bay", "an empty beach in October"]
drums = "sometimes"
drum_patterns = ["downtempo/chill-out", "downtempo/trip-hop", "downtempo/downtempo", "hip-hop/dilla-drunk"]
kits = ["808", "lofi", "acoustic"]      # eclectic drum hits: a different kit from track to track
harmony = "strong"
pads = true
drones = true
leads = ["piano", "guitar"]
elements = ["ocean", "rain", "wind"]     # ambient background sounds from nature
brightness = 0.7
bpm = [72, 100]
modes = ["major", "minor"]
"""

GUIDELINES["night-drive"] = """
name = "night-drive"
genre = "Synthwave"
description = "Synthwave for a night drive. Mood: nostalgic, driving, cinematic. Drums and a pulsing bass on every track. Strong minor-key progressions. Warm pads, arpeggios. Lead instruments: lead synth, bells. Sound elements: tape hiss, wind."
mood = ["nostalgic", "driving", "cinematic"]
themes = ["neon on wet asphalt", "ocean highway at 2 a.m.", "1984", "a radio station fading out",
          "tail lights in the rain", "the city from the overpass"]
drums = "always"
drum_patterns = ["synthwave/synthwave", "synthwave/outrun", "synthwave/darkwave"]
kits = ["808", "909"]
harmony = "strong"
pads = true
drones = false
leads = ["lead", "bells"]
elements = ["tape_hiss", "wind"]
brightness = 0.6
bpm = [92, 118]
modes = ["minor"]
"""

GUIDELINES["lofi-study"] = """
name = "lofi-study"
genre = "Lo-Fi Hip Hop"
description = "Lo-fi beats to study to. Mood: mellow, hazy, cozy. Dusty swung drums on most tracks, a few beatless interludes. Jazzy seventh chords. Lead instruments: electric piano, vibes, guitar. Sound elements: vinyl crackle, rain."
mood = ["mellow", "hazy", "cozy"]
themes = ["rainy window", "late study night", "coffee gone cold", "library after hours", "notes in the margin",
          "the last bus home"]
drums = "sometimes"
drum_patterns = ["hip-hop/lo-fi-chillhop", "hip-hop/dilla-drunk", "hip-hop/boom-bap"]
kits = ["lofi"]
harmony = "moderate"
pads = false
drones = false
leads = ["epiano", "vibes", "guitar"]
elements = ["vinyl", "rain"]
brightness = 0.3
bpm = [70, 90]
modes = ["minor", "major"]
"""


def guidelines(name: str) -> Guidelines:
    """A named guideline set (:data:`GUIDELINES`), or an AlbumError with close matches."""
    if name not in GUIDELINES:
        raise unknown_name("guidelines", name, GUIDELINES)
    return loads_guidelines(GUIDELINES[name])


def resolve_guidelines(spec: str | os.PathLike | Guidelines) -> Guidelines:
    """Guidelines from a name (``chill``), a guidelines file (``my-ep.toml``) or a value."""
    if isinstance(spec, Guidelines):
        return spec
    text = os.fspath(spec)
    if text in GUIDELINES:
        return guidelines(text)
    if text.endswith(".toml") or os.sep in text or Path(text).exists():
        if not Path(text).exists():
            raise AlbumError("no such guidelines file", path=text)
        return load_guidelines(text)
    raise unknown_name("guidelines", text, GUIDELINES)
