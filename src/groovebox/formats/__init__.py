"""Readers and writers for pattern files and other formats."""
