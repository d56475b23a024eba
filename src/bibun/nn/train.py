"""Training you can watch: the loop behind ``bibun train``.

Each step is the seeds' recipe: forward, loss, ``backward()`` (the chain rule, automatic),
then ``w ← w − ρ ∂E/∂w`` (or a smarter optimizer).  A NaN loss stops training with the
name of the operation where the NaN first appeared (the batch is replayed under
:class:`~bibun.autodiff.detect_anomaly`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun import datasets
from bibun.autodiff.tensor import AnomalyError, Tensor, detect_anomaly, no_grad
from bibun.errors import BibunError
from bibun.i18n import error
from bibun.nn import losses
from bibun.nn.data import DataLoader
from bibun.nn.layers import MLP, SequenceModel
from bibun.nn.module import Module
from bibun.nn.optim import make as make_optimizer


class TrainingError(BibunError):
    """Training diverged (NaN/inf loss); the message says where."""


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
    if model in ("lstm", "rnn"):
        return SequenceModel(task.seq_shape[1], hidden, n_out, cell=model, rng=rng, dtype=dtype)
    raise error("error.nn.unknown_model", model=repr(model))


def estimated_seconds(task: Task, model: Module, epochs: int, batch_size: int | None = None
                      ) -> float:
    """A rough (somewhat pessimistic) running time of :func:`train`, so that a command
    can refuse hours of computing before starting: per epoch, a fixed cost per batch and
    time step plus one per example, time step and parameter (measured on a small
    2-core machine)."""
    steps = task.seq_shape[0] if isinstance(model, SequenceModel) else 1
    n = len(task.X_train) + len(task.X_test)
    batches = -(-len(task.X_train) // (batch_size or task.batch_size))
    per_epoch = batches * steps * 2e-4 + n * steps * model.num_parameters() * 5e-10
    return epochs * per_epoch


def _inputs(model: Module, task: Task, X: np.ndarray) -> np.ndarray:
    if isinstance(model, SequenceModel):
        return X.reshape((len(X),) + task.seq_shape)
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


def evaluate(model: Module, task: Task, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy for classification, mean squared error for regression."""
    with no_grad():
        out = model(_inputs(model, task, X)).data
    if task.classes:
        return float((out.argmax(axis=1) == y).mean())
    return float(((out - y) ** 2).mean())


def train(task: Task, model: Module, *, epochs: int | None = None, lr: float | None = None,
          optimizer: str = "adam", batch_size: int | None = None, seed: int = 0,
          progress: bool = False, log: Callable[[str], None] | None = None) -> History:
    """Train ``model`` on ``task``; returns per-epoch loss and metrics.  ``epochs``,
    ``lr`` and ``batch_size`` default to the task's (None), never silently replace a
    value given (0 is an error, not "the default")."""
    epochs = task.epochs if epochs is None else epochs
    lr = task.lr if lr is None else lr
    batch_size = task.batch_size if batch_size is None else batch_size
    check_whole_number(epochs, "the number of epochs")
    check_whole_number(batch_size, "the batch size")
    check_learning_rate(lr)
    opt = make_optimizer(optimizer, model.parameters(), lr=lr)
    loader = DataLoader(task.X_train, task.y_train, batch_size, shuffle=True, seed=seed)
    hist = History(metric_name="accuracy" if task.classes else "mse")
    bar = None
    epoch_iter: Any = range(1, epochs + 1)
    if progress:
        from tqdm import tqdm

        bar = tqdm(epoch_iter, desc=f"{task.name}", unit="epoch", leave=False,
                   disable=None)  # None: a bar on a terminal, plain lines in logs
        epoch_iter = bar
    for epoch in epoch_iter:
        total, count = 0.0, 0
        for b, (Xb, yb) in enumerate(loader):
            xin = _inputs(model, task, Xb)
            loss = _loss(task, model(xin), yb)
            value = float(loss.item())
            if not np.isfinite(value):
                raise TrainingError(_diagnose(model, task, xin, yb, epoch, b, value))
            loss.backward()
            opt.step()
            total += value * len(Xb)
            count += len(Xb)
        hist.loss.append(total / count)
        hist.train_metric.append(evaluate(model, task, task.X_train, task.y_train))
        hist.test_metric.append(evaluate(model, task, task.X_test, task.y_test))
        line = _epoch_line(hist, epoch, epochs)
        if bar is not None:
            bar.set_postfix_str(line.split("  ", 1)[1])
            bar.write(line)
        elif log is not None:
            log(line)
    return hist


def _epoch_line(h: History, epoch: int, epochs: int) -> str:
    w = len(str(epochs))
    if h.metric_name == "accuracy":
        return (f"epoch {epoch:>{w}}/{epochs}  loss {h.loss[-1]:.4f}  "
                f"train acc {100 * h.train_metric[-1]:5.1f}%  "
                f"test acc {100 * h.test_metric[-1]:5.1f}%")
    return (f"epoch {epoch:>{w}}/{epochs}  loss {h.loss[-1]:.5f}  "
            f"train mse {h.train_metric[-1]:.5f}  test mse {h.test_metric[-1]:.5f}")


def _diagnose(model: Module, task: Task, xin: np.ndarray, yb: np.ndarray, epoch: int,
              batch: int, value: float) -> str:
    where = f"the loss became {value} at epoch {epoch}, batch {batch + 1}"
    try:
        with detect_anomaly():
            loss = _loss(task, model(xin), yb)
            loss.backward()
    except AnomalyError as exc:
        return f"{where}: {exc}. Try a smaller learning rate (--lr)."
    return (f"{where} (values overflowed to inf before any NaN). "
            "Try a smaller learning rate (--lr).")
