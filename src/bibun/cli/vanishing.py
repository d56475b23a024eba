"""`bibun vanishing --depth 10`: per-layer gradient norms of deep sigmoid, tanh and ReLU
networks — the vanishing gradient (sigmoid' ≤ 0.25) measured."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from bibun.nn.vanishing import plot, probe, table

    probes = probe(args.depth, args.width, steps=args.steps, lr=args.lr, seed=args.seed)
    print(table(probes))
    by = {p.activation: p for p in probes}
    if "sigmoid" in by:
        print(f"\nsigmoid' ≤ 0.25, so {args.depth} sigmoid layers shrink the gradient by up to "
              f"0.25^{args.depth} ≈ {0.25 ** args.depth:.1e} on its way to the first layer.")
    if args.plot:
        plot(probes, args.plot)
        print(f"plot written to {args.plot}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vanishing", help="measure vanishing gradients: sigmoid vs tanh vs "
                       "ReLU in a deep network")
    p.add_argument("--depth", type=int, default=10, help="hidden layers (default 10)")
    p.add_argument("--width", type=int, default=32, help="units per hidden layer")
    p.add_argument("--steps", type=int, default=0,
                   help="also train this many SGD steps and report the loss")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", help="write the per-layer plot to this image")
    p.set_defaults(func=run)
