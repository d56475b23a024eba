"""Gauss-Newton for models that are not linear in their parameters (a*exp(k*x)): the
Jacobian is the symbolic ∂m/∂p, each step is a small least-squares problem, halved until
the squared error goes down."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from bibun.calculus import as_function
from bibun.errors import DomainError
from bibun.expr import numfmt
from bibun.expr.core import Expr
from bibun.expr.numfmt import NotFiniteError
from bibun.fit.data import Data
from bibun.fit.model import _where
from bibun.fit.report import FitResult, _result, plural, standard_errors
from bibun.i18n import Msg, error


def _fit_nonlinear(m: Expr, target: str, inputs: list[str], params: list[str],
                   basis: list[Expr], d: Data, init: Mapping[str, float], max_iter: int
                   ) -> FitResult:
    """Gauss-Newton: linearize m around the current parameters (Jacobian = the symbolic
    ∂m/∂p), solve the small least-squares problem, and halve the step until the squared
    error goes down."""
    unknown = sorted(set(init) - set(params))
    if unknown:
        raise error("error.fit.init_many", unknown=unknown, params=params)
    p = np.array([float(init.get(q, 1.0)) for q in params])
    for q, v in zip(params, p):
        numfmt.finite(v, Msg("fit.what_start", {"p": q}))
    y = d.columns[target]
    cols = [d.columns[c] for c in inputs]
    names = inputs + params
    f = as_function(m, names)
    jac = [as_function(b, names) for b in basis]
    n = len(y)
    if n < len(params):
        raise error("error.fit.too_few_rows", k=len(params), params=params, n=n,
                    rows=plural("row", n))

    def predict(q: np.ndarray) -> np.ndarray:
        return np.broadcast_to(f(*cols, *q), (n,)).astype(float)

    pred = predict(p)
    if not np.isfinite(pred).all():
        r = int(np.flatnonzero(~np.isfinite(pred))[0])
        pt = {c: float(d.columns[c][r]) for c in inputs}
        start = ", ".join(f"{q} = {v:g}" for q, v in zip(params, p))
        raise error("error.fit.start_undefined", DomainError, m=m, row=r + 1, point=_where(pt),
                    start=start)
    with np.errstate(over="ignore"):
        sse = float(((y - pred) ** 2).sum())
    if not np.isfinite(sse):
        start = ", ".join(f"{q} = {numfmt.fmt(v)}" for q, v in zip(params, p))
        raise error("error.fit.start_overflow", NotFiniteError, m=m, start=start,
                    big=numfmt.fmt(float(np.abs(pred).max())), t=target,
                    lo=numfmt.fmt(float(y.min())), hi=numfmt.fmt(float(y.max())))
    converged = False
    it = 0
    notes: list[tuple[str, dict[str, Any]]] = []
    while it < max_iter:
        it += 1
        J = np.column_stack([np.broadcast_to(j(*cols, *p), (n,)) for j in jac])
        if not np.isfinite(J).all():
            notes.append(("jac_undefined", {}))
            break
        step, *_ = np.linalg.lstsq(J, y - pred, rcond=None)
        t = 1.0
        improved = False
        for _ in range(40):
            q = p + t * step
            pq = predict(q)
            with np.errstate(over="ignore"):
                s = float(((y - pq) ** 2).sum()) if np.isfinite(pq).all() else np.inf
            if np.isfinite(s) and s <= sse:
                improved = True
                break
            t /= 2
        if not improved:
            converged = float(np.linalg.norm(J.T @ (y - pred))) <= 1e-8 * (1 + sse)
            break
        small = np.abs(t * step).max() <= 1e-12 * (1 + np.abs(p).max())
        rel = (sse - s) <= 1e-15 * (1 + sse)
        p, pred, sse = q, pq, s
        if small or rel:
            converged = True
            break
    if not converged:
        notes.append(("no_converge", {"it": it}))
    values = {q: float(v) for q, v in zip(params, p)}
    Jf = np.column_stack([np.broadcast_to(j(*cols, *p), (n,)) for j in jac])
    steps = [("nonlinear", {}), ("jacobian", {"cols": ", ".join(
        f"∂m/∂{q} = {b}" for q, b in zip(params, basis))})]
    if np.linalg.matrix_rank(Jf) < len(params):
        notes.append(("rank", {}))
    res = _result(m, target, inputs, values, None, False,
                  ("gn", {"it": it}), y, pred, steps)
    res.iterations, res.converged = it, converged
    res.errors = standard_errors(Jf, res.sse, params)
    res.note_keys.extend(notes)
    return res
