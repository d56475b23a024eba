"""The practice topics, in the order the seeds teach them, and a template per level.

Each template draws small integers from a seeded :class:`random.Random` and builds the
function to differentiate with bibun's own canonical builders (never by formatting text),
so the problem is an :class:`~bibun.expr.core.Expr` from the start.  Level 1 is one rule,
level 2 adds a constant, an inside or a second term, level 3 combines rules; the
difficulty test measures that by counting the derivation's steps.

Why templates and not random expression trees: a learner needs problems a teacher would
set (the seeds' ``(2x+3)^2``, ``(x^3+1)^2``, ``(x^2+3x+1)^4`` family, a neuron σ(wx + b)),
whose answers stay short; random trees give neither.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from bibun.expr import core
from bibun.expr.core import Expr

#: topics in the seeds' teaching order; "definition" (from the limit definition, seed
#: 004) and "implicit" (an equation in x and y) come after the rules they lean on
TOPICS = ("power", "sum", "chain", "product", "quotient", "exp", "log", "trig",
          "inverse_trig", "sigmoid", "relu", "partial", "value", "definition", "implicit")
LEVELS = (1, 2, 3)

X, Y, W, B, T = (core.symbol(n) for n in ("x", "y", "w", "b", "t"))
X1, X2 = core.symbol("x1"), core.symbol("x2")


@dataclass(frozen=True)
class Draft:
    """What a template produces: the function, the variable, and for "evaluate at a
    point" problems the facts given (``σ(z) = 0.8``) and the point itself."""

    expr: Expr
    var: str = "x"
    given: tuple[tuple[Expr, Fraction], ...] = ()
    point: tuple[tuple[str, Fraction | float], ...] = ()
    #: an implicit problem's equation (left, right); ``expr`` is then left − right
    equation: tuple[Expr, Expr] | None = None


def n(v: int | Fraction) -> Expr:
    return core.number(v)


def _nz(rng: random.Random, lo: int, hi: int) -> int:
    """A whole number in [lo, hi] other than 0 (a 0 coefficient would drop a term)."""
    return rng.choice([v for v in range(lo, hi + 1) if v != 0])


def _lin(rng: random.Random, v: Expr = X) -> Expr:
    """a·v + b with a ≥ 2 (so the inner derivative is visible) and b ≠ 0."""
    return core.add(core.mul(n(rng.randint(2, 5)), v), n(_nz(rng, -5, 5)))


def _pw(v: Expr, k: int | Fraction) -> Expr:
    return core.power(v, n(k))


def _f(name: str, arg: Expr) -> Expr:
    return core.fn(name, arg)


# -- the templates, one list per (topic, level) ----------------------------------------------

Template = Callable[[random.Random], Draft]


def _power(level: int) -> list[Template]:
    if level == 1:
        return [lambda r: Draft(core.mul(n(r.choice((1, -1))), _pw(X, r.randint(2, 12))))]
    if level == 2:
        return [lambda r: Draft(core.mul(n(_nz(r, -6, 9)), _pw(X, r.randint(2, 7))))]
    return [lambda r: Draft(core.mul(n(r.randint(2, 9)), _pw(X, -r.randint(1, 4)))),
            lambda r: Draft(core.mul(n(r.randint(2, 9)), _pw(X, Fraction(1, 2))))]


def _sum(level: int) -> list[Template]:
    if level == 1:
        return [lambda r: Draft(core.add(_pw(X, r.randint(2, 6)), n(_nz(r, -9, 9))))]
    if level == 2:
        return [lambda r: Draft(core.add(core.mul(n(r.randint(2, 6)), _pw(X, r.randint(2, 5))),
                                         core.mul(n(_nz(r, -9, 9)), X), n(_nz(r, -9, 9))))]
    return [lambda r: Draft(core.add(
        core.mul(n(r.randint(2, 6)), _pw(X, r.randint(4, 6))),
        core.mul(n(_nz(r, -6, 6)), _pw(X, r.randint(2, 3))),
        core.mul(n(_nz(r, -9, 9)), X), core.mul(n(r.randint(2, 5)), _pw(X, -1))))]


def _chain(level: int) -> list[Template]:
    if level == 1:  # (2x+3)^2, (5x+2)^3
        return [lambda r: Draft(_pw(_lin(r), r.randint(2, 5)))]
    if level == 2:  # (x^3+1)^2, (x^2+1)^4, 1/(x^3+1)
        return [lambda r: Draft(_pw(core.add(core.mul(n(r.randint(1, 4)), _pw(X, r.randint(2, 4))),
                                             n(_nz(r, -5, 5))), r.randint(2, 5)))]
    # (x^2+3x+1)^4, sqrt(x^2 + 3), 2/(x^2+1)^3
    return [lambda r: Draft(_pw(core.add(_pw(X, 2), core.mul(n(_nz(r, -5, 5)), X),
                                         n(_nz(r, -5, 5))), r.randint(3, 5))),
            lambda r: Draft(core.mul(n(r.randint(2, 5)),
                                     _pw(core.add(_pw(X, 2), n(r.randint(1, 9))),
                                         -r.randint(2, 3))))]


def _product(level: int) -> list[Template]:
    if level == 1:
        return [lambda r: Draft(core.mul(_pw(X, r.randint(2, 5)),
                                         core.add(X, n(_nz(r, -5, 5)))))]
    if level == 2:
        return [lambda r: Draft(core.mul(_lin(r), core.add(_pw(X, 2), n(_nz(r, -5, 5)))))]
    return [lambda r: Draft(core.mul(_pw(X, r.randint(2, 3)), _pw(_lin(r), r.randint(2, 4))))]


def _quotient(level: int) -> list[Template]:
    if level == 1:
        return [lambda r: Draft(core.mul(X, _pw(core.add(X, n(_nz(r, -5, 5))), -1)))]
    if level == 2:
        def two_lines(r: random.Random) -> Draft:
            a, b = r.sample([v for v in range(-5, 6) if v != 0], 2)
            return Draft(core.mul(core.add(X, n(a)), _pw(core.add(X, n(b)), -1)))
        return [two_lines,  # and the seed's 1/(x^3 + 1)
                lambda r: Draft(_pw(core.add(_pw(X, r.randint(2, 4)), n(_nz(r, -5, 5))), -1))]
    return [lambda r: Draft(core.mul(core.add(_pw(X, 2), n(r.randint(1, 5))),
                                     _pw(core.add(X, n(_nz(r, -5, 5))), -1))),
            lambda r: Draft(core.mul(_pw(X, 2), _pw(core.add(_pw(X, 2), n(r.randint(1, 9))),
                                                    -1)))]


def _exp(level: int) -> list[Template]:
    if level == 1:
        return [lambda r: Draft(core.mul(n(r.randint(2, 9)), _f("exp", X))),
                lambda r: Draft(core.power(n(r.choice([2, 3, 5, 10])), X))]
    if level == 2:
        return [lambda r: Draft(_f("exp", _lin(r))),
                lambda r: Draft(core.power(n(r.choice([2, 3, 5, 10])),
                                           core.mul(n(r.randint(2, 5)), X)))]
    return [lambda r: Draft(core.mul(_pw(X, r.randint(1, 3)),
                                     _f("exp", core.mul(n(_nz(r, -4, 4)), X)))),
            lambda r: Draft(_f("exp", core.add(_pw(X, 2), core.mul(n(_nz(r, -5, 5)), X))))]


def _log(level: int) -> list[Template]:
    if level == 1:
        return [lambda r: Draft(core.mul(n(_nz(r, -9, 9)), _f("log", X)))]
    if level == 2:
        return [lambda r: Draft(_f("log", _lin(r))),
                lambda r: Draft(_f("log", core.add(_pw(X, 2), n(r.randint(1, 9)))))]
    return [lambda r: Draft(_f("log", core.add(_pw(X, 2), core.mul(n(r.randint(1, 5)), X),
                                                n(r.randint(1, 9))))),
            lambda r: Draft(core.mul(_pw(X, r.randint(2, 4)),
                                     _f("log", core.add(X, n(r.randint(1, 9))))))]


def _trig(level: int) -> list[Template]:
    names = ("sin", "cos")
    if level == 1:
        return [lambda r: Draft(core.mul(n(r.randint(2, 9)), _f(r.choice(names), X)))]
    if level == 2:
        return [lambda r: Draft(_f(r.choice(names), _lin(r))),
                lambda r: Draft(_f("tan", core.mul(n(r.randint(2, 5)), X)))]
    return [lambda r: Draft(core.mul(_pw(X, r.randint(2, 3)),
                                     _f(r.choice(names), core.mul(n(r.randint(2, 5)), X)))),
            lambda r: Draft(_pw(_f(r.choice(names), X), r.randint(3, 5)))]


def _inverse_trig(level: int) -> list[Template]:
    names = ("asin", "acos", "atan")
    if level == 1:
        return [lambda r: Draft(core.mul(n(r.randint(2, 9)), _f(r.choice(names), X)))]
    if level == 2:
        return [lambda r: Draft(_f(r.choice(names), core.mul(n(r.randint(2, 5)), X)))]
    return [lambda r: Draft(core.mul(X, _f(r.choice(names), core.mul(n(r.randint(2, 5)), X)))),
            lambda r: Draft(_f("atan", core.add(_pw(X, 2), n(r.randint(1, 5)))))]


def _sigmoid(level: int) -> list[Template]:
    names = ("sigmoid", "tanh")
    if level == 1:
        return [lambda r: Draft(core.mul(n(r.randint(2, 9)), _f(r.choice(names), X)))]
    if level == 2:  # with a gain: σ(ax), written through itself
        return [lambda r: Draft(_f(r.choice(names), core.mul(n(r.randint(2, 9)), X)))]
    return [lambda r: Draft(core.mul(X, _f(r.choice(names), core.mul(n(r.randint(2, 5)), X)))),
            lambda r: Draft(_f(r.choice(names), core.add(core.mul(n(r.randint(2, 5)), _pw(X, 2)),
                                                          n(_nz(r, -5, 5)))))]


def _relu(level: int) -> list[Template]:
    names = ("relu", "softplus")
    if level == 1:
        return [lambda r: Draft(core.mul(n(r.randint(2, 9)), _f(r.choice(names), X)))]
    if level == 2:
        return [lambda r: Draft(_f(r.choice(names), _lin(r)))]
    return [lambda r: Draft(_pw(_f(r.choice(names), _lin(r)), r.randint(2, 3))),
            lambda r: Draft(core.mul(_pw(X, r.randint(1, 2)), _f(r.choice(names), _lin(r))))]


def _partial(level: int) -> list[Template]:
    if level == 1:  # z = x^2 + y^2; y = 4x1^3 + 2x2^2 + 1
        def plane(r: random.Random) -> Draft:
            v = r.choice(["x", "y"])
            return Draft(core.add(core.mul(n(r.randint(1, 5)), _pw(X, r.randint(2, 4))),
                                  core.mul(n(r.randint(1, 5)), _pw(Y, r.randint(2, 4)))), v)

        def indexed(r: random.Random) -> Draft:
            v = r.choice(["x1", "x2"])
            return Draft(core.add(core.mul(n(r.randint(2, 5)), _pw(X1, r.randint(2, 4))),
                                  core.mul(n(r.randint(2, 5)), _pw(X2, r.randint(2, 4))),
                                  n(r.randint(1, 9))), v)
        return [plane, indexed]
    if level == 2:  # a neuron σ(wx + b), the squared error of a linear model
        def neuron(r: random.Random) -> Draft:
            return Draft(_f(r.choice(("sigmoid", "tanh")), core.add(core.mul(W, X), B)),
                         r.choice(["w", "b", "x"]))

        def squared(r: random.Random) -> Draft:  # ½(w1x1 + w2x2 + b − t)²
            w1, w2 = core.symbol("w1"), core.symbol("w2")
            return Draft(core.mul(n(Fraction(1, 2)), _pw(core.add(
                core.mul(w1, X1), core.mul(w2, X2), B, core.neg(T)), 2)),
                r.choice(["w1", "w2", "b"]))
        def squared1(r: random.Random) -> Draft:  # ½(wx + b − t)²
            return Draft(core.mul(n(Fraction(1, 2)),
                                  _pw(core.add(core.mul(W, X), B, core.neg(T)), 2)),
                         r.choice(["w", "b"]))
        return [neuron, squared, squared1]

    def neuron_error(r: random.Random) -> Draft:  # ½(σ(wx + b) − t)², ½(tanh(wx + b) − t)²
        act = r.choice(("sigmoid", "tanh"))
        return Draft(core.mul(n(Fraction(1, 2)), _pw(core.add(
            _f(act, core.add(core.mul(W, X), B)), core.neg(T)), 2)), r.choice(["w", "b"]))
    def seed_surface(r: random.Random) -> Draft:  # (x² + y²)sin(xy), seed 001's example
        return Draft(core.mul(core.add(_pw(X, r.randint(2, 3)), _pw(Y, r.randint(2, 3))),
                              _f(r.choice(("sin", "cos", "exp")), core.mul(X, Y))),
                     r.choice(["x", "y"]))
    return [neuron_error, seed_surface]


#: σ(z) = p gives σ′(z) = p(1 − p); tanh(z) = q gives tanh′(z) = 1 − q²
_PROBABILITIES = tuple(Fraction(k, 10) for k in range(1, 10))
_TANH_VALUES = tuple(Fraction(k, 10) for k in range(-9, 10, 1))


def _value(level: int) -> list[Template]:
    """Evaluate at a point, the seed 002 way: σ′(0) with σ(0) = 0.5 given → 0.25."""
    Z = core.symbol("z")

    def sig(r: random.Random) -> Draft:
        p = r.choice(_PROBABILITIES)
        return Draft(_f("sigmoid", Z), "z", ((_f("sigmoid", Z), p),), (("z", _logit(p)),))

    def tanh(r: random.Random) -> Draft:
        q = r.choice(_TANH_VALUES)
        return Draft(_f("tanh", Z), "z", ((_f("tanh", Z), q),), (("z", _artanh(q)),))
    if level == 1:
        return [sig, tanh]
    if level == 2:  # a gain: d/dx σ(ax) where σ(ax) = p
        def gain(r: random.Random) -> Draft:
            a, p = r.randint(2, 9), r.choice(_PROBABILITIES)
            inner = core.mul(n(a), X)
            return Draft(_f("sigmoid", inner), "x", ((_f("sigmoid", inner), p),),
                         (("x", _logit(p) / a),))
        return [gain]

    def neuron(r: random.Random) -> Draft:  # ∂/∂w σ(wx + b) at x = k where σ(wx + b) = p
        xv, p = r.randint(-5, 5) or 2, r.choice(_PROBABILITIES)
        bv = r.randint(-3, 3)
        e = _f("sigmoid", core.add(core.mul(W, X), B))
        wv = (_logit(p) - bv) / xv
        return Draft(e, "w", ((X, Fraction(xv)), (B, Fraction(bv)), (e, p)),
                     (("w", wv), ("x", xv), ("b", bv)))
    return [neuron]


def _definition(level: int) -> list[Template]:
    """From the definition (seed 004): level 1 polynomials and e^x, a^x (the quotient
    expands, h cancels); level 2 1/(x + a) and √(x + a) (a common denominator, the
    conjugate); level 3 c·sin, c·cos (sum formulas, the two special limits) and c·√(ax + b).
    Every template is within :func:`bibun.calculus.first_principles.from_definition`'s
    reach, which the tests check."""
    if level == 1:
        return [lambda r: Draft(core.add(core.mul(n(r.randint(1, 5)), _pw(X, 2)),
                                         core.mul(n(_nz(r, -9, 9)), X))),
                lambda r: Draft(core.mul(n(r.randint(1, 4)), _pw(X, 3))),
                lambda r: Draft(r.choice([_f("exp", X), core.power(n(r.choice([2, 3, 5, 10])),
                                                                   X)]))]
    if level == 2:
        return [lambda r: Draft(core.mul(n(r.randint(1, 9)), _pw(core.add(X, n(_nz(r, -9, 9))),
                                                                 -1))),
                lambda r: Draft(_pw(core.add(X, n(r.randint(1, 9))), Fraction(1, 2)))]
    return [lambda r: Draft(core.mul(n(r.randint(2, 9)), _f(r.choice(("sin", "cos")), X))),
            lambda r: Draft(core.mul(n(r.randint(2, 5)), _pw(core.add(
                core.mul(n(r.randint(2, 5)), X), n(r.randint(1, 9))), Fraction(1, 2))))]


def _implicit(level: int) -> list[Template]:
    """An equation in x and y: level 1 the circle and ellipse a·x² + b·y² = c (one y term,
    the chain rule on y²); level 2 x² + a·xy + y² = c (a product term xy as well); level 3
    two product terms, x²y + a·xy² = c, or the folium x³ + y³ = a·xy."""
    def eq(left: Expr, right: Expr) -> Draft:
        return Draft(core.add(left, core.neg(right)), "x", equation=(left, right))
    if level == 1:
        return [lambda r: eq(core.add(core.mul(n(r.randint(1, 5)), _pw(X, 2)),
                                      core.mul(n(r.randint(1, 5)), _pw(Y, 2))),
                             n(r.randint(1, 25)))]
    if level == 2:
        return [lambda r: eq(core.add(_pw(X, 2), core.mul(n(_nz(r, -5, 5)), X, Y), _pw(Y, 2)),
                             n(r.randint(1, 25)))]
    return [lambda r: eq(core.add(core.mul(_pw(X, 2), Y), core.mul(n(_nz(r, -5, 5)), X,
                                                                     _pw(Y, 2))),
                         n(r.randint(1, 25))),
            lambda r: eq(core.add(_pw(X, 3), _pw(Y, 3)), core.mul(n(r.randint(2, 9)), X, Y))]


def _logit(p: Fraction) -> float:
    return math.log(p / (1 - p))


def _artanh(q: Fraction) -> float:
    return math.atanh(q)


TEMPLATES: dict[str, Callable[[int], list[Template]]] = {
    "power": _power, "sum": _sum, "chain": _chain, "product": _product,
    "quotient": _quotient, "exp": _exp, "log": _log, "trig": _trig,
    "inverse_trig": _inverse_trig, "sigmoid": _sigmoid, "relu": _relu, "partial": _partial,
    "value": _value, "definition": _definition, "implicit": _implicit,
}

__all__ = ["LEVELS", "TEMPLATES", "TOPICS", "Draft", "Template"]
