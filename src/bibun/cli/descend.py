"""`bibun descend`: gradient descent on a formula, with the stopping reason spelled out."""

from __future__ import annotations

import json

from bibun import i18n
from bibun.cli._args import (
    allow_negative_arguments,
    bounded_int,
    figure_path,
    note,
    positive_float,
    read_formula,
)
from bibun.cli._help import help_lang
from bibun.descend import (
    CLASSIC,
    CLASSIC_EXPR,
    CLASSIC_START,
    OPTIMIZER_NAMES,
    compare,
    compare_table,
    descend,
    point_text,
)
from bibun.i18n import error

#: more updates than this would take minutes: refuse instead of hanging
MAX_STEPS = 100_000

def _configs(args) -> dict[str, tuple[str, float]]:
    """--optimizer a,b with --lr, or the classic four (with --lr for all, when given)."""
    if args.optimizer:
        names = [n.strip() for n in args.optimizer.split(",") if n.strip()]
        unknown = [n for n in names if n.lower() not in OPTIMIZER_NAMES]
        if unknown or not names:
            raise error("error.cli.unknown_optimizer",
                        name=repr(', '.join(unknown) or args.optimizer),
                        names=', '.join(OPTIMIZER_NAMES))
        if len(set(names)) != len(names):
            raise error("error.cli.optimizer_twice", optimizer=args.optimizer)
        return {n: (n, args.lr if args.lr is not None else 0.1) for n in names}
    if args.lr is not None:
        return {label: (opt, args.lr) for label, (opt, _) in CLASSIC.items()}
    return CLASSIC


def run(args) -> int:
    figure_path(args.plot)  # before any work: a report is never followed by an error
    steps_given = args.steps
    if args.compare:
        text = args.expr or CLASSIC_EXPR
        start = args.start or ",".join(f"{v:g}" for v in CLASSIC_START)
        steps = steps_given if steps_given is not None else 30
        expr = read_formula(text)
        if args.plot:
            n = len(args.vars.replace(",", " ").split()) if args.vars else len(expr.free)
            if n != 2:
                raise error("error.cli.compare_two_variables", expr=expr, n=n)
        runs = compare(expr, start, _configs(args), steps=steps,
                       tol=args.tol if args.tol is not None else 1e-10, variables=args.vars)
        first = next(iter(runs.values()))
        if args.format == "json":
            print(json.dumps({k: r.to_dict() for k, r in runs.items()}, ensure_ascii=False,
                             indent=2))
        else:
            start_text = point_text(first.path[0], first.variables)
            print(i18n.text("descend.compare_head", args.lang, f=expr, start=start_text,
                            steps=steps))
            print(compare_table(runs, args.lang))
        if args.plot:
            from bibun.plot import plot_contour

            note(plot_contour(expr, args.plot, runs=runs, lang=args.lang))
        return 0
    if not args.expr:
        raise error("error.cli.descend_no_formula")
    if not args.start:
        raise error("error.cli.descend_no_start")
    expr = read_formula(args.expr)
    steps = steps_given if steps_given is not None else 100
    r = descend(expr, args.start, args.optimizer or "gd",
                args.lr if args.lr is not None else 0.1, steps=steps,
                tol=args.tol if args.tol is not None else 1e-6, variables=args.vars,
                lang=args.lang)
    if args.format == "json":
        print(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(r.summary(lang=args.lang))
    if args.plot:
        from bibun.plot import plot_contour, plot_descent, plot_loss

        if len(r.variables) == 2:
            path = plot_contour(expr, args.plot, runs={args.optimizer or "gd": r},
                                lang=args.lang)
        elif len(r.variables) == 1:  # the curve with the steps on it (bibun.plot.descent)
            path = plot_descent(r, args.plot, lang=args.lang)
        else:
            path = plot_loss(list(r.values), args.plot, lang=args.lang, title=f"f = {expr}",
                             xlabel=i18n.text("plot.step_axis", args.lang))
        note(path)
    return 0


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser(
        "descend", help=i18n.text("help.descend", hl),
        description=i18n.text("help.descend.description", hl))
    allow_negative_arguments(p)
    p.add_argument("expr", nargs="?", help=i18n.text("help.descend.expr", hl))
    p.add_argument("--from", dest="start", metavar="POINT",
                   help=i18n.text("help.descend.from", hl))
    p.add_argument("--optimizer",
                   help=i18n.text("help.descend.optimizer", hl,
                                  optimizer_names=", ".join(OPTIMIZER_NAMES)))
    p.add_argument("--lr", type=positive_float,
                   help=i18n.text("help.descend.lr", hl))
    p.add_argument("--steps", type=bounded_int(1, MAX_STEPS, "cli.arg.why_descend_steps"),
                   help=i18n.text("help.descend.steps", hl, max_steps=MAX_STEPS))
    p.add_argument("--tol", type=positive_float,
                   help=i18n.text("help.descend.tol", hl))
    p.add_argument("--vars", help=i18n.text("help.descend.vars", hl))
    p.add_argument("--compare", action="store_true",
                   help=i18n.text("help.descend.compare", hl))
    p.add_argument("--plot", metavar="FILE", help=i18n.text("help.descend.plot", hl))
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)
