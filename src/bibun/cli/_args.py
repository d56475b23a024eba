"""Small helpers shared by the subcommands (descend, fit, plot, tour, graph, train,
vanishing)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bibun import i18n
from bibun.errors import BibunError
from bibun.i18n import error


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


def bounded_int(low: int, high: int | None = None, why: str = "") -> Any:
    """argparse type factory: a whole number >= ``low`` (and <= ``high`` when given).  The
    upper bound keeps a typo (``--epochs 1000000``) from meaning hours of computing or
    exhausting memory; ``why`` says what to do instead."""
    expected = (f"a whole number >= {low}" if high is None
                else f"a whole number from {low} to {high:,}")

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {v}")
        if high is not None and v > high:
            raise argparse.ArgumentTypeError(
                f"{v:,} is more than the command line allows (at most {high:,})"
                + (f"; {why}" if why else ""))
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
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text}")
    return v


def output_path(path: str | None, allowed: Sequence[str], what: str = "-o") -> Path | None:
    """Check an output file name before any work is done: the extension must be one of
    ``allowed`` (lower-case, with the dot), the directory must exist and the name must
    not be a directory.  Returns the path (None stays None); raises BibunError."""
    if path is None:
        return None
    kinds = ", ".join(allowed)
    if not path.strip():
        raise error("error.cli.file_name_needed", what=what, kinds=kinds)
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
