"""Pure musical values: patterns, kits, loops, songs. No numba, no audio, no files."""
