"""``groovebox instruments`` — the tonal instruments ``--instrument`` and song parts take.

Reads the model's tables only (no Numba, no music21), so it answers at once.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("instruments", help="list the tonal instruments (for --instrument and song parts)",
                       description="The tonal instruments progressions and song parts play (--instrument "
                                   "NAME), the voice each is built on, and whether it holds its notes; "
                                   "then the voice presets and kinds an ambient Loop takes "
                                   "(gb.Loop(..., instrument=NAME)).")
    p.set_defaults(func=cmd_instruments)


def cmd_instruments(args) -> int:
    from groovebox.cli.text import plural, width, wrap_cells
    from groovebox.model.arrangement import INSTRUMENTS
    from groovebox.model.patch import KIND_NAMES, PRESETS

    name_w = max(len("instrument"), *(len(n) for n in INSTRUMENTS))
    voice_w = max(len("voice"), *(len(i.preset) for i in INSTRUMENTS.values()))
    print(f"{'instrument':<{name_w}}  {'voice':<{voice_w}}  notes")
    for name, inst in INSTRUMENTS.items():
        print(f"{name:<{name_w}}  {inst.preset:<{voice_w}}  {'held' if inst.sustains else 'ring out'}")
    print(plural(len(INSTRUMENTS), "instrument") + " for --instrument and song parts")
    print()
    room = width() - 2
    for label, names in (("voice presets (ambient loops):", PRESETS), ("voice kinds:", KIND_NAMES)):
        for line in wrap_cells([label, ", ".join(names)], [30, max(20, room - 32)]):
            print(line)
    return 0
