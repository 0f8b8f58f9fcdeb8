"""Reload a pattern file whenever it is saved, keeping the last good version when it breaks.

:class:`PatternWatcher` watches the file's folder (editors often save by writing a new file and
renaming it over the old one, which a watch on the file alone would lose), re-reads the file
after each burst of changes and hands every good version to ``on_pattern``; a version that
does not parse, or a file that is gone or unreadable, goes to ``on_error`` as one line, and
nothing else happens, so whatever plays the last good version keeps playing it.

``groovebox play FILE.toml --watch`` queues each new version on the next bar line
(:func:`watch_player`); the studio does the same for the file it has open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from groovebox.errors import GrooveboxError
from groovebox.formats import pattern_toml
from groovebox.model.pattern import Pattern

__all__ = ["PatternWatcher", "watch_player"]

STILL = "still playing the last good version"


class PatternWatcher:
    """Watch one pattern file in a background thread.

    Parameters
    ----------
    path : str or Path
        The pattern file.
    on_pattern : callable
        Receives each new good version (a Pattern that differs from the last one).
    on_error : callable
        Receives a one-line message for a broken, deleted or unreadable version.
    pattern_id : str, optional
        Library id to give the patterns read.
    """

    def __init__(self, path, on_pattern: Callable[[Pattern], None], on_error: Callable[[str], None], *,
                 pattern_id: str | None = None, last: Pattern | None = None):
        self.path = Path(path).expanduser().absolute()
        self.on_pattern = on_pattern
        self.on_error = on_error
        self.pattern_id = pattern_id
        self.last = last
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> PatternWatcher:
        """Start watching (returns once the watch is in place)."""
        # watchfiles is an optional extra (groovebox[studio]): imported when a watch starts.
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            raise GrooveboxError("watching files needs watchfiles: pip install 'groovebox[studio]'") from None
        if not self.path.parent.is_dir():
            raise GrooveboxError(f"{self.path}: cannot watch: its folder does not exist")
        self._thread = threading.Thread(target=self._run, name=f"groovebox-watch-{self.path.name}", daemon=True)
        self._thread.start()
        self._ready.wait(5.0)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)

    def _run(self) -> None:
        import watchfiles  # optional extra, see start()

        folder = str(self.path.parent)
        target = str(self.path)

        def only_ours(change, path: str) -> bool:
            return path == target

        try:
            for _ in watchfiles.watch(folder, watch_filter=only_ours, stop_event=self._stop, debounce=400, step=30,
                                      rust_timeout=200, yield_on_timeout=True, raise_interrupt=False, recursive=False,
                                      ignore_permission_denied=True):
                self._ready.set()
                if self._stop.is_set():
                    break
                if _:  # an empty set is a timeout: nothing changed
                    self.reload()
        except Exception as exc:  # the folder itself went away, or the watch failed
            if not self._stop.is_set():
                self.on_error(f"{self.path}: stopped watching ({exc}); {STILL}")
        finally:
            self._ready.set()

    def reload(self) -> Pattern | None:
        """Read the file now; hand a new good version on (returned), or the error."""
        if not self.path.exists():
            self.on_error(f"{self.path}: the file is gone; {STILL}")
            return None
        try:
            pattern = pattern_toml.load(self.path, pattern_id=self.pattern_id)
        except GrooveboxError as exc:
            self.on_error(f"{exc}; {STILL}")
            return None
        if self.last is not None and pattern == self.last:
            return None  # saved without a change (or our own save)
        self.last = pattern
        self.on_pattern(pattern)
        return pattern


def watch_player(player, path, on_message: Callable[[str], None]) -> PatternWatcher:
    """Queue each new version of ``path`` on ``player`` at the next bar line; report each switch
    and each broken version through ``on_message``."""
    def switch(pattern: Pattern) -> None:
        try:
            at = player.queue(pattern)
        except GrooveboxError as exc:
            on_message(str(exc))
            return
        bar = at / player.sample_rate
        on_message(f"reloaded {path}: the new version starts at {bar:.2f} s (the next bar line)")

    return PatternWatcher(path, switch, on_message, last=player.pattern).start()
