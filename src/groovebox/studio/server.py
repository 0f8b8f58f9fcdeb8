"""The studio's web server: a small Starlette app on 127.0.0.1, run by uvicorn.

Routes:

=====================  ===========================================================================
``GET /``              the page (``static/index.html``; plain HTML, JS and CSS, no build step)
``GET /static/...``    its scripts and styles
``GET /api/library``   library patterns (``genre``, ``q``, ``bpm=90-110``), ``/api/genres``
``GET /api/state``     the session (``Studio.view``); ``/api/pattern.toml`` the pattern as saved
``POST /api/op``       one message (JSON), the reply as JSON: what scripts and tests use
``WS /ws``             the page's channel: messages in (``ref`` pairs a reply), replies and
                       pushed state out
``WS /ws/audio``       browser audio: float32 stereo blocks out, play reports in
``GET /download/N``    an exported file, by name, from the output folder
=====================  ===========================================================================

Security: the server listens on the loopback address only, and refuses (403) any request whose
``Host`` is not its own address (a DNS-rebinding page) or whose ``Origin``, when a browser sends
one, is not its own page (a cross-site write or WebSocket). Files are named, never given as
paths (:mod:`groovebox.studio.files`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import socket
import threading
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from groovebox import library
from groovebox.errors import GrooveboxError
from groovebox.formats import pattern_toml
from groovebox.studio import files
from groovebox.studio.edits import StudioError
from groovebox.studio.session import Studio

__all__ = ["StudioServer", "bind", "make_app"]

STATIC = Path(__file__).resolve().parent / "static"
HOST = "127.0.0.1"
MAX_MESSAGE = 2_000_000  # bytes of one message from a page (a pattern file's text fits)
CLOCK_HZ = 20


def bind(port: int = 0) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (``port`` 0: a free one), or a one-line error."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise GrooveboxError(f"port: expected 0..65535, got {port!r}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise GrooveboxError(f"port {port} is in use on {HOST}; pick another with --port, or 0 for any free one") from None
        raise GrooveboxError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    sock.listen(64)
    sock.setblocking(False)
    return sock


class _Guard:
    """ASGI middleware: only our own Host, and our own Origin when one is sent."""

    def __init__(self, app, port_of):
        self.app = app
        self.port_of = port_of

    def _allowed_hosts(self) -> set[str]:
        port = self.port_of()
        return {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        hosts = self._allowed_hosts()
        host = headers.get("host", "")
        origin = headers.get("origin")
        why = None
        if host not in hosts:
            why = f"refused: Host '{host[:80]}' is not this studio's address"
        elif origin is not None and origin not in {f"http://{h}" for h in hosts}:
            why = f"refused: Origin '{origin[:80]}' is not this studio's page"
        if why is None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": why[:120]})
            return
        await PlainTextResponse(why, status_code=403)(scope, receive, send)


def _error(exc: Exception) -> dict:
    return {"ok": False, "error": str(exc)}


def make_app(studio: Studio, port_of=lambda: 0) -> Starlette:
    """The ASGI app serving ``studio`` (``port_of()`` gives the port it listens on)."""
    clients: set[asyncio.Queue] = set()
    audio_owner: dict = {"ws": None}
    state: dict = {"loop": None}

    def push(event: dict) -> None:  # any thread -> every page
        loop = state["loop"]
        if loop is None:
            return
        data = json.dumps(event)
        for q in list(clients):
            loop.call_soon_threadsafe(q.put_nowait, data)

    studio.listeners.append(push)

    async def handle(msg) -> dict:
        try:
            return await run_in_threadpool(studio.handle, msg)
        except StudioError as exc:
            return _error(exc)
        except GrooveboxError as exc:
            return _error(exc)

    # -- http -------------------------------------------------------------------------------------
    async def index(request: Request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def api_library(request: Request):
        genre = request.query_params.get("genre") or None
        text = request.query_params.get("q") or None
        bpm = request.query_params.get("bpm") or None
        bpm_range = None
        if bpm:
            try:
                lo, _, hi = bpm.partition("-")
                bpm_range = (float(lo), float(hi or lo))
            except ValueError:
                return JSONResponse(_error(f"bpm: expected a range like 90-110, got {bpm[:40]!r}"), 400)
        errors: list = []
        found = await run_in_threadpool(library.search, genre=genre, bpm_range=bpm_range, text=text, errors=errors)
        return JSONResponse({
            "ok": True,
            "patterns": [{"id": p.id, "name": p.name, "genre": p.genre, "bpm": p.bpm, "bars": float(p.bars),
                          "description": p.description, "tracks": len(p.tracks)} for p in found],
            "errors": [str(e) for e in errors],
        })

    async def api_genres(request: Request):
        counts = await run_in_threadpool(library.genres, [])
        return JSONResponse({"ok": True, "genres": counts})

    async def api_state(request: Request):
        return JSONResponse(studio.view())

    async def api_pattern_toml(request: Request):
        return PlainTextResponse(pattern_toml.dumps(studio.pattern), media_type="application/toml")

    async def api_op(request: Request):
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse(_error("expected a JSON body (Content-Type: application/json)"), 415)
        body = await request.body()
        if len(body) > MAX_MESSAGE:
            return JSONResponse(_error(f"message too long ({len(body)} bytes)"), 413)
        try:
            msg = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return JSONResponse(_error(f"not JSON: {exc}"), 400)
        reply = await handle(msg)
        return JSONResponse(reply, 200 if reply.get("ok") or "ask" in reply else 400)

    async def download(request: Request):
        name = request.path_params["name"]
        try:
            stem, dot, suffix = name.rpartition(".")
            fmt = suffix if dot else ""
            path = files.export_path(stem, fmt, studio.out_dir)
        except StudioError as exc:
            return PlainTextResponse(str(exc), 400)
        if not path.is_file():
            return PlainTextResponse(f"no export named {name}", 404)
        return FileResponse(path, filename=path.name)

    # -- websockets -------------------------------------------------------------------------------
    async def ws_main(ws: WebSocket):
        await ws.accept()
        q: asyncio.Queue = asyncio.Queue()
        clients.add(q)

        async def sender():
            while True:
                await ws.send_text(await q.get())

        task = asyncio.create_task(sender())
        try:
            q.put_nowait(json.dumps(studio.view()))
            q.put_nowait(json.dumps({"type": "timeline", **studio.transport.timeline()}))
            while True:
                text = await ws.receive_text()
                if len(text) > MAX_MESSAGE:
                    q.put_nowait(json.dumps({"type": "reply", **_error("message too long")}))
                    continue
                try:
                    msg = json.loads(text)
                except ValueError as exc:
                    q.put_nowait(json.dumps({"type": "reply", **_error(f"not JSON: {exc}")}))
                    continue
                ref = msg.pop("ref", None) if isinstance(msg, dict) else None  # pairs the reply
                reply = await handle(msg)
                q.put_nowait(json.dumps({"type": "reply", "ref": ref, **reply}))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            clients.discard(q)
            task.cancel()

    async def ws_audio(ws: WebSocket):
        await ws.accept()
        loop = asyncio.get_running_loop()
        q: asyncio.Queue = asyncio.Queue()
        audio_owner["ws"] = ws

        def send(data: bytes) -> None:  # the pump thread
            if audio_owner["ws"] is ws:
                loop.call_soon_threadsafe(q.put_nowait, data)

        async def sender():
            while True:
                await ws.send_bytes(await q.get())

        studio.transport.send_audio = send
        task = asyncio.create_task(sender())
        try:
            while True:
                text = await ws.receive_text()
                try:
                    report = json.loads(text)
                    frame, latency = int(report["frame"]), float(report.get("latency", 0.0))
                except (ValueError, KeyError, TypeError):
                    continue  # a malformed report changes nothing
                pump = studio.transport.pump
                if pump is not None:
                    pump.played(frame, latency)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            task.cancel()
            if audio_owner["ws"] is ws:
                audio_owner["ws"] = None
                studio.transport.send_audio = lambda data: None
                pump = studio.transport.pump
                if pump is not None:
                    pump.listener_gone()

    async def clock():
        while True:
            await asyncio.sleep(1.0 / CLOCK_HZ)
            frame = studio.transport.heard_frame()
            if frame is not None and clients:
                push({"type": "clock", "frame": frame})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        state["loop"] = asyncio.get_running_loop()
        task = asyncio.create_task(clock())
        yield
        task.cancel()
        state["loop"] = None

    routes = [
        Route("/", index),
        Route("/api/library", api_library),
        Route("/api/genres", api_genres),
        Route("/api/state", api_state),
        Route("/api/pattern.toml", api_pattern_toml),
        Route("/api/op", api_op, methods=["POST"]),
        Route("/download/{name}", download),
        WebSocketRoute("/ws", ws_main),
        WebSocketRoute("/ws/audio", ws_audio),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    return _Guard(app, port_of)


class StudioServer:
    """Serve a :class:`Studio` on 127.0.0.1 in a background thread (or in the foreground with
    :meth:`run`).

    >>> server = StudioServer(Studio(audio="browser", watch=False)).start()
    >>> server.url.startswith("http://127.0.0.1:")
    True
    >>> server.stop()
    """

    def __init__(self, studio: Studio, port: int = 0):
        import uvicorn  # the web stack loads only when a studio is served

        self.studio = studio
        self.socket = bind(port)
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(make_app(studio, lambda: self.port), log_level="warning", lifespan="on",
                                ws="websockets-sansio", ws_max_size=MAX_MESSAGE)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def run(self) -> None:
        """Serve until Ctrl-C (or :meth:`stop` from another thread)."""
        try:
            self._server.run(sockets=[self.socket])
        finally:
            self.studio.close()

    def start(self) -> StudioServer:
        """Serve in a background thread; returns once it answers."""
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self.socket]},
                                        name="groovebox-studio", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise GrooveboxError("the studio server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self.studio.close()
        with contextlib.suppress(OSError):
            self.socket.close()
