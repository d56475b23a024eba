"""Nested derivatives (issue 13, item 1) and the no-silent-detachment fixes (items 2, 3).

Oracles: closed forms, SymPy, and central differences (of central differences)."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import bibun.autodiff as ad
from bibun.autodiff import AutodiffError, ShapeError, Tensor


def val(t):
    return np.asarray(t.data if isinstance(t, Tensor) else t, dtype=float)


def test_jacobian_of_grad_in_either_argument():
    f = lambda a, b: ad.sum(a * b ** 2)  # noqa: E731
    assert val(ad.jacobian(ad.grad(f, 0), 1)([2.0], [3.0])) .tolist() == [[6.0]]
    assert val(ad.jacobian(ad.grad(f, 1), 0)([2.0], [3.0])) .tolist() == [[6.0]]
    assert val(ad.jacobian(ad.grad(f, 1), 1)([2.0], [3.0])) .tolist() == [[4.0]]


def test_closure_over_outer_variable_no_perturbation_confusion():
    assert val(ad.grad(lambda x: x * ad.grad(lambda y: x * y)(2.0))(1.0)) == 2.0
    # the inner variable is the outer one's value: d/dy (x·y) = x, then d/dx x = 1
    assert val(ad.grad(lambda x: ad.grad(lambda y: x * y)(x))(1.0)) == 1.0
    # forward mode, both levels Duals first
    assert val(ad.jvp(lambda x: ad.jvp(lambda y: x * y, [2.0], [1.0])[1],
                      [1.0], [1.0])[1]) == 1.0
    assert val(ad.grad(lambda x: ad.jvp(lambda y: x * y, [2.0], [1.0])[1])(1.0)) == 1.0


F = lambda x: ad.sum(ad.sin(x) * x ** 2 + ad.exp(0.3 * x) * x[0])  # noqa: E731


def _fnp(x):
    return np.sum(np.sin(x) * x ** 2 + np.exp(0.3 * x) * x[0])


def _hess_cd(x, h=1e-4):
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            e_i, e_j = np.eye(n)[i] * h, np.eye(n)[j] * h
            H[i, j] = (_fnp(x + e_i + e_j) - _fnp(x + e_i - e_j) - _fnp(x - e_i + e_j)
                       + _fnp(x - e_i - e_j)) / (4 * h * h)
    return H


X = np.array([0.3, -0.7, 1.1])
V = np.array([1.0, 2.0, -0.5])


def test_hessians_agree_and_match_central_differences():
    H_fwd = val(ad.hessian(F)(X))
    H_rev = val(ad.hessian(F, mode="rev")(X))
    np.testing.assert_allclose(H_fwd, H_rev, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H_fwd, H_fwd.T, rtol=1e-12, atol=1e-12)  # mixed partials
    np.testing.assert_allclose(H_fwd, _hess_cd(X), rtol=1e-5, atol=1e-5)


def test_hvp_and_forward_over_reverse_equal_hessian_times_v():
    H = val(ad.hessian(F, mode="rev")(X))
    np.testing.assert_allclose(val(ad.hvp(F, X, V)), H @ V, rtol=1e-12)
    np.testing.assert_allclose(val(ad.jvp(ad.grad(F), [X], [V])[1]), H @ V, rtol=1e-12)
    # reverse-over-forward: grad of (x ↦ ∇f(x)·v) by jvp is H·v too
    rof = ad.grad(lambda x: ad.jvp(F, [x], [V])[1])(X)
    np.testing.assert_allclose(val(rof), H @ V, rtol=1e-12)


def test_jvp_equals_vjp_transposed():
    g = lambda x: ad.tanh(x) * ad.sum(x ** 2)  # noqa: E731
    u = np.array([0.5, -1.0, 2.0])
    _, tan = ad.jvp(g, [X], [V])
    _, pull = ad.vjp(g, X)
    assert float(u @ val(tan)) == pytest.approx(float(val(pull(u)[0]) @ V), rel=1e-12)


def test_pullback_is_differentiable_in_cotangent():
    f = lambda x: ad.sin(x) * x ** 2  # noqa: E731
    d = ad.grad(lambda v: ad.vjp(f, X)[1](v)[0].sum())(np.ones(3))
    np.testing.assert_allclose(val(d), val(ad.jacobian(f)(X)).sum(axis=1), rtol=1e-12)


def test_jvp_of_jvp_and_grad_of_jvp_closed_form():
    g = lambda x: ad.sin(x) * ad.exp(x)  # noqa: E731  g'' = 2 e^x cos x
    want = 2 * np.exp(0.5) * np.cos(0.5)
    assert val(ad.grad(lambda x: ad.jvp(g, [x], [1.0])[1])(0.5)) == pytest.approx(want)
    assert val(ad.jvp(lambda x: ad.jvp(g, [x], [1.0])[1], [0.5], [1.0])[1]) == \
        pytest.approx(want)
    # third order, all three mixes
    want3 = 2 * np.exp(0.5) * (np.cos(0.5) - np.sin(0.5))
    d3 = ad.jvp(ad.grad(lambda x: ad.jvp(g, [x], [1.0])[1]), [0.5], [1.0])[1]
    assert val(d3) == pytest.approx(want3)


def test_third_derivative_matches_sympy():
    s = sp.Symbol("s")
    expr = sp.tanh(s) * sp.sin(s) ** 2
    want = float(sp.diff(expr, s, 3).subs(s, 0.4))
    f = lambda x: ad.tanh(x) * ad.sin(x) ** 2  # noqa: E731
    assert val(ad.grad(ad.grad(ad.grad(f)))(0.4)) == pytest.approx(want, rel=1e-10)
    mixed = ad.jvp(ad.grad(ad.grad(f)), [0.4], [1.0])[1]
    assert val(mixed) == pytest.approx(want, rel=1e-10)


UNARY = [("sin", np.sin), ("tanh", np.tanh), ("exp", np.exp), ("sigmoid",
         lambda v: 1 / (1 + np.exp(-v)))]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(range(len(UNARY))), min_size=1, max_size=3),
       st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_random_compositions_mixed_partials(chain, a0, b0):
    def f(a, b):
        z = a * b
        for k in chain:
            z = getattr(ad, UNARY[k][0])(z) + a
        return z

    def fnp(a, b):
        z = a * b
        for k in chain:
            z = UNARY[k][1](z) + a
        return z

    h = 1e-4
    cd = (fnp(a0 + h, b0 + h) - fnp(a0 + h, b0 - h) - fnp(a0 - h, b0 + h)
          + fnp(a0 - h, b0 - h)) / (4 * h * h)
    ab = val(ad.grad(ad.grad(f, 0), 1)(a0, b0))
    ba = val(ad.grad(ad.grad(f, 1), 0)(a0, b0))
    fr = val(ad.jvp(lambda b: ad.grad(f, 0)(a0, b), [b0], [1.0])[1])
    assert ab == pytest.approx(ba, rel=1e-9, abs=1e-9)
    assert ab == pytest.approx(fr, rel=1e-9, abs=1e-9)
    assert ab == pytest.approx(cd, rel=1e-4, abs=1e-5)


def test_lists_of_tensors_stack_or_refuse():
    assert val(ad.grad(lambda x: ad.mean([x, x + 2]))(1.0)) == 1.0
    assert val(ad.grad(lambda x: ad.sum([[x, 2.0], [x * x, 1.0]]))(3.0)) == 7.0
    with pytest.raises(AutodiffError, match="ad.stack"):
        ad.grad(lambda x: Tensor([x, 1.0]).sum())(1.0)
    assert Tensor([Tensor(1.0), 2.0]).shape == (2,)  # constants are fine


def test_dual_into_grad_is_a_bibun_error():
    with pytest.raises(AutodiffError):
        ad.grad(lambda x: x * x)(ad.Dual(np.array(1.0), np.array(1.0)))


def test_cross_entropy_probability_targets_not_summing_to_one():
    z = Tensor(np.zeros((1, 2)), requires_grad=True)
    t = np.array([[0.3, 0.3]])
    ad.cross_entropy(z, t).backward()
    np.testing.assert_allclose(z.grad, [[0.0, 0.0]], atol=1e-15)
    rng = np.random.default_rng(0)
    z0, t = rng.normal(size=(3, 4)), rng.uniform(size=(3, 4))
    g = val(ad.grad(lambda z: ad.cross_entropy(z, t))(z0))
    h = 1e-6
    for i, j in [(0, 0), (1, 2), (2, 3)]:
        e = np.zeros_like(z0)
        e[i, j] = h
        cd = (val(ad.cross_entropy(Tensor(z0 + e), t)) - val(ad.cross_entropy(Tensor(z0 - e),
                                                                               t))) / (2 * h)
        assert g[i, j] == pytest.approx(cd, abs=1e-8)
    H1 = val(ad.hessian(lambda z: ad.cross_entropy(z.reshape(3, 4), t))(z0.ravel()))
    H2 = val(ad.hessian(lambda z: ad.cross_entropy(z.reshape(3, 4), t), mode="rev")(z0.ravel()))
    np.testing.assert_allclose(H1, H2, atol=1e-12)


def test_nonpositive_python_base_gives_numpy_values():
    with np.errstate(all="ignore"):
        assert val(ad.grad(lambda y: 0.0 ** y)(2.0)) == 0.0
        assert val(2.0 ** Tensor(3.0)) == 8.0
        assert val((-2.0) ** Tensor(2.0)) == 4.0
        assert np.isnan(val((-2.0) ** Tensor(0.5)))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp", "softmax",
                                  "log_softmax"])
def test_axis_minus_one_on_0d(name):
    f = getattr(ad, name)
    x = Tensor(2.0, requires_grad=True)
    want = {"softmax": 1.0, "log_softmax": 0.0}.get(name, 2.0)
    assert val(f(x, axis=-1)) == pytest.approx(want)
    with pytest.raises(ShapeError):
        f(x, axis=1)


def test_sum_to_errors_in_bibuns_words():
    with pytest.raises(ShapeError, match="sum_to: a tensor of shape"):
        ad.sum_to(Tensor(np.ones(3)), (2,))
    with pytest.raises(ShapeError, match="sum_to"):
        ad.sum_to(ad.Dual(np.ones(3), np.ones(3)), (2,))
