"""Taylor mode: the n-th derivative of a scalar function in one forward pass.

``derivative(f, 4)`` could nest four reverse passes, each recording the one inside it:
the graph grows with every level, and Python pays for every node.  For a function of
one real variable there is a shorter road.  Push a truncated Taylor series

    x(t) = x₀ + t        (coefficients [x₀, 1, 0, …, 0])

through ``f`` instead of a number.  Every operation maps the series of its inputs to the
series of its output (a *jet*), and at the end ``f(x(t)) = Σ cₖ tᵏ`` with cₖ = f⁽ᵏ⁾(x₀)/k!.
Sums are added termwise, products are Cauchy products, quotients solved term by term.

An elementwise function y = g(u) needs no formula of its own: its derivative comes from
the rule table, as in every other mode.  From y′ = g′(u)·u′, comparing coefficients,

    k·yₖ = Σⱼ₌₁..ₖ j·uⱼ·dₖ₋ⱼ      where d = g′(u) as a jet,

and dₖ₋ⱼ only needs y up to order k−1 (tanh′ = 1 − y², exp′ = y), so y is built one
coefficient at a time; a derivative written with other functions (sin′ = cos) recurses
into those at lower orders, remembered so that each is worked out once.

Only what is sure to give the same numbers as nested reverse mode runs here: Python and
NumPy float64 scalars, the arithmetic operators, powers, and the rule table's functions
away from their corners.  Anything else (another type, an array, a corner, a function
this class does not know) raises :class:`NotAJet`, and ``derivative`` falls back to
nested reverse passes, which handle everything.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from bibun.functions import RULES, NumberOps, Rule, rule

_times = operator.mul


class NotAJet(Exception):
    """Raised where Taylor mode cannot be sure of the answer: use nested reverse mode."""


#: memo of elementwise functions of jets during one ``taylor_derivative`` call:
#: (rule name, input coefficients) -> output coefficients
_memo: dict[tuple[str, tuple[float, ...]], list[float]] = {}


class Jet:
    """A truncated Taylor series c₀ + c₁t + … + cₙtⁿ over Python floats."""

    __slots__ = ("c",)
    __array_ufunc__ = None  # ``np.float64 * jet`` defers to Jet.__rmul__; np.sin(jet) refuses
    __hash__ = object.__hash__

    def __init__(self, c: list[float]):
        self.c = c

    # comparisons look at the value, as a Tensor's do (``if x > 0:`` branches alike)
    def __lt__(self, o: Any) -> bool:
        return self.c[0] < _value(o)

    def __le__(self, o: Any) -> bool:
        return self.c[0] <= _value(o)

    def __gt__(self, o: Any) -> bool:
        return self.c[0] > _value(o)

    def __ge__(self, o: Any) -> bool:
        return self.c[0] >= _value(o)

    def __eq__(self, o: Any) -> bool:  # type: ignore[override]
        return self.c[0] == _value(o)

    def __ne__(self, o: Any) -> bool:  # type: ignore[override]
        return self.c[0] != _value(o)

    def __add__(self, o: Any) -> Jet:
        a = self.c
        if type(o) is Jet:
            return Jet([x + y for x, y in zip(a, o.c)])
        return Jet([a[0] + _const(o)] + a[1:])

    __radd__ = __add__

    def __sub__(self, o: Any) -> Jet:
        a = self.c
        if type(o) is Jet:
            return Jet([x - y for x, y in zip(a, o.c)])
        return Jet([a[0] - _const(o)] + a[1:])

    def __rsub__(self, o: Any) -> Jet:
        a = self.c
        return Jet([_const(o) - a[0]] + [-x for x in a[1:]])

    def __neg__(self) -> Jet:
        return Jet([-x for x in self.c])

    def __pos__(self) -> Jet:
        return self

    def __mul__(self, o: Any) -> Jet:
        a = self.c
        if type(o) is Jet:
            return Jet(_mul(a, o.c))
        k = _const(o)
        return Jet([x * k for x in a])

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Jet:
        if type(o) is Jet:
            return Jet(_div(self.c, o.c))
        k = _const(o)
        return Jet([x / k for x in self.c])

    def __rtruediv__(self, o: Any) -> Jet:
        return Jet(_div([_const(o)] + [0.0] * (len(self.c) - 1), self.c))

    def __pow__(self, o: Any) -> Jet:
        if type(o) is Jet:  # a^b = exp(b·log a), for a > 0 only
            if not self.c[0] > 0:
                raise NotAJet("a power with a varying exponent and a base that is not > 0")
            return (o * self.log()).exp()
        p = _const(o)
        if p == 2:  # (the common square: one product)
            return Jet(_mul(self.c, self.c))
        if math.isfinite(p) and p == int(p) and abs(p) <= 1 << 20:
            return Jet(_int_pow(self.c, int(p)))
        a = self.c
        if not a[0] > 0:  # 0^p and negative bases: NaN/inf conventions stay with reverse mode
            raise NotAJet("a fractional power of a base that is not > 0")
        y = [a[0] ** p] + [0.0] * (len(a) - 1)
        for k in range(1, len(a)):  # k·a₀·yₖ = Σ ((p+1)·j − k)·aⱼ·yₖ₋ⱼ
            y[k] = sum(((p + 1) * j - k) * a[j] * y[k - j] for j in range(1, k + 1)) / (k * a[0])
        return Jet(y)

    def __rpow__(self, o: Any) -> Jet:
        base = _const(o)
        if not base > 0:
            raise NotAJet("a power of a base that is not > 0")
        return (self * math.log(base)).exp()

    def __abs__(self) -> Jet:
        return self.abs()

    def __getattr__(self, name: str) -> Callable[[], Jet]:
        """``x.tanh()`` and every other function of the rule table (looked up live, so a
        function registered later works as it does on a Tensor)."""
        r = RULES.get(name)
        if r is None or name.startswith("_"):
            raise AttributeError(name)
        return lambda: unary(r, self)


def _value(o: Any) -> float:
    return o.c[0] if type(o) is Jet else _const(o)


def _const(o: Any) -> float:
    """A constant operand as a float: Python and NumPy float64 or integer scalars only (a
    Tensor, an array or a float32 would change what reverse mode computes)."""
    t = type(o)
    if t is float or t is int or t is np.float64 or t is np.int64:
        return float(o)
    if t is Fraction:
        return float(o)
    raise NotAJet(f"an operand of type {t.__name__}")


def _mul(a: list[float], b: list[float]) -> list[float]:
    """The Cauchy product, truncated: cₖ = Σⱼ aⱼ·bₖ₋ⱼ."""
    return [sum(map(_times, a[:k + 1], b[k::-1])) for k in range(len(a))]


def _div(a: list[float], b: list[float]) -> list[float]:
    q: list[float] = []
    b0 = b[0]
    for k in range(len(a)):
        q.append((a[k] - sum(b[j] * q[k - j] for j in range(1, k + 1))) / b0)
    return q


def _int_pow(a: list[float], p: int) -> list[float]:
    """aᵖ by repeated squaring: exact at a₀ = 0 (x³ has third derivative 6 there)."""
    if p < 0:
        return _div([1.0] + [0.0] * (len(a) - 1), _int_pow(a, -p))
    if p == 0:
        return [1.0] + [0.0] * (len(a) - 1)
    out: list[float] | None = None
    base = a
    while p:
        if p & 1:
            out = base if out is None else _mul(out, base)
        p >>= 1
        if p:
            base = _mul(base, base)
    return list(out or a)


class _JetOps(NumberOps):
    """``F`` for rule derivatives evaluated on jets: ``F.cos(u)`` is the jet of cos."""

    def __getattr__(self, name: str) -> Callable[[Any], Any]:
        try:
            r = rule(name)
        except (KeyError, ValueError):
            raise AttributeError(name) from None
        return lambda u: unary(r, u) if type(u) is Jet else _scalar(r, u)


JET_OPS = _JetOps()


def _scalar(r: Rule, u: Any) -> float:
    return float(r.numpy(np.float64(_const(u))))


def unary(r: Rule, u: Jet) -> Jet:
    """The jet of ``r``'s function at the jet ``u``, its derivative from the rule table."""
    a = u.c
    key = (r.name, tuple(a))
    hit = _memo.get(key)
    if hit is not None:
        return Jet(hit)
    if r.subgradient and a[0] in r.subgradient:
        raise NotAJet(f"{r.name} at its corner {a[0]}")
    y = [_scalar(r, a[0])]
    for k in range(1, len(a)):
        # d = g'(u) up to order k-1, from the coefficients of u and y known so far
        d = r.deriv(Jet(a[:k]), Jet(y[:k]), JET_OPS)
        dc = d.c if type(d) is Jet else [_const(d)] + [0.0] * (k - 1)
        y.append(sum(j * a[j] * dc[k - j] for j in range(1, k + 1)) / k)
        _memo[(r.name, tuple(a[:k + 1]))] = y[:]
    _memo[key] = y
    return Jet(list(y))


def taylor_derivative(f: Callable[..., Any], n: int, x: Any, rest: tuple[Any, ...]) -> float:
    """f⁽ⁿ⁾(x) from one pass of a degree-n Taylor series through ``f``; raises NotAJet
    (or whatever ``f`` raises) when Taylor mode cannot be sure, for the caller to fall
    back on nested reverse mode."""
    _memo.clear()
    try:
        out = f(Jet([float(x), 1.0] + [0.0] * (n - 1)), *rest)
    finally:
        _memo.clear()
    if type(out) is not Jet:
        raise NotAJet(f"the function returned {type(out).__name__}")
    return out.c[n] * math.factorial(n)


def scalar_input(x: Any) -> bool:
    """Is ``x`` a float64 scalar Taylor mode takes (what reverse mode makes float64)?"""
    t = type(x)
    if t is float or t is np.float64 or (t is int and abs(x) < 1 << 53):
        return True
    return t is np.ndarray and x.shape == () and x.dtype == np.float64
