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
import warnings

from groovebox import checks
from groovebox.cli import examples
from groovebox.errors import GrooveboxError, GrooveboxWarning

# Subcommand modules, in help order.
MODULES = ("patterns", "play", "studio", "song", "album", "new", "interop", "harmony", "instruments", "ambient",
           "meter", "dataset", "demo", "warmup")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other bad input
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def seed_arg(text: str) -> int:
    """The argparse type of every ``--seed``: any whole number a user types (negative or huge
    ones are hashed down to a 63-bit seed, see :func:`groovebox.checks.seed`)."""
    try:
        return checks.seed(text)
    except GrooveboxError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("seed: ")) from None


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from groovebox import __version__

    parser = _Parser(prog="groovebox", description="Make music from patterns.")
    parser.add_argument("--version", action="version", version=f"groovebox {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    examples.attach(parser)
    return parser


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    return _main(argv, program=False)


def run() -> None:
    """The ``groovebox`` program: :func:`main`, then exit with its status.

    Once interrupted, later SIGINT/SIGTERM are ignored until the process has exited, so a
    second Ctrl-C (or a SIGTERM) during the clean-up or the interpreter's shutdown cannot turn
    a clean exit 130 into a traceback or a kill. (``main`` restores every handler instead, for
    callers that run it inside their own process.)
    """
    try:
        status = _main(None, program=True)
    except KeyboardInterrupt:  # between handlers: the program was being interrupted anyway
        _ignore_interrupts()
        status = 130
    sys.exit(status)


def _ignore_interrupts() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def _main(argv: list[str] | None, *, program: bool) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    interrupted = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default", GrooveboxWarning)
            warnings.showwarning = _note
            status = int(args.func(args) or 0)
        if status == 130:  # the command was interrupted and said so itself (a kept partial render)
            interrupted = True
            if program:
                _ignore_interrupts()
        return status
    except GrooveboxError as exc:
        print(f"groovebox: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupted = True
        if program:
            _ignore_interrupts()
        print("groovebox: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `groovebox list | head`
        sys.stderr.close()
        return 0
    finally:
        if not (program and interrupted):
            signal.signal(signal.SIGTERM, previous)


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings meant for the user (GrooveboxWarning) as one ``note`` line; others as usual."""
    if issubclass(category, GrooveboxWarning):
        print(f"groovebox: note: {message}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


if __name__ == "__main__":  # pragma: no cover
    run()
