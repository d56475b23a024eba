"""`bibun plot`: draw a formula with its derivatives, or one of the seeds' pictures."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bibun import i18n
from bibun.cli._args import (
    allow_negative_arguments,
    bounded_int,
    figure_path,
    note,
    parse_assignments,
    positive_float,
    read_formula,
)
from bibun.cli._help import help_lang
from bibun.errors import BibunError
from bibun.i18n import Msg, error

#: the command line's limit on descent steps drawn on a contour plot (each one a marker)
MAX_STEPS = 10_000
#: a file of losses larger than this is not a loss curve
MAX_LOSS_FILE = 50_000_000

#: the kinds (bibun.plot.KINDS, without importing matplotlib for every command) and the
#: options each one reads; any other option given is an error, not silently ignored
OPTIONS = {
    "function": {"expr", "derivative", "order", "tangent_at", "range", "var"},
    "sigmoid": {"range"},
    "tanh": {"range"},
    "error": {"expr", "at", "var"},
    "series": {"expr", "order", "at", "range", "var"},
    "contour": {"expr", "range", "start", "optimizer", "lr", "steps"},
    "surface": {"expr", "at", "range"},
    "loss": {"expr"},
    "implicit": {"expr", "at", "range"},
    "parametric": {"expr", "at", "range"},
}
FLAGS = {"expr": "a formula", "derivative": "--derivative", "order": "--order",
         "tangent_at": "--tangent-at", "range": "--range", "var": "--var", "at": "--at",
         "start": "--from", "optimizer": "--optimizer", "lr": "--lr", "steps": "--steps"}


def default_lr(optimizer: str) -> float:
    """The learning rate that shows an optimizer's character on a contour comparison (the
    classic comparison's: plain descent 0.95, momentum 0.1, AdaGrad 1.5, Adam 0.3, so
    AdaGrad's shrinking steps are visible instead of a path too short to see); 0.1 for
    the others."""
    from bibun.descend import CLASSIC

    rates = {opt: lr for opt, lr in CLASSIC.values()}
    return rates.get(optimizer.lower(), 0.1)


def _check_options(args: Any) -> None:
    kind = args.kind
    for name, flag in FLAGS.items():
        given = getattr(args, name)
        if given is not None and given is not False and name not in OPTIONS[kind]:
            if name == "expr":
                raise error("error.cli.kind_no_formula", kind=kind, given=repr(given))
            uses = sorted(k for k, names in OPTIONS.items() if name in names)
            if uses:
                raise error("error.cli.flag_for_other_kinds", flag=flag, kind=kind,
                            kinds=", ".join(uses))
            raise error("error.cli.flag_not_for_kind", flag=flag, kind=kind)


def _points(text: str | None, n: int, what: str) -> tuple[float, ...] | None:
    if text is None:
        return None
    from bibun.calculus import to_float

    parts = [p for p in text.strip("()[] ").split(",") if p.strip()]
    if len(parts) != n:
        raise error("error.cli.numbers_needed", what=what, n=n, text=repr(text))
    return tuple(to_float(_number(p, what)) for p in parts)


def _number(text: str, what: str) -> Any:
    """One number (exact where it is exact: 1/3, pi/2) by :func:`bibun.calculus.as_number`,
    named in the error also when the text does not parse."""
    from bibun.calculus import as_number

    if "," in text:
        raise error("error.cli.one_number", what=what, text=repr(text))
    try:
        return as_number(text, what)
    except BibunError as exc:
        if type(exc) is BibunError:  # as_number's own "... must be a number": names `what`
            raise
        raise error("error.cli.number_unreadable", what=what, text=repr(text),
                    error=getattr(exc, 'message', exc)) from None


def _box(text: str | None) -> list[tuple[float, ...]] | None:
    """``--range a,b`` of a two-variable plot (contour, surface) for both axes; None
    leaves the plot its own default box."""
    if not text:
        return None
    from bibun.plot import parse_range

    r = parse_range(text, (0.0, 1.0))
    return [r, r]


def _losses(source: str) -> list[float]:
    """Loss values from a file of numbers, or the numbers themselves (``1,0.5,0.25``)."""
    from bibun.text import shorten

    p = Path(source)
    tokens = [t for t in re.split(r"[\s,;]+", source) if t]
    if p.is_dir():
        raise error("error.cli.loss_directory", source=source)
    if p.is_file():
        if p.stat().st_size > MAX_LOSS_FILE:
            raise error("error.cli.loss_file_large", source=source, size=p.stat().st_size,
                        limit=MAX_LOSS_FILE)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise error("error.cli.loss_not_text", source=source) from None
        where = Msg("error.cli.loss_in_file", {"source": source})
    elif not tokens or not all(_is_number(t) for t in tokens):
        raise error("error.cli.loss_no_file", source=source)
    else:
        text, where = source, Msg("error.cli.loss_in_argument")
    out = []
    for i, tok in enumerate(t for t in re.split(r"[\s,;]+", text) if t):
        try:
            out.append(float(tok))
        except ValueError:
            raise error("error.cli.loss_value", n=i + 1, where=where,
                        tok=repr(shorten(tok, 30))) from None
    if not out:
        given = where.key == "error.cli.loss_in_argument"
        raise error("error.cli.no_loss_values",
                    where=Msg("error.cli.loss_given") if given else where)
    return out


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


#: "x = cos t, y = sin t": a parametric curve (rather than an equation in x and y)
_PARAMETRIC = re.compile(r"^\s*x\s*=[^=]*,\s*y\s*=[^=]*$")


def _kind_of_equation(args: Any) -> None:
    """A formula with '=' given to the default kind draws a curve: ``x = cos t, y = sin t``
    a parametric one, ``y = x^2`` the graph of x², any other equation (``x^2 + y^2 = 1``)
    the implicit curve."""
    text = args.expr
    if args.kind != "function" or not text or "=" not in text:
        return
    if _PARAMETRIC.match(text):
        args.kind = "parametric"
        return
    left, _, right = text.partition("=")
    if left.strip() == "y" and "=" not in right and "y" not in read_formula(right).free:
        args.expr = right
        return
    args.kind = "implicit"


def _exact(v: Any) -> Any:
    """A value from --at, exact where it was written as a short decimal (0.6 → 3/5), so
    the tangent's coefficients are exact too."""
    from fractions import Fraction

    if isinstance(v, float) and len(repr(v)) <= 12:
        return Fraction(repr(v))
    return v


def _implicit(e: str, at: str | None, out: Any, rng: str | None, lang: str | None) -> Any:
    """`bibun plot "x^2 + y^2 = 1" --at x=0.6[,y=0.8]`: the curve and its tangent; with x
    alone the point is found on the curve (the highest one when there are several, the
    others named in a warning)."""
    import sys

    from bibun.calculus import to_float
    from bibun.plot import implicit_points, plot_implicit

    point = {k: _exact(v) for k, v in parse_assignments(at, "--at").items()} if at else None
    if point and set(point) == {"x"}:
        ys = implicit_points(e, float(to_float(point["x"])))
        if not ys:
            raise error("error.cli.implicit_no_point", equation=e, x=at)
        point["y"] = max(ys, key=lambda y: float(y))
        if len(ys) > 1:
            print(i18n.text("cli.warning", lang, message=i18n.text(
                "cli.implicit_several", lang, equation=e, x=at,
                ys=", ".join(i18n.format_number(float(y)) for y in ys),
                y=i18n.format_number(float(point["y"])))),
                file=sys.stderr)
    return plot_implicit(e, out, at=point, xrange=rng, lang=lang)


def _parametric(e: str, at: str | None, out: Any, rng: str | None, lang: str | None) -> Any:
    """`bibun plot "x = cos t, y = sin t" --at t=pi/4` (or ``--at pi/4``)."""
    from bibun.plot import plot_parametric

    t0 = None
    if at is not None:
        t0 = at.split("=", 1)[1].strip() if "=" in at else at
        _number(t0, "--at")
    return plot_parametric(e, out, at=t0, trange=rng, lang=lang)


def run(args) -> int:
    from bibun.plot import (
        plot_contour,
        plot_error_vs_h,
        plot_function,
        plot_loss,
        plot_series,
        plot_sigmoid,
        plot_surface,
        plot_tanh,
    )

    _kind_of_equation(args)
    kind = args.kind
    _check_options(args)  # before any work: an option that would be ignored is a mistake
    out = figure_path(args.output or f"{kind}.png", "-o")
    if kind in ("sigmoid", "tanh"):
        fn = plot_sigmoid if kind == "sigmoid" else plot_tanh
        note(fn(out, xrange=args.range, lang=args.lang))
        return 0
    if args.expr is None:
        raise error("error.cli.kind_needs_formula", kind=kind)
    if kind == "loss":
        note(plot_loss(_losses(args.expr), out, lang=args.lang))
        return 0
    if kind in ("implicit", "parametric"):
        draw = _implicit if kind == "implicit" else _parametric
        note(draw(args.expr, args.at, out, args.range, args.lang))
        return 0
    e = read_formula(args.expr)
    if kind == "function":
        if args.order == 0 and args.derivative:
            raise error("error.cli.derivative_order0")
        order = args.order if args.order is not None else (1 if args.derivative else 0)
        tangent_at = _number(args.tangent_at, "--tangent-at") if args.tangent_at else None
        note(plot_function(e, out, var=args.var, xrange=args.range, derivatives=order,
                           tangent_at=tangent_at, lang=args.lang))
    elif kind == "error":
        at = _number(args.at, "--at") if args.at is not None else 1
        note(plot_error_vs_h(e, at, out, var=args.var, lang=args.lang))
    elif kind == "series":
        order = args.order if args.order is not None else 7
        if order < 0:
            raise error("error.cli.series_order", order=order)
        orders = sorted({k for k in (1, 2, 3, 5, order) if k <= order})
        at = _number(args.at, "--at") if args.at is not None else 0
        note(plot_series(e, out, var=args.var, at=at, orders=orders,
                         xrange=args.range, lang=args.lang))
    elif kind == "contour":
        box = _box(args.range)
        runs = None
        if args.start:
            from bibun.descend import compare

            names = [n.strip() for n in (args.optimizer or "gd,momentum,adagrad,adam").split(",")]
            if not all(names):
                raise error("error.cli.optimizer_list", optimizer=repr(args.optimizer))
            steps = args.steps if args.steps is not None else 30
            runs = compare(e, args.start, {n: (n, args.lr if args.lr is not None else
                                               default_lr(n)) for n in names}, steps=steps)
        elif args.optimizer or args.lr is not None or args.steps is not None:
            raise error("error.cli.paths_need_from")
        note(plot_contour(e, out, runs=runs, box=box, lang=args.lang))
    elif kind == "surface":
        box = _box(args.range)
        if args.at:
            at = _points(args.at, 2, "--at")
        else:  # the seeds' point (3, 4), or the middle of a box that does not contain it
            at = (3.0, 4.0)
            if box and not all(lo <= v <= hi for v, (lo, hi) in zip(at, box)):
                at = (sum(box[0]) / 2, sum(box[1]) / 2)
        note(plot_surface(e, out, at=at, box=box, lang=args.lang))
    else:  # pragma: no cover - argparse restricts the choices
        raise error("error.cli.unknown_kind", kind=kind)
    return 0


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser(
        "plot", help=i18n.text("help.plot", hl),
        description=i18n.text("help.plot.description", hl))
    p.add_argument("expr", nargs="?", help=i18n.text("help.plot.expr", hl))
    p.add_argument("--kind", choices=tuple(OPTIONS), default="function")
    p.add_argument("--derivative", action="store_true", help=i18n.text("help.plot.derivative", hl))
    p.add_argument("--order", type=int,
                   help=i18n.text("help.plot.order", hl))
    p.add_argument("--tangent-at", metavar="X0", help=i18n.text("help.plot.tangent_at", hl))
    p.add_argument("--range", metavar="A,B", help=i18n.text("help.plot.range", hl))
    p.add_argument("--at", help=i18n.text("help.plot.at", hl))
    p.add_argument("--var", help=i18n.text("help.plot.var", hl))
    p.add_argument("--from", dest="start", metavar="POINT",
                   help=i18n.text("help.plot.from", hl))
    p.add_argument("--optimizer", help=i18n.text("help.plot.optimizer", hl))
    p.add_argument("--lr", type=positive_float, default=None,
                   help=i18n.text("help.plot.lr", hl))
    p.add_argument("--steps", type=bounded_int(0, MAX_STEPS), default=None,
                   help=i18n.text("help.plot.steps", hl, max_steps=MAX_STEPS))
    p.add_argument("-o", "--output", metavar="FILE",
                   help=i18n.text("help.plot.output", hl))
    allow_negative_arguments(p)
    p.set_defaults(func=run)
