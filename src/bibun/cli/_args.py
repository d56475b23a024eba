"""Small helpers shared by the subcommands (descend, fit, plot, tour, graph, train,
vanishing)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bibun import i18n
from bibun.errors import BibunError
from bibun.i18n import error

if TYPE_CHECKING:  # pathlib is imported by the commands that write files, not on every start
    from pathlib import Path


def allow_negative_arguments(parser: Any) -> None:
    """Let values start with a minus sign: formulas (``-x^2``), lists (``--from -7,2``).

    argparse would take ``-x^2`` or ``-7,2`` for an unknown option.  Declaring every
    single-dash word "negative-number-like" makes it a value unless it is a real option
    (``-h``, ``-o``); call this after all arguments are added.
    """
    parser._negative_number_matcher = re.compile(r"^-(?!-)")


def parse_assignments(text: str | None, what: str = "--at") -> dict[str, Any]:
    """``x=3,y=4`` -> {"x": 3, "y": 4}.  Values may be formulas (``pi/2``, ``1/3``) and
    stay exact where they are exact."""
    from bibun.expr import core
    from bibun.expr.parse import variable_name

    if not text:
        return {}
    out: dict[str, Any] = {}
    for part in text.split(","):
        if "=" not in part:
            raise error("error.cli.pairs", what=what, part=repr(part))
        name, value = (s.strip() for s in part.split("=", 1))
        if not name or not value:
            raise error("error.cli.pairs", what=what, part=repr(part))
        name = variable_name(name) or name  # x_1=2 names x1, alpha=1 names α, as formulas do
        if name in out:
            raise error("error.cli.pair_twice", what=what, name=name)
        try:
            v = core.as_expr(value)
        except BibunError as exc:
            raise error("error.cli.value_unreadable", what=what, name=name, value=repr(value),
                        error=getattr(exc, 'message', exc)) from None
        if v.free:
            raise error("error.cli.value_not_number", what=what, name=name, value=repr(value))
        out[name] = v.evaluate()
    return out


def warn(warnings: Iterable[str]) -> None:
    """The parser's warnings about a formula (how an ambiguous spelling was read), on
    stderr so that stdout stays the answer."""
    for w in warnings:
        print(i18n.text("cli.warning", None, message=w), file=sys.stderr)


def read_formula(text: str) -> Any:
    """A formula argument as an expression, its parser warnings shown (:func:`warn`)."""
    from bibun.expr.parse import parse_full

    parsed = parse_full(text)
    warn(parsed.warnings)
    return parsed.expr


def note(path: Any) -> None:
    """Where a figure was written (stderr, so stdout stays the answer)."""
    print(i18n.text("cli.wrote", None, path=path), file=sys.stderr)


def _why(sentence: str, why: str) -> str:
    """``sentence``, then what to do instead: ``why`` is a catalog key (or plain text)."""
    if not why:
        return sentence
    return i18n.text("cli.arg.why", None, sentence=sentence,
                     why=i18n.text(why) if i18n.has(why) else why)


def bounded_int(low: int, high: int | None = None, why: str = "") -> Any:
    """argparse type factory: a whole number >= ``low`` (and <= ``high`` when given).  The
    upper bound keeps a typo (``--epochs 1000000``) from meaning hours of computing or
    exhausting memory; ``why`` (a catalog key) says what to do instead.  The messages are
    in the language of the command line (``--lang``), which :func:`bibun.cli.main` has
    chosen before argparse reads the arguments."""

    def expected(value: str) -> argparse.ArgumentTypeError:
        if high is None:
            return argparse.ArgumentTypeError(
                i18n.text("cli.arg.whole_number_min", None, low=low, value=shorten(value)))
        return argparse.ArgumentTypeError(i18n.text(
            "cli.arg.whole_number_range", None, low=low, high=f"{high:,}",
            value=shorten(value)))

    def parse(text: str) -> int:
        try:
            v = int(text) if len(text) < 40 else None
        except ValueError:
            v = None
        if v is None:
            raise expected(repr(text))
        if v < low:
            raise expected(str(v))
        if high is not None and v > high:
            raise argparse.ArgumentTypeError(_why(
                i18n.text("cli.arg.too_large", None, value=f"{v:,}", high=f"{high:,}"), why))
        return v

    parse.__name__ = "whole number"  # how argparse names the type in its messages
    return parse


#: argparse type: a whole number >= 1 (batch sizes, steps)
positive_int = bounded_int(1)
#: argparse type: a whole number >= 0 (seeds, step counts where 0 means "none")
nonnegative_int = bounded_int(0)


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (learning rates, tolerances)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            i18n.text("cli.arg.positive_number", None, value=shorten(repr(text)))) from None
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(
            i18n.text("cli.arg.finite_positive_number", None, value=shorten(text)))
    return v


#: an echoed argument longer than this is shown as its start and end (a 120 KB formula
#: must not come back whole in an error line)
ECHO = 200


def shorten(text: str, limit: int = ECHO) -> str:
    """``text`` if short, else its first and last characters around an ellipsis."""
    if len(text) <= limit:
        return text
    return f"{text[:limit * 2 // 3]} … {text[-limit // 5:]}"


def shorten_line(line: str) -> str:
    """A message line with every overlong word shortened (:func:`shorten`), and the
    whole line kept under a few thousand characters."""
    line = re.sub(r"\S{" + str(ECHO + 1) + ",}", lambda m: shorten(m.group()), line)
    return shorten(line, 10 * ECHO)


#: argparse's own English messages (Python 3.11 to 3.13 spellings) -> catalog keys;
#: the named groups become the message's parameters
_USAGE = [(re.compile(pattern + "$", re.S), key) for pattern, key in (
    (r"argument (?P<name>[^:]+?): (?P<message>.*)", "cli.usage.argument"),
    (r"invalid choice: (?P<value>.*?) \(choose from (?P<choices>.*)\)",
     "cli.usage.invalid_choice"),
    (r"the following arguments are required: (?P<names>.*)", "cli.usage.required"),
    (r"unrecognized arguments: (?P<args>.*)", "cli.usage.unrecognized"),
    (r"expected one argument", "cli.usage.expected_one"),
    (r"expected at most one argument", "cli.usage.expected_at_most_one"),
    (r"expected at least one argument", "cli.usage.expected_at_least_one"),
    (r"expected (?P<n>\d+) arguments?", "cli.usage.expected_n"),
    (r"invalid (?P<type>.+?) value: (?P<value>.*)", "cli.usage.invalid_type"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)", "cli.usage.ambiguous"),
    (r"not allowed with argument (?P<name>.*)", "cli.usage.not_allowed_with"),
    (r"one of the arguments (?P<names>.*) is required", "cli.usage.one_of_required"),
    (r"ignored explicit argument (?P<value>.*)", "cli.usage.ignored_explicit"),
)]


def usage_message(message: str, lang: str | None = None) -> str:
    """One of argparse's English usage messages in ``lang``, from the catalog.  A message
    argparse did not write (our own argument types, already in ``lang``) is kept."""
    for pattern, key in _USAGE:
        m = pattern.match(message)
        if m:
            params = {k: shorten(v) for k, v in m.groupdict().items()}
            if "message" in params:
                params["message"] = usage_message(m["message"], lang)
            if i18n.has(f"cli.type.{params.get('type')}"):  # int -> whole number
                params["type"] = i18n.text(f"cli.type.{params['type']}", lang)
            return i18n.text(key, lang, **params)
    return message


def output_path(path: str | None, allowed: Sequence[str], what: str = "-o") -> Path | None:
    """Check an output file name before any work is done: the extension must be one of
    ``allowed`` (lower-case, with the dot), the directory must exist and the name must
    not be a directory.  Returns the path (None stays None); raises BibunError."""
    if path is None:
        return None
    kinds = ", ".join(allowed)
    if not path.strip():
        raise error("error.cli.file_name_needed", what=what, kinds=kinds)
    from pathlib import Path

    p = Path(path)
    if p.is_dir() or path.endswith(("/", os.sep)):
        raise error("error.cli.path_is_directory", what=what, path=path, kinds=kinds,
                    example=p / ('out' + allowed[0]))
    suffix = p.suffix.lower()
    if suffix not in allowed:
        got = f"'{p.suffix}'" if p.suffix else "no extension"
        raise error("error.cli.file_type", what=what, path=path, got=got, kinds=kinds)
    parent = p.parent
    if not parent.exists():
        raise error("error.cli.no_directory", what=what, path=path, parent=parent)
    if not parent.is_dir():
        raise error("error.cli.not_directory", what=what, path=path, parent=parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise error("error.cli.not_writable", what=what, path=path, parent=parent)
    return p


def figure_path(path: str | None, what: str = "--plot") -> Path | None:
    """:func:`output_path` for a figure (.png, .svg or .pdf: :data:`bibun.plot.FORMATS`);
    matplotlib is imported only when a file is named."""
    if path is None:
        return None
    from bibun.plot import FORMATS

    return output_path(path, FORMATS, what)
