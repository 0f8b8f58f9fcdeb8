"""``groovebox studio`` — the step grid in the browser: library, editor, transport, files."""

from __future__ import annotations

import sys

from groovebox.errors import GrooveboxError


def register(sub) -> None:
    p = sub.add_parser(
        "studio", help="edit patterns on a clickable step grid in the browser",
        description="Serve the studio on 127.0.0.1 (only this machine can reach it) and open it in "
                    "the browser: browse the library, click or type a groove on the grid, hear each "
                    "edit from the next step, save it as a pattern file, export WAV or MIDI.",
    )  # fmt: skip
    p.add_argument("pattern", nargs="?", metavar="PATTERN", help="library id or .toml file to open (default: a new pattern)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    p.add_argument("--no-browser", action="store_true", help="only print the address; do not open a browser")
    p.add_argument("--audio", choices=("auto", "device", "browser"), default="auto",
                   help="where it plays: the sound card (device), streamed to the page (browser), or "
                        "auto: the sound card when there is one (default)")
    p.add_argument("--device", help="output device number or (part of its) name for --audio device")
    p.add_argument("--blocksize", type=int, help="frames per audio callback on the sound card")
    p.add_argument("--out", default=".", metavar="DIR", help="folder for exported WAV and MIDI files (default: here)")
    p.set_defaults(func=cmd_studio)


def cmd_studio(args) -> int:
    # The web stack (starlette, uvicorn) loads only for this command: `groovebox list` stays fast.
    try:
        from groovebox.studio.server import StudioServer, bind
        from groovebox.studio.session import Studio
    except ImportError as exc:
        raise GrooveboxError(f"the studio needs its extra: pip install 'groovebox[studio]' ({exc.name} is missing)") from None
    import webbrowser
    from pathlib import Path

    sock = bind(args.port)  # a port in use fails here, before anything heavy
    sock.close()
    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise GrooveboxError(f"--out: {out} is not a folder")
    device = int(args.device) if args.device and args.device.strip().lstrip("-").isdigit() else args.device
    studio = Studio(args.pattern, audio=args.audio, device=device, out_dir=out, blocksize=args.blocksize)
    server = StudioServer(studio, args.port)
    print(f"groovebox studio: {server.url}  (sound {studio.audio_where}; Ctrl-C to stop)", flush=True)
    if not args.no_browser:
        try:
            webbrowser.open(server.url)
        except Exception:  # no browser here: the printed address is enough
            pass
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    print("groovebox studio: stopped", file=sys.stderr)
    return 0
