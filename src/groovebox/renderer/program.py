"""What the engine plays and how a render runs: Program, TrackSettings, RenderPlan.

A :class:`Program` is plain data built outside the audio thread: event sources, the kit tables
their hits use, the mixer tracks, effect buses and controls. A :class:`RenderPlan` adds how
long to render and how the render ends. Both are made by the planners (patterns in
:mod:`groovebox.renderer.pattern`, soundscapes, arrangements) and consumed by the
:class:`~groovebox.renderer.engine.Engine` and the drivers (``offline``, ``live``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from groovebox.kits.tables import KitTables
from groovebox.model.patch import PATCH_SIZE

__all__ = ["CONTROL_FRAMES", "MAX_BUSES", "Program", "RenderPlan", "TrackSettings"]

CONTROL_FRAMES = 512  # programs with controls are updated at every multiple of this frame
MAX_BUSES = 8  # effect buses the engine mixes


@dataclass
class TrackSettings:
    """Mix settings of one engine track."""

    name: str
    gain_db: float = 0.0
    pan: float = 0.0  # -1 left .. 1 right (balance for stereo tracks)
    mute: bool = False
    stereo: bool = False  # tonal voices are stereo; drum voices are mono
    sends: tuple[float, ...] = ()  # linear post-fader send level per effect bus

    def gains(self) -> tuple[float, float]:
        """Constant-power pan law: (left, right) linear gains."""
        if self.mute:
            return 0.0, 0.0
        g = 10.0 ** (self.gain_db / 20.0)
        angle = (self.pan + 1.0) * math.pi / 4.0
        # Normalised so a centred track has unity gain on both sides.
        return g * math.cos(angle) * math.sqrt(2.0), g * math.sin(angle) * math.sqrt(2.0)


@dataclass
class Program:
    """What an engine plays: event sources, the kit their hits use, and the track mix.

    Build programs outside the audio thread (``renderer.pattern.pattern_program``, ``plan()``); swapping one in is a
    single reference assignment.
    """

    sources: list  # .query(start, stop, EventBuffer) for hits, .query_notes(start, stop, NoteBuffer) for notes
    kit: KitTables
    tracks: list[TrackSettings]
    events_end: int = -1  # no new events from this sample on (-1: never)
    meta: dict = field(default_factory=dict)
    patches: np.ndarray = field(default_factory=lambda: np.zeros((1, PATCH_SIZE)))  # tonal patch rows
    patch_kind: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int32))  # voice kind per patch
    buses: list[list[np.ndarray]] = field(default_factory=list)  # effect chains (state arrays) per bus
    master: list[np.ndarray] = field(default_factory=list)  # effect chain on the master bus
    controls: list = field(default_factory=list)  # .control(engine, frame) every control_frames
    # Controls run at every absolute multiple of this many frames of the mix timeline; blocks are
    # split there. Slow evolution needs no 512-frame resolution, and longer control periods mean
    # longer blocks (fewer Python calls per second of audio).
    control_frames: int = CONTROL_FRAMES
    # A mixer (renderer.mixer.Mixer) takes over from the engine's own track mix: per-track
    # inserts, groups, sidechains, automation and stems. None: the engine mixes tracks itself.
    mixer: object | None = None

    def __post_init__(self):
        # Split once, in the control thread, so the audio thread never builds lists (and a
        # program swapped in by Engine.swap brings its own).
        self.hit_sources = tuple(src for src in self.sources if hasattr(src, "query"))
        self.note_sources = tuple(src for src in self.sources if hasattr(src, "query_notes"))
        # Effect memory as built, so Engine.reset() can start the program over with empty tails.
        self._fx_initial = [st.copy() for chain in (*self.buses, self.master) for st in chain]
        # Send levels per track and bus, ready for Engine.swap to copy in the audio thread.
        self.send_levels = np.zeros((len(self.tracks), MAX_BUSES), np.float64)
        for i, t in enumerate(self.tracks):
            self.send_levels[i, : min(len(t.sends), MAX_BUSES)] = t.sends[:MAX_BUSES]

    def reset_effects(self) -> None:
        """Empty every effect's memory (delay lines, reverb tails, LFO phases) as when built."""
        for st, initial in zip((st for chain in (*self.buses, self.master) for st in chain),
                               self._fx_initial, strict=True):
            st[:] = initial
        if self.mixer is not None:
            self.mixer.reset()


@dataclass
class RenderPlan:
    """How to render a source: its program, length, and how it ends."""

    program: Program
    frames: int  # frames of the timeline proper
    tail: bool  # after `frames`, let sounding voices ring out (no new events)
    keep_partial: bool = False  # on Ctrl-C keep the file rendered so far
    engine_options: dict | None = None
    label: str = ""
    fade_frames: int = 0  # without a tail: a musical (raised-cosine) fade-out this long at the end
    # File renders of songs: {"target_lufs": -14 or None, "ceiling_dbtp": -1}: one gain to the
    # target and a true-peak limiter (two passes); None: the engine's output as it is.
    master_stage: dict | None = None
    compiled: object | None = None  # what the planner knows about the source (a CompiledSong)
