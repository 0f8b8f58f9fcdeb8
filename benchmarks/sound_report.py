"""The sound report: every built-in kit measured against a recorded reference kit.

    python benchmarks/sound_report.py            # or: make sound
    python benchmarks/sound_report.py --kits 808 acoustic --patterns 4 --velocities hit

For each kit (808, 909, lofi, acoustic) and its reference Hydrogen drumkit (see
``groovebox.soundcheck.REFERENCE_KITS``; Debian's ``hydrogen-data``), it prints

1. single hits per voice and velocity, through the engine: spectral centroid, share of energy
   above 2 kHz, T60/T40 decay, first-sample level relative to the peak, and the >2 kHz
   transient relative to the hit's peak, ours beside the reference's;
2. the balance inside library patterns: each instrument's loudness relative to the whole
   groove (stems rendered with everything else muted, BS.1770 integrated loudness), ours
   beside the reference's, and the difference in LU, then the worst difference per instrument.

The measures live in :mod:`groovebox.soundcheck`, shared with the tests and
``notebooks/06_sound.ipynb``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from groovebox import soundcheck as sc
from groovebox.model.kit import BUILTIN_KITS

VOICES = ("kick", "snare", "rim", "clap", "low_tom", "mid_tom", "high_tom", "closed_hat",
          "pedal_hat", "open_hat", "crash", "ride", "cowbell", "clave", "shaker", "conga_high")
COLUMNS = (("centroid_hz", "centroid Hz", "{:8.0f}"), ("above_2k_pct", ">2k %", "{:6.1f}"),
           ("t60_s", "T60 s", "{:6.2f}"), ("t40_s", "T40 s", "{:6.2f}"),
           ("first_pct", "first %", "{:7.1f}"), ("transient_db", "trans dB", "{:8.1f}"))


def _fmt_row(row: dict | None) -> str:
    if row is None:
        return "  ".join(" " * len(fmt.format(0.0)) for _, _, fmt in COLUMNS)
    return "  ".join(fmt.format(row[key]) for key, _, fmt in COLUMNS)


def hits_table(kit: str, velocities: list[str], out: dict) -> None:
    ref = str(sc.reference_path(kit))
    head = "  ".join(f"{label:>{len(fmt.format(0.0))}}" for _, label, fmt in COLUMNS)
    print(f"\n## {kit} single hits (left) vs {sc.REFERENCE_KITS[kit]} (right)\n")
    print(f"{'voice':11s} {'vel':6s}  {head}   |  {head}")
    for inst in VOICES:
        for vname in velocities:
            vel = sc.VELOCITIES[vname]
            ours = sc.measure_hit(kit, inst, vel).row()
            theirs = sc.measure_hit(ref, inst, vel).row() if sc.has_instrument(ref, inst) else None
            print(f"{inst:11s} {vname:6s}  {_fmt_row(ours)}   |  {_fmt_row(theirs)}")
            out.setdefault(kit, {}).setdefault("hits", {}).setdefault(inst, {})[vname] = {
                "ours": ours, "reference": theirs}


def balance_table(kit: str, patterns: list[str], out: dict) -> None:
    print(f"\n## {kit} balance in patterns: instrument loudness relative to the groove, LU "
          f"(ours / {sc.REFERENCE_KITS[kit]} / difference)\n")
    worst: dict[str, list[float]] = {}
    for pid in patterns:
        bal = sc.balance_against(pid, kit)
        cells = []
        for inst, (ours, theirs) in bal.items():
            diff = ours - theirs
            worst.setdefault(inst, []).append(diff)
            cells.append(f"{inst} {ours:5.1f}/{theirs:5.1f}/{diff:+5.1f}")
        print(f"{pid:26s} " + "  ".join(cells))
        out.setdefault(kit, {}).setdefault("balance", {})[pid] = {
            i: {"ours_lu": o, "reference_lu": t} for i, (o, t) in bal.items()}
    print("\nper instrument: mean difference, worst difference, patterns")
    for inst, diffs in worst.items():
        finite = [d for d in diffs if math.isfinite(d)]
        mean = sum(finite) / len(finite) if finite else math.nan
        bad = max(diffs, key=abs)
        flag = "" if abs(bad) <= 3.0 else "   <-- outside +-3 LU"
        print(f"  {inst:11s} {mean:+5.1f} LU  worst {bad:+5.1f} LU  over {len(diffs)}{flag}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kits", nargs="+", default=list(BUILTIN_KITS), choices=list(BUILTIN_KITS))
    ap.add_argument("--velocities", nargs="+", default=list(sc.VELOCITIES),
                    choices=list(sc.VELOCITIES))
    ap.add_argument("--patterns", type=int, default=len(sc.BALANCE_PATTERNS),
                    help="how many of the balance patterns to render (default: all)")
    ap.add_argument("--no-hits", action="store_true", help="skip the single-hit tables")
    ap.add_argument("--no-balance", action="store_true", help="skip the pattern balance")
    ap.add_argument("--json", metavar="PATH", help="also write every number to this JSON file")
    args = ap.parse_args(argv)
    if not sc.references_installed():
        print(f"sound report: {sc.HYDROGEN_MISSING}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    out: dict = {}
    for kit in args.kits:
        if not args.no_hits:
            hits_table(kit, args.velocities, out)
        if not args.no_balance:
            balance_table(kit, list(sc.BALANCE_PATTERNS[: args.patterns]), out)
    print(f"\n(measured in {time.perf_counter() - t0:.0f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
