"""Reverse-mode behaviour: higher-order derivatives, backward twice, errors, no_grad,
anomaly detection, stability at extreme inputs, deep graphs."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import bibun.autodiff as ad
from bibun.autodiff import AnomalyError, AutodiffError, ShapeError, Tensor, grad


@pytest.mark.parametrize("x0", [-1.3, 0.0, 0.3, 2.0])
def test_tanh_derivatives_1_to_4_vs_sympy(x0):
    x = sp.Symbol("x")
    for n in range(1, 5):
        exact = float(sp.diff(sp.tanh(x), x, n).subs(x, x0))
        got = float(ad.derivative(ad.tanh, n)(x0))
        assert got == pytest.approx(exact, rel=1e-10, abs=1e-12), n


def test_tanh_derivatives_closed_forms():
    x0 = 0.7
    t = np.tanh(x0)
    s = 1 - t * t
    closed = [s, -2 * t * s, -2 * s * (1 - 3 * t * t), 8 * t * s * (2 - 3 * t * t)]
    f = ad.tanh
    for n, expected in enumerate(closed, start=1):
        f = grad(f)
        assert float(f(x0)) == pytest.approx(expected, rel=1e-12), f"derivative {n}"


def test_sigmoid_second_derivative_vs_sympy():
    x = sp.Symbol("x")
    sig = 1 / (1 + sp.exp(-x))
    for x0 in (-2.0, 0.5):
        assert float(ad.derivative(ad.sigmoid, 2)(x0)) == pytest.approx(
            float(sp.diff(sig, x, 2).subs(x, x0)), rel=1e-10)


def test_hessian_vs_sympy():
    x, y = sp.symbols("x y")
    expr = sp.sin(x * y) * (x**2 + y**2) + sp.exp(x - y)
    H = sp.hessian(expr, (x, y))
    p = np.array([0.4, -0.9])

    def f(v):
        a, b = v[0], v[1]
        return ad.sin(a * b) * (a**2 + b**2) + ad.exp(a - b)

    got = ad.hessian(f)(p).data
    want = np.array(H.subs({x: p[0], y: p[1]}), dtype=float)
    assert np.allclose(got, want, rtol=1e-10)


def test_hessian_through_structural_ops():
    x0 = np.array([0.2, -1.0, 0.5])
    H = ad.hessian(lambda v: ad.logsumexp(v, axis=0))(x0).data
    s = np.exp(x0) / np.exp(x0).sum()
    assert np.allclose(H, np.diag(s) - np.outer(s, s))


def test_newton_with_exact_second_derivative():
    f = lambda x: ad.cos(x) + 0.1 * x**2  # noqa: E731
    d1, d2 = grad(f), grad(grad(f))
    x = 2.0
    for _ in range(8):
        x = x - float(d1(x)) / float(d2(x))
    assert abs(-np.sin(x) + 0.2 * x) < 1e-12


def test_backward_twice_overwrites_and_accumulate_adds():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    first = x.grad.copy()
    y.backward()
    assert np.array_equal(x.grad, first)  # same, not doubled
    y.backward(accumulate=True)
    assert np.array_equal(x.grad, 2 * first)
    x.zero_grad()
    assert x.grad is None


def test_shared_node_gets_summed_gradient_once():
    x = Tensor(3.0, requires_grad=True)
    u = x * x
    y = u * u + u  # u used three times
    y.backward()
    assert float(x.grad) == pytest.approx(4 * 27 + 6)


def test_nonscalar_backward_needs_seed():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(AutodiffError, match=r"non-scalar tensor of shape \(2, 3\).*seed"):
        y.backward()
    y.backward(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))


def test_backward_without_requires_grad_is_clear():
    with pytest.raises(AutodiffError, match="does not require grad"):
        (Tensor(1.0) * 2).backward()


@pytest.mark.parametrize("fn,op,shapes", [
    (lambda a, b: a + b, "add", ("(3,)", "(4,)")),
    (lambda a, b: a * b, "mul", ("(3,)", "(4,)")),
])
def test_shape_errors_name_op_and_shapes(fn, op, shapes):
    a = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ShapeError) as e:
        fn(a, np.ones(4))
    msg = str(e.value)
    assert msg.startswith(op) and all(s in msg for s in shapes)


def test_matmul_shape_error():
    with pytest.raises(ShapeError, match=r"matmul: shapes \(2, 3\) and \(4, 2\).*3 and 4"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 2)))
    with pytest.raises(ShapeError, match="reshape"):
        Tensor(np.ones(6)).reshape(4, 2)
    with pytest.raises(ShapeError, match="concatenate"):
        ad.concatenate([np.ones((2, 3)), np.ones((3, 2))], axis=0)
    with pytest.raises(ShapeError, match="cross_entropy"):
        ad.cross_entropy(np.ones((2, 3)), np.array([0, 1, 2]))


def test_no_grad_builds_no_graph():
    x = Tensor(np.ones(3), requires_grad=True)
    with ad.no_grad():
        y = ad.tanh(x @ np.ones((3, 2))).sum() * 2
    assert not y.requires_grad and y._parents == () and y._vjp is None
    z = x * 2  # recording resumes after the block
    assert z.requires_grad and z._parents == (x,)


def test_anomaly_names_the_op_forward():
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    with ad.detect_anomaly(), pytest.raises(AnomalyError, match="forward pass of 'sqrt'"), \
            np.errstate(invalid="ignore"):
        (ad.sqrt(x * 2) + 1).sum()


def test_anomaly_names_the_op_backward():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    y = (ad.sqrt(x) * 0).sum()  # forward is finite; sqrt'(0) = inf meets g = 0 -> NaN
    with ad.detect_anomaly(), np.errstate(all="ignore"), \
            pytest.raises(AnomalyError, match="backward pass of 'sqrt'"):
        y.backward()


def test_stable_functions_at_extremes():
    big = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    for name in ("sigmoid", "softplus", "tanh"):
        x = Tensor(big, requires_grad=True)
        y = getattr(ad, name)(x)
        y.sum().backward()
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad)), name
    z = Tensor(np.array([[1000.0, -1000.0, 0.0], [-np.inf, 0.0, 1.0], [-1000.0, -1000.0, 5.0]]),
               requires_grad=True)
    loss = ad.cross_entropy(z, np.array([0, 2, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(z.grad))
    for fn in (lambda t: ad.logsumexp(t, axis=1).sum(), lambda t: (ad.softmax(t) * 3).sum(),
               lambda t: ad.log_softmax(t)[:, 2].sum()):
        z.zero_grad()
        fn(z).backward()
        assert np.all(np.isfinite(z.grad))
    b = Tensor(big, requires_grad=True)
    loss = ad.bce_with_logits(b, np.array([1.0, 0, 1, 0, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(b.grad))


def test_logsumexp_all_minus_inf_row():
    z = Tensor(np.array([[-np.inf, -np.inf], [0.0, -np.inf]]), requires_grad=True)
    out = ad.logsumexp(z, axis=1)
    assert out.data[0] == -np.inf and out.data[1] == 0
    out[1].backward()
    assert np.array_equal(z.grad, [[0, 0], [1, 0]])


def test_deep_chain_is_iterative():
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0 + 0.0
    y.backward()
    assert float(x.grad) == 1.0


def test_value_and_grad_multiple_args():
    f = lambda a, b: (a * b + ad.sin(a)).sum()  # noqa: E731
    v, (ga, gb) = ad.value_and_grad(f, argnums=(0, 1))(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert float(v) == pytest.approx(11 + np.sin(1) + np.sin(2))
    assert np.allclose(ga.data, [3 + np.cos(1), 4 + np.cos(2)])
    assert np.allclose(gb.data, [1, 2])


def test_grad_needs_scalar_output():
    with pytest.raises(AutodiffError, match="scalar output"):
        grad(lambda x: x * 2)(np.ones(3))


def test_gradcheck_reports_a_wrong_gradient():
    # a deliberately wrong vjp: report must say which input and fail
    from bibun.autodiff.tensor import make_node1

    def bad_square(x):
        return make_node1(x.data**2, x, lambda node, g, B: (g * 3 * B.v(node._parents[0]),),
                          None, "bad_square")

    report = ad.gradcheck(lambda x: bad_square(x).sum(), np.array([1.0, 2.0]), names=["x"])
    assert not report.ok
    assert "fails" in str(report) and "x" in str(report)


def test_scalar_leaves_and_tune_malloc():
    from bibun.autodiff.memory import tune_malloc

    x = Tensor(2.0, requires_grad=True)
    assert x.shape == () and float(x.data) == 2.0
    (x * x).backward()
    assert float(x.grad) == 4.0
    assert isinstance(tune_malloc(), bool)
