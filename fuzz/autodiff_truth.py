"""The exact answer to an autodiff fuzz case: its value and gradient at the given float
inputs in 40-digit arithmetic (mpmath), by forward mode over the same tree.

PyTorch is the oracle of :mod:`fuzz.autodiff`, but at the edges it rounds too (its
log-sum-exp at 10^299 with two equal entries gives each a weight of 1, not 1/2).  A
disagreement between bibun and PyTorch is a finding only when bibun also misses this
answer; where the answer is no number (NaN, a complex value, a division by zero) the
entry is not judged.  Conventions at corners follow PyTorch (relu'(0) = abs'(0) = 0;
ties of max, min, maximum and minimum share the gradient; a NaN wins max and min).

Each number also carries its *achievable accuracy* (``e``, and ``ed`` for each partial):
the absolute error that any float engine rounding every op's result (relative error
``EPS``) may have at this node, propagated through the tree by first-order conditioning
(each op's error is its inputs' errors times its sensitivity to them, plus its own
rounding).  The judge allows bibun that much error: sin(x³) at x³ ≈ 1e24 (an argument
whose own rounding error is 1e8 radians) has no correct digit in any float engine, and
log1p(expm1(x)) at x = −19 has a derivative 1/(1 + expm1(x)) whose rounded 1 + u loses
8 digits.  The bound is the condition number, not a blanket skip: where it is small the
digits are still demanded (tests/test_fuzz_autodiff.py shows a wrong gradient caught).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp

NAN = mp.mpf("nan")
#: one float64 rounding (a unit in the last place, relative; generous: 2^-52)
EPS = mp.mpf(2) ** -52
#: sin, cos and tan: an argument known only to within this many radians has no digits
PERIODIC_NOISE = mp.mpf("0.5")


class D:
    """A number and its partial derivatives by each input."""

    __slots__ = ("d", "e", "ed", "v")

    def __init__(self, v: Any, d: list[Any], e: Any = 0, ed: list[Any] | None = None,
                 rounds: bool = True):
        self.v, self.d = v, d
        #: achievable absolute error of v and of each partial (see the module docstring):
        #: the inputs' errors carried here plus this op's own rounding (an input is exact)
        u = EPS if rounds else 0
        self.e = _bound(e) + u * _mag(v)
        self.ed = [_bound(x) + u * _mag(di) for x, di in
                   zip(ed if ed is not None else [0] * len(d), d, strict=True)]


def _m(a: Any, b: Any) -> Any:
    """a·b for error terms, 0 where either is 0 (an unbounded error times a partial that
    is exactly 0 adds nothing: that entry does not depend on it)."""
    return mp.mpf(0) if a == 0 or b == 0 else a * b


def _mag(v: Any) -> Any:
    return abs(v) if mp.isfinite(v) else mp.mpf(0)


def _bound(e: Any) -> Any:
    """An error bound; one that is no number (inf − inf on the way) is unbounded."""
    return mp.inf if mp.isnan(e) else abs(e)


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
    d = [_safe(lambda a, b=s: b * a, di) for di in x.d]
    # conditioning: how far f and f' move while the argument moves by its own error
    # (both ends of the interval, so a saturated or steep f is measured, not linearised)
    e_in = x.e
    if e_in == 0:
        e_f, e_df = 0, 0
    elif not mp.isfinite(e_in) or (f in PERIODIC and e_in > PERIODIC_NOISE):
        e_f = e_df = mp.inf  # the argument is noise to a periodic function: no digits
    else:
        ends = [x.v - e_in, x.v + e_in]
        e_f = _widest(_safe(lambda a: abs(f(a) - v), t) for t in ends)
        e_df = _widest(_safe(lambda a: abs(df(a) - s), t) for t in ends)
    ed = [_safe(lambda di, edi: _m(e_df, abs(di)) + _m(abs(s), edi), di, edi)
          for di, edi in zip(x.d, x.ed, strict=True)]
    return D(v, d, e_f, ed)


def _widest(moves: Any) -> Any:
    """The larger move; unbounded if either end leaves the domain (log near 0: NaN)."""
    moves = list(moves)
    return mp.inf if any(mp.isnan(m) for m in moves) else max(moves)


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


def _lin(a: D, b: D, ca: Any, cb: Any, v: Any, eca: Any = 0, ecb: Any = 0) -> D:
    """A value whose partials are ca·a' + cb·b' (eca, ecb: the errors of ca and cb)."""
    d = [_safe(lambda p, q: ca * p + cb * q, p, q) for p, q in zip(a.d, b.d, strict=True)]
    e = _safe(lambda: _m(abs(ca), a.e) + _m(abs(cb), b.e))
    ed = [_safe(lambda p, q, ep, eq: _m(abs(ca), ep) + _m(eca, abs(p)) + _m(abs(cb), eq)
                + _m(ecb, abs(q)), p, q, ep, eq)
          for p, q, ep, eq in zip(a.d, b.d, a.ed, b.ed, strict=True)]
    return D(v, d, e, ed)


def _binary(name: str, a: D, b: D) -> D:
    if name == "add":
        return _lin(a, b, 1, 1, _safe(lambda p, q: p + q, a.v, b.v))
    if name == "sub":
        return _lin(a, b, 1, -1, _safe(lambda p, q: p - q, a.v, b.v))
    if name == "mul":
        return _lin(a, b, b.v, a.v, _safe(lambda p, q: p * q, a.v, b.v), b.e, a.e)
    if name == "div":
        # 1/b and a/b² move by e_b/b² and (e_a/b² + 2|a|e_b/|b|³) while b stays away from 0
        near = _safe(lambda: abs(b.v) - b.e)
        eca = _safe(lambda: b.e / near ** 2) if near > 0 else mp.inf
        ecb = _safe(lambda: (a.e + 2 * abs(a.v) * b.e / near) / near ** 2) if near > 0 \
            else mp.inf
        return _lin(a, b, _safe(_div, 1, b.v), _safe(lambda p, q: -p / (q * q), a.v, b.v),
                    _safe(_div, a.v, b.v), eca, ecb)
    first = a.v > b.v if name == "maximum" else a.v < b.v
    if mp.isnan(a.v) or mp.isnan(b.v):
        return D(NAN, [NAN] * len(a.d))
    if a.v == b.v:
        return _lin(a, b, mp.mpf(0.5), mp.mpf(0.5), a.v)
    return _choice(a if first else b, [a, b])


def _choice(won: D, xs: list[D]) -> D:
    """max or min's pick, with the error of a pick that rounding could change: any
    entry within the errors of the winner may win in a float engine instead."""
    rivals = [x for x in xs if x is not won and _safe(lambda x=x: abs(x.v - won.v)) <= x.e + won.e]
    if not rivals:
        return won
    e = max(_safe(lambda x=x: abs(x.v - won.v) + x.e) for x in rivals)
    ed = [max(_safe(lambda x=x, i=i: abs(x.d[i] - won.d[i]) + x.ed[i]) for x in rivals)
          for i in range(len(won.d))]
    return D(won.v, won.d, max(e, won.e), [max(p, q) for p, q in zip(ed, won.ed, strict=True)],
             rounds=False)


def _pick(xs: list[D], best: Any) -> D:
    """max or min of a list: a NaN wins; ties share the gradient."""
    nans = [x for x in xs if mp.isnan(x.v)]
    if len(nans) > 1:
        # which of several NaNs wins (and gets the gradient) is the engine's scan order,
        # not mathematics: the gradient is not decided (one NaN winning still is)
        return D(NAN, nans[0].d, mp.inf, [mp.inf] * len(nans[0].d))
    if nans:
        return D(NAN, nans[0].d)
    top = best(x.v for x in xs)
    tied = [x for x in xs if x.v == top]
    if len(tied) == 1:
        return _choice(tied[0], xs)
    return D(top, [_safe(lambda *p: sum(p) / len(p), *col) for col in zip(*(x.d for x in tied),
                                                                          strict=True)],
             max(x.e for x in tied), [max(col) for col in zip(*(x.ed for x in tied),
                                                               strict=True)])


def _lse(xs: list[D]) -> tuple[Any, Any, list[Any]]:
    """m and log Σ e^(x − m), m the max (log Σ e^x is their sum; x − log Σ e^x is
    (x − m) − the second, exact even where x is 10^300), and the softmax weights."""
    m = max(x.v for x in xs)
    if not mp.isfinite(m):
        return m, NAN, [NAN] * len(xs)
    s = mp.fsum(_exp(x.v - m) for x in xs)
    return m, mp.log(s), [_exp(x.v - m) / s for x in xs]


def _weighted(xs: list[D], w: list[Any], v: Any, ew: Any = 0) -> D:
    """Σ w·x, its partials Σ w·x'; ``ew``: the relative error of each weight (softmax
    weights move with their inputs' errors), and every term rounds once more."""
    cols = zip(*(x.d for x in xs), strict=True)
    n = len(xs)
    d = [_safe(lambda *p: mp.fsum(wi * pi for wi, pi in zip(w, p, strict=True)), *c)
         for c in cols]
    e = _safe(lambda: mp.fsum(_m(abs(wi), x.e + _m(n * EPS, _mag(x.v)))
                               for wi, x in zip(w, xs, strict=True)))
    ed = [_safe(lambda i=i: mp.fsum(_m(abs(wi), x.ed[i] + _m(ew + n * EPS, abs(x.d[i])))
                                    for wi, x in zip(w, xs, strict=True))) for i in range(len(d))]
    return D(v, d, e, ed)


def _lse_error(xs: list[D]) -> Any:
    """The relative error of softmax weights: e^(x − m) moves by the errors of x and m."""
    return 2 * max(x.e for x in xs)


def _sum(xs: list[D], scale: Any = 1) -> D:
    return _weighted(xs, [mp.mpf(scale)] * len(xs), _safe(lambda: mp.fsum(x.v for x in xs)
                                                           * scale))


def evaluate(tree: list[Any], xs: list[float], n: int) -> D | list[D]:
    """The tree at ``xs`` (a list of D for a vector, a D for a number)."""
    op = tree[0]
    if op == "x":
        return [D(mp.mpf(v), [mp.mpf(int(i == j)) for j in range(n)], rounds=False)
                for i, v in enumerate(xs)]
    if op == "c":
        return D(mp.mpf(tree[1]), [mp.mpf(0)] * n, rounds=False)
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
        return _weighted(v, w, _safe(lambda: m + ls), _lse_error(v))
    if op in ("softmax", "log_softmax"):
        m, ls, w = _lse(v)
        out = []
        for i, x in enumerate(v):
            g = _weighted(v, [-wi for wi in w], 0, _lse_error(v))
            d = [_safe(lambda p, q: p + q, p, q) for p, q in zip(x.d, g.d, strict=True)]
            ed = [_safe(lambda p, q: p + q, p, q) for p, q in zip(x.ed, g.ed, strict=True)]
            if op == "log_softmax":
                out.append(D(_safe(lambda a=x.v: (a - m) - ls), d, x.e + g.e, ed))
            else:
                ew = _lse_error(v) * w[i]
                out.append(D(w[i], [_safe(lambda p, wi=w[i]: wi * p, p) for p in d], ew,
                             [_safe(lambda p, q, wi=w[i], ew=ew: _m(wi, q) + _m(ew, abs(p)), p, q)
                              for p, q in zip(d, ed, strict=True)]))
        return out
    if op == "ce":
        m, ls, w = _lse(v)
        k = int(tree[2]) % n
        total = _weighted(v, w, _safe(lambda: ls - (v[k].v - m)), _lse_error(v))
        return D(total.v, [_safe(lambda p, q: p - q, p, q) for p, q in
                           zip(total.d, v[k].d, strict=True)], total.e + v[k].e,
                 [_safe(lambda p, q: p + q, p, q) for p, q in zip(total.ed, v[k].ed, strict=True)])
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
    value, grad, _, _ = truth_and_accuracy(tree, xs)
    return value, grad


def truth_and_accuracy(tree: list[Any], xs: list[float]
                       ) -> tuple[float, list[float], float, list[float]]:
    """The exact value and gradient, and the achievable accuracy of each (the absolute
    error a float64 engine may have there, :class:`D`'s ``e`` and ``ed``)."""
    with mp.workdps(40):
        out = evaluate(tree, xs, len(xs))
        if isinstance(out, list):
            out = _sum(out)
        return float(out.v), [float(d) for d in out.d], float(out.e), [float(e) for e in out.ed]


#: the periodic functions of UNARY (an argument with an error over PERIODIC_NOISE is noise)
PERIODIC = (mp.sin, mp.cos, mp.tan)
