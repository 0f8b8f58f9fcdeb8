"""The choir voice's fast path (unison saws a voice at a time over a segment, formant filters on
variables, in the scratch the engine gives each voice row) plays exactly the samples of the
sample-at-a-time loop: every unison count, with and without breath, low to very high notes
(where PolyBLEP corrections come every few samples), every vowel, any block split, a steal, and
float32 (engine) or float64 (notebook) buffers."""

from __future__ import annotations

import numpy as np
import pytest

from groovebox.dsp import tonal as T
from groovebox.model.patch import PATCH_FIELDS, make_patch, preset

SR = 48000.0


def _render(patch, pitch, dur, block, steal, dtype, with_scratch):
    n = dur + int(patch[T.P_RELEASE_S] * SR) + 300
    state = np.zeros(T.STATE_SIZE + (T.SCRATCH_SIZE if with_scratch else 0))
    out = np.full((2, n), 0.25, dtype)  # a voice adds into what is already there
    T.tonal_start(T.CHOIR, state, patch, pitch, 0.8, dur, SR, 4321)
    a = 0
    while a < n:
        b = min(n, a + block)
        if steal is not None and a <= steal < b:
            T.tonal_render(T.CHOIR, state, patch, out[0], out[1], a, steal, SR)
            T.tonal_release(T.CHOIR, state, 0.02, SR)
            a, steal = steal, None
            continue
        T.tonal_render(T.CHOIR, state, patch, out[0], out[1], a, b, SR)
        a = b
    return out


def _patches():
    kind, base = preset("choir_ah")
    assert kind == T.CHOIR
    fields = dict(zip(PATCH_FIELDS, base, strict=True))
    out = [base]
    for nv, noise, vowel in ((1, 0.0, 2.0), (2, 0.3, 3.5), (3, 0.0, 4.0), (3, 0.12, 1.3)):
        out.append(make_patch(kind, **{**fields, "voices": float(nv), "noise": noise, "vowel": vowel,
                                       "release_s": 0.3, "attack_s": 0.05}))
    return out


@pytest.mark.parametrize("pitch", [55.0, 349.2, 1318.5, 5900.0, 9000.0])
def test_scratch_path_is_the_sample_loop(pitch):
    loudest = 0.0
    for patch in _patches():
        for block, steal, dtype in ((1 << 20, None, np.float64), (777, 9001, np.float32), (64, None, np.float32),
                                    (63, 4000, np.float64)):
            slow = _render(patch, pitch, 12000, block, steal, dtype, False)
            fast = _render(patch, pitch, 12000, block, steal, dtype, True)
            loudest = max(loudest, np.abs(slow - 0.25).max())
            np.testing.assert_array_equal(fast, slow)
    assert loudest > 0.02  # it sounds
