"""The studio's state: the pattern being edited, its history, its file, mutes and solos, and
the transport that plays it.

:meth:`Studio.handle` takes one message (a dict, as the page sends it as JSON) and returns the
reply; every change is then announced to ``on_event`` listeners (the server pushes them to the
open pages). A message that cannot be applied raises a one-line
:class:`~groovebox.studio.edits.StudioError` and changes nothing.

>>> s = Studio("rock/straight-eighths", audio="browser", watch=False)
>>> s.handle({"op": "cell", "track": "snare", "step": 0, "state": "accent"})["ok"]
True
>>> s.pattern.track("snare").grid[0], s.handle({"op": "undo"})["ok"], s.pattern.track("snare").grid[0]
('X', True, '.')
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from groovebox import library
from groovebox.errors import GrooveboxError
from groovebox.exporter import export
from groovebox.formats import pattern_toml
from groovebox.live.watch import PatternWatcher
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.kit import BUILTIN_KITS
from groovebox.model.pattern import Pattern, Step, Track
from groovebox.renderer.pattern import DEFAULT_KIT
from groovebox.studio import edits, files
from groovebox.studio.edits import StudioError
from groovebox.studio.transport import MODES, Transport, pick_mode

__all__ = ["Studio", "blank_pattern"]

MAX_HISTORY = 500
MAX_FILE_CHARS = 1_000_000
EXPORT_BARS = (1, 256)


def blank_pattern() -> Pattern:
    """A new pattern: one bar of 16ths, kick, snare and closed hat, all rests."""
    return Pattern(name="untitled", genre="mine", description="Made in groovebox studio.",
                   tracks=tuple(Track(i, (Step(),) * 16) for i in ("kick", "snare", "closed_hat")))



def _shown(path: Path) -> str:
    """``path`` as the page shows it: relative to the folder the studio runs in when inside it,
    else with ``~`` for the home folder (shorter, and a screenshot gives away no home folder)."""
    path = Path(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        pass
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)

class Studio:
    """One studio session.

    Parameters
    ----------
    pattern : Pattern, str or PathLike, optional
        What to open: a pattern, a library id or a pattern file (default: a blank pattern).
    audio : "auto", "device" or "browser"
        Where it plays; ``auto`` picks the sound card when there is one.
    device : int or str, optional
        The output device for device mode.
    out_dir : Path, optional
        Where exports go (default: the current folder).
    patterns_dir : Path, optional
        Where patterns are saved (default: :func:`groovebox.library.user_root`).
    """

    def __init__(self, pattern=None, *, audio: str = "auto", device=None, out_dir=None, patterns_dir=None,
                 blocksize: int | None = None, watch: bool = True):
        mode, self.audio_where = pick_mode(audio, device)
        self.device = device
        self.out_dir = Path(out_dir if out_dir is not None else Path.cwd()).expanduser().absolute()
        self._patterns_dir = None if patterns_dir is None else Path(patterns_dir).expanduser().absolute()
        self.lock = threading.RLock()
        self.listeners: list[Callable[[dict], None]] = []
        self.transport = Transport(mode, device=device, blocksize=blocksize, on_message=self.say)
        self.history: list[tuple[Pattern, str]] = []  # undo stack: (pattern before, what changed)
        self.future: list[tuple[Pattern, str]] = []
        self.mute: set[str] = set()
        self.solo: set[str] = set()
        self.path: Path | None = None  # the file open, watched for outside edits
        self.saved: Pattern | None = None
        self.watch = watch
        self._watcher: PatternWatcher | None = None
        self.messages: list[str] = []
        self.revision = 0
        if pattern is None:
            self.pattern = blank_pattern()
        else:
            self.pattern = pattern if isinstance(pattern, Pattern) else library.load(pattern)
            self._opened(self.pattern)

    # -- events ---------------------------------------------------------------------------------
    def emit(self, event: dict) -> None:
        for listener in list(self.listeners):
            listener(event)

    def say(self, message: str) -> None:
        """A one-line notice for the pages (and the log)."""
        self.messages = [*self.messages[-99:], message]
        self.emit({"type": "message", "message": message})

    @property
    def patterns_dir(self) -> Path:
        return self._patterns_dir or library.user_root()

    @property
    def dirty(self) -> bool:
        return self.pattern != self.saved

    def view(self) -> dict:
        """Everything a page draws."""
        p = self.pattern
        return {
            "type": "state",
            "revision": self.revision,
            "pattern": edits.pattern_view(p),
            "mute": sorted(self.mute),
            "solo": sorted(self.solo),
            "playing": self.transport.playing,
            "preview": self.transport.playing_id,
            "audio": self.transport.mode,
            "audio_where": self.audio_where,
            "file": _shown(self.path) if self.path else None,
            "save_name": self.path.stem if self.path else files.slug(p.name),
            "dirty": self.dirty,
            "can_undo": bool(self.history),
            "can_redo": bool(self.future),
            "undo": self.history[-1][1] if self.history else None,
            "redo": self.future[-1][1] if self.future else None,
            "kits": list(BUILTIN_KITS),
            "kit": p.kit or DEFAULT_KIT,
            "instruments": list(INSTRUMENTS),
            "patterns_dir": str(self.patterns_dir),
            "out_dir": str(self.out_dir),
        }

    def _changed(self) -> None:
        self.revision += 1
        self.emit(self.view())
        self.emit({"type": "timeline", **self.transport.timeline()})

    # -- messages -------------------------------------------------------------------------------
    def handle(self, msg: object) -> dict:
        """Apply one message; returns ``{"ok": True, ...}``, or ``{"ok": False, "ask": ...}``
        when it needs the user's go-ahead (resend it with ``"overwrite": true``).

        Raises
        ------
        StudioError
            The message is malformed or cannot be applied (nothing changed).
        """
        if not isinstance(msg, Mapping):
            raise StudioError(f"expected a message object, got {type(msg).__name__}")
        op = msg.get("op")
        with self.lock:
            if op in edits.EDIT_OPS:
                new = edits.apply(self.pattern, msg)
                self._commit(new, _label(msg))
                return {"ok": True, "revision": self.revision}
            handler = getattr(self, f"_op_{op}", None) if isinstance(op, str) and op.isidentifier() else None
            if handler is None:
                known = sorted([*edits.EDIT_OPS, *(n[4:] for n in dir(self) if n.startswith("_op_"))])
                raise StudioError(f"unknown message {str(op)[:40]!r}; expected one of {', '.join(known)}")
            reply = handler(msg) or {}
            return {"ok": True, "revision": self.revision, **reply}

    # -- the pattern and its history ------------------------------------------------------------
    def _commit(self, new: Pattern, label: str, *, playing=None) -> None:
        old = self.pattern
        if new == old and new.id == old.id:
            return
        self._hear(old, new)
        self.history = [*self.history[-(MAX_HISTORY - 1):], (old, label)]
        self.future = []
        self.pattern = new
        self._drop_mix(new)
        self._changed()

    def _hear(self, old: Pattern, new: Pattern) -> None:
        try:
            self.transport.edit(old, new)
        except GrooveboxError as exc:
            raise StudioError(f"cannot play the change: {exc}") from None

    def _drop_mix(self, p: Pattern) -> None:
        gone = {n for n in self.mute | self.solo if n not in p.instruments}
        if gone:
            self.mute -= gone
            self.solo -= gone
            self.transport.mix(self.mute, self.solo)

    def _op_undo(self, msg):
        if not self.history:
            raise StudioError("nothing to undo")
        old, label = self.history.pop()
        self._hear(self.pattern, old)
        self.future.append((self.pattern, label))
        self.pattern = old
        self._drop_mix(old)
        self._changed()
        return {"undone": label}

    def _op_redo(self, msg):
        if not self.future:
            raise StudioError("nothing to redo")
        new, label = self.future.pop()
        self._hear(self.pattern, new)
        self.history.append((self.pattern, label))
        self.pattern = new
        self._drop_mix(new)
        self._changed()
        return {"redone": label}

    def _op_state(self, msg):
        return {"state": self.view(), "timeline": self.transport.timeline()}

    def _op_pattern(self, msg):
        """The pattern as TOML (what a save would write)."""
        return {"toml": pattern_toml.dumps(self.pattern)}

    # -- mix ------------------------------------------------------------------------------------
    def _op_mute(self, msg):
        return self._mix(msg, self.mute)

    def _op_solo(self, msg):
        return self._mix(msg, self.solo)

    def _mix(self, msg, which: set[str]):
        name = edits._name(msg, "track", self.pattern.instruments)
        on = msg.get("on", name not in which)
        if not isinstance(on, bool):
            raise StudioError(f"{msg['op']}: on: expected true or false, got {on!r}")
        (which.add if on else which.discard)(name)
        self.transport.mix(self.mute, self.solo)
        self._changed()

    # -- opening --------------------------------------------------------------------------------
    def _opened(self, p: Pattern, path: Path | None = None) -> None:
        self.saved = p
        if path is None and p.id:
            try:
                path = library.pattern_path(p.id)
            except GrooveboxError:
                path = None
        if path is None and p.path:
            path = Path(p.path)
        self._watch(path)

    def _watch(self, path: Path | None) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self.path = None if path is None else Path(path).absolute()
        if self.path is not None and self.watch:
            try:
                self._watcher = PatternWatcher(self.path, self._reloaded, self.say, pattern_id=self.pattern.id,
                                               last=self.pattern).start()
            except GrooveboxError as exc:
                self.say(str(exc))

    def _reloaded(self, p: Pattern) -> None:
        """The open file changed outside: its new version becomes an undoable edit, heard on the
        next bar line."""
        with self.lock:
            old = self.pattern
            try:
                if self.transport.playing:
                    self.transport.queue(p)
            except GrooveboxError as exc:
                self.say(f"{self.path}: {exc}")
                return
            self.history.append((old, "reload from disk"))
            self.future = []
            self.pattern = p
            self.saved = p
            self._drop_mix(p)
            self.say(f"reloaded {self.path.name} (changed on disk)")
            self._changed()

    def _replace(self, p: Pattern, label: str, path: Path | None = None) -> None:
        old = self.pattern
        if self.transport.playing:
            try:
                self.transport.queue(p)
            except GrooveboxError as exc:
                raise StudioError(f"cannot play '{p.id or p.name}': {exc}") from None
        self.history = [*self.history[-(MAX_HISTORY - 1):], (old, label)]
        self.future = []
        self.pattern = p
        self._drop_mix(p)
        self._opened(p, path)
        self._changed()

    def _op_load(self, msg):
        ref = msg.get("id")
        if not isinstance(ref, str) or "/" not in ref or ref.endswith(".toml") or ".." in ref:
            raise StudioError(f"load: id: expected a library id like 'funk/cissy-strut', got {ref!r}")
        try:
            p = library.load(ref)
        except GrooveboxError as exc:
            raise StudioError(f"load: {exc}") from None
        self._replace(p, f"load {ref}")
        return {"id": p.id}

    def _op_open(self, msg):
        """A pattern file's text from the browser (its name is only for messages)."""
        name = msg.get("name", "pattern.toml")
        text = msg.get("text")
        if not isinstance(name, str) or len(name) > 200:
            raise StudioError("open: name: expected a file name")
        if not isinstance(text, str) or len(text) > MAX_FILE_CHARS:
            raise StudioError(f"open: text: expected the file's text (at most {MAX_FILE_CHARS} characters)")
        try:
            p = pattern_toml.loads(text, path=Path(name).name)
        except GrooveboxError as exc:
            raise StudioError(str(exc)) from None
        self._replace(p, f"open {Path(name).name}")
        self.path = None  # an upload: saved by name into the patterns folder
        self.saved = None
        self.emit(self.view())

    def _op_new(self, msg):
        self._replace(blank_pattern(), "new pattern")
        self.saved = None
        self.emit(self.view())

    # -- saving and exporting -------------------------------------------------------------------
    def _op_save(self, msg):
        name = msg.get("name") or (self.path.stem if self.path else files.slug(self.pattern.name))
        pid, path = files.pattern_file(self.pattern.genre, name, self.patterns_dir)
        overwrite = msg.get("overwrite", False) is True
        # Saving over the file this session opened or saved needs no question, unless it is the
        # library shipped with groovebox.
        ours = (self.path is not None and path.absolute() == self.path and path.exists()
                and not path.resolve().is_relative_to(library.builtin_root().resolve()))
        if not overwrite and not ours:
            if path.exists():
                return {"ok": False, "ask": f"{path} exists; overwrite it?"}
            if pid in library.pattern_ids() and library.pattern_path(pid).absolute() != path.absolute():
                return {"ok": False, "ask": f"'{pid}' is a library pattern; save your version over it "
                                           f"(in {self.patterns_dir}, the library file stays as it is)?"}
        p = self.pattern.replace(id=pid)
        # A pattern file needs a genre and a description; say where it came from when it has none.
        if not p.genre.strip():
            p = p.replace(genre=pid.split("/")[0])
        if not p.description.strip():
            p = p.replace(description="Made in groovebox studio.")
        if self._watcher is not None:
            self._watcher.last = p  # our own save is not an outside change
        pattern_toml.dump(p, path)
        library.clear_cache()
        self.pattern = p
        self._opened(p, path)
        self._changed()
        return {"path": str(path), "id": pid}

    def _op_export(self, msg):
        fmt = msg.get("format", "wav")
        name = msg.get("name") or files.slug(self.pattern.name)
        path = files.export_path(name, fmt, self.out_dir)
        bars = msg.get("bars", max(4, int(-(-self.pattern.length_steps // self.pattern.steps_per_bar))))
        if isinstance(bars, bool) or not isinstance(bars, int) or not EXPORT_BARS[0] <= bars <= EXPORT_BARS[1]:
            raise StudioError(f"export: bars: expected a whole number {EXPORT_BARS[0]}..{EXPORT_BARS[1]}, got {bars!r}")
        if path.exists() and msg.get("overwrite", False) is not True:
            return {"ok": False, "ask": f"{path} exists; overwrite it?"}
        try:
            export(self.pattern, path, bars=bars, kit=self.pattern.kit or DEFAULT_KIT,
                   mute=sorted(self.mute) or None, solo=sorted(self.solo) or None)
        except GrooveboxError as exc:
            raise StudioError(f"export: {exc}") from None
        self.say(f"wrote {path}")
        return {"path": str(path), "download": f"/download/{path.name}"}

    # -- transport ------------------------------------------------------------------------------
    def _op_play(self, msg):
        try:
            if self.transport.playing and self.transport.playing_id is not None:
                self.transport.edit(self.pattern, self.pattern)
            elif not self.transport.playing:
                self.transport.start(self.pattern, mute=self.mute, solo=self.solo)
        except GrooveboxError as exc:
            raise StudioError(f"play: {exc}") from None
        self._changed()

    def _op_stop(self, msg):
        line = self.transport.stop()
        self._changed()
        return {"summary": line}

    def _op_preview(self, msg):
        ref = msg.get("id")
        if not isinstance(ref, str) or "/" not in ref or ref.endswith(".toml") or ".." in ref:
            raise StudioError(f"preview: id: expected a library id like 'funk/cissy-strut', got {ref!r}")
        try:
            p = library.load(ref)
            if self.transport.playing:
                self.transport.queue(p)
            else:
                self.transport.start(p)
        except GrooveboxError as exc:
            raise StudioError(f"preview: {exc}") from None
        self.transport.playing_id = p.id
        self._changed()

    def _op_audio(self, msg):
        mode = msg.get("mode")
        if mode not in MODES:
            raise StudioError(f"audio: mode: expected one of {', '.join(MODES)}, got {mode!r}")
        if mode == self.transport.mode:
            return None
        was_playing = self.transport.playing
        try:
            _, where = pick_mode(mode, self.device)
        except GrooveboxError as exc:
            raise StudioError(f"audio: {exc}") from None
        self.transport.set_mode(mode)
        self.audio_where = where
        if was_playing:
            self._op_play({})
        self._changed()

    def close(self) -> None:
        """Stop playing and watching."""
        with self.lock:
            self.transport.stop()
            if self._watcher is not None:
                self._watcher.stop()
                self._watcher = None


def _label(msg: Mapping) -> str:
    op = msg["op"]
    if op == "cell":
        return f"{msg.get('track')} step {int(msg.get('step', 0)) + 1}: {msg.get('state')}"
    if op == "lane":
        return f"{msg.get('track')} step {int(msg.get('step', 0)) + 1}: {msg.get('lane')}"
    if op in ("add_track", "remove_track"):
        return f"{op.replace('_', ' ')} {msg.get('instrument') or msg.get('track')}"
    if op == "header":
        return "set " + ", ".join(k for k in msg if k != "op")
    return op.replace("_", " ")
