"""Least squares: fit a model formula to data by setting partial derivatives to zero.

The seed puts it plainly: write the error as a function of the coefficients a, b,
differentiate with respect to each, and the coefficients where every partial derivative
is 0 minimize the error.  :func:`fit` does exactly that and shows it:

* the parameters are the free symbols of the model that are not data columns;
* a model *linear in its parameters* (a*x + b, a*x^2 + b*x + c, a*sin(x) + b) gets the
  normal equations derived symbolically (∂/∂a of the squared error by
  :func:`bibun.diff`), filled with the data's sums and solved exactly (rational data
  gives rational parameters);
* any other model (a*exp(k*x)) is fitted by Gauss-Newton with step halving, its
  Jacobian again symbolic;
* for linear models, gradient descent with the shared optimizers runs too, so the
  closed form and the iterative answer can be compared.

The package follows those steps: :mod:`~bibun.fit.data` reads the columns,
:mod:`~bibun.fit.model` decides parameters and target and solves the normal equations,
:mod:`~bibun.fit.gauss_newton` fits the other models, :mod:`~bibun.fit.report` says it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from bibun.fit.data import Data, as_data, read_csv, rename_columns
from bibun.fit.gauss_newton import _fit_nonlinear
from bibun.fit.model import EXACT_ROWS, _fit_linear, _gradient_descent, _model, _uses_no_column
from bibun.fit.report import FitResult, GradientCheck, human
from bibun.i18n import Msg, error
from bibun.symbolic import diff


def fit(data: Any, model: Any = "a*x + b", target: str | None = None,
        init: Mapping[str, float] | None = None, compare_gd: bool = True,
        max_iter: int = 200, columns: Mapping[str, str] | None = None) -> FitResult:
    """Least-squares fit of ``model`` to ``data`` (CSV path or mapping of columns).

    ``model`` may name its target (``"y = a*x + b"``); otherwise ``target`` or the one
    data column the model does not use is the target.  ``init`` gives starting values
    for nonlinear models (default 1 for every parameter).  ``columns`` lets a model
    symbol stand for a differently named column: ``{"x": "hours"}``.
    """
    d = as_data(data)
    if columns:
        d = rename_columns(d, columns)
    m, target = _model(model, target, d)
    inputs = sorted(m.free & set(d.columns))
    params = sorted(m.free - set(d.columns))
    if not params:
        raise error("error.fit.no_parameters", m=str(m), used=sorted(m.free) or Msg("fit.none"))
    if not inputs and len(params) > 1:
        raise _uses_no_column(m, params, target, d)
    if d.n < 1:
        raise error("error.fit.no_rows")
    unknown = sorted(set(init or {}) - set(params))
    if unknown:
        raise error("error.fit.init_one" if len(unknown) == 1 else "error.fit.init_many",
                    unknown=unknown, params=params)
    basis = [diff(m, p) for p in params]
    linear = all(not (b.free & set(params)) for b in basis)
    y = d.columns[target]
    if linear:
        res = _fit_linear(m, target, inputs, params, basis, d)
        if compare_gd:
            res.gd = _gradient_descent(m, inputs, params, basis, d, y, res.params)
    else:
        res = _fit_nonlinear(m, target, inputs, params, basis, d, init or {}, max_iter)
    res.aliases = {k: v for k, v in d.aliases.items() if k in inputs or k == target}
    res.decimal = d.decimal
    return res


def sample_linear_data(n: int = 20, a: float = 2.0, b: float = 1.0, noise: float = 0.5,
                       seed: int = 0) -> dict[str, np.ndarray]:
    """Points y = a x + b + noise on x in [0, 10]: the data a least-squares demo needs."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 10, n)
    return {"x": x, "y": a * x + b + noise * rng.standard_normal(n)}


__all__ = ["EXACT_ROWS", "Data", "FitResult", "GradientCheck", "as_data", "fit", "human",
           "read_csv", "rename_columns", "sample_linear_data"]
