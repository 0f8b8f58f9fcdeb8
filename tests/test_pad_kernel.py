"""The pad voice's fast path (unison saws a voice at a time over a segment, in the scratch the
engine gives each voice row) plays exactly the samples of the sample-at-a-time loop: for every
unison count, low to very high notes (where PolyBLEP corrections come every few samples), any
block split, a steal, and float32 (engine) or float64 (notebook) buffers."""

from __future__ import annotations

import numpy as np
import pytest

from groovebox.dsp import tonal as T
from groovebox.model.patch import PATCH_FIELDS, make_patch, preset
from groovebox.renderer.arrangement import instrument_patch

SR = 48000.0


def _render(kind, patch, pitch, dur, block, steal, dtype, with_scratch):
    n = dur + int(patch[T.P_RELEASE_S] * SR) + 300
    state = np.zeros(T.STATE_SIZE + (T.SCRATCH_SIZE if with_scratch else 0))
    out = np.full((2, n), 0.25, dtype)  # a voice adds into what is already there
    T.tonal_start(kind, state, patch, pitch, 0.8, dur, SR, 4321)
    a = 0
    while a < n:
        b = min(n, a + block)
        if steal is not None and a <= steal < b:
            T.tonal_render(kind, state, patch, out[0], out[1], a, steal, SR)
            T.tonal_release(kind, state, 0.02, SR)
            a, steal = steal, None
            continue
        T.tonal_render(kind, state, patch, out[0], out[1], a, b, SR)
        a = b
    return out


def _patches():
    kind, base = preset("warm_pad")
    fields = dict(zip(PATCH_FIELDS, base, strict=True))
    out = [instrument_patch(name) for name in ("strings", "pad", "dark_pad", "lead")]
    for nv in range(1, 8):
        out.append((kind, make_patch(kind, **{**fields, "voices": float(nv), "vibrato_cents": 9.0,
                                              "vibrato_hz": 5.5, "drift_cents": 6.0, "release_s": 0.3,
                                              "cutoff_hz": 12000.0})))
    return out


@pytest.mark.parametrize("pitch", [41.2, 220.0, 1318.5, 5900.0, 6000.0, 9000.0])
def test_scratch_path_is_the_sample_loop(pitch):
    assert 6000.0 / SR == T._BLEP_SCAN_MAX_DT  # 5900 Hz scans for wraps; 6000 Hz recomputes all
    loudest = 0.0
    for kind, patch in _patches():
        assert kind == T.PAD
        for block, steal, dtype in ((1 << 20, None, np.float64), (777, 9001, np.float32), (64, None, np.float32),
                                    (63, 4000, np.float64)):
            slow = _render(kind, patch, pitch, 12000, block, steal, dtype, False)
            fast = _render(kind, patch, pitch, 12000, block, steal, dtype, True)
            loudest = max(loudest, np.abs(slow - 0.25).max())
            np.testing.assert_array_equal(fast, slow)
    assert loudest > 0.02  # it sounds (the open patches: high notes are quiet through the others)
