"""Effects, checked and built: the validated way to make and change effect state arrays.

An effect instance is one float64 state array (its memory and coefficients) that the kernel
:func:`groovebox.dsp.effects.effect_process` runs in place. These functions check parameters
against :data:`groovebox.model.effect.EFFECT_PARAMS` (one line naming ``effect.parameter``
and its range for anything wrong) and only then touch the kernel module's set-up code.

>>> import numpy as np
>>> from groovebox.dsp.effects import process
>>> state = make_effect("eq", 48000, low_db=6.0)
>>> process(state, np.zeros((4, 2))).shape
(4, 2)
"""

from __future__ import annotations

import numpy as np

from groovebox.dsp import effects as kernels
from groovebox.dsp import jit
from groovebox.errors import ParameterError
from groovebox.model.effect import check_sample_rate, effect_kind, validate_effect_params

__all__ = ["effect_state_size", "init_effect", "make_effect", "update_effect"]


def effect_state_size(kind: int | str, sample_rate: float = 48000.0, **params) -> int:
    """Length of the float64 state array the effect needs (delay memory included)."""
    name = effect_kind(kind)
    sr = check_sample_rate(sample_rate)
    return kernels.state_size(name, sr, validate_effect_params(name, sr, **params))


def make_effect(kind: int | str, sample_rate: float = 48000.0, **params) -> np.ndarray:
    """A ready state array for one effect instance (silent memory, parameters set).

    Parameters
    ----------
    kind : int or str
        ``"reverb"``, ``"tape_delay"``, ``"chorus"``, ``"filter"``, ``"eq"``,
        ``"compressor"``, ``"saturation"`` (or their positions in ``EFFECT_NAMES``).
    sample_rate : float
        Samples per second.
    **params
        Parameters in musical units; see :data:`groovebox.model.effect.EFFECT_PARAMS`.

    Returns
    -------
    ndarray, shape (effect_state_size(...),), float64
    """
    state = np.zeros(effect_state_size(kind, sample_rate, **params))
    jit.need(kernels.EFFECT_GROUPS[kernels.EFFECT_NAMES.index(effect_kind(kind))])
    init_effect(state, kind, sample_rate, **params)
    return state


def init_effect(state: np.ndarray, kind: int | str, sample_rate: float = 48000.0, **params) -> None:
    """Set up an effect in a state array the caller allocated (silences its memory).

    ``state`` must be float64 with at least :func:`effect_state_size` elements for the same
    kind, sample rate and parameters.
    """
    name = effect_kind(kind)
    sr = check_sample_rate(sample_rate)
    p = validate_effect_params(name, sr, **params)
    need = kernels.state_size(name, sr, p)
    if not isinstance(state, np.ndarray) or state.dtype != np.float64 or state.ndim != 1 or state.shape[0] < need:
        shape = getattr(state, "shape", None)
        raise ParameterError("state", f"{getattr(state, 'dtype', type(state).__name__)} array of shape {shape}",
                             f"a float64 array of at least {need} elements")
    kernels.setup(state, name, sr, p, fresh=True)


def update_effect(state: np.ndarray, **params) -> None:
    """Change some parameters of an effect in place; its memory (the tail) is kept.

    Parameters not given keep their current values. A tape delay cannot grow beyond the
    memory it was made with (``max_time_s``). Changes apply at once: a new reverb size or
    pre-delay, or a new delay time, reads the memory at new places (a jump in the wet signal),
    so automate those with a crossfade; gains, decay, damping and mix change cleanly.
    """
    name, sr = kernels.kind_of(state)
    merged = kernels.configured(state)
    merged.update(params)
    p = validate_effect_params(name, sr, **merged)
    if name == "tape_delay":
        have_s = kernels.tape_capacity_s(state)
        if kernels.tape_needs_s(sr, p) > have_s:
            raise ParameterError("tape_delay.time_s", p["time_s"],
                                 f"at most {have_s:.3g} s for this instance (set max_time_s when making it)")
    kernels.setup(state, name, sr, p, fresh=False)
