"""The ``groovebox`` command.

Each subcommand lives in a module of this package that exposes ``register(subparsers)``; the
functions it registers return an exit status. Every GrooveboxError becomes one line on stderr
and exit status 2, never a traceback.

Commands import what they run inside their own functions, on purpose: building the parser
imports every command module, and ``groovebox list`` or ``--help`` must not pay for the layers
a render needs (measured: the engine and Numba ~0.5 s, music21 ~0.25 s, rich ~0.08 s, numpy
~0.18 s) -- the one place in the package where imports are local by rule.
"""

from __future__ import annotations

import argparse
import signal
import sys

from groovebox.errors import GrooveboxError

# Subcommand modules, in help order.
MODULES = ("patterns", "play", "studio", "song", "album", "new", "interop", "harmony", "ambient", "meter", "dataset",
           "demo")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other bad input
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from groovebox import __version__

    parser = _Parser(prog="groovebox", description="Make music from patterns.")
    parser.add_argument("--version", action="version", version=f"groovebox {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args) or 0)
    except GrooveboxError as exc:
        print(f"groovebox: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("groovebox: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `groovebox list | head`
        sys.stderr.close()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
