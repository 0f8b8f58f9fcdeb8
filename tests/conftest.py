"""Shared fixtures. Tests render with the real engine and kits; nothing is mocked."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SR = 48000

# Tests never read or write the user's own pattern folder (~/.local/share/groovebox/patterns):
# the default folder points into a fresh temporary folder (subprocesses inherit it).
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="groovebox-test-data-")


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


# -- a JACK dummy server for real-time tests -------------------------------------------------
def _start_jackd(name: str, period: int, log_path: Path, realtime: bool) -> subprocess.Popen | None:
    env = {**os.environ, "JACK_NO_AUDIO_RESERVATION": "1", "JACK_NO_START_SERVER": "1"}
    cmd = ["jackd", "-n", name, *([] if realtime else ["-r"]), "-d", "dummy", "-r", "48000", "-p", str(period)]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env, start_new_session=True)
    try:
        ok = subprocess.run(["jack_wait", "-s", name, "-w", "-t", "10"], env=env, capture_output=True,
                            timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if ok and proc.poll() is None:
        return proc
    _stop_jackd(proc)
    return None


def _server_up(name: str) -> bool:
    try:
        return subprocess.run(["jack_wait", "-s", name, "-c"], capture_output=True, text=True, timeout=10,
                              env={**os.environ, "JACK_NO_START_SERVER": "1"}).stdout.strip() == "running"
    except (OSError, subprocess.TimeoutExpired):
        return False


def _stop_jackd(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextlib.contextmanager
def jack_server(period: int = 1024, log_dir: Path | None = None):
    """Run a JACK dummy server (48 kHz, ``period`` frames) named for this process; yields its
    name with JACK_DEFAULT_SERVER pointing at it, or None when jackd is missing or will not
    start. PortAudio is re-initialised so it lists the server's device."""
    if shutil.which("jackd") is None or shutil.which("jack_wait") is None:
        yield None
        return
    given = os.environ.get("JACK_DEFAULT_SERVER")
    if given and _server_up(given):  # one started around the session (tests/jack_server.sh)
        yield given
        return
    name = f"groovebox-test-{os.getpid()}-{period}"
    log_path = Path(log_dir or tempfile.gettempdir()) / f"{name}.log"
    # Real-time scheduling if allowed; otherwise the same server without it.
    proc = _start_jackd(name, period, log_path, True) or _start_jackd(name, period, log_path, False)
    if proc is None:
        yield None
        return
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"
    import sounddevice as sd

    from groovebox.io import realtime

    try:
        realtime.rescan_devices()
        yield name
    finally:
        # PortAudio must let go of the server before it stops (terminating it afterwards aborts).
        sd._terminate()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _stop_jackd(proc)
        sd._initialize()


@pytest.fixture(scope="session")
def jack():
    """The JACK dummy server of this test session (1024-frame periods) and its output device
    number; skips real-time tests where jackd is not installed or cannot start."""
    with jack_server(1024) as name:
        if name is None:
            pytest.skip("no JACK server: jackd (jackd2) is not installed or would not start")
        import sounddevice as sd

        apis = [a for a in sd.query_hostapis() if "JACK" in a["name"]]
        if not apis or not apis[0]["devices"]:
            pytest.skip("PortAudio has no JACK host API here (libportaudio2 built without JACK?)")
        yield name, apis[0]["devices"][0]
