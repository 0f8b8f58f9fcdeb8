"""Generators: seeded progressions and the parts played over them (bass, arpeggio, pad, melody).

Generators build pure model values; they never touch audio. Import the modules directly:
``from groovebox.generators import parts, progressions``.
"""
