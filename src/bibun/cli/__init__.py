"""`bibun` command line: one module per subcommand, registered here.

Each module in :data:`COMMANDS` defines ``register(sub)`` which adds its parser to the
argparse sub-parsers and sets ``func`` to a handler ``(args) -> int`` (the exit code).
Errors from bibun become one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from bibun.errors import BibunError

#: subcommand modules under bibun.cli (a new command is one module and one name here)
COMMANDS = ["diff", "numdiff", "graph", "train", "vanishing", "serve", "descend", "fit", "plot",
            "tour", "check", "equal"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit code 2, like every
    other bibun error (argparse would print the whole usage block first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"bibun: error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bibun", description="bibun (微分): symbolic, numeric and automatic differentiation"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"bibun.cli.{name}").register(sub)
    return parser


def one_line(exc: BibunError) -> str:
    """The error as one line: parse errors keep their column, not the caret drawing."""
    msg = getattr(exc, "message", None)
    col = getattr(exc, "column", None)
    if msg is not None:
        return f"{msg} (column {col})" if col else msg
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bibun`` script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BibunError as exc:
        print(f"bibun: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (bibun ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # quiet exit flush
        return 0
    except OSError as exc:  # a file that cannot be read or written
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"bibun: error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bibun: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
