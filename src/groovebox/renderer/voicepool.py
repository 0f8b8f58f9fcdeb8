"""The voice pool: starting voices on their samples, chokes, stealing, and rendering voices.

Two kernels share the pool's arrays and its rules, so a job loads (and on a first run
compiles) only the voices it plays:

- :func:`drum_voices` plays hits on table voices (synthesized and sampled drums) and nothing
  else. It never references a tonal voice kernel, so a drum render or a live drum pattern
  never loads them.
- :func:`all_voices` plays hits and notes on table and tonal voices (pads, bells, plucks,
  textures...). On drum-only input it does exactly what :func:`drum_voices` does, with the
  same helpers, so the engine can move from one to the other without a seam.

Both write into the track buffers (``track_buf[t, 0]`` for mono drum tracks, both rows for
stereo tonal tracks) and mark ``track_used``; the engine mixes the tracks afterwards.

Events are taken in sample order (hits before notes on the same sample); the voices are
rendered up to each event's sample before it starts, so a choke or a steal acts on exactly
that sample whatever the block size.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from groovebox.dsp import jit
from groovebox.dsp.rng import mix64
from groovebox.dsp.tables import (
    FADING,
    FREE,
    PLAYING,
    VF_FADE,
    VF_FADE_STEP,
    VF_GAIN,
    VF_POS,
    VF_RATE,
    VI_AGE,
    VI_GROUP,
    VI_INSTR,
    VI_KIND,
    VI_LEN,
    VI_PATCH,
    VI_START,
    VI_STATE,
    VI_TRACK,
    play_table,
)  # fmt: skip
from groovebox.dsp.tonal import tonal_release, tonal_render, tonal_start

__all__ = ["DRUM_VOICES", "FADE_S", "TONAL_STEAL_S", "TONAL_VOICES", "VK_TABLE", "VK_TONAL", "VOICE_RESERVE",
           "all_voices", "drum_voices"]

FADE_S = 0.004  # choke / steal fade of a drum voice
TONAL_STEAL_S = 0.02  # release time of a stolen tonal voice
VK_TABLE, VK_TONAL = 0, 1  # voice kinds
VOICE_RESERVE = 8  # past n_voices - reserve sounding voices, the oldest starts fading


# --- pool rules (shared by both kernels) ------------------------------------------------------
@njit(cache=True)
def _fade_table(vi, vf, v, fade_samples):
    """Fade playing table voice ``v`` out over ``fade_samples`` (choke or steal)."""
    if vi[v, VI_STATE] == PLAYING:
        vi[v, VI_STATE] = FADING
        vf[v, VF_FADE] = 1.0
        vf[v, VF_FADE_STEP] = 1.0 / fade_samples


@njit(cache=True)
def _fade_any(vi, vf, vs, patch_kind, v, fade_samples, sample_rate):
    """Fade voice ``v`` out quickly: a table voice ramps down over ``fade_samples``; a tonal
    voice gets a short forced release."""
    if vi[v, VI_STATE] == PLAYING:
        if vi[v, VI_KIND] == VK_TABLE:
            _fade_table(vi, vf, v, fade_samples)
        else:
            vi[v, VI_STATE] = FADING
            tonal_release(patch_kind[vi[v, VI_PATCH]], vs[v], TONAL_STEAL_S, sample_rate)


@njit(cache=True)
def _steal_candidate(vi, soft_limit):
    """The oldest playing voice once ``soft_limit`` or more voices sound (it starts fading so
    the pool keeps a reserve), else -1."""
    sounding = 0
    oldest = -1
    for v in range(vi.shape[0]):
        st = vi[v, VI_STATE]
        if st == FREE:
            continue
        sounding += 1
        if st == PLAYING and (oldest < 0 or vi[v, VI_AGE] < vi[oldest, VI_AGE]):
            oldest = v
    return oldest if sounding >= soft_limit else -1


@njit(cache=True)
def _free_slot(vi, vf):
    """A free voice slot; when none is free the quietest fading table voice (else the oldest
    voice) is reused."""
    n_voices = vi.shape[0]
    for v in range(n_voices):
        if vi[v, VI_STATE] == FREE:
            return v
    slot = -1
    best = 2.0
    for v in range(n_voices):
        if vi[v, VI_STATE] == FADING and vi[v, VI_KIND] == VK_TABLE and vf[v, VF_FADE] < best:
            best = vf[v, VF_FADE]
            slot = v
    if slot < 0:
        slot = 0
        for v in range(n_voices):
            if vi[v, VI_AGE] < vi[slot, VI_AGE]:
                slot = v
    return slot


@njit(cache=True)
def _choke(vi, vf, track, instr, group, poly, fade_samples):
    """A hat silences a ringing open hat (choke group); a drum cuts its own previous hit."""
    for v in range(vi.shape[0]):
        if vi[v, VI_STATE] == PLAYING and vi[v, VI_KIND] == VK_TABLE:
            if (group != 0 and vi[v, VI_GROUP] == group) or (
                poly == 0 and vi[v, VI_INSTR] == instr and vi[v, VI_TRACK] == track
            ):
                _fade_table(vi, vf, v, fade_samples)


@njit(cache=True)
def _start_table_voice(
    slot, sample, track, instr, vel, vi, vf, counters, layer_first, layer_count, layer_max_vel,
    var_first, var_count, var_start, var_len, var_gain, rate, group,
):  # fmt: skip
    lf = layer_first[instr]
    layer = lf + layer_count[instr] - 1
    for k in range(lf, lf + layer_count[instr]):
        if vel <= layer_max_vel[k]:
            layer = k
            break
    nv = var_count[layer]
    var = var_first[layer] + int(mix64(sample) % np.uint64(nv)) if nv > 1 else var_first[layer]
    vi[slot, VI_STATE] = PLAYING
    vi[slot, VI_KIND] = VK_TABLE
    vi[slot, VI_TRACK] = track
    vi[slot, VI_INSTR] = instr
    vi[slot, VI_PATCH] = 0
    vi[slot, VI_START] = var_start[var]
    vi[slot, VI_LEN] = var_len[var]
    vi[slot, VI_AGE] = counters[0]
    vi[slot, VI_GROUP] = group
    counters[0] += 1
    vf[slot, VF_POS] = 0.0
    vf[slot, VF_RATE] = rate[instr]
    vf[slot, VF_GAIN] = (max(vel, 0.0) ** 1.5) * var_gain[var]  # kits.tables.VELOCITY_EXPONENT
    vf[slot, VF_FADE] = 1.0
    vf[slot, VF_FADE_STEP] = 0.0


@njit(cache=True)
def _sort_by_sample(samples, n, order):
    # Stable insertion sort: a block holds few events.
    for i in range(n):
        order[i] = i
    for i in range(1, n):
        k = order[i]
        s = samples[k]
        j = i - 1
        while j >= 0 and samples[order[j]] > s:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k


# --- drums only -------------------------------------------------------------------------------
@njit(cache=True)
def _render_tables(vi, vf, data, track_buf, track_used, a, b):
    for v in range(vi.shape[0]):
        if vi[v, VI_STATE] == FREE:
            continue
        t = vi[v, VI_TRACK]
        track_used[t] = 1
        play_table(vi, vf, v, data, track_buf[t, 0], a, b)


@njit(cache=True)
def drum_voices(
    m, block_start, ev_sample, ev_track, ev_instr, ev_vel, n_ev, order,
    vi, vf, counters, fade_samples, soft_limit,
    data, layer_first, layer_count, layer_max_vel, var_first, var_count, var_start, var_len,
    var_gain, rate, choke, poly, track_buf, track_used, track_mute,
):  # fmt: skip
    """Start this block's hits and render every voice into the track buffers, for frames
    ``[0, m)`` of a block that starts at mix sample ``block_start``.

    Every sounding voice must be a table voice (the engine uses :func:`all_voices` once a
    program with notes has been loaded).
    """
    _sort_by_sample(ev_sample, n_ev, order)
    seg = 0
    for i in range(n_ev):
        e = order[i]
        off = ev_sample[e] - block_start
        if off > seg:
            _render_tables(vi, vf, data, track_buf, track_used, seg, off)
            seg = off
        track = ev_track[e]
        instr = ev_instr[e]
        if track_mute[track] != 0 or layer_count[instr] == 0:
            continue
        group = choke[instr]
        _choke(vi, vf, track, instr, group, poly[instr], fade_samples)
        victim = _steal_candidate(vi, soft_limit)
        if victim >= 0:
            _fade_table(vi, vf, victim, fade_samples)
        slot = _free_slot(vi, vf)
        _start_table_voice(
            slot, ev_sample[e], track, instr, ev_vel[e], vi, vf, counters, layer_first, layer_count,
            layer_max_vel, var_first, var_count, var_start, var_len, var_gain, rate, group,
        )  # fmt: skip
    if m > seg:
        _render_tables(vi, vf, data, track_buf, track_used, seg, m)


# --- drums and tonal voices -------------------------------------------------------------------
@njit(cache=True)
def _render_all(vi, vf, vs, data, patches, patch_kind, track_buf, track_used, a, b, sample_rate):
    for v in range(vi.shape[0]):
        if vi[v, VI_STATE] == FREE:
            continue
        t = vi[v, VI_TRACK]
        track_used[t] = 1
        if vi[v, VI_KIND] == VK_TABLE:
            play_table(vi, vf, v, data, track_buf[t, 0], a, b)
        else:
            p = vi[v, VI_PATCH]
            if tonal_render(patch_kind[p], vs[v], patches[p], track_buf[t, 0], track_buf[t, 1], a, b, sample_rate) == 0:
                vi[v, VI_STATE] = FREE


@njit(cache=True)
def all_voices(
    m, block_start, sample_rate,
    ev_sample, ev_track, ev_instr, ev_vel, n_ev, order,
    nt_sample, nt_track, nt_patch, nt_vel, nt_pitch, nt_dur, nt_seed, n_notes, note_order,
    vi, vf, vs, counters, fade_samples, soft_limit,
    data, layer_first, layer_count, layer_max_vel, var_first, var_count, var_start, var_len,
    var_gain, rate, choke, poly, patches, patch_kind, track_buf, track_used, track_mute,
):  # fmt: skip
    """:func:`drum_voices` plus notes on tonal voices (``vs`` holds their state rows,
    ``patches``/``patch_kind`` their patches)."""
    _sort_by_sample(ev_sample, n_ev, order)
    _sort_by_sample(nt_sample, n_notes, note_order)
    seg = 0
    i = 0
    j = 0
    while i < n_ev or j < n_notes:
        # Hits before notes on the same sample; each in its source order.
        hit = j >= n_notes or (i < n_ev and ev_sample[order[i]] <= nt_sample[note_order[j]])
        if hit:
            e = order[i]
            off = ev_sample[e] - block_start
        else:
            e = note_order[j]
            off = nt_sample[e] - block_start
        if off > seg:
            _render_all(vi, vf, vs, data, patches, patch_kind, track_buf, track_used, seg, off, sample_rate)
            seg = off
        if hit:
            i += 1
            track = ev_track[e]
            instr = ev_instr[e]
            if track_mute[track] != 0 or layer_count[instr] == 0:
                continue
            group = choke[instr]
            _choke(vi, vf, track, instr, group, poly[instr], fade_samples)
            victim = _steal_candidate(vi, soft_limit)
            if victim >= 0:
                _fade_any(vi, vf, vs, patch_kind, victim, fade_samples, sample_rate)
            slot = _free_slot(vi, vf)
            _start_table_voice(
                slot, ev_sample[e], track, instr, ev_vel[e], vi, vf, counters, layer_first,
                layer_count, layer_max_vel, var_first, var_count, var_start, var_len, var_gain,
                rate, group,
            )  # fmt: skip
        else:
            j += 1
            track = nt_track[e]
            if track_mute[track] != 0:
                continue
            victim = _steal_candidate(vi, soft_limit)
            if victim >= 0:
                _fade_any(vi, vf, vs, patch_kind, victim, fade_samples, sample_rate)
            slot = _free_slot(vi, vf)
            patch = nt_patch[e]
            vi[slot, VI_STATE] = PLAYING
            vi[slot, VI_KIND] = VK_TONAL
            vi[slot, VI_TRACK] = track
            vi[slot, VI_INSTR] = -1
            vi[slot, VI_PATCH] = patch
            vi[slot, VI_GROUP] = 0
            vi[slot, VI_AGE] = counters[0]
            counters[0] += 1
            vs[slot, :] = 0.0
            tonal_start(patch_kind[patch], vs[slot], patches[patch], nt_pitch[e], nt_vel[e], nt_dur[e],
                        sample_rate, nt_seed[e])
    if m > seg:
        _render_all(vi, vf, vs, data, patches, patch_kind, track_buf, track_used, seg, m, sample_rate)


DRUM_VOICES = jit.Group("drum voices", (drum_voices,), 2.0)
TONAL_VOICES = jit.Group("tonal voices", (all_voices,), 14.0)
