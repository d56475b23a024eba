"""Are two formulas the same function?  Algebra first, then evaluation.

1. **Algebra**: the difference is rewritten (expanded, put over a common denominator,
   with tanh/sigmoid/sinh/cosh written through exponentials and tan/cot/sec/csc through
   sines and cosines) until it is literally 0.  A yes here is a proof.
2. **Evaluation**: otherwise both sides are evaluated at "nice" points (1, 2, 1/2, …)
   and at seeded random points of several scales, skipping points where either side is
   undefined.  One disagreement is a counterexample; agreement everywhere is accepted
   (this is how identities such as sin² + cos² = 1 are seen).  Unknown functions f, g,
   h are replaced by the same fixed smooth functions on both sides (with matching
   derivatives), so ``f'(g(x))g'(x)`` can be compared too.

The random points are seeded from the formulas, so a verdict is reproducible.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bibun.errors import BibunError, DomainError, LimitError, ParseError
from bibun.explain import messages as M
from bibun.expr import core
from bibun.expr.core import CALL, FN, MUL, NUM, ONE, POW, ZERO, Expr
from bibun.expr.latex_input import parse_any
from bibun.expr.simplify import expand, together
from bibun.symbolic import diff

NICE = (1.0, 2.0, 0.5, 3.0, -1.0, 1.5, -0.5, 0.25)
SCALES = (1.0, 3.0, 0.3, 10.0, 100.0)
MIN_POINTS = 16
MAX_ATTEMPTS = 400
RTOL = 1e-7
ATOL = 1e-9
EVAL_ERRORS = (DomainError, LimitError, ZeroDivisionError, OverflowError, ValueError,
                TypeError, ArithmeticError)


# -- results ----------------------------------------------------------------------------


@dataclass
class Counterexample:
    """A point where the two sides differ, with both values."""

    point: dict[str, float]
    expected: float
    answer: float

    def where(self, lang: str) -> str:
        return M.join_list([f"{k} = {M.format_number(v)}" for k, v in self.point.items()],
                           lang)

    def to_json(self) -> dict[str, Any]:
        return {"point": dict(self.point), "expected": self.expected, "answer": self.answer}


@dataclass
class Comparison:
    """Are ``a`` and ``b`` the same function?  ``method`` is "symbolic" (proved by
    algebra) or "numeric" (agreement at ``points`` points, or a counterexample)."""

    equal: bool
    a: Expr
    b: Expr
    method: str
    points: int = 0
    counterexample: Counterexample | None = None
    samples: list[dict[str, float]] = field(default_factory=list, repr=False)

    def __bool__(self) -> bool:
        return self.equal

    def message(self, lang: str | None = None) -> str:
        lang = M.resolve(lang)
        if self.equal:
            how = M.text("equal.how.symbolic", lang) if self.method == "symbolic" else \
                M.text("equal.how.numeric", lang, n=self.points)
            gap = M.text("sentence_gap", lang)
            return M.text("equal.yes", lang, a=self.a, b=self.b) + gap + how
        out = M.text("equal.no", lang, a=self.a, b=self.b)
        if self.counterexample:
            c = self.counterexample
            out += "\n" + M.text("equal.counterexample", lang, point=c.where(lang),
                                 a_value=M.format_number(c.expected),
                                 b_value=M.format_number(c.answer))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"equal": self.equal, "a": str(self.a), "b": str(self.b), "method": self.method,
                "points": self.points,
                "counterexample": ({"point": self.counterexample.point,
                                    "a": self.counterexample.expected,
                                    "b": self.counterexample.answer}
                                   if self.counterexample else None)}


# -- algebra ----------------------------------------------------------------------------------


def _exp_form_node(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
    """tanh, sinh, cosh, sigmoid through e^u; tan, cot, sec, csc through sin and cos."""
    if node.op != FN:
        return None
    u = args[0]
    name = node.value
    ep, em = core.fn("exp", u), core.fn("exp", core.neg(u))
    if name == "tanh":
        return (ep - em) / (ep + em)
    if name == "sinh":
        return (ep - em) / 2
    if name == "cosh":
        return (ep + em) / 2
    if name == "sigmoid":
        return 1 / (1 + em)
    if name == "tan":
        return core.fn("sin", u) / core.fn("cos", u)
    if name == "cot":
        return core.fn("cos", u) / core.fn("sin", u)
    if name == "sec":
        return 1 / core.fn("cos", u)
    if name == "csc":
        return 1 / core.fn("sin", u)
    return None


def exponential_form(e: Expr) -> Expr:
    """Rewrite hyperbolic functions and the sigmoid through exponentials (and tan, cot,
    sec, csc through sin and cos) so that algebra can compare forms."""
    return core.rebuild(e, _exp_form_node)


def _numerator(e: Expr) -> Expr:
    if e.op != MUL:
        return e if not (e.op == POW and e.args[1].op == NUM and e.args[1].value < 0) else ONE
    return core.mul(*(f for f in e.args
                      if not (f.op == POW and f.args[1].op == NUM and f.args[1].value < 0)))


def is_zero(e: Expr) -> bool:
    """True when algebra shows ``e`` is identically 0 (False means "not shown")."""
    if e is ZERO:
        return True
    try:
        for form in (e, exponential_form(e)):
            x = expand(form)
            if x is ZERO:
                return True
            t = together(x)
            if t is ZERO or expand(_numerator(t)) is ZERO:
                return True
    except (LimitError, DomainError, RecursionError):
        return False
    return False


# -- evaluation ----------------------------------------------------------------------------------


def seed_of(*parts: Expr) -> int:
    return zlib.crc32("\x1f".join(str(p) for p in parts).encode("utf-8"))


def _calls(exprs: Iterable[Expr]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in exprs:
        for n in core.postorder(e):
            if n.op == CALL:
                out[n.value[0]] = max(out.get(n.value[0], 0), len(n.args))
    return out


def _body(name: str, dummies: list[Expr]) -> Expr:
    """The concrete stand-in for an unknown function: the same for a name every time,
    so both sides of a comparison (and every model of a mistake) agree on it."""
    rng = random.Random(zlib.crc32(name.encode("utf-8")) ^ 0x5EED)
    a = [core.number(Fraction(rng.randint(3, 9), rng.randint(4, 7))) for _ in dummies]
    b = core.number(Fraction(rng.randint(1, 9), 10))
    c = core.number(Fraction(rng.randint(1, 5), 7))
    lin = core.add(*(core.mul(ai, ti) for ai, ti in zip(a, dummies)), b)
    prod = core.mul(*dummies)
    return core.add(core.fn("sin", lin), core.mul(c, prod, prod))


def concretize(exprs: list[Expr]) -> list[Expr]:
    """Replace unknown functions f, g, h by fixed smooth functions everywhere, and their
    derivatives f′, f″ by the matching derivatives, so both sides stay comparable."""
    arity = _calls(exprs)
    if not arity:
        return exprs
    dummies = {n: [core.symbol(f"__{n}{i}") for i in range(k)] for n, k in arity.items()}
    bodies = {n: _body(n, dummies[n]) for n in arity}

    def visit(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
        if node.op != CALL:
            return None
        name, orders = node.value
        body = bodies[name]
        for var, o in zip(dummies[name], orders):
            for _ in range(o):
                body = diff(body, var)
        return body.subs(dict(zip(dummies[name], args)))

    return [core.rebuild(e, visit) for e in exprs]


def value_at(e: Expr, point: dict[str, float]) -> float:
    v = float(e.evaluate(point))
    if not math.isfinite(v):
        raise DomainError("not finite")
    return v


def close(a: float, b: float) -> bool:
    return abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b))


def sample_points(names: list[str], rng: random.Random) -> Iterable[dict[str, float]]:
    """Nice points first (their counterexamples are easy to read), then random ones."""
    k = len(names)
    for i in range(len(NICE)):
        yield {n: NICE[(i + 3 * j) % len(NICE)] for j, n in enumerate(names)}
    attempt = 0
    while True:
        scale = SCALES[(attempt // 20) % len(SCALES)]
        attempt += 1
        pt = {}
        for n in names:
            v = rng.uniform(-scale, scale)
            if rng.random() < 0.3:
                v = abs(v)
            pt[n] = round(v, 6) or 0.123
        yield pt
        if k == 0:
            return


@dataclass
class _Sampled:
    agree: int
    bad: tuple[dict[str, float], float, float] | None
    samples: list[dict[str, float]]


def _sample(a: Expr, b: Expr, names: list[str], rng: random.Random,
            guard: Callable[[dict[str, float]], bool] | None = None) -> _Sampled:
    agree = 0
    samples: list[dict[str, float]] = []
    for tries, pt in enumerate(sample_points(names, rng)):
        if tries >= MAX_ATTEMPTS or agree >= MIN_POINTS + len(NICE):
            break
        try:
            if guard is not None and not guard(pt):
                continue
            va, vb = value_at(a, pt), value_at(b, pt)
        except EVAL_ERRORS:
            continue
        if abs(va) > 1e12 or abs(vb) > 1e12:
            continue
        if not close(va, vb):
            return _Sampled(agree, (pt, va, vb), samples)
        agree += 1
        samples.append(pt)
        if not names:
            break
    return _Sampled(agree, None, samples)


def compare_exprs(a: Expr, b: Expr, lang: str, guard=None, extra_names: Iterable[str] = ()
             ) -> Comparison:
    if a is b or is_zero(core.add(a, core.neg(b))):
        return Comparison(True, a, b, "symbolic")
    rng = random.Random(seed_of(a, b))
    ca, cb = concretize([a, b])
    names = sorted(ca.free | cb.free | set(extra_names))
    s = _sample(ca, cb, names, rng, guard)
    if s.bad is not None:
        pt, va, vb = s.bad
        return Comparison(False, a, b, "numeric", s.agree, Counterexample(pt, va, vb), s.samples)
    if s.agree == 0:
        raise BibunError(M.text("error.no_common_domain", lang, a=a, b=b))
    return Comparison(True, a, b, "numeric", s.agree, None, s.samples)


def compare(a: Any, b: Any, *, lang: str | None = None, latex: bool | None = None) -> Comparison:
    """Whether two expressions (or texts, plain or LaTeX) are the same function, with a
    counterexample when they are not."""
    lang = M.resolve(lang)
    ea = read_formula(a, latex, "error.unparsable_expression", lang)
    eb = read_formula(b, latex, "error.unparsable_answer", lang)
    return compare_exprs(ea, eb, lang)


def equal(a: Any, b: Any, *, latex: bool | None = None) -> bool:
    """True when ``a`` and ``b`` are the same function where both are defined
    (``equal("sigmoid(x)(1 - sigmoid(x))", "e^-x/(1+e^-x)^2")``)."""
    return compare(a, b, latex=latex).equal


def read_formula(x: Any, latex: bool | None, key: str, lang: str) -> Expr:
    if isinstance(x, Expr):
        return x
    if not isinstance(x, str):
        return core.as_expr(x)
    try:
        return parse_any(x, latex=latex)
    except ParseError as exc:
        raise ParseError(M.text(key, lang, error=exc.message), exc.text, exc.column) from None



__all__ = ["Comparison", "Counterexample", "compare", "concretize", "equal",
           "exponential_form", "is_zero", "read_formula"]
