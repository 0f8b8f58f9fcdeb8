"""Ambient presets: generative soundscapes in the manner of Eno, Reich and their heirs.

Each preset builds a :class:`~groovebox.model.loop.Soundscape` from loops of differing lengths.
The seed changes the variation (which events a loop leaves out, which of its notes it picks, how
velocity and tone colour drift, where the random walks wander); for most presets the structure
(the loops, their pitches, periods and first onsets, the effects) is the same for every seed.
``chillwave`` is *generated*: the seed given to :func:`preset` also writes its form (key,
progressions, sections, which parts play where), so every seed is another piece (a render's own
``seed=`` option still varies only the performance of the form it is given).

===========  ================================================================================
airports     Music for Airports 2/1 as its public recreations model it: seven sung notes, each
             on its own tape loop of 17.7 to 21.3 s, in a long reverb.
discreet     Discreet Music: two short melodic loops into a long tape delay with high
             feedback, the repeats darkening as they circle, the tone slowly re-equalised.
phase        Reich-style phasing: one 12-note figure on two pianos, the second a little
             faster, so it slides one note ahead about every 75 s.
drift        Drones and pads on loops of incommensurate lengths, a sparse glass bell, over
             rain, sea and wind.
chillwave    Lush chorused pads, a sub bass and a delayed pluck arpeggio over a 16-section form
             of generated progressions, lo-fi drums whose parts come and go on cycles of their
             own, drifting pads, and rain, sea and wind: a new piece for every seed.
===========  ================================================================================

>>> import groovebox as gb
>>> scape = gb.ambient.preset("airports", seed=3)
>>> [(lp.name, lp.period) for lp in scape.loops][:2]
[('F4', 19.7), ('Ab4', 17.8)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from groovebox import library
from groovebox.errors import UnknownNameError
from groovebox.generators.parts import arpeggio, bass, pad
from groovebox.generators.progressions import generate_progression
from groovebox.model.effect import Effect
from groovebox.model.loop import Loop
from groovebox.model.notes import Progression
from groovebox.model.patch import Instrument
from groovebox.model.pattern import REST, Pattern
from groovebox.model.soundscape import LFO, Drums, Soundscape, Walk


@dataclass(frozen=True)
class PresetInfo:
    """A preset's name, one-line description and default length; ``generated`` presets build
    their form (not only its variation) from the seed."""

    name: str
    description: str
    minutes: float
    generated: bool = False


PRESETS: dict[str, PresetInfo] = {
    "airports": PresetInfo("airports", "Music for Airports 2/1: seven sung notes on loops of 17.7-21.3 s in a long reverb", 10.0),
    "discreet": PresetInfo("discreet", "Discreet Music: two melodic loops into a long, high-feedback tape delay", 10.0),
    "phase": PresetInfo("phase", "Reich-style phasing: one 12-note piano figure on two voices at slightly different tempos", 10.0),
    "drift": PresetInfo("drift", "Drones and pads on loops of incommensurate lengths over rain, sea and wind", 10.0),
    "chillwave": PresetInfo("chillwave", "Lush pads, sub bass and a delayed pluck over a form generated from the seed, lo-fi drums that come and go, weather", 5.0, generated=True),
}


def names() -> tuple[str, ...]:
    """The preset names."""
    return tuple(PRESETS)


def preset(name: str, seed: int = 0) -> Soundscape:
    """The soundscape of preset ``name`` with variation seed ``seed``.

    Raises
    ------
    UnknownNameError
        For an unknown name, suggesting the closest (``unknown ambient preset 'airport'; did
        you mean 'airports'?``).
    """
    if name not in PRESETS:
        raise UnknownNameError("ambient preset", str(name), PRESETS)
    scape = _BUILDERS[name](seed) if PRESETS[name].generated else _BUILDERS[name]()
    return scape.with_seed(seed)


# -- airports ---------------------------------------------------------------------------------
# (note, loop length s, first onset s), as the public recreations of 2/1 model the tape loops.
AIRPORTS_LOOPS = (
    ("F4", 19.7, 4.0),
    ("Ab4", 17.8, 8.1),
    ("C5", 21.3, 5.6),
    ("Db5", 18.5, 12.6),
    ("Eb5", 20.0, 9.2),
    ("F5", 20.0, 14.1),
    ("Ab5", 17.7, 3.1),
)


# The choir sings every note equally loud (whatever its pitch and vowel); these trims even out
# what is left in the mix (a longer loop sounds less often, the hall does not ring every note
# alike): measured per loop, soloed, over the preset's 10 minutes without drift or walks
# (BS.1770 integrated loudness), each trimmed to the mean. tests/test_tonal_sound.py measures it.
AIRPORTS_GAIN_DB = -1.5
AIRPORTS_TRIMS_DB = (-0.4, 0.2, 0.6, -0.1, -0.2, -0.1, 0.0)


def airports() -> Soundscape:
    """Seven sung notes: an "ah" with a piano-like shape (quick swell, long decay into a soft
    sustain), each on its own loop, panned across the stereo field, in a long, dark reverb. The
    loops drift slowly in level and the vowel wanders between "ah" and "oh" from note to note."""
    voice = Instrument(
        "choir_ah", attack_s=0.35, decay_s=5.0, sustain=0.45, release_s=3.5, vibrato_cents=9.0,
        vibrato_hz=4.8, drift_cents=3.0, noise=0.12, gain_db=-3.0,
    )  # fmt: skip
    pans = (-0.5, 0.45, -0.25, 0.3, -0.45, 0.2, 0.1)
    loops = [
        Loop(note, period, start, instrument="voice", duration=4.2, pan=pan, gain_db=AIRPORTS_GAIN_DB + trim,
             sends={"hall": -2.0}, velocity=0.8, velocity_drift=0.3, timbre_drift=0.35)
        for (note, period, start), pan, trim in zip(AIRPORTS_LOOPS, pans, AIRPORTS_TRIMS_DB, strict=True)
    ]  # fmt: skip
    evolve = [Walk(lp.name, "gain_db", 2.0, step_s=47.0 + 3.0 * i) for i, lp in enumerate(loops)]
    evolve.append(Walk("hall", "send", 2.5, step_s=60.0))
    return Soundscape(
        loops, name="airports", description=PRESETS["airports"].description,
        instruments={"voice": voice},
        buses={"hall": Effect("reverb", decay_s=9.0, size=95.0, damping_hz=4500.0, predelay_s=0.05,
                              modulation=45.0, diffusion=75.0)},
        master=[Effect("eq", low_hz=90.0, low_db=-3.0, high_hz=9000.0, high_db=-2.0)],
        evolve=evolve, length_s=PRESETS["airports"].minutes * 60.0, fade_out_s=10.0,
    )  # fmt: skip


# -- discreet ---------------------------------------------------------------------------------
def discreet() -> Soundscape:
    """Two short phrases (written here, in Ab major) of a soft FM synth, on loops of 7.9 and
    11.3 s, into a 4.3 s tape delay with 82 % feedback: every phrase circles back darker, with
    wow and flutter, and the overlapping repeats build a slowly changing web. The synth's
    brightness and the delay's tone drift, as if someone rode the EQ."""
    synth = Instrument(
        "bell", attack_s=0.04, decay_s=3.0, sustain=0.35, release_s=1.6, fm_ratio=1.0,
        fm_index=2.0, fm_decay_s=2.0, fm_sustain=0.35, velocity_sens=0.4, gain_db=-6.0,
    )  # fmt: skip
    phrase_a = [(0.0, "Eb5", 1.1), (1.6, "Db5", 1.0), (3.3, "Ab4", 2.0)]
    phrase_b = [(0.0, "F4", 1.2), (2.1, "Bb4", 1.1), (4.0, "C5", 1.8), (5.9, "Ab4", 1.4)]
    loops = [
        Loop(phrase_a, 7.9, 0.5, instrument="synth", name="upper", pan=-0.25, sends={"tape": 0.0},
             velocity=0.75, velocity_drift=0.35, timbre_drift=0.3),
        Loop(phrase_b, 11.3, 2.9, instrument="synth", name="lower", pan=0.25, gain_db=-1.0,
             sends={"tape": 0.0}, velocity=0.7, velocity_drift=0.35, timbre_drift=0.3),
    ]  # fmt: skip
    tape = [
        Effect("tape_delay", time_s=4.3, feedback=82.0, wow_depth=0.3, wow_rate_hz=0.35,
               flutter_depth=0.06, lowcut_hz=160.0, highcut_hz=3200.0, mix=100.0),
        Effect("filter", mode="lowpass", cutoff_hz=2600.0, q=0.6),
        Effect("reverb", decay_s=3.5, size=70.0, mix=25.0),
    ]  # fmt: skip
    evolve = [
        LFO("upper", "fm_index", 0.45, period_s=137.0),
        LFO("lower", "fm_index", 0.45, period_s=173.0, phase=0.5),
        LFO("tape", "cutoff_hz", 0.7, period_s=151.0),
        Walk("tape", "feedback", 5.0, step_s=40.0),
    ]
    return Soundscape(
        loops, name="discreet", description=PRESETS["discreet"].description,
        instruments={"synth": synth}, buses={"tape": tape},
        master=[Effect("eq", low_hz=120.0, low_db=-2.0, mid_hz=700.0, mid_db=-1.5, high_hz=7000.0, high_db=-3.0)],
        evolve=evolve, length_s=PRESETS["discreet"].minutes * 60.0, fade_out_s=12.0,
    )  # fmt: skip


# -- phase ------------------------------------------------------------------------------------
# Twelve sixteenths over an E-minor pentatonic with an F#: two interleaved lines, written here.
PHASE_FIGURE = ("E4", "B4", "D5", "A4", "F#5", "B4", "E5", "A4", "D5", "B4", "F#5", "A4")
PHASE_BPM = (76.0, 76.2)


def phase() -> Soundscape:
    """One 12-note figure of sixteenths on two pianos, left and right. The first plays at 76
    bpm; the second enters after four bars at 76.2 bpm, so it gains about one sixteenth every
    32 repetitions (75 s) and passes through all twelve alignments in about 15 minutes."""
    piano = Instrument("soft_piano", brightness=0.45, decay_s=3.0, release_s=0.35, gain_db=-4.0)
    sixteenth = 0.25
    figure = [(i * sixteenth, note, 0.2, 1.0 if i % 3 == 0 else 0.82) for i, note in enumerate(PHASE_FIGURE)]
    loops = [
        Loop(figure, 3.0, 0.0, unit="beats", bpm=PHASE_BPM[0], instrument="piano", name="piano 1",
             pan=-0.45, sends={"room": -9.0}, velocity=0.75, velocity_drift=0.2),
        Loop(figure, 3.0, 12.0, unit="beats", bpm=PHASE_BPM[1], instrument="piano", name="piano 2",
             pan=0.45, sends={"room": -9.0}, velocity=0.75, velocity_drift=0.2),
    ]  # fmt: skip
    return Soundscape(
        loops, name="phase", description=PRESETS["phase"].description,
        instruments={"piano": piano},
        buses={"room": Effect("reverb", decay_s=2.2, size=60.0, damping_hz=6000.0, predelay_s=0.015)},
        master=[Effect("eq", low_hz=100.0, low_db=-2.0)],
        evolve=[Walk("room", "send", 2.0, step_s=50.0)],
        length_s=PRESETS["phase"].minutes * 60.0, fade_out_s=6.0,
    )  # fmt: skip


# -- drift ------------------------------------------------------------------------------------
def drift() -> Soundscape:
    """Two sine drones (D2, A2) that never stop, two pads picking chords of D major (Dmaj9,
    Gmaj7/D, Bm11, Em9) and a dark pad on loops of 29.7, 37.1 and 53.9 s, a glass bell that
    picks from a D pentatonic now and then, over rain, sea and wind on loops of minutes. Pads
    open and close, the drones swell, the weather comes and goes."""
    loops = [
        Loop("D2", 41.3, 0.0, instrument="sine_drone", name="drone D", duration=36.0, gain_db=-8.0,
             envelope={"attack_s": 9.0, "release_s": 12.0}, sends={"hall": -10.0}),
        Loop("A2", 53.9, 17.0, instrument="sine_drone", name="drone A", duration=44.0, gain_db=-12.0,
             envelope={"attack_s": 12.0, "release_s": 14.0}, sends={"hall": -10.0}),
        Loop(None, 29.7, 3.0, choose=[("D3", "A3", "E4", "F#4"), ("D3", "G3", "B3", "F#4"),
                                      ("B2", "F#3", "A3", "E4"), ("E3", "G3", "D4", "F#4")],
             instrument="warm_pad", name="pad", duration=16.0, gain_db=-8.5,
             envelope={"attack_s": 6.0, "release_s": 9.0}, sends={"hall": -4.0},
             velocity=0.7, velocity_drift=0.3, timbre_drift=0.4),
        Loop(None, 37.1, 21.0, choose=[("A2", "E3", "B3", "C#4"), ("G2", "D3", "A3", "B3")],
             instrument="dark_pad", name="dark pad", duration=20.0, gain_db=-9.5,
             envelope={"attack_s": 8.0, "release_s": 10.0}, sends={"hall": -4.0},
             velocity=0.7, velocity_drift=0.3, timbre_drift=0.3),
        Loop(None, 11.3, 26.0, choose=["F#5", "A5", "B5", "D6", "E6", "A5"], instrument="glass",
             name="bell", duration=3.0, gain_db=-10.0, pan=0.3, skip=0.4, sends={"hall": 0.0},
             velocity=0.6, velocity_drift=0.5, timbre_drift=0.3),
        Loop(None, 173.0, 0.0, instrument="rain", name="rain", duration=150.0, gain_db=-9.0,
             envelope={"attack_s": 25.0, "release_s": 30.0}, sends={"hall": -14.0}),
        Loop(None, 97.0, 40.0, instrument="ocean", name="sea", duration=75.0, gain_db=-6.0,
             envelope={"attack_s": 18.0, "release_s": 22.0}, sends={"hall": -14.0}),
        Loop(None, 131.0, 85.0, instrument="wind", name="wind", duration=60.0, gain_db=-6.0,
             envelope={"attack_s": 20.0, "release_s": 25.0}, pan=-0.3, sends={"hall": -12.0}),
    ]  # fmt: skip
    evolve = [
        LFO("pad", "cutoff_hz", 0.6, period_s=97.0),
        LFO("pad", "detune_cents", 4.0, period_s=61.0),
        LFO("dark pad", "cutoff_hz", 0.5, period_s=143.0, phase=0.3),
        Walk("drone D", "gain_db", 3.0, step_s=50.0),
        Walk("drone A", "gain_db", 3.0, step_s=70.0),
        Walk("sea", "gain_db", 4.0, step_s=40.0),
        Walk("rain", "gain_db", 4.0, step_s=55.0),
        Walk("hall", "send", 3.0, step_s=80.0),
    ]
    return Soundscape(
        loops, name="drift", description=PRESETS["drift"].description,
        buses={"hall": Effect("reverb", decay_s=11.0, size=100.0, damping_hz=5000.0, predelay_s=0.06,
                              modulation=50.0, diffusion=80.0)},
        master=[Effect("eq", low_hz=40.0, low_db=-2.0, high_hz=10000.0, high_db=-2.0)],
        evolve=evolve, length_s=PRESETS["drift"].minutes * 60.0, fade_out_s=15.0,
    )  # fmt: skip


# -- chillwave --------------------------------------------------------------------------------
CHILLWAVE_BPM = 84.0
CHILLWAVE_SECTION_BARS = 8
CHILLWAVE_SECTIONS = 16  # the harmonic form: 16 sections of 8 bars, 6.1 minutes at 84 bpm
CHILLWAVE_UNIT_BARS = 4  # drum parts come and go in 4-bar units
# Each drum part plays on its own cycle of 4-bar units (kick and snare 7, hats 5, shaker 3),
# all prime to the form's 32 units: the whole only comes round again after 3360 units (4.3 h).
CHILLWAVE_DRUM_CYCLES = {"kick": 7, "snare": 7, "closed_hat": 5, "shaker": 3}
# Major keys and their relative minors, for the form's contrasting section.
_CHILLWAVE_KEYS = (("D", "b"), ("F", "d"), ("A", "f#"), ("E-", "c"), ("C", "a"), ("G", "e"))


@dataclass(frozen=True)
class ChillwaveForm:
    """What the chillwave preset's seed decides: key, progressions, form, arp and drum plan.

    ``sections`` names the 8-bar progression each section plays (``"A"`` and ``"B"`` in the
    major key, ``"C"`` in its relative minor); ``energy`` is each section's intensity (1: the
    pads alone, softly; 2: with bass; 3: full); ``arp`` says whether the arpeggio plays in each
    section (never at energy 1) and ``arp_directions`` how; ``drum_masks`` gives, per drum
    instrument, which 4-bar units of its cycle it plays.
    """

    key: str
    progressions: dict
    sections: tuple[str, ...]
    energy: tuple[int, ...]
    arp: tuple[bool, ...]
    arp_directions: tuple[str, ...]
    drum_masks: dict

    def progression(self):
        """The whole form as one progression (every section's chords in order)."""
        chords, durations = [], []
        for label in self.sections:
            p = self.progressions[label]
            chords.extend(p.chords)
            durations.extend(p.durations_beats)
        return Progression(self.progressions["A"].key, tuple(chords), tuple(durations), bpm=CHILLWAVE_BPM)


def _distinct_progression(rng, key: str, others: list, at_least: int):
    """An 8-bar ambient-style progression in ``key`` with ``at_least`` different chords, not
    equal to any of ``others`` (chain seeds drawn from ``rng`` until one fits)."""
    best = None
    for _ in range(64):
        prog = generate_progression("ambient", bars=CHILLWAVE_SECTION_BARS, key=key,
                                    seed=int(rng.integers(1 << 30)), bars_per_chord=2,
                                    cadence=False, bpm=CHILLWAVE_BPM)  # fmt: skip
        if prog.figures in [o.figures for o in others]:
            continue
        best = prog
        if len(set(prog.figures)) >= at_least:
            return prog
    return best


def chillwave_form(seed: int = 0) -> ChillwaveForm:
    """The form the chillwave preset generates from ``seed`` (music21 is used here only)."""
    rng = np.random.default_rng([int(seed), 0xC1111])
    major, minor = _CHILLWAVE_KEYS[int(rng.integers(len(_CHILLWAVE_KEYS)))]
    a = _distinct_progression(rng, major, [], 3)
    b = _distinct_progression(rng, major, [a], 3)
    c = _distinct_progression(rng, minor, [], 2)
    # Section order: start on A; never three of a kind in a row; B and C each come back.
    while True:
        order = ["A"]
        while len(order) < CHILLWAVE_SECTIONS:
            choices = [x for x in "ABC" if not (len(order) >= 2 and order[-1] == order[-2] == x)]
            weights = np.array([{"A": 0.45, "B": 0.35, "C": 0.2}[x] for x in choices])
            order.append(choices[int(rng.choice(len(choices), p=weights / weights.sum()))])
        if order.count("B") >= 3 and order.count("C") >= 2:
            break
    # Energy wanders a step at a time from a soft opening; it falls back to 1 (a breakdown) at
    # least twice more.
    while True:
        energy = [1]
        for _ in range(CHILLWAVE_SECTIONS - 1):
            energy.append(int(min(3, max(1, energy[-1] + rng.choice((-1, 0, 1), p=(0.35, 0.25, 0.4))))))
        if energy[1:].count(1) >= 2 and energy.count(3) >= 4:
            break
    # The arpeggio plays in about two thirds of the sections with some energy.
    arp = tuple(e > 1 and bool(rng.random() < 0.7) for e in energy)
    directions = tuple(str(rng.choice(("updown", "up", "down"))) for _ in range(CHILLWAVE_SECTIONS))
    # Drums: every part is out for the first unit (the opening); kick and snare together drop
    # out for a second run of two units (a breakdown), hats and shaker for one more unit.
    masks = {}
    beat = [u != 0 for u in range(CHILLWAVE_DRUM_CYCLES["kick"])]
    gap = int(rng.integers(2, CHILLWAVE_DRUM_CYCLES["kick"] - 1))
    beat[gap] = beat[gap + 1] = False
    masks["kick"] = masks["snare"] = tuple(beat)
    for name in ("closed_hat", "shaker"):
        n = CHILLWAVE_DRUM_CYCLES[name]
        m = [u != 0 for u in range(n)]
        if n > 3:
            m[int(rng.integers(2, n))] = False
        masks[name] = tuple(m)
    return ChillwaveForm(a.key, {"A": a, "B": b, "C": c}, tuple(order), tuple(energy), arp, directions, masks)


def chillwave_progression(seed: int = 0):
    """The chillwave preset's progression for ``seed``: its whole 16-section form."""
    return chillwave_form(seed).progression()


def _phrase(part, velocity_scale=1.0) -> list:
    """A part's notes as a loop phrase; ``velocity_scale`` is a number, or a function of a
    note's start (in beats) giving its scale (0 leaves the note out)."""
    out = []
    for n in part.notes:
        k = velocity_scale(n.start_beats) if callable(velocity_scale) else velocity_scale
        if k > 0.0:
            out.append((n.start_beats, n.pitch, float(n.duration_beats), n.velocity * k))
    return out


def _drums_for(form: ChillwaveForm) -> Pattern:
    """The lo-fi chillhop groove, each part spread over its own cycle of 4-bar units, playing
    or resting unit by unit as the form's masks say."""
    beat = library.load("hip-hop/lo-fi-chillhop")
    # Softer kick, a touch more snare and hat: drums that sit under the pads.
    trims = {"kick": -4.0, "snare": 2.0, "closed_hat": 3.0}
    tracks = []
    for t in beat.tracks:
        bar = t.steps * (beat.steps_per_bar // len(t.steps))
        rest = (REST,) * len(bar)
        mask = form.drum_masks[t.instrument]
        steps = tuple(s for on in mask for _ in range(CHILLWAVE_UNIT_BARS) for s in (bar if on else rest))
        tracks.append(replace(t, steps=steps, gain_db=t.gain_db + trims.get(t.instrument, 0.0)))
    return beat.replace(tracks=tuple(tracks))


def chillwave(seed: int = 0) -> Soundscape:
    """A chillwave piece generated from ``seed`` (see :func:`chillwave_form`): a key, three
    8-bar progressions of the harmony code's ambient style (two in the major key, one in its
    relative minor) strung into a 16-section form whose energy rises and falls; a warm chorused
    pad voice-led through it (softer in quiet sections), a sub bass on the roots (resting in
    breakdowns), a pluck arpeggio into a dotted-eighth tape delay that plays in some sections and
    rests in others, and soft lo-fi drums whose kick and snare, hats and shaker each come and go
    on their own cycle of 4-bar units. The pads drift (filter, detune, level),
    and rain, sea and wind come and go on loops of minutes. 84 bpm."""
    form = chillwave_form(seed)
    prog = form.progression()
    length = float(prog.length_beats)
    section_beats = CHILLWAVE_SECTION_BARS * 4
    pad_part = pad(prog, voicing="open", low=50, high=78, n_voices=4, velocity=1.0)
    bass_part = bass(prog, "roots", low=33, high=50, velocity=1.0)

    def energy_at(beat) -> int:
        return form.energy[min(int(beat // section_beats), CHILLWAVE_SECTIONS - 1)]

    arp_notes = []
    for i, label in enumerate(form.sections):
        if not form.arp[i]:
            continue
        part = arpeggio(form.progressions[label], form.arp_directions[i], rate=2, low=62, octaves=2,
                        gate="1/2", velocity=0.6 if form.energy[i] == 2 else 0.75, seed=seed + i)  # fmt: skip
        arp_notes += [(n.start_beats + i * section_beats, n.pitch, float(n.duration_beats), n.velocity)
                      for n in part.notes]  # fmt: skip
    lush = Instrument("warm_pad", attack_s=1.2, release_s=3.0, cutoff_hz=1100.0, detune_cents=14.0, gain_db=-11.0)
    sub = Instrument("sub", release_s=0.3, gain_db=-13.0)
    pluck = Instrument("pluck", brightness=0.5, decay_s=1.8, gain_db=-4.0)
    rng = np.random.default_rng([int(seed), 0x7E47])
    loops = [
        Loop(_phrase(pad_part, lambda b: (0.0, 0.42, 0.6, 0.75)[energy_at(b)]), length, 0.0, unit="beats",
             instrument="lush", name="pads", sends={"chorus": 0.0, "reverb": -6.0}, timbre_drift=0.3,
             velocity_drift=0.2),
        Loop(_phrase(bass_part, lambda b: (0.0, 0.0, 0.7, 0.85)[energy_at(b)]), length, 0.0, unit="beats",
             instrument="sub", name="bass", gain_db=-2.0, velocity_drift=0.15),
        Loop(arp_notes, length, 0.0, unit="beats", instrument="pluck", name="arp",
             gain_db=-3.0, pan=0.2, sends={"delay": -4.0, "reverb": -10.0}, skip=0.08,
             velocity_drift=0.4, timbre_drift=0.4),
        # Weather on loops of minutes, entering at seeded times.
        Loop(None, 151.0, round(float(rng.uniform(20.0, 90.0)), 1), instrument="rain", name="rain",
             duration=95.0, gain_db=-14.0, envelope={"attack_s": 20.0, "release_s": 25.0},
             sends={"reverb": -14.0}),
        Loop(None, 113.0, round(float(rng.uniform(40.0, 120.0)), 1), instrument="ocean", name="sea",
             duration=60.0, gain_db=-12.0, envelope={"attack_s": 15.0, "release_s": 20.0},
             sends={"reverb": -14.0}),
        Loop(None, 197.0, round(float(rng.uniform(60.0, 160.0)), 1), instrument="wind", name="wind",
             duration=75.0, gain_db=-13.0, pan=-0.3, envelope={"attack_s": 18.0, "release_s": 22.0},
             sends={"reverb": -12.0}),
    ]  # fmt: skip
    drums = Drums(_drums_for(form), kit="lofi", gain_db=-6.0, sends={"reverb": -16.0}, start=0.0,
                  unit="beats", humanize_ms=4.0)  # fmt: skip
    buses = {
        "chorus": [Effect("chorus", rate_hz=0.25, depth_ms=4.0, delay_ms=14.0, mix=100.0)],
        "delay": [Effect("tape_delay", time_beats=0.75, feedback=38.0, wow_depth=0.2, mix=100.0)],
        "reverb": [Effect("reverb", decay_s=4.5, size=80.0, damping_hz=5500.0, predelay_s=0.03)],
    }
    evolve = [
        LFO("pads", "cutoff_hz", 0.6, period_s=97.0),
        Walk("pads", "detune_cents", 5.0, step_s=41.0),
        Walk("pads", "gain_db", 2.5, step_s=53.0),
        Walk("arp", "gain_db", 3.0, step_s=30.0),
        LFO("arp", "brightness", 0.15, period_s=71.0, phase=0.25),
        Walk("delay", "feedback", 10.0, step_s=37.0),
        Walk("reverb", "send", 3.0, step_s=45.0),
        Walk("rain", "gain_db", 4.0, step_s=55.0),
        Walk("sea", "gain_db", 4.0, step_s=40.0),
    ]
    return Soundscape(
        loops, name="chillwave", description=PRESETS["chillwave"].description, bpm=CHILLWAVE_BPM,
        instruments={"lush": lush, "sub": sub, "pluck": pluck}, buses=buses, drums=[drums],
        master=[Effect("eq", low_hz=35.0, low_db=-3.0, high_hz=7000.0, high_db=-4.0),
                Effect("compressor", threshold_db=-20.0, ratio=2.0, attack_s=0.03, release_s=0.3, makeup_db=1.0),
                Effect("saturation", drive_db=3.0, mix=30.0)],
        evolve=evolve, length_s=PRESETS["chillwave"].minutes * 60.0, fade_out_s=10.0,
    )  # fmt: skip


_BUILDERS: dict[str, Callable[..., Soundscape]] = {
    "airports": airports,
    "discreet": discreet,
    "phase": phase,
    "drift": drift,
    "chillwave": chillwave,
}
