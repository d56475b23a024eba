"""The model of a fit and the normal equations: which symbols are parameters, which
column is the target, and - for a model linear in its parameters - ∂S/∂p = 0 derived
symbolically, filled with the data's sums and solved (exactly for rational data), with
gradient descent on the same error for comparison."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from bibun import optim
from bibun.calculus import as_function, solve_exact
from bibun.errors import BibunError, DomainError
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.lex import split_word
from bibun.expr.parse import parse_full
from bibun.fit.data import Data, _no_column
from bibun.fit.report import (
    FitResult,
    GradientCheck,
    _linear_text,
    _result,
    human,
    plural,
    standard_errors,
)
from bibun.i18n import Msg, error
from bibun.symbolic import diff

#: exact rational arithmetic is used up to this many rows (beyond, floats)
EXACT_ROWS = 2000


def _uses_no_column(m: Expr, params: list[str], target: str | None, d: Data) -> BibunError:
    """A model none of whose symbols is a column (a*x + b on columns hours, score): every
    symbol would be a parameter and the fit meaningless, so say which column was meant."""
    free = [d.aliases.get(c, c) for c in d.columns if c != target]
    guesses = []
    for p in params:
        close = difflib.get_close_matches(p, free, n=1, cutoff=0.5)
        if close:
            guesses.append(Msg("fit.guess", {"column": close[0], "p": p}))
    hint = Msg("fit.did_you_mean_all", {"guesses": guesses}) if guesses else ""
    pick = Msg("fit.pick_x", {"column": free[0]}) if "x" in params and free else ""
    cols = [d.aliases.get(c, c) for c in d.columns]
    return error("error.fit.uses_no_column", m=str(m), cols=cols, params=params, hint=hint,
                 pick=pick)


def _model(model: Any, target: str | None, d: Data) -> tuple[Expr, str]:
    cols = list(d.columns)
    shown = [d.aliases.get(c, c) for c in cols]  # the file's own names, for messages
    if isinstance(model, Expr):
        m, name = model, None
    else:
        text = str(model)
        parsed = parse_full(text)
        m, name = parsed.expr, parsed.name
        if parsed.params:
            raise error("error.fit.model_form")
        _check_split_names(text, m, d)
    tgt = target or name
    if not (m.free & set(cols)) and len(m.free) > 1:
        raise _uses_no_column(m, sorted(m.free), tgt, d)
    if tgt in d.aliases.values():
        model_name = next(k for k, v in d.aliases.items() if v == tgt)
        raise error("error.fit.target_is_input", tgt=tgt, model_name=model_name)
    if tgt is None:
        unused = [c for c in cols if c not in m.free]
        if len(unused) == 1:
            tgt = unused[0]
        elif "y" in unused:
            tgt = "y"
        else:
            raise error("error.fit.which_target", shown=', '.join(shown))
    if tgt not in d.columns:
        raise _no_column(tgt, shown, Msg("fit.the_target"), d.source)
    if tgt in m.free:
        raise error("error.fit.target_in_model", tgt=tgt, m=m)
    return m, tgt


def _check_split_names(text: str, m: Expr, d: Data) -> None:
    """A column name of several letters typed in the model (``a*hours + b``) is read as a
    product of letters (h·o·u·r·s): refuse it and show how to name the column instead."""
    rhs = text.split("=", 1)[1] if "=" in text else text
    names = set(d.columns) | set(d.aliases.values())
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rhs):
        if word in names and word not in m.free and len(word) > 1:
            parts = split_word(re.sub(r"[0-9_].*", "", word)) or [word]
            product = "·".join(parts)
            raise error("error.fit.split_name", word=word, product=product)


def _normal_system(m: Expr, target: str, params: list[str], basis: list[Expr]
                   ) -> tuple[Expr, list[Expr]]:
    """The per-row squared error (y - m)^2 and its partial derivatives, symbolically."""
    err = core.power(core.add(core.symbol(target), core.neg(m)), core.TWO)
    return err, [diff(err, p) for p in params]


def _fit_linear(m: Expr, target: str, inputs: list[str], params: list[str],
                basis: list[Expr], d: Data) -> FitResult:
    zero = {p: core.ZERO for p in params}
    offset = m.subs(zero)  # the part of the model without parameters (often 0)
    err, partials = _normal_system(m, target, params, basis)
    k = len(params)
    exact_ok = d.exact is not None and d.n <= EXACT_ROWS
    phi_e = rhs_e = None
    if exact_ok:
        phi_e, rhs_e = _exact_design(basis, offset, target, inputs, d)
    phi = _float_design(basis, inputs, d)
    y = d.columns[target]
    off = _values(offset, inputs, d, Msg("fit.the_model"))
    rhs = y - off
    # normal matrix A = Φᵀ Φ, right side Φᵀ (y - m0)
    if phi_e is not None and rhs_e is not None:
        A: list[list[Any]] = [[sum(phi_e[i][r] * phi_e[j][r] for r in range(d.n))
                               for j in range(k)] for i in range(k)]
        bvec: list[Any] = [sum(phi_e[i][r] * rhs_e[r] for r in range(d.n)) for i in range(k)]
    else:
        Af = phi.T @ phi
        A = Af.tolist()
        bvec = (phi.T @ rhs).tolist()
    m_text = f"({m})" if m.op == core.ADD or str(m).startswith("-") else str(m)
    steps: list[tuple[str, dict[str, Any]]] = [("partials", {"t": target, "m": m_text})]
    y_sym = core.symbol(target)
    for p, dp in zip(params, partials):
        steps.append(("raw", {"text": f"  ∂S/∂{p} = Σ {dp} = 0"}))
    steps.append(("normal", {}))
    resid_sym = core.add(y_sym, core.neg(offset))
    for i in range(len(params)):
        lhs_sym = " + ".join(f"{q}·Σ{_paren(core.mul(basis[i], basis[j]))}"
                             for j, q in enumerate(params))
        if len(target) > 1 and resid_sym is y_sym:  # Σx·score, not Σscorex
            rhs_sym = f"Σ{target}" if basis[i] is core.ONE else \
                f"Σ{_paren(basis[i])}·{target}"
        else:
            rhs_sym = f"Σ{_paren(core.mul(basis[i], resid_sym))}"
        lhs_num = _linear_text([A[i][j] for j in range(k)], params, d.decimal)
        steps.append(("raw", {"text": f"  {lhs_sym} = {rhs_sym}   →   {lhs_num} = "
                                      f"{human(bvec[i], decimal=d.decimal)}"}))
    _check_identifiable(np.array(A, dtype=float), params, basis, d, inputs)
    exact_sol = None
    if phi_e is not None:
        aug = [list(row) + [bvec[i]] for i, row in enumerate(A)]
        exact_sol = solve_exact(aug)
    if exact_sol is not None:
        values = {p: float(v) for p, v in zip(params, exact_sol)}
        exact = dict(zip(params, exact_sol))
        method = ("exact", {})
    else:
        sol, *_ = np.linalg.lstsq(phi, rhs, rcond=None)
        values = {p: float(v) for p, v in zip(params, sol)}
        exact = None
        method = ("float", {})
    pred = off + phi @ np.array([values[p] for p in params])
    exact_resid = None
    if exact is not None and phi_e is not None and rhs_e is not None:
        sol_e = [exact[p] for p in params]
        exact_resid = [rhs_e[r] - sum(phi_e[i][r] * sol_e[i] for i in range(k))
                       for r in range(d.n)]
    res = _result(m, target, inputs, values, exact, True, method, y, pred, steps,
                  exact_resid, d.exact[target] if d.exact is not None else None)
    res.errors = standard_errors(phi, res.sse, params)
    return res


def _paren(e: Expr) -> str:
    s = str(e)
    return f"({s})" if e.op in (core.ADD,) or " " in s else s


def _exact_design(basis: list[Expr], offset: Expr, target: str, inputs: list[str], d: Data
                  ) -> tuple[list[list[Fraction]] | None, list[Fraction] | None]:
    """Φ and y - m0 in exact rationals, or (None, None) when some value is irrational."""
    assert d.exact is not None
    phi: list[list[Fraction]] = [[] for _ in basis]
    rhs: list[Fraction] = []
    for r in range(d.n):
        point = {c: d.exact[c][r] for c in inputs}
        try:
            for i, b in enumerate(basis):
                v = b.evaluate(point)
                if not isinstance(v, int | Fraction):
                    return None, None
                phi[i].append(Fraction(v))
            o = offset.evaluate(point)
        except DomainError as exc:
            raise error("error.fit.undefined_at_row", DomainError, row=r + 1, point=_where(point),
                        exc=exc) from None
        if not isinstance(o, int | Fraction):
            return None, None
        rhs.append(d.exact[target][r] - Fraction(o))
    return phi, rhs


def _where(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in point.items())


def _values(e: Expr, inputs: list[str], d: Data, what: Msg) -> np.ndarray:
    vals = as_function(e, inputs)(*(d.columns[c] for c in inputs)) if inputs else \
        np.full(d.n, float(e.evaluate()) if not e.free else np.nan)
    vals = np.broadcast_to(vals, (d.n,)).astype(float)
    bad = np.flatnonzero(~np.isfinite(vals))
    if len(bad):
        r = int(bad[0])
        pt = {c: float(d.columns[c][r]) for c in inputs}
        raise error("error.fit.term_undefined", DomainError, what=what, e=e, row=r + 1,
                    point=_where(pt))
    return vals


def _float_design(basis: list[Expr], inputs: list[str], d: Data) -> np.ndarray:
    return np.column_stack([_values(b, inputs, d, Msg("fit.the_model_term")) for b in basis])


def _check_identifiable(A: np.ndarray, params: list[str], basis: list[Expr], d: Data,
                        inputs: list[str]) -> None:
    """A singular normal matrix means some change of parameters leaves every prediction
    unchanged: name those parameters and the direction (and the constant column, when
    that is the cause: a line through points that all have the same x)."""
    k, n = len(params), d.n
    if n < k:
        raise error("error.fit.too_few_rows", k=k, params=params, n=n, rows=plural("row", n))
    u, s, vt = np.linalg.svd(A)
    if s[0] == 0 or s[-1] <= 1e-12 * s[0]:
        v = vt[-1]
        v = v / np.abs(v).max()
        involved = [p for p, c in zip(params, v) if abs(c) > 1e-6]
        direction = ", ".join(f"{c + 0.0:.3g}" for p, c in zip(params, v) if abs(c) > 1e-6)
        terms = ", ".join(f"∂model/∂{p} = {b}" for p, b in zip(params, basis) if p in involved)
        constant = [c for c in inputs if n > 1 and np.ptp(d.columns[c]) == 0]
        if constant:
            c = constant[0]
            raise error("error.fit.constant_column", involved=', '.join(involved), c=c,
                        value=human(float(d.columns[c][0])), terms=terms, direction=direction)
        raise error("error.fit.singular", involved=', '.join(involved), terms=terms,
                    direction=direction)


def _gradient_descent(m: Expr, inputs: list[str], params: list[str], basis: list[Expr],
                      d: Data, y: np.ndarray, closed: dict[str, float],
                      max_steps: int = 50000) -> GradientCheck:
    """Minimize the mean squared error with the shared SGD update and the symbolic
    gradient ∂/∂p (1/n) Σ (y - m)^2 = (2/n) Σ (m - y) ∂m/∂p.

    For a linear model ∂m/∂p does not depend on the parameters, so its column of values
    is computed once and each step is two matrix-vector products.  The step 1/L uses the
    curvature L (largest Hessian eigenvalue), the largest step that cannot diverge; the
    number of steps plain descent needs grows with the condition number κ, reported."""
    phi = _float_design(basis, inputs, d)
    off = _values(m.subs({p: core.ZERO for p in params}), inputs, d, Msg("fit.the_model"))
    n = len(y)
    H = 2.0 / n * phi.T @ phi
    eig = np.linalg.eigvalsh(H)
    L, mu = float(eig.max()), float(eig.min())
    lr = 1.0 / L if L > 0 else 0.1
    w = np.zeros(len(params))
    opt = optim.SGD([w], lr=lr)
    reason = "max steps"
    steps = 0
    scale = 1 + max(abs(v) for v in closed.values())
    while steps < max_steps:
        g = 2.0 / n * (phi.T @ (phi @ w + off - y))
        if np.linalg.norm(g) < 1e-12 * scale * max(1.0, L):
            reason = "converged"
            break
        opt.step([g])
        steps += 1
    got = {p: float(v) for p, v in zip(params, w)}
    diff_max = max(abs(got[p] - closed[p]) for p in params)
    kappa = L / mu if mu > 0 else math.inf
    return GradientCheck(got, steps, lr, diff_max, reason, kappa)
