"""Every template renders as the song it claims: each section sounds, nothing clips, and the
parts a section lists are the ones heard in it (rendered whole at 16 kHz with stems)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import groovebox as gb
from groovebox.generators.templates import TEMPLATES
from groovebox.renderer.song import song_program

SR = 16000


def _db(x):
    return 20 * np.log10(np.sqrt(np.mean(np.square(x))) + 1e-12)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_renders_its_form(name, tmp_path):
    song = gb.new_song(name, seed=11)
    assert 120 <= song.duration_s <= 300 and len(set(song.form)) >= 4
    out = gb.render(song, path=tmp_path / "song.wav", stems=tmp_path / "stems", sample_rate=SR)
    y, _ = sf.read(out, dtype="float64")
    assert np.abs(y).max() <= 10 ** (-1 / 20) and np.isfinite(y).all()
    bounds = song_program(song, SR).section_samples
    stems = {p.stem: sf.read(p, dtype="float64")[0] for p in (tmp_path / "stems").glob("*.wav")}
    mix = stems["mix"]
    assert np.abs(mix).max() < 1.0  # the pre-master mix leaves headroom: 24-bit stems never clip
    for k, s in enumerate(song.sections):
        lo, hi = bounds[k], bounds[k + 1]
        assert _db(y[lo:hi]) > -40, f"section {k + 1} '{s.name}' is silent"
        half = lo + (hi - lo) // 2  # past the last section's releases and reverb tails
        feeds: dict[str, list[str]] = {}  # a part routed into a group is heard in the group's stem
        for p in song.parts:
            feeds.setdefault(p.strip.group or p.name, []).append(p.name)
        for stem, parts in feeds.items():
            level = _db(stems[stem][half:hi])
            if any(pn in s.parts for pn in parts):
                assert level > -75, f"{stem} is missing from section {k + 1} '{s.name}'"
            elif not any(t.kind == "drop" for t in s.transitions):
                assert level < -70, f"{stem} plays in section {k + 1} '{s.name}', which does not list it"
