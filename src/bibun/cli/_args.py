"""Small helpers shared by the calculus subcommands (descend, fit, plot, tour)."""

from __future__ import annotations

import re
import sys
from typing import Any

from bibun.errors import BibunError


def allow_negative_arguments(parser: Any) -> None:
    """Let values start with a minus sign: formulas (``-x^2``), lists (``--from -7,2``).

    argparse would take ``-x^2`` or ``-7,2`` for an unknown option.  Declaring every
    single-dash word "negative-number-like" makes it a value unless it is a real option
    (``-h``, ``-o``); call this after all arguments are added.
    """
    parser._negative_number_matcher = re.compile(r"^-(?!-)")


def parse_assignments(text: str | None, what: str) -> dict[str, float]:
    """``a=1,k=0.5`` -> {"a": 1.0, "k": 0.5}."""
    if not text:
        return {}
    out: dict[str, float] = {}
    for part in text.split(","):
        if "=" not in part:
            raise BibunError(f"{what} expects name=value pairs such as a=1,k=0.5, got {part!r}")
        k, v = (s.strip() for s in part.split("=", 1))
        try:
            out[k] = float(v)
        except ValueError:
            raise BibunError(f"{what}: the value of {k} must be a number, got {v!r}") from None
    return out


def note(path: Any) -> None:
    """Where a figure was written (stderr, so stdout stays the answer)."""
    print(f"bibun: wrote {path}", file=sys.stderr)
