"""NumPy functions on Tensors and Duals go through bibun's ops (NEP 13/18) or raise a
bibun error: never a bare array silently cut from the graph."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import AutodiffError, Dual, ShapeError, Tensor
from bibun.i18n import message

X0 = np.array([0.3, -1.2, 2.0])


def _grad(f, x0=X0):
    x = Tensor(x0.copy(), requires_grad=True)
    y = f(x)
    assert isinstance(y, Tensor) and y.requires_grad, type(y)
    y.backward()
    return x.grad


@pytest.mark.parametrize("f, df", [
    (lambda x: np.sum(np.exp(x)), np.exp),
    (lambda x: np.sum(np.sin(x) * x), lambda v: np.cos(v) * v + np.sin(v)),
    (lambda x: np.mean(np.tanh(x)), lambda v: (1 - np.tanh(v) ** 2) / 3),
    (lambda x: np.sum(np.square(x)), lambda v: 2 * v),
    (lambda x: np.sum(np.abs(x)), np.sign),
    (lambda x: np.sum(np.maximum(x, 0.5)), lambda v: (v > 0.5).astype(float)),
    (lambda x: np.max(x), lambda v: (v == v.max()).astype(float)),
    (lambda x: np.sum(np.log1p(x * x)), lambda v: 2 * v / (1 + v * v)),
    (lambda x: np.sum(np.stack([x, 2 * x])), lambda v: np.full_like(v, 3.0)),
    (lambda x: np.sum(np.clip(x, -1, 1)), lambda v: ((v >= -1) & (v <= 1)).astype(float)),
    (lambda x: np.var(x), lambda v: 2 * (v - v.mean()) / 3),
    (lambda x: np.dot(x, x), lambda v: 2 * v),
    (lambda x: np.sum(np.ones(3) * x + np.float64(2.0) * x), lambda v: np.full_like(v, 3.0)),
    (lambda x: np.sum(np.where(x > 0, x, np.zeros(3))), lambda v: (v > 0).astype(float)),
])
def test_numpy_functions_stay_on_the_graph(f, df):
    assert np.allclose(_grad(f), df(X0), rtol=1e-12, atol=1e-12)


def test_numpy_functions_on_duals_stay_in_forward_mode():
    d = np.sum(np.exp(Dual(X0, np.ones(3))))
    assert isinstance(d, Dual)
    assert np.isclose(d.tangent, np.exp(X0).sum())
    _, t = ad.jvp(lambda v: np.sum(np.sin(v)), [X0], [np.ones(3)])
    assert np.isclose(t, np.cos(X0).sum())


def test_answers_without_gradient_are_computed_on_the_values():
    t = Tensor(X0, requires_grad=True)
    assert np.allclose(t, X0)
    assert np.isnan(t).tolist() == [False, False, False]
    assert np.shape(t) == (3,)
    assert int(np.argmax(t)) == 2
    assert (np.greater(t, 0) == (X0 > 0)).all()
    assert np.zeros_like(t).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("call", [
    lambda t: np.sort(t), lambda t: np.fft.fft(t), lambda t: np.median(t),
    lambda t: np.add.reduce(t), lambda t: np.exp(t, dtype=np.float32),
])
def test_numpy_functions_without_a_bibun_version_are_refused(call):
    t = Tensor(X0, requires_grad=True)
    with pytest.raises(AutodiffError) as exc:
        call(t)
    assert "bibun" in str(exc.value) and "graph" in str(exc.value)
    assert "グラフ" in message(exc.value, "ja")


def test_in_place_numpy_into_an_array_is_refused_before_writing():
    a = np.ones(3)
    with pytest.raises(AutodiffError):
        a += Tensor(X0, requires_grad=True)
    assert a.tolist() == [1.0, 1.0, 1.0]


def test_sum_to_a_shape_it_was_not_broadcast_from_is_a_bibun_error():
    with pytest.raises(ShapeError, match=r"sum_to: a tensor of shape \(2, 3\)"):
        ad.sum_to(Tensor(np.ones((2, 3))), (4,))
