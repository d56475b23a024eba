"""The derivative from its definition, f′(x) = lim_{h→0} (f(x+h) − f(x))/h, worked as a
teacher writes it (seed 004: ((x+h)² − x²)/h = (2hx + h²)/h = 2x + h → 2x).

Reached: polynomials and rational functions (common denominator, expand, cancel h),
square roots of polynomials (multiply by the conjugate), sin and cos (sum formulas with
lim sin h/h = 1 and lim (cos h − 1)/h = 0), e^x and a^x (lim (a^h − 1)/h = log a, which is
1 for a = e), each times a constant.  Anything else is refused with a clear message.
"""

from __future__ import annotations

from typing import Any

from bibun.calculus.common import _var
from bibun.errors import BibunError
from bibun.explain.worked import Lim, Raw, Step, Worked, frac
from bibun.expr import core
from bibun.expr.core import NUM, POW, Expr, as_expr
from bibun.expr.polynomial import coefficients
from bibun.expr.simplify import expand, simplify
from bibun.i18n import error

REACH = "polynomials, rational functions, sqrt(polynomial), sin, cos, e^x, a^x"


def _num_den(e: Expr) -> tuple[Expr, Expr]:
    num, den = [], []
    for f in (e.args if e.op == core.MUL else (e,)):
        if f.op == POW and f.args[1].op == NUM and f.args[1].value < 0:
            den.append(core.power(f.args[0], core.number(-f.args[1].value)))
        else:
            num.append(f)
    return core.mul(*num), core.mul(*den)


def _quotient(fxh: Expr, fx: Expr, h: str) -> Raw:
    return Raw(f"({fxh} - ({fx}))/{h}",
               rf"\frac{{{fxh.latex()} - \left({fx.latex()}\right)}}{{{h}}}")


def _over(top: Expr, bottom: Expr) -> Expr:
    return core.mul(top, core.power(bottom, core.MINUS_ONE))


def _is_poly(e: Expr, v: str) -> bool:
    return coefficients(e, v) is not None


def from_definition(expr: Any, var: str | None = None, h: str = "h") -> Worked:
    """The worked limit of the difference quotient; ``.answer`` is f′(x)."""
    e = as_expr(expr)
    v = _var(e, var)
    if h in e.free:
        raise error("error.calculus.step_name_taken", e=e, h=h)
    x, hh = core.symbol(v), core.symbol(h)
    shift = {v: core.add(x, hh)}
    first = Step("limit.definition", {"f": e, "x": v, "h": h},
                 (Raw(f"f'({v})"), _limit_raw(_quotient(e.subs(shift), e, h), h)))
    steps = [first]
    c, g = core.coeff_rest(e)
    if _is_poly(e, v):
        answer = _polynomial(e, v, x, hh, shift, steps)
    elif (n_d := _num_den(e)) and v in n_d[1].free and _is_poly(n_d[0], v) \
            and _is_poly(n_d[1], v):
        answer = _rational(e, *n_d, v, x, hh, shift, steps)
    elif g.op == POW and g.args[1] is core.HALF and _is_poly(g.args[0], v):
        answer = core.mul(core.number(c), _sqrt(g, v, hh, shift, steps, c))
    elif g.op == core.FN and g.value in ("sin", "cos") and g.args[0] is x:
        answer = _trig(g, c, x, hh, steps)
    elif g.op == POW and g.args[1] is x and v not in g.args[0].free:
        answer = _exponential(g, g.args[0], c, x, hh, steps)
    elif g.op == core.FN and g.value == "exp" and g.args[0] is x:
        answer = _exponential(g, core.fn("exp", core.ONE), c, x, hh, steps)
    else:
        raise error("error.limit_method.beyond", BibunError, f=str(e), reach=REACH)
    steps.append(Step("limit.answer", {"x": v}, (Raw(f"f'({v})"), answer)))
    return Worked("limit.title", {"f": e, "x": v}, steps, answer=answer)


def _limit_raw(q: Raw, h: str) -> Raw:
    return Raw(f"lim[{h}→0] {q.text}", rf"\lim_{{{h} \to 0}} {q.latex}")


def _take_limit(body: Expr, hh: Expr, steps: list[Step], key: str = "limit.take") -> Expr:
    out = simplify(body.subs({hh.value: core.ZERO}))
    steps.append(Step(key, {"h": hh.value}, (Lim(body, hh.value), out)))
    return out


def _polynomial(e, v, x, hh, shift, steps) -> Expr:
    top = expand(core.add(e.subs(shift), core.neg(e)))
    steps.append(Step("limit.expand", {}, (Lim(frac(top, hh), hh.value),)))
    body = expand(_over(top, hh))
    steps.append(Step("limit.cancel", {"h": hh.value}, (Lim(body, hh.value),)))
    return _take_limit(body, hh, steps)


def _rational(e, p, q, v, x, hh, shift, steps) -> Expr:
    top = core.add(core.mul(p.subs(shift), q), core.neg(core.mul(p, q.subs(shift))))
    den = core.mul(q.subs(shift), q)
    bottom = (hh, q.subs(shift), q)
    steps.append(Step("limit.common_denominator", {}, (Lim(frac(top, *bottom), hh.value),)))
    top = expand(top)
    steps.append(Step("limit.expand", {}, (Lim(frac(top, *bottom), hh.value),)))
    body = expand(_over(top, hh))
    if any(n.op == POW and n.args[0] is hh and n.args[1].op == NUM and n.args[1].value < 0
           for n in core.postorder(body)):  # pragma: no cover - h always divides the top
        raise error("error.limit_method.beyond", BibunError, f=str(e), reach=REACH)
    steps.append(Step("limit.cancel", {"h": hh.value}, (Lim(_over(body, den), hh.value),)))
    return _take_limit(_over(body, den), hh, steps)


def _sqrt(g, v, hh, shift, steps, c) -> Expr:
    u = g.args[0]
    a, b = g.subs(shift), g
    conj = core.add(a, b)
    steps.append(Step("limit.conjugate", {"conj": conj},
                      (Lim(frac(Raw(f"({a})^2 - ({b})^2",
                                    rf"\left({a.latex()}\right)^2 - \left({b.latex()}\right)^2"),
                                hh, conj), hh.value),)))
    top = expand(core.add(u.subs(shift), core.neg(u)))
    steps.append(Step("limit.expand", {}, (Lim(frac(top, hh, conj), hh.value),)))
    body = expand(_over(top, hh))
    steps.append(Step("limit.cancel", {"h": hh.value}, (Lim(_over(body, conj), hh.value),)))
    if c != 1:
        steps.append(Step("limit.constant", {"c": core.number(c)}, ()))
    return _take_limit(_over(body, conj), hh, steps)


def _trig(g, c, x, hh, steps) -> Expr:
    s, co = core.fn("sin", x), core.fn("cos", x)
    sh, ch = core.fn("sin", hh), core.fn("cos", hh)
    ratio_s = _over(sh, hh)
    ratio_c = _over(core.add(ch, core.MINUS_ONE), hh)
    if g.value == "sin":
        summed = core.add(core.mul(s, ch), core.mul(co, sh))
        grouped = core.add(core.mul(s, ratio_c), core.mul(co, ratio_s))
        d = co
    else:
        summed = core.add(core.mul(co, ch), core.neg(core.mul(s, sh)))
        grouped = core.add(core.mul(co, ratio_c), core.neg(core.mul(s, ratio_s)))
        d = core.neg(s)
    steps.append(Step("limit.sum_formula", {"f": g.value},
                      (core.fn(g.value, core.add(x, hh)), summed)))
    steps.append(Step("limit.regroup", {}, (Lim(grouped, hh.value),)))
    steps.append(Step("limit.trig_limits", {"h": hh.value},
                      (Raw(f"lim[{hh.value}→0] sin({hh.value})/{hh.value}",
                           r"\lim_{h\to 0}\frac{\sin h}{h}"),
                       core.ONE)))
    steps.append(Step("limit.take", {"h": hh.value}, (Lim(grouped, hh.value), d)))
    if c != 1:
        steps.append(Step("limit.constant", {"c": core.number(c)}, ()))
    return simplify(core.mul(core.number(c), d))


def _exponential(g, a, c, x, hh, steps) -> Expr:
    is_e = g.op == core.FN
    ah = core.fn("exp", hh) if is_e else core.power(a, hh)
    ratio = _over(core.add(ah, core.MINUS_ONE), hh)
    steps.append(Step("limit.exp_factor", {"a": a},
                      (Raw(f"{a}^({x} + {hh}) - {a}^{x}",
                           rf"{a.latex()}^{{{x} + {hh}}} - {a.latex()}^{{{x}}}"),
                       core.mul(g, core.add(ah, core.MINUS_ONE)))))
    lim_value = core.ONE if is_e else core.fn("log", a)
    steps.append(Step("limit.exp_e" if is_e else "limit.exp_a", {"a": a, "h": hh.value},
                      (Lim(ratio, hh.value), lim_value)))
    steps.append(Step("limit.take", {"h": hh.value},
                      (Lim(core.mul(g, ratio), hh.value), core.mul(g, lim_value))))
    if c != 1:
        steps.append(Step("limit.constant", {"c": core.number(c)}, ()))
    return core.mul(core.number(c), g, lim_value)
