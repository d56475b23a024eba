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

Two rules keep "equal" honest:

* a difference that algebra reduces to a nonzero constant (``x`` versus ``x + 1e-9``)
  is never equal, however small the constant: the verdict says by how much;
* the two sides must be defined at the same points.  Over the real numbers (bibun's
  evaluation) ``log(x^2)`` is defined for x < 0 and ``2log(x)`` is not, ``cbrt(x)`` is
  defined for x < 0 and ``x^(1/3)`` is not: such pairs are *not equal*, and the verdict
  names a point where one side is defined and the other is not.  Only randomly drawn
  points count as such witnesses, so an isolated point where one form is undefined
  (``(x^2 - 1)/(x - 1)`` versus ``x + 1`` at x = 1, ``sign(x)`` versus ``x/|x|`` at 0)
  does not make two forms unequal.
"""

from __future__ import annotations

import math
import random
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bibun import i18n
from bibun.errors import BibunError, DomainError, LimitError, ParseError
from bibun.explain import messages as M
from bibun.expr import core
from bibun.expr.core import CALL, MUL, NUM, ONE, POW, ZERO, Expr
from bibun.expr.ops import exponential_form
from bibun.expr.parse import parse_any
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
    expected: float | None  # None: this side is undefined at the point
    answer: float | None

    def where(self, lang: str, spelling: dict[str, str] | None = None) -> str:
        """"x = 1, θ = 2", each name as the learner spelled it when ``spelling`` says how
        (theta, x_1, ŷ: :func:`bibun.explain.spelling.learner_spelling`)."""
        spelling = spelling or {}
        return i18n.join_list([f"{spelling.get(k, k)} = {i18n.format_number(v)}"
                               for k, v in self.point.items()], lang)

    def value_text(self, which: str, lang: str) -> str:
        v = self.expected if which == "expected" else self.answer
        return M.text("value.undefined", lang) if v is None else i18n.format_number(v)

    @property
    def domains_differ(self) -> bool:
        return self.expected is None or self.answer is None

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
    difference: float | None = None  # a − b when algebra shows it is a nonzero constant

    def __bool__(self) -> bool:
        return self.equal

    def message(self, lang: str | None = None) -> str:
        lang = i18n.resolve(lang)
        if self.equal:
            how = M.text("equal.how.symbolic", lang) if self.method == "symbolic" else \
                M.text("equal.how.numeric", lang, n=self.points)
            gap = M.text("sentence_gap", lang)
            return M.text("equal.yes", lang, a=self.a, b=self.b) + gap + how
        out = M.text("equal.no", lang, a=self.a, b=self.b)
        if self.difference is not None:
            out += "\n" + M.text("equal.constant_difference", lang, a=self.a, b=self.b,
                                 difference=i18n.format_number(self.difference))
        if self.counterexample:
            c = self.counterexample
            if c.domains_differ:
                defined, undefined = (self.a, self.b) if c.answer is None else (self.b, self.a)
                value = c.expected if c.answer is None else c.answer
                out += "\n" + M.text("equal.domain_differs", lang, point=c.where(lang),
                                     defined=defined, undefined=undefined,
                                     value=i18n.format_number(value))
            else:
                out += "\n" + M.text("equal.counterexample", lang, point=c.where(lang),
                                     a_value=i18n.format_number(c.expected),
                                     b_value=i18n.format_number(c.answer))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"equal": self.equal, "a": str(self.a), "b": str(self.b), "method": self.method,
                "points": self.points, "difference": self.difference,
                "counterexample": ({"point": self.counterexample.point,
                                    "a": self.counterexample.expected,
                                    "b": self.counterexample.answer}
                                   if self.counterexample else None)}


# -- algebra ----------------------------------------------------------------------------------


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


def constant_difference(a: Expr, b: Expr) -> float | None:
    """``a - b`` when algebra reduces it to a nonzero constant (``x`` versus
    ``x + 1e-9`` differ by -1e-9), else None.  Such a pair is never equal."""
    d = core.add(a, core.neg(b))
    try:
        forms = [d, expand(d)]
        t = together(forms[-1])
        if t.op == NUM:
            forms.append(t)
    except (LimitError, DomainError, RecursionError):
        forms = [d]
    for form in forms:
        if form.op == NUM and not form.free:
            try:
                v = float(form.value)
            except (TypeError, ValueError, OverflowError):  # 7^400: beyond any float
                continue
            if v != 0 and math.isfinite(v):
                return _meaningful(v, a, b)
    return None


def _meaningful(c: float, a: Expr, b: Expr) -> float:
    """``c`` rounded to the digits that survive floating point: 1 + 1e-12 is stored as
    1.000000000001000089 so 1 − (1 + 1e-12) is reported as -1e-12, not -1.000088901e-12."""
    nums = [abs(float(n.value)) for e in (a, b) for n in core.postorder(e) if n.op == NUM]
    scale = max(nums, default=1.0)
    rel = 4 * 2.220446049250313e-16 * scale / abs(c)
    if rel <= 1e-15:
        return c
    rel = min(rel, 1.0)  # inf when c is subnormal (2^-1074): not one digit survives anyway
    digits = int(min(15, max(1, math.floor(-math.log10(rel)))))
    return float(f"{c:.{digits}g}")


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
        exc = DomainError("not finite")
        exc.pole = True  # type: ignore[attr-defined]  # as evaluate() marks an infinity
        raise exc
    return v


def close(a: float, b: float, scale: float = 0.0) -> bool:
    """Equal up to rounding: relative to the values, or to ``scale`` (the size of the
    terms that cancelled to give them, e.g. sin² + cos² − 1); the absolute floor ATOL
    applies only to values of size about 1 or less."""
    mag = max(abs(a), abs(b), scale)
    return abs(a - b) <= RTOL * mag + ATOL * min(1.0, mag)


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
    bad: tuple[dict[str, float], float | None, float | None] | None
    samples: list[dict[str, float]]


def _defined_at(e: Expr, pt: dict[str, float]) -> tuple[float | None, bool]:
    """(value, certain): value None when ``e`` is undefined at pt; certain False when the
    failure is overflow or a pole-like infinity rather than a genuine domain gap."""
    try:
        return value_at(e, pt), True
    except OverflowError:
        return None, False
    except DomainError as exc:  # evaluate() marks an infinite or NaN value as a pole
        return None, not getattr(exc, "pole", False)
    except (ZeroDivisionError, LimitError):
        return None, False
    except EVAL_ERRORS:
        return None, True


def _cancelled_size(a: Expr, b: Expr, pt: dict[str, float]) -> float:
    """The size of the terms whose sum gave the values at pt: sin(2x) − 2 sin(x)cos(x) is
    1e-16, not 0, because terms of size 1 cancelled; rounding is relative to them."""
    size = 0.0
    for e in (a, b):
        for t in (e.args if e.op == core.ADD else (e,)):
            try:
                size = max(size, abs(value_at(t, pt)))
            except EVAL_ERRORS:
                continue
    return size


def _sample(a: Expr, b: Expr, names: list[str], rng: random.Random,
            guard: Callable[[dict[str, float]], bool] | None = None) -> _Sampled:
    agree = 0
    samples: list[dict[str, float]] = []
    domain_gap: tuple[dict[str, float], float | None, float | None] | None = None
    for tries, pt in enumerate(sample_points(names, rng)):
        if tries >= MAX_ATTEMPTS or agree >= MIN_POINTS + len(NICE):
            break
        try:
            if guard is not None and not guard(pt):
                continue
        except EVAL_ERRORS:
            continue
        va, ca = _defined_at(a, pt)
        vb, cb = _defined_at(b, pt)
        if va is None or vb is None:
            # one side defined, the other not, at a random point: the domains differ
            if (domain_gap is None and tries >= len(NICE) and (va is None) != (vb is None)
                    and ca and cb and abs(va if vb is None else vb) <= 1e12):
                domain_gap = (pt, va, vb)
            continue
        if abs(va) > 1e12 or abs(vb) > 1e12:
            continue
        if not close(va, vb) and not close(va, vb, _cancelled_size(a, b, pt)):
            return _Sampled(agree, (pt, va, vb), samples)
        agree += 1
        samples.append(pt)
        if not names:
            break
    # a domain difference matters only where there is a common domain to compare on;
    # with none at all the caller says so ("no common domain")
    return _Sampled(agree, domain_gap if agree else None, samples)


def compare_exprs(a: Expr, b: Expr, lang: str, guard=None, extra_names: Iterable[str] = ()
             ) -> Comparison:
    if a is b or is_zero(core.add(a, core.neg(b))):
        return Comparison(True, a, b, "symbolic")
    c = constant_difference(a, b)
    if c is not None:  # never "equal", however small: x and x + 1e-9 are different
        return Comparison(False, a, b, "symbolic", difference=c)
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
    lang = i18n.resolve(lang)
    ea = read_formula(a, latex, "error.unparsable_expression", lang)
    eb = read_formula(b, latex, "error.unparsable_answer", lang)
    return compare_exprs(ea, eb, lang)


def equal(a: Any, b: Any, *, latex: bool | None = None) -> bool:
    """True when ``a`` and ``b`` are the same function: defined at the same points (up
    to isolated ones) and equal there
    (``equal("sigmoid(x)(1 - sigmoid(x))", "e^-x/(1+e^-x)^2")``; not
    ``equal("log(x^2)", "2log(x)")``, which differ for x < 0)."""
    return compare(a, b, latex=latex).equal


#: a label before an answer's '=' that only says "the derivative is": d/dx(x^2) =,
#: \frac{d}{dx}\left(…\right) =, D_x =, (x^2)' =
_ANSWER_LABEL = re.compile(
    r"^\s*(?:[d∂D]"
    r"|\\[dt]?frac\s*\{\s*(?:d|\\partial|\\mathrm\{d\})|\(.*\)\s*['′])")


def answer_right_side(text: str) -> str | None:
    """The formula after a left side that only names the derivative (``d/dx(x^2) = 2x``
    gives ``2x``, padded with spaces so that error columns still point into ``text``),
    or None when ``text`` has no such label."""
    if text.count("=") == 1 and _ANSWER_LABEL.match(text.split("=")[0]):
        at = text.index("=") + 1
        return " " * at + text[at:]
    return None


def read_formula(x: Any, latex: bool | None, key: str, lang: str, answer: bool = False) -> Expr:
    """An expression, or text read by the parser; an answer may carry a left side that
    names the derivative (``y' =``, ``dy/dx =``, ``f'(x) =``, ``d/dx(x^2) =``)."""
    if isinstance(x, Expr):
        return x
    if not isinstance(x, str):
        return core.as_expr(x)
    failure: ParseError
    try:
        return parse_any(x, latex=latex)
    except ParseError as exc:
        failure = exc
    right = answer_right_side(x) if answer else None
    if right is not None:
        try:
            return parse_any(right, latex=latex)
        except ParseError as exc:
            failure = exc
    raise ParseError(M.text(key, lang, error=failure.message), failure.text,
                     failure.column) from None



__all__ = ["Comparison", "Counterexample", "answer_right_side", "compare", "concretize",
           "constant_difference", "equal",
           "exponential_form", "is_zero", "read_formula"]
