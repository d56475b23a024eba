"""`bibun backprop`: forward and backward pass worked by hand, node by node."""

from __future__ import annotations

from bibun import i18n
from bibun.cli._args import allow_negative_arguments, parse_assignments
from bibun.cli._help import help_lang

FORMATS = ("text", "unicode", "markdown", "latex", "mathml", "json")


def run(args) -> int:
    from bibun.explain.backprop import backprop
    from bibun.expr.parse import parse_any_full

    lang = i18n.resolve(getattr(args, "lang", None))
    expr = parse_any_full(args.expr).expr
    point = parse_assignments(args.at, "--at")
    print(backprop(expr, point).render(lang, args.format))
    return 0


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser("backprop", help=i18n.text("help.backprop", hl))
    p.add_argument("expr", help=i18n.text("help.backprop.expr", hl))
    p.add_argument("--at", required=True, help=i18n.text("help.backprop.at", hl))
    p.add_argument("--format", choices=FORMATS, default="text")
    p.set_defaults(func=run)
    allow_negative_arguments(p)
