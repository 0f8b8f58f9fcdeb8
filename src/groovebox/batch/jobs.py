"""Ready-made work items for :func:`~groovebox.batch.runner.render_many`.

:class:`RenderJob` renders any source ``gb.render`` takes (a pattern id, a Pattern, a
Soundscape, an Arrangement...) to a file, so a list of songs, an album or a folder of
variations is one call:

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> jobs = [RenderJob("funk/cissy-strut", os.path.join(d, "a.wav"), {"bars": 1}),
...         RenderJob("house/chicago-house", os.path.join(d, "b.flac"), {"bars": 1, "kit": "909"})]
>>> [os.path.basename(r["path"]) for r in render_many(jobs, workers=0)]
['a.wav', 'b.flac']
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from groovebox.batch.runner import render_many
from groovebox.offline import render

__all__ = ["RenderJob", "render_many"]


@dataclass(frozen=True)
class RenderJob:
    """Render ``source`` to ``path`` with ``options`` (``gb.render`` keywords), atomically.

    ``run()`` returns ``{"path", "frames", "seconds", "sha256"}``. The source must pickle (library
    ids, pattern files and the model's values all do) and ``path`` must be writable from the
    worker (a shared folder on a cluster of several machines).
    """

    source: object
    path: str
    options: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.source if isinstance(self.source, str) else type(self.source).__name__} -> {self.path}"

    def run(self) -> dict:
        import soundfile as sf  # libsndfile: only to read the length back

        path = Path(render(self.source, path=os.fspath(self.path), progress=False, **self.options))
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        info = sf.info(str(path))
        return {"path": str(path), "frames": int(info.frames), "seconds": info.frames / info.samplerate,
                "sha256": h.hexdigest()}
