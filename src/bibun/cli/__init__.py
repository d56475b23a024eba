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
COMMANDS = ["diff"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bibun", description="bibun (微分): symbolic, numeric and automatic differentiation"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"bibun.cli.{name}").register(sub)
    return parser


class _Parser(argparse.ArgumentParser):
    pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bibun`` script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BibunError as exc:
        first = str(exc).splitlines()
        msg = " ".join(line.strip() for line in first) if first else type(exc).__name__
        # keep the caret line readable: message first, then the pointer on the next lines
        print(f"bibun: error: {str(exc).splitlines()[0] if first else msg}", file=sys.stderr)
        for extra in str(exc).splitlines()[1:]:
            print(extra, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bibun: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
