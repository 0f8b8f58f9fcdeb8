"""Data sets on Dask: `groovebox dataset`, the item plan, labels, stems, resume, bad input.

The smoke spec (datasets/smoke.toml, 100 one-bar items) is rendered once on a local cluster of
two workers; the other runs (one worker, a scheduler and two workers started as separate
processes, a resumed run after kill -9) must give the very same manifest, hash for hash.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from groovebox.batch.item import _options, _program, kit_tables_for, render_item
from groovebox.batch.plan import plan_item, plan_items
from groovebox.batch.spec import load_spec, parse_spec
from groovebox.batch.writers import JOURNAL, MANIFEST, read_records, verify_files
from groovebox.errors import GrooveboxError
from groovebox.model.instruments import INSTRUMENTS
from groovebox.renderer.engine import Engine
from groovebox.renderer.pattern import pattern_program
from groovebox.renderer.program import Program
from tests.conftest import ROOT, run_cli

SMOKE = ROOT / "datasets" / "smoke.toml"


def _dataset(*args, env=None):
    return run_cli("dataset", str(SMOKE), *map(str, args), env=env)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The smoke set rendered on a LocalCluster of two workers."""
    out = tmp_path_factory.mktemp("smoke") / "set"
    r = _dataset("-o", out, "--workers", 2)
    assert r.returncode == 0, r.stderr
    assert "100 items (100 rendered, 0 resumed)" in r.stdout
    return out


def _records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / MANIFEST).read_text().splitlines()]


# -- the plan ---------------------------------------------------------------------------------------
def test_item_parameters_depend_only_on_the_seed_and_the_index():
    spec = load_spec(SMOKE)
    items = plan_items(spec)
    assert len(items) == 100
    for i in (0, 41, 99):
        assert plan_item(spec, i) == items[i]
    other = parse_spec(SMOKE.read_text().replace("seed = 2026", "seed = 2027"), path=SMOKE)
    assert [i.params() for i in plan_items(other)] != [i.params() for i in items]


def test_splits_are_by_pattern_so_no_groove_leaks():
    items = plan_items(load_spec(SMOKE))
    split_of: dict[str, set] = {}
    for it in items:
        split_of.setdefault(it.source, set()).add(it.split)
    assert all(len(s) == 1 for s in split_of.values())
    counts = {s: sum(1 for v in split_of.values() if s in v) for s in ("train", "validation", "test")}
    assert counts == {"train": 20, "validation": 3, "test": 2}  # 25 patterns cut 0.8 / 0.1 / 0.1


# -- labels are the engine's own events ------------------------------------------------------------
class _Recorder:
    """An event source that passes the engine's queries on and notes every event it hands over."""

    def __init__(self, inner):
        self.inner = inner
        self.seen: list[tuple[int, str]] = []

    def query(self, start, stop, buf, kind=0):
        n0 = buf.n
        self.inner.query(start, stop, buf, kind)
        self.seen += [(int(buf.sample[k]), INSTRUMENTS[buf.instr[k]]) for k in range(n0, buf.n)]


@pytest.mark.parametrize("index", [0, 7, 33, 58, 90])
def test_each_label_is_a_hit_the_engine_starts_on_that_sample(index):
    item = plan_item(load_spec(SMOKE), index)
    rendered = render_item(item)
    tables = kit_tables_for(item.kit, item.pattern.instruments, item.sample_rate)
    base = pattern_program(item.pattern, _options(item, tables), end_step=item.bars * item.pattern.steps_per_bar)
    recorder = _Recorder(base.sources[0])
    program = _program(Program(sources=[recorder], kit=base.kit, tracks=base.tracks), item)
    engine = Engine(item.sample_rate, max_block=256, max_tracks=len(program.tracks), limiter=False)
    engine.load(program)
    mix = engine.render_block(rendered.frames)  # blocks of 256 frames: the engine's own queries
    labels = sorted((h["sample"], h["instrument"]) for h in rendered.hits)
    assert sorted(recorder.seen) == labels
    np.testing.assert_array_equal(mix, rendered.mix)
    # ... and in the audio: a stem is digital silence until its instrument's first label.
    for name, stem in rendered.stems.items():
        first = min(s for s, i in labels if i == name)
        assert not stem[:first].any(), name
        assert stem[first].any(), name


# -- files -----------------------------------------------------------------------------------------
def test_every_item_has_its_files_and_stems_add_up_to_the_mix(reference):
    records = _records(reference)
    assert [r["id"] for r in records] == [f"{i:05d}" for i in range(100)]
    worst = 0.0
    for r in records[::7]:
        folder = reference / r["folder"]
        assert verify_files(reference, r["folder"], r["files"])
        mix, sr = sf.read(folder / "mix.wav", dtype="float64")
        assert sr == 22050 and 10 ** (-60 / 20) < np.abs(mix).max() < 1.0  # neither silent nor clipped
        stems = [sf.read(p, dtype="float64")[0] for p in sorted((folder / "stems").glob("*.wav"))]
        assert sorted(p.stem for p in (folder / "stems").glob("*.wav")) == r["instruments"]
        worst = max(worst, float(np.abs(sum(stems) - mix).max()))
        labels = json.loads((folder / "labels.json").read_text())["hits"]
        csv_rows = (folder / "labels.csv").read_text().splitlines()
        assert len(csv_rows) == len(labels) + 1 == r["hits"] + 1
        assert csv_rows[0].startswith("sample,seconds,instrument,gm_note,velocity")
        assert {h["instrument"] for h in labels} == set(r["instruments"])
        for h in labels:
            assert h["seconds"] == pytest.approx(h["sample"] / sr, abs=1e-6)
            assert h["offset_samples"] == h["sample"] - h["grid_sample"]
        mid = (folder / "drums.mid").read_bytes()
        assert mid[:4] == b"MThd"
    assert 20 * np.log10(worst) < -90.0


def test_data_card_and_progress(reference):
    card = (reference / "README.md").read_text()
    assert "100 items" in card and "| train | 80 |" in card and "groovebox dataset" in card
    assert (reference / "spec.toml").read_text() == SMOKE.read_text()
    assert not (reference / JOURNAL).exists()


# -- determinism across workers and clusters --------------------------------------------------------
def test_one_worker_gives_the_same_manifest(reference, tmp_path):
    r = _dataset("-o", tmp_path / "one", "--workers", 1)
    assert r.returncode == 0, r.stderr
    assert "items" in r.stderr and "x real time" in r.stderr and "ETA" in r.stderr  # progress lines
    assert (tmp_path / "one" / MANIFEST).read_bytes() == (reference / MANIFEST).read_bytes()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1, started as a user
    would start them on several machines."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    log = open(tmp_path / "dask.log", "wb")  # noqa: SIM115
    common = ["--no-dashboard", "--dashboard-address", "127.0.0.1:0", "--host", "127.0.0.1"]
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--port", address.rsplit(":", 1)[1], *common],
                              stdout=log, stderr=log)]
    try:
        for name in ("w1", "w2"):
            procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                                           "--nworkers", "1", "--name", name, "--memory-limit", "0", *common],
                                          stdout=log, stderr=log))
        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        log.close()


def test_a_scheduler_and_two_worker_processes_give_the_same_manifest(reference, tmp_path, dask_cluster):
    r = _dataset("-o", tmp_path / "cluster", "--scheduler", dask_cluster)
    assert r.returncode == 0, r.stderr
    assert "on 2 workers" in r.stdout
    assert (tmp_path / "cluster" / MANIFEST).read_bytes() == (reference / MANIFEST).read_bytes()


# -- resume -----------------------------------------------------------------------------------------
def test_kill_9_mid_run_leaves_nothing_partial_and_the_rerun_completes_the_set(reference, tmp_path):
    out = tmp_path / "killed"
    ref = {r["id"]: r for r in _records(reference)}
    with open(tmp_path / "log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "groovebox", "dataset", str(SMOKE), "-o", str(out),
                                 "--workers", "1", "--chunk", "2"], stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while len(read_records(out / JOURNAL)) < 20:
            assert proc.poll() is None, (tmp_path / "log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the client, its scheduler and its workers, mid-write
        proc.wait()
    time.sleep(0.5)
    finals = [p for split in out.iterdir() if split.is_dir() for p in split.iterdir() if not p.name.startswith(".")]
    assert 20 <= len(finals) < 100
    for folder in finals:  # a folder under an item's final name is complete and right
        rec = ref[folder.name]
        assert verify_files(out, rec["folder"], rec["files"]), folder
    r = _dataset("-o", out, "--workers", 2)
    assert r.returncode == 0, r.stderr
    resumed = int(r.stdout.split(" rendered, ")[1].split(" resumed")[0])
    assert resumed >= 20
    assert (out / MANIFEST).read_bytes() == (reference / MANIFEST).read_bytes()
    assert not list(out.glob("*/.*part*")) and not (out / JOURNAL).exists()


# -- bad input ---------------------------------------------------------------------------------------
GOOD = """seed = 1
variations = 1
bars = 1
[patterns]
ids = ["funk/cissy-strut"]
[[kits]]
kit = "808"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('ids = ["funk/cissy-strut"]', 'ids = ["funk/cisy-strut"]'), "unknown pattern 'funk/cisy-strut'; did you mean 'funk/cissy-strut'"),
        (('ids = ["funk/cissy-strut"]', 'genres = ["fnuk"]'), "unknown genre 'fnuk'; did you mean 'funk'"),
        (('ids = ["funk/cissy-strut"]', 'ids = ["hous/*"]'), "field 'patterns.ids': 'hous/*' matches no pattern"),
        (('kit = "808"', 'kit = "809"'), "unknown kit '809'; did you mean '909', '808'?"),
        (('kit = "808"', 'kit = "./no-such-kit"'), "field 'kits[0].kit': no such sample kit folder"),
        (('ids = ["funk/cissy-strut"]', 'ids = ["funk/cissy-strut"]\nexclude = ["funk/*"]'), "the selection is empty"),
        (("bars = 1", "bars = 1\nbpm = [140, 80]"), "field 'bpm': range [140, 80] is upside down"),
        (("bars = 1", "bars = 1\nswing = [60, 52]"), "field 'swing': range [60, 52] is upside down"),
        (("bars = 1", "bars = 1\nbpm = [80, 900]"), "field 'bpm': 900 is out of range"),
        (("bars = 1", "bars = 1\ntempo = 90"), "unknown field 'tempo'"),
        (("bars = 1", 'bars = 1\nsample_format = "16"'), "stems need \"24\" or \"float\""),
        (("bars = 1", "bars = 1\n[splits]\ntrain = 0.9\ntest = 0.2"), "ratios add up to 1.1"),
        (("bars = 1", "bars = [1, 2, 3]"), "field 'bars': expected [low, high]"),
        (("bars = 1", "bars = 1 ="), "spec.toml:3:10: not valid TOML"),
    ],
)
def test_bad_specs_fail_with_one_line_naming_the_field(tmp_path, change, message):
    spec = tmp_path / "spec.toml"
    spec.write_text(GOOD.replace(*change))
    r = run_cli("dataset", spec, "-o", tmp_path / "out")
    assert r.returncode == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_pattern_no_kit_can_play_is_named(tmp_path):
    spec = GOOD.replace('kit = "808"', 'kit = "/usr/share/hydrogen/data/drumkits/GMRockKit"').replace(
        '"funk/cissy-strut"', '"afro/afrobeat"')
    if not Path("/usr/share/hydrogen/data/drumkits/GMRockKit").is_dir():
        pytest.skip("needs Debian's hydrogen-data (installed by .ci/run)")
    with pytest.raises(GrooveboxError, match="pattern 'afro/afrobeat' plays .*which no kit of the spec has a sound for"):
        plan_items(parse_spec(spec))


def test_an_unreachable_scheduler_is_one_line_with_its_address_after_a_bounded_wait(tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    spec = tmp_path / "spec.toml"
    spec.write_text(GOOD)
    start = time.monotonic()
    r = run_cli("dataset", spec, "-o", tmp_path / "out", "--scheduler", address,
                env={**os.environ, "GROOVEBOX_DASK_TIMEOUT": "3"})
    assert r.returncode == 2
    assert f"cannot reach the Dask scheduler at {address} within 3 s" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert time.monotonic() - start < 60


def test_a_folder_made_from_another_spec_is_refused(reference, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(GOOD)
    r = run_cli("dataset", spec, "-o", reference)
    assert r.returncode == 2 and "holds a data set made from another spec" in r.stderr


def _can_mount_tmpfs(path: Path) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_full_disk_stops_the_run_cleanly_with_a_consistent_manifest(reference, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _can_mount_tmpfs(disk):
        pytest.skip("a full disk is made with a 6 MB tmpfs, which needs root (CI runs as root)")
    try:
        out = disk / "set"
        r = _dataset("-o", out, "--workers", 1)
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()  # progress lines, then the error
        assert "No space left on device" in lines[-1] and lines[-1].startswith("groovebox: error: ")
        assert all(line.startswith("dataset: ") for line in lines[:-1]), r.stderr
        done = {**read_records(out / MANIFEST), **read_records(out / JOURNAL)}
        assert 0 < len(done) < 100
        for rec in done.values():  # everything the run says it wrote is there, whole
            assert verify_files(out, rec["folder"], rec["files"])
        assert not list(out.glob("*/.*part*"))  # and nothing half-written is left
        subprocess.run(["mount", "-o", "remount,size=400m", str(disk)], check=True)
        r = _dataset("-o", out, "--workers", 2)
        assert r.returncode == 0, r.stderr
        assert (out / MANIFEST).read_bytes() == (reference / MANIFEST).read_bytes()
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


# -- render_many for any renders (albums) -----------------------------------------------------------
def test_render_many_renders_jobs_on_a_local_cluster_in_order_and_names_a_failing_one(tmp_path):
    import groovebox as gb
    from groovebox.batch import BatchError, RenderJob, render_many

    jobs = [RenderJob("funk/cissy-strut", str(tmp_path / "a.wav"), {"bars": 1, "seed": 1}),
            RenderJob("house/chicago-house", str(tmp_path / "b.wav"), {"bars": 2, "kit": "909"}),
            RenderJob(gb.load("rock/straight-eighths"), str(tmp_path / "c.flac"), {"bars": 1})]
    seen = []
    results = render_many(jobs, workers=1, on_done=lambda i, r: seen.append(i))
    assert [Path(r["path"]).name for r in results] == ["a.wav", "b.wav", "c.flac"]
    assert sorted(seen) == [0, 1, 2]
    direct = gb.render("funk/cissy-strut", bars=1, seed=1, path=tmp_path / "direct.wav")
    assert Path(direct).read_bytes() == (tmp_path / "a.wav").read_bytes()  # a worker renders the same bytes
    with pytest.raises(BatchError, match=r"funk/no-such-groove -> .*unknown pattern 'funk/no-such-groove'"):
        render_many([RenderJob("funk/no-such-groove", str(tmp_path / "x.wav"))], workers=0)


def test_labels_json_is_the_standard_indented_json_of_the_labels():
    from groovebox.batch.writers import _labels_json

    for index in (3, 50):
        r = render_item(plan_item(load_spec(SMOKE), index))
        p = r.plan
        doc = {"item": p.id, "pattern": p.source, "sample_rate": p.sample_rate, "bpm": p.bpm, "swing": p.swing,
               "bars": p.bars, "frames": r.frames, "timeline_frames": r.timeline_frames, "hits": r.hits}
        assert len(r.hits) > 5
        assert _labels_json(r) == (json.dumps(doc, indent=1) + "\n").encode()
        assert json.loads(_labels_json(r))["hits"] == r.hits


def test_a_stem_is_its_instrument_soloed_with_its_own_room():
    # Stems come from the mix's own render (the engine's tap); each must still sound as that
    # instrument played alone: its choke partners triggered silently, its own room send.
    import dataclasses
    import math

    from groovebox.model.instruments import CHOKE_GROUPS

    text = SMOKE.read_text().replace("pan = 0.2", "pan = 0.2\nroom = [0.15, 0.3]")
    spec = parse_spec(text, path=SMOKE)
    for index in (5, 62):
        item = plan_item(spec, index)
        assert item.room > 0
        r = render_item(item)
        assert len(r.stems) >= 3
        tables = kit_tables_for(item.kit, item.pattern.instruments, item.sample_rate)
        base = pattern_program(item.pattern, _options(item, tables), end_step=item.bars * item.pattern.steps_per_bar)
        for name, stem in r.stems.items():
            mix = _program(base, item)  # a fresh room each time
            group = CHOKE_GROUPS.get(name, 0)
            tracks = [t if t.name == name else
                      dataclasses.replace(t, gain_db=-math.inf) if group and CHOKE_GROUPS.get(t.name, 0) == group
                      else dataclasses.replace(t, mute=True) for t in mix.tracks]
            engine = Engine(item.sample_rate, max_block=1024, max_tracks=len(tracks), limiter=False)
            engine.load(dataclasses.replace(mix, tracks=tracks))
            alone = engine.render_block(r.frames)
            assert np.abs(alone).max() > 1e-3, name
            assert np.abs(alone - stem).max() < 10 ** (-100 / 20), name  # float32 rounding only
        room_tail = r.mix[r.timeline_frames:]
        assert np.abs(room_tail).max() > 1e-4  # the room rings on after the bars


def test_batch_runs_several_rounds_on_one_cluster(tmp_path):
    # An album's three rounds (tracks, masters, files) share one cluster: it starts once, and
    # each round's results come back in item order.
    from groovebox.batch import Batch, RenderJob

    started = []
    with Batch(workers=1, on_cluster=lambda n, s: started.append(n)) as batch:
        assert batch.run([]) == [] and started == []  # nothing to do starts nothing
        first = batch.run([RenderJob("funk/cissy-strut", str(tmp_path / f"{i}.wav"), {"bars": 1, "seed": i, "humanize_ms": 5})
                           for i in range(3)])
        second = batch.run([RenderJob("funk/cissy-strut", str(tmp_path / "again.wav"), {"bars": 1, "seed": 2, "humanize_ms": 5})])
    assert started == [1]
    assert [Path(r["path"]).name for r in first] == ["0.wav", "1.wav", "2.wav"]
    assert second[0]["sha256"] == first[2]["sha256"] and first[0]["sha256"] != first[1]["sha256"]
