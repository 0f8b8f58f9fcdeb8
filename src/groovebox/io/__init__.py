"""Audio out: files (soundfile) and devices (sounddevice)."""
