"""The pattern library ships inside the package: an installed groovebox finds it anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from groovebox import library
from tests.conftest import ROOT


def test_wheel_carries_the_library_and_finds_it_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stderr
    (wheel,) = wheels.glob("groovebox-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        z.extractall(site)
    shipped = sorted(n[len("groovebox/patterns/"):-len(".toml")] for n in names
                     if n.startswith("groovebox/patterns/") and n.endswith(".toml"))
    assert shipped == library.pattern_ids()
    # the studio's page, scripts and styles (no build step: they ship as they are)
    static = {n.rsplit("/", 1)[1] for n in names if n.startswith("groovebox/studio/static/")}
    assert {"index.html", "studio.js", "grid.js", "audio.js", "worklet.js", "widget.js", "grid.css",
            "studio.css"} <= static
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("GROOVEBOX_PATTERNS", None)
    r = subprocess.run([sys.executable, "-m", "groovebox", "list"], cwd=elsewhere, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"{len(shipped)} patterns" in r.stdout
    r = subprocess.run([sys.executable, "-c", "import groovebox, groovebox.library as l; "
                        "print(groovebox.__file__); print(l.builtin_root())"],
                       cwd=elsewhere, env=env, capture_output=True, text=True)
    assert str(site) in r.stdout and str(ROOT / "patterns") not in r.stdout


def test_user_pattern_folders_come_first(tmp_path, monkeypatch):
    mine = tmp_path / "mine" / "breaks"
    mine.mkdir(parents=True)
    text = library.pattern_path("breaks/funky-drummer").read_text().replace('name = "Funky Drummer"', 'name = "Mine"')
    (mine / "funky-drummer.toml").write_text(text)
    monkeypatch.setenv("GROOVEBOX_PATTERNS", str(tmp_path / "mine"))
    library.clear_cache()
    try:
        assert library.load("breaks/funky-drummer").name == "Mine"
    finally:
        monkeypatch.delenv("GROOVEBOX_PATTERNS")
        library.clear_cache()
