"""``python -m tests.fuzz --minutes 30 [--reader NAME ...]``: the long fuzz run (``make fuzz``).

The time is shared equally by the readers; each runs Hypothesis batches of fresh random cases
until its share is used. Prints the cases run per reader (and how many read fine and how many
were refused with a proper one-line GrooveboxError); the first failing case stops the run with
its shrunk input and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
import warnings

from . import READERS, run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--reader", action="append", choices=sorted(READERS), help="only these (repeatable)")
    ap.add_argument("--batch", type=int, default=50, help="cases per Hypothesis run")
    args = ap.parse_args()
    names = args.reader or list(READERS)
    share = args.minutes * 60.0 / len(names)
    print(f"fuzz: {len(names)} readers, {share / 60:.1f} min each", flush=True)
    warnings.simplefilter("ignore")  # kits lacking instruments warn; that is not a finding
    total = 0
    for name in names:
        reader = READERS[name]
        counts = {"ok": 0, "error": 0}
        t0 = time.monotonic()
        try:
            reader.seeds()  # built once, outside the budget's first case
            while time.monotonic() - t0 < share:
                run(reader, args.batch, counts)
        except Exception:
            traceback.print_exc()
            print(f"fuzz: {name}: FAILED after {counts['ok'] + counts['error']} cases", flush=True)
            return 1
        n = counts["ok"] + counts["error"]
        total += n
        print(f"fuzz: {name:<17} {n:>7} cases in {time.monotonic() - t0:6.0f} s: {counts['ok']} read, "
              f"{counts['error']} refused with one line", flush=True)
    print(f"fuzz: {total} cases, nothing found", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
