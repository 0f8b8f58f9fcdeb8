"""What the commands print fits a terminal, says counts right and helps a newcomer; writing a
pattern is one command; ids are the same everywhere."""

from __future__ import annotations

import os

import pytest

from groovebox.cli import build_parser
from groovebox.cli.examples import EXAMPLES
from groovebox.formats import pattern_toml
from groovebox.model.arrangement import INSTRUMENTS


def _env(**extra) -> dict:
    return {**os.environ, **{k: str(v) for k, v in extra.items()}}


def test_show_wraps_whole_bars_to_the_terminal_width(cli):
    r = cli("show", "breaks/amen-break", env=_env(COLUMNS=60))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    # four bars, two per line: each row appears twice, and the rulers number bars 1-2, then 3-4
    kicks = [line for line in lines if line.startswith("kick ")]
    assert len(kicks) == 2 and kicks[0].count("|") == 1 and kicks[1].count("|") == 1
    rulers = [line.strip() for line in lines if line.strip().startswith(("1 ", "3 "))]
    assert rulers[0].startswith("1") and "2" in rulers[0] and rulers[1].startswith("3") and "4" in rulers[1]
    # a wide terminal takes the four bars on one line
    r = cli("show", "breaks/amen-break", env=_env(COLUMNS=200))
    assert len([line for line in r.stdout.splitlines() if line.startswith("kick ")]) == 1


def test_tables_fit_80_columns_in_a_pipe(cli):
    for args in (["kits"], ["presets"], ["instruments"], ["genres"]):
        r = cli(*args, env=_env(COLUMNS=80))
        assert r.returncode == 0, r.stderr
        widest = max(r.stdout.splitlines(), key=len)
        assert len(widest.rstrip()) <= 80, (args, widest)


def test_counts_use_the_singular_for_one(cli):
    r = cli("list", "--search", "clyde")
    assert r.stdout.splitlines()[-1] == "1 pattern"
    r = cli("list", "--genre", "funk")
    assert r.stdout.splitlines()[-1].endswith(" patterns")
    r = cli("progression", "I")
    assert "1 chord, 1 bar" in r.stdout


def test_every_command_help_ends_with_examples_that_name_real_commands():
    parser = build_parser()
    seen = []

    def walk(p, prefix):
        for action in p._actions:
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                for name, sub in action.choices.items():
                    key = f"{prefix}{name}"
                    seen.append(key)
                    text = sub.format_help()
                    assert "\nexamples:\n  groovebox " in text, key
                    assert not text.rstrip().endswith("..."), key
                    walk(sub, key + " ")

    walk(parser, "")
    assert {"render", "show", "play", "new pattern", "progression", "instruments", "warmup"} <= set(seen)
    top = {name.split()[0] for name in seen}
    for key, lines in EXAMPLES.items():  # every example runs an existing command
        for line in lines:
            words = line.split()
            command = words[1] if words[0] == "groovebox" else words[2]
            assert command in top, (key, line)


def test_instruments_are_listed_and_an_unknown_one_lists_them(cli):
    r = cli("instruments")
    assert r.returncode == 0
    listed = {line.split()[0] for line in r.stdout.splitlines()[1:] if line and not line[0].isspace()}
    assert set(INSTRUMENTS) <= listed
    r = cli("progression", "I V", "--instrument", "kazoo")
    assert r.returncode == 2
    line = r.stderr.strip()
    assert "\n" not in line and "unknown instrument 'kazoo'" in line
    assert all(name in line for name in INSTRUMENTS) and "groovebox instruments" in line


def test_a_key_read_from_chord_symbols_is_said_to_be_a_guess(cli):
    r = cli("progression", "Am7 D9 Gmaj7")
    assert r.stdout.splitlines()[0].startswith("G major (heard in the chords; --key sets it)")
    r = cli("progression", "Am7 D9 Gmaj7", "--key", "e minor")
    assert "heard in the chords" not in r.stdout


# -- a new pattern -----------------------------------------------------------------------------
def test_new_pattern_writes_a_file_that_plays_by_its_id(tmp_path, cli):
    env = _env(GROOVEBOX_PATTERNS=tmp_path)
    r = cli("new", "pattern", "my-groove", env=env)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "mine" / "my-groove.toml"
    assert path.is_file() and "groovebox play mine/my-groove" in r.stdout
    p = pattern_toml.load(path)
    assert p.name == "My Groove" and p.genre == "mine" and {t.instrument for t in p.tracks} >= {"kick", "snare"}
    r = cli("show", "mine/my-groove", env=env)
    assert r.returncode == 0 and "My Groove" in r.stdout
    r = cli("render", "mine/my-groove", "-o", tmp_path / "x.mid", env=env)
    assert r.returncode == 0, r.stderr
    # from a library pattern, filed under its genre; the grids are the original's
    r = cli("new", "pattern", "late-night", "--from", "funk/cissy-strut", env=env)
    assert r.returncode == 0, r.stderr
    copy = pattern_toml.load(tmp_path / "funk" / "late-night.toml")
    from groovebox import library

    original = library.load("funk/cissy-strut")
    assert copy.genre == "funk" and [t.grid for t in copy.tracks] == [t.grid for t in original.tracks]
    # no overwriting without --force, and a name that is a name
    again = cli("new", "pattern", "my-groove", env=env)
    assert again.returncode == 2 and "exists; use --force" in again.stderr
    bad = cli("new", "pattern", "my groove/x", env=env)
    assert bad.returncode == 2 and "expected a name like my-groove" in bad.stderr


@pytest.mark.parametrize("place", ["top", "genre folder"])
def test_every_id_list_shows_is_one_show_and_render_take(tmp_path, cli, place):
    folder = tmp_path / "mine"
    target = tmp_path / "shuffle.toml" if place == "top" else tmp_path / "blues" / "shuffle.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text('genre = "Blues"\n[tracks]\nkick = "x.. x.."\nsnare = "... x.."\n')
    env = _env(GROOVEBOX_PATTERNS=tmp_path)
    r = cli("list", "--genre", "Blues", env=env)
    ids = [line.split()[0] for line in r.stdout.splitlines()[1:-1]]
    assert "blues/shuffle" in ids, r.stdout
    for pid in ids:
        assert cli("show", pid, env=env).returncode == 0, pid
    assert cli("render", "blues/shuffle", "-o", tmp_path / "s.mid", env=env).returncode == 0
    assert not folder.exists()


def test_a_wrong_suffix_fails_before_anything_compiles(tmp_path, cli):
    env = _env(NUMBA_CACHE_DIR=tmp_path / "empty-cache")  # a first run: would compile, and say so
    for args in (["render", "breaks/amen-break"], ["ambient", "airports", "--seconds", "2"]):
        r = cli(*args, "-o", tmp_path / "x.mp3", env=env)
        assert r.returncode == 2
        assert r.stderr.count("\n") == 1 and "cannot write '.mp3'" in r.stderr and "compiling" not in r.stderr
