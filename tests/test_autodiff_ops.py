"""Every op's vjp (reverse) and jvp (forward, dual numbers) against central differences;
elementwise ops also against the rule table's own derivative."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import Dual, Tensor, gradcheck, jvp
from bibun.functions import RULES, numpy_derivative

RNG = np.random.default_rng(1234)


def numeric_directional(f, xs, ts, h=1e-6):
    """(f(x + h t) - f(x - h t)) / 2h for a scalar function of several arrays."""
    up = f(*[Tensor(x + h * t) for x, t in zip(xs, ts)]).item()
    down = f(*[Tensor(x - h * t) for x, t in zip(xs, ts)]).item()
    return (up - down) / (2 * h)


def check(f, *xs, rtol=1e-5, atol=1e-7):
    """Reverse mode by gradcheck, forward mode by jvp, and the two against each other."""
    xs = [np.asarray(x, dtype=np.float64) for x in xs]
    report = gradcheck(f, *xs, rtol=rtol, atol=atol)
    assert report.ok, str(report)
    ts = [RNG.standard_normal(x.shape) for x in xs]
    _, tangent = jvp(f, xs, ts)
    expected = numeric_directional(f, xs, ts)
    assert np.allclose(tangent, expected, rtol=1e-5, atol=1e-7), (tangent, expected)
    out, pullback = ad.vjp(f, *xs)
    grads = pullback(np.ones(()))
    rev = sum(float((g.data * t).sum()) for g, t in zip(grads, ts))
    assert np.isclose(rev, float(tangent), rtol=1e-8, atol=1e-10)


def weighted(op, shape_seed=0):
    """Make an op scalar-valued with fixed random weights, so every output entry counts."""
    cache = {}

    def f(*args):
        y = op(*args)
        if y.shape not in cache:
            cache[y.shape] = np.random.default_rng(shape_seed).standard_normal(y.shape)
        return (y * cache[y.shape]).sum()

    return f


# -- elementwise functions: straight from the rule table -------------------------------

ELEMENTWISE = sorted({r.name for r in RULES.values()})


def _points(name):
    lo, hi = RULES[name].typical  # inside the domain, away from corners and poles
    return np.linspace(lo, hi, 3)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_vjp_jvp_numeric(name):
    fn = getattr(ad, name)
    check(weighted(fn), _points(name))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_matches_rule_table(name):
    u = _points(name)
    x = Tensor(u, requires_grad=True)
    getattr(ad, name)(x).sum().backward()
    expected = np.broadcast_to(numpy_derivative(name, u), u.shape)
    assert np.allclose(x.grad, expected, rtol=1e-12)
    d = getattr(Dual(u, np.ones_like(u)), name)()
    assert np.allclose(d.tangent, expected, rtol=1e-12)


# -- arithmetic with broadcasting ---------------------------------------------------------

PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1)), ((), (5,))]


@pytest.mark.parametrize("sa,sb", PAIRS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_binary_broadcasting(op, sa, sb):
    a = RNG.uniform(0.5, 1.5, sa)
    b = RNG.uniform(0.5, 1.5, sb)
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "pow": lambda x, y: x ** y}[op]
    check(weighted(fn), a, b)


def test_broadcast_gradient_has_the_input_shape():
    a = Tensor(np.ones((3, 1)), requires_grad=True)
    b = Tensor(np.ones(4), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and np.all(a.grad == 4)
    assert b.grad.shape == (4,) and np.all(b.grad == 3)


@pytest.mark.parametrize("fn", [
    lambda x: x + 2.5, lambda x: 2.5 + x, lambda x: x - 1, lambda x: 3 - x, lambda x: x * 3,
    lambda x: -2 * x, lambda x: x / 4, lambda x: 2 / x, lambda x: x ** 3, lambda x: x ** 0.5,
    lambda x: 2.0 ** x, lambda x: -x, lambda x: abs(x - 0.1),
])
def test_scalar_constant_ops(fn):
    check(weighted(fn), RNG.uniform(0.5, 1.5, (2, 3)))


# -- structural ops -------------------------------------------------------------------------

STRUCTURAL = {
    "matmul 2d": (lambda a, b: a @ b, [(3, 4), (4, 5)]),
    "matmul vec-mat": (lambda a, b: a @ b, [(4,), (4, 5)]),
    "matmul mat-vec": (lambda a, b: a @ b, [(3, 4), (4,)]),
    "matmul batched": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "matmul batch-broadcast": (lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    "linear": (lambda x, W, b: ad.linear(x, W, b), [(3, 4), (4, 5), (5,)]),
    "linear no bias": (lambda x, W: ad.linear(x, W), [(3, 4), (4, 5)]),
    "linear batched falls back": (lambda x, W, b: ad.linear(x, W, b), [(2, 3, 4), (4, 5), (5,)]),
    "sum all": (lambda a: a.sum(), [(3, 4)]),
    "sum axis0": (lambda a: a.sum(axis=0), [(3, 4)]),
    "sum axis-1 keepdims": (lambda a: a.sum(axis=-1, keepdims=True), [(3, 4)]),
    "sum axes (0,2)": (lambda a: a.sum(axis=(0, 2)), [(2, 3, 4)]),
    "mean axis1": (lambda a: a.mean(axis=1), [(3, 4)]),
    "mean all": (lambda a: a.mean(), [(3, 4)]),
    "max axis1": (lambda a: a.max(axis=1), [(3, 4)]),
    "max all": (lambda a: a.max(), [(3, 4)]),
    "min axis0 keepdims": (lambda a: a.min(axis=0, keepdims=True), [(3, 4)]),
    "reshape": (lambda a: a.reshape(4, 3), [(3, 4)]),
    "reshape -1": (lambda a: a.reshape(-1), [(2, 3, 2)]),
    "transpose": (lambda a: a.transpose(), [(3, 4)]),
    "transpose axes": (lambda a: a.transpose(1, 2, 0), [(2, 3, 4)]),
    "T": (lambda a: a.T, [(3, 4)]),
    "getitem slice": (lambda a: a[1:, ::2], [(3, 4)]),
    "getitem int": (lambda a: a[1], [(3, 4)]),
    "getitem fancy repeats": (lambda a: a[np.array([0, 2, 0, 0])], [(3, 4)]),
    "getitem pairs": (lambda a: a[np.array([0, 1, 2]), np.array([3, 3, 0])], [(3, 4)]),
    "getitem bool": (lambda a: a[np.array([True, False, True])], [(3, 4)]),
    "concatenate": (lambda a, b: ad.concatenate([a, b], axis=1), [(3, 2), (3, 4)]),
    "stack": (lambda a, b: ad.stack([a, b], axis=1), [(3, 4), (3, 4)]),
    "where": (lambda a, b: ad.where(np.array([[True, False, True, False]]), a, b),
              [(3, 4), (3, 4)]),
    "broadcast_to": (lambda a: a.broadcast_to((2, 3, 4)), [(3, 1)]),
    "sum_to": (lambda a: a.sum_to((3, 1)), [(2, 3, 4)]),
    "logsumexp": (lambda a: ad.logsumexp(a, axis=1), [(3, 4)]),
    "logsumexp axis0 keep": (lambda a: ad.logsumexp(a, axis=0, keepdims=True), [(3, 4)]),
    "softmax": (lambda a: ad.softmax(a, axis=-1), [(3, 4)]),
    "softmax axis0": (lambda a: ad.softmax(a, axis=0), [(3, 4)]),
    "log_softmax": (lambda a: ad.log_softmax(a), [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(STRUCTURAL))
def test_structural_vjp_jvp_numeric(name):
    fn, shapes = STRUCTURAL[name]
    xs = [RNG.standard_normal(s) for s in shapes]
    check(weighted(fn), *xs)


@pytest.mark.parametrize("target", ["labels", "probs"])
def test_cross_entropy(target):
    t = np.array([0, 3, 1]) if target == "labels" else RNG.dirichlet(np.ones(4), 3)
    check(lambda z: ad.cross_entropy(z, t), RNG.standard_normal((3, 4)))


def test_bce_with_logits_and_mse():
    t = RNG.integers(0, 2, (5, 2)).astype(float)
    check(lambda z: ad.bce_with_logits(z, t), RNG.standard_normal((5, 2)) * 3)
    check(lambda z: ad.mse_loss(z, t), RNG.standard_normal((5, 2)))


def test_cross_entropy_matches_composite():
    z = Tensor(RNG.standard_normal((4, 5)), requires_grad=True)
    y = np.array([1, 0, 4, 2])
    ad.cross_entropy(z, y).backward()
    fused = z.grad.copy()
    logp = ad.log_softmax(z)
    loss = -logp[np.arange(4), y].mean()
    loss.backward()
    assert np.allclose(fused, z.grad)


def test_jacobian_forward_equals_reverse():
    f = lambda x: ad.softmax(x * 2.0) * ad.tanh(x)  # noqa: E731
    x = RNG.standard_normal(4)
    jr = ad.jacobian(f)(x).data
    jf = ad.jacobian(f, mode="fwd")(x).data
    assert jr.shape == (4, 4)
    assert np.allclose(jr, jf)


def test_float32_stays_float32():
    x = Tensor(RNG.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    W = Tensor(RNG.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    h = ad.relu(x @ W * 2.0 + 1.0)
    loss = ad.cross_entropy(ad.sigmoid(h) + ad.tanh(h), np.array([0, 1, 1, 0]))
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and W.grad.dtype == np.float32


def test_model_runs_in_forward_mode():
    from bibun import nn

    model = nn.MLP([3, 4, 2], rng=0)
    x = RNG.standard_normal((5, 3))
    f = lambda v: (model(v) ** 2).sum()  # noqa: E731
    jf = ad.jacobian(f, mode="fwd")(x).data
    jr = ad.jacobian(f, mode="rev")(x).data
    assert np.allclose(jf, jr)
