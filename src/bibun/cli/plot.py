"""`bibun plot`: draw a formula with its derivatives, or one of the seeds' pictures."""

from __future__ import annotations

import re
from pathlib import Path

from bibun.cli._args import allow_negative_arguments, note
from bibun.errors import BibunError
from bibun.expr.parse import parse_full
from bibun.plot import (
    KINDS,
    plot_contour,
    plot_error_vs_h,
    plot_function,
    plot_loss,
    plot_series,
    plot_sigmoid,
    plot_surface,
    plot_tanh,
)


def _points(text: str | None, n: int, what: str) -> tuple[float, ...] | None:
    if text is None:
        return None
    from bibun.calculus import as_number, to_float

    parts = [p for p in text.strip("()[] ").split(",") if p.strip()]
    if len(parts) != n:
        raise BibunError(f"{what} needs {n} number(s) separated by commas, got {text!r}")
    return tuple(to_float(as_number(p, what)) for p in parts)


def _box(text: str | None) -> list[tuple[float, ...]] | None:
    """``--range a,b`` of a two-variable plot (contour, surface) for both axes; None
    leaves the plot its own default box."""
    if not text:
        return None
    r = _points(text, 2, "--range")
    return [r, r]


def _losses(source: str) -> list[float]:
    p = Path(source)
    text = p.read_text(encoding="utf-8") if p.exists() else source
    out = []
    for i, tok in enumerate(t for t in re.split(r"[\s,;]+", text) if t):
        try:
            out.append(float(tok))
        except ValueError:
            raise BibunError(f"loss value {i + 1} is not a number: {tok!r}") from None
    if not out:
        raise BibunError("no loss values given")
    return out


def run(args) -> int:
    kind = args.kind
    out = args.output or f"{kind}.png"
    if kind in ("sigmoid", "tanh"):
        fn = plot_sigmoid if kind == "sigmoid" else plot_tanh
        note(fn(out, xrange=args.range, lang=args.lang))
        return 0
    if args.expr is None:
        raise BibunError(f"--kind {kind} needs a formula (or a file of losses for loss)")
    if kind == "loss":
        note(plot_loss(_losses(args.expr), out, lang=args.lang))
        return 0
    parsed = parse_full(args.expr)
    e = parsed.expr
    if kind == "function":
        order = args.order if args.order is not None else (1 if args.derivative else 0)
        note(plot_function(e, out, var=args.var, xrange=args.range, derivatives=order,
                                tangent_at=args.tangent_at, lang=args.lang))
    elif kind == "error":
        note(plot_error_vs_h(e, args.at or "1", out, var=args.var, lang=args.lang))
    elif kind == "series":
        order = args.order or 7
        orders = sorted({k for k in (1, 2, 3, 5, order) if k <= order})
        note(plot_series(e, out, var=args.var, at=args.at or 0, orders=orders,
                              xrange=args.range, lang=args.lang))
    elif kind == "contour":
        runs = None
        if args.start:
            from bibun.descend import compare

            names = (args.optimizer or "gd,momentum,adagrad,adam").split(",")
            runs = compare(e, args.start, {n: (n, args.lr) for n in names}, steps=args.steps)
        note(plot_contour(e, out, runs=runs, box=_box(args.range), lang=args.lang))
    elif kind == "surface":
        at = _points(args.at, 2, "--at") if args.at else (3.0, 4.0)
        note(plot_surface(e, out, at=at, box=_box(args.range), lang=args.lang))
    else:  # pragma: no cover - argparse restricts the choices
        raise BibunError(f"unknown plot kind {kind}")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "plot", help="plot a function with its derivatives, or a seed picture",
        description="Kinds: function (f, f', f'' and tangent lines), sigmoid (gains and the "
                    "step function), tanh (with its derivative), error (difference-quotient "
                    "error against h), series (Taylor polynomials), contour (2 variables: "
                    "contours, -grad f, descent paths), surface (3D with the cross-section "
                    "y = const), loss (a file of numbers). The extension of -o picks "
                    "PNG, SVG or PDF.")
    allow_negative_arguments(p)
    p.add_argument("expr", nargs="?", help="formula (or for --kind loss a file of numbers)")
    p.add_argument("--kind", choices=KINDS, default="function")
    p.add_argument("--derivative", action="store_true", help="also draw f'")
    p.add_argument("--order", type=int,
                   help="draw derivatives up to this order (series: the highest order)")
    p.add_argument("--tangent-at", metavar="X0", help="draw the tangent line at x = X0")
    p.add_argument("--range", metavar="A,B", help="x range, e.g. -3,3 (or --range=-3,3)")
    p.add_argument("--at", help="point: expansion point (series), x (error), x,y (surface)")
    p.add_argument("--var", help="the variable (default: the only one, else x)")
    p.add_argument("--from", dest="start", metavar="POINT",
                   help="contour: start descent paths here, e.g. -7,2")
    p.add_argument("--optimizer", help="contour: comma list of optimizers")
    p.add_argument("--lr", type=float, default=0.1, help="contour: learning rate")
    p.add_argument("--steps", type=int, default=30, help="contour: steps per path")
    p.add_argument("--lang", choices=("en", "ja"), default="en")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default KIND.png)")
    p.set_defaults(func=run)
