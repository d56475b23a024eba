"""`bibun` command line: one module per subcommand, registered here.

Each module named in :data:`COMMANDS` defines ``register(sub)`` which adds its parser to
the argparse sub-parsers and sets ``func`` to a handler ``(args) -> int`` (the exit code).
Errors from bibun become one line on stderr and exit code 2; never a traceback.

Only the module of the command being run is imported (``bibun diff`` never loads
matplotlib, NumPy or the web server): every other command is listed in ``bibun --help``
by a placeholder parser carrying its one-line description, ``help.<command>`` in the
catalogs — the same line the full parser shows.

Every subcommand gets ``--lang {en,ja}`` here, in one place (``bibun --lang ja diff``
works too), and the handlers receive ``args.lang`` already resolved (``--lang``, then
``BIBUN_LANG``, then the locale, then en: :func:`bibun.i18n.resolve`); bibun's errors,
argparse's usage errors and the argument checks of :mod:`bibun.cli._args` are printed in
that language too, as one line whose echoes of long arguments are shortened.

NumPy's floating-point warnings ("overflow encountered in matmul") never reach the
terminal as Python warnings: after a failed command they are dropped (the error says what
went wrong), after a successful one they become one bibun warning line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import warnings
from typing import Any, NoReturn

from bibun import i18n
from bibun.cli._args import shorten, shorten_line, usage_message
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


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with the terminal's width read by :func:`os.get_terminal_size`
    (argparse asks :mod:`shutil`, whose import is a few milliseconds of every start: a
    formatter is made for each argument added, help or not)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _columns() - 2 if width is None else width)


def _columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` gives it: ``$COLUMNS``,
    else the terminal of stdout, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):  # no terminal, or stdout closed
            columns = 0
    return columns or 80


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit code 2, like every
    other bibun error (argparse would print the whole usage block first)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        lang = i18n.resolve(None)  # main() has chosen the command line's language
        msg = usage_message(message, lang)
        command = self.prog.removeprefix("bibun").strip()
        if command:
            msg = i18n.text("cli.usage.in_command", lang, command=command, message=msg)
        msg = i18n.text("cli.usage.error", lang, message=msg, prog=self.prog)
        self.exit(2, shorten_line(i18n.text("cli.error", lang, message=msg)) + "\n")


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
    # before the command too (bibun --lang ja diff ...); a subcommand's own --lang wins
    parser.add_argument("--lang", dest="lang_first", choices=i18n.LANGS, default=None,
                        help=i18n.text("help.lang", hl))
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
                             help=i18n.text("help.lang", hl))
    return parser


def _description(name: str, lang: str) -> str | None:
    return i18n.text(f"help.{name}", lang) if i18n.has(f"help.{name}", lang) else None


def command_of(argv: list[str]) -> str:
    """The subcommand named on a command line (the first word that is not an option), or
    :data:`NONE` (``bibun``, ``bibun --help``, a misspelt command: argparse answers)."""
    words = iter(argv)
    for word in words:
        if word == "--lang":  # bibun --lang ja diff ...: ja is the option's value
            next(words, None)
        elif not word.startswith("-"):
            return word if word in COMMANDS else NONE
    return NONE


def lang_of_argv(argv: list[str]) -> str | None:
    """The ``--lang`` of a command line (anywhere in it), read before argparse runs so
    that argparse's own errors are in that language too; None if absent or unknown."""
    for i, word in enumerate(argv):
        value = argv[i + 1] if word == "--lang" and i + 1 < len(argv) else \
            word.partition("=")[2] if word.startswith("--lang=") else None
        if value in i18n.LANGS:
            return value
    return None


def one_line(exc: BibunError, lang: str | None = None) -> str:
    """The error as one line in ``lang``: parse errors keep their column, not the caret
    drawing; echoed arguments are shortened (a 120 KB formula does not come back)."""
    params = getattr(exc, "params", None)
    if params and any(isinstance(v, str) and len(v) > 200 for v in params.values()):
        exc.params = {k: shorten(v) if isinstance(v, str) else v for k, v in params.items()}
    return shorten_line(i18n.one_line(exc, lang))


#: NumPy's floating-point warnings, by the word that names their kind
_NUMPY_WARNING = re.compile(r"(overflow|invalid value|divide by zero|underflow) encountered")
_NUMPY_KIND = {"overflow": "overflow", "invalid value": "invalid",
               "divide by zero": "divide", "underflow": "underflow"}


def _numpy_warnings(caught: list[warnings.WarningMessage], lang: str, failed: bool) -> None:
    """Show the warnings a command raised: NumPy's floating-point ones as one bibun line
    (none when the command failed: its error already says what went wrong), any other
    as Python would have shown it."""
    kinds: list[str] = []
    for w in caught:
        m = _NUMPY_WARNING.search(str(w.message)) if w.category is RuntimeWarning else None
        if m is None:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        elif _NUMPY_KIND[m[1]] not in kinds:
            kinds.append(_NUMPY_KIND[m[1]])
    if kinds and not failed:
        what = i18n.join_list([i18n.text(f"cli.numpy.{k}", lang) for k in kinds], lang)
        _say("cli.warning", lang, message=i18n.text("cli.numpy_warning", lang, what=what))


def _say(key: str, lang: str, **params: object) -> None:
    print(i18n.text(key, lang, **params), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bibun`` script; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with i18n.using(lang_of_argv(argv)):  # argparse's errors in the command's language
        parser = build_parser(only=command_of(argv))
        args = parser.parse_args(argv)
    args.lang = lang = i18n.resolve(args.lang or args.lang_first)
    failed = True
    try:
        with i18n.using(lang), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            try:
                code = int(args.func(args) or 0)
                failed = False
            finally:
                _numpy_warnings(caught, lang, failed)
        return code
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
