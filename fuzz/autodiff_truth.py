"""The exact answer to an autodiff fuzz case: its value and gradient at the given float
inputs in 40-digit arithmetic (mpmath), by forward mode over the same tree.

PyTorch is the oracle of :mod:`fuzz.autodiff`, but at the edges it rounds too (its
log-sum-exp at 10^299 with two equal entries gives each a weight of 1, not 1/2).  A
disagreement between bibun and PyTorch is a finding only when bibun also misses this
answer; where the answer is no number (NaN, a complex value, a division by zero) the
entry is not judged.  Conventions at corners follow PyTorch (relu'(0) = abs'(0) = 0;
ties of max, min, maximum and minimum share the gradient; a NaN wins max and min).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp

NAN = mp.mpf("nan")


class D:
    """A number and its partial derivatives by each input."""

    __slots__ = ("d", "v")

    def __init__(self, v: Any, d: list[Any]):
        self.v, self.d = v, d


def _exp(x: Any) -> Any:
    """e^x without mpmath's work at |x| ≈ 10^300 (the answer is 0 or inf long before)."""
    if x < -1e6:
        return mp.mpf(0)
    if x > 1e6:
        return mp.inf
    return mp.exp(x)


def _real(v: Any) -> Any:
    return v if isinstance(v, mp.mpf) else NAN  # complex (log of a negative): no number


def _safe(f: Callable[..., Any], *a: Any) -> Any:
    try:
        return _real(f(*a))
    except (ZeroDivisionError, ValueError, OverflowError):
        return NAN  # a division by an exact zero too: its sign would decide


def _div(a: Any, b: Any) -> Any:
    return a / b


def _chain(x: D, f: Callable[[Any], Any], df: Callable[[Any], Any]) -> D:
    if mp.isfinite(x.v) and abs(x.v) > 1e309:
        # beyond any float: no library has this number, and mpmath's cosh of e^(2e8)
        # would run for hours
        return D(NAN, [NAN] * len(x.d))
    v, s = _safe(f, x.v), _safe(df, x.v)
    return D(v, [_safe(lambda a, b=s: b * a, di) for di in x.d])


def _sig(x: Any) -> Any:
    return 1 / (1 + _exp(-x))


def _phi(x: Any) -> Any:
    return _exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


#: name -> (f, f')
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "sin": (mp.sin, mp.cos), "cos": (mp.cos, lambda x: -mp.sin(x)),
    "tan": (mp.tan, lambda x: 1 / mp.cos(x) ** 2), "exp": (_exp, _exp),
    "log": (mp.log, lambda x: _div(1, x)), "sqrt": (mp.sqrt, lambda x: _div(1, 2 * mp.sqrt(x))),
    "abs": (abs, mp.sign), "tanh": (mp.tanh, lambda x: 1 - mp.tanh(x) ** 2),
    "sigmoid": (_sig, lambda x: _sig(x) * (1 - _sig(x))),
    "softplus": (lambda x: mp.log1p(_exp(x)), _sig),
    "relu": (lambda x: max(x, 0), lambda x: mp.mpf(1) if x > 0 else mp.mpf(0)),
    "arctan": (mp.atan, lambda x: 1 / (1 + x * x)), "erf": (mp.erf, lambda x: 2 * _phi(
        x * mp.sqrt(2)) * mp.sqrt(2)),
    "log1p": (mp.log1p, lambda x: _div(1, 1 + x)), "expm1": (mp.expm1, _exp),
    "sinh": (mp.sinh, mp.cosh), "cosh": (mp.cosh, mp.sinh),
    "arcsinh": (mp.asinh, lambda x: 1 / mp.sqrt(1 + x * x)),
    "logsigmoid": (lambda x: -mp.log1p(_exp(-x)), lambda x: _sig(-x)),
    "gelu": (lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * _phi(x)),
    "silu": (lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * (1 - _sig(x)))),
    "elu": (lambda x: x if x > 0 else mp.expm1(x), lambda x: mp.mpf(1) if x > 0 else _exp(x)),
    "square": (lambda x: x * x, lambda x: 2 * x),
}


def _lin(a: D, b: D, ca: Any, cb: Any, v: Any) -> D:
    """A value whose partials are ca·a' + cb·b'."""
    return D(v, [_safe(lambda p, q: ca * p + cb * q, p, q) for p, q in zip(a.d, b.d, strict=True)])


def _binary(name: str, a: D, b: D) -> D:
    if name == "add":
        return _lin(a, b, 1, 1, _safe(lambda p, q: p + q, a.v, b.v))
    if name == "sub":
        return _lin(a, b, 1, -1, _safe(lambda p, q: p - q, a.v, b.v))
    if name == "mul":
        return _lin(a, b, b.v, a.v, _safe(lambda p, q: p * q, a.v, b.v))
    if name == "div":
        return _lin(a, b, _safe(_div, 1, b.v), _safe(lambda p, q: -p / (q * q), a.v, b.v),
                    _safe(_div, a.v, b.v))
    first = a.v > b.v if name == "maximum" else a.v < b.v
    if mp.isnan(a.v) or mp.isnan(b.v):
        return D(NAN, [NAN] * len(a.d))
    if a.v == b.v:
        return _lin(a, b, mp.mpf(0.5), mp.mpf(0.5), a.v)
    return a if first else b


def _pick(xs: list[D], best: Any) -> D:
    """max or min of a list: a NaN wins; ties share the gradient."""
    nans = [x for x in xs if mp.isnan(x.v)]
    if nans:
        return D(NAN, nans[0].d)
    top = best(x.v for x in xs)
    tied = [x for x in xs if x.v == top]
    return D(top, [_safe(lambda *p: sum(p) / len(p), *col) for col in zip(*(x.d for x in tied),
                                                                          strict=True)])


def _lse(xs: list[D]) -> tuple[Any, Any, list[Any]]:
    """m and log Σ e^(x − m), m the max (log Σ e^x is their sum; x − log Σ e^x is
    (x − m) − the second, exact even where x is 10^300), and the softmax weights."""
    m = max(x.v for x in xs)
    if not mp.isfinite(m):
        return m, NAN, [NAN] * len(xs)
    s = mp.fsum(_exp(x.v - m) for x in xs)
    return m, mp.log(s), [_exp(x.v - m) / s for x in xs]


def _weighted(xs: list[D], w: list[Any], v: Any) -> D:
    cols = zip(*(x.d for x in xs), strict=True)
    return D(v, [_safe(lambda *p: mp.fsum(wi * pi for wi, pi in zip(w, p, strict=True)), *c)
                 for c in cols])


def _sum(xs: list[D], scale: Any = 1) -> D:
    return _weighted(xs, [mp.mpf(scale)] * len(xs), _safe(lambda: mp.fsum(x.v for x in xs)
                                                           * scale))


def evaluate(tree: list[Any], xs: list[float], n: int) -> D | list[D]:
    """The tree at ``xs`` (a list of D for a vector, a D for a number)."""
    op = tree[0]
    if op == "x":
        return [D(mp.mpf(v), [mp.mpf(int(i == j)) for j in range(n)]) for i, v in enumerate(xs)]
    if op == "c":
        return D(mp.mpf(tree[1]), [mp.mpf(0)] * n)
    if op == "pow":
        k = mp.mpf(tree[2])
        a = evaluate(tree[1], xs, n)
        return [_chain(x, lambda v: v ** k, lambda v: k * v ** (k - 1)) for x in a]
    if op in UNARY:
        f, df = UNARY[op]
        return [_chain(x, f, df) for x in evaluate(tree[1], xs, n)]
    args = [evaluate(t, xs, n) for t in tree[1:] if isinstance(t, list) and t
            and isinstance(t[0], str)]
    if op in ("add", "sub", "mul", "div", "maximum", "minimum"):
        a, b = args
        if isinstance(a, D) and isinstance(b, D):
            return _binary(op, a, b)
        a = a if isinstance(a, list) else [a] * len(b)
        b = b if isinstance(b, list) else [b] * len(a)
        return [_binary(op, p, q) for p, q in zip(a, b, strict=True)]
    v = args[0] if isinstance(args[0], list) else [args[0]] * n
    if op == "sum":
        return _sum(v)
    if op == "mean":
        return _sum(v, mp.mpf(1) / len(v))
    if op in ("max", "min"):
        return _pick(v, max if op == "max" else min)
    if op == "logsumexp":
        m, ls, w = _lse(v)
        return _weighted(v, w, _safe(lambda: m + ls))
    if op in ("softmax", "log_softmax"):
        m, ls, w = _lse(v)
        out = []
        for i, x in enumerate(v):
            g = _weighted(v, [-wi for wi in w], 0)
            d = [_safe(lambda p, q: p + q, p, q) for p, q in zip(x.d, g.d, strict=True)]
            if op == "log_softmax":
                out.append(D(_safe(lambda a=x.v: (a - m) - ls), d))
            else:
                out.append(D(w[i], [_safe(lambda p, wi=w[i]: wi * p, p) for p in d]))
        return out
    if op == "ce":
        m, ls, w = _lse(v)
        k = int(tree[2]) % n
        total = _weighted(v, w, _safe(lambda: ls - (v[k].v - m)))
        return D(total.v, [_safe(lambda p, q: p - q, p, q) for p, q in
                           zip(total.d, v[k].d, strict=True)])
    t = [mp.mpf(tree[2][i % len(tree[2])]) for i in range(n)]
    if op == "mse":
        per = [_chain(x, lambda a, ti=ti: (a - ti) ** 2, lambda a, ti=ti: 2 * (a - ti))
               for x, ti in zip(v, t, strict=True)]
    else:  # bce on logits: softplus(z) − z·t
        per = [_chain(x, lambda a, ti=ti: mp.log1p(_exp(a)) - a * ti,
                      lambda a, ti=ti: _sig(a) - ti) for x, ti in zip(v, t, strict=True)]
    return _sum(per, mp.mpf(1) / n)


def truth(tree: list[Any], xs: list[float]) -> tuple[float, list[float]]:
    """The exact value and gradient, rounded to float64 (NaN where there is none)."""
    with mp.workdps(40):
        out = evaluate(tree, xs, len(xs))
        if isinstance(out, list):
            out = _sum(out)
        return float(out.v), [float(d) for d in out.d]
