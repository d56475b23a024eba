"""`bibun backprop`: forward and backward pass worked by hand, node by node."""

from __future__ import annotations

from bibun import i18n
from bibun.cli._args import allow_negative_arguments, nonnegative_int, parse_assignments
from bibun.cli._help import help_lang
from bibun.i18n import error

FORMATS = ("text", "unicode", "markdown", "latex", "mathml", "json")


def run(args) -> int:
    from bibun.explain.backprop import backprop
    from bibun.expr.parse import parse_any_full

    lang = i18n.resolve(getattr(args, "lang", None))
    if (args.expr is None) == (args.mlp is None) or (args.expr is not None and not args.at):
        raise error("error.cli.backprop_what")
    point = parse_assignments(args.at, "--at")
    if args.mlp is not None:
        from bibun.explain.backprop import worked_mlp

        print(worked_mlp(_sizes(args.mlp), args.seed, point).render(lang, args.format))
        return 0
    expr = parse_any_full(args.expr).expr
    print(backprop(expr, point).render(lang, args.format))
    return 0


def _sizes(text: str) -> tuple[int, ...]:
    """``2-2-1`` -> (2, 2, 1); whether the network is small enough is checked by the API."""
    parts = text.split("-")
    if not all(p.strip().isdigit() for p in parts):
        raise error("error.cli.backprop_mlp", text=repr(text))
    return tuple(int(p) for p in parts)


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser("backprop", help=i18n.text("help.backprop", hl))
    p.add_argument("expr", nargs="?", help=i18n.text("help.backprop.expr", hl))
    p.add_argument("--at", help=i18n.text("help.backprop.at", hl))
    p.add_argument("--mlp", metavar="SIZES", help=i18n.text("help.backprop.mlp", hl))
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help=i18n.text("help.backprop.seed", hl))
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("-o", "--output", metavar="FIGURE", help=i18n.text("help.backprop.output", hl))
    from bibun.cli.graph import with_figure  # -o: the graph figure of bibun.plot.graph

    p.set_defaults(func=with_figure(run))
    allow_negative_arguments(p)
