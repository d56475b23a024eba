"""`bibun tour`: the seeds' walk through calculus for machine learning (`make demo`)."""

from __future__ import annotations

from bibun.tour import run as run_tour


def run(args) -> int:
    run_tour(lang=args.lang, out=args.out)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "tour", help="walk through the seeds: limits, rules, chain rule, e, sigmoid, tanh, "
                     "partials, gradient descent, least squares, backprop",
        description="Prints each step's explanation and writes the figures into --out.")
    p.add_argument("--lang", choices=("en", "ja"), default="en")
    p.add_argument("--out", default="demo-out", help="directory for figures (default demo-out)")
    p.set_defaults(func=run)
