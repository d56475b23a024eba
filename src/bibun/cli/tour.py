"""`bibun tour`: the seeds' walk through calculus for machine learning (`make demo`)."""

from __future__ import annotations

from pathlib import Path

from bibun import i18n
from bibun.cli._help import help_lang
from bibun.i18n import error


def run(args) -> int:
    from bibun.tour import run as run_tour  # matplotlib and every engine: not for --help

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise error("error.cli.out_is_file", out=out)
    run_tour(lang=args.lang, out=out)
    return 0


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser(
        "tour", help=i18n.text("help.tour", hl),
        description=i18n.text("help.tour.description", hl))
    p.add_argument("--out", default="demo-out", help=i18n.text("help.tour.out", hl))
    p.set_defaults(func=run)
