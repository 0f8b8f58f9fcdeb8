"""Make a data set from a spec: plan, render on Dask, write, resume.

>>> import tempfile, groovebox as gb
>>> from groovebox.batch.spec import parse_spec
>>> spec = parse_spec('items = 2\\nbars = 1\\n[patterns]\\nids = ["funk/cissy-strut"]\\n[splits]\\ntrain = 1.0\\n')
>>> result = make_dataset(spec, tempfile.mkdtemp(), workers=0, progress=False)
>>> result.rendered, result.failed
(2, 0)
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from groovebox import __version__
from groovebox.batch.item import ItemBuffers, ItemCheckError, render_item
from groovebox.batch.plan import ItemPlan, plan_items
from groovebox.batch.runner import render_many
from groovebox.batch.spec import SPLITS, DatasetSpec
from groovebox.batch.writers import (
    JOURNAL,
    LABEL_FIELDS,
    MANIFEST,
    item_files,
    read_records,
    record_line,
    remove_partials,
    verify_files,
    write_item,
    write_manifest,
)
from groovebox.errors import GrooveboxError, RenderError
from groovebox.formats.atomic import write_atomic

__all__ = ["DatasetResult", "DatasetTask", "make_dataset"]

SPEC_COPY = "spec.toml"
CARD = "README.md"


@dataclass(frozen=True)
class DatasetTask:
    """Render and write one item (the unit :func:`~groovebox.batch.runner.render_many` runs).

    With ``expect`` (the item's record from an earlier run), an item whose files are all there
    with those sha256s is not rendered again.
    """

    root: str
    plan: ItemPlan
    expect: dict | None = None

    @property
    def name(self) -> str:
        return f"item {self.plan.id} ({self.plan.source})"

    def run(self) -> dict:
        root = Path(self.root)
        p = self.plan
        if self.expect is not None and verify_files(root, p.folder, self.expect["files"]):
            return {**self.expect, "resumed": True}
        try:
            item = render_item(p, _thread_buffers())  # views: written below, before the next item
        except ItemCheckError as exc:
            return {"id": p.id, "index": p.index, "error": str(exc)}
        hashes = write_item(root, p.folder, item_files(item))
        return {
            "id": p.id, "index": p.index, "split": p.split, "folder": p.folder,
            "params": p.params(), "frames": item.frames, "seconds": round(item.frames / p.sample_rate, 6),
            "hits": len(item.hits), "instruments": sorted(item.stems) if item.stems else
            sorted({h["instrument"] for h in item.hits}), "files": dict(sorted(hashes.items())),
        }  # fmt: skip


_local = threading.local()


def _thread_buffers() -> ItemBuffers:
    """This thread's item buffers (a Dask worker runs its tasks one after another per thread)."""
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = ItemBuffers()
    return buffers


@dataclass
class DatasetResult:
    """What a run did."""

    folder: Path
    items: int
    rendered: int = 0
    resumed: int = 0
    failures: list[dict] = field(default_factory=list)
    audio_s: float = 0.0
    wall_s: float = 0.0  # the whole run: planning, warming, cluster start-up, rendering
    render_s: float = 0.0  # from the moment the cluster was up to the last item
    startup_s: float = 0.0
    workers: int = 0

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def hours(self) -> float:
        return self.audio_s / 3600.0


class _Progress:
    """Items, hours of audio, x real time and ETA on stderr: one updating line on a terminal,
    a line every few seconds otherwise."""

    def __init__(self, total: int, enabled: bool | None):
        self.total = total
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.tty = sys.stderr.isatty()
        self.start = time.perf_counter()
        self.last = 0.0
        self.done = 0
        self.resumed = 0
        self.audio_s = 0.0

    def restart(self) -> None:
        self.start = time.perf_counter()

    def update(self, rec: dict) -> None:
        self.done += 1
        if rec.get("resumed"):
            self.resumed += 1
        elif "seconds" in rec:
            self.audio_s += rec["seconds"]
        now = time.perf_counter()
        if self.enabled and (now - self.last > (0.2 if self.tty else 5.0) or self.done == self.total):
            self.last = now
            self.show(now)

    def show(self, now: float) -> None:
        wall = max(now - self.start, 1e-9)
        rendered = self.done - self.resumed
        left = self.total - self.done
        eta = wall / rendered * left if rendered else 0.0
        line = (f"dataset: {self.done}/{self.total} items" + (f" ({self.resumed} resumed)" if self.resumed else "")
                + f", {self.audio_s / 3600.0:.2f} h of audio, {self.audio_s / wall:,.0f}x real time, "
                + f"ETA {int(eta) // 60}:{int(eta) % 60:02d}")
        if self.tty:
            sys.stderr.write("\r" + line + "\x1b[K" + ("\n" if self.done == self.total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _warm(item: ItemPlan) -> None:
    """Render one item here (written nowhere), so the Numba kernels are compiled into their
    on-disk cache before workers start: each worker then loads them instead of compiling.
    Each worker runs it too as the cluster comes up (render_many's ``setup``), so the loading
    counts as cluster start-up."""
    rendered = render_item(item)
    for data in item_files(rendered).values():
        del data


def _check_folder(root: Path, spec: DatasetSpec) -> None:
    copy = root / SPEC_COPY
    if copy.is_file():
        try:
            old = copy.read_text(encoding="utf-8")
        except OSError as exc:
            raise RenderError(f"cannot read {copy}: {exc.strerror or exc}") from None
        if old != spec.text:
            raise GrooveboxError(f"{root} holds a data set made from another spec (its {SPEC_COPY} differs); "
                                 "choose a new folder to make this one")
    elif root.is_dir() and any(p for p in root.iterdir() if not p.name.startswith(".")):
        raise GrooveboxError(f"{root} is not empty and holds no data set; choose a new or empty folder")


def make_dataset(
    spec: DatasetSpec,
    out: str | os.PathLike,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    command: str | None = None,
) -> DatasetResult:
    """Render every item of ``spec`` into the folder ``out`` (see ``datasets/README.md``).

    A folder that already holds this spec's data set is resumed: items whose files are there
    with the manifest's sha256s are kept, the others rendered.

    Parameters
    ----------
    spec : DatasetSpec
    out : path-like
        The data set folder (created). On a cluster of several machines it must be the same
        shared path on every worker.
    workers, scheduler, chunk_size
        As :func:`groovebox.batch.runner.render_many`.
    progress : bool, optional
        Progress lines on stderr (default: on a terminal).
    command : str, optional
        The command line, for the data card.

    Raises
    ------
    GrooveboxError
        Items failed their checks (they are not written; the manifest lists the others), the
        folder cannot be written (a full disk: the run stops, the manifest lists what is
        complete), or the cluster cannot be reached.
    """
    root = Path(out).expanduser().resolve()
    _check_folder(root, spec)
    items = plan_items(spec)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot write {root}: {exc.strerror or exc}") from None
    write_atomic(root / SPEC_COPY, spec.text, error=RenderError)
    remove_partials(root)
    previous = {**read_records(root / MANIFEST), **read_records(root / JOURNAL)}
    tasks = []
    for p in items:
        rec = previous.get(p.id)
        same = rec is not None and json.loads(json.dumps(p.params())) == rec.get("params") and rec.get("folder") == p.folder
        tasks.append(DatasetTask(str(root), p, rec if same else None))
    result = DatasetResult(root, len(items))
    records: dict[str, dict] = {}
    bar = _Progress(len(items), progress)
    journal = open(root / JOURNAL, "a", encoding="utf-8")  # noqa: SIM115 (closed in finally)

    def on_done(index: int, rec: dict) -> None:
        bar.update(rec)
        if "error" in rec:
            result.failures.append(rec)
            return
        resumed = rec.pop("resumed", False)
        records[rec["id"]] = rec
        if resumed:
            result.resumed += 1
        else:
            result.rendered += 1
            result.audio_s += rec["seconds"]
            journal.write(record_line(rec))
            journal.flush()

    cluster_up = [0.0]

    def on_cluster(n: int, startup_s: float) -> None:
        result.workers, result.startup_s = n, startup_s
        cluster_up[0] = time.perf_counter()
        bar.restart()

    warm_item = next((t.plan for t in tasks if t.expect is None), None)
    start = time.perf_counter()
    try:
        render_many(tasks, workers=workers, scheduler=scheduler, chunk_size=chunk_size, on_done=on_done,
                    warm=(lambda: _warm(warm_item)) if warm_item is not None else None, on_cluster=on_cluster,
                    setup=functools.partial(_warm, warm_item) if warm_item is not None else None)
    except BaseException:
        journal.close()
        try:  # what is complete goes into the manifest; on a full disk the old one stays
            _finish(root, spec, records, result, command, final=False)
        except GrooveboxError:
            pass
        raise
    end = time.perf_counter()
    result.wall_s = end - start
    result.render_s = end - cluster_up[0] if cluster_up[0] else 0.0
    journal.close()
    _finish(root, spec, records, result, command, final=True)
    if result.failures:
        first = sorted(result.failures, key=lambda r: r["id"])[0]
        raise ItemCheckError(f"{result.failed} of {result.items} items failed their checks and were not written "
                             f"(first: {first['error']}); the manifest lists the other {len(records)}")
    return result


def _finish(root: Path, spec: DatasetSpec, records: dict[str, dict], result: DatasetResult,
            command: str | None, final: bool) -> None:
    """The manifest (and, when every item is accounted for, the data card); the journal goes
    once the manifest holds everything it held."""
    if not records and not (root / JOURNAL).exists():
        return
    write_manifest(root, list(records.values()))
    write_atomic(root / CARD, _card(spec, records, result, command), error=RenderError)
    if final:
        (root / JOURNAL).unlink(missing_ok=True)


def _hms(seconds: float) -> str:
    return f"{seconds / 3600.0:.2f} h" if seconds >= 360 else f"{seconds / 60.0:.1f} min"


def _card(spec: DatasetSpec, records: dict[str, dict], result: DatasetResult, command: str | None) -> str:
    """The data card: what is in the set and how it was made (no timings: the same set, the
    same card)."""
    recs = sorted(records.values(), key=lambda r: r["id"])
    by_split = {s: [r for r in recs if r["split"] == s] for s in SPLITS}
    hits = Counter()
    for r in recs:
        hits.update(r["instruments"])
    kits = Counter(r["params"]["kit"] for r in recs)
    patterns = {s: len({r["params"]["pattern"] for r in by_split[s]}) for s in SPLITS}
    total_s = sum(r["seconds"] for r in recs)
    complete = len(recs) == spec.n_items
    ext = spec.format
    lines = [
        f"# {spec.name}", "",
        spec.description or "A drum data set rendered by groovebox.", "",
        "" if complete else f"**Incomplete: {len(recs)} of {spec.n_items} items.** Rerun the command below to finish it.\n",
        f"{len(recs)} items, {_hms(total_s)} of audio, {len(spec.patterns)} patterns, "
        f"{spec.sample_rate} Hz {ext.upper()} ({spec.sample_format}{'-bit' if spec.sample_format != 'float' else ''}).", "",
        "| split | items | patterns | audio |", "| --- | ---: | ---: | ---: |",
        *[f"| {s} | {len(by_split[s])} | {patterns[s]} | {_hms(sum(r['seconds'] for r in by_split[s]))} |" for s in SPLITS],
        "", "Splits are by pattern: every item of a groove (its variations too) is in one split.", "",
        "## Instruments (items that play them)", "",
        ", ".join(f"{name} {n}" for name, n in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))), "",
        "## Kits (items)", "",
        ", ".join(f"{name} {n}" for name, n in sorted(kits.items())), "",
        "## Files", "",
        "- `manifest.jsonl`: one line per item: `id`, `split`, `folder`, `params` (pattern, kit and "
        "variant with its tune/decay jitter, bars, bpm, swing, seed, humanize, gain, pan offsets, room "
        "send), `frames`, `seconds`, `hits`, `instruments` and the sha256 of every file.",
        f"- `<split>/<id>/mix.{ext}`: the mix (master limiter off; headroom from the item gain).",
        f"- `<split>/<id>/stems/<instrument>.{ext}`: one stem per instrument that plays; the stems "
        "add up to the mix within -90 dBFS." if spec.stems else "- no stems.",
        "- `<split>/<id>/labels.json`, `labels.csv`: one row per hit: " + ", ".join(f"`{f}`" for f in LABEL_FIELDS)
        + ". `sample` is where the engine starts the hit; `grid_sample` is its step's straight "
        "(unswung) position, so `offset_*` holds swing, nudge, flam, ratchet and humanize; "
        "`kind` is accent, hit, ghost or grace (a flam's grace note)." if spec.labels else "- no labels.",
        "- `<split>/<id>/drums.mid`: the hits as General MIDI drums (channel 10) at the sequencer's "
        "own resolution." if spec.midi else "- no MIDI.",
        f"- `{SPEC_COPY}`: the spec it was made from.", "",
        "## How it was made", "",
        f"groovebox {__version__}, spec sha256 `{spec.digest[:16]}`, seed {spec.seed}. Every item's "
        "parameters follow from the seed and its index alone; the same spec gives the same files, "
        "byte for byte, on any number of workers.", "",
        "```sh", command or f"groovebox dataset {shlex.quote(spec.path or 'SPEC.toml')} -o {shlex.quote(str(result.folder))}",
        "```", "",
    ]  # fmt: skip
    return "\n".join(lines)

