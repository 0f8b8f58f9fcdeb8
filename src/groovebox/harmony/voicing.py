"""Voicings and voice leading: which octave each chord tone goes in.

Three voicing styles, each built from a *close* stack and then spread:

- ``"close"``: the voices are consecutive chord tones stacked upward, each the next chord tone
  above the last (with four voices on a triad the bottom note is doubled an octave up);
- ``"drop2"``: a close voicing with the second voice from the top dropped an octave (the
  guitar and big-band voicing);
- ``"open"``: a close voicing with the second and fourth voices from the top dropped an octave
  (spread over about two octaves, like a choir in open position).

When a chord has more tones than voices, the perfect fifth goes first, then the 11th, 9th and
13th. Pads ignore a chord's inversion (the bass part plays the bass note).

:func:`voice_lead` picks one voicing per chord so that the *total* semitone motion over the
whole progression is the least possible (voices paired bottom to top, which is the cheapest
pairing for a sum of absolute moves), with every voice inside its range. Among equally smooth
solutions it keeps the voicings nearest the middle of the range. It is a dynamic programme
over the candidate voicings, exact and fast.

>>> from groovebox.harmony import progression, voice_lead, total_motion
>>> p = progression("I V vi IV", key="C")
>>> v = voice_lead(p.chords, "close", low=55, high=79)
>>> v
((60, 64, 67, 72), (59, 62, 67, 71), (60, 64, 69, 72), (60, 65, 69, 72))
>>> total_motion(v)
11
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from groovebox.errors import HarmonyError
from groovebox.model.notes import Chord

VOICINGS: tuple[str, ...] = ("close", "open", "drop2")
_DROPS = {"close": (), "drop2": (1,), "open": (1, 3)}
_DROP_ORDER = (5, 11, 9, 13, 7, 3, 1)


def _select_tones(chord: Chord, n_voices: int) -> list[int]:
    """Chord tones to voice, in stacked-thirds order, at most ``n_voices`` of them."""
    tones = list(zip(chord.tones, chord.degrees, strict=True))
    for degree in _DROP_ORDER:
        if len(tones) <= n_voices:
            break
        for i, (pc, d) in enumerate(tones):
            # Only a perfect fifth is expendable; a b5 or #5 is what makes the chord.
            if d == degree and (degree != 5 or (pc - chord.root) % 12 == 7):
                del tones[i]
                break
    return [pc for pc, _ in tones[:n_voices]]


def _shapes(chord: Chord, style: str, n_voices: int) -> set[tuple[int, ...]]:
    """Voicings of the style with the lowest note placed near MIDI 60 (octave to be chosen)."""
    # close = no chord tone fits between neighbours, so stack by pitch, not by thirds
    # (a sus4 is C F G, not C G F)
    tones = sorted(_select_tones(chord, n_voices), key=lambda pc: (pc - chord.root) % 12)
    out = set()
    for r in range(len(tones)):
        seq = [tones[(r + i) % len(tones)] for i in range(n_voices)]
        v = [60 + seq[0]]
        for pc in seq[1:]:
            v.append(v[-1] + ((pc - v[-1]) % 12 or 12))
        for from_top in _DROPS[style]:
            if from_top < n_voices:
                v[n_voices - 1 - from_top] -= 12
        out.add(tuple(sorted(v)))
    return out


def voicing_candidates(
    chord: Chord,
    style: str = "close",
    low: int = 48,
    high: int = 79,
    n_voices: int = 4,
    voice_ranges: Sequence[tuple[int, int]] | None = None,
) -> tuple[tuple[int, ...], ...]:
    """Every voicing of ``chord`` in ``style`` whose notes lie in ``low..high`` (inclusive).

    Parameters
    ----------
    chord : Chord
        The chord to voice.
    style : {"close", "open", "drop2"}
    low, high : int
        MIDI range for all voices.
    n_voices : int
        Number of voices (2..8).
    voice_ranges : sequence of (low, high), optional
        A range per voice, bottom voice first; a voicing must fit every one.

    Returns
    -------
    tuple of tuple of int
        Ascending MIDI voicings, sorted low to high; empty if none fits.
    """
    _check(style, low, high, n_voices, voice_ranges)
    found = set()
    for shape in _shapes(chord, style, n_voices):
        k_lo = -((shape[0] - low) // 12)
        k_hi = (high - shape[-1]) // 12
        for k in range(k_lo, k_hi + 1):
            v = tuple(p + 12 * k for p in shape)
            if len(set(v)) != n_voices:  # a drop landed on another voice (many voices, few tones)
                continue
            if voice_ranges is not None and not all(
                lo <= p <= hi for p, (lo, hi) in zip(v, voice_ranges, strict=True)
            ):
                continue
            found.add(v)
    return tuple(sorted(found))


def _check(style, low, high, n_voices, voice_ranges) -> None:
    if style not in VOICINGS:
        raise HarmonyError(f"voicing '{style}': expected one of {', '.join(VOICINGS)}")
    if not (isinstance(n_voices, int) and 2 <= n_voices <= 8):
        raise HarmonyError(f"n_voices: expected 2..8, got {n_voices!r}")
    if not (0 <= low < high <= 127):
        raise HarmonyError(f"voicing range: expected 0 <= low < high <= 127, got {low}..{high}")
    if voice_ranges is not None and len(voice_ranges) != n_voices:
        raise HarmonyError(
            f"voice_ranges: expected one (low, high) per voice ({n_voices}), got {len(voice_ranges)}"
        )


def voice(
    chord: Chord,
    style: str = "close",
    low: int = 48,
    high: int = 79,
    n_voices: int = 4,
) -> tuple[int, ...]:
    """One voicing of ``chord``: the candidate whose mean pitch is nearest the range's middle."""
    return voice_lead([chord], style, low, high, n_voices)[0]


def voice_lead(
    chords: Sequence[Chord],
    style: str = "close",
    low: int = 48,
    high: int = 79,
    n_voices: int = 4,
    voice_ranges: Sequence[tuple[int, int]] | None = None,
    start: Sequence[int] | None = None,
) -> tuple[tuple[int, ...], ...]:
    """Voice a chord sequence with the least total semitone motion.

    Parameters
    ----------
    chords : sequence of Chord
    style : {"close", "open", "drop2"}
    low, high : int
        MIDI range (inclusive) every voice stays within.
    n_voices : int
        Voices per chord.
    voice_ranges : sequence of (low, high), optional
        Per-voice ranges, bottom voice first.
    start : sequence of int, optional
        A voicing to lead from (e.g. the last chord of the previous section); its motion into
        the first chord counts.

    Returns
    -------
    tuple of tuple of int
        One ascending voicing per chord, each of ``n_voices`` MIDI notes.

    Raises
    ------
    HarmonyError
        A chord has no voicing in the range.
    """
    if not chords:
        return ()
    _check(style, low, high, n_voices, voice_ranges)
    cands = []
    for i, c in enumerate(chords, 1):
        cs = voicing_candidates(c, style, low, high, n_voices, voice_ranges)
        if not cs:
            raise HarmonyError(
                f"chord {i} '{c.figure}': no {style} voicing of {n_voices} voices fits "
                f"MIDI {low}..{high}; widen the range"
            )
        cands.append(np.asarray(cs, dtype=np.int64))
    center = (low + high) / 2.0
    # Motion dominates: weight it above any possible sum of centring terms (<= 128 per chord).
    weight = 128.0 * len(chords) + 1.0

    def centring(a: np.ndarray) -> np.ndarray:
        return np.abs(a.mean(axis=1) - center)

    cost = centring(cands[0])
    if start is not None:
        s = np.sort(np.asarray(start, dtype=np.int64))
        if s.shape != (n_voices,):
            raise HarmonyError(f"start: expected {n_voices} notes, got {len(start)}")
        cost = cost + weight * np.abs(cands[0] - s).sum(axis=1)
    back = []
    for prev, cur in zip(cands, cands[1:], strict=False):
        motion = np.abs(prev[:, None, :] - cur[None, :, :]).sum(axis=2)
        total = cost[:, None] + weight * motion
        best = total.argmin(axis=0)
        back.append(best)
        cost = total[best, np.arange(cur.shape[0])] + centring(cur)
    j = int(cost.argmin())
    path = [j]
    for best in reversed(back):
        j = int(best[j])
        path.append(j)
    path.reverse()
    return tuple(tuple(int(p) for p in cands[i][j]) for i, j in enumerate(path))


def total_motion(voicings: Sequence[Sequence[int]]) -> int:
    """Sum over consecutive voicings of the semitones each voice moves (voices bottom to top)."""
    total = 0
    for a, b in zip(voicings, voicings[1:], strict=False):
        if len(a) != len(b):
            raise HarmonyError("total_motion: voicings have different numbers of voices")
        total += sum(abs(x - y) for x, y in zip(sorted(a), sorted(b), strict=True))
    return total
