"""`bibun` command line: one module per subcommand, registered here.

Each module in :data:`COMMANDS` defines ``register(sub)`` which adds its parser to the
argparse sub-parsers and sets ``func`` to a handler ``(args) -> int`` (the exit code).
Errors from bibun become one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bibun.errors import BibunError

#: subcommand modules under bibun.cli (a new command is one module and one name here)
COMMANDS = ["diff", "numdiff", "graph", "train", "vanishing", "serve", "descend", "fit", "plot",
            "tour", "check", "equal"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bibun", description="bibun (微分): symbolic, numeric and automatic differentiation"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
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
    except KeyboardInterrupt:
        print("bibun: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
