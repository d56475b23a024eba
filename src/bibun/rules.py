"""The one rule table: every elementary function bibun knows is declared here, once.

Each :class:`Rule` carries what every consumer needs:

* ``numpy``  – the elementwise implementation (stable where naive forms overflow);
* ``deriv``  – d f(u)/du written with the argument ``u`` and, where natural, the
  function's own value ``y`` (exp' = y, sigmoid' = y(1-y), tanh' = 1 - y²).  It is a
  plain function of ``(u, y, F)`` where ``F`` is a namespace of functions for the
  *consumer's* domain: symbolic expressions, dual numbers, autodiff tensors or
  NumPy arrays all pass their own ``F`` and get the derivative in their own kind.
  That is why the table never needs a second copy of ``sin' = cos``;
* ``text``/``latex``/``ja`` names, the ``domain`` (for clear errors), the points
  where the function is not differentiable, and the rule's name for explanations.

Adding a function is adding one entry to :data:`RULES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

Deriv = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class Rule:
    """One elementary function of one argument."""

    name: str
    numpy: Callable[[Any], Any]
    deriv: Deriv
    latex: str
    ja: str
    kind: str  # rule family used by explanations: trig, exp, log, hyperbolic, ...
    domain: Callable[[float], bool] | None = None
    domain_text: str = ""
    nondiff: tuple[float, ...] = ()
    analytic: bool = True  # accepts complex input and is holomorphic (complex step is valid)
    aliases: tuple[str, ...] = field(default=())
    exact: dict[Any, Any] = field(default_factory=dict)  # exact special values, e.g. sin(0)=0
    #: the signs f(u) can take given the signs u can take (bit masks of NEG, ZERO, POS);
    #: None: any sign.  It lets a corner note be dropped where it cannot happen.
    signs: Callable[[int], int] | None = None


# -- signs, for the sign analysis of :mod:`bibun.expr.signs` ---------------------------------
NEG, ZERO, POS = 1, 2, 4
ANY = NEG | ZERO | POS


def _positive(s: int) -> int:
    return POS


def _nonnegative(s: int) -> int:
    return ZERO | POS


def _same_sign(s: int) -> int:  # odd and increasing through 0: sinh, tanh, atan, cbrt, ...
    return s


def _magnitude(s: int) -> int:  # |u|: 0 stays possible if it was, any other sign becomes +
    return (ZERO if s & ZERO else 0) | (POS if s & (NEG | POS) else 0)


def _sqrt_signs(s: int) -> int:  # real only where u >= 0
    return (s & (ZERO | POS)) or ANY


def _relu_signs(s: int) -> int:
    return (ZERO if s & (NEG | ZERO) else 0) | (s & POS)


def _step_signs(s: int) -> int:  # step(0) = 1
    return (ZERO if s & NEG else 0) | (POS if s & (ZERO | POS) else 0)


def _sigmoid(x: Any) -> Any:
    """sigmoid without overflow: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) otherwise."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: Any) -> Any:
    """log(1+e^x) without overflow: max(x,0) + log1p(e^-|x|)."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        return np.log1p(np.exp(x))
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _step(x: Any) -> Any:
    """Heaviside step with step(0) = 1, the seeds' "0 未満なら 0、0 以上なら 1"."""
    return np.where(np.asarray(x) >= 0, 1.0, 0.0)


def _relu(x: Any) -> Any:
    return np.maximum(x, 0)


def _real_sign(x: Any) -> Any:
    return np.sign(x)


_R = [
    Rule("sin", np.sin, lambda u, y, F: F.cos(u), r"\sin", "正弦関数 sin", "trig",
         exact={0: 0}),
    Rule("cos", np.cos, lambda u, y, F: -F.sin(u), r"\cos", "余弦関数 cos", "trig",
         exact={0: 1}),
    Rule("tan", np.tan, lambda u, y, F: 1 / F.cos(u) ** 2, r"\tan", "正接関数 tan", "trig",
         exact={0: 0}),
    Rule("cot", lambda x: 1 / np.tan(x), lambda u, y, F: -1 / F.sin(u) ** 2, r"\cot",
         "余接関数 cot", "trig", domain=lambda x: math.sin(x) != 0, domain_text="sin(u) ≠ 0"),
    Rule("sec", lambda x: 1 / np.cos(x), lambda u, y, F: y * F.tan(u), r"\sec",
         "正割関数 sec", "trig", exact={0: 1}),
    Rule("csc", lambda x: 1 / np.sin(x), lambda u, y, F: -y * F.cot(u), r"\csc",
         "余割関数 csc", "trig", domain=lambda x: math.sin(x) != 0, domain_text="sin(u) ≠ 0"),
    Rule("asin", np.arcsin, lambda u, y, F: 1 / F.sqrt(1 - u**2), r"\arcsin",
         "逆正弦関数 arcsin", "inverse_trig", domain=lambda x: -1 <= x <= 1,
         domain_text="-1 ≤ u ≤ 1", aliases=("arcsin",), exact={0: 0}, signs=_same_sign),
    Rule("acos", np.arccos, lambda u, y, F: -(1 / F.sqrt(1 - u**2)), r"\arccos",
         "逆余弦関数 arccos", "inverse_trig", domain=lambda x: -1 <= x <= 1,
         domain_text="-1 ≤ u ≤ 1", aliases=("arccos",), exact={1: 0}, signs=_nonnegative),
    Rule("atan", np.arctan, lambda u, y, F: 1 / (1 + u**2), r"\arctan",
         "逆正接関数 arctan", "inverse_trig", aliases=("arctan",), exact={0: 0}, signs=_same_sign),
    Rule("sinh", np.sinh, lambda u, y, F: F.cosh(u), r"\sinh", "双曲線正弦関数 sinh",
         "hyperbolic", exact={0: 0}, signs=_same_sign),
    Rule("cosh", np.cosh, lambda u, y, F: F.sinh(u), r"\cosh", "双曲線余弦関数 cosh",
         "hyperbolic", exact={0: 1}, signs=_positive),
    Rule("tanh", np.tanh, lambda u, y, F: 1 - y**2, r"\tanh",
         "ハイパボリック・タンジェント tanh", "hyperbolic", exact={0: 0}, signs=_same_sign),
    Rule("asinh", np.arcsinh, lambda u, y, F: 1 / F.sqrt(u**2 + 1), r"\operatorname{arsinh}",
         "逆双曲線正弦関数 arsinh", "inverse_hyperbolic", aliases=("arcsinh",), exact={0: 0},
         signs=_same_sign),
    Rule("acosh", np.arccosh, lambda u, y, F: 1 / F.sqrt(u**2 - 1),
         r"\operatorname{arcosh}", "逆双曲線余弦関数 arcosh", "inverse_hyperbolic",
         domain=lambda x: x >= 1, domain_text="u ≥ 1", nondiff=(1.0,), aliases=("arccosh",),
         exact={1: 0}, signs=_nonnegative),
    Rule("atanh", np.arctanh, lambda u, y, F: 1 / (1 - u**2), r"\operatorname{artanh}",
         "逆双曲線正接関数 artanh", "inverse_hyperbolic", domain=lambda x: -1 < x < 1,
         domain_text="-1 < u < 1", aliases=("arctanh",), exact={0: 0}, signs=_same_sign),
    Rule("exp", np.exp, lambda u, y, F: y, r"\exp", "指数関数 e^x", "exp", exact={0: 1},
         signs=_positive),
    Rule("log", np.log, lambda u, y, F: 1 / u, r"\ln", "自然対数 log", "log",
         domain=lambda x: x > 0, domain_text="u > 0", aliases=("ln",), exact={1: 0}),
    Rule("sqrt", np.sqrt, lambda u, y, F: 1 / (2 * y), r"\sqrt", "平方根 √", "power",
         domain=lambda x: x >= 0, domain_text="u ≥ 0", nondiff=(0.0,), exact={0: 0, 1: 1},
         signs=_sqrt_signs),
    Rule("cbrt", np.cbrt, lambda u, y, F: 1 / (3 * y**2), r"\sqrt[3]", "立方根 ∛", "power",
         nondiff=(0.0,), analytic=False, exact={0: 0, 1: 1, -1: -1}, signs=_same_sign),
    Rule("abs", np.abs, lambda u, y, F: F.sign(u), r"\operatorname{abs}", "絶対値 |x|",
         "piecewise", nondiff=(0.0,), analytic=False, exact={0: 0}, signs=_magnitude),
    Rule("sign", _real_sign, lambda u, y, F: 0 * u, r"\operatorname{sgn}", "符号関数 sgn",
         "piecewise", nondiff=(0.0,), analytic=False, aliases=("sgn",), exact={0: 0},
         signs=_same_sign),
    Rule("sigmoid", _sigmoid, lambda u, y, F: y * (1 - y), r"\sigma",
         "シグモイド関数 sigmoid", "sigmoid", aliases=("σ",), exact={0: Fraction(1, 2)},
         signs=_positive),
    Rule("relu", _relu, lambda u, y, F: F.step(u), r"\operatorname{ReLU}", "ReLU 関数",
         "piecewise", nondiff=(0.0,), analytic=False, aliases=("ReLU",), exact={0: 0},
         signs=_relu_signs),
    Rule("softplus", _softplus, lambda u, y, F: F.sigmoid(u), r"\operatorname{softplus}",
         "ソフトプラス関数 softplus", "sigmoid", signs=_positive),
    Rule("step", _step, lambda u, y, F: 0 * u, r"\operatorname{step}", "階段関数 step",
         "piecewise", nondiff=(0.0,), analytic=False, aliases=("heaviside",), signs=_step_signs),
]

#: name or alias -> Rule.  The single source of truth for elementary functions.
RULES: dict[str, Rule] = {}
for _rule in _R:
    RULES[_rule.name] = _rule
    for _alias in _rule.aliases:
        RULES[_alias] = _rule


def rule(name: str) -> Rule:
    """Look up a function's rule by name or alias; a missing rule is an explicit error."""
    try:
        return RULES[name]
    except KeyError:
        from bibun.errors import UnknownFunctionError

        raise UnknownFunctionError(name) from None


class NumpyOps:
    """The ``F`` namespace for NumPy arrays: ``F.cos(u)`` is ``np.cos(u)`` etc."""

    def __getattr__(self, name: str) -> Callable[[Any], Any]:
        return rule(name).numpy


NUMPY_OPS = NumpyOps()


def numpy_derivative(name: str, u: Any, y: Any | None = None) -> Any:
    """f'(u) evaluated with NumPy, from the same table entry as everything else."""
    r = rule(name)
    if y is None:
        y = r.numpy(u)
    return r.deriv(u, y, NUMPY_OPS)
