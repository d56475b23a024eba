"""Turning what the user passes (a formula or a callable, points) into safe calls
of f: domain errors become NaN, complex input goes only where f accepts it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bibun.codegen import compile as compile_expr
from bibun.errors import DomainError
from bibun.expr.core import FN, Expr, as_expr, postorder
from bibun.functions import rule
from bibun.i18n import Msg, error
from bibun.numeric.estimate import MAX_ORDER, METHODS

# -- calling f safely ----------------------------------------------------------------------


class _Caller:
    """Calls a user function on many points, vectorized when it can be.

    ``f`` is first called with the whole array; if it raises or returns the wrong shape
    it is called point by point.  Exceptions and non-finite results become NaN (a point
    outside the domain), remembered so that an error message can quote them.  Every
    call is counted per point.
    """

    def __init__(self, f: Callable[[Any], Any], npoints: int):
        self.f = f
        self.counts = np.zeros(npoints, dtype=np.int64)
        self.vector_ok = True
        self.last_error: BaseException | None = None

    def __call__(self, idx: np.ndarray, nodes: np.ndarray) -> np.ndarray:
        self.counts[idx] += 1
        complex_in = np.iscomplexobj(nodes)
        out: np.ndarray | None = None
        if self.vector_ok and nodes.size > 1:
            try:
                with np.errstate(all="ignore"):
                    y = np.asarray(self.f(nodes))
                if y.shape == nodes.shape:
                    out = y
                else:
                    self.vector_ok = False
            except Exception:
                self.vector_ok = False
        if out is None:
            vals = []
            for i, t in enumerate(nodes.tolist()):
                try:
                    with np.errstate(all="ignore"):
                        # a 0-d array, never a Python float, so that an f written for
                        # arrays (x.shape, x.sum(), x.astype) works point by point too
                        y = np.asarray(self.f(nodes[i, ...].copy()))
                except Exception as exc:  # outside the domain, or a bug: remember it
                    self.last_error = exc
                    vals.append(np.nan)
                    continue
                if complex_in and not np.iscomplexobj(y):
                    vals.append(np.nan)  # f dropped the imaginary part (abs, math.fabs, ...)
                    continue
                if y.size != 1:
                    raise error("error.numeric.not_scalar", t=_num(t), shape=str(y.shape))
                vals.append(y.reshape(()).item())
            cplx = complex_in or any(isinstance(v, complex) for v in vals)
            out = np.array(vals, dtype=complex if cplx else float)
        return _clean(out, complex_in)


def _clean(y: np.ndarray, complex_in: bool) -> np.ndarray:
    """Real results as floats, NaN where non-finite; complex kept only for complex input."""
    if y.dtype == object:
        try:
            y = y.astype(complex if complex_in else float)
        except (TypeError, ValueError):
            return np.full(y.shape, np.nan)
    if complex_in:
        if not np.iscomplexobj(y):
            return np.full(y.shape, np.nan + 0j)  # f dropped the imaginary part
        return np.where(np.isfinite(y), y, np.nan)
    if np.iscomplexobj(y):  # complex output for real input: real only where imag is 0
        y = np.where(y.imag == 0, y.real, np.nan)
    y = np.asarray(y, dtype=float)
    return np.where(np.isfinite(y), y, np.nan)


class _Directional:
    """Evaluate f: R^shape -> R^m at x with one coordinate replaced, per 'point'.

    Point p of the batch is coordinate ``p`` of ``x``; used by gradient/jacobian so that
    the scalar machinery (steps, Richardson, complex step) applies unchanged.
    """

    def __init__(self, f: Callable[[Any], Any], x: np.ndarray, out_size: int | None):
        self.f, self.x = f, x
        self.counts = np.zeros(x.size, dtype=np.int64)
        self.m = out_size
        self.last_error: BaseException | None = None

    def one(self, xv: np.ndarray) -> np.ndarray:
        try:
            with np.errstate(all="ignore"):
                y = np.asarray(self.f(xv))
        except Exception as exc:
            self.last_error = exc
            return np.full(self.m or 1, np.nan)
        y = y.ravel()
        if self.m is None:
            self.m = y.size
        if y.size != self.m:
            raise error("error.numeric.size_changed", size=y.size, m=self.m)
        return _clean(y, np.iscomplexobj(xv))

    def __call__(self, idx: np.ndarray, nodes: np.ndarray) -> np.ndarray:
        self.counts[idx] += 1
        complex_in = np.iscomplexobj(nodes)
        base = self.x.astype(complex) if complex_in else self.x
        rows = []
        for p, t in zip(idx.tolist(), nodes.tolist()):
            xv = base.copy()
            xv.flat[p] = t
            rows.append(self.one(xv))
        return np.array(rows).reshape(len(idx), -1)


def _call2d(caller: Any, idx: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    y = caller(idx, nodes)
    return y.reshape(len(idx), -1)


# -- public: derivative --------------------------------------------------------------------


def _is_formula(f: Any) -> bool:
    return isinstance(f, str | Expr)


def formula_analytic(e: Any) -> bool:
    """True when every function in the formula (an Expr) is holomorphic, so the complex
    step is valid without the numerical check; False when one is not (|x|, relu, ...)."""
    return all(rule(node.value).analytic for node in postorder(e) if node.op == FN)


def _as_callable(f: Any, who: str, size: int | None, analytic: bool | None = None
                 ) -> tuple[Callable[[Any], Any], bool | None]:
    """(function, analytic): ``f`` itself when callable; a formula (text such as "x^2"
    or an Expr) becomes the function that evaluates it (``bibun.compile``, NaN outside
    the domain).  ``analytic`` is passed through when given (or f is a function), else
    it says whether the formula is analytic (:func:`formula_analytic`).

    ``size`` is None when f takes one number (derivative; array x means many points),
    else the number of components of x: a formula's variables, in sorted order
    (x, y, z ...), take x's components in turn.
    """
    if callable(f):
        return f, analytic
    if not _is_formula(f):
        raise error("error.numeric.not_a_function", who=who, type=type(f).__name__, f=repr(f)[:40])

    e = as_expr(f)
    if analytic is None:
        analytic = formula_analytic(e)
    names = sorted(e.free)
    if size is None:
        if len(names) > 1:
            raise error("error.numeric.formula_one_variable", who=who, e=e, names=', '.join(names))
        return compile_expr(e, names or ["x"]), analytic
    names = names or ["x"]
    if len(names) != size:
        raise error("error.numeric.formula_values", who=who, e=e, names=', '.join(names), size=size)
    fn = compile_expr(e, names)

    def g(v: Any) -> Any:
        return fn(*np.asarray(v).ravel())

    return g, analytic


def _as_float_array(x: Any, what: str) -> tuple[np.ndarray, list[str]]:
    flags: list[str] = []
    arr = np.asarray(x)
    if arr.dtype == object:
        try:
            arr = arr.astype(float)
        except OverflowError:  # an exact integer past 1.8e308 (10**400)
            raise error("error.numeric.not_finite_input", DomainError, what=what,
                        value="|x| > 1.797e308") from None  # no words: any language
        except (TypeError, ValueError):
            raise error("error.numeric.not_real", what=what) from None
    if np.iscomplexobj(arr):
        raise error("error.numeric.complex", what=what)
    if arr.dtype.kind in "iub":
        if isinstance(x, np.ndarray):
            flags.append(f"integer {what} array ({arr.dtype}) converted to float")
        arr = arr.astype(float)
    elif arr.dtype.kind != "f":
        raise error("error.numeric.not_real_dtype", what=what, dtype=arr.dtype)
    arr = arr.astype(float)
    if not np.isfinite(arr).all():
        raise error("error.numeric.not_finite_input", DomainError, what=what,
                    value=str(arr[~np.isfinite(arr)].ravel()[0]))
    return arr, flags


def _check_args(n: int, method: str, h: Any) -> None:
    if method not in METHODS:
        raise error("error.numeric.unknown_method", method=repr(method), methods=', '.join(METHODS))
    if not isinstance(n, int | np.integer) or not 1 <= n <= MAX_ORDER:
        raise error("error.numeric.order", max_order=MAX_ORDER, n=repr(n))
    if h is not None and not (np.all(np.isfinite(h)) and np.all(np.asarray(h) > 0)):
        raise error("error.numeric.step", h=repr(h))


def _check_step_moves(base: np.ndarray, h: Any, points: np.ndarray | None = None) -> None:
    """Refuse a step that does not move x in floating point (x + h == x or x − h == x).

    Every difference quotient would then be 0/h or pure rounding, and the number printed
    would mean nothing; the complex step is exempt (its step is imaginary), so callers
    check only where a real step is taken.
    """
    if h is None:
        return
    try:
        hs = np.broadcast_to(np.asarray(h, dtype=float), base.shape)
    except ValueError:
        return  # the shape error is reported where h is used
    pts = np.arange(base.size) if points is None else points
    still = (base[pts] + hs[pts] == base[pts]) | (base[pts] - hs[pts] == base[pts])
    if still.any():
        i = int(pts[int(np.flatnonzero(still)[0])])
        x = float(base[i])
        raise error("error.numeric.step_too_small", x=_num(x), h=f"{float(hs[i]):.3g}",
                    gap=f"{float(np.spacing(abs(x))):.3g}",
                    suggest=f"{1.5e-8 * max(1.0, abs(x)):.2g}")


def _ordinal(k: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(k, f"{k}th")


def _num(v: Any) -> str:
    """A number as a user reads it: 1, 0.5, 1e+20 (never np.float64(1.0)); for a complex
    step point x + ih, its real part x."""
    return f"{float(np.real(v)):.15g}"


def _no_finite_values(x: Any, last_error: BaseException | None) -> DomainError:
    why: Msg | str = ""
    if last_error is not None:
        why = Msg("error.numeric.f_raised", {"name": type(last_error).__name__,
                                             "error": last_error})
    where = _num(x) if np.ndim(x) == 0 else repr(x)
    return error("error.numeric.no_finite_values", DomainError, where=where, why=why)


