"""`bibun graph EXPR --at x=1,y=2 [-o out.svg|out.dot]`: draw a formula's computation graph
with the value (forward pass) and gradient (backward pass) on every node."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from bibun.autodiff.draw import to_dot, to_svg
    from bibun.autodiff.expr_graph import graph_of
    from bibun.cli.diff import parse_point

    out, inputs = graph_of(args.expr, parse_point(args.at))
    title = f"f = {args.expr}"
    fmt = args.format
    if fmt is None:
        fmt = "dot" if args.output and args.output.endswith(".dot") else "svg"
    if fmt == "dot":
        text = to_dot(out, title=title)
    else:
        text = to_svg(out, engine=args.engine, title=title)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        grads = ", ".join(f"∂f/∂{k} = {float(v.grad):.6g}" for k, v in inputs.items()
                          if v.grad is not None)
        print(f"f = {out.item():.6g}" + (f"; {grads}" if grads else "")
              + f"  (graph written to {args.output})")
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("graph", help="draw the computation graph of a formula (values and "
                       "gradients), as SVG or DOT")
    p.add_argument("expr", help="formula, e.g. 'sigmoid(w*x+b)'")
    p.add_argument("--at", help="point, e.g. x=1,y=2 (every variable needs a value)")
    p.add_argument("-o", "--output", help="file to write (.svg or .dot); default: stdout")
    p.add_argument("--format", choices=("svg", "dot"), help="default: from the file name, "
                   "else svg")
    p.add_argument("--engine", choices=("auto", "graphviz", "builtin"), default="auto",
                   help="SVG layout: Graphviz's dot when installed (auto), or bibun's own")
    p.set_defaults(func=run)



