"""`bibun train`: train an MLP or LSTM on a shipped data set and watch it learn."""

from __future__ import annotations

import argparse

from bibun import i18n
from bibun.cli._args import (
    bounded_int,
    figure_path,
    nonnegative_int,
    output_path,
    positive_float,
    positive_int,
)
from bibun.cli._help import help_lang
from bibun.errors import LimitError
from bibun.i18n import error

CHOICES_DATA = ("digits", "iris", "spiral", "sine")

#: the command line's limits: a typo (--epochs 1000000, --hidden 100000) must not mean
#: hours of computing or running out of memory; the Python API has no such limits
MAX_EPOCHS = 100_000
MAX_HIDDEN = 1024
#: a run estimated (pessimistically) to take longer than this is refused before it starts
MAX_SECONDS = 15 * 60


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:,.0f} hours"


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from bibun.autodiff.memory import tune_malloc
    from bibun.nn.train import build_model, estimated_seconds, load_task, task_for_model, train
    from bibun.plot import plot_history

    model_name = args.model or ("lstm" if args.data == "sine" else "mlp")
    if model_name != "mlp" and args.activation is not None:
        raise error("error.cli.activation_cnn" if model_name == "cnn" else
                    "error.cli.activation_lstm", model_name=model_name)
    activation = args.activation or "tanh"
    # every file name is checked before any work: a typo must not cost the whole run
    figure_path(args.plot)
    output_path(args.save, (".npz",), "--save")

    tune_malloc()  # a training process: reuse freed memory instead of faulting it back in
    dtype = np.float32 if args.dtype == "float32" else np.float64
    task = task_for_model(load_task(args.data, seed=args.seed, dtype=dtype), model_name)
    model = build_model(task, model_name, activation, args.hidden, seed=args.seed, dtype=dtype)
    epochs = args.epochs if args.epochs is not None else task.epochs
    lr = args.lr if args.lr is not None else task.lr
    batch = min(args.batch_size if args.batch_size is not None else task.batch_size,
                len(task.X_train))
    seconds = estimated_seconds(task, model, epochs, batch)
    if seconds > MAX_SECONDS:
        raise error("error.cli.train_too_long", LimitError, epochs=epochs,
                    params=model.num_parameters(), model_name=model_name, data=args.data,
                    duration=_duration(seconds), limit=MAX_SECONDS // 60)
    lang = args.lang
    what = model_name if model_name != "mlp" else \
        i18n.text("train.mlp_with", lang, activation=activation)
    print(i18n.text("train.head" if epochs != 1 else "train.head_one", lang, data=args.data,
                    train=len(task.X_train), test=len(task.X_test), what=what,
                    params=model.num_parameters(), optimizer=args.optimizer, lr=lr,
                    epochs=epochs, batch=batch))
    hist = train(task, model, epochs=epochs, lr=lr, optimizer=args.optimizer,
                 batch_size=batch, seed=args.seed, progress=not args.quiet,
                 log=None if args.quiet else print, log_every=args.log_every, lang=lang)
    if task.classes:
        print(i18n.text("train.final_accuracy", lang, test=100 * hist.test_metric[-1],
                        train=100 * hist.train_metric[-1], loss=hist.loss[-1]))
    else:
        print(i18n.text("train.final_mse", lang, test=hist.test_metric[-1],
                        train=hist.train_metric[-1]))
    if args.plot:
        plot_history(hist, args.plot, f"{args.data} · {what}", lang=lang)
        print(i18n.text("train.loss_curve_written", lang, path=args.plot))
    if args.save:
        model.save(args.save)
        print(i18n.text("train.parameters_written", lang, path=args.save))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    hl = help_lang()
    p = sub.add_parser("train", help=i18n.text("help.train", hl))
    p.add_argument("--data", choices=CHOICES_DATA, default="spiral")
    p.add_argument("--model", choices=("mlp", "cnn", "lstm", "gru", "rnn"), default=None,
                   help=i18n.text("help.train.model", hl))
    p.add_argument("--activation", choices=("sigmoid", "tanh", "relu"), default=None,
                   help=i18n.text("help.train.activation", hl))
    p.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS, "cli.arg.why_python_api"),
                   default=None, help=i18n.text("help.train.epochs", hl, max_epochs=MAX_EPOCHS))
    p.add_argument("--lr", type=positive_float, default=None,
                   help=i18n.text("help.train.lr", hl))
    p.add_argument("--optimizer", default="adam",
                   choices=("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"))
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help=i18n.text("help.train.batch_size", hl))
    p.add_argument("--hidden", type=bounded_int(1, MAX_HIDDEN, "cli.arg.why_python_api"),
                   default=None, help=i18n.text("help.train.hidden", hl, max_hidden=MAX_HIDDEN))
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.add_argument("--plot", metavar="FILE",
                   help=i18n.text("help.train.plot", hl))
    p.add_argument("--save", metavar="FILE.npz", help=i18n.text("help.train.save", hl))
    p.add_argument("--quiet", action="store_true", help=i18n.text("help.train.quiet", hl))
    p.add_argument("--log-every", type=nonnegative_int, default=None, metavar="N",
                   help=i18n.text("help.train.log_every", hl))
    p.set_defaults(func=run)
