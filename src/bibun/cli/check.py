"""`bibun check EXPR ANSWER`: is ANSWER the derivative of EXPR?

Exit status 0 when it is, 1 when it is not (with a counterexample and a diagnosis of
the likely mistake), 2 for bad input (unreadable formula, an answer with variables the
expression does not have, no common domain).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bibun.cli._args import allow_negative_arguments, warn
from bibun.errors import ParseError
from bibun.explain.check import check_answer
from bibun.expr.parse import Parsed
from bibun.i18n import parse_error, resolve


def add_common(p) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--latex", action="store_const", const=True, default=None,
                   help="read the formulas as LaTeX (default: when they contain a backslash)")
    allow_negative_arguments(p)


def verdict(args, data: Callable[[], Any], text: Callable[[], str], holds: bool) -> int:
    """Print a verdict (``check`` and ``equal``) as ``--format`` asks, JSON for programs or
    a sentence for people, and make it the exit status: 0 when it holds, 1 when not."""
    print(json.dumps(data(), ensure_ascii=False, indent=2) if args.format == "json"
          else text())
    return 0 if holds else 1


def read(text: str, latex: bool | None, key: str, lang: str, derivative: bool = False
         ) -> Parsed:
    """A formula argument, parse errors in the user's language ("cannot read the answer:
    …") and parser warnings as one ``bibun: warning:`` line each (not Python warnings)."""
    from bibun.expr.parse import parse_any_full

    try:
        parsed = parse_any_full(text, latex, derivative=derivative)
    except ParseError as exc:
        raise parse_error(key, exc.text, exc.column, error=exc) from None
    warn(parsed.warnings)
    return parsed


def run(args) -> int:
    from bibun.cli.diff import operator_variable

    lang = resolve(args.lang)
    f = read(args.expr, args.latex, "error.unparsable_expression", lang, derivative=True)
    a = read(args.answer, args.latex, "error.unparsable_answer", lang)
    var = operator_variable(f, args.wrt, lang) or args.wrt  # EXPR may be d/dx (...)
    result = check_answer(f.expr, a.expr, var, lang=lang, latex=args.latex)
    return verdict(args, lambda: result.to_json(lang), lambda: result.message(lang),
                   result.correct)


def register(sub) -> None:
    p = sub.add_parser("check", help="check whether ANSWER is the derivative of EXPR")
    p.add_argument("expr", help="the function, e.g. 'log(sin(x^3-2))' or LaTeX")
    p.add_argument("answer", help="the derivative to check, e.g. '3x^2/tan(x^3-2)'")
    p.add_argument("--wrt", help="variable (default: the only free one, else x)")
    add_common(p)
    p.set_defaults(func=run)
