"""Typical mistakes in differentiation, and which one explains a wrong answer.

For a wrong answer, the derivative a learner would get by making a typical mistake is
computed — everywhere at once and at each single place in the formula — and compared
with the answer at the points already sampled.  Each match becomes a
:class:`Diagnosis` with its English and Japanese explanation from the catalogs.

A mistake is not a second differentiator: it is an override of the walk ``diff`` itself
uses (:func:`bibun.symbolic.diff_once`) that changes one rule at the chosen places, so
a new function in the rule table, or a fix to a rule, reaches the mistake models too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bibun import i18n
from bibun.errors import BibunError
from bibun.explain import messages as M
from bibun.explain.equality import EVAL_ERRORS, close, concretize, value_at
from bibun.expr import core
from bibun.expr.core import ADD, CALL, FN, MUL, NUM, ONE, POW, SYM, ZERO, Expr
from bibun.symbolic import diff, diff_once, node_derivative


@dataclass
class Diagnosis:
    """A recognised mistake: a stable ``code`` and the explanation in both languages."""

    code: str
    en: str
    ja: str
    #: what the diagnosis rests on (the points where the model and the answer agree, …)
    evidence: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return self.ja if i18n.resolve(lang) == "ja" else self.en

    def to_json(self, lang: str | None = None) -> dict[str, str]:
        return {"code": self.code, "message": self.text(lang), "en": self.en, "ja": self.ja,
                "evidence": dict(self.evidence)}


# -- mistakes ----------------------------------------------------------------------------------


def _is_den(f: Expr) -> bool:
    return f.op == POW and f.args[1].op == NUM and f.args[1].value < 0


def _split_quotient(node: Expr, x: str) -> tuple[Expr, Expr] | None:
    """(f, g) when node reads as f/g with g depending on x."""
    if node.op == POW and _is_den(node) and node.args[0].op != SYM and \
            isinstance(node.args[1].value, int):
        return ONE, core.power(node.args[0], core.number(-node.args[1].value))
    if node.op != MUL:
        return None
    dens = [f for f in node.args if _is_den(f) and x in f.free]
    if not dens:
        return None
    num = [f for f in node.args if f not in dens]
    g = core.mul(*(core.power(f.args[0], core.number(-f.args[1].value)) for f in dens))
    return core.mul(*num), g


# Each mistake is a slip in one rule: ``slip(node, d, x)`` gives (the learner's derivative
# of ``node``, the expression the diagnosis names) where the slip can happen, else None.
# They run as overrides of the one derivative walk (symbolic.diff_once), so everything
# that is not the slip is differentiated by the very rules ``diff`` uses.

Slip = Callable[[Expr, Mapping[Expr, Expr], str], tuple[Expr, Expr] | None]


def _no_inner(node: Expr, d: Mapping[Expr, Expr], x: str) -> tuple[Expr, Expr] | None:
    """The chain rule without the inner derivative: every inner u' taken as 1."""
    op = node.op
    if op == FN:
        u = node.args[0]
        return None if u.op == SYM else (node_derivative(node, {u: ONE}), u)
    if op == POW:
        b, k = node.args
        if d.get(k, ZERO) is ZERO:  # (u^k)' written k u^(k-1)
            return None if b.op == SYM else (node_derivative(node, {b: ONE}), b)
        if d.get(b, ZERO) is ZERO:  # (a^u)' written a^u ln a
            return None if k.op == SYM else (node_derivative(node, {k: ONE}), k)
        return None
    if op == CALL:
        inner = {a: ONE if a.op != SYM else da for a in node.args
                 if (da := d.get(a, ZERO)) is not ZERO}
        hit = next((a for a in inner if a.op != SYM), None)
        return None if hit is None else (node_derivative(node, inner), hit)
    return None


def _product(node: Expr, d: Mapping[Expr, Expr], x: str) -> tuple[Expr, Expr] | None:
    """(uv)' written u'v': the product of the derivatives."""
    if node.op != MUL:
        return None
    var_f = [a for a in node.args if x in a.free]
    if len(var_f) < 2 or any(_is_den(a) for a in var_f):
        return None
    return core.mul(*(d[a] if x in a.free else a for a in node.args)), node


def _exponent(node: Expr, d: Mapping[Expr, Expr], x: str) -> tuple[Expr, Expr] | None:
    """(u^k)' written k u^k u': the exponent not lowered."""
    if node.op != POW or d.get(node.args[1], ZERO) is not ZERO:
        return None
    b, k = node.args
    return core.mul(k, node, d.get(b, ZERO)), b


def _quotient(denominator_squared: bool) -> Slip:
    """(f/g)' with the numerator in the wrong order, (fg' - f'g)/g^2, or with g where
    g^2 belongs, (f'g - fg')/g."""

    def slip(node: Expr, d: Mapping[Expr, Expr], x: str) -> tuple[Expr, Expr] | None:
        parts = _split_quotient(node, x)
        if parts is None:
            return None
        f, g = parts
        fp, gp = diff(f, x), diff(g, x)
        if denominator_squared:
            r = core.mul(core.add(core.mul(f, gp), core.neg(core.mul(fp, g))),
                         core.power(g, core.number(-2)))
        else:
            r = core.mul(core.add(core.mul(fp, g), core.neg(core.mul(f, gp))),
                         core.power(g, core.MINUS_ONE))
        return r, g

    return slip


def _quotient_of_derivatives(node: Expr, d: Mapping[Expr, Expr], x: str
                             ) -> tuple[Expr, Expr] | None:
    """(f/g)' written f'/g': the quotient of the derivatives."""
    parts = _split_quotient(node, x)
    if parts is None:
        return None
    f, g = parts
    gp = diff(g, x)
    if gp is ZERO:
        return None
    return core.mul(diff(f, x), core.power(gp, core.MINUS_ONE)), g


def _not_differentiated(node: Expr, d: Mapping[Expr, Expr], x: str
                        ) -> tuple[Expr, Expr] | None:
    """A part copied instead of differentiated: (e^(2x))' written e^(2x), or the whole
    function given back."""
    if node.op == SYM:
        return None
    return node, node


def _trig_sign(node: Expr, d: Mapping[Expr, Expr], x: str) -> tuple[Expr, Expr] | None:
    """sin' = -cos or cos' = sin: the sign of a trigonometric derivative flipped."""
    if node.op != FN or node.value not in ("sin", "cos"):
        return None
    return core.neg(node_derivative(node, d)), node.args[0]


SLIPS: dict[str, Slip] = {
    "no_inner": _no_inner,
    "product": _product,
    "exponent": _exponent,
    "quotient_order": _quotient(denominator_squared=True),
    "quotient_denominator": _quotient(denominator_squared=False),
    "trig_sign": _trig_sign,
    "quotient_of_derivatives": _quotient_of_derivatives,
    "not_differentiated": _not_differentiated,
}


class _Slipping:
    """A slip as an override of the walk: at ``target`` (every node where it can happen
    when None); ``inner`` keeps what the first slip involved."""

    def __init__(self, slip: Slip, x: str, target: Expr | None) -> None:
        self.slip, self.x, self.target = slip, x, target
        self.inner: Expr | None = None

    def __call__(self, node: Expr, d: Mapping[Expr, Expr]) -> Expr | None:
        if self.target is not None and node is not self.target:
            return None
        made = self.slip(node, d, self.x)
        if made is None:
            return None
        if self.inner is None:
            self.inner = made[1]
        return made[0]


def mistaken_derivative(expr: Expr, x: str, mistake: str, target: Expr | None = None
                        ) -> tuple[Expr, Expr | None] | None:
    """The derivative a learner gets by making ``mistake`` at ``target`` (every place
    it applies when None); returns (result, inner expression involved) or None when the
    mistake does not apply.  Mistakes: the keys of :data:`SLIPS` (no_inner, product,
    exponent, quotient_order, quotient_denominator, trig_sign, quotient_of_derivatives,
    not_differentiated)."""
    slipping = _Slipping(SLIPS[mistake], x, target)
    result = diff_once(expr, core.symbol(x), slipping)
    if slipping.inner is None:
        return None
    return result, slipping.inner


#: (mistake model, diagnosis code, message key), most specific first
_MISTAKES = (
    ("no_inner", "missing_inner_derivative", "missing_inner_derivative"),
    ("product", "product_of_derivatives", "product_of_derivatives"),
    ("exponent", "exponent_not_lowered", "exponent_not_lowered"),
    ("quotient_order", "quotient_numerator_order", "quotient_numerator_order"),
    ("quotient_denominator", "quotient_denominator", "quotient_denominator"),
    ("trig_sign", "sign_error", "trig_sign"),
    ("quotient_of_derivatives", "quotient_of_derivatives", "quotient_of_derivatives"),
    ("not_differentiated", "not_differentiated", "not_differentiated"),
)


def _matches(model: Expr, answer: Expr, samples: list[dict[str, float]]) -> int:
    """How many sampled points the mistaken derivative agrees with the answer at (0 when
    it disagrees at one, or agrees at too few to count as evidence)."""
    cm, ca = concretize([model, answer])
    ok = 0
    for pt in samples:
        try:
            vm, va = value_at(cm, pt), value_at(ca, pt)
        except EVAL_ERRORS:
            continue
        if not close(vm, va):
            return 0
        ok += 1
    return ok if ok >= min(3, len(samples)) and ok > 0 else 0


def make_diagnosis(code: str, key: str | None = None, evidence: dict[str, Any] | None = None,
                   **params: Any) -> Diagnosis:
    key = f"diag.{key or code}"
    return Diagnosis(code, M.text(key, "en", **params), M.text(key, "ja", **params),
                     evidence or {})


def _nice_factor(c: float) -> str:
    f = Fraction(c).limit_denominator(36)
    if abs(float(f) - c) <= 1e-9 * max(1.0, abs(c)):
        return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
    return i18n.format_number(c)


def _evidence(model: Expr, points: int) -> dict[str, Any]:
    """What a diagnosis rests on: the derivative the mistake gives, and at how many
    sampled points the learner's answer equals it."""
    return {"model": model.unicode(), "points": points}


def diagnose(expr: Expr, x: str, expected: Expr, answer: Expr,
             samples: list[dict[str, float]], seed: int) -> list[Diagnosis]:
    """The one most likely mistake behind a wrong answer (an empty list when none fits),
    with its evidence: the typical mistakes are tried most specific first (a forgotten
    inner derivative before a copied part; 5/x written −5/x fits both the power rule's
    unlowered exponent and the quotient rule without g², and the power rule is named),
    each everywhere at once and at each single place; the first whose result equals the
    answer at every sampled point is the diagnosis (e^(4x) given back for (e^(4x))′ is the
    inner derivative forgotten).  Else the function itself given back, a sign or a
    constant factor
    (the ratio answer/derivative is the same everywhere), else one term's sign."""
    if not samples:
        return []
    small = expr.size <= 150
    targets = [n for n in core.postorder(expr) if x in n.free and n.op != SYM] if small else []
    for mistake, code, key in _MISTAKES:
        for target in [*targets, None]:
            try:
                made = mistaken_derivative(expr, x, mistake, target)
            except (BibunError, ArithmeticError):
                continue
            if made is None:
                continue
            model, inner = made
            if model is expected:
                continue
            n = _matches(model, answer, samples)
            if n:
                params = {"inner": inner} if code == "missing_inner_derivative" else \
                    {"part": inner} if code == "not_differentiated" else {}
                return [make_diagnosis(code, key, _evidence(model, n), **params)]
    n = _matches(expr, answer, samples)
    if n:  # the function itself given back (a constant's too: no rule slips there)
        return [make_diagnosis("not_differentiated", None, _evidence(expr, n), part=expr)]
    # a sign or a constant factor: the ratio answer/expected is the same everywhere
    ce, ca = concretize([expected, answer])
    ratios = []
    for pt in samples:
        try:
            ve, va = value_at(ce, pt), value_at(ca, pt)
        except EVAL_ERRORS:
            continue
        if abs(ve) > 1e-6:
            ratios.append(va / ve)
    if len(ratios) >= 3 and all(close(r, ratios[0]) for r in ratios):
        c = ratios[0]
        if close(c, -1.0):
            return [make_diagnosis("sign_error", None,
                                   _evidence(core.neg(expected), len(ratios)))]
        has_log = any(n.op == FN and n.value == "log" for n in core.postorder(expr))
        if has_log and (close(c, 1 / math.log(10)) or close(c, math.log(10))):
            return [make_diagnosis("log_base_10", None, {"factor": _nice_factor(c),
                                                         "points": len(ratios)})]
        if not close(c, 1.0) and abs(c) > 1e-9:
            factor = _nice_factor(c)
            return [make_diagnosis("constant_factor", None, {"factor": factor,
                                                             "points": len(ratios)},
                                   factor=factor)]
        return []
    if expected.op == ADD:
        for t in expected.args:
            flipped = core.add(expected, core.mul(core.number(-2), t))
            n = _matches(flipped, answer, samples)
            if n:
                return [make_diagnosis("sign_error", "sign_error_term",
                                       _evidence(flipped, n), correct=t, wrong=core.neg(t))]
    return []


__all__ = ["Diagnosis", "diagnose", "mistaken_derivative"]
