"""`bibun graph EXPR --at x=1,y=2 [-o out.svg|out.dot|out.png]`: draw a formula's computation
graph with the value (forward pass) and gradient (backward pass) on every node; the PNG
also writes the local derivative on every edge (the backpropagation figure of
:mod:`bibun.plot.graph`, with the numbers of ``bibun backprop``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bibun import i18n
from bibun.cli._args import (
    allow_negative_arguments,
    figure_path,
    note,
    output_path,
    parse_assignments,
    read_formula,
)
from bibun.cli._help import help_lang
from bibun.errors import LimitError
from bibun.i18n import error

#: file extension -> format
SUFFIXES = {".svg": "svg", ".dot": "dot", ".gv": "dot", ".png": "png"}
#: the pre-check before parsing: a formula this long has far more parts than the
#: drawing's limit (bibun.autodiff.expr_graph.MAX_NODES, 2,000), so it is refused in a
#: moment instead of after seconds of parsing and building
MAX_CHARS = 20_000


def _format(fmt: str | None, output: str | None) -> str:
    """The output format from --format and the file name; a contradiction is an error
    (DOT text in a file called .svg opens as a broken picture)."""
    if output is None:
        if fmt == "png":
            raise error("error.cli.graph_png_file")
        return fmt or "svg"
    p = output_path(output, tuple(SUFFIXES))
    from_name = SUFFIXES[p.suffix.lower()]
    if fmt is not None and fmt != from_name:
        fits = " or ".join(s for s, f in SUFFIXES.items() if f == fmt)
        raise error("error.cli.graph_format", fmt=fmt, output=output, from_name=from_name,
                    fits=fits)
    return from_name


def _title(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"f = {text if len(text) <= limit else text[:limit - 1] + '…'}"


def run(args: argparse.Namespace) -> int:
    from bibun.autodiff.draw import to_dot, to_svg
    from bibun.autodiff.expr_graph import MAX_NODES, graph_of

    fmt = _format(args.format, args.output)  # before any work
    if fmt in ("dot", "png") and args.engine is not None:
        raise error("error.cli.graph_engine", fmt=fmt.upper())
    if len(args.expr) > MAX_CHARS:
        raise error("error.cli.graph_too_long", LimitError, length=f"{len(args.expr):,}",
                    limit=f"{MAX_CHARS:,}", nodes=f"{MAX_NODES:,}")
    expr = read_formula(args.expr)
    point = parse_assignments(args.at, "--at")
    out, inputs = graph_of(expr, point)
    title = _title(args.expr)
    if fmt == "png":
        from bibun.explain.backprop import backprop
        from bibun.plot.graph import plot_backprop

        plot_backprop(backprop(expr, point), args.output, lang=args.lang)
    elif fmt == "dot":
        text = to_dot(out, title=title)
    else:
        text = to_svg(out, engine=args.engine or "auto", title=title)
    if args.output:
        if fmt != "png":
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        num = i18n.format_number  # the one formatter
        grads = ", ".join(f"∂f/∂{k} = {num(float(v.grad))}" for k, v in inputs.items()
                          if v.grad is not None)
        print(f"f = {num(float(out.item()))}" + (f"; {grads}" if grads else "")
              + i18n.text("graph.written", args.lang, path=args.output))
    else:
        sys.stdout.write(text)
    return 0


def with_figure(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``bibun backprop … -o FIG.png``: the worked steps as ``run`` prints them, then the
    same backpropagation drawn (:func:`bibun.plot.graph.plot_backprop`: value and
    gradient on every node, the local derivative on every edge).  The file name is
    checked before any work."""

    def run_and_draw(args: argparse.Namespace) -> int:
        figure_path(getattr(args, "output", None), "-o")
        code = run(args)
        if code == 0 and getattr(args, "output", None):
            from bibun.explain.backprop import backprop, worked_mlp
            from bibun.expr.parse import parse_any_full
            from bibun.plot.graph import plot_backprop

            point = parse_assignments(args.at, "--at")
            if args.mlp is not None:
                sizes = tuple(int(n) for n in args.mlp.split("-"))  # run() checked them
                bp = worked_mlp(sizes, args.seed, point)
            else:
                bp = backprop(parse_any_full(args.expr).expr, point)
            note(plot_backprop(bp, args.output, lang=args.lang))
        return code

    return run_and_draw


def register(sub: argparse._SubParsersAction) -> None:
    hl = help_lang()
    p = sub.add_parser("graph", help=i18n.text("help.graph", hl),
                       description=i18n.text("help.graph.description", hl))
    p.add_argument("expr", help=i18n.text("help.graph.expr", hl))
    p.add_argument("--at", help=i18n.text("help.graph.at", hl))
    p.add_argument("-o", "--output", help=i18n.text("help.graph.output", hl))
    p.add_argument("--format", choices=("svg", "dot", "png"),
                   help=i18n.text("help.graph.format", hl))
    p.add_argument("--engine", choices=("auto", "graphviz", "builtin"), default=None,
                   help=i18n.text("help.graph.engine", hl))
    allow_negative_arguments(p)
    p.set_defaults(func=run)
