"""Trigonometric, hyperbolic, exponential, logarithmic, root and piecewise functions.

One :func:`~bibun.functions.rule.register` call per function; everything any part of
bibun knows about the function is in that call (see :class:`~bibun.functions.rule.Rule`).
Inverse functions follow the conventions of textbooks and NumPy: arccot is π/2 − arctan
(continuous, range (0, π), so −1/(1+u²) holds everywhere), arcsec = arccos(1/u),
arccsc = arcsin(1/u), arsech = arcosh(1/u), arcsch = arsinh(1/u), arcoth = artanh(1/u).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from bibun.functions.lazy import np
from bibun.functions.rule import (
    ANY,
    CORNER,
    EDGE,
    JUMP,
    NEG,
    POS,
    ZERO,
    Code,
    Rule,
    register,
    same_code,
    vectorized,
)

# -- sign facts --------------------------------------------------------------------------


def _positive(s: int) -> int:
    return POS


def _nonnegative(s: int) -> int:
    return ZERO | POS


def _same_sign(s: int) -> int:  # odd and increasing through 0: sinh, tanh, atan, cbrt, ...
    return s


def _nonzero_same_sign(s: int) -> int:  # csch, coth, acsch: never 0
    return s & (NEG | POS) or ANY


def _magnitude(s: int) -> int:  # |u|: 0 stays possible if it was, any other sign becomes +
    return (ZERO if s & ZERO else 0) | (POS if s & (NEG | POS) else 0)


def _sqrt_signs(s: int) -> int:  # real only where u >= 0
    return (s & (ZERO | POS)) or ANY


def _step_signs(s: int) -> int:  # step(0) = 1
    return (ZERO if s & NEG else 0) | (POS if s & (ZERO | POS) else 0)


# -- exact values at rational multiples of π --------------------------------------------------


def sin_pi(q: Fraction, F: Any) -> Any:
    """sin(qπ) exactly for q a multiple of 1/6 or 1/4, else None."""
    q = q % 2
    sign = 1
    if q >= 1:
        q, sign = q - 1, -1
    if q > Fraction(1, 2):
        q = 1 - q
    table = {Fraction(0): lambda: F.const(0), Fraction(1, 6): lambda: F.const(Fraction(1, 2)),
             Fraction(1, 4): lambda: F.sqrt(2) / 2, Fraction(1, 3): lambda: F.sqrt(3) / 2,
             Fraction(1, 2): lambda: F.const(1)}
    make = table.get(q)
    if make is None:
        return None
    v = make()
    return v if sign > 0 else -v


def _cos_pi(q: Fraction, F: Any) -> Any:
    return sin_pi(q + Fraction(1, 2), F)


def _ratio_pi(num: Any, den: Any) -> Any:
    def at(q: Fraction, F: Any) -> Any:
        a, b = num(q, F), den(q, F)
        if a is None or b is None or b == F.const(0):
            return None
        return a / b
    return at


def _one(q: Fraction, F: Any) -> Any:
    return F.const(1)


# -- definitions through exp -------------------------------------------------------------


def _ep(u: Any, F: Any) -> Any:
    return F.exp(u)


def _em(u: Any, F: Any) -> Any:
    return F.exp(-u)


def _step_numpy(x: Any) -> Any:
    """Heaviside step with step(0) = 1, the seeds' "0 未満なら 0、0 以上なら 1"."""
    return np.where(np.asarray(x) >= 0, 1.0, 0.0)


def _acot(x: Any) -> Any:
    return np.pi / 2 - np.arctan(x)


def _unit_domain(x: float) -> bool:
    return -1 <= x <= 1


def _outside_unit(x: float) -> bool:
    return abs(x) >= 1


def _sqrt_recip(u: Any, F: Any, sign: int = 1) -> Any:
    """±1/(|u|·√(u²−1)): the derivative of arcsec (+) and arccsc (−)."""
    return sign / (F.abs(u) * F.sqrt(u**2 - 1))


_R = [
    Rule("sin", "np.sin", lambda u, y, F: F.cos(u), r"\sin", "trig",
         code=same_code("sin", "sin"), exact={0: 0}, exact_pi=sin_pi, sympy="sin"),
    Rule("cos", "np.cos", lambda u, y, F: -F.sin(u), r"\cos", "trig",
         code=same_code("cos", "cos"), exact={0: 1}, exact_pi=_cos_pi, sympy="cos"),
    Rule("tan", "np.tan", lambda u, y, F: 1 / F.cos(u) ** 2, r"\tan", "trig",
         code=same_code("tan", "tan"), through=lambda u, F: F.sin(u) / F.cos(u),
         domain=lambda x: math.cos(x) != 0, domain_text="cos(u) ≠ 0",
         poles=lambda u, F: F.cos(u), exact={0: 0},
         exact_pi=_ratio_pi(sin_pi, _cos_pi), sympy="tan"),
    Rule("cot", lambda x: 1 / np.tan(x), lambda u, y, F: -1 / F.sin(u) ** 2, r"\cot", "trig",
         code=Code("1 / np.tan({u})", "1 / math.tan({u})", "1 / jnp.tan({u})",
                   "1 / torch.tan({u})"),
         through=lambda u, F: F.cos(u) / F.sin(u),
         domain=lambda x: math.sin(x) != 0, domain_text="sin(u) ≠ 0",
         poles=lambda u, F: F.sin(u), exact_pi=_ratio_pi(_cos_pi, sin_pi), sympy="cot"),
    Rule("sec", lambda x: 1 / np.cos(x), lambda u, y, F: y * F.tan(u), r"\sec", "trig",
         code=Code("1 / np.cos({u})", "1 / math.cos({u})", "1 / jnp.cos({u})",
                   "1 / torch.cos({u})"),
         through=lambda u, F: 1 / F.cos(u), domain=lambda x: math.cos(x) != 0,
         domain_text="cos(u) ≠ 0", poles=lambda u, F: F.cos(u), exact={0: 1},
         exact_pi=_ratio_pi(_one, _cos_pi), sympy="sec"),
    Rule("csc", lambda x: 1 / np.sin(x), lambda u, y, F: -y * F.cot(u), r"\csc", "trig",
         code=Code("1 / np.sin({u})", "1 / math.sin({u})", "1 / jnp.sin({u})",
                   "1 / torch.sin({u})"),
         through=lambda u, F: 1 / F.sin(u), domain=lambda x: math.sin(x) != 0,
         domain_text="sin(u) ≠ 0", poles=lambda u, F: F.sin(u),
         exact_pi=_ratio_pi(_one, sin_pi), sympy="csc"),
    Rule("asin", "np.arcsin", lambda u, y, F: 1 / F.sqrt(1 - u**2), r"\arcsin", "inverse_trig",
         aliases=("arcsin",), code=same_code("arcsin", "asin", torch="torch.asin"),
         domain=_unit_domain, domain_text="-1 ≤ u ≤ 1", exact={0: 0}, signs=_same_sign,
         sympy="asin"),
    Rule("acos", "np.arccos", lambda u, y, F: -(1 / F.sqrt(1 - u**2)), r"\arccos",
         "inverse_trig", aliases=("arccos",), code=same_code("arccos", "acos",
                                                             torch="torch.acos"),
         domain=_unit_domain, domain_text="-1 ≤ u ≤ 1", exact={1: 0}, signs=_nonnegative,
         sympy="acos"),
    Rule("atan", "np.arctan", lambda u, y, F: 1 / (1 + u**2), r"\arctan", "inverse_trig",
         aliases=("arctan",), code=same_code("arctan", "atan", torch="torch.atan"),
         exact={0: 0}, signs=_same_sign, sympy="atan"),
    Rule("acot", _acot, lambda u, y, F: -1 / (1 + u**2), r"\operatorname{arccot}",
         "inverse_trig", aliases=("arccot",), latex_names=(r"\arccot",),
         code=Code("np.pi / 2 - np.arctan({u})", "math.pi / 2 - math.atan({u})",
                   "math.pi / 2 - jnp.arctan({u})", "math.pi / 2 - torch.atan({u})"),
         through=lambda u, F: F.pi / 2 - F.atan(u), signs=_positive),
    Rule("asec", lambda x: np.arccos(1 / np.asarray(x)), lambda u, y, F: _sqrt_recip(u, F),
         r"\operatorname{arcsec}", "inverse_trig", aliases=("arcsec",),
         latex_names=(r"\arcsec",),
         code=Code("np.arccos(1 / {u})", "math.acos(1 / {u})", "jnp.arccos(1 / {u})",
                   "torch.acos(1 / {u})"),
         through=lambda u, F: F.acos(1 / u), domain=_outside_unit, domain_text="|u| ≥ 1",
         typical=(1.3, 1.9), nondiff=(1.0, -1.0), nondiff_kind=EDGE, analytic=False, exact={1: 0},
         signs=_nonnegative, sympy="asec"),
    Rule("acsc", lambda x: np.arcsin(1 / np.asarray(x)),
         lambda u, y, F: _sqrt_recip(u, F, -1), r"\operatorname{arccsc}", "inverse_trig",
         aliases=("arccsc",), latex_names=(r"\arccsc",),
         code=Code("np.arcsin(1 / {u})", "math.asin(1 / {u})", "jnp.arcsin(1 / {u})",
                   "torch.asin(1 / {u})"),
         through=lambda u, F: F.asin(1 / u), domain=_outside_unit, domain_text="|u| ≥ 1",
         typical=(1.3, 1.9), nondiff=(1.0, -1.0), nondiff_kind=EDGE, analytic=False,
         signs=_same_sign, sympy="acsc"),
    Rule("sinh", "np.sinh", lambda u, y, F: F.cosh(u), r"\sinh", "hyperbolic",
         code=same_code("sinh", "sinh"), definition=lambda u, F: (_ep(u, F) - _em(u, F)) / 2,
         exact={0: 0}, signs=_same_sign, sympy="sinh"),
    Rule("cosh", "np.cosh", lambda u, y, F: F.sinh(u), r"\cosh", "hyperbolic",
         code=same_code("cosh", "cosh"), definition=lambda u, F: (_ep(u, F) + _em(u, F)) / 2,
         exact={0: 1}, signs=_positive, sympy="cosh"),
    Rule("tanh", "np.tanh", lambda u, y, F: 1 - y**2, r"\tanh", "hyperbolic",
         code=same_code("tanh", "tanh"),
         definition=lambda u, F: (_ep(u, F) - _em(u, F)) / (_ep(u, F) + _em(u, F)),
         recognize=True, exact={0: 0}, signs=_same_sign, self_derivative=True,
         activation=True, sympy="tanh"),
    Rule("coth", lambda x: 1 / np.tanh(x), lambda u, y, F: 1 - y**2, r"\coth", "hyperbolic",
         code=Code("1 / np.tanh({u})", "1 / math.tanh({u})", "1 / jnp.tanh({u})",
                   "1 / torch.tanh({u})"),
         definition=lambda u, F: (_ep(u, F) + _em(u, F)) / (_ep(u, F) - _em(u, F)),
         domain=lambda x: x != 0, domain_text="u ≠ 0", poles=lambda u, F: u,
         signs=_nonzero_same_sign, self_derivative=True, sympy="coth"),
    Rule("sech", lambda x: 1 / np.cosh(x), lambda u, y, F: -y * F.tanh(u),
         r"\operatorname{sech}", "hyperbolic",
         code=Code("1 / np.cosh({u})", "1 / math.cosh({u})", "1 / jnp.cosh({u})",
                   "1 / torch.cosh({u})"),
         definition=lambda u, F: 2 / (_ep(u, F) + _em(u, F)), exact={0: 1}, signs=_positive,
         sympy="sech"),
    Rule("csch", lambda x: 1 / np.sinh(x), lambda u, y, F: -y * F.coth(u),
         r"\operatorname{csch}", "hyperbolic",
         code=Code("1 / np.sinh({u})", "1 / math.sinh({u})", "1 / jnp.sinh({u})",
                   "1 / torch.sinh({u})"),
         definition=lambda u, F: 2 / (_ep(u, F) - _em(u, F)),
         domain=lambda x: x != 0, domain_text="u ≠ 0", poles=lambda u, F: u,
         signs=_nonzero_same_sign, sympy="csch"),
    Rule("asinh", "np.arcsinh", lambda u, y, F: 1 / F.sqrt(u**2 + 1), r"\operatorname{arsinh}",
         "inverse_hyperbolic", aliases=("arsinh", "arcsinh"),
         code=same_code("arcsinh", "asinh", torch="torch.asinh"),
         definition=lambda u, F: F.log(u + F.sqrt(u**2 + 1)), exact={0: 0}, signs=_same_sign,
         sympy="asinh"),
    Rule("acosh", "np.arccosh", lambda u, y, F: 1 / F.sqrt(u**2 - 1), r"\operatorname{arcosh}",
         "inverse_hyperbolic", aliases=("arcosh", "arccosh"),
         code=same_code("arccosh", "acosh", torch="torch.acosh"),
         definition=lambda u, F: F.log(u + F.sqrt(u**2 - 1)),
         domain=lambda x: x >= 1, domain_text="u ≥ 1", typical=(1.3, 1.8), nondiff=(1.0,),
         nondiff_kind=EDGE,
         exact={1: 0}, signs=_nonnegative, sympy="acosh"),
    Rule("atanh", "np.arctanh", lambda u, y, F: 1 / (1 - u**2), r"\operatorname{artanh}",
         "inverse_hyperbolic", aliases=("artanh", "arctanh"),
         code=same_code("arctanh", "atanh", torch="torch.atanh"),
         definition=lambda u, F: F.log((1 + u) / (1 - u)) / 2,
         domain=lambda x: -1 < x < 1, domain_text="-1 < u < 1", exact={0: 0}, signs=_same_sign,
         sympy="atanh"),
    Rule("acoth", lambda x: np.arctanh(1 / np.asarray(x)), lambda u, y, F: 1 / (1 - u**2),
         r"\operatorname{arcoth}", "inverse_hyperbolic", aliases=("arcoth", "arccoth"),
         code=Code("np.arctanh(1 / {u})", "math.atanh(1 / {u})", "jnp.arctanh(1 / {u})",
                   "torch.atanh(1 / {u})"),
         definition=lambda u, F: F.log((u + 1) / (u - 1)) / 2,
         domain=lambda x: abs(x) > 1, domain_text="|u| > 1", typical=(1.3, 1.9),
         signs=_nonzero_same_sign, sympy="acoth"),
    Rule("asech", lambda x: np.arccosh(1 / np.asarray(x)),
         lambda u, y, F: -1 / (u * F.sqrt(1 - u**2)), r"\operatorname{arsech}",
         "inverse_hyperbolic", aliases=("arsech", "arcsech"),
         code=Code("np.arccosh(1 / {u})", "math.acosh(1 / {u})", "jnp.arccosh(1 / {u})",
                   "torch.acosh(1 / {u})"),
         definition=lambda u, F: F.log((1 + F.sqrt(1 - u**2)) / u),
         domain=lambda x: 0 < x <= 1, domain_text="0 < u ≤ 1", nondiff=(1.0,),
         nondiff_kind=EDGE, exact={1: 0}, signs=_nonnegative, sympy="asech"),
    Rule("acsch", lambda x: np.arcsinh(1 / np.asarray(x)),
         lambda u, y, F: -1 / (F.abs(u) * F.sqrt(1 + u**2)), r"\operatorname{arcsch}",
         "inverse_hyperbolic", aliases=("arcsch", "arccsch"),
         code=Code("np.arcsinh(1 / {u})", "math.asinh(1 / {u})", "jnp.arcsinh(1 / {u})",
                   "torch.asinh(1 / {u})"),
         definition=lambda u, F: F.log(1 / u + F.sqrt(1 / u**2 + 1)),
         domain=lambda x: x != 0, domain_text="u ≠ 0", poles=lambda u, F: u, analytic=False,
         signs=_nonzero_same_sign, sympy="acsch"),
    Rule("exp", "np.exp", lambda u, y, F: y, r"\exp", "exp", code=same_code("exp", "exp"),
         exact={0: 1}, signs=_positive, self_derivative=True, sympy="exp"),
    Rule("log", "np.log", lambda u, y, F: 1 / u, r"\ln", "log", aliases=("ln",),
         latex_names=(r"\log",), code=same_code("log", "log"),
         domain=lambda x: x > 0, domain_text="u > 0", exact={1: 0},
         spelling={"en": ("ln", r"\ln"), "ja": ("log", r"\log")}, sympy="log"),
    Rule("log1p", "np.log1p", lambda u, y, F: 1 / (1 + u), r"\operatorname{log1p}", "function",
         code=same_code("log1p", "log1p"), definition=lambda u, F: F.log(1 + u),
         domain=lambda x: x > -1, domain_text="u > -1", exact={0: 0}, signs=_same_sign),
    Rule("expm1", "np.expm1", lambda u, y, F: F.exp(u), r"\operatorname{expm1}", "function",
         code=same_code("expm1", "expm1"), definition=lambda u, F: F.exp(u) - 1,
         exact={0: 0}, signs=_same_sign),
    Rule("erf", vectorized(math.erf),
         lambda u, y, F: 2 / F.sqrt(F.pi) * F.exp(-u**2), r"\operatorname{erf}", "function",
         code=Code("np.vectorize(math.erf, otypes=[float])({u})", "math.erf",
                   "jax.scipy.special.erf", "torch.erf"),
         analytic=False, exact={0: 0}, signs=_same_sign, sympy="erf"),
    Rule("sqrt", "np.sqrt", lambda u, y, F: 1 / (2 * y), r"\sqrt", "power",
         code=same_code("sqrt", "sqrt"),
         domain=lambda x: x >= 0, domain_text="u ≥ 0", nondiff=(0.0,), nondiff_kind=EDGE,
         exact={0: 0, 1: 1}, signs=_sqrt_signs, sympy="sqrt"),
    Rule("cbrt", "np.cbrt", lambda u, y, F: 1 / (3 * y**2), r"\sqrt[3]", "power",
         code=Code("np.cbrt", "math.cbrt" if hasattr(math, "cbrt") else None, "jnp.cbrt",
                   "torch.sign({u}) * torch.abs({u}) ** (1 / 3)"),
         nondiff=(0.0,), analytic=False, exact={0: 0, 1: 1, -1: -1}, signs=_same_sign),
    Rule("abs", "np.abs", lambda u, y, F: F.sign(u), r"\operatorname{abs}", "piecewise",
         code=Code("np.abs", "math.fabs", "jnp.abs", "torch.abs"), nondiff=(0.0,),
         nondiff_kind=CORNER, analytic=False, exact={0: 0}, signs=_magnitude, sympy="Abs",
         exact_rational=abs),
    Rule("sign", "np.sign", lambda u, y, F: 0 * u, r"\operatorname{sgn}", "piecewise",
         aliases=("sgn",), code=Code("np.sign", None, "jnp.sign", "torch.sign"),
         nondiff=(0.0,), nondiff_kind=JUMP, analytic=False, exact={0: 0}, signs=_same_sign,
         sympy="sign", exact_rational=lambda v: (v > 0) - (v < 0)),
    Rule("step", _step_numpy, lambda u, y, F: 0 * u, r"\operatorname{step}", "piecewise",
         aliases=("heaviside",), latex_names=(r"\operatorname{Heaviside}", r"\operatorname{H}"),
         code=Code("np.where({u} >= 0, 1.0, 0.0)", None, "jnp.where({u} >= 0, 1.0, 0.0)",
                   "torch.clamp(torch.sign({u}) + 1, max=1)"),  # heaviside has no backward
         nondiff=(0.0,), nondiff_kind=JUMP, analytic=False, signs=_step_signs,
         exact_rational=lambda v: int(v >= 0)),
]

for _r in _R:
    register(_r)
