"""`bibun check EXPR ANSWER`: is ANSWER the derivative of EXPR?

Exit status 0 when it is, 1 when it is not (with a counterexample and a diagnosis of
the likely mistake), 2 for bad input (unreadable formula, an answer with variables the
expression does not have, no common domain).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bibun.cli._args import allow_negative_arguments
from bibun.explain.check import check_answer
from bibun.explain.messages import LANGS, resolve


def add_common(p) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=LANGS, default=None,
                   help="en or ja (default: $BIBUN_LANG, then the locale)")
    p.add_argument("--latex", action="store_const", const=True, default=None,
                   help="read the formulas as LaTeX (default: when they contain a backslash)")
    allow_negative_arguments(p)


def verdict(args, data: Callable[[], Any], text: Callable[[], str], holds: bool) -> int:
    """Print a verdict (``check`` and ``equal``) as ``--format`` asks, JSON for programs or
    a sentence for people, and make it the exit status: 0 when it holds, 1 when not."""
    print(json.dumps(data(), ensure_ascii=False, indent=2) if args.format == "json"
          else text())
    return 0 if holds else 1


def run(args) -> int:
    lang = resolve(args.lang)
    result = check_answer(args.expr, args.answer, args.wrt, lang=lang, latex=args.latex)
    return verdict(args, lambda: result.to_json(lang), lambda: result.message(lang),
                   result.correct)


def register(sub) -> None:
    p = sub.add_parser("check", help="check whether ANSWER is the derivative of EXPR")
    p.add_argument("expr", help="the function, e.g. 'log(sin(x^3-2))' or LaTeX")
    p.add_argument("answer", help="the derivative to check, e.g. '3x^2/tan(x^3-2)'")
    p.add_argument("--wrt", help="variable (default: the only free one, else x)")
    add_common(p)
    p.set_defaults(func=run)
