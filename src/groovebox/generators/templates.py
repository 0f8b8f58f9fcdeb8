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
from groovebox.generators.template_maps import _ALIASES, TEMPLATES, template_names
from groovebox.generators.titles import working_title
from groovebox.model.song import Song, SongError, unknown

__all__ = ["TEMPLATES", "new_song", "template_names"]

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
