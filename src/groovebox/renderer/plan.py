"""``plan(source, options)``: any renderable source -> a RenderPlan, by the source's type.

One generic function (:func:`functools.singledispatch`) with one implementation per kind of
source, so a subclass plans like its parent and a reader can follow the call:

============================  =================================================================
Pattern                       :func:`groovebox.renderer.pattern.plan_pattern`
library id or pattern file    loaded with :func:`groovebox.library.load`, then as a Pattern
Soundscape                    :func:`groovebox.renderer.soundscape.plan_soundscape`
Arrangement                   :func:`groovebox.renderer.arrangement.plan_arrangement`
Progression                   :func:`groovebox.renderer.arrangement.plan_progression`
Song                          :func:`groovebox.renderer.song.plan_song`
RenderPlan                    itself
============================  =================================================================

A new kind of source registers its planner here with ``@plan.register``.

>>> import groovebox as gb
>>> plan("funk/cissy-strut", RenderOptions(bars=1)).label
'funk/cissy-strut'
"""

from __future__ import annotations

import os
from functools import singledispatch

from groovebox import library
from groovebox.errors import GrooveboxTypeError
from groovebox.model.arrangement import Arrangement
from groovebox.model.notes import Progression
from groovebox.model.options import RenderOptions
from groovebox.model.pattern import Pattern
from groovebox.model.song import Song
from groovebox.model.soundscape import Soundscape
from groovebox.renderer.arrangement import plan_arrangement, plan_progression
from groovebox.renderer.pattern import plan_pattern
from groovebox.renderer.program import RenderPlan
from groovebox.renderer.song import plan_song
from groovebox.renderer.soundscape import plan_soundscape

__all__ = ["plan"]


@singledispatch
def plan(source, options: RenderOptions | None = None, **extra) -> RenderPlan:
    """How to render ``source`` with ``options``.

    Parameters
    ----------
    source : Pattern, str, PathLike, Soundscape, Arrangement, Progression or RenderPlan
    options : RenderOptions, optional
    **extra
        Options only one kind of source takes (a bare Progression: ``gb.arrange`` keywords).

    Returns
    -------
    RenderPlan
    """
    raise GrooveboxTypeError(f"cannot render a {type(source).__name__}; expected a Pattern, a pattern id or "
                         f".toml path, a Soundscape, an Arrangement or a Progression")


def _no_extra(extra: dict, what: str) -> None:
    if extra:
        raise GrooveboxTypeError(f"render: unknown option '{sorted(extra)[0]}' for {what}")


@plan.register
def _(source: RenderPlan, options: RenderOptions | None = None, **extra) -> RenderPlan:
    _no_extra(extra, "a ready render plan")
    return source


@plan.register
def _(source: Pattern, options: RenderOptions | None = None, **extra) -> RenderPlan:
    _no_extra(extra, "a pattern")
    return plan_pattern(source, options)


@plan.register(str)
@plan.register(os.PathLike)
def _(source, options: RenderOptions | None = None, **extra) -> RenderPlan:
    _no_extra(extra, "a pattern")
    return plan_pattern(library.load(source), options)


@plan.register
def _(source: Soundscape, options: RenderOptions | None = None, **extra) -> RenderPlan:
    _no_extra(extra, "a soundscape")
    return plan_soundscape(source, options)


@plan.register
def _(source: Arrangement, options: RenderOptions | None = None, **extra) -> RenderPlan:
    _no_extra(extra, "an arrangement (set parts, drums and tempo with gb.arrange)")
    return plan_arrangement(source, options)


@plan.register
def _(source: Progression, options: RenderOptions | None = None, **extra) -> RenderPlan:
    return plan_progression(source, options, **extra)


@plan.register
def _(source: Song, options: RenderOptions | None = None, **extra) -> RenderPlan:
    _no_extra(extra, "a song (its tempo, kits and seed are in the song map)")
    return plan_song(source, options)
