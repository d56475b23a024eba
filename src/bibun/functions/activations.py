"""The activation functions of machine learning, one registered :class:`Rule` each.

The NumPy implementations are the stable forms (sigmoid and softplus never overflow);
the NumPy *source* in ``Code.numpy`` uses only ``np`` and ``math``, so ``.python()``
prints code that runs as it is.  Fixed parameters follow the common defaults:
leaky_relu has slope 0.01, elu has α = 1, gelu is the erf form and gelu_tanh the
tanh approximation (PyTorch's ``approximate='tanh'``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from bibun.functions.lazy import np
from bibun.functions.rule import CORNER, NEG, POS, ZERO, Code, Rule, register, vectorized

#: leaky_relu's slope for u < 0, exact (so symbolic derivatives stay rational)
LEAKY_SLOPE = Fraction(1, 100)
#: the cubic coefficient of the tanh approximation of gelu (0.044715)
GELU_CUBIC = Fraction(44715, 1_000_000)
_SIGMOID_SRC = "np.exp(-np.logaddexp(0, -{u}))"
_ERF_SRC = "np.vectorize(math.erf, otypes=[float])"


def _positive(s: int) -> int:
    return POS


def _negative(s: int) -> int:
    return NEG


def _same_sign(s: int) -> int:
    return s


def _relu_signs(s: int) -> int:
    return (ZERO if s & (NEG | ZERO) else 0) | (s & POS)


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


def _relu(x: Any) -> Any:
    return np.maximum(x, 0)


_erf = vectorized(math.erf)  # np.vectorize, made at the first call


def _gelu(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _gelu_tanh_inner(u: Any, F: Any) -> Any:
    return F.sqrt(2 / F.pi) * (u + F.const(GELU_CUBIC) * u**3)


def _gelu_tanh(x: Any) -> Any:
    x = np.asarray(x)
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + float(GELU_CUBIC) * x**3)))


def _gelu_tanh_deriv(u: Any, y: Any, F: Any) -> Any:
    t = F.tanh(_gelu_tanh_inner(u, F))
    c = F.sqrt(2 / F.pi)
    return (1 + t) / 2 + u * (1 - t**2) * c * (1 + 3 * F.const(GELU_CUBIC) * u**2) / 2


def _leaky_relu(x: Any) -> Any:
    x = np.asarray(x)
    return np.where(x >= 0, x, float(LEAKY_SLOPE) * x)


def _elu(x: Any) -> Any:
    x = np.asarray(x)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _softsign(x: Any) -> Any:
    return x / (1 + np.abs(x))


def _logsigmoid(x: Any) -> Any:
    return -_softplus(-np.asarray(x))


def _silu(x: Any) -> Any:
    return np.asarray(x) * _sigmoid(x)


_R = [
    Rule("sigmoid", _sigmoid, lambda u, y, F: y * (1 - y), r"\sigma", "sigmoid", activation=True,
         aliases=("σ", "logistic"),
         code=Code(_SIGMOID_SRC, None, "jax.nn.sigmoid", "torch.sigmoid"),
         definition=lambda u, F: 1 / (1 + F.exp(-u)), recognize=True,
         exact={0: Fraction(1, 2)}, signs=_positive, self_derivative=True),
    Rule("softplus", _softplus, lambda u, y, F: F.sigmoid(u), r"\operatorname{softplus}",
         "sigmoid", activation=True, code=Code("np.logaddexp(0, {u})", None, "jax.nn.softplus",
                              "torch.nn.functional.softplus"),
         definition=lambda u, F: F.log(1 + F.exp(u)), signs=_positive),
    Rule("logsigmoid", _logsigmoid, lambda u, y, F: F.sigmoid(-u),
         r"\operatorname{logsigmoid}", "sigmoid", aliases=("log_sigmoid",),
         code=Code("-np.logaddexp(0, -{u})", None, "jax.nn.log_sigmoid",
                   "torch.nn.functional.logsigmoid"),
         definition=lambda u, F: -F.log(1 + F.exp(-u)), signs=_negative),
    Rule("relu", _relu, lambda u, y, F: F.step(u), r"\operatorname{ReLU}", "piecewise",
         activation=True, aliases=("ReLU",),
         code=Code("np.maximum({u}, 0)", None, "jax.nn.relu", "torch.relu"),
         nondiff=(0.0,), nondiff_kind=CORNER, analytic=False, exact={0: 0},
         subgradient={0.0: 0}, signs=_relu_signs, exact_rational=lambda v: max(v, 0)),
    Rule("leaky_relu", _leaky_relu,
         lambda u, y, F: F.const(LEAKY_SLOPE) + (1 - F.const(LEAKY_SLOPE)) * F.step(u),
         r"\operatorname{leaky\_relu}", "piecewise", activation=True, aliases=("LeakyReLU",),
         latex_names=(r"\operatorname{LeakyReLU}",),
         code=Code("np.where({u} >= 0, {u}, 0.01 * {u})", None, "jax.nn.leaky_relu({u}, 0.01)",
                   "torch.nn.functional.leaky_relu({u}, 0.01)"),
         nondiff=(0.0,), nondiff_kind=CORNER, analytic=False, exact={0: 0},
         subgradient={0.0: LEAKY_SLOPE}, signs=_same_sign),
    Rule("elu", _elu, lambda u, y, F: F.exp(-F.relu(-u)), r"\operatorname{ELU}", "activation",
         activation=True, aliases=("ELU",),
         code=Code("np.where({u} > 0, {u}, np.expm1(np.minimum({u}, 0)))", None, "jax.nn.elu",
                   "torch.nn.functional.elu"),
         analytic=False, exact={0: 0}, signs=_same_sign),
    Rule("silu", _silu, lambda u, y, F: F.sigmoid(u) * (1 + u * (1 - F.sigmoid(u))),
         r"\operatorname{SiLU}", "activation", activation=True, aliases=("swish", "SiLU"),
         code=Code("{u} * " + _SIGMOID_SRC, None, "jax.nn.silu", "torch.nn.functional.silu"),
         through=lambda u, F: u * F.sigmoid(u), exact={0: 0}),
    Rule("gelu", _gelu,
         lambda u, y, F: (1 + F.erf(u / F.sqrt(2))) / 2
         + u * F.exp(-u**2 / 2) / F.sqrt(2 * F.pi),
         r"\operatorname{GELU}", "activation", activation=True, aliases=("GELU",),
         code=Code(f"0.5 * {{u}} * (1 + {_ERF_SRC}({{u}} / math.sqrt(2)))", None,
                   "jax.nn.gelu({u}, approximate=False)", "torch.nn.functional.gelu"),
         through=lambda u, F: u * (1 + F.erf(u / F.sqrt(2))) / 2, analytic=False,
         exact={0: 0}),
    Rule("gelu_tanh", _gelu_tanh, _gelu_tanh_deriv, r"\operatorname{gelu\_tanh}",
         "activation", activation=True,
         code=Code("0.5 * {u} * (1 + np.tanh(math.sqrt(2 / math.pi) * ({u} + 0.044715 * {u}**3)))",
                   None, "jax.nn.gelu({u}, approximate=True)",
                   "torch.nn.functional.gelu({u}, approximate='tanh')"),
         through=lambda u, F: u * (1 + F.tanh(_gelu_tanh_inner(u, F))) / 2, exact={0: 0}),
    Rule("softsign", _softsign, lambda u, y, F: 1 / (1 + F.abs(u)) ** 2,
         r"\operatorname{softsign}", "activation", activation=True,
         code=Code("{u} / (1 + np.abs({u}))", None, "jax.nn.soft_sign",
                   "torch.nn.functional.softsign"),
         through=lambda u, F: u / (1 + F.abs(u)), analytic=False, exact={0: 0},
         signs=_same_sign),
]

for _r in _R:
    register(_r)
