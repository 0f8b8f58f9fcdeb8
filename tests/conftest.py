"""Shared fixtures. Tests render with the real engine and kits; nothing is mocked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SR = 48000


@pytest.fixture
def sr() -> int:
    return SR


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m groovebox ARGS` in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "groovebox", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=600,
    )


@pytest.fixture
def cli():
    return run_cli
