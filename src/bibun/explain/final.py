"""The closing steps of a derivation: tidy the result, then check it.

* ``simplify`` rewrites the result through a known function (``recognize``) and names
  the identity used; for the sigmoid and tanh it shows the seeds' intermediate lines;
* ``expand_check`` is the seeds' 「展開して確かめる」 for polynomials;
* ``numeric_check`` compares with a central difference at a point where the function
  is defined and smooth;
* root notes say where a root (√, ∛) has a vertical tangent, when that can happen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from bibun.errors import BibunError, DomainError, LimitError
from bibun.explain import show as S
from bibun.explain.show import Show
from bibun.explain.steps import Note, Step
from bibun.expr import core
from bibun.expr.core import ADD, CALL, FN, MUL, NUM, ONE, POW, Expr
from bibun.expr.identities import folded_compositions
from bibun.expr.ops import definition_of
from bibun.expr.simplify import expand
from bibun.functions import CORNER, JUMP, RULES
from bibun.smoothness import nondifferentiable_points
from bibun.symbolic import diff


def _is_int(e: Expr) -> bool:
    return e.op == NUM and isinstance(e.value, int)


def identity_of(node: Expr, reciprocal: bool = False) -> Show | None:
    """The identity that introduces ``node`` when recognize() rewrites to it, in the
    direction used: cos/sin = 1/tan where the answer has 1/tan (``reciprocal``)."""
    form = definition_of(node)  # the rule table's definition (or tan = sin/cos)
    if form is None:
        return None
    num, den = _split_fraction(form)
    if reciprocal:
        return S.eq(S.frac(S.E(den), S.E(num)), S.frac(S.E(1), S.E(node)))
    return S.eq(S.frac(S.E(num), S.E(den)), S.E(node))


def fraction_parts(factors: Iterable[Expr]) -> tuple[list[Expr], list[Expr]]:
    """The factors above and below the bar (negative exponents go below, made positive):
    how the quotient rule and the identities read a product as a fraction."""
    num, den = [], []
    for f in factors:
        if f.op == POW and f.args[1].op == NUM and f.args[1].value < 0:
            den.append(core.power(f.args[0], core.number(-f.args[1].value)))
        else:
            num.append(f)
    return num, den


def _split_fraction(e: Expr) -> tuple[Expr, Expr]:
    num, den = fraction_parts(e.args if e.op == MUL else (e,))
    return core.mul(*num) if num else ONE, core.mul(*den) if den else ONE


def simplify_step(result: Expr, final: Expr, var: str) -> Step:
    """The last step: rewrite through known functions, naming each identity used."""
    before = {n for n in core.postorder(result) if n.op == FN}
    notes = []
    seen = set()
    nodes = core.postorder(final)
    inverted = {n.args[0] for n in nodes
                if n.op == POW and n.args[1].op == NUM and n.args[1].value < 0}
    for n in nodes:
        if n.op == FN and n not in before and n not in seen:
            seen.add(n)
            ident = identity_of(n, reciprocal=n in inverted)
            if ident is not None:
                notes.append(Note("note.identity", {"identity": ident}))
    return Step("simplify", result, var, final, S.E(result), _simplify_work(result),
                notes=notes)


def _simplify_work(result: Expr) -> list[Show]:
    """The seeds' intermediate lines for the two famous cases (sigmoid and tanh)."""
    one = S.E(1)
    # e^(-u)/(1 + e^(-u))^2 = 1/(1+e^-u) · e^-u/(1+e^-u) = 1/(1+e^-u) · ((1+e^-u) − 1)/(1+e^-u)
    #                       = 1/(1+e^-u) · (1 − 1/(1+e^-u))
    if result.op == MUL and len(result.args) == 2:
        ex = next((a for a in result.args if a.op == FN and a.value == "exp"), None)
        den = next((a for a in result.args if a.op == POW), None)
        if ex is not None and den is not None and den.args[1].op == NUM and \
                den.args[1].value == -2 and den.args[0] is core.add(ONE, ex):
            a = den.args[0]
            s = S.frac(one, S.E(a))
            return [S.mul(s, S.frac(S.E(ex), S.E(a))),
                    S.mul(s, S.frac(S.add(("+", S.E(a)), ("-", one)), S.E(a))),
                    S.mul(s, S.add(("+", one), ("-", s)))]
    # 1 − A²/B²  =  1 − (A/B)²
    if result.op == ADD and len(result.args) == 2 and ONE in result.args:
        other = result.args[0] if result.args[1] is ONE else result.args[1]
        c, rest = core.coeff_rest(other)
        if c == -1 and rest.op == MUL and len(rest.args) == 2:
            pa = next((f for f in rest.args if f.op == POW and f.args[1] is core.TWO), None)
            pb = next((f for f in rest.args if f.op == POW and f.args[1].op == NUM and
                       f.args[1].value == -2), None)
            if pa is not None and pb is not None:
                ratio = S.frac(S.E(pa.args[0]), S.E(pb.args[0]))
                return [S.add(("+", one), ("-", S.pow_(ratio, S.E(2))))]
    return []


def _is_polynomial(e: Expr) -> bool:
    for n in core.postorder(e):
        if n.op in (FN, CALL):
            return False
        if n.op == POW and not (_is_int(n.args[1]) and n.args[1].value >= 0):
            return False
        if n.op == NUM and isinstance(n.value, float):
            return False
    return True


def expand_check(expr: Expr, var: str, result: Expr, lhs: Show) -> Step | None:
    """The seeds' "check by expanding": only for polynomials that expansion changes."""
    if not _is_polynomial(expr) or expr.size > 60:
        return None
    try:
        expanded = expand(expr)
        if expanded is expr or expanded.size > 200:
            return None
        d_expanded = diff(expanded, var)
        agree = expand(result) is expand(d_expanded)
    except LimitError:
        return None
    return Step("expand_check", expr, var, d_expanded, lhs, [S.E(d_expanded)],
                data={"expanded": expanded, "agree": agree, "derivative": result})


_POINTS = (1, 2, 0.5, 3, -1, 1.5, 0.3, -0.5, 2.5, -2, 0.7)
_OTHER_POINTS = (2, 3, 0.5, 1.5, 1.2, 0.7)


def numeric_check(expr: Expr, var: str, result: Expr, lhs: Show) -> Step | None:
    """Central difference at a point where the function is defined and smooth."""
    if any(n.op == CALL for n in core.postorder(expr)):
        return None
    others = sorted(expr.free - {var})
    kinks = [nd.argument for nd in nondifferentiable_points(expr, var)]
    for i, x0 in enumerate(_POINTS):
        point: dict[str, Any] = {var: x0}
        point.update({o: _OTHER_POINTS[(i + j) % len(_OTHER_POINTS)]
                      for j, o in enumerate(others)})
        try:
            if any(abs(float(k.evaluate(point))) < 1e-3 for k in kinks):
                continue
            h = 1e-5 * max(1.0, abs(x0))
            f_plus = float(expr.evaluate({**point, var: x0 + h}))
            f_minus = float(expr.evaluate({**point, var: x0 - h}))
            value = float(result.evaluate(point))
        except (DomainError, LimitError, ZeroDivisionError, OverflowError, ValueError,
                BibunError):
            continue
        approx = (f_plus - f_minus) / (2 * h)
        if not (math.isfinite(approx) and math.isfinite(value)):
            continue
        agree = abs(approx - value) <= 1e-5 * max(1.0, abs(value))
        return Step("numeric_check", expr, var, result, lhs,
                    data={"point": point, "h": h, "approx": approx, "value": value,
                          "agree": agree})
    return None


def fold_notes(e: Expr) -> list[Note]:
    """sin(asin x) = x only where asin is defined (|x| ≤ 1): the answer built on such a
    fold says where it holds."""
    return [Note("note.inverse_fold", {"identity": S.eq(S.E(comp), S.E(folded)),
                                       "condition": cond, "inner": comp.args[0].value})
            for comp, folded, cond in folded_compositions(e)]


def root_notes(e: Expr, var: str) -> list[Note]:
    """Where roots (√, ∛, …) have vertical tangents; piecewise functions say it in
    their own steps."""
    out = []
    for nd in nondifferentiable_points(e, var):
        r = RULES.get(nd.function)
        if r is not None and r.nondiff_kind in (JUMP, CORNER):
            continue
        try:  # roots come back as text such as "sqrt(x)": show them as formulas
            what: Any = nd.function if r is not None else core.as_expr(nd.function)
        except BibunError:
            what = nd.function
        at = core.number(int(nd.value) if float(nd.value).is_integer() else nd.value)
        out.append(Note("note.nondiff", {"function": what,  # acosh(x): where x = 1, not 0
                                         "condition": S.eq(S.E(nd.argument), S.E(at))}))
    return out


__all__ = ["expand_check", "fold_notes", "identity_of", "numeric_check", "root_notes",
           "simplify_step"]
