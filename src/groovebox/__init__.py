"""groovebox: make music from patterns.

Importing groovebox is cheap: it opens no audio device and compiles nothing. The heavy parts
(Numba kernels, music21, sounddevice, matplotlib) load when first used.

>>> import groovebox as gb
>>> beat = gb.Pattern.from_grid({"kick": "x... x...", "snare": ".... x..."}, bpm=100)
>>> gb.render(beat, bars=2).duration_s > 2.4
True
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from groovebox.errors import GrooveboxError, PatternError, RenderError, UnknownNameError  # noqa: E402
from groovebox.model.pattern import Pattern, Step, Track  # noqa: E402

# name -> "module:attribute", imported on first use so `import groovebox` stays light.
_LAZY = {
    "render": "groovebox.offline:render",
    "play": "groovebox.live:play",
    "stop": "groovebox.live:stop",
    "Player": "groovebox.live:Player",
    "Audio": "groovebox.io.audio:Audio",
    "Engine": "groovebox.renderer.engine:Engine",
    "RenderOptions": "groovebox.model.options:RenderOptions",
    "load": "groovebox.library:load",
    "library": "groovebox.library",
    "sequencer": "groovebox.renderer.sequencer",
    "events": "groovebox.renderer.sequencer:events",
    "kits": "groovebox.kits",
    "Kit": "groovebox.model.kit:Kit",
    "get_kit": "groovebox.model.kit:get_kit",
    "read_pattern": "groovebox.formats.pattern_toml:load",
    "write_pattern": "groovebox.formats.pattern_toml:dump",
    # harmony: music21 is imported by the first call that needs it, not here
    "harmony": "groovebox.harmony",
    "scale": "groovebox.harmony.keys:scale",
    "chord": "groovebox.harmony.chords:chord",
    "progression": "groovebox.harmony.progression:progression",
    "generate_progression": "groovebox.generators.progressions:generate_progression",
    "parts": "groovebox.generators.parts",
    "arrange": "groovebox.generators.arrange:arrange",
    "Arrangement": "groovebox.model.arrangement:Arrangement",
    "Progression": "groovebox.model.notes:Progression",
    "export": "groovebox.exporter:export",
    "Loop": "groovebox.model.loop:Loop",
    "Soundscape": "groovebox.model.soundscape:Soundscape",
    "Instrument": "groovebox.model.patch:Instrument",
    "Effect": "groovebox.model.effect:Effect",
    "LFO": "groovebox.model.soundscape:LFO",
    "Walk": "groovebox.model.soundscape:Walk",
    "Drums": "groovebox.model.soundscape:Drums",
    "ambient": "groovebox.generators.ambient",
    "viz": "groovebox.viz",
    "Song": "groovebox.model.song:Song",
    "SongPart": "groovebox.model.song:SongPart",
    "Section": "groovebox.model.song:Section",
    "read_song": "groovebox.formats.song_toml:load",
    "write_song": "groovebox.formats.song_toml:save",
    "new_song": "groovebox.generators.templates:new_song",
    "song_from_loop": "groovebox.generators.song_from_loop:song_from_loop",
    "working_title": "groovebox.generators.titles:working_title",
    "grid": "groovebox.studio.widget:grid",
    "batch": "groovebox.batch",
}

__all__ = ["GrooveboxError", "Pattern", "PatternError", "RenderError", "Step", "Track",
           "UnknownNameError", *_LAZY]


def __getattr__(name: str):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'groovebox' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = importlib.import_module(module)
    if attr:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
