"""Reading conventions and token helpers shared by the plain-text and LaTeX readers.

A source may declare how it writes things bibun reads otherwise (OpenStax's ``log`` is
base 10); :func:`reading_conventions` sets that for a ``with`` block.  The token helpers
find matching brackets and LaTeX groups whose braces do not print.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from bibun.expr.lalr import Token

#: what a bare ``log`` means while reading (None: bibun's natural log; "10": the common
#: logarithm of OpenStax and many US school books) — set with :func:`reading_conventions`
LOG_BASE: ContextVar[str | None] = ContextVar("bibun_log_base", default=None)
#: names defined by the problem itself (``Sig(x) = 1/(1+e^-x)``) that its answer may apply
#: like f: ``Sig(x)(1 - Sig(x))`` is then not an unknown function
DEFINED: ContextVar[frozenset[str]] = ContextVar("bibun_defined", default=frozenset())


@contextmanager
def reading_conventions(log: Any = ..., defined: Iterable[str] = ()) -> Iterator[None]:
    """Read formulas under a source's declared conventions: ``log=10`` makes a bare
    ``log`` (not ``ln``) the common logarithm, as OpenStax prints it (``log=None``: the
    natural log again; left out: unchanged); ``defined`` adds names of functions the
    problem defined (``Sig``), readable in its answer as ``Sig(x)``.  Nothing is read
    differently outside the ``with`` block."""
    base = LOG_BASE.get() if log is ... else None if log in (None, "e") else str(log)
    if base is not None and not re.fullmatch(r"[0-9]+", base):
        raise ValueError(f"log base must be a whole number, not {log!r}")
    t1 = LOG_BASE.set(base)
    t2 = DEFINED.set(DEFINED.get() | {n for n in defined if n and len(n) > 1 and n.isalpha()})
    try:
        yield
    finally:
        LOG_BASE.reset(t1)
        DEFINED.reset(t2)


def apply_conventions(toks: list[Token], source: str | None, offset: int = 0) -> list[Token]:
    """A bare ``log``/``\\log`` as the declared base (``LOG_BASE``); ``ln`` stays natural."""
    base = LOG_BASE.get()
    if base is None or source is None:
        return toks
    out = []
    for t in toks:
        at = t.start_pos - offset
        if t.type == "FUNC" and t.value == "log" and at >= 0:
            at += source.startswith("\\", at)
            after = source[at + 3:at + 5]
            if source.startswith("log", at) and not after[:1].isalnum() \
                    and not after.startswith("_") and after != "}_":  # log_e is natural
                t = Token("LOGBASE", base, start_pos=t.start_pos, line=1, column=t.column)
        out.append(t)
    return out


def matching(toks: list[Token]) -> dict[int, int]:
    """Index of each opening bracket/bar -> index of its closing one (one pass)."""
    out: dict[int, int] = {}
    stack: list[int] = []
    for k, t in enumerate(toks):
        if t.type in ("LPAR", "BAR_OPEN"):
            stack.append(k)
        elif t.type in ("RPAR", "BAR_CLOSE") and stack:
            out[stack.pop()] = k
    return out


def invisible_group_powered(toks: list[Token], j: int) -> bool:
    """A LaTeX group ``{7}`` right after a function name with a power on it: the braces do
    not print, so the power visibly sits on the argument (``\\log_3{7}^{x^2-4}`` is
    log₃(7^(x²−4)) as typeset); ``{(6x^4+3)}^{5}`` keeps its printed brackets."""
    if j >= len(toks) or toks[j].type != "LPAR" or toks[j].value != "{" \
            or j + 1 >= len(toks) or toks[j + 1].type == "LPAR":
        return False
    close = matching(toks[j:]).get(0)
    return close is not None and j + close + 1 < len(toks) \
        and toks[j + close + 1].type == "CARET"


__all__ = ["DEFINED", "LOG_BASE", "apply_conventions", "invisible_group_powered", "matching",
           "reading_conventions"]
