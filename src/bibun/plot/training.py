"""Training curves: loss per epoch, loss and metric side by side, gradient norm per layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n
from bibun.i18n import error
from bibun.plot.style import COLORS, _figure, _save, _style, _t, _whole_number_ticks


def plot_loss(losses: Sequence[float] | Mapping[str, Sequence[float]], out: str | Path, *,
              log: bool | None = None, lang: str | None = None, title: str | None = None,
              xlabel: str | None = None) -> Path:
    """Loss per epoch (or per step): one list, or several named lists to compare.
    ``log`` defaults to a log scale when the positive losses span over two decades.
    Non-finite losses (a run that blew up) are gaps."""
    lang = i18n.resolve(lang)
    series_ = dict(losses) if isinstance(losses, Mapping) else {_t(lang, "loss"): losses}
    arrays = {k: np.asarray(list(v), dtype=float) for k, v in series_.items()}
    if not arrays or all(a.size == 0 for a in arrays.values()):
        raise error("error.plot.no_losses")
    for k, a in arrays.items():
        if a.ndim != 1:
            raise error("error.plot.losses_shape", k=repr(k))
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays.values()])
    if not finite.size:
        raise error("error.plot.losses_not_finite")
    if log is None:
        pos = finite[finite > 0]
        log = bool(len(pos) == len(finite) and len(pos) and pos.max() / pos.min() > 100)
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        for i, (k, a) in enumerate(arrays.items()):
            shown = np.where(np.isfinite(a), a, np.nan)
            ax.plot(np.arange(1, len(a) + 1), shown, lw=1.8, color=COLORS[i % len(COLORS)],
                    label=k, marker="o" if len(a) <= 30 else None, ms=3)
        if log:
            ax.set_yscale("log")
        _whole_number_ticks(ax)
        ax.set_xlabel(xlabel or _t(lang, "epoch"))
        ax.set_ylabel(_t(lang, "loss"))
        ax.set_title(title or _t(lang, "loss_title"))
        ax.grid(alpha=0.3, which="both")
        if len(arrays) > 1 or isinstance(losses, Mapping):
            ax.legend(fontsize=8)
        return _save(fig, out)


def plot_history(hist: Any, out: str | Path, title: str = "", *,
                 lang: str | None = None) -> Path:
    """Loss curve and metric per epoch of a training run (a
    :class:`bibun.nn.train.History`), side by side.  Epochs are whole numbers on the
    axis; with a few epochs every one is marked (a single epoch is a point, not an
    invisible line)."""
    lang = i18n.resolve(lang)
    epochs = np.arange(1, len(hist.loss) + 1)
    marker = "o" if len(epochs) <= 30 else None
    with _style(lang):
        fig = _figure((10.0, 4.0))
        ax1, ax2 = fig.subplots(1, 2)
        ax1.plot(epochs, hist.loss, color="tab:red", marker=marker, ms=3)
        ax1.set_xlabel(_t(lang, "epoch"))
        ax1.set_ylabel(_t(lang, "training_loss"))
        loss = np.asarray(hist.loss, dtype=float)
        if len(loss) and np.all(loss[np.isfinite(loss)] > 0):
            ax1.set_yscale("log")
        ax1.set_title(_t(lang, "loss"))
        ax1.grid(alpha=0.3)
        scale = 100 if hist.metric_name == "accuracy" else 1
        ax2.plot(epochs, np.asarray(hist.train_metric) * scale, label=_t(lang, "train"),
                 marker=marker, ms=3)
        ax2.plot(epochs, np.asarray(hist.test_metric) * scale, label=_t(lang, "test"),
                 marker=marker, ms=3)
        ax2.set_xlabel(_t(lang, "epoch"))
        ax2.set_ylabel(_t(lang, "accuracy_axis" if scale == 100 else "mse_axis"))
        metric = f"metric_{hist.metric_name}"
        ax2.set_title(_t(lang, metric) if i18n.has(f"plot.{metric}") else hist.metric_name)
        ax2.legend()
        ax2.grid(alpha=0.3)
        for ax in (ax1, ax2):
            _whole_number_ticks(ax)
        if title:
            fig.suptitle(title)
        return _save(fig, out)


def plot_gradient_norms(probes: Sequence[Any], out: str | Path, *,
                        lang: str | None = None) -> Path:
    """Gradient norm per layer on a log axis, one line per activation (the
    :class:`bibun.nn.vanishing.Probe` results)."""
    lang = i18n.resolve(lang)
    with _style(lang):
        fig = _figure((7.0, 4.2))
        ax = fig.add_subplot()
        for p in probes:
            ax.semilogy(np.arange(1, len(p.grad_norms) + 1), p.grad_norms, marker="o",
                        label=p.activation)
        _whole_number_ticks(ax)  # layers are whole numbers
        ax.set_xlabel(_t(lang, "layer_axis"))
        ax.set_ylabel("‖∂L/∂W‖")
        depth = len(probes[0].grad_norms) - 1
        ax.set_title(_t(lang, "gradient_norms_title" if depth != 1
                        else "gradient_norms_title_one", depth=depth))
        ax.grid(alpha=0.3, which="both")
        ax.legend()
        return _save(fig, out)


