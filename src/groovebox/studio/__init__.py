"""The studio: edit patterns on a step grid you can click, in the browser and in notebooks.

* :mod:`groovebox.studio.edits` — grid edits as pure functions on Pattern values
* :mod:`groovebox.studio.session` — a studio session: pattern, history, file, transport
* :mod:`groovebox.studio.transport` — playback on the sound card or streamed to the browser
* :mod:`groovebox.studio.server` — the local web app (``groovebox studio``)
* :mod:`groovebox.studio.widget` — ``gb.grid(pattern)``, the same grid as a Jupyter widget

The web stack (Starlette, uvicorn, anywidget, watchfiles) is the optional extra
``groovebox[studio]``; nothing here is imported by ``import groovebox``.
"""
