"""`bibun check EXPR ANSWER`: is ANSWER the derivative of EXPR?

Exit status 0 when it is, 1 when it is not (with a counterexample and a diagnosis of
the likely mistake), 2 for bad input (unreadable formula, an answer with variables the
expression does not have, no common domain).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bibun import i18n
from bibun.cli._args import allow_negative_arguments, warn
from bibun.cli._help import help_lang
from bibun.errors import ParseError
from bibun.explain.check import check_answer
from bibun.explain.equality import answer_right_side
from bibun.expr.parse import Parsed
from bibun.i18n import parse_error, resolve


def add_common(p) -> None:
    hl = help_lang()
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--latex", action="store_const", const=True, default=None,
                   help=i18n.text("help.check.latex", hl))
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

    if getattr(args, "log10", False):  # the book's log is base 10 (OpenStax): read it so
        from bibun.expr.parse import reading_conventions

        args.log10 = False
        with reading_conventions(log=10):
            return run(args)

    lang = resolve(args.lang)
    f = read(args.expr, args.latex, "error.unparsable_expression", lang, derivative=True)
    try:
        a = read(args.answer, args.latex, "error.unparsable_answer", lang)
    except ParseError:  # "d/dx(x^2) = 2x": the left side only names the derivative
        right = answer_right_side(args.answer)
        if right is None:
            raise
        a = read(right, args.latex, "error.unparsable_answer", lang)
    var = operator_variable(f, args.wrt, lang) or args.wrt  # EXPR may be d/dx (...)
    result = check_answer(f.expr, a.expr, var, lang=lang, latex=args.latex,
                          constants=getattr(args, "const", None),
                          typed=(args.expr, args.answer, args.wrt or ""),
                          defined_as=(f.name, f.params) if f.name else None)
    return verdict(args, lambda: result.to_json(lang), lambda: result.message(lang),
                   result.correct)


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser("check", help=i18n.text("help.check", hl))
    p.add_argument("expr", help=i18n.text("help.check.expr", hl))
    p.add_argument("answer", help=i18n.text("help.check.answer", hl))
    p.add_argument("--wrt", help=i18n.text("help.check.wrt", hl))
    p.add_argument("--const", metavar="A,B", help=i18n.text("help.check.const", hl))
    p.add_argument("--log10", action="store_true", help=i18n.text("help.log10", hl))
    add_common(p)
    p.set_defaults(func=run)
