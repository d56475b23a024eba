"""`bibun tour`: the seeds' walk through calculus for machine learning (`make demo`)."""

from __future__ import annotations

from pathlib import Path

from bibun.errors import BibunError
from bibun.tour import run as run_tour


def run(args) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise BibunError(f"--out {out} is a file; give a directory for the figures")
    run_tour(lang=args.lang, out=out)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "tour", help="walk through the seeds: limits, rules, chain rule, e, sigmoid, tanh, "
                     "partials, gradient descent, least squares, backprop",
        description="Prints each step's explanation and writes the figures into --out.")
    p.add_argument("--lang", choices=("en", "ja"), default="en",
                   help="language of the narration and the figure labels (default en)")
    p.add_argument("--out", default="demo-out", help="directory for figures (default demo-out)")
    p.set_defaults(func=run)
