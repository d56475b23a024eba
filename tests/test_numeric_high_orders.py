"""Numerical derivatives without gaps: zero slopes by the complex step, one-sided
Richardson, orders up to 10 (finite differences and Cauchy's integral), vector-valued
Hessians, and f always called with arrays.  Oracles: closed forms, and numdifftools
where installed (test dependency)."""

import math
import warnings

import numpy as np
import pytest

from bibun.numeric import (
    MAX_ORDER,
    NumericWarning,
    derivative,
    difference_table,
    gradient,
    hessian,
    jacobian,
)

# closed forms of the n-th derivative
D_EXP = (np.exp, lambda x, n: math.exp(x))
D_SIN = (np.sin, lambda x, n: math.sin(x + n * math.pi / 2))
D_LOG = (np.log, lambda x, n: (-1) ** (n - 1) * math.factorial(n - 1) / x**n)
D_POLE = (lambda x: 1 / (x - 0.5),  # a pole at 0.5
          lambda x, n: (-1) ** n * math.factorial(n) / (x - 0.5) ** (n + 1))


@pytest.mark.parametrize("f, x, exact", [
    (lambda x: x**2, 0.0, 0.0), (lambda x: x**3, 0.0, 0.0), (np.cos, 0.0, 0.0),
    (lambda x: (x - 1.0) ** 2, 1.0, 0.0), (lambda x: x**2, 1e-200, 2e-200),
])
@pytest.mark.parametrize("method", ["complex", "auto"])
def test_complex_step_works_where_the_slope_is_zero(f, x, exact, method):
    est = derivative(f, x, method=method)
    assert est.method == "complex step"
    assert abs(est.value - exact) <= est.error_estimate


def test_one_sided_richardson_gets_the_4th_derivative_of_cos_at_a_zero():
    # the single forward quotient is off by 2e-3 here; numdifftools' forward: 3e-7
    for method in ("richardson-forward", "richardson-backward"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericWarning)  # the value is ~0: relative error
            est = derivative(np.cos, math.pi / 2, n=4, method=method)
        assert est.method == f"richardson ({method.split('-')[1]})"
        assert abs(est.value - math.cos(math.pi / 2)) <= min(est.error_estimate, 1e-7)


@pytest.mark.parametrize("side", ["forward", "backward"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_one_sided_richardson_never_looks_across_x(side, n):
    seen: list[float] = []
    f0, df = D_EXP

    def f(x):
        seen.extend(np.ravel(x).tolist())
        return f0(x)

    est = derivative(f, 0.3, n=n, method=f"richardson-{side}")
    sign = 1 if side == "forward" else -1
    assert min(sign * (t - 0.3) for t in seen) >= 0
    assert abs(est.value - df(0.3, n)) <= est.error_estimate <= 1e-3 * df(0.3, n)
    assert est.ok


def test_one_sided_richardson_at_a_domain_edge_stays_inside():
    # sqrt is not defined left of 0: the forward quotients are, and converge at x = 0.01
    est = derivative(np.sqrt, 0.01, n=2, method="richardson-forward")
    assert abs(est.value - (-0.25 * 0.01**-1.5)) <= est.error_estimate
    with pytest.raises(Exception, match="x = -1"):
        derivative(np.sqrt, -1.0, method="richardson-forward")


@pytest.mark.parametrize("fd, x", [(D_EXP, 0.5), (D_SIN, 1.0), (D_LOG, 2.5), (D_POLE, 0.0),
                                   (D_EXP, 10.0), (D_SIN, 1000.0), (D_LOG, 1e8)])
@pytest.mark.parametrize("n", [2, 5, 8, 10])
def test_contour_integral_reaches_order_10_with_honest_errors(fd, x, n):
    f, df = fd
    exact = df(x, n)
    est = derivative(f, x, n=n, method="complex")
    assert est.method == "complex (contour integral)" and est.ok
    assert abs(est.value - exact) <= est.error_estimate
    assert est.error_estimate <= 1e-6 * abs(exact)


@pytest.mark.parametrize("fd, x", [(D_EXP, 0.5), (D_SIN, 1.0), (D_LOG, 2.5), (D_POLE, 0.0),
                                   (D_SIN, 1000.0), (D_LOG, 1e8)])
@pytest.mark.parametrize("n", [5, 6, 8, 10])
def test_richardson_orders_up_to_10_never_claim_more_than_they_have(fd, x, n):
    f, df = fd
    exact = df(x, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericWarning)
        est = derivative(f, x, n=n)
    assert est.method == "richardson (central)"
    assert abs(est.value - exact) <= est.error_estimate
    if est.ok:  # an unflagged result is a usable one (or a tiny absolute error, as documented)
        assert est.error_estimate <= max(0.1 * abs(exact), 1e-8)


def test_a_first_step_far_beyond_the_scale_of_f_is_not_mistaken_for_convergence():
    # steps ~ |x|/16 = 64 for sin at 1000 give 8th differences ~1e-14: the search used
    # to stop there and report 1e-14 ± 1e-14 as fine; the true value is 0.83
    est = derivative(np.sin, 1000.0, n=8)
    assert abs(est.value - math.sin(1000.0)) <= est.error_estimate <= 1e-3


def test_orders_above_the_maximum_are_refused():
    assert MAX_ORDER == 10
    with pytest.raises(Exception, match="10"):
        derivative(np.exp, 0.0, n=11)


def test_a_singularity_inside_the_circle_is_not_integrated_over():
    # 1/(x - 0.5) at 0.45: any circle wider than 0.05 encloses the pole and gives a
    # different, smooth-looking answer; the scan must stop before it
    f, df = D_POLE
    est = derivative(f, 0.45, n=4, method="complex")
    assert est.h < 0.05
    assert abs(est.value - df(0.45, 4)) <= est.error_estimate <= 1e-6 * abs(df(0.45, 4))


def test_the_circle_radius_can_be_given_as_h():
    est = derivative(np.exp, 0.0, n=6, method="complex", h=1.0)
    assert est.h == 1.0 and abs(est.value - 1.0) <= est.error_estimate <= 1e-10


# -- numdifftools as a second oracle ----------------------------------------------------


@pytest.mark.parametrize("fd, x", [(D_EXP, 0.5), (D_LOG, 2.5), (D_SIN, 1.0)])
@pytest.mark.parametrize("n", [3, 6, 9])
def test_agrees_with_numdifftools_and_is_at_least_as_accurate(fd, x, n):
    nd = pytest.importorskip("numdifftools")
    f, df = fd
    exact = df(x, n)
    theirs = nd.Derivative(f, n=n, full_output=True)(x)
    ours = derivative(f, x, n=n, method="complex")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericWarning)  # n = 9 is flagged: rightly so
        ours_fd = derivative(f, x, n=n, method="richardson")
    # the two agree within their combined error bars ...
    gap = abs(float(theirs.estimate) - ours_fd.value)
    assert gap <= float(theirs.error_estimate) + ours_fd.error_estimate
    # ... and bibun's finite differences are about as accurate as numdifftools' default
    # (within a factor of 10), its contour integral far more so
    their_err = abs(float(theirs.estimate) - exact)
    assert abs(ours_fd.value - exact) <= 10 * their_err + 1e-12 * abs(exact)
    assert abs(ours.value - exact) <= their_err + 1e-12 * abs(exact)


def test_vector_valued_hessian_matches_closed_form_and_numdifftools():
    def f(v):
        return np.array([v[0] ** 2 * v[1], np.sin(v[0]) * np.exp(v[1]), v[0] * v[1] ** 3])

    x = np.array([0.7, -0.3])
    a, b = x
    exact = np.array([
        [[2 * b, 2 * a], [2 * a, 0.0]],
        [[-np.sin(a) * np.exp(b), np.cos(a) * np.exp(b)],
         [np.cos(a) * np.exp(b), np.sin(a) * np.exp(b)]],
        [[0.0, 3 * b**2], [3 * b**2, 6 * a * b]],
    ])
    H = hessian(f, x)
    assert H.value.shape == H.error_estimate.shape == (3, 2, 2) and H.ok
    assert np.all(np.abs(H.value - exact) <= H.error_estimate)
    np.testing.assert_allclose(H.value, exact, atol=1e-9)
    nd = pytest.importorskip("numdifftools")
    for k in range(3):
        np.testing.assert_allclose(H.value[k], nd.Hessian(lambda v, k=k: f(v)[k])(x), atol=1e-7)


def test_hessian_of_a_matrix_valued_f_of_a_matrix_keeps_both_shapes():
    W = np.array([[0.5, -1.0], [2.0, 0.3]])
    H = hessian(lambda w: w @ w, W)  # (WW)_ij = Σ_k W_ik W_kj
    assert H.value.shape == (2, 2, 2, 2, 2, 2)
    # ∂²(WW)_ij / ∂W_ab ∂W_cd = δ_ia δ_bc δ_dj + δ_ic δ_da δ_bj
    eye = np.eye(2)
    exact = (np.einsum("ia,bc,dj->ijabcd", eye, eye, eye)
             + np.einsum("ic,da,bj->ijabcd", eye, eye, eye))
    np.testing.assert_allclose(H.value, exact, atol=1e-9)


def test_vector_valued_jacobian_of_a_matrix_input():
    W = np.array([[0.5, -1.0], [2.0, 0.3]])
    J = jacobian(lambda w: np.tanh(w).sum(axis=0), W)
    exact = np.zeros((2, 2, 2))
    for j in range(2):
        exact[j, :, j] = 1 - np.tanh(W[:, j]) ** 2
    assert J.value.shape == (2, 2, 2)
    np.testing.assert_allclose(J.value, exact, rtol=1e-12, atol=1e-300)


# -- f always gets an ndarray -----------------------------------------------------------


def _array_only(g):
    def f(x):
        if not isinstance(x, np.ndarray):
            raise TypeError(f"wanted an ndarray, got {type(x).__name__}")
        return g(x)
    return f


@pytest.mark.parametrize("kwargs", [
    {}, {"method": "richardson"}, {"method": "central"}, {"method": "forward"},
    {"method": "richardson-backward"}, {"method": "complex"}, {"n": 3},
    {"n": 7, "method": "complex"},
])
def test_every_evaluation_passes_an_ndarray(kwargs):
    f = _array_only(lambda x: x * x * x)
    n = kwargs.get("n", 1)
    est = derivative(f, 2.0, **kwargs)
    exact = {1: 12.0, 3: 6.0, 7: 0.0}[n]
    assert abs(est.value - exact) <= est.error_estimate
    # x.item(), x.shape: an f written for arrays only, called point by point
    g = _array_only(lambda x: np.exp(x.item()) if x.shape == () else np.exp(x) + x[0])
    assert abs(derivative(g, 0.5).value - math.exp(0.5)) < 1e-9


def test_gradient_hessian_and_table_pass_ndarrays_too():
    f = _array_only(lambda v: np.sum(v**2))
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(gradient(f, x).value, 2 * x, rtol=1e-12)
    np.testing.assert_allclose(hessian(f, x).value, 2 * np.eye(2), atol=1e-9)
    t = difference_table(_array_only(np.exp), 1.0, "all", exact=math.e)
    assert "complex" in t.quotients and t.errors["central"].min() < 1e-9
