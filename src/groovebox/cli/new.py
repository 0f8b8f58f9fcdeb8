"""``groovebox new WHAT`` — write a file to start from (a song map, and what other modules add).

Other command modules extend the group: they call :func:`add_new` from their ``register`` with
their own subcommand (``new pattern``, ``new album``), so ``groovebox new --help`` lists them
all, whichever module registered first.

    groovebox new song --template house --seed 3 -o my-song.toml
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_new", "register"]


def _group(sub):
    """The ``new`` parser's subcommands, made on first use."""
    parser = sub.choices.get("new")
    if parser is None:
        parser = sub.add_parser("new", help="write a new file to start from (song, ...)",
                                description="Write a complete, working file to edit: one command from "
                                            "nothing to something that plays.")
        action = parser.add_subparsers(dest="what", metavar="WHAT", parser_class=type(parser))
        parser.set_defaults(func=lambda args: _missing(parser))
        return action
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _missing(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def add_new(sub, name: str, **kwargs) -> argparse.ArgumentParser:
    """Add ``groovebox new NAME`` (keyword arguments as for ``add_parser``); returns its parser."""
    return _group(sub).add_parser(name, **kwargs)


def register(sub) -> None:
    """Make the ``new`` group; the subcommands come from the modules that own them."""
    _group(sub)
