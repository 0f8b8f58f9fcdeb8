"""The Engine: the one block renderer behind every file and every sound card.

``Engine.render_block(n_frames)`` is the only way audio is made. Offline rendering calls it in
a loop and streams the blocks to a file; real-time playback calls it from the sounddevice
callback. Each call asks the program's sources for the events in its window of samples, starts
voices on exactly those samples (choking and stealing with short fades), mixes the voices into
track buffers, the tracks through their faders into the master, and the master through the
look-ahead limiter. Everything that carries over between blocks lives in preallocated arrays,
so the output does not depend on how the timeline is cut into blocks.

>>> import groovebox as gb
>>> eng = gb.Engine(48000)
>>> from groovebox.renderer.pattern import pattern_program
>>> eng.load(pattern_program(gb.Pattern.from_grid({"kick": "x..."})))
>>> eng.render_block(256).shape
(256, 2)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from groovebox import checks
from groovebox.dsp import limiter as _lim
from groovebox.dsp.effects import effect_process
from groovebox.dsp.rng import mix64
from groovebox.dsp.tables import (
    FADING,
    FREE,
    N_VF,
    N_VI,
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
from groovebox.dsp.tonal import (
    PATCH_SIZE,
    SCRATCH_SIZE,
    STATE_SIZE,
    tonal_release,
    tonal_render,
    tonal_start,
)
from groovebox.errors import GrooveboxError
from groovebox.kits.tables import KitTables, pack
from groovebox.renderer.program import MAX_BUSES, Program
from groovebox.renderer.sequencer import EventBuffer, NoteBuffer

FADE_S = 0.004  # choke / steal fade of a drum voice
TONAL_STEAL_S = 0.02  # release time of a stolen tonal voice
VK_TABLE, VK_TONAL = 0, 1  # voice kinds
FADER_SMOOTH_S = 0.010  # track gain changes glide over ~10 ms
VOICE_RESERVE = 8  # past n_voices - reserve sounding voices, the oldest starts fading

# Track float fields
TF_TARGET_L, TF_TARGET_R, TF_GAIN_L, TF_GAIN_R = 0, 1, 2, 3
N_TF = 4


class Engine:
    """Voice pool, tracks, master limiter; renders any number of frames per call.

    Parameters
    ----------
    sample_rate : int
        Output sample rate in Hz.
    n_voices : int
        Size of the voice pool (voices beyond it are stolen, oldest first, with a short fade).
    max_block : int
        Largest internal block; longer requests are rendered in pieces of this size.
    max_tracks : int
        Number of mixer tracks.
    limiter : bool
        Master look-ahead limiter on (nothing leaves above ``ceiling_db``) or off.
    ceiling_db : float
        Limiter ceiling in dBFS.
    """

    def __init__(
        self,
        sample_rate: int = 48000,
        *,
        n_voices: int = 64,
        max_block: int = 4096,
        max_tracks: int = 48,
        limiter: bool = True,
        ceiling_db: float = -0.3,
        event_capacity: int = 16384,
    ):
        sample_rate = checks.sample_rate(sample_rate)
        if not 1 <= n_voices <= 1024:
            raise GrooveboxError(f"n_voices: expected 1..1024, got {n_voices!r}")
        if not 1 <= max_block <= 1 << 20:
            raise GrooveboxError(f"max_block: expected 1..{1 << 20} frames, got {max_block!r}")
        if not -60.0 <= ceiling_db <= 0.0:
            raise GrooveboxError(f"ceiling_db: expected -60..0 dBFS, got {ceiling_db!r}")
        self.sample_rate = int(sample_rate)
        self.n_voices = n_voices
        self.max_block = max_block
        self.max_tracks = max_tracks
        self.limiter_on = limiter
        self.ceiling_db = ceiling_db
        self.events = EventBuffer(event_capacity)
        self.notes = NoteBuffer(event_capacity)
        self._order = np.zeros(event_capacity, np.int64)
        self._note_order = np.zeros(event_capacity, np.int64)
        self.vi = np.zeros((n_voices, N_VI), np.int64)
        self.vf = np.zeros((n_voices, N_VF), np.float64)
        # tonal voice states, each with the kernels' scratch after it (see dsp.tonal.SCRATCH_SIZE)
        self.vs = np.zeros((n_voices, STATE_SIZE + SCRATCH_SIZE), np.float64)
        self.track_buf = np.zeros((max_tracks, 2, max_block), np.float32)
        self.track_f = np.zeros((max_tracks, N_TF), np.float64)
        self.track_used = np.zeros(max_tracks, np.int8)
        self.track_mute = np.zeros(max_tracks, np.int8)
        self.track_stereo = np.zeros(max_tracks, np.int8)
        self.track_send = np.zeros((max_tracks, MAX_BUSES), np.float64)
        self.bus_buf = np.zeros((MAX_BUSES, 2, max_block), np.float32)
        self.mix = np.zeros((2, max_block), np.float32)
        self._no_out = np.zeros((1, 2), np.float32)  # priming writes nothing
        self.counters = np.zeros(2, np.int64)  # [0] voice age counter, [1] sounding voices
        self.fade_samples = max(1, round(FADE_S * self.sample_rate))
        self.fader_coeff = 1.0 - math.exp(-1.0 / (FADER_SMOOTH_S * self.sample_rate))
        self.program: Program | None = None
        self._kit_data = np.zeros(1, np.float32)
        self.reset()

    # -- program -------------------------------------------------------------------------------
    def load(self, program: Program) -> None:
        """Play ``program`` from the current position (voices already sounding ring on)."""
        if program.kit.sample_rate != self.sample_rate:
            raise GrooveboxError(
                f"kit tables are at {program.kit.sample_rate} Hz but the engine runs at {self.sample_rate} Hz"
            )
        if len(program.tracks) > self.max_tracks:
            raise GrooveboxError(f"{len(program.tracks)} tracks; the engine mixes at most {self.max_tracks}")
        if len(program.buses) > MAX_BUSES:
            raise GrooveboxError(f"{len(program.buses)} effect buses; the engine has {MAX_BUSES}")
        cf = program.control_frames
        if isinstance(cf, bool) or not isinstance(cf, int | np.integer) or not 1 <= cf <= 1 << 20:
            raise GrooveboxError(f"control_frames: expected a whole number of frames in 1..{1 << 20}, got {cf!r}")
        first = self.program is None
        self.track_send[:] = 0.0
        for i, t in enumerate(program.tracks):
            gl, gr = t.gains()
            self.track_f[i, TF_TARGET_L] = gl
            self.track_f[i, TF_TARGET_R] = gr
            self.track_mute[i] = 1 if t.mute else 0
            self.track_stereo[i] = 1 if t.stereo else 0
            if len(t.sends) > len(program.buses):
                raise GrooveboxError(f"track '{t.name}' sends to {len(t.sends)} buses; the program has {len(program.buses)}")
            self.track_send[i, : len(t.sends)] = t.sends
            if first:
                self.track_f[i, TF_GAIN_L] = gl
                self.track_f[i, TF_GAIN_R] = gr
        self._kit_data = program.kit.data
        self.program = program

    def mix_targets(self, program: Program) -> tuple[np.ndarray, np.ndarray]:
        """Fader targets (max_tracks, 2) float64 and mute flags (max_tracks,) int8 for
        ``program``'s tracks, computed ahead for :meth:`swap` (unused tracks: silent)."""
        if len(program.tracks) > self.max_tracks:
            raise GrooveboxError(f"{len(program.tracks)} tracks; the engine mixes at most {self.max_tracks}")
        targets = np.zeros((self.max_tracks, 2), np.float64)
        mute = np.zeros(self.max_tracks, np.int8)
        for i, t in enumerate(program.tracks):
            targets[i] = t.gains()
            mute[i] = 1 if t.mute else 0
        return targets, mute

    def swap(self, program: Program | None, targets: np.ndarray | None = None,
             mute: np.ndarray | None = None) -> None:
        """Switch program and/or mix from the audio thread: reference swaps and array copies
        only (no validation, no allocation). Faders glide to the new targets; sounding voices
        ring on, so ``program.kit.data`` must keep every table they play at its offset."""
        if program is not None:
            self._kit_data = program.kit.data
            self.program = program
            n = min(len(program.send_levels), self.max_tracks)
            self.track_send[:] = 0.0
            self.track_send[:n] = program.send_levels[:n]
        if targets is not None:
            self.track_f[:, TF_TARGET_L : TF_TARGET_R + 1] = targets
        if mute is not None:
            self.track_mute[:] = mute

    def reset(self) -> None:
        """Silence every voice, empty the effects and return to sample 0 (the loaded program
        starts over)."""
        self.vi[:] = 0
        self.vf[:] = 0.0
        self.vs[:] = 0.0
        self.track_buf[:] = 0.0
        self.bus_buf[:] = 0.0
        self.track_used[:] = 0
        self.counters[:] = 0
        self.lim = _lim.limiter_state(self.sample_rate, self.ceiling_db, enabled=self.limiter_on)
        self.latency = _lim.latency_frames(self.lim[1])
        self.position = 0  # frames delivered
        self._mix_pos = 0  # frames mixed (ahead of `position` by the limiter latency)
        self._primed = False
        if self.program is not None:
            self.program.reset_effects()
            for i in range(len(self.program.tracks)):
                self.track_f[i, TF_GAIN_L] = self.track_f[i, TF_TARGET_L]
                self.track_f[i, TF_GAIN_R] = self.track_f[i, TF_TARGET_R]

    @property
    def mix_position(self) -> int:
        """Frames mixed so far: events before this sample have been started (``position`` plus
        the limiter look-ahead once rendering has begun)."""
        return self._mix_pos

    @property
    def active_voices(self) -> int:
        """Voices sounding now (playing or fading out)."""
        return int(np.count_nonzero(self.vi[:, VI_STATE]))

    @property
    def silent(self) -> bool:
        """No voice sounds and nothing is left in the limiter's delay line."""
        return self.active_voices == 0 and not self.lim[2].any()

    # -- rendering -----------------------------------------------------------------------------
    def render_block(self, n_frames: int, out: np.ndarray | None = None) -> np.ndarray:
        """Render the next ``n_frames`` frames.

        Parameters
        ----------
        n_frames : int
            Frames to render (any size; long requests are split internally).
        out : ndarray float32, shape (>= n_frames, 2), optional
            Where to write. Pass one (for example sounddevice's ``outdata``) to render without
            allocating; without it a new array is returned.

        Returns
        -------
        ndarray float32, shape (n_frames, 2)
            Stereo samples in [-1, 1] (below the limiter ceiling when it is on).
        """
        if out is None:
            out = np.empty((n_frames, 2), np.float32)
        if not self._primed:
            self._prime()
        done = 0
        while done < n_frames:
            m = min(self.max_block, n_frames - done)
            if self.program is not None and self.program.controls:
                # Controls act at absolute multiples of control_frames, whatever the block size.
                cf = self.program.control_frames
                m = min(m, cf - self._mix_pos % cf)
            self._render(m, out, done, True)
            done += m
        self.position += n_frames
        return out[:n_frames]

    def _prime(self) -> None:
        # Fill the limiter's look-ahead with the first `latency` mixed frames, so output sample
        # t is mix sample t and every onset lands on its own sample index.
        self._primed = True
        left = self.latency
        while left > 0:
            m = min(self.max_block, left)
            if self.program is not None and self.program.controls:
                cf = self.program.control_frames
                m = min(m, cf - self._mix_pos % cf)
            self._render(m, self._no_out, 0, False)
            left -= m

    def _render(self, m: int, out: np.ndarray, offset: int, write_out: bool) -> None:
        prog = self.program
        ev = self.events
        notes = self.notes
        ev.n = 0
        notes.n = 0
        start = self._mix_pos
        stop = start + m
        if prog is not None:
            if prog.controls and start % prog.control_frames == 0:
                for ctl in prog.controls:
                    ctl.control(self, start)
            if prog.events_end >= 0:
                stop = min(stop, prog.events_end)
            if stop > start:
                for src in prog.hit_sources:
                    src.query(start, stop, ev)
                for src in prog.note_sources:
                    src.query_notes(start, stop, notes)
            kit, patches, patch_kind = prog.kit, prog.patches, prog.patch_kind
            n_buses = len(prog.buses)
        else:
            kit, patches, patch_kind, n_buses = _EMPTY_KIT, _NO_PATCHES, _NO_PATCH_KIND, 0
        mixer = prog.mixer if prog is not None else None
        if mixer is not None:
            # Voices into the tracks; the program's mixer takes it from there into self.mix.
            _voices_core(
                m, self._mix_pos, self.sample_rate,
                ev.sample, ev.track, ev.instr, ev.vel, ev.n, self._order,
                notes.sample, notes.track, notes.patch, notes.vel, notes.pitch, notes.dur, notes.seed,
                notes.n, self._note_order,
                self.vi, self.vf, self.vs, self.counters, self.fade_samples, self.n_voices - VOICE_RESERVE,
                kit.data, kit.layer_first, kit.layer_count, kit.layer_max_vel, kit.var_first,
                kit.var_count, kit.var_start, kit.var_len, kit.var_gain, kit.rate, kit.choke, kit.poly,
                patches, patch_kind, self.track_buf, self.track_used, self.track_mute,
            )  # fmt: skip
            mixer.process(self, m)
            for state in prog.master:
                effect_process(self.mix[0], self.mix[1], 0, m, state)
            _lim.limit(self.mix[0], self.mix[1], m, out, offset, write_out, *self.lim)
            self._mix_pos += m
            return
        _render_core(
            m, self._mix_pos, self.sample_rate,
            ev.sample, ev.track, ev.instr, ev.vel, ev.n, self._order,
            notes.sample, notes.track, notes.patch, notes.vel, notes.pitch, notes.dur, notes.seed,
            notes.n, self._note_order,
            self.vi, self.vf, self.vs, self.counters, self.fade_samples, self.n_voices - VOICE_RESERVE,
            kit.data, kit.layer_first, kit.layer_count, kit.layer_max_vel, kit.var_first,
            kit.var_count, kit.var_start, kit.var_len, kit.var_gain, kit.rate, kit.choke, kit.poly,
            patches, patch_kind,
            self.track_buf, self.track_f, self.track_used, self.track_mute, self.track_stereo,
            self.track_send, self.fader_coeff, self.mix, self.bus_buf, n_buses,
        )  # fmt: skip
        if prog is not None:
            mix_l, mix_r = self.mix[0], self.mix[1]
            if n_buses:
                for b, chain in enumerate(prog.buses):
                    bl, br = self.bus_buf[b, 0], self.bus_buf[b, 1]
                    for state in chain:
                        effect_process(bl, br, 0, m, state)
                _add_buses(self.mix, self.bus_buf, n_buses, m)
            for state in prog.master:
                effect_process(mix_l, mix_r, 0, m, state)
        _lim.limit(self.mix[0], self.mix[1], m, out, offset, write_out, *self.lim)
        self._mix_pos += m


@njit(cache=True)
def _start_fade(vi, vf, vs, patch_kind, v, fade_samples, sample_rate):
    """Fade voice ``v`` out quickly (choke or steal): a table voice ramps down over
    ``fade_samples``; a tonal voice gets a short forced release."""
    if vi[v, VI_STATE] == PLAYING:
        vi[v, VI_STATE] = FADING
        if vi[v, VI_KIND] == VK_TABLE:
            vf[v, VF_FADE] = 1.0
            vf[v, VF_FADE_STEP] = 1.0 / fade_samples
        else:
            tonal_release(patch_kind[vi[v, VI_PATCH]], vs[v], TONAL_STEAL_S, sample_rate)


@njit(cache=True)
def _allocate(vi, vf, vs, patch_kind, fade_samples, soft_limit, sample_rate):
    """A free voice slot. Past the soft limit the oldest playing voice starts fading; when no
    slot is free the quietest fading voice (else the oldest) is reused."""
    n_voices = vi.shape[0]
    sounding = 0
    oldest = -1
    for v in range(n_voices):
        st = vi[v, VI_STATE]
        if st == FREE:
            continue
        sounding += 1
        if st == PLAYING and (oldest < 0 or vi[v, VI_AGE] < vi[oldest, VI_AGE]):
            oldest = v
    if sounding >= soft_limit and oldest >= 0:
        _start_fade(vi, vf, vs, patch_kind, oldest, fade_samples, sample_rate)
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
def _trigger_drum(
    sample, track, instr, vel, vi, vf, vs, counters, fade_samples, soft_limit, sample_rate,
    layer_first, layer_count, layer_max_vel, var_first, var_count, var_start, var_len, var_gain,
    rate, choke, poly, patch_kind, track_mute,
):  # fmt: skip
    if track_mute[track] != 0 or layer_count[instr] == 0:
        return
    group = choke[instr]
    # Choke: a hat silences a ringing open hat; a drum cuts its own previous hit.
    for v in range(vi.shape[0]):
        if vi[v, VI_STATE] == PLAYING and vi[v, VI_KIND] == VK_TABLE:
            if (group != 0 and vi[v, VI_GROUP] == group) or (
                poly[instr] == 0 and vi[v, VI_INSTR] == instr and vi[v, VI_TRACK] == track
            ):
                _start_fade(vi, vf, vs, patch_kind, v, fade_samples, sample_rate)
    slot = _allocate(vi, vf, vs, patch_kind, fade_samples, soft_limit, sample_rate)
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
    vf[slot, VF_GAIN] = (max(vel, 0.0) ** 1.5) * var_gain[var]  # drumkit.VELOCITY_EXPONENT
    vf[slot, VF_FADE] = 1.0
    vf[slot, VF_FADE_STEP] = 0.0


@njit(cache=True)
def _trigger_note(track, patch, vel, pitch_hz, dur, seed, vi, vf, vs, counters, fade_samples,
                  soft_limit, sample_rate, patches, patch_kind, track_mute):
    if track_mute[track] != 0:
        return
    slot = _allocate(vi, vf, vs, patch_kind, fade_samples, soft_limit, sample_rate)
    vi[slot, VI_STATE] = PLAYING
    vi[slot, VI_KIND] = VK_TONAL
    vi[slot, VI_TRACK] = track
    vi[slot, VI_INSTR] = -1
    vi[slot, VI_PATCH] = patch
    vi[slot, VI_GROUP] = 0
    vi[slot, VI_AGE] = counters[0]
    counters[0] += 1
    vs[slot, :] = 0.0
    tonal_start(patch_kind[patch], vs[slot], patches[patch], pitch_hz, vel, dur, sample_rate, seed)


@njit(cache=True)
def _render_voices(vi, vf, vs, data, patches, patch_kind, track_buf, track_used, a, b, sample_rate):
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


@njit(cache=True, inline="always")
def _glide(gain, target, coeff):
    """One sample of a fader's one-pole glide toward ``target``, snapping when within 1e-6
    (per sample, not per block, so the glide is the same for any block size)."""
    gain += (target - gain) * coeff
    return target if abs(gain - target) < 1e-6 else gain


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


@njit(cache=True)
def _render_core(
    m, block_start, sample_rate,
    ev_sample, ev_track, ev_instr, ev_vel, n_ev, order,
    nt_sample, nt_track, nt_patch, nt_vel, nt_pitch, nt_dur, nt_seed, n_notes, note_order,
    vi, vf, vs, counters, fade_samples, soft_limit,
    data, layer_first, layer_count, layer_max_vel, var_first, var_count, var_start, var_len,
    var_gain, rate, choke, poly, patches, patch_kind,
    track_buf, track_f, track_used, track_mute, track_stereo, track_send, fader_coeff,
    mix, bus_buf, n_buses,
):  # fmt: skip
    _sort_by_sample(ev_sample, n_ev, order)
    _sort_by_sample(nt_sample, n_notes, note_order)
    seg = 0
    i = 0
    j = 0
    while i < n_ev or j < n_notes:
        # Hits before notes on the same sample; each in its source order.
        if j >= n_notes or (i < n_ev and ev_sample[order[i]] <= nt_sample[note_order[j]]):
            e = order[i]
            off = ev_sample[e] - block_start
        else:
            e = note_order[j]
            off = nt_sample[e] - block_start
        if off > seg:
            _render_voices(vi, vf, vs, data, patches, patch_kind, track_buf, track_used, seg, off, sample_rate)
            seg = off
        if j >= n_notes or (i < n_ev and ev_sample[order[i]] <= nt_sample[note_order[j]]):
            _trigger_drum(
                ev_sample[e], ev_track[e], ev_instr[e], ev_vel[e], vi, vf, vs, counters,
                fade_samples, soft_limit, sample_rate, layer_first, layer_count, layer_max_vel,
                var_first, var_count, var_start, var_len, var_gain, rate, choke, poly, patch_kind,
                track_mute,
            )  # fmt: skip
            i += 1
        else:
            _trigger_note(
                nt_track[e], nt_patch[e], nt_vel[e], nt_pitch[e], nt_dur[e], nt_seed[e], vi, vf, vs,
                counters, fade_samples, soft_limit, sample_rate, patches, patch_kind, track_mute,
            )  # fmt: skip
            j += 1
    if m > seg:
        _render_voices(vi, vf, vs, data, patches, patch_kind, track_buf, track_used, seg, m, sample_rate)
    # Tracks through their faders into the master and the effect sends.
    ml = mix[0]
    mr = mix[1]
    for k in range(m):
        ml[k] = 0.0
        mr[k] = 0.0
    for b in range(n_buses):
        for k in range(m):
            bus_buf[b, 0, k] = 0.0
            bus_buf[b, 1, k] = 0.0
    for t in range(track_buf.shape[0]):
        tl = track_f[t, 0]
        tr = track_f[t, 1]
        gl = track_f[t, 2]
        gr = track_f[t, 3]
        if track_used[t] == 0:
            # A silent track still glides sample by sample, so its fader is where it would be
            # whatever the block size.
            if gl != tl or gr != tr:
                for _ in range(m):
                    gl = _glide(gl, tl, fader_coeff)
                    gr = _glide(gr, tr, fader_coeff)
                track_f[t, 2] = gl
                track_f[t, 3] = gr
            continue
        b0 = track_buf[t, 0]
        b1 = track_buf[t, 1]
        stereo = track_stereo[t] != 0
        sends = False
        for b in range(n_buses):
            if track_send[t, b] != 0.0:
                sends = True
        # Mixing is float32 arithmetic throughout (gains rounded to float32 once per sample):
        # twice the SIMD width of double, and every path below computes a settled fader's
        # samples identically, so the result does not depend on where a block starts.
        gl32 = np.float32(gl)
        gr32 = np.float32(gr)
        settled = gl == tl and gr == tr
        if settled and not sends:
            # The common case: fixed fader, no sends; mono tracks read one channel.
            if stereo:
                for k in range(m):
                    ml[k] += gl32 * b0[k]
                    mr[k] += gr32 * b1[k]
                    b0[k] = 0.0
                    b1[k] = 0.0
            else:
                for k in range(m):
                    x = b0[k]
                    ml[k] += gl32 * x
                    mr[k] += gr32 * x
                    b0[k] = 0.0
        else:
            # Post-fader signal goes back into the track buffer (left, right) for the sends.
            if settled:
                # A settled fader glides nowhere: the same products as the loop below, without
                # its per-sample recurrence, so this loop vectorises (tracks with sends).
                if stereo:
                    for k in range(m):
                        yl = gl32 * b0[k]
                        yr = gr32 * b1[k]
                        ml[k] += yl
                        mr[k] += yr
                        b0[k] = yl
                        b1[k] = yr
                else:
                    for k in range(m):
                        x = b0[k]
                        yl = gl32 * x
                        yr = gr32 * x
                        ml[k] += yl
                        mr[k] += yr
                        b0[k] = yl
                        b1[k] = yr
            for k in range(m if not settled else 0):
                gl = _glide(gl, tl, fader_coeff)
                gr = _glide(gr, tr, fader_coeff)
                xl = b0[k]
                xr = b1[k] if stereo else xl
                yl = np.float32(gl) * xl
                yr = np.float32(gr) * xr
                ml[k] += yl
                mr[k] += yr
                b0[k] = yl
                b1[k] = yr
            track_f[t, 2] = gl
            track_f[t, 3] = gr
            for b in range(n_buses):
                s = np.float32(track_send[t, b])
                if s != 0.0:
                    bl = bus_buf[b, 0]
                    br = bus_buf[b, 1]
                    for k in range(m):
                        bl[k] += s * b0[k]
                        br[k] += s * b1[k]
            for k in range(m):
                b0[k] = 0.0
                b1[k] = 0.0
        track_used[t] = 0


@njit(cache=True)
def _voices_core(
    m, block_start, sample_rate,
    ev_sample, ev_track, ev_instr, ev_vel, n_ev, order,
    nt_sample, nt_track, nt_patch, nt_vel, nt_pitch, nt_dur, nt_seed, n_notes, note_order,
    vi, vf, vs, counters, fade_samples, soft_limit,
    data, layer_first, layer_count, layer_max_vel, var_first, var_count, var_start, var_len,
    var_gain, rate, choke, poly, patches, patch_kind, track_buf, track_used, track_mute,
):  # fmt: skip
    """The first half of :func:`_render_core` alone: start this block's events on their samples
    and render the voices into the track buffers (a program's mixer mixes them)."""
    _sort_by_sample(ev_sample, n_ev, order)
    _sort_by_sample(nt_sample, n_notes, note_order)
    seg = 0
    i = 0
    j = 0
    while i < n_ev or j < n_notes:
        drum = j >= n_notes or (i < n_ev and ev_sample[order[i]] <= nt_sample[note_order[j]])
        if drum:
            e = order[i]
            off = ev_sample[e] - block_start
        else:
            e = note_order[j]
            off = nt_sample[e] - block_start
        if off > seg:
            _render_voices(vi, vf, vs, data, patches, patch_kind, track_buf, track_used, seg, off, sample_rate)
            seg = off
        if drum:
            _trigger_drum(
                ev_sample[e], ev_track[e], ev_instr[e], ev_vel[e], vi, vf, vs, counters,
                fade_samples, soft_limit, sample_rate, layer_first, layer_count, layer_max_vel,
                var_first, var_count, var_start, var_len, var_gain, rate, choke, poly, patch_kind,
                track_mute,
            )  # fmt: skip
            i += 1
        else:
            _trigger_note(
                nt_track[e], nt_patch[e], nt_vel[e], nt_pitch[e], nt_dur[e], nt_seed[e], vi, vf, vs,
                counters, fade_samples, soft_limit, sample_rate, patches, patch_kind, track_mute,
            )  # fmt: skip
            j += 1
    if m > seg:
        _render_voices(vi, vf, vs, data, patches, patch_kind, track_buf, track_used, seg, m, sample_rate)


@njit(cache=True)
def _add_buses(mix, bus_buf, n_buses, m):
    for b in range(n_buses):
        for k in range(m):
            mix[0, k] += bus_buf[b, 0, k]
            mix[1, k] += bus_buf[b, 1, k]


_EMPTY_KIT: KitTables = pack("empty", 0, {})
_NO_PATCHES = np.zeros((1, PATCH_SIZE), np.float64)
_NO_PATCH_KIND = np.zeros(1, np.int32)
