"""`bibun equal A B`: are two formulas the same function?

Exit status 0 when they are, 1 when they are not (with a point where they differ),
2 for bad input or when no point exists where both are defined.
"""

from __future__ import annotations

from bibun import i18n
from bibun.cli._help import help_lang
from bibun.cli.check import add_common, read, verdict
from bibun.explain.equality import compare
from bibun.i18n import resolve


def run(args) -> int:
    lang = resolve(args.lang)
    a = read(args.a, args.latex, "error.unparsable_first", lang)
    b = read(args.b, args.latex, "error.unparsable_second", lang)
    result = compare(a.expr, b.expr, lang=lang, latex=args.latex)
    return verdict(args, result.to_json, lambda: result.message(lang), result.equal)


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser("equal", help=i18n.text("help.equal", hl))
    p.add_argument("a", help=i18n.text("help.equal.a", hl))
    p.add_argument("b", help=i18n.text("help.equal.b", hl))
    add_common(p)
    p.set_defaults(func=run)
