"""The layout holds: layers import downwards only, the model stays pure, no import circles.

``make test`` also runs ``lint-imports`` on the real tree; these tests show that the contracts
would catch a violation, and check what a user notices: importing the model costs no Numba.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
needs_linter = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[dev]')")


def lint(src: Path) -> subprocess.CompletedProcess:
    """Run the project's contracts (pyproject.toml) against the package in ``src``."""
    return subprocess.run([str(LINT), "--no-cache", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)


@needs_linter
def test_the_contracts_hold_on_the_tree():
    out = lint(ROOT / "src")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


@needs_linter
@pytest.mark.parametrize("module, line, contract", [
    # an upward arrow: the model reaching into the renderer
    ("model/pattern.py", "import groovebox.renderer.engine", "Each folder is a layer"),
    # numba in the model
    ("model/pattern.py", "import numba", "The model is pure values"),
    # music21 outside harmony
    ("generators/ambient.py", "import music21", "Only harmony imports music21"),
])
def test_a_violation_is_caught(tmp_path, module, line, contract):
    shutil.copytree(ROOT / "src" / "groovebox", tmp_path / "groovebox",
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "groovebox" / module
    target.write_text(target.read_text() + f"\n{line}  # injected by the test\n")
    out = lint(tmp_path)
    assert out.returncode != 0
    assert f"{contract}" in out.stdout and "BROKEN" in out.stdout


def test_importing_the_model_loads_no_numba():
    code = ("import pkgutil, importlib, sys, groovebox.model as m\n"
            "for info in pkgutil.iter_modules(m.__path__):\n"
            "    importlib.import_module('groovebox.model.' + info.name)\n"
            "import groovebox.formats.pattern_toml, groovebox.formats.hydrogen, groovebox.formats.midi.drums\n"
            "print(sorted(x for x in ('numba', 'soundfile', 'sounddevice', 'music21') if x in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_kernel_layouts_follow_the_model_schemas():
    """dsp/ cannot import the model, so the slot numbers are written twice: keep them in step."""
    from groovebox.dsp import effects as dsp_effects
    from groovebox.dsp import tonal
    from groovebox.model import effect, patch

    assert tonal.PATCH_SIZE == patch.PATCH_SIZE
    for i, name in enumerate(patch.PATCH_FIELDS):
        assert getattr(tonal, "P_" + name.upper()) == i, name
    for i, name in enumerate(patch.KIND_NAMES):
        assert getattr(tonal, name.upper()) == i == getattr(patch, name.upper()), name
    assert tonal.TEXTURES == patch.TEXTURES
    assert dsp_effects.EFFECT_NAMES == effect.EFFECT_NAMES
    assert set(dsp_effects.FILTER_MODE_IDS) == set(effect.FILTER_MODES)
