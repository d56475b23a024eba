"""Every autodiff op against PyTorch: value, reverse mode, forward mode (``torch.func.jvp``)
and second order (H·v by reverse-over-reverse and forward-over-reverse), in float64 and
float32, at ordinary inputs and at extreme ones (±1000, 0, the edges of the domain).
The comparison itself is ``tests/torch_oracle.py``; PyTorch is a test dependency."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bibun.autodiff as ad
from tests.torch_oracle import compare, torch

F = torch.nn.functional
DTYPES = [np.float64, np.float32]
R = np.random.default_rng(11)
BIG = [-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0]  # the whole real line, extremes included


def _recip(f):
    return lambda x: 1 / f(x)


def _tail(f, far):
    """``f`` written as 1/cosh or 1/sinh overflows at |x| = 1000 and its torch gradient
    is inf/inf = NaN there; beyond |x| > 20 use the exponential form ``far`` (torch.where
    masks the branch not taken, in every order)."""
    def g(x):
        big = x.abs() > 20
        near = torch.where(big, torch.ones_like(x), x)  # the branch not taken gets a
        away = torch.where(big, x, torch.full_like(x, 25.0))  # harmless input, no NaN
        return torch.where(big, far(away), 1 / f(near))

    return g


def _sech_far(x):
    return 2 * torch.exp(-x.abs()) / (1 + torch.exp(-2 * x.abs()))


def _csch_far(x):
    return 2 * torch.sign(x) * torch.exp(-x.abs()) / (1 - torch.exp(-2 * x.abs()))


# name: (torch function, ordinary interval, extreme points in the domain)
UNARY = {
    "sin": (torch.sin, (-3, 3), BIG),
    "cos": (torch.cos, (-3, 3), BIG),
    "tan": (torch.tan, (-1.4, 1.4), [-1.5, 0.0, 1.5, 1000.0]),
    "exp": (torch.exp, (-3, 3), BIG),
    "expm1": (torch.expm1, (-3, 3), BIG),
    "log": (torch.log, (0.1, 5), [0.0, 1e-6, 1.0, 1000.0]),
    "log1p": (torch.log1p, (-0.9, 5), [-1.0, -0.999, 0.0, 1000.0]),
    "sqrt": (torch.sqrt, (0.1, 5), [0.0, 1e-6, 1000.0]),
    "abs": (torch.abs, (-3, 3), BIG),
    "sinh": (torch.sinh, (-3, 3), BIG),
    "cosh": (torch.cosh, (-3, 3), BIG),
    "tanh": (torch.tanh, (-3, 3), BIG),
    "arcsin": (torch.asin, (-0.9, 0.9), [-1.0, -0.999, 0.0, 0.999, 1.0]),
    "arccos": (torch.acos, (-0.9, 0.9), [-1.0, -0.999, 0.0, 0.999, 1.0]),
    "arctan": (torch.atan, (-3, 3), BIG),
    "arcsinh": (torch.asinh, (-3, 3), BIG),
    "arccosh": (torch.acosh, (1.1, 5), [1.0, 1.001, 1000.0]),
    "arctanh": (torch.atanh, (-0.9, 0.9), [-1.0, -0.999, 0.0, 0.999, 1.0]),
    "sec": (_recip(torch.cos), (-1.4, 1.4), [-1.0, 0.0, 1000.0]),
    "csc": (_recip(torch.sin), (0.2, 3), [1e-3, 1.0, 1000.0]),
    "cot": (_recip(torch.tan), (0.2, 1.4), [0.0, 1.0, 1000.0]),
    "sech": (_tail(torch.cosh, _sech_far), (-3, 3), BIG),
    "csch": (_tail(torch.sinh, _csch_far), (0.2, 3), [-1000.0, -1.0, 1e-3, 1.0, 1000.0]),
    "coth": (_recip(torch.tanh), (0.2, 3), [-1000.0, -1.0, 1.0, 30.0, 1000.0]),
    "arccot": (lambda x: math.pi / 2 - torch.atan(x), (-3, 3), BIG),
    "erf": (torch.erf, (-3, 3), BIG),
    "sigmoid": (torch.sigmoid, (-3, 3), BIG),
    "softplus": (F.softplus, (-3, 3), BIG),
    "logsigmoid": (F.logsigmoid, (-3, 3), BIG),
    "relu": (torch.relu, (-3, 3), BIG),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.01), (-3, 3), BIG),
    "elu": (F.elu, (-3, 3), BIG),
    "gelu": (F.gelu, (-3, 3), BIG),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), (-3, 3), BIG),
    "silu": (F.silu, (-3, 3), BIG),
    "softsign": (F.softsign, (-3, 3), BIG),
    "sign": (torch.sign, (-3, 3), BIG),
    "step": (lambda x: (x >= 0).to(x.dtype) + 0 * x, (-3, 3), BIG),  # heaviside: no grad
    "floor": (torch.floor, (-3, 3), BIG),
    "ceil": (torch.ceil, (-3, 3), BIG),
    "round": (torch.round, (-3, 3), BIG),
    "trunc": (torch.trunc, (-3, 3), BIG),
    "square": (torch.square, (-3, 3), BIG),
    "reciprocal": (torch.reciprocal, (0.2, 3), [-1000.0, -1.0, 0.0, 1.0, 1000.0]),
    "log2": (torch.log2, (0.1, 5), [0.0, 1e-6, 1.0, 1000.0]),
    "log10": (torch.log10, (0.1, 5), [0.0, 1e-6, 1.0, 1000.0]),
    "exp2": (torch.exp2, (-3, 3), BIG),
    "cbrt": (lambda x: torch.sign(x) * torch.abs(x) ** (1 / 3), (0.2, 3), [1e-6, 1.0, 1000.0]),
}


def _points(name: str, kind: str) -> np.ndarray:
    _, (lo, hi), extreme = UNARY[name]
    if kind == "extreme":
        return np.array(extreme)
    return R.uniform(lo, hi, 5)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("kind", ["ordinary", "extreme"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_elementwise_matches_pytorch(name, dtype, kind):
    compare(getattr(ad, name), UNARY[name][0], [_points(name, kind)], dtype,
            what=f"{name} ({kind})")


def test_softplus_beta_matches_pytorch():
    for dtype in DTYPES:
        compare(lambda x: ad.softplus(x, beta=2.5), lambda x: F.softplus(x, beta=2.5),
                [np.array(BIG)], dtype, what="softplus beta=2.5")


A = R.standard_normal((3, 4))
B = R.standard_normal((3, 4))
POS = R.uniform(0.5, 2.0, (3, 4))
ROW = R.standard_normal(4)

# name: (bibun, torch, inputs); inputs broadcast where the op broadcasts
BINARY = {
    "add": (lambda a, b: a + b, torch.add, [A, ROW]),
    "sub": (lambda a, b: a - b, torch.sub, [ROW, A]),
    "mul": (lambda a, b: a * b, torch.mul, [A, B]),
    "div": (lambda a, b: a / b, torch.div, [A, POS]),
    "pow": (lambda a, b: a ** b, torch.pow, [POS, B]),
    "pow_const": (lambda a: a ** 3, lambda a: a ** 3, [A]),
    "rpow_const": (lambda a: 2.0 ** a, lambda a: 2.0 ** a, [A]),
    "rdiv_const": (lambda a: 3.0 / a, lambda a: 3.0 / a, [POS]),
    "maximum": (ad.maximum, torch.maximum, [A, B]),
    "minimum": (ad.minimum, torch.minimum, [A, ROW]),
    "hypot": (ad.hypot, torch.hypot, [A, B]),
    "arctan2": (ad.arctan2, torch.atan2, [A, B]),
    "matmul": (lambda a, b: a @ b, torch.matmul, [A, B.T]),
    "matmul_vec": (lambda a, b: a @ b, torch.matmul, [A, ROW]),
    "linear": (ad.linear, lambda x, w, b: x @ w + b, [A, B.T, R.standard_normal(3)]),
    "where": (lambda a, b: ad.where(A > 0, a, b), lambda a, b: torch.where(
        torch.tensor(A > 0), a, b), [A, B]),
    "clip": (lambda a: ad.clip(a, -0.5, 0.7), lambda a: torch.clamp(a, -0.5, 0.7), [A]),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_and_matrix_ops_match_pytorch(name, dtype):
    bfn, tfn, xs = BINARY[name]
    compare(bfn, tfn, xs, dtype, what=name)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_binary_ops_at_extremes_match_pytorch(dtype):
    big = np.array(BIG)
    other = np.array([1000.0, -1.0, 1.0, 0.0, -30.0, 0.0, -1000.0])
    for name in ("add", "mul", "maximum", "minimum", "hypot", "arctan2"):
        bfn, tfn, _ = BINARY[name]
        # torch's atan2 masks 1/r² at the origin in reverse mode (gradient 0) but not in
        # its jvp (NaN): bibun gives 0 in both, checked below
        compare(bfn, tfn, [big, other], dtype, what=f"{name} at extremes",
                forward=name != "arctan2")
    zero = np.zeros(1, dtype=dtype)
    assert ad.jvp(ad.arctan2, [zero, zero], [zero + 1, zero + 1])[1] == 0
    compare(lambda a: ad.clip(a, -1.0, 1.0), lambda a: torch.clamp(a, -1.0, 1.0), [big],
            dtype, what="clip at its bounds")


SQ = R.standard_normal((4, 4))
X3 = R.standard_normal((2, 3, 4))

# name: (bibun, torch, inputs)
STRUCTURAL = {
    "sum_axis": (lambda x: ad.sum(x, axis=1), lambda x: x.sum(1), [A]),
    "sum_keepdims": (lambda x: ad.sum(x, axis=0, keepdims=True),
                     lambda x: x.sum(0, keepdim=True), [A]),
    "mean": (lambda x: ad.mean(x, axis=(0, 2)), lambda x: x.mean((0, 2)), [X3]),
    "max_axis": (lambda x: ad.max(x, axis=1), lambda x: x.amax(1), [A]),
    "min_all": (ad.min, torch.amin, [A]),
    "logsumexp": (lambda x: ad.logsumexp(x, axis=-1), lambda x: torch.logsumexp(x, -1), [A]),
    "softmax": (lambda x: ad.softmax(x, axis=0), lambda x: torch.softmax(x, 0), [A]),
    "log_softmax": (ad.log_softmax, lambda x: torch.log_softmax(x, -1), [X3]),
    "var": (lambda x: ad.var(x, axis=1, ddof=1), lambda x: torch.var(x, 1, correction=1), [A]),
    "std": (lambda x: ad.std(x, axis=0), lambda x: torch.std(x, 0, correction=0), [A]),
    "prod": (lambda x: ad.prod(x, axis=1), lambda x: torch.prod(x, 1), [A]),
    "cumsum": (lambda x: ad.cumsum(x, axis=1), lambda x: torch.cumsum(x, 1), [A]),
    "reshape": (lambda x: ad.reshape(x, (4, 3)), lambda x: x.reshape(4, 3), [A]),
    "transpose": (lambda x: ad.transpose(x, (2, 0, 1)), lambda x: x.permute(2, 0, 1), [X3]),
    "broadcast_to": (lambda x: ad.broadcast_to(x, (2, 3, 4)), lambda x: x.expand(2, 3, 4),
                     [A]),
    "getitem": (lambda x: x[1:, ::2], lambda x: x[1:, ::2], [A]),
    "getitem_fancy": (lambda x: x[np.array([0, 2, 0])], lambda x: x[[0, 2, 0]], [A]),
    "concatenate": (lambda a, b: ad.concatenate([a, b], axis=1),
                    lambda a, b: torch.cat([a, b], 1), [A, B]),
    "stack": (lambda a, b: ad.stack([a, b], axis=1), lambda a, b: torch.stack([a, b], 1),
              [A, B]),
    "squeeze": (lambda x: ad.squeeze(x[:, :1]), lambda x: x[:, :1].squeeze(), [A]),
    "expand_dims": (lambda x: ad.expand_dims(x, 1), lambda x: x.unsqueeze(1), [A]),
    "flip": (lambda x: ad.flip(x, 1), lambda x: torch.flip(x, (1,)), [A]),
    "moveaxis": (lambda x: ad.moveaxis(x, 0, -1), lambda x: torch.movedim(x, 0, -1), [X3]),
    "swapaxes": (lambda x: ad.swapaxes(x, 0, 2), lambda x: x.transpose(0, 2), [X3]),
    "repeat": (lambda x: ad.repeat(x, 2, axis=0), lambda x: x.repeat_interleave(2, 0), [A]),
    "tile": (lambda x: ad.tile(x, (2, 1)), lambda x: x.tile((2, 1)), [A]),
    "pad": (lambda x: ad.pad(x, ((1, 0), (0, 2))), lambda x: F.pad(x, (0, 2, 1, 0)), [A]),
    "dot": (ad.dot, torch.dot, [ROW, A[0]]),
    "outer": (ad.outer, torch.outer, [ROW, A[:, 0]]),
    "trace": (ad.trace, torch.trace, [SQ]),
    "diag": (ad.diag, torch.diag, [SQ]),
    "diag_vector": (ad.diag, torch.diag, [ROW]),
    "triu": (lambda x: ad.triu(x, 1), lambda x: torch.triu(x, 1), [SQ]),
    "tril": (ad.tril, torch.tril, [SQ]),
    "einsum": (lambda a, b: ad.einsum("ij,kj->ik", a, b),
               lambda a, b: torch.einsum("ij,kj->ik", a, b), [A, B]),
    "tensordot": (lambda a, b: ad.tensordot(a, b, ([1, 2], [0, 1])),
                  lambda a, b: torch.tensordot(a, b, ([1, 2], [0, 1])), [X3, A]),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", sorted(STRUCTURAL))
def test_reductions_and_shape_ops_match_pytorch(name, dtype):
    bfn, tfn, xs = STRUCTURAL[name]
    compare(bfn, tfn, xs, dtype, what=name)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_stable_ops_at_extremes_match_pytorch(dtype):
    x = np.array([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, 1000.0], [-1000.0, -1000.0, -30.0]])
    compare(lambda v: ad.logsumexp(v, axis=-1), lambda v: torch.logsumexp(v, -1), [x], dtype,
            what="logsumexp ±1000")
    compare(lambda v: ad.softmax(v, axis=-1), lambda v: torch.softmax(v, -1), [x], dtype,
            what="softmax ±1000")
    compare(ad.log_softmax, lambda v: torch.log_softmax(v, -1), [x], dtype,
            what="log_softmax ±1000")
    compare(lambda v: ad.prod(v, axis=1), lambda v: torch.prod(v, 1),
            [np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, -2.0, 0.5]])], dtype,
            what="prod with zero factors")
    compare(lambda v: ad.var(v, axis=1), lambda v: torch.var(v, 1, correction=0),
            [np.array([[1000.0, -1000.0, 1.0], [2.0, 2.0, 2.0]])], dtype,
            what="var, one row constant")


# -- Hypothesis: random compositions of ops, value and derivatives against torch --------

PIECES = ["sin", "tanh", "sigmoid", "softplus", "exp", "arctan", "gelu", "silu", "erf",
          "square", "log1p_abs", "mul", "add", "div", "maximum", "logsumexp"]


def _apply(lib: str, k: str, z, a):
    """One step of the composition in bibun (``lib="ad"``) or torch."""
    if lib == "ad":
        table = {"log1p_abs": lambda: ad.log1p(ad.abs(z)), "mul": lambda: z * a,
                 "add": lambda: z + a, "div": lambda: z / (1 + a * a),
                 "maximum": lambda: ad.maximum(z, a),
                 "logsumexp": lambda: ad.logsumexp(ad.stack([z, a]), axis=0)}
        return table[k]() if k in table else getattr(ad, k)(z)
    table = {"log1p_abs": lambda: torch.log1p(torch.abs(z)), "mul": lambda: z * a,
             "add": lambda: z + a, "div": lambda: z / (1 + a * a),
             "maximum": lambda: torch.maximum(z, a),
             "logsumexp": lambda: torch.logsumexp(torch.stack([z, a]), 0),
             "exp": lambda: torch.exp(z), "square": lambda: z * z}
    if k in table:
        return table[k]()
    return UNARY[k][0](z)


@settings(max_examples=25, deadline=None)
@given(chain=st.lists(st.sampled_from(PIECES), min_size=1, max_size=5),
       dtype=st.sampled_from(DTYPES),
       a0=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
       b0=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_random_compositions_match_pytorch(chain, dtype, a0, b0):
    def build(lib):
        def f(a, b):
            z = a * b
            for k in chain:
                z = _apply(lib, k, z, a)
                if k == "exp":  # keep the chain's values in a range both dtypes resolve
                    z = _apply(lib, "tanh", z, a)
            return z

        return f

    compare(build("ad"), build("torch"), [np.array(a0), np.array(b0)], dtype,
            what=" ∘ ".join(chain))


# -- maximum / minimum where the other branch is inf or NaN -------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_gradient_at_inf_and_nan_matches_pytorch(name, dtype):
    """The operand not chosen gets exactly 0 even when the incoming gradient is inf or NaN
    (PyTorch masks, it does not multiply by 0), and a NaN operand gives both operands the
    whole gradient (PyTorch's masks a < b and a > b are both false there); ties split."""
    nan, inf = np.nan, np.inf
    a = np.array([1.0, 2.0, nan, 1.0, inf, nan, -inf, 3.0, 0.0], dtype=dtype)
    b = np.array([2.0, 1.0, 1.0, nan, inf, nan, 0.0, 3.0, -0.0], dtype=dtype)
    seed = np.array([inf, nan, 2.0, -1.0, inf, 1.0, nan, -inf, 5.0], dtype=dtype)
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    tout = getattr(torch, name)(ta, tb)
    tout.backward(torch.tensor(seed))
    xa, xb = ad.Tensor(a, requires_grad=True), ad.Tensor(b, requires_grad=True)
    with np.errstate(invalid="ignore"):
        out = getattr(ad, name)(xa, xb)
        out.backward(seed)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    np.testing.assert_array_equal(xa.grad, ta.grad.numpy())
    np.testing.assert_array_equal(xb.grad, tb.grad.numpy())
    assert xa.grad.dtype == dtype


def test_maximum_with_an_infinite_slope_on_the_other_side_matches_pytorch():
    """log(max(x, 0)): at x = −1 the log's slope is inf, and max sends none of it to x
    (PyTorch 0; 0·inf would be NaN) — also in the recorded pass and in forward mode."""
    x = np.array([-1.0, 2.0])
    tx = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.log(torch.maximum(tx, torch.tensor(0.0,
                                dtype=torch.float64))).sum(), tx)
    with np.errstate(divide="ignore"):
        def f(v):
            return ad.sum(ad.log(ad.maximum(v, 0.0)))
        got = ad.grad(f)(x)
        t = ad.Tensor(x, requires_grad=True)
        f(t).backward(create_graph=True)
    np.testing.assert_array_equal(np.asarray(got.data), tg.numpy())
    np.testing.assert_array_equal(np.asarray(t.grad.data), tg.numpy())


def test_maximum_jvp_ignores_the_tangent_of_the_operand_not_chosen():
    """Forward mode is the transpose of the reverse rule above: an inf tangent on the side
    not chosen contributes 0.  (torch.func.jvp computes tb + w·(ta − tb), which is NaN
    there although its own gradient is exact: bibun keeps jvp = vjpᵀ.)"""
    a, b = np.array([1.0, 5.0, 2.0]), np.array([3.0, 0.0, 2.0])
    ta, tb = np.array([np.inf, 1.0, 4.0]), np.array([2.0, np.inf, 2.0])
    _, tangent = ad.jvp(ad.maximum, [a, b], [ta, tb])
    np.testing.assert_array_equal(tangent, [2.0, 1.0, 3.0])
    _, t_ref = torch.func.jvp(torch.maximum, tuple(map(torch.tensor, (a, b))),
                              tuple(map(torch.tensor, (ta, tb))))
    assert np.isnan(t_ref.numpy()[:2]).all() and t_ref.numpy()[2] == 3.0
