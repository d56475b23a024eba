"""`bibun` command line: one module per subcommand, registered here.

Each module in :data:`COMMANDS` defines ``register(sub)`` which adds its parser to the
argparse sub-parsers and sets ``func`` to a handler ``(args) -> int`` (the exit code).
Errors from bibun become one line on stderr and exit code 2; never a traceback.

Every subcommand gets ``--lang {en,ja}`` here, in one place, and the handlers receive
``args.lang`` already resolved (``--lang``, then ``BIBUN_LANG``, then the locale, then en:
:func:`bibun.i18n.resolve`); bibun's errors are printed in that language too.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from bibun import i18n
from bibun.errors import BibunError

#: subcommand modules under bibun.cli (a new command is one module and one name here)
COMMANDS = ["diff", "numdiff", "graph", "train", "vanishing", "serve", "descend", "fit", "plot",
            "tour", "check", "equal", "practice", "worksheet"]


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
    for command in sub.choices.values():  # one language switch for every subcommand
        command.add_argument("--lang", choices=i18n.LANGS, default=None,
                             help="language of the output and of the errors"
                                  " (default: $BIBUN_LANG, then the locale, then en)")
    return parser


def one_line(exc: BibunError, lang: str | None = None) -> str:
    """The error as one line in ``lang``: parse errors keep their column, not the caret
    drawing."""
    return i18n.one_line(exc, lang)


def _say(key: str, lang: str, **params: object) -> None:
    print(i18n.text(key, lang, **params), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bibun`` script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.lang = lang = i18n.resolve(args.lang)
    try:
        with i18n.using(lang):
            return int(args.func(args) or 0)
    except BibunError as exc:
        _say("cli.error", lang, message=one_line(exc, lang))
        return 2
    except BrokenPipeError:  # the reader went away (bibun ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # quiet exit flush
        return 0
    except OSError as exc:  # a file that cannot be read or written
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        _say("cli.error", lang, message=i18n.text("cli.cannot_use", lang, where=where,
                                                  reason=exc.strerror or exc))
        return 2
    except KeyboardInterrupt:
        _say("cli.interrupted", lang)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
