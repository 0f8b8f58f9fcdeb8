"""groovebox: make music from patterns.

Importing groovebox is cheap: it opens no audio device and compiles nothing. The heavy parts
(Numba kernels, music21, sounddevice, matplotlib) load when first used.
"""

__version__ = "0.1.0"
