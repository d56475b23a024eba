"""`bibun graph EXPR --at x=1,y=2 [-o out.svg|out.dot]`: draw a formula's computation graph
with the value (forward pass) and gradient (backward pass) on every node."""

from __future__ import annotations

import argparse
import sys

from bibun import i18n
from bibun.cli._args import allow_negative_arguments, output_path, parse_assignments, read_formula
from bibun.cli._help import help_lang
from bibun.i18n import error

#: file extension -> format
SUFFIXES = {".svg": "svg", ".dot": "dot", ".gv": "dot"}


def _format(fmt: str | None, output: str | None) -> str:
    """The output format from --format and the file name; a contradiction is an error
    (DOT text in a file called .svg opens as a broken picture)."""
    if output is None:
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
    from bibun.autodiff.expr_graph import graph_of

    fmt = _format(args.format, args.output)  # before any work
    if fmt == "dot" and args.engine is not None:
        raise error("error.cli.graph_engine")
    expr = read_formula(args.expr)
    out, inputs = graph_of(expr, parse_assignments(args.at, "--at"))
    title = _title(args.expr)
    if fmt == "dot":
        text = to_dot(out, title=title)
    else:
        text = to_svg(out, engine=args.engine or "auto", title=title)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        grads = ", ".join(f"∂f/∂{k} = {float(v.grad):.6g}" for k, v in inputs.items()
                          if v.grad is not None)
        print(f"f = {float(out.item()):.6g}" + (f"; {grads}" if grads else "")
              + i18n.text("graph.written", args.lang, path=args.output))
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    hl = help_lang()
    p = sub.add_parser("graph", help=i18n.text("help.graph", hl),
                       description=i18n.text("help.graph.description", hl))
    p.add_argument("expr", help=i18n.text("help.graph.expr", hl))
    p.add_argument("--at", help=i18n.text("help.graph.at", hl))
    p.add_argument("-o", "--output", help=i18n.text("help.graph.output", hl))
    p.add_argument("--format", choices=("svg", "dot"), help=i18n.text("help.graph.format", hl))
    p.add_argument("--engine", choices=("auto", "graphviz", "builtin"), default=None,
                   help=i18n.text("help.graph.engine", hl))
    allow_negative_arguments(p)
    p.set_defaults(func=run)
