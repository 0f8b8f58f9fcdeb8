"""W1 and W2 for SuperCollider's ``scsynth -N``: scores and SynthDefs written here, no sclang.

``scsynth -N`` renders a *score*: a file of OSC bundles, each an int32 size then the bundle,
timestamped in seconds from 0 (32.32 fixed point). The SynthDefs go in as ``/d_recv`` blobs in
SuperCollider's binary SynthDef format (SCgf version 2), which :class:`SynthDef` writes. Only
SuperCollider's own server and plugins are used (Debian's ``supercollider-server``).

The equivalents, chosen to do the same work the same way:

- **W1** (10 min, 120 bpm: kick on 1 and 3, snare on 2 and 4, closed hat on every 16th): each
  hit a ``PlayBuf`` of the same 808 one-shot tables groovebox plays, freed when it ends, into
  the stereo output through a master ``Limiter`` (1.5 ms look-ahead, -0.3 dBFS).
- **W2** (10 min, 7 loops of an FM bell: 4 s attack, 6 s release, index 1.6 falling to 0.4
  over 8 s, periods 17.8..31.8 s): per note a phase-modulated ``SinOsc`` pair with envelopes,
  panned, dry to the output and sent to a stereo reverb (20 ms pre-delay, ``FreeVerb2``, room
  0.85), then the same master limiter.

Both write a 24-bit WAV, as ``groovebox render`` does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

SR = 48000
CEILING = 10 ** (-0.3 / 20)

# --- OSC ------------------------------------------------------------------------------------


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (4 - len(b) % 4)


def _osc_string(s: str) -> bytes:
    return _pad(s.encode())  # at least one NUL, padded to 4


def osc_message(address: str, *args) -> bytes:
    tags, data = ",", b""
    for a in args:
        if isinstance(a, bool):
            raise TypeError("no booleans in OSC here")
        if isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        elif isinstance(a, float):
            tags += "f"
            data += struct.pack(">f", a)
        elif isinstance(a, str):
            tags += "s"
            data += _osc_string(a)
        elif isinstance(a, bytes):
            tags += "b"
            data += struct.pack(">i", len(a)) + (a + b"\0" * (-len(a) % 4))
        else:
            raise TypeError(f"cannot encode {a!r}")
    return _osc_string(address) + _osc_string(tags) + data


def osc_bundle(time_s: float, messages: list[bytes]) -> bytes:
    secs = int(time_s)
    frac = int(round((time_s - secs) * (1 << 32)))
    if frac >= 1 << 32:
        secs, frac = secs + 1, 0
    body = b"#bundle\0" + struct.pack(">II", secs, frac)
    for m in messages:
        body += struct.pack(">i", len(m)) + m
    return body


def write_score(path: Path, bundles: list[tuple[float, list[bytes]]]) -> Path:
    """Write ``(time_s, messages)`` bundles, sorted by time, as an NRT score file."""
    with open(path, "wb") as f:
        for t, msgs in sorted(bundles, key=lambda b: b[0]):
            b = osc_bundle(t, msgs)
            f.write(struct.pack(">i", len(b)) + b)
    return Path(path)


# --- SynthDefs (SCgf version 2) -----------------------------------------------------------------
SCALAR, CONTROL, AUDIO = 0, 1, 2
MUL, ADD = 2, 0  # BinaryOpUGen special indices


@dataclass
class SynthDef:
    """A SynthDef built UGen by UGen; inputs are floats (constants) or (ugen, output) pairs."""

    name: str
    params: dict[str, float]
    consts: list[float] = field(default_factory=list)
    ugens: list[tuple] = field(default_factory=list)

    def __post_init__(self):
        if self.params:
            self.ugen("Control", CONTROL, [], len(self.params))

    def param(self, name: str):
        return (0, list(self.params).index(name))

    def _input(self, x):
        if isinstance(x, tuple):
            return x
        x = float(x)
        if x not in self.consts:
            self.consts.append(x)
        return (-1, self.consts.index(x))

    def ugen(self, cls: str, rate: int, inputs, n_out: int = 1, special: int = 0):
        self.ugens.append((cls, rate, [self._input(x) for x in inputs], n_out, special))
        i = len(self.ugens) - 1
        return [(i, k) for k in range(n_out)]

    def op(self, special: int, a, b, rate: int = AUDIO):
        return self.ugen("BinaryOpUGen", rate, [a, b], 1, special)[0]

    def encode(self) -> bytes:
        def pstr(s):
            return struct.pack(">B", len(s)) + s.encode()

        out = pstr(self.name)
        out += struct.pack(">i", len(self.consts)) + b"".join(struct.pack(">f", c) for c in self.consts)
        out += struct.pack(">i", len(self.params)) + b"".join(struct.pack(">f", v) for v in self.params.values())
        out += struct.pack(">i", len(self.params))
        for i, name in enumerate(self.params):
            out += pstr(name) + struct.pack(">i", i)
        out += struct.pack(">i", len(self.ugens))
        for cls, rate, inputs, n_out, special in self.ugens:
            out += pstr(cls) + struct.pack(">biih", rate, len(inputs), n_out, special)
            for u, k in inputs:
                out += struct.pack(">ii", u, k)
            out += struct.pack(">b", rate) * n_out
        return out + struct.pack(">h", 0)


def synthdef_file(*defs: SynthDef) -> bytes:
    return b"SCgf" + struct.pack(">ih", 2, len(defs)) + b"".join(d.encode() for d in defs)


def _env(levels: list, times: list, shapes: list[tuple[int, float]]) -> list:
    """EnvGen's envelope inputs: start level, segments, no release or loop node, then per
    segment (level, time, shape, curve)."""
    spec = [levels[0], len(times), -99, -99]
    for lv, t, (shape, curve) in zip(levels[1:], times, shapes, strict=True):
        spec += [lv, t, shape, curve]
    return spec


SIN_SHAPE, EXP_SHAPE, CURVE_SHAPE = 3, 2, 5


def master_def() -> SynthDef:
    """The master limiter: stereo in from bus 0, limited, replacing it."""
    d = SynthDef("gb_master", {})
    left, right = d.ugen("In", AUDIO, [0], 2)
    lim = [d.ugen("Limiter", AUDIO, [x, CEILING, 0.0015])[0] for x in (left, right)]
    d.ugen("ReplaceOut", AUDIO, [0, *lim], 0)
    return d


def hit_def() -> SynthDef:
    """A one-shot table at a gain, to both channels, freed when it ends."""
    d = SynthDef("gb_hit", {"buf": 0.0, "amp": 1.0})
    sig = d.ugen("PlayBuf", AUDIO, [d.param("buf"), 1, 1, 0, 0, 2], 1)[0]
    sig = d.op(MUL, sig, d.param("amp"))
    d.ugen("Out", AUDIO, [0, sig, sig], 0)
    return d


def bell_def() -> SynthDef:
    """W2's FM bell: carrier phase-modulated by a sine at ``ratio`` times its frequency whose
    index falls exponentially from ``i0`` to ``isus`` over ``idecay``; a sine-shaped attack,
    a curved release; dry to bus 0 and sent to bus 2."""
    d = SynthDef("gb_bell", {"freq": 440.0, "amp": 0.1, "ratio": 2.0, "i0": 1.6, "isus": 0.4, "idecay": 8.0,
                             "att": 4.0, "rel": 6.0})
    p = d.param
    mfreq = d.op(MUL, p("freq"), p("ratio"), CONTROL)
    idx = d.ugen("EnvGen", CONTROL, [1, 1, 0, 1, 0, *_env([p("i0"), p("isus")], [p("idecay")], [(EXP_SHAPE, 0)])])[0]
    env = d.ugen("EnvGen", CONTROL, [1, 1, 0, 1, 2, *_env([0.0, 1.0, 0.0], [p("att"), p("rel")],
                                                          [(SIN_SHAPE, 0), (CURVE_SHAPE, -4)])])[0]
    env = d.op(MUL, env, p("amp"), CONTROL)
    mod = d.ugen("SinOsc", AUDIO, [mfreq, 0])[0]
    car = d.ugen("SinOsc", AUDIO, [p("freq"), d.op(MUL, mod, idx)])[0]
    left, right = d.ugen("Pan2", AUDIO, [d.op(MUL, car, env), 0, 1], 2)
    d.ugen("Out", AUDIO, [0, left, right], 0)
    d.ugen("Out", AUDIO, [2, left, right], 0)
    return d


def verb_def() -> SynthDef:
    """The reverb bus: 20 ms pre-delay into FreeVerb2 (fully wet), added to bus 0."""
    d = SynthDef("gb_verb", {})
    left, right = d.ugen("In", AUDIO, [2], 2)
    left, right = (d.ugen("DelayN", AUDIO, [x, 0.05, 0.02])[0] for x in (left, right))
    wet = d.ugen("FreeVerb2", AUDIO, [left, right, 1.0, 0.85, 0.3], 2)
    d.ugen("Out", AUDIO, [0, *wet], 0)
    return d


# --- the two workloads ------------------------------------------------------------------------
def w1_score(folder: Path, tables: dict[str, Path], gains: dict[str, float], seconds: float) -> Path:
    """W1 for ``seconds``: ``tables`` are mono WAVs of kick, snare and closed hat."""
    names = ("kick", "snare", "closed_hat")
    start = [osc_message("/d_recv", synthdef_file(master_def(), hit_def())), osc_message("/g_new", 1, 0, 0)]
    start += [osc_message("/b_allocRead", i, str(tables[n]), 0, 0) for i, n in enumerate(names)]
    start += [osc_message("/s_new", "gb_master", 1000, 1, 0)]
    bundles = [(0.0, start)]
    step_s = 60.0 / 120 / 4
    n_steps = int(seconds / step_s)
    for k in range(n_steps):
        hits = [2] + ([0] if k % 8 == 0 else []) + ([1] if k % 8 == 4 else [])
        msgs = [osc_message("/s_new", "gb_hit", -1, 0, 1, "buf", float(b), "amp", float(gains[names[b]]))
                for b in hits]
        if k == 0:
            bundles[0] = (0.0, bundles[0][1] + msgs)
        else:
            bundles.append((k * step_s, msgs))
    bundles.append((seconds, [osc_message("/c_set", 0, 0)]))  # the score's end
    return write_score(folder / f"w1-{seconds:g}.osc", bundles)


W2_PERIODS_S = (17.8, 20.1, 31.8, 19.6, 24.6, 16.2, 21.0)
W2_HZ = (174.61, 207.65, 261.63, 277.18, 311.13, 349.23, 415.30)  # F3 Ab3 C4 Db4 Eb4 F4 Ab4


def w2_score(folder: Path, seconds: float) -> Path:
    """W2 for ``seconds``: 7 loops of the FM bell (first onsets 0, 1.3, 2.6... s) and a reverb."""
    start = [osc_message("/d_recv", synthdef_file(master_def(), bell_def(), verb_def())),
             osc_message("/g_new", 1, 0, 0),
             osc_message("/s_new", "gb_verb", 1001, 3, 1),
             osc_message("/s_new", "gb_master", 1002, 1, 0)]
    bundles = [(0.0, start)]
    for i, (period, hz) in enumerate(zip(W2_PERIODS_S, W2_HZ, strict=True)):
        t = 1.3 * i
        while t < seconds:
            note = osc_message("/s_new", "gb_bell", -1, 0, 1, "freq", hz, "amp", 0.25)
            bundles.append((t, [note]))
            t += period
    bundles.append((seconds, [osc_message("/c_set", 0, 0)]))
    return write_score(folder / f"w2-{seconds:g}.osc", bundles)


def command(score: Path, out: Path) -> list[str]:
    """The scsynth command that renders ``score`` to a 24-bit stereo WAV ``out``."""
    return ["scsynth", "-o", "2", "-i", "0", "-N", str(score), "_", str(out), str(SR), "WAV", "int24"]
