"""Albums: render a record's tracks in parallel with one album loudness, tags, cover and CUE.

- :func:`render_album` (:mod:`groovebox.albums.render`) -- ``groovebox album album.toml -o OUT``;
  Its tracks render in parallel on Dask (:class:`groovebox.batch.Batch`).

The album's values live in :mod:`groovebox.model.album`, its file in
:mod:`groovebox.formats.album_toml`, the generator in :mod:`groovebox.generators.album`.
"""

from __future__ import annotations

from groovebox.albums.render import AlbumResult, album_tracks, render_album

__all__ = ["AlbumResult", "album_tracks", "render_album"]
