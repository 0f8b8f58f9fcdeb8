"""Many renders at once, on Dask: data sets and albums.

- :func:`render_many` -- run picklable work items on a local Dask cluster or a running one;
  :class:`Batch` -- several rounds of items on one cluster (an album's tracks, masters, files);
  :class:`RenderJob` -- the item for "render this source to that file" (songs, albums);
- :mod:`groovebox.batch.spec` -- dataset specs (TOML, see ``datasets/README.md``);
- :mod:`groovebox.batch.plan` -- every item's parameters from the seed and its index;
- :mod:`groovebox.batch.item` -- render one item: mix, stems, labels, MIDI, checked;
- :mod:`groovebox.batch.writers` -- item folders, manifest and data card, written atomically;
- :mod:`groovebox.batch.dataset` -- :func:`make_dataset`: all of it, resumable.
"""

from __future__ import annotations

from groovebox.batch.dataset import DatasetResult, make_dataset
from groovebox.batch.jobs import RenderJob
from groovebox.batch.plan import ItemPlan, plan_items
from groovebox.batch.runner import Batch, BatchError, render_many
from groovebox.batch.spec import DatasetSpec, load_spec, parse_spec

__all__ = ["Batch", "BatchError", "DatasetResult", "DatasetSpec", "ItemPlan", "RenderJob", "load_spec", "make_dataset",
           "parse_spec", "plan_items", "render_many"]
