"""Typical mistakes in differentiation, and which one explains a wrong answer.

For a wrong answer, the derivative a learner would get by making a typical mistake is
computed — everywhere at once and at each single place in the formula — and compared
with the answer at the points already sampled.  Each match becomes a
:class:`Diagnosis` with its English and Japanese explanation from the catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bibun.errors import BibunError
from bibun.explain import messages as M
from bibun.explain.equality import EVAL_ERRORS, close, concretize, value_at
from bibun.expr import core
from bibun.expr.core import ADD, CALL, FN, MUL, NUM, ONE, POW, SYM, ZERO, Expr
from bibun.rules import rule as rule_of
from bibun.symbolic import EXPR_OPS, diff


@dataclass
class Diagnosis:
    """A recognised mistake: a stable ``code`` and the explanation in both languages."""

    code: str
    en: str
    ja: str

    def text(self, lang: str | None = None) -> str:
        return self.ja if M.resolve(lang) == "ja" else self.en

    def to_json(self, lang: str | None = None) -> dict[str, str]:
        return {"code": self.code, "message": self.text(lang), "en": self.en, "ja": self.ja}


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


def mistaken_derivative(expr: Expr, x: str, mistake: str, target: Expr | None = None
                        ) -> tuple[Expr, Expr | None] | None:
    """The derivative a learner gets by making ``mistake`` at ``target`` (every place
    it applies when None); returns (result, inner expression involved) or None when the
    mistake does not apply.  Mistakes: no_inner, product, exponent, quotient_order,
    quotient_denominator, trig_sign."""
    d: dict[Expr, Expr] = {}
    hit: Expr | None = None
    for node in core.postorder(expr):
        if x not in node.free:
            d[node] = ZERO
            continue
        on = target is None or node is target
        op = node.op
        r: Expr
        if op == SYM:
            r = ONE
        elif op == ADD:
            r = core.add(*(d[a] for a in node.args))
        elif mistake.startswith("quotient") and on and _split_quotient(node, x) is not None:
            f, g = _split_quotient(node, x)  # type: ignore[misc]
            fp, gp = diff(f, x), diff(g, x)
            if mistake == "quotient_order":
                r = core.mul(core.add(core.mul(f, gp), core.neg(core.mul(fp, g))),
                             core.power(g, core.number(-2)))
            else:
                r = core.mul(core.add(core.mul(fp, g), core.neg(core.mul(f, gp))),
                             core.power(g, core.MINUS_ONE))
            hit = hit or g
        elif op == MUL:
            args = node.args
            var_f = [a for a in args if x in a.free]
            if mistake == "product" and on and len(var_f) >= 2 and \
                    not any(_is_den(a) for a in var_f):
                r = core.mul(*(d[a] if x in a.free else a for a in args))
                hit = hit or node
            else:
                r = core.add(*(core.mul(*args[:i], d[a], *args[i + 1:])
                               for i, a in enumerate(args) if d[a] is not ZERO))
        elif op == POW:
            b, k = node.args
            db, dk = d[b], d[k]
            if dk is ZERO:
                k1 = core.add(k, core.MINUS_ONE)
                if mistake == "exponent" and on:
                    r = core.mul(k, node, db)
                    hit = hit or b
                elif mistake == "no_inner" and on and b.op != SYM:
                    r = core.mul(k, core.power(b, k1))
                    hit = hit or b
                else:
                    r = core.mul(k, core.power(b, k1), db)
            elif db is ZERO:
                if mistake == "no_inner" and on and k.op != SYM:
                    r = core.mul(node, core.fn("log", b))
                    hit = hit or k
                else:
                    r = core.mul(node, core.fn("log", b), dk)
            else:
                r = core.mul(node, core.add(core.mul(dk, core.fn("log", b)),
                                            core.mul(k, db, core.power(b, core.MINUS_ONE))))
        elif op == FN:
            u = node.args[0]
            outer = rule_of(node.value).deriv(u, node, EXPR_OPS)
            if mistake == "no_inner" and on and u.op != SYM:
                r = outer
                hit = hit or u
            elif mistake == "trig_sign" and on and node.value in ("sin", "cos"):
                r = core.neg(core.mul(outer, d[u]))
                hit = hit or u
            else:
                r = core.mul(outer, d[u])
        elif op == CALL:
            fname, orders = node.value
            terms = []
            for i, a in enumerate(node.args):
                if d[a] is ZERO:
                    continue
                o = list(orders)
                o[i] += 1
                part = core.call(fname, node.args, tuple(o))
                if mistake == "no_inner" and on and a.op != SYM:
                    terms.append(part)
                    hit = hit or a
                else:
                    terms.append(core.mul(part, d[a]))
            r = core.add(*terms)
        else:  # pragma: no cover
            r = ZERO
        d[node] = r
    if hit is None:
        return None
    return d[expr], hit


#: (mistake model, diagnosis code, message key), most specific first
_MISTAKES = (
    ("no_inner", "missing_inner_derivative", "missing_inner_derivative"),
    ("product", "product_of_derivatives", "product_of_derivatives"),
    ("exponent", "exponent_not_lowered", "exponent_not_lowered"),
    ("quotient_order", "quotient_numerator_order", "quotient_numerator_order"),
    ("quotient_denominator", "quotient_denominator", "quotient_denominator"),
    ("trig_sign", "sign_error", "trig_sign"),
)


def _matches(model: Expr, answer: Expr, samples: list[dict[str, float]]) -> bool:
    """Does the mistaken derivative agree with the answer at the sampled points?"""
    cm, ca = concretize([model, answer])
    ok = 0
    for pt in samples:
        try:
            vm, va = value_at(cm, pt), value_at(ca, pt)
        except EVAL_ERRORS:
            continue
        if not close(vm, va):
            return False
        ok += 1
    return ok >= min(3, len(samples)) and ok > 0


def make_diagnosis(code: str, key: str | None = None, **params: Any) -> Diagnosis:
    key = f"diag.{key or code}"
    return Diagnosis(code, M.text(key, "en", **params), M.text(key, "ja", **params))


def _nice_factor(c: float) -> str:
    f = Fraction(c).limit_denominator(36)
    if abs(float(f) - c) <= 1e-9 * max(1.0, abs(c)):
        return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
    return M.format_number(c)


def diagnose(expr: Expr, x: str, expected: Expr, answer: Expr,
             samples: list[dict[str, float]], seed: int) -> list[Diagnosis]:
    """Typical mistakes whose result equals the (wrong) answer, most specific first."""
    if not samples:
        return []
    out: list[Diagnosis] = []
    codes: set[str] = set()
    small = expr.size <= 150
    targets = [n for n in core.postorder(expr) if x in n.free and n.op != SYM] if small else []
    for mistake, code, key in _MISTAKES:
        if code in codes:
            continue
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
            if _matches(model, answer, samples):
                params = {"inner": inner} if code == "missing_inner_derivative" else {}
                out.append(make_diagnosis(code, key, **params))
                codes.add(code)
                break
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
    if out:  # a specific mistake explains the answer; a bare ratio would only repeat it
        return out
    if len(ratios) >= 3 and all(close(r, ratios[0]) for r in ratios):
        c = ratios[0]
        if close(c, -1.0):
            out.append(make_diagnosis("sign_error"))
        elif not close(c, 1.0) and abs(c) > 1e-9:
            out.append(make_diagnosis("constant_factor", factor=_nice_factor(c)))
        return out
    if expected.op == ADD:
        for t in expected.args:
            flipped = core.add(expected, core.mul(core.number(-2), t))
            if _matches(flipped, answer, samples):
                out.append(make_diagnosis("sign_error", "sign_error_term", correct=t,
                                      wrong=core.neg(t)))
                break
    return out


__all__ = ["Diagnosis", "diagnose", "mistaken_derivative"]
