"""Where W2's render time goes: the engine's stages timed separately over a 10-minute render.

Runs W2 (see :mod:`bench_ambient`) to a 24-bit WAV on a RAM disk, wrapping each stage the
engine calls (voices, mixing, the reverb, the limiter, WAV packing and writing) with a CPU
timer; what is left is Python glue (sequencing loops, block bookkeeping). CPU time, so a busy
machine distorts it less than wall time; the best of ``--rounds`` runs.

Run: ``python benchmarks/profile_w2.py [--rounds 3]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import groovebox as gb  # noqa: E402
from bench_ambient import w2_scape  # noqa: E402
from groovebox.dsp import effects  # noqa: E402
from groovebox.io import wav  # noqa: E402
from groovebox.renderer import engine  # noqa: E402

STAGES = {  # stage -> (module, attribute) of what the engine calls
    "FM voices": [(engine, "all_voices")],
    "mixing": [(engine, "_mix_tracks"), (engine, "_add_buses")],
    "reverb": [],  # through engine.EFFECT_KERNELS
    "limiter": [(engine._lim, "limit")],
    "WAV packing and writing": [(wav.AudioWriter, "write")],
}


def profile(minutes: float = 10.0, rounds: int = 3) -> dict[str, float]:
    spent: dict[str, float] = {}

    def timed(stage, f):
        def g(*a, **k):
            t = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent[stage] = spent.get(stage, 0.0) + time.process_time() - t
        return g

    for stage, targets in STAGES.items():
        for owner, name in targets:
            setattr(owner, name, timed(stage, getattr(owner, name)))
    kernels = list(engine.EFFECT_KERNELS)
    kernels[effects.REVERB] = timed("reverb", kernels[effects.REVERB])
    engine.EFFECT_KERNELS = tuple(kernels)

    best = None
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as folder:
        gb.render(w2_scape(), seconds=2, path=Path(folder) / "warm.wav")  # load the kernels
        for _ in range(rounds):
            spent.clear()
            t0 = time.process_time()
            gb.render(w2_scape(), minutes=minutes, path=Path(folder) / "w2.wav")
            total = time.process_time() - t0
            if best is None or total < best["total"]:
                best = {**spent, "total": total}
    best["other (Python, sequencing)"] = best["total"] - sum(v for k, v in best.items() if k != "total")
    return best


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    res = profile(args.minutes, args.rounds)
    total = res.pop("total")
    print(f"W2, {args.minutes:g} min to a 24-bit WAV: {total:.3f} s CPU ({args.minutes * 60 / total:.0f}x real time)")
    for stage, s in sorted(res.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<28}{s:7.3f} s  {100 * s / total:4.0f} %")
