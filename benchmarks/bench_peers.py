"""groovebox beside SuperCollider's ``scsynth -N`` on W1 and W2, measured in the same run.

Each side renders each workload to a 24-bit WAV on a RAM disk in a fresh process, for 10 minutes
and for 2 seconds; the runs are interleaved (a busy machine slows both alike) and repeated, and
each figure is a median. *Whole process* is the 10-minute run as a user starts it; *render
alone* is the 10-minute run minus the 2-second one (start-up, kernel loading and plugin loading
cancel out). The ratio is scsynth's time over groovebox's: above 1, groovebox is faster.

The scsynth scores and SynthDefs are written by :mod:`scsynth_nrt` (no sclang needed); the
benchmark skips when ``scsynth`` is not installed (``make bench-peers`` installs Debian's
``supercollider-server``).

Run: ``make bench-peers``, or ``python benchmarks/bench_peers.py [--rounds 5]`` for the table.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scsynth_nrt  # noqa: E402

LONG_S, SHORT_S = 600.0, 2.0
SCSYNTH = shutil.which("scsynth")

_W1 = """
import sys, groovebox as gb
w1 = gb.Pattern.from_grid({"kick": "x... .... x... ....", "snare": ".... x... .... x...",
                           "closed_hat": "xxxx xxxx xxxx xxxx"}, bpm=120, name="W1")
gb.render(w1, seconds=float(sys.argv[1]), path=sys.argv[2])
"""
_W2 = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
import groovebox as gb
from bench_ambient import w2_scape
gb.render(w2_scape(), seconds=float(sys.argv[1]), path=sys.argv[2])
"""


def _ram_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="groovebox-peers-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))


def _w1_tables(folder: Path) -> tuple[dict[str, Path], dict[str, float]]:
    """The 808 tables groovebox plays for W1's hits ("x" velocity), as float WAVs for PlayBuf."""
    import soundfile as sf

    from groovebox.kits import kit_tables
    from groovebox.model.instruments import INSTRUMENT_INDEX

    kt = kit_tables("808", scsynth_nrt.SR)
    paths, gains = {}, {}
    for name in ("kick", "snare", "closed_hat"):
        i = INSTRUMENT_INDEX[name]
        layer = kt.layer_first[i] + 1  # the middle layer: a plain hit
        v = kt.var_first[layer]
        table = kt.data[kt.var_start[v]: kt.var_start[v] + kt.var_len[v]]
        paths[name] = folder / f"{name}.wav"
        sf.write(str(paths[name]), table, scsynth_nrt.SR, subtype="FLOAT")
        gains[name] = 0.8 ** 1.5 * float(kt.var_gain[v])
    return paths, gains


def _timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of running ``cmd`` to the end (CPU: user + system of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... failed: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compare(rounds: int = 3, tree: str | None = None) -> dict:
    """Median whole-process seconds for both sides, both workloads, both lengths; and ratios.
    ``tree``: run another checkout's ``src`` as groovebox (before/after tables)."""
    folder = _ram_folder()
    try:
        tables, gains = _w1_tables(folder)
        jobs = {}
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run it: with Python's bytecode cache
        if tree:
            env["PYTHONPATH"] = str(Path(tree) / "src")
        for w, code in (("W1", _W1), ("W2", _W2)):
            for length in (LONG_S, SHORT_S):
                out = folder / f"gb-{w}-{length:g}.wav"
                jobs[("groovebox", w, length)] = [sys.executable, "-c", code, str(length), str(out)]
                score = (scsynth_nrt.w1_score(folder, tables, gains, length) if w == "W1"
                         else scsynth_nrt.w2_score(folder, length))
                jobs[("scsynth", w, length)] = scsynth_nrt.command(score, folder / f"sc-{w}-{length:g}.wav")
        for cmd in jobs.values():  # warm the caches (page cache, Numba's) once
            _timed(cmd, env)
        times: dict[tuple, list[tuple[float, float]]] = {k: [] for k in jobs}
        for r in range(rounds):
            order = list(jobs)
            if r % 2:
                order.reverse()
            for key in order:
                times[key].append(_timed(jobs[key], env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = {"rounds": rounds, "load": os.getloadavg()[0]}
    for clock, i in (("", 0), (" cpu", 1)):
        med = {k: statistics.median(t[i] for t in v) for k, v in times.items()}
        for w in ("W1", "W2"):
            for side in ("groovebox", "scsynth"):
                whole = med[(side, w, LONG_S)]
                result[f"{w} {side} whole{clock} s"] = whole
                result[f"{w} {side} alone{clock} s"] = whole - med[(side, w, SHORT_S)]
                result[f"{w} {side} start{clock} s"] = med[(side, w, SHORT_S)]
            for what in ("alone", "whole"):
                result[f"{w} ratio {what}{clock}"] = (result[f"{w} scsynth {what}{clock} s"]
                                                      / result[f"{w} groovebox {what}{clock} s"])
    return result


def table(res: dict) -> str:
    rows = [f"{'':<26}{'scsynth':>16}{'groovebox':>16}{'ratio':>8}"]
    for w, label in (("W1", "W1 drums, 10 min"), ("W2", "W2 ambient, 10 min")):
        a, b = res[f"{w} scsynth alone s"], res[f"{w} groovebox alone s"]
        rows.append(f"{label + ', render alone':<26}{f'{a:.2f} s ({600 / a:.0f}x)':>16}"
                    f"{f'{b:.2f} s ({600 / b:.0f}x)':>16}{res[f'{w} ratio alone']:>7.2f}x")
        rows.append(f"{w + ' whole process':<26}{res[f'{w} scsynth whole s']:>14.2f} s"
                    f"{res[f'{w} groovebox whole s']:>14.2f} s{res[f'{w} ratio whole']:>7.2f}x")
    rows.append(f"{'start-up (2 s render)':<26}{res['W1 scsynth start s']:>14.2f} s"
                f"{res['W1 groovebox start s']:>14.2f} s")
    rows.append("the same in CPU time (user + system), less sensitive to other load:")
    for w in ("W1", "W2"):
        rows.append(f"{w + ' render alone, CPU':<26}{res[f'{w} scsynth alone cpu s']:>14.2f} s"
                    f"{res[f'{w} groovebox alone cpu s']:>14.2f} s{res[f'{w} ratio alone cpu']:>7.2f}x")
        rows.append(f"{w + ' whole process, CPU':<26}{res[f'{w} scsynth whole cpu s']:>14.2f} s"
                    f"{res[f'{w} groovebox whole cpu s']:>14.2f} s{res[f'{w} ratio whole cpu']:>7.2f}x")
    rows.append(f"{'start-up, CPU':<26}{res['W1 scsynth start cpu s']:>14.2f} s"
                f"{res['W1 groovebox start cpu s']:>14.2f} s")
    rows.append(f"medians of {res['rounds']} interleaved runs; load average {res['load']:.1f} on "
                f"{os.cpu_count()} cores")
    return "\n".join(rows)


@pytest.mark.skipif(SCSYNTH is None, reason="scsynth not installed (make bench-peers installs supercollider-server)")
def test_w1_w2_beside_scsynth(benchmark, report):
    res = benchmark.pedantic(compare, kwargs={"rounds": 3}, rounds=1, iterations=1)
    print("\n" + table(res))
    report(benchmark, **{k.replace(" ", "_"): v for k, v in res.items()})


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tree", help="a checkout whose src to run as groovebox (e.g. the code before a change)")
    args = ap.parse_args()
    if SCSYNTH is None:
        sys.exit("scsynth is not installed: `make bench-peers` installs supercollider-server")
    print(table(compare(args.rounds, args.tree)))
