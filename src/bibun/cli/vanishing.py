"""`bibun vanishing --depth 10`: per-layer gradient norms of deep sigmoid, tanh and ReLU
networks — the vanishing gradient (sigmoid' ≤ 0.25) measured."""

from __future__ import annotations

import argparse

from bibun.cli._args import bounded_int, figure_path, nonnegative_int, positive_float
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


def _layers(n: int, what: str) -> str:
    return f"{n} {what} layer{'s' if n != 1 else ''}"


def run(args: argparse.Namespace) -> int:
    from bibun.nn.vanishing import estimated_seconds

    figure_path(args.plot)  # checked before any work: a typo must not cost the whole run
    seconds = estimated_seconds(args.depth, args.width, args.steps)
    if seconds > MAX_SECONDS:
        steps = Msg("error.cli.vanishing_steps", {"steps": args.steps}) if args.steps else ""
        raise error("error.cli.vanishing_too_long", LimitError, depth=args.depth,
                    width=args.width, steps=steps, minutes=seconds / 60,
                    limit=MAX_SECONDS // 60)
    from bibun.nn.vanishing import probe, table
    from bibun.plot import plot_gradient_norms

    probes = probe(args.depth, args.width, steps=args.steps, lr=args.lr, seed=args.seed)
    print(table(probes))
    by = {p.activation: p for p in probes}
    if "sigmoid" in by:
        d = args.depth
        print(f"\nsigmoid' ≤ 0.25, so {_layers(d, 'sigmoid')} "
              f"{'shrinks' if d == 1 else 'shrink'} the gradient by up to "
              f"0.25^{d} ≈ {0.25 ** d:.1e} on its way to the first layer.")
    if args.plot:
        plot_gradient_norms(probes, args.plot)
        print(f"plot written to {args.plot}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vanishing", help="measure vanishing gradients: sigmoid vs tanh vs "
                       "ReLU in a deep network")
    p.add_argument("--depth", type=bounded_int(1, MAX_DEPTH), default=10,
                   help=f"hidden layers (default 10, at most {MAX_DEPTH})")
    p.add_argument("--width", type=bounded_int(1, MAX_WIDTH), default=32,
                   help=f"units per hidden layer (default 32, at most {MAX_WIDTH})")
    p.add_argument("--steps", type=bounded_int(0, MAX_STEPS), default=0,
                   help="also train this many SGD steps and report the loss")
    p.add_argument("--lr", type=positive_float, default=0.1,
                   help="learning rate of those steps (default 0.1)")
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.add_argument("--plot", metavar="FILE",
                   help="write the per-layer plot to this image (.png, .svg or .pdf)")
    p.set_defaults(func=run)
