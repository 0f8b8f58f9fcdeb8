"""``groovebox dataset``: render a labeled drum data set from a spec, on Dask."""

from __future__ import annotations

import argparse
import shlex
import sys


def register(sub) -> None:
    p = sub.add_parser(
        "dataset", help="render a labeled data set (mix, stems, labels, MIDI) from a spec, on Dask",
        description="Render every item of a dataset spec (see datasets/README.md) into DIR: mix, "
                    "stems, labels and MIDI per item, manifest.jsonl and a README.md data card. A rerun "
                    "into the same DIR resumes. Runs on a local Dask cluster, or on a running one "
                    "with --scheduler.",
    )  # fmt: skip
    p.add_argument("spec", metavar="SPEC.toml", help="the dataset spec")
    p.add_argument("-o", "--out", metavar="DIR", required=True, help="the data set folder (created; resumed if it exists)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes of the local cluster (default: one per core; 0: no Dask)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="use a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--chunk", type=int, metavar="N", help="items per Dask task (default: about 8 tasks per worker)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # The batch package pulls in the renderer (Numba); Dask loads only when the run starts.
    from groovebox.batch.dataset import make_dataset
    from groovebox.batch.spec import load_spec
    from groovebox.errors import GrooveboxError

    if args.workers is not None and not 0 <= args.workers <= 1024:
        raise GrooveboxError(f"--workers: expected 0..1024, got {args.workers}")
    if args.chunk is not None and not 1 <= args.chunk <= 100_000:
        raise GrooveboxError(f"--chunk: expected 1..100000 items, got {args.chunk}")
    if args.scheduler is not None and args.workers is not None:
        raise GrooveboxError("give --workers (a local cluster) or --scheduler (a running one), not both")
    spec = load_spec(args.spec)
    command = "groovebox dataset " + shlex.join(sys.argv[2:] if sys.argv[1:2] == ["dataset"] else [
        args.spec, "-o", args.out, *(["--workers", str(args.workers)] if args.workers is not None else []),
        *(["--scheduler", args.scheduler] if args.scheduler else [])])
    result = make_dataset(spec, args.out, workers=args.workers, scheduler=args.scheduler, chunk_size=args.chunk,
                          progress=not args.quiet, command=command)
    speed = result.audio_s / result.render_s if result.render_s > 0 else 0.0
    print(f"{result.folder}: {result.items} items ({result.rendered} rendered, {result.resumed} resumed), "
          f"{result.hours:.2f} h of audio rendered in {result.render_s:.1f} s ({speed:,.0f}x real time) "
          f"on {result.workers} workers; {result.wall_s:.1f} s in all, cluster start-up {result.startup_s:.1f} s")
    return 0
