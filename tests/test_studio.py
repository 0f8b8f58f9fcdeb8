"""The studio without a browser: grid edits, undo/redo, saving and exporting, what the server
accepts and refuses (Host, Origin, malformed messages, names with paths), the CLI's port
errors, and the notebook widget's two-way sync from Python."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request

import pytest

pytest.importorskip("starlette", reason="the studio extra is not installed (pip install 'groovebox[studio]')")

import groovebox as gb  # noqa: E402
from groovebox.formats import pattern_toml  # noqa: E402
from groovebox.studio import edits  # noqa: E402
from groovebox.studio.edits import StudioError  # noqa: E402
from groovebox.studio.server import StudioServer  # noqa: E402
from groovebox.studio.session import Studio  # noqa: E402

BEAT = gb.Pattern.from_grid({"kick": "x... x...", "snare": ".... x..."}, bpm=100, name="Beat")


# -- edits ---------------------------------------------------------------------------------------
def test_cell_edits_cycle_states_and_keep_lanes():
    p = edits.apply(BEAT, {"op": "cell", "track": "snare", "step": 2, "state": "hit"})
    assert p.track("snare").grid == "..x.x..."
    p = edits.apply(p, {"op": "lane", "track": "snare", "step": 2, "lane": "ratchet", "value": 3})
    p = edits.apply(p, {"op": "cell", "track": "snare", "step": 2, "state": "accent"})
    assert p.track("snare").steps[2].hit == "X" and p.track("snare").steps[2].ratchet == 3
    p = edits.apply(p, {"op": "cell", "track": "snare", "step": 2, "state": "off"})
    assert p.track("snare").grid == "....x..."
    assert p.track("snare").steps[2].ratchet == 1  # a rest carries no lanes
    # the lanes a producer expects, written to the file
    p = edits.apply(p, {"op": "lane", "track": "kick", "step": 4, "lane": "chance", "value": 50})
    p = edits.apply(p, {"op": "lane", "track": "kick", "step": 0, "lane": "flam", "value": True})
    p = edits.apply(p, {"op": "lane", "track": "snare", "step": 4, "lane": "nudge", "value": -10})
    p = edits.apply(p, {"op": "track", "track": "snare", "gain_db": -3.5, "pan": 0.25})
    p = p.replace(genre="mine", description="A test.")
    back = pattern_toml.loads(pattern_toml.dumps(p))
    assert back == p
    assert back.track("kick").steps[4].chance_pct == 50 and back.track("kick").steps[0].flam
    assert back.track("snare").steps[4].nudge_pct == -10 and back.track("snare").gain_db == -3.5


def test_tracks_bars_and_resolution():
    p = edits.apply(BEAT, {"op": "add_track", "instrument": "closed_hat"})
    assert p.instruments == ("kick", "snare", "closed_hat") and p.track("closed_hat").grid == "." * 8
    p = edits.apply(p, {"op": "remove_track", "track": "kick"})
    assert p.instruments == ("snare", "closed_hat")
    p = edits.apply(BEAT, {"op": "resize", "bars": 2})
    assert p.length_steps == 32 and p.track("kick").grid == "x...x..." + "." * 24
    eighths = edits.apply(p, {"op": "resize", "steps_per_beat": 2})
    assert eighths.steps_per_beat == 2 and eighths.track("kick").grid == "x.x." + "." * 12
    p = edits.apply(BEAT, {"op": "header", "bpm": 123, "swing": 58, "kit": "909", "name": "Mine"})
    assert (p.bpm, p.swing, p.kit, p.name) == (123, 58, "909", "Mine")


@pytest.mark.parametrize("msg, words", [
    ({"op": "cell", "track": "cowbell", "step": 0, "state": "hit"}, "unknown track 'cowbell'"),
    ({"op": "cell", "track": "kick", "step": 8, "state": "hit"}, "step: expected a whole number 0..7, got 8"),
    ({"op": "cell", "track": "kick", "step": -1, "state": "hit"}, "0..7"),
    ({"op": "cell", "track": "kick", "step": "3", "state": "hit"}, "got '3'"),
    ({"op": "cell", "track": "kick", "step": 0, "state": "loud"}, "expected one of off, hit, accent, ghost"),
    ({"op": "cell", "track": "kick", "step": 0}, "missing 'state'"),
    ({"op": "lane", "track": "kick", "step": 1, "lane": "ratchet", "value": 2}, "is a rest"),
    ({"op": "lane", "track": "kick", "step": 0, "lane": "ratchet", "value": 40}, "1..16"),
    ({"op": "add_track", "instrument": "theremin"}, "unknown instrument 'theremin'"),
    ({"op": "add_track", "instrument": "kick"}, "already has a track"),
    ({"op": "header", "bpm": 0}, "bpm: expected a number 20..400"),
    ({"op": "header", "bpm": float("nan")}, "bpm"),
    ({"op": "header", "kit": "../../etc"}, "kit: expected one of"),
    ({"op": "resize", "bars": 1000}, "bars: expected a whole number 1..32"),
    ({"op": "explode"}, "unknown edit 'explode'"),
    (["cell"], "expected a message object"),
])
def test_bad_edits_are_one_line_and_change_nothing(msg, words):
    with pytest.raises(StudioError) as exc:
        edits.apply(BEAT, msg)
    assert words in str(exc.value) and "\n" not in str(exc.value)


# -- the session -----------------------------------------------------------------------------------
@pytest.fixture
def folders(tmp_path):
    pats, out = tmp_path / "patterns", tmp_path / "out"
    out.mkdir()
    return pats, out


def studio(folders, pattern=None) -> Studio:
    pats, out = folders
    return Studio(pattern, audio="browser", patterns_dir=pats, out_dir=out, watch=False)


def test_undo_redo_walks_the_history(folders):
    s = studio(folders, BEAT)
    s.handle({"op": "cell", "track": "snare", "step": 1, "state": "hit"})
    s.handle({"op": "header", "bpm": 90})
    assert s.pattern.track("snare").grid == ".x..x..." and s.pattern.bpm == 90
    assert s.handle({"op": "undo"})["undone"] == "set bpm"
    assert s.pattern.bpm == 100
    s.handle({"op": "undo"})
    assert s.pattern == BEAT
    with pytest.raises(StudioError, match="nothing to undo"):
        s.handle({"op": "undo"})
    s.handle({"op": "redo"})
    s.handle({"op": "redo"})
    assert s.pattern.bpm == 90 and s.pattern.track("snare").grid == ".x..x..."
    s.handle({"op": "load", "id": "rock/straight-eighths"})
    s.handle({"op": "undo"})  # loading is undoable too: nothing is lost
    assert s.pattern.bpm == 90


def test_save_writes_toml_to_the_patterns_folder_and_asks_before_overwriting(folders):
    pats, _ = folders
    s = studio(folders, "funk/cissy-strut")
    s.handle({"op": "cell", "track": "kick", "step": 1, "state": "accent"})
    # the name of a library pattern: asks, and writes nothing until told
    reply = s.handle({"op": "save", "name": "cissy-strut"})
    assert reply["ok"] is False and "library pattern" in reply["ask"]
    assert not (pats / "funk" / "cissy-strut.toml").exists()
    reply = s.handle({"op": "save", "name": "cissy-strut", "overwrite": True})
    saved = pats / "funk" / "cissy-strut.toml"
    assert reply["ok"] and reply["path"] == str(saved)
    assert pattern_toml.load(saved) == s.pattern and s.pattern.track("kick").steps[1].hit == "X"
    # saving again over the file it opened needs no question; another existing file does
    s.handle({"op": "cell", "track": "kick", "step": 2, "state": "hit"})
    assert s.handle({"op": "save", "name": "cissy-strut"})["ok"]
    s2 = studio(folders, BEAT)
    assert s2.handle({"op": "save", "name": "cissy-strut"})["ok"] is True  # genre '' -> mine/
    s3 = studio(folders, BEAT.replace(genre="funk"))
    reply = s3.handle({"op": "save", "name": "cissy-strut"})
    assert reply["ok"] is False and "exists; overwrite it?" in reply["ask"]
    assert pattern_toml.load(saved).track("kick").steps[2].hit == "x"  # untouched


@pytest.mark.parametrize("name", ["../evil", "a/b", "..\\x", "/etc/passwd", "..", ".hidden", "x" * 65, "a\0b"])
def test_names_with_paths_are_refused(folders, name):
    s = studio(folders, BEAT)
    with pytest.raises(StudioError) as exc:
        s.handle({"op": "save", "name": name})
    assert "name" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(StudioError):
        s.handle({"op": "export", "name": name, "format": "wav"})
    pats, out = folders
    assert not pats.exists() or not any(pats.rglob("*"))
    assert not any(out.iterdir())


def test_a_genre_cannot_lead_out_of_the_patterns_folder(folders):
    pats, _ = folders
    s = studio(folders, BEAT)
    s.handle({"op": "header", "genre": "../../x"})
    reply = s.handle({"op": "save", "name": "beat"})
    assert reply["ok"] and (pats / "x" / "beat.toml").is_file()  # the genre became a folder name


def test_export_wav_and_midi_into_the_output_folder(folders):
    _, out = folders
    s = studio(folders, BEAT)
    s.handle({"op": "mute", "track": "snare", "on": True})
    r = s.handle({"op": "export", "name": "beat", "format": "wav", "bars": 2})
    assert r["path"] == str(out / "beat.wav") and r["download"] == "/download/beat.wav"
    import soundfile as sf

    data, sr = sf.read(out / "beat.wav")
    assert sr == 48000 and len(data) >= 2 * 4 * 60 / 100 * sr
    assert s.handle({"op": "export", "name": "beat", "format": "wav"})["ok"] is False  # exists: asks
    r = s.handle({"op": "export", "name": "beat", "format": "mid"})
    import mido

    notes = [m.note for m in mido.MidiFile(out / "beat.mid") if m.type == "note_on" and m.velocity]
    assert set(notes) == {36}  # the muted snare is not exported
    with pytest.raises(StudioError, match="format"):
        s.handle({"op": "export", "name": "beat", "format": "exe"})


def test_opening_a_broken_file_keeps_the_pattern(folders):
    s = studio(folders, BEAT)
    with pytest.raises(StudioError) as exc:
        s.handle({"op": "open", "name": "mine.toml", "text": 'name = "x"\nbpm = "fast"\n'})
    assert str(exc.value).startswith("mine.toml") and s.pattern == BEAT
    text = pattern_toml.dumps(BEAT.replace(bpm=77, genre="funk", description="d"))
    s.handle({"op": "open", "name": "../../mine.toml", "text": text})
    assert s.pattern.bpm == 77 and s.path is None


# -- the server over HTTP ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("studio")
    (root / "out").mkdir()
    srv = StudioServer(Studio(BEAT, audio="browser", patterns_dir=root / "patterns", out_dir=root / "out",
                              watch=False)).start()
    yield srv
    srv.stop()


def request(srv, path, *, body=None, headers=None, method=None):
    req = urllib.request.Request(srv.url.rstrip("/") + path, data=None if body is None else body.encode(),
                                 method=method or ("POST" if body is not None else "GET"))
    for k, v in {"Content-Type": "application/json", **(headers or {})}.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_binds_only_to_loopback(server):
    host, port = server.socket.getsockname()
    assert host == "127.0.0.1"
    with socket.socket() as s:  # the machine's other addresses do not answer
        s.settimeout(2)
        addrs = {ai[4][0] for ai in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
        for addr in addrs:
            if not addr.startswith("127."):
                assert s.connect_ex((addr, port)) != 0


def test_refuses_foreign_host_and_origin(server):
    port = server.port
    status, text = request(server, "/api/state", headers={"Host": f"evil.example:{port}"})
    assert status == 403 and "Host" in text  # DNS rebinding
    status, text = request(server, "/api/op", body=json.dumps({"op": "new"}),
                           headers={"Origin": "http://evil.example"})
    assert status == 403 and "Origin" in text  # a cross-site write
    status, _ = request(server, "/api/op", body="op=new", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415  # a plain HTML form cannot post here either
    status, text = request(server, "/api/state", headers={"Origin": f"http://localhost:{port}"})
    assert status == 200 and json.loads(text)["pattern"]["name"] == "Beat"
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as exc:  # a page elsewhere cannot open the channel
        connect(f"ws://127.0.0.1:{port}/ws", origin="http://evil.example", open_timeout=5)
    assert exc.value.response.status_code == 403


def test_malformed_messages_get_one_line_and_the_server_keeps_running(server):
    for body in ["{not json", json.dumps([1, 2]), json.dumps({"op": "cell", "track": "kick", "step": 99, "state": "hit"}),
                 json.dumps({"op": "cell", "track": "../kick", "step": 0, "state": "hit"}),
                 json.dumps({"op": "save", "name": "../../x"})]:
        status, text = request(server, "/api/op", body=body)
        reply = json.loads(text)
        assert status == 400 and reply["ok"] is False and "\n" not in reply["error"], body
    status, text = request(server, "/api/op", body=json.dumps({"op": "cell", "track": "kick", "step": 1, "state": "ghost"}))
    assert status == 200
    status, text = request(server, "/api/pattern.toml")
    assert tomllib.loads(text)["tracks"]["kick"].replace(" ", "") == "xo..x..."
    request(server, "/api/op", body=json.dumps({"op": "undo"}))
    status, _ = request(server, "/download/..%2F..%2Fetc%2Fpasswd")
    assert status in (400, 404)


def test_websocket_messages_and_pushed_state(server):
    ws = pytest.importorskip("websockets.sync.client", reason="the studio extra is not installed")
    with ws.connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=5) as c:
        first = json.loads(c.recv(timeout=5))
        assert first["type"] == "state"
        c.send("garbage")
        c.send(json.dumps({"op": "cell", "track": "snare", "step": 2, "state": "accent", "ref": 7}))
        seen = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(e.get("ref") == 7 for e in seen):
            seen.append(json.loads(c.recv(timeout=5)))
        assert any(e["type"] == "reply" and e["ok"] is False and "not JSON" in e["error"] for e in seen)
        assert any(e["type"] == "state" and e["pattern"]["tracks"][1]["grid"] == "..X.x..." for e in seen)
        c.send(json.dumps({"op": "undo", "ref": 8}))


def test_port_in_use_is_one_line_and_exit_2(cli):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = cli("studio", "--no-browser", "--port", str(port), "--audio", "browser")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"groovebox: error: port {port} is in use on 127.0.0.1; pick another with "
                                "--port, or 0 for any free one")


def test_cli_serves_and_prints_its_address(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "groovebox", "studio", "--no-browser", "--audio", "browser",
                             "--out", str(tmp_path), "rock/straight-eighths"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("groovebox studio: http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[2]
        with urllib.request.urlopen(url + "api/state", timeout=30) as r:
            assert json.loads(r.read())["pattern"]["id"] == "rock/straight-eighths"
        with urllib.request.urlopen(url, timeout=30) as r:
            assert b'data-action="play"' in r.read()
    finally:
        proc.terminate()
        proc.wait(20)


# -- the notebook widget ---------------------------------------------------------------------------
def test_widget_syncs_both_ways():
    pytest.importorskip("anywidget", reason="the studio extra is not installed")
    w = gb.grid(BEAT)
    seen = []
    w.on_change(seen.append)
    # a click in the front-end arrives as a custom message: the Python pattern changes
    w._on_front_end(w, {"op": "cell", "track": "snare", "step": 6, "state": "ghost"}, [])
    assert w.pattern.track("snare").grid == "....x.o." and seen == [w.pattern]
    assert w.view["tracks"][1]["grid"] == "....x.o."  # what the front-end redraws from
    # a bad click is reported in the widget, and changes nothing
    w._on_front_end(w, {"op": "cell", "track": "snare", "step": 60, "state": "hit"}, [])
    assert "0..7" in w.error and w.pattern.track("snare").grid == "....x.o."
    # Python changes the pattern: the synced view changes (the grid redraws)
    w.pattern = gb.load("rock/straight-eighths")
    assert w.view["name"] == w.pattern.name and len(seen) == 2
    state = w.get_state()
    assert state["view"]["tracks"][0]["instrument"] == w.pattern.tracks[0].instrument
    w._on_front_end(w, {"op": "mute", "track": "kick", "on": True}, [])
    assert w.mute == ["kick"]
    assert w.render(bars=1).n_frames > 0
    with pytest.raises(gb.GrooveboxError):
        w.pattern = "not a pattern"



def test_the_open_file_reloads_when_saved_elsewhere_and_a_broken_save_is_reported(folders, tmp_path):
    pytest.importorskip("watchfiles", reason="the studio extra is not installed")
    path = tmp_path / "groove.toml"
    beat = BEAT.replace(genre="mine", description="A test.")
    path.write_text(pattern_toml.dumps(beat))
    s = Studio(str(path), audio="browser", patterns_dir=folders[0], out_dir=folders[1])
    events = []
    s.listeners.append(events.append)
    try:
        assert s.path == path
        changed = beat.replace(bpm=111)
        path.write_text(pattern_toml.dumps(changed))
        deadline = time.monotonic() + 10
        while s.pattern.bpm != 111 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert s.pattern == changed and s.history[-1][1] == "reload from disk"
        assert any(e["type"] == "state" and e["pattern"]["bpm"] == 111 for e in events)
        path.write_text("bpm = ")
        while not any("still playing" in m for m in s.messages) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert any(m.startswith(f"{path}:") and "not valid TOML" in m for m in s.messages), s.messages
        assert s.pattern == changed  # the last good version stays
        path.unlink()
        while not any("gone" in m for m in s.messages) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert any(e["type"] == "message" and "gone" in e["message"] for e in events)
    finally:
        s.close()
