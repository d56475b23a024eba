"""`bibun train`: train an MLP or LSTM on a shipped data set and watch it learn."""

from __future__ import annotations

import argparse

import numpy as np

CHOICES_DATA = ("digits", "iris", "spiral", "sine")


def run(args: argparse.Namespace) -> int:
    from bibun.autodiff.memory import tune_malloc
    from bibun.nn.train import build_model, load_task, plot_history, train

    tune_malloc()  # a training process: reuse freed memory instead of faulting it back in
    dtype = np.float32 if args.dtype == "float32" else np.float64
    task = load_task(args.data, seed=args.seed, dtype=dtype)
    model = build_model(task, args.model, args.activation, args.hidden, seed=args.seed,
                        dtype=dtype)
    print(f"{args.data}: {len(task.X_train)} training / {len(task.X_test)} test examples; "
          f"{args.model} with {args.activation}, {model.num_parameters()} parameters, "
          f"{args.optimizer} lr={args.lr or task.lr}")
    hist = train(task, model, epochs=args.epochs, lr=args.lr, optimizer=args.optimizer,
                 batch_size=args.batch_size, seed=args.seed, progress=not args.quiet,
                 log=None if not args.quiet else (lambda s: None))
    if task.classes:
        print(f"final test accuracy: {100 * hist.test_metric[-1]:.1f}% "
              f"(train {100 * hist.train_metric[-1]:.1f}%, loss {hist.loss[-1]:.4f})")
    else:
        print(f"final test mse: {hist.test_metric[-1]:.5f} (train {hist.train_metric[-1]:.5f})")
    if args.plot:
        plot_history(hist, args.plot, f"{args.data} · {args.model} · {args.activation}")
        print(f"loss curve written to {args.plot}")
    if args.save:
        model.save(args.save)
        print(f"parameters written to {args.save}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a small network (MLP or LSTM) on shipped data")
    p.add_argument("--data", choices=CHOICES_DATA, default="spiral")
    p.add_argument("--model", choices=("mlp", "lstm", "rnn"), default=None,
                   help="default: lstm for sine, mlp otherwise")
    p.add_argument("--activation", choices=("sigmoid", "tanh", "relu"), default="tanh",
                   help="hidden activation of the MLP")
    p.add_argument("--epochs", type=int, default=None, help="default depends on the data")
    p.add_argument("--lr", type=float, default=None, help="learning rate")
    p.add_argument("--optimizer", default="adam",
                   choices=("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"))
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--hidden", type=int, default=None, help="hidden units")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", help="write the loss curve to this image (e.g. loss.png)")
    p.add_argument("--save", help="write the trained parameters to this .npz")
    p.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")
    p.set_defaults(func=_run_with_default_model)


def _run_with_default_model(args: argparse.Namespace) -> int:
    if args.model is None:
        args.model = "lstm" if args.data == "sine" else "mlp"
    from bibun.errors import BibunError

    if args.epochs is not None and args.epochs < 1:
        raise BibunError(f"--epochs must be at least 1, got {args.epochs}")
    return run(args)
