"""Training you can watch: the loop behind ``bibun train``.

Each step is the seeds' recipe: forward, loss, ``backward()`` (the chain rule, automatic),
then ``w ← w − ρ ∂E/∂w`` (or a smarter optimizer).  A NaN loss stops training with the
name of the operation where the NaN first appeared (the batch is replayed under
:class:`~bibun.autodiff.detect_anomaly`).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bibun import datasets, i18n
from bibun.autodiff.tensor import AnomalyError, Tensor, detect_anomaly, no_grad
from bibun.errors import BibunError
from bibun.expr import numfmt
from bibun.i18n import Msg, error
from bibun.nn import losses
from bibun.nn.conv import Conv2d, Flatten, MaxPool2d
from bibun.nn.data import DataLoader
from bibun.nn.display import history_bundle
from bibun.nn.layers import MLP, Linear, ReLU, SequenceModel, Sequential
from bibun.nn.module import Module
from bibun.nn.norm import BatchNorm2d, Dropout
from bibun.nn.optim import make as make_optimizer


class TrainingError(BibunError):
    """Training diverged (a loss that overflowed, became NaN or grew a millionfold); the
    message says at which step and why."""


def check_whole_number(value: Any, what: str, low: int = 1) -> Any:
    """``value`` if it is a whole number >= ``low`` (an int or a NumPy integer, not a bool
    and not 2.0); otherwise a BibunError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise error("error.nn.whole_number", what=what, low=low, value=repr(value))
    return value


def check_learning_rate(lr: Any) -> Any:
    """``lr`` if it is a finite number > 0; otherwise a BibunError."""
    if not (isinstance(lr, int | float) and 0 < lr < float("inf")):
        raise error("error.nn.lr", lr=repr(lr))
    return lr


@dataclass
class Task:
    """A prepared data set: arrays, the kind of problem and sensible defaults."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: int  # 0 for regression
    seq_shape: tuple[int, int]  # how one example reads as a sequence (time, features)
    hidden: int
    lr: float
    epochs: int
    batch_size: int = 32


def load_task(name: str, seed: int = 0, dtype: Any = np.float64) -> Task:
    """Load and standardise a data set for training (train/test split fixed by ``seed``)."""
    if name == "digits":
        X, y = datasets.load_digits()
        X = X.astype(dtype) / 16.0
        Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, 0.2, seed)
        return Task(name, Xtr, ytr, Xte, yte, 10, (8, 8), 64, 0.01, 20)
    if name == "iris":
        X, y = datasets.load_iris()
        Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, 0.2, seed)
        mu, sd = Xtr.mean(0), Xtr.std(0)
        Xtr, Xte = ((Xtr - mu) / sd).astype(dtype), ((Xte - mu) / sd).astype(dtype)
        return Task(name, Xtr, ytr, Xte, yte, 3, (4, 1), 16, 0.02, 60, 16)
    if name == "spiral":
        X, y = datasets.spiral(100, 3, seed=seed)
        Xtr, Xte, ytr, yte = datasets.train_test_split(X.astype(dtype), y, 0.2, seed)
        return Task(name, Xtr, ytr, Xte, yte, 3, (2, 1), 64, 0.02, 200)
    if name == "sine":
        X, y = datasets.sine_wave(600, 20, seed=seed)
        Xtr, Xte, ytr, yte = datasets.train_test_split(X.astype(dtype), y.astype(dtype),
                                                       0.2, seed)
        return Task(name, Xtr, ytr, Xte, yte, 0, (20, 1), 32, 0.01, 30)
    raise error("error.nn.unknown_dataset", name=repr(name), names=', '.join(datasets.DATASETS))


#: defaults that differ by model: the CNN learns best slower and longer than the MLP
#: (``python -m bench.cnn_digits`` measured 98-99 % test accuracy with these)
MODEL_DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    ("digits", "cnn"): {"lr": 0.003, "epochs": 40, "hidden": 32},
}

#: the data sets that are images, (channels, height, width)
IMAGE_SHAPES = {"digits": (1, 8, 8)}


def task_for_model(task: Task, model: str) -> Task:
    """``task`` with the defaults of ``model`` (learning rate, epochs, width) where they
    differ from the task's own; a CNN on data that are not images is an error."""
    if model == "cnn" and task.name not in IMAGE_SHAPES:
        raise error("error.nn.cnn_images", data=task.name)
    return replace(task, **MODEL_DEFAULTS.get((task.name, model), {}))


class CNN(Sequential):
    """Conv2d (``filters`` of 3×3, padding 1) → BatchNorm2d → ReLU → MaxPool2d(2) →
    Flatten → Dropout(0.25) → Linear: small enough to train on a CPU in a minute, and
    with the two layers that behave differently in training and evaluation."""

    def __init__(self, shape: tuple[int, int, int], filters: int, n_out: int, *,
                 rng: Any = None, dtype: Any = np.float64):
        c, h, w = shape
        super().__init__(
            Conv2d(c, filters, 3, padding=1, rng=rng, dtype=dtype),
            BatchNorm2d(filters, dtype=dtype),
            ReLU(),
            MaxPool2d(2),
            Flatten(),
            Dropout(0.25, rng=rng),
            Linear(filters * (h // 2) * (w // 2), n_out, init="he", rng=rng, dtype=dtype),
        )
        self.shape = shape


def build_model(task: Task, model: str = "mlp", activation: str = "tanh",
                hidden: int | None = None, seed: int = 0, dtype: Any = np.float64) -> Module:
    """The network for ``task``: ``hidden`` units (default: the task's), ``activation``
    between the MLP's layers (an LSTM or RNN has its own gates and tanh)."""
    hidden = task.hidden if hidden is None else hidden
    check_whole_number(hidden, "the number of hidden units")
    n_out = task.classes or 1
    rng = np.random.default_rng(seed)
    if model == "mlp":
        n_in = int(np.prod(task.X_train.shape[1:]))
        return MLP([n_in, hidden, n_out], activation=activation, rng=rng, dtype=dtype)
    if model == "cnn":
        task_for_model(task, model)  # images only
        return CNN(IMAGE_SHAPES[task.name], hidden, n_out, rng=rng, dtype=dtype)
    if model in ("lstm", "gru", "rnn"):
        return SequenceModel(task.seq_shape[1], hidden, n_out, cell=model, rng=rng, dtype=dtype)
    raise error("error.nn.unknown_model", model=repr(model))


def estimated_seconds(task: Task, model: Module, epochs: int, batch_size: int | None = None
                      ) -> float:
    """A rough (somewhat pessimistic) running time of :func:`train`, so that a command
    can refuse hours of computing before starting: per epoch, a fixed cost per batch and
    time step plus one per example, time step and parameter (measured on a small
    2-core machine)."""
    steps = task.seq_shape[0] if isinstance(model, SequenceModel) else \
        int(np.prod(model.shape[1:])) if isinstance(model, CNN) else 1  # conv positions
    n = len(task.X_train) + len(task.X_test)
    batches = -(-len(task.X_train) // (batch_size or task.batch_size))
    per_epoch = batches * steps * 2e-4 + n * steps * model.num_parameters() * 5e-10
    return epochs * per_epoch


def _inputs(model: Module, task: Task, X: np.ndarray) -> np.ndarray:
    if isinstance(model, SequenceModel):
        return X.reshape((len(X),) + task.seq_shape)
    if isinstance(model, CNN):
        return X.reshape((len(X),) + model.shape)
    return X.reshape(len(X), -1)


def _loss(task: Task, out: Tensor, y: np.ndarray) -> Tensor:
    if task.classes:
        return losses.cross_entropy(out, y)
    return losses.mse_loss(out, y)


@dataclass
class History:
    loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    test_metric: list[float] = field(default_factory=list)
    metric_name: str = "accuracy"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: the loss curve and the losses per epoch."""
        return history_bundle(self)


def evaluate(model: Module, task: Task, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy for classification, mean squared error for regression, in evaluation
    mode (Dropout off, BatchNorm on its running averages); the mode is restored after."""
    was = model.training
    model.eval()
    try:
        with no_grad():
            out = model(_inputs(model, task, X)).data
    finally:
        model.train(was)
    if task.classes:
        return float((out.argmax(axis=1) == y).mean())
    return float(((out - y) ** 2).mean())


#: a batch loss this many times the first batch's (at least 1) means the run diverged: a
#: healthy run never multiplies its loss by a million, and going on would print numbers of
#: hundreds of digits before overflowing to inf
DIVERGED_FACTOR = 1e6
#: an epoch of this many batches or more gets progress lines within it in a pipe or a log
LONG_EPOCH = 20


def train(task: Task, model: Module, *, epochs: int | None = None, lr: float | None = None,
          optimizer: str = "adam", batch_size: int | None = None, seed: int = 0,
          progress: bool = False, log: Callable[[str], None] | None = None,
          log_every: int | None = None, lang: str | None = None) -> History:
    """Train ``model`` on ``task``; returns per-epoch loss and metrics.  ``epochs``,
    ``lr`` and ``batch_size`` default to the task's (None), never silently replace a
    value given (0 is an error, not "the default").

    Progress: with ``progress`` on a terminal, a bar that moves every batch and shows the
    running loss and accuracy; otherwise (a pipe, a log file) plain lines through ``log``
    (default ``print`` when ``progress``): one per epoch and one every ``log_every``
    batches (default: four per epoch when an epoch has at least :data:`LONG_EPOCH`
    batches, so that a slow epoch shows it is moving; 0: none).

    A run whose loss stops being finite or grows past :data:`DIVERGED_FACTOR` times its
    first value stops with a :class:`TrainingError` saying "diverged at step k" (and, for a
    NaN, the operation where it appeared), never a loss of hundreds of digits."""
    epochs = task.epochs if epochs is None else epochs
    lr = task.lr if lr is None else lr
    batch_size = task.batch_size if batch_size is None else batch_size
    check_whole_number(epochs, "the number of epochs")
    check_whole_number(batch_size, "the batch size")
    check_learning_rate(lr)
    if log_every is not None:
        check_whole_number(log_every, "the number of batches between progress lines", 0)
    opt = make_optimizer(optimizer, model.parameters(), lr=lr)
    loader = DataLoader(task.X_train, task.y_train, batch_size, shuffle=True, seed=seed)
    hist = History(metric_name="accuracy" if task.classes else "mse")
    shown = Progress(task.name, epochs, len(loader), bool(task.classes), lang,
                     bar=progress and sys.stderr.isatty(),
                     log=log if log is not None or not progress else print, every=log_every)
    step, first = 0, None
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            total, count, correct = 0.0, 0, 0
            for b, (Xb, yb) in enumerate(loader):
                step += 1
                xin = _inputs(model, task, Xb)
                out = model(xin)
                loss = _loss(task, out, yb)
                value = float(loss.item())
                first = value if first is None else first
                if not np.isfinite(value) or value > DIVERGED_FACTOR * max(first, 1.0):
                    raise _diverged(model, task, xin, yb, step, epoch, b, value, first, lr,
                                    optimizer)
                loss.backward()
                opt.step()
                total += value * len(Xb)
                count += len(Xb)
                if task.classes:
                    correct += int((out.data.argmax(axis=1) == yb).sum())
                shown.batch(step, epoch, b + 1, total / count, correct / count)
            hist.loss.append(total / count)
            hist.train_metric.append(evaluate(model, task, task.X_train, task.y_train))
            hist.test_metric.append(evaluate(model, task, task.X_test, task.y_test))
            shown.epoch(hist, epoch)
    finally:
        shown.close()
    return hist


def _diverged(model: Module, task: Task, xin: np.ndarray, yb: np.ndarray, step: int,
              epoch: int, batch: int, value: float, first: float, lr: float,
              optimizer: str) -> TrainingError:
    """The error for a run that diverged at ``step``: how the loss grew (or where the first
    NaN appeared, the batch replayed under :class:`~bibun.autodiff.detect_anomaly`) and a
    learning rate ten times smaller to try."""
    where: Msg
    if np.isnan(value):
        try:
            with detect_anomaly():
                loss = _loss(task, model(xin), yb)
                loss.backward()
            where = Msg("train.diverged_nan", {})
        except AnomalyError as exc:
            where = Msg("train.diverged_anomaly", {"anomaly": str(exc)})
    elif np.isinf(value):
        where = Msg("train.diverged_inf", {"first": numfmt.fmt(first, 4)})
    else:
        where = Msg("train.diverged_grew", {"first": numfmt.fmt(first, 4),
                                            "value": numfmt.fmt(value, 3),
                                            "factor": numfmt.fmt(DIVERGED_FACTOR)})
    return error("error.nn.diverged", TrainingError, step=step, epoch=epoch, batch=batch + 1,
                 why=where, lr=numfmt.fmt(lr), smaller=numfmt.fmt(lr / 10), optimizer=optimizer)


class Progress:
    """What a training run shows while it runs: a tqdm bar on a terminal (per batch, with
    the epoch's running loss and accuracy), plain lines elsewhere (tests and logs read
    them through a pipe).  Every line comes from the catalogs (keys ``train.*``)."""

    def __init__(self, name: str, epochs: int, batches: int, classes: bool,
                 lang: str | None, *, bar: bool, log: Callable[[str], None] | None,
                 every: int | None) -> None:
        self.epochs, self.batches, self.classes = epochs, batches, classes
        self.lang = i18n.resolve(lang)
        self.log = log
        self.every = every if every is not None else \
            (-(-batches // 4) if batches >= LONG_EPOCH else 0)
        self.bar: Any = None
        if bar:
            from tqdm import tqdm

            # the terminal's size, or 80×24 where it reports none (a bare pty, ``script``):
            # tqdm draws nothing on a terminal of 0 rows
            size = shutil.get_terminal_size((80, 24))
            self.bar = tqdm(total=epochs * batches, desc=name, unit="batch", leave=False,
                            ncols=size.columns, nrows=size.lines)

    def _text(self, key: str, **kw: Any) -> str:
        kind = "acc" if self.classes else "mse"
        return i18n.text(f"train.{key}_{kind}", self.lang, **kw)

    def batch(self, step: int, epoch: int, batch: int, loss: float, acc: float) -> None:
        """After batch ``batch`` (1-based) of ``epoch``: ``loss`` and ``acc`` are the
        epoch's running mean loss and accuracy so far."""
        kw = {"epoch": epoch, "epochs": self.epochs, "loss": numfmt.fmt(loss, 4),
              "acc": f"{100 * acc:.1f}"}
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(self._text("postfix", **kw), refresh=False)
        elif self.log is not None and self.every and batch % self.every == 0 \
                and batch != self.batches:
            w = len(str(self.epochs * self.batches))
            self.log(self._text("batch_line", step=f"{step:>{w}}", steps=self.epochs *
                                self.batches, batch=batch, batches=self.batches, **kw))

    def epoch(self, h: History, epoch: int) -> None:
        """The line at the end of an epoch: mean loss, train and test metric."""
        w = len(str(self.epochs))
        if self.classes:
            train_m, test_m = f"{100 * h.train_metric[-1]:5.1f}", f"{100 * h.test_metric[-1]:5.1f}"
        else:
            train_m, test_m = numfmt.fmt(h.train_metric[-1], 4), numfmt.fmt(h.test_metric[-1], 4)
        line = self._text("epoch_line", epoch=f"{epoch:>{w}}", epochs=self.epochs,
                          loss=numfmt.fmt(h.loss[-1], 4), train=train_m, test=test_m)
        if self.bar is not None:
            self.bar.write(line)
        elif self.log is not None:
            self.log(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
