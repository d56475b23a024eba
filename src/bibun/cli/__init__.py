"""`bibun` command line: one module per subcommand, registered here.

Each module named in :data:`COMMANDS` defines ``register(sub)`` which adds its parser to
the argparse sub-parsers and sets ``func`` to a handler ``(args) -> int`` (the exit code).
Errors from bibun become one line on stderr and exit code 2; never a traceback.

Only the module of the command being run is imported (``bibun diff`` never loads
matplotlib, NumPy or the web server): every other command is listed in ``bibun --help``
by a placeholder parser carrying its one-line description, ``help.<command>`` in the
catalogs — the same line the full parser shows.

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
from bibun.cli._help import help_lang
from bibun.errors import BibunError

#: subcommand -> the module under bibun.cli that registers it, in the order of ``--help``
#: (a new command is one module, one line here and its ``help.<command>`` catalog lines)
COMMANDS = {
    "diff": "diff", "grad": "diff", "hessian": "diff", "numdiff": "numdiff",
    "graph": "graph", "train": "train", "vanishing": "vanishing", "serve": "serve",
    "descend": "descend", "fit": "fit", "plot": "plot", "tour": "tour", "check": "check",
    "equal": "equal", "practice": "practice", "worksheet": "worksheet", "backprop": "backprop",
}
#: ``build_parser(only=NONE)``: every command as a placeholder (``bibun --help``)
NONE = ""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit code 2, like every
    other bibun error (argparse would print the whole usage block first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"bibun: error: {self.prog}: {message} (see {self.prog} --help)\n")


class _Version(argparse.Action):
    """``bibun --version``: the installed package's version, read from its metadata only
    when asked (importlib.metadata is not loaded on every start)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        import bibun

        print(i18n.text("cli.version", version=bibun.__version__))
        parser.exit(0)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``bibun`` parser.  ``only`` names the one command to register in full (its
    module is imported); the others are placeholders that only list the command and its
    description.  None registers every command (imports every subcommand module)."""
    hl = help_lang()
    parser = _Parser(
        prog="bibun", description="bibun (微分): symbolic, numeric and automatic differentiation"
    )
    parser.add_argument("--version", action=_Version, help=i18n.text("cli.version_help", hl))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    for name, module in COMMANDS.items():
        if name in sub.choices:  # registered by an earlier module (diff: grad, hessian)
            continue
        if only is None or COMMANDS.get(only) == module:
            importlib.import_module(f"bibun.cli.{module}").register(sub)
        else:
            sub.add_parser(name, help=_description(name, hl), add_help=False)
    for action in sub._choices_actions:  # one description per command: the catalog's
        if i18n.has(f"help.{action.dest}", hl):
            action.help = _description(action.dest, hl)
    for command in sub.choices.values():  # one language switch for every subcommand
        command.add_argument("--lang", choices=i18n.LANGS, default=None,
                             help="language of the output and of the errors"
                                  " (default: $BIBUN_LANG, then the locale, then en)")
    return parser


def _description(name: str, lang: str) -> str | None:
    return i18n.text(f"help.{name}", lang) if i18n.has(f"help.{name}", lang) else None


def command_of(argv: list[str]) -> str:
    """The subcommand named on a command line (the first word that is not an option), or
    :data:`NONE` (``bibun``, ``bibun --help``, a misspelt command: argparse answers)."""
    word = next((a for a in argv if not a.startswith("-")), NONE)
    return word if word in COMMANDS else NONE


def one_line(exc: BibunError, lang: str | None = None) -> str:
    """The error as one line in ``lang``: parse errors keep their column, not the caret
    drawing."""
    return i18n.one_line(exc, lang)


def _say(key: str, lang: str, **params: object) -> None:
    print(i18n.text(key, lang, **params), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bibun`` script; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=command_of(argv))
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
