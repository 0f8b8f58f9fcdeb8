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
from groovebox.dsp import jit
from groovebox.dsp import limiter as _lim
from groovebox.dsp.effects import E_KIND, EFFECT_GROUPS, EFFECT_KERNELS
from groovebox.dsp.tables import N_VF, N_VI, VI_STATE
from groovebox.dsp.tonal import PATCH_SIZE, SCRATCH_SIZE, STATE_SIZE
from groovebox.errors import GrooveboxError
from groovebox.kits.tables import KitTables, pack
from groovebox.renderer.program import MAX_BUSES, Program
from groovebox.renderer.sequencer import EventBuffer, NoteBuffer
from groovebox.renderer.voicepool import (
    DRUM_VOICES,
    FADE_S,
    TONAL_VOICES,
    VOICE_RESERVE,
    all_voices,
    drum_voices,
)

FADER_SMOOTH_S = 0.010  # track gain changes glide over ~10 ms

# Track float fields: fader targets, the gains of the last sample mixed, and the glide toward
# the targets (offsets at the anchor sample, the anchor, the targets it was set for; see _fader).
TF_TARGET_L, TF_TARGET_R, TF_GAIN_L, TF_GAIN_R = 0, 1, 2, 3
TF_D_L, TF_D_R, TF_ANCHOR, TF_ANCHOR_TL, TF_ANCHOR_TR = 4, 5, 6, 7, 8
N_TF = 9
GLIDE_STEP = 64  # a gliding fader re-anchors at every multiple of this many mix samples


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
        # Offline stems (tap_tracks): each track's post-fader block, allocated when first tapped.
        self.tap = None
        self.track_out = np.zeros((1, 2, 1), np.float32)
        self.track_live = np.zeros(max_tracks, np.int8)  # 1: track_out[t] holds this block
        self._no_out = np.zeros((1, 2), np.float32)  # priming writes nothing
        self.counters = np.zeros(2, np.int64)  # [0] voice age counter, [1] sounding voices
        self.fade_samples = max(1, round(FADE_S * self.sample_rate))
        self.fader_coeff = 1.0 - math.exp(-1.0 / (FADER_SMOOTH_S * self.sample_rate))
        # (1 - coeff) ** j for j = 0 .. GLIDE_STEP, by repeated products (the same on every run)
        self.glide_pow = np.ones(GLIDE_STEP + 1, np.float64)
        for j in range(1, GLIDE_STEP + 1):
            self.glide_pow[j] = self.glide_pow[j - 1] * (1.0 - self.fader_coeff)
        self.fader_ramp = np.zeros((2, max_block), np.float32)
        self.program: Program | None = None
        self._kit_data = np.zeros(1, np.float32)
        # Drum-only voice kernel until a program with notes arrives; from then on the kernel that
        # also plays tonal voices (they may ring on after a switch back to drums).
        self._tonal = False
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
        if program.note_sources:
            self._tonal = True
        jit.need(*self.kernel_groups(program))

    def kernel_groups(self, program: Program) -> list[jit.Group]:
        """The kernels rendering ``program`` calls: its sources', the voices it plays, the
        mixer and limiter, and the effects it uses (nothing else is loaded or compiled)."""
        groups = [TONAL_VOICES if self._tonal or program.note_sources else DRUM_VOICES, MIXER]
        groups += [src.kernels for src in (*program.sources, *program.controls) if hasattr(src, "kernels")]
        if program.buses:
            groups.append(BUSES)
        groups += [EFFECT_GROUPS[int(st[E_KIND])] for chain in (*program.buses, program.master) for st in chain]
        return groups

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
            if program.note_sources:
                self._tonal = True
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
        self.track_f[:, TF_ANCHOR_TL:] = np.nan  # no glide anchored yet
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

    def tap_tracks(self, tap) -> None:
        """Hand every mixed block's per-track signals to ``tap`` (offline stems; None: stop).

        After each internal block of ``m`` frames is mixed (effect buses included, before the
        master chain and the limiter) the engine calls ``tap(engine, m)``. Then
        ``engine.track_live[t]`` is 1 when track ``t`` sounded in this block, and
        ``engine.track_out[t, :, :m]`` holds its post-fader stereo signal: the very float32
        samples added into the mix (a track with ``track_live[t] == 0`` added nothing and its
        ``track_out`` row is stale). ``engine.track_send[t, b]`` is its send level to effect
        bus ``b``, and ``engine.mix_position`` the mix sample the block starts at. With the
        limiter on, the mix runs ``engine.latency`` frames ahead of the output (the blocks
        that prime the look-ahead are tapped too).

        Offline only: the tap runs in the rendering thread, and live playback never sets one,
        so an untapped engine mixes exactly as before (the same kernels' paths, no copies).
        Programs with a mixer (songs) have their own tap (``Mixer.tap``); this one is not
        called for them.
        """
        if tap is not None and self.track_out.shape != (self.max_tracks, 2, self.max_block):
            self.track_out = np.zeros((self.max_tracks, 2, self.max_block), np.float32)
        self.tap = tap

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
        if self._tonal:
            all_voices(
                m, self._mix_pos, self.sample_rate,
                ev.sample, ev.track, ev.instr, ev.vel, ev.n, self._order,
                notes.sample, notes.track, notes.patch, notes.vel, notes.pitch, notes.dur, notes.seed,
                notes.n, self._note_order,
                self.vi, self.vf, self.vs, self.counters, self.fade_samples, self.n_voices - VOICE_RESERVE,
                kit.data, kit.layer_first, kit.layer_count, kit.layer_max_vel, kit.var_first,
                kit.var_count, kit.var_start, kit.var_len, kit.var_gain, kit.rate, kit.choke, kit.poly,
                patches, patch_kind, self.track_buf, self.track_used, self.track_mute,
            )  # fmt: skip
        else:
            drum_voices(
                m, self._mix_pos, ev.sample, ev.track, ev.instr, ev.vel, ev.n, self._order,
                self.vi, self.vf, self.counters, self.fade_samples, self.n_voices - VOICE_RESERVE,
                kit.data, kit.layer_first, kit.layer_count, kit.layer_max_vel, kit.var_first,
                kit.var_count, kit.var_start, kit.var_len, kit.var_gain, kit.rate, kit.choke, kit.poly,
                self.track_buf, self.track_used, self.track_mute,
            )  # fmt: skip
        mixer = prog.mixer if prog is not None else None
        if mixer is not None:
            # A song: the program's mixer takes the tracks from here into self.mix.
            mixer.process(self, m)
            for state in prog.master:
                EFFECT_KERNELS[int(state[E_KIND])](self.mix[0], self.mix[1], 0, m, state)
            _lim.limit(self.mix[0], self.mix[1], m, out, offset, write_out, *self.lim)
            self._mix_pos += m
            return
        tap = self.tap
        _mix_tracks(m, self._mix_pos, self.track_buf, self.track_f, self.track_used, self.track_stereo,
                    self.track_send, self.glide_pow, self.fader_ramp, self.mix, self.bus_buf, n_buses,
                    self.track_out, self.track_live, tap is not None)
        if prog is not None:
            mix_l, mix_r = self.mix[0], self.mix[1]
            if n_buses:
                for b, chain in enumerate(prog.buses):
                    bl, br = self.bus_buf[b, 0], self.bus_buf[b, 1]
                    for state in chain:
                        EFFECT_KERNELS[int(state[E_KIND])](bl, br, 0, m, state)
                _add_buses(self.mix, self.bus_buf, n_buses, m)
            if tap is not None:
                tap(self, m)
            for state in prog.master:
                EFFECT_KERNELS[int(state[E_KIND])](mix_l, mix_r, 0, m, state)
        _lim.limit(self.mix[0], self.mix[1], m, out, offset, write_out, *self.lim)
        self._mix_pos += m


@njit(cache=True)
def _fader(track_f, t, pos, m, pw, ramp_l, ramp_r, fill):
    """Track ``t``'s fader gains for mix samples ``pos .. pos + m - 1``, into ``ramp_l/r[:m]``
    as float32 when ``fill``; advances its glide.

    A fader glides toward its target exponentially (time constant FADER_SMOOTH_S): the gain at
    sample n is ``target + d * pw[n - a + 1]`` with ``pw[j] = (1 - coeff) ** j`` and ``d`` the
    offset at the anchor ``a``: where the target last changed or, at the latest, the last
    multiple of GLIDE_STEP. Anchors fall on the same samples whatever the block size, so the
    glide does too, and within a stretch the gains are a closed form (the loop vectorises).
    Within 1e-6 of its target a fader snaps to it and stops gliding.
    """
    tl = track_f[t, TF_TARGET_L]
    tr = track_f[t, TF_TARGET_R]
    if track_f[t, TF_ANCHOR_TL] != tl or track_f[t, TF_ANCHOR_TR] != tr:  # a new target (or none yet)
        track_f[t, TF_D_L] = track_f[t, TF_GAIN_L] - tl
        track_f[t, TF_D_R] = track_f[t, TF_GAIN_R] - tr
        track_f[t, TF_ANCHOR] = pos
        track_f[t, TF_ANCHOR_TL] = tl
        track_f[t, TF_ANCHOR_TR] = tr
    dl = track_f[t, TF_D_L]
    dr = track_f[t, TF_D_R]
    a = np.int64(track_f[t, TF_ANCHOR])
    k = 0
    while k < m:
        n = pos + k
        step_end = (n // GLIDE_STEP + 1) * GLIDE_STEP
        e = min(pos + m, step_end)
        if fill:
            w = pw[n - a + 1 : e - a + 1]
            rl = ramp_l[k : e - pos]
            rr = ramp_r[k : e - pos]
            for i in range(e - n):
                x = dl * w[i]
                y = dr * w[i]
                rl[i] = np.float32(tl if abs(x) < 1e-6 else tl + x)
                rr[i] = np.float32(tr if abs(y) < 1e-6 else tr + y)
        if e == step_end:  # re-anchor: d becomes the offset of the last sample before it
            dl *= pw[step_end - a]
            dr *= pw[step_end - a]
            dl = 0.0 if abs(dl) < 1e-6 else dl
            dr = 0.0 if abs(dr) < 1e-6 else dr
            a = step_end
        k = e - pos
    j = pos + m - a  # the last sample's exponent (0 right after a re-anchor: d is its offset)
    x = dl * pw[j]
    y = dr * pw[j]
    track_f[t, TF_GAIN_L] = tl if abs(x) < 1e-6 else tl + x
    track_f[t, TF_GAIN_R] = tr if abs(y) < 1e-6 else tr + y
    track_f[t, TF_D_L] = dl
    track_f[t, TF_D_R] = dr
    track_f[t, TF_ANCHOR] = a


@njit(cache=True)
def _mix_tracks(m, pos, track_buf, track_f, track_used, track_stereo, track_send, glide_pow, fader_ramp, mix,
                bus_buf, n_buses, track_out, track_live, tap):
    """Tracks through their faders into the master and the effect sends; empties the track
    buffers for the next block. With ``tap`` each track's post-fader block is also left in
    ``track_out[t]`` and ``track_live[t]`` says whether it sounded (Engine.tap_tracks)."""
    # Every row is sliced to the block ([:m]) before its loop: the loops then vectorise (on
    # whole rows Numba's index handling kept them scalar, 3.5x slower).
    ml = mix[0, :m]
    mr = mix[1, :m]
    for k in range(m):
        ml[k] = 0.0
        mr[k] = 0.0
    for b in range(n_buses):
        bl = bus_buf[b, 0, :m]
        br = bus_buf[b, 1, :m]
        for k in range(m):
            bl[k] = 0.0
            br[k] = 0.0
    for t in range(track_buf.shape[0]):
        tl = track_f[t, 0]
        tr = track_f[t, 1]
        gl = track_f[t, 2]
        gr = track_f[t, 3]
        settled = gl == tl and gr == tr
        if tap:
            track_live[t] = track_used[t]
        if track_used[t] == 0:
            # A silent track's fader still glides, so it is where it would be whatever the block size.
            if not settled:
                _fader(track_f, t, pos, m, glide_pow, fader_ramp[0], fader_ramp[1], False)
            continue
        b0 = track_buf[t, 0, :m]
        b1 = track_buf[t, 1, :m]
        stereo = track_stereo[t] != 0
        n_sends = 0
        send_bus = 0
        for b in range(n_buses):
            if track_send[t, b] != 0.0:
                n_sends += 1
                send_bus = b
        # Mixing is float32 arithmetic throughout (gains rounded to float32 once per sample):
        # twice the SIMD width of double, and every path below computes a settled fader's
        # samples identically, so the result does not depend on where a block starts.
        gl32 = np.float32(gl)
        gr32 = np.float32(gr)
        # A tapped block takes the general path, which leaves the post-fader signal in the
        # track buffer: the same float32 products as the fast paths, so the mix is unchanged.
        if settled and n_sends == 0 and not tap:
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
        elif settled and n_sends == 1 and not tap:
            # A fixed fader and one send (a reverb bus): the products of the general path
            # below in one pass over the track instead of three.
            s = np.float32(track_send[t, send_bus])
            bl = bus_buf[send_bus, 0, :m]
            br = bus_buf[send_bus, 1, :m]
            if stereo:
                for k in range(m):
                    yl = gl32 * b0[k]
                    yr = gr32 * b1[k]
                    ml[k] += yl
                    mr[k] += yr
                    bl[k] += s * yl
                    br[k] += s * yr
                    b0[k] = 0.0
                    b1[k] = 0.0
            else:
                for k in range(m):
                    x = b0[k]
                    yl = gl32 * x
                    yr = gr32 * x
                    ml[k] += yl
                    mr[k] += yr
                    bl[k] += s * yl
                    br[k] += s * yr
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
            else:
                _fader(track_f, t, pos, m, glide_pow, fader_ramp[0], fader_ramp[1], True)
                rl = fader_ramp[0, :m]
                rr = fader_ramp[1, :m]
                if stereo:
                    for k in range(m):
                        yl = rl[k] * b0[k]
                        yr = rr[k] * b1[k]
                        ml[k] += yl
                        mr[k] += yr
                        b0[k] = yl
                        b1[k] = yr
                else:
                    for k in range(m):
                        x = b0[k]
                        yl = rl[k] * x
                        yr = rr[k] * x
                        ml[k] += yl
                        mr[k] += yr
                        b0[k] = yl
                        b1[k] = yr
            for b in range(n_buses):
                s = np.float32(track_send[t, b])
                if s != 0.0:
                    bl = bus_buf[b, 0, :m]
                    br = bus_buf[b, 1, :m]
                    for k in range(m):
                        bl[k] += s * b0[k]
                        br[k] += s * b1[k]
            if tap:
                ol = track_out[t, 0, :m]
                orr = track_out[t, 1, :m]
                for k in range(m):
                    ol[k] = b0[k]
                    orr[k] = b1[k]
            for k in range(m):
                b0[k] = 0.0
                b1[k] = 0.0
        track_used[t] = 0


@njit(cache=True)
def _add_buses(mix, bus_buf, n_buses, m):
    for b in range(n_buses):
        for k in range(m):
            mix[0, k] += bus_buf[b, 0, k]
            mix[1, k] += bus_buf[b, 1, k]


MIXER = jit.Group("mixer and limiter", (_mix_tracks, _lim.limit), 1.5)
BUSES = jit.Group("effect buses", (_add_buses,), 0.1)

_EMPTY_KIT: KitTables = pack("empty", 0, {})
_NO_PATCHES = np.zeros((1, PATCH_SIZE), np.float64)
_NO_PATCH_KIND = np.zeros(1, np.int32)
