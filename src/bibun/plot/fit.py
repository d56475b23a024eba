"""Least squares: the data, the fitted curve and the residuals it makes small."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_function
from bibun.calculus.sampling import curve
from bibun.i18n import error
from bibun.plot.style import _figure, _num, _save, _style, _t
from bibun.text import shorten


def plot_fit(result: Any, data: Any, out: str | Path, *, lang: str | None = None) -> Path:
    """Data points and the fitted curve of a one-input model (from :func:`bibun.fit`),
    with each residual drawn as a vertical segment: the squares of those segments are
    what least squares makes small.  The axes are named by the data's own columns
    ("hours", "score"), not by the model's symbols."""
    from bibun.fit import as_data

    lang = i18n.resolve(lang)
    d = as_data(data)
    if len(result.inputs) != 1:
        raise error("error.plot.fit_inputs", inputs=', '.join(result.inputs) or 'none')
    xname = result.inputs[0]
    x, y = d.columns[xname], d.columns[result.target]
    xs = np.linspace(float(x.min()), float(x.max()), 400)
    if xs[0] == xs[-1]:
        xs = xs + np.linspace(-1, 1, len(xs))
    fitted = result.fitted
    yf = curve(as_function(fitted, [xname]), xs)
    pred = np.broadcast_to(as_function(fitted, [xname])(x), x.shape)
    names = getattr(result, "aliases", None) or {}  # the CSV's own column names
    renamed = ", ".join(f"{k} = {c}" for k, c in names.items() if k != c and k != result.target)
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        ax.vlines(x, np.minimum(y, pred), np.maximum(y, pred), color="tab:red", lw=0.9,
                  alpha=0.7, label=_t(lang, "residuals"))
        ax.plot(x, y, "o", color="tab:blue", ms=4, label=_t(lang, "data", n=len(x)))
        target = names.get(result.target, result.target)
        ax.plot(xs, yf, color="k", lw=2,
                label=f"{target} = {shorten(result.fitted_display.unicode(), 50)}"
                      + (f"  ({renamed})" if renamed else "") + f"  (R² = {_num(result.r2, 4)})")
        ax.set_xlabel(names.get(xname, xname))
        ax.set_ylabel(target)
        ax.set_title(_t(lang, "fit_title"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        return _save(fig, out)
