"""`bibun vanishing --depth 10`: per-layer gradient norms of deep sigmoid, tanh and ReLU
networks — the vanishing gradient (sigmoid' ≤ 0.25) measured."""

from __future__ import annotations

import argparse

from bibun import i18n
from bibun.cli._args import bounded_int, figure_path, nonnegative_int, positive_float
from bibun.cli._help import help_lang
from bibun.errors import LimitError
from bibun.i18n import Msg, error

#: the command line's limits: a typo must not mean hours of computing or running out of
#: memory.  MAX_DEPTH is bibun.nn.vanishing.MAX_DEPTH (a test keeps them equal), copied
#: because importing bibun.nn here would slow down every bibun command
MAX_DEPTH = 200
MAX_WIDTH = 1024
MAX_STEPS = 10_000
#: a probe estimated (pessimistically) to take longer than this is refused before it starts
MAX_SECONDS = 5 * 60


def run(args: argparse.Namespace) -> int:
    from bibun.nn.vanishing import estimated_seconds

    figure_path(args.plot)  # checked before any work: a typo must not cost the whole run
    seconds = estimated_seconds(args.depth, args.width, args.steps)
    if seconds > MAX_SECONDS:
        steps = Msg("error.cli.vanishing_steps", {"steps": args.steps}) if args.steps else ""
        raise error("error.cli.vanishing_too_long", LimitError, depth=args.depth,
                    width=args.width, steps=steps, minutes=seconds / 60,
                    limit=MAX_SECONDS // 60)
    from bibun.nn.vanishing import probe, sigmoid_summary, table

    probes = probe(args.depth, args.width, steps=args.steps, lr=args.lr, seed=args.seed)
    print(table(probes))
    by = {p.activation: p for p in probes}
    if "sigmoid" in by:
        print()
        print("\n".join(sigmoid_summary(by["sigmoid"], args.lang)))
    if args.plot:
        from bibun.plot import plot_gradient_norms  # matplotlib only when a figure is asked for

        plot_gradient_norms(probes, args.plot, lang=args.lang)
        print(i18n.text("vanishing.plot_written", args.lang, path=args.plot))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    hl = help_lang()
    p = sub.add_parser("vanishing", help=i18n.text("help.vanishing", hl))
    p.add_argument("--depth", type=bounded_int(1, MAX_DEPTH), default=10,
                   help=i18n.text("help.vanishing.depth", hl, max_depth=MAX_DEPTH))
    p.add_argument("--width", type=bounded_int(1, MAX_WIDTH), default=32,
                   help=i18n.text("help.vanishing.width", hl, max_width=MAX_WIDTH))
    p.add_argument("--steps", type=bounded_int(0, MAX_STEPS), default=0,
                   help=i18n.text("help.vanishing.steps", hl))
    p.add_argument("--lr", type=positive_float, default=0.1,
                   help=i18n.text("help.vanishing.lr", hl))
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.add_argument("--plot", metavar="FILE",
                   help=i18n.text("help.vanishing.plot", hl))
    p.set_defaults(func=run)
