"""`bibun tour`: the seeds' walk through calculus for machine learning (`make demo`)."""

from __future__ import annotations

from pathlib import Path

from bibun.i18n import error
from bibun.tour import run as run_tour


def run(args) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise error("error.cli.out_is_file", out=out)
    run_tour(lang=args.lang, out=out)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "tour", help="walk through the seeds: limits, rules, chain rule, e, sigmoid, tanh, "
                     "partials, gradient descent, least squares, backprop",
        description="Prints each step's explanation and writes the figures into --out.")
    p.add_argument("--out", default="demo-out", help="directory for figures (default demo-out)")
    p.set_defaults(func=run)
