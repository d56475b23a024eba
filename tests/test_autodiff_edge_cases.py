"""Edge cases of the autodiff engine: powers at zero, elementwise comparison, leaving the
graph, iteration, empty and float32 inputs, argnums; each test is named after the behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import AutodiffError, Dual, ShapeError, Tensor
from bibun.errors import BibunError

# -- x**0 and x**1 at x = 0 ---------------------------------------------------------------


def test_polynomial_derivatives_at_zero_are_not_nan():
    c = [1.0, 2.0, 3.0, 4.0]

    def poly(x):
        return sum(ci * x**k for k, ci in enumerate(c))

    assert float(ad.grad(poly)(0.0)) == 2.0
    assert float(ad.derivative(poly, 2)(0.0)) == 6.0
    assert float(ad.derivative(poly, 3)(0.0)) == 24.0
    assert np.array_equal(ad.grad(lambda v: poly(v).sum())(np.array([0.0, 1.0])).data,
                          [2.0, 2 + 6 + 12])
    assert ad.jvp(poly, [0.0], [1.0])[1] == 2.0


@pytest.mark.parametrize("order", [1, 2, 3])
def test_constant_exponent_zero_gives_zero_derivative_at_zero(order):
    for k in (0, 0.0):
        assert float(ad.derivative(lambda x, k=k: x**k, order)(0.0)) == 0.0
    assert ad.jvp(lambda x: x**0, [np.zeros(2)], [np.ones(2)])[1].tolist() == [0.0, 0.0]


def test_constant_exponent_one_gives_exactly_one_then_zero():
    assert float(ad.grad(lambda x: x**1)(0.0)) == 1.0
    for n in (2, 3):
        assert float(ad.derivative(lambda x: x**1, n)(0.0)) == 0.0
        assert float(ad.derivative(lambda x: x**1.0, n)(0.0)) == 0.0


def test_tensor_exponent_zero_at_zero_base_is_not_nan():
    # torch: d/dx x**0 = 0 at x = 0, and d/dp 0**p = 0 for p > 0
    assert float(ad.grad(lambda x: x ** Tensor(0.0))(0.0)) == 0.0
    assert float(ad.grad(lambda p: Tensor(0.0) ** p)(2.0)) == 0.0
    assert float(ad.derivative(lambda x: x ** Tensor(0.0), 2)(0.0)) == 0.0
    # elsewhere unchanged: d/dx x**3 and d/dp 2**p
    assert float(ad.grad(lambda x: x ** Tensor(3.0))(2.0)) == 12.0
    assert float(ad.grad(lambda p: Tensor(2.0) ** p)(3.0)) == pytest.approx(8 * math.log(2))
    _, t = ad.jvp(lambda x, p: x**p, [np.array([0.0, 2.0]), np.array([0.0, 3.0])],
                  [np.ones(2), np.zeros(2)])
    assert t.tolist() == [0.0, 12.0]


# -- == and != ------------------------------------------------------------------------------


def test_tensor_eq_and_ne_are_elementwise_not_identity():
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert (t == 2).tolist() == [False, True, False]
    assert (t != 2).tolist() == [True, False, True]
    assert (t == Tensor([1.0, 5.0, 3.0])).tolist() == [True, False, True]
    y = ad.where(t == 2, t * 10, t)
    assert y.data.tolist() == [1.0, 20.0, 3.0]
    y.sum().backward()
    assert t.grad.tolist() == [1.0, 10.0, 1.0]


def test_tensor_stays_hashable_by_identity():
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and len({a, b}) == 2
    assert hash(a) == object.__hash__(a)


# -- leaving the graph ----------------------------------------------------------------------


@pytest.mark.parametrize("f", [lambda x: math.sin(x), lambda x: float(x) ** 2,
                               lambda x: x.item(), lambda x: np.sin(x.data)],
                         ids=["math.sin", "float", "item", "numpy"])
def test_grad_of_function_that_left_the_graph_raises_instead_of_zero(f):
    with pytest.raises(AutodiffError, match="left the graph"):
        ad.grad(f)(2.0)
    with pytest.raises(AutodiffError, match="left the graph"):
        ad.jacobian(f)(2.0)


def test_constant_function_returning_a_tensor_still_has_zero_gradient():
    assert float(ad.grad(lambda x: Tensor(3.0))(2.0)) == 0.0
    assert ad.jvp(lambda x: Tensor(3.0), [2.0], [1.0])[1] == 0.0
    with pytest.raises(AutodiffError, match="left the graph"):
        ad.jvp(lambda x: 3.0, [2.0], [1.0])


def test_float_of_a_dual_raises_instead_of_dropping_the_tangent():
    with pytest.raises(AutodiffError, match="tangent"):
        ad.jvp(lambda v: float(v) * v, [1.0], [1.0])


# -- iteration ------------------------------------------------------------------------------


def test_tensor_iterates_over_its_first_axis():
    t = Tensor([1.0, 2.0], requires_grad=True)
    a, b = t
    assert (float(a), float(b)) == (1.0, 2.0)
    assert [float(v) for v in t] == [1.0, 2.0] and len(list(t)) == 2
    s = sum(v * v for v in t)
    s.backward()
    assert t.grad.tolist() == [2.0, 4.0]
    rows = list(Tensor(np.arange(6.0).reshape(2, 3)))
    assert [r.shape for r in rows] == [(3,), (3,)]
    assert 2.0 in Tensor([1.0, 2.0])


def test_zero_d_tensor_iteration_and_len_raise_clearly():
    for bad in (lambda: list(Tensor(1.0)), lambda: len(Tensor(1.0)),
                lambda: iter(ad.Dual(1.0, 1.0)).__next__()):
        with pytest.raises(ShapeError, match="0-d") as info:
            bad()
        assert isinstance(info.value, TypeError)  # what NumPy raises, for duck typing


# -- forward mode -----------------------------------------------------------------------------


def test_forward_mode_comparisons_and_where_match_reverse():
    x0 = np.array([0.5, -1.0, 2.0])

    def f(v):
        return ad.where(v > 0, v * v, -v)

    fwd = ad.jacobian(f, mode="fwd")(x0).data
    assert np.array_equal(fwd, ad.jacobian(f)(x0).data)
    assert np.array_equal(fwd, np.diag([1.0, -1.0, 4.0]))
    assert ad.jvp(lambda v: v * v if v > 0 else -v, [2.0], [1.0])[1] == 4.0
    assert ad.jvp(lambda v: v * v if v > 0 else -v, [-2.0], [1.0])[1] == -1.0
    d = Dual(np.array([1.0, 2.0]))
    assert (d >= 2).tolist() == [False, True] and (d == 2).tolist() == [False, True]
    assert (d != 2).tolist() == [True, False] and (d < Tensor(2.0)).tolist() == [True, False]
    # a Dual condition, and code written against .data
    assert ad.where(d > 1, Tensor([5.0, 5.0]), 0.0).data.tolist() == [0.0, 5.0]
    fwd = ad.jacobian(lambda v: ad.where(v.data > 0, v * v, -v), mode="fwd")(x0).data
    assert np.array_equal(fwd, np.diag([1.0, -1.0, 4.0]))


# -- jacobian ---------------------------------------------------------------------------------


def test_forward_jacobian_keeps_float32():
    x = np.array([1.0, 2.0], dtype=np.float32)
    for mode in ("fwd", "rev"):
        assert ad.jacobian(lambda v: v**2, mode=mode)(x).dtype == np.float32


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_with_argnums_tuple_returns_one_jacobian_per_argument(mode):
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])

    def f(x, y):
        return x.reshape(2, 1) * ad.sin(y)

    ja, jb = ad.jacobian(f, argnums=(0, 1), mode=mode)(a, b)
    assert np.allclose(ja.data, ad.jacobian(f, 0, mode=mode)(a, b).data)
    assert np.allclose(jb.data, ad.jacobian(f, 1, mode=mode)(a, b).data)
    assert ja.shape == (2, 3, 2) and jb.shape == (2, 3, 3)
    with pytest.raises(AutodiffError, match="argnums"):
        ad.jacobian(f, argnums="x", mode=mode)
    with pytest.raises(AutodiffError, match="out of range"):
        ad.jacobian(f, argnums=2, mode=mode)(a, b)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_of_empty_input_is_empty_not_a_raw_error(mode):
    j = ad.jacobian(lambda v: v**2, mode=mode)(np.zeros(0))
    assert j.shape == (0, 0)
    j = ad.jacobian(lambda v: v.sum() + Tensor([1.0, 2.0]), mode=mode)(np.zeros(0))
    assert j.shape == (2, 0)


def test_hessian_refuses_argnums_tuple_clearly():
    with pytest.raises(AutodiffError, match="hessian: argnums"):
        ad.hessian(lambda a, b: (a * b).sum(), argnums=(0, 1))


# -- empty reductions and logsumexp's axis ------------------------------------------------------


@pytest.mark.parametrize("op", ["max", "min", "logsumexp"])
def test_reducing_an_empty_tensor_names_the_op_and_shape(op):
    with pytest.raises(ShapeError, match=rf"{op}: cannot reduce a tensor of shape \(0,\)"):
        getattr(ad, op)(Tensor(np.zeros(0)))
    with pytest.raises(ShapeError, match=rf"{op}: .*shape \(2, 0\) over axis 1"):
        getattr(ad, op)(Tensor(np.zeros((2, 0))), axis=1)
    assert getattr(ad, op)(Tensor(np.zeros((0, 2))), axis=1).shape == (0,)
    with pytest.raises(ShapeError, match=op):
        getattr(ad, op)(Dual(np.zeros(0)))


def test_logsumexp_default_reduces_all_axes_like_sum_and_max():
    z = np.array([[1.0, 2.0], [3.0, 4.0]])
    want = np.log(np.exp(z).sum())
    assert ad.sum(z).shape == ad.max(z).shape == ad.logsumexp(z).shape == ()
    assert float(ad.logsumexp(z)) == pytest.approx(want)
    g = ad.grad(ad.logsumexp)(z).data
    assert np.allclose(g, np.exp(z) / np.exp(z).sum())
    assert float(ad.jvp(ad.logsumexp, [z], [np.ones_like(z)])[0]) == pytest.approx(want)
    assert ad.logsumexp(z, axis=-1).shape == (2,)
    # cross_entropy still normalises each row
    labels = np.array([1, 0])
    ce = float(ad.cross_entropy(z, labels))
    rows = np.log(np.exp(z).sum(axis=1)) - z[[0, 1], labels]
    assert ce == pytest.approx(rows.mean())


# -- backward leaves each leaf its own gradient array ------------------------------------------


def test_backward_gives_each_leaf_its_own_gradient_array():
    p, q = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    seed = np.array([1.0, 1.0])
    (p + q).backward(seed)
    assert p.grad is not q.grad and p.grad is not seed
    p.grad *= 0  # in place: changes neither the other leaf nor the caller's seed
    assert q.grad.tolist() == [1.0, 1.0] and seed.tolist() == [1.0, 1.0]
    assert isinstance(ShapeError("x"), BibunError)


def test_truth_value_of_a_multi_element_tensor_raises_instead_of_len():
    assert bool(Tensor(2.0)) and not bool(Tensor([0.0])) and bool(Dual(1.0))
    for t in (Tensor([1.0, 2.0]), Tensor(np.zeros(0))):
        with pytest.raises(AutodiffError, match="ambiguous"):
            bool(t)
    with pytest.raises(AutodiffError, match="ambiguous"):
        bool(Dual(np.ones(2)))
