"""``groovebox warmup`` — compile the sound kernels ahead, in parallel across cores."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "warmup", help="compile the sound kernels now (a first run does it on demand)",
        description="Compile the Numba sound kernels ahead of use, one worker process per core. "
                    "Without --all: what drum patterns need (render with its loudness master, "
                    "play); with --all: tonal voices, ambient presets, every effect and sample kits too. Kernels already in "
                    "the cache are skipped, so running it again returns at once.",
    )  # fmt: skip
    p.add_argument("--all", action="store_true", help="every kind of work, not only drum patterns")
    p.add_argument("--cores", type=int, metavar="N", help="worker processes (default: one per core)")
    p.set_defaults(func=cmd_warmup)


def cmd_warmup(args) -> int:
    from groovebox import checks
    from groovebox.warmup import warm_up

    cores = None if args.cores is None else checks.whole(args.cores, "--cores", 1, 64)
    warm_up(None if args.all else ["drums", "master"], cores=cores)
    return 0
