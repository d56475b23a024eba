"""`bibun descend`: gradient descent on a formula, with the stopping reason spelled out."""

from __future__ import annotations

import json

from bibun.cli._args import allow_negative_arguments, note, read_formula
from bibun.descend import (
    CLASSIC,
    CLASSIC_EXPR,
    CLASSIC_START,
    OPTIMIZER_NAMES,
    compare,
    compare_table,
    descend,
)
from bibun.errors import BibunError


def run(args) -> int:
    if args.compare:
        text = args.expr or CLASSIC_EXPR
        start = args.start or ",".join(f"{v:g}" for v in CLASSIC_START)
        steps = args.steps if args.steps is not None else 30
        if args.optimizer:
            names = args.optimizer.split(",")
            configs = {n: (n, args.lr) for n in names}
        else:
            configs = CLASSIC
        expr = read_formula(text)
        runs = compare(expr, start, configs, steps=steps)
        if args.format == "json":
            print(json.dumps({k: r.to_dict() for k, r in runs.items()}, ensure_ascii=False,
                             indent=2))
        else:
            print(f"f = {expr}, from ({start}), {steps} steps each")
            print(compare_table(runs, args.lang))
        if args.plot:
            from bibun.plot import plot_contour

            note(plot_contour(expr, args.plot, runs=runs, lang=args.lang))
        return 0
    if not args.expr:
        raise BibunError("give a formula to minimize, e.g. bibun descend 'x^2 + y^2' --from 3,4"
                         " (or --compare for the classic comparison)")
    if not args.start:
        raise BibunError("give a starting point with --from, e.g. --from 3,4")
    expr = read_formula(args.expr)
    steps = args.steps if args.steps is not None else 100
    r = descend(expr, args.start, args.optimizer or "gd", args.lr, steps=steps, tol=args.tol,
                variables=args.vars)
    if args.format == "json":
        print(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(r.summary(lang=args.lang))
    if args.plot:
        from bibun.plot import plot_contour, plot_function, plot_loss

        if len(r.variables) == 2:
            path = plot_contour(expr, args.plot, runs={args.optimizer or "gd": r},
                                lang=args.lang)
        elif len(r.variables) == 1:
            lo, hi = r.box[0]
            path = plot_function(expr, args.plot, var=r.variables[0], xrange=(lo, hi),
                                 lang=args.lang)
        else:
            path = plot_loss(list(r.values), args.plot, lang=args.lang, title=f"f = {expr}",
                             xlabel="step")
        note(path)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "descend", help="gradient descent on a formula (symbolic gradient, shared optimizers)",
        description="Minimize a formula by gradient descent. The run stops when |grad f| < "
                    "tol (converged), when the iterates blow up (diverged: reported, not an "
                    "error) or after --steps; it warns about saddles and about local minima "
                    "that are not the lowest point of the plotted box.")
    allow_negative_arguments(p)
    p.add_argument("expr", nargs="?", help="formula, e.g. 'x^2/20 + y^2'")
    p.add_argument("--from", dest="start", metavar="POINT",
                   help="start point, e.g. 3,4 (or --from=-7,2)")
    p.add_argument("--optimizer", help=f"one of {', '.join(OPTIMIZER_NAMES)} (default gd); "
                                       "with --compare a comma list")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    p.add_argument("--steps", type=int, help="maximum number of updates (default 100; "
                                             "30 with --compare)")
    p.add_argument("--tol", type=float, default=1e-6,
                   help="converged when |grad f| is below this (default 1e-6)")
    p.add_argument("--vars", help="variable order, e.g. x,y (default: sorted free symbols)")
    p.add_argument("--compare", action="store_true",
                   help="compare optimizers (default: SGD 0.95, Momentum 0.1, AdaGrad 1.5, "
                        "Adam 0.3 on x^2/20 + y^2 from (-7, 2), 30 steps)")
    p.add_argument("--plot", metavar="FILE", help="also draw the path (.png/.svg/.pdf)")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="report and plot labels")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)
