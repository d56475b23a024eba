"""Jacobian rows in one batched backward sweep (``bibun.autodiff.batched``): the same
numbers as one pass per row, for every kind of vjp the sweep runs, with the fallback to
one pass per row for ops without a batched form, and in chunks under a memory budget."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import batched
from bibun.autodiff import functional as F

rng = np.random.default_rng(7)
A = rng.standard_normal((4, 4))
M = rng.standard_normal((3, 2, 4))
c = rng.standard_normal(4)


def _row_by_row(monkeypatch, fn, *args):
    with monkeypatch.context() as m:
        m.setattr(F, "backprop_batched", lambda *a: None)
        return fn(*args)


FUNCTIONS = {
    "matmul, tanh, sum and mean": lambda v: ad.sum(ad.tanh(ad.matmul(A, v)))
    + 0.5 * ad.sum(v * v) * ad.mean(v * v),
    "broadcast, axis sums, reshape, transpose": lambda v: ad.sum(
        (ad.sin(v).reshape(2, 2).T * v[None, :2].reshape(2, 1)).sum(axis=0) ** 3),
    "batched matmul and vector @ matrix": lambda v: ad.sum(ad.exp(ad.matmul(M, v) / 4))
    + ad.sum(ad.matmul(v, A) ** 2),
    "division, powers, constants": lambda v: ad.sum((1.0 / (2.0 + v * v)) ** 1.5
                                                      + 2.0 ** v - v / (3.0 + ad.cos(v))),
    "where, maximum, relu, clip": lambda v: ad.sum(ad.where(v > 0, v ** 3, ad.sigmoid(v))
                                                   * ad.maximum(v, c) + ad.relu(v) ** 2
                                                   + ad.clip(v, -0.5, 0.5) ** 2),
    "linear layer": lambda v: ad.sum(ad.tanh(ad.linear(v.reshape(1, 4), A, c)) ** 2),
    "max, min, stack, concatenate": lambda v: ad.sum(
        ad.max(ad.stack([v * v, ad.sin(v)], axis=1), axis=1) ** 2)
    + ad.sum(ad.concatenate([ad.exp(v[:2]), v[1:] ** 3]) * ad.min(ad.cos(v), axis=0)),
}


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batched_hessian_equals_one_pass_per_row(name, dtype, monkeypatch):
    f = FUNCTIONS[name]
    x = rng.standard_normal(4).astype(dtype)
    calls = []
    real = batched._sweep
    monkeypatch.setattr(batched, "_sweep", lambda *a: calls.append(1) or real(*a))
    H = ad.hessian(f)(x)
    assert calls, "the batched sweep should have run"
    H1 = _row_by_row(monkeypatch, ad.hessian(f), x)
    assert H.dtype == H1.dtype and H.shape == (4, 4)  # (float64 constants promote)
    np.testing.assert_allclose(H.data, H1.data, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-6 if dtype == np.float32 else 1e-12)


def test_batched_jacobian_of_several_arguments_and_a_matrix_output(monkeypatch):
    def f(a, b):
        return ad.tanh(ad.matmul(a, b)) * 2.0

    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    Ja, Jb = ad.jacobian(f, (0, 1))(a, b)
    Ra, Rb = _row_by_row(monkeypatch, ad.jacobian(f, (0, 1)), a, b)
    assert Ja.shape == (2, 2, 2, 3) and Jb.shape == (2, 2, 3, 2)
    np.testing.assert_allclose(Ja.data, Ra.data, rtol=1e-13)
    np.testing.assert_allclose(Jb.data, Rb.data, rtol=1e-13)


def test_an_input_the_output_does_not_depend_on_gets_zeros():
    J = ad.jacobian(lambda a, b: a * 2.0, (0, 1))(np.ones(3), np.ones(2))
    assert np.array_equal(J[0].data, 2 * np.eye(3)) and not J[1].data.any()
    assert J[1].shape == (3, 2)


def test_an_op_without_a_batched_vjp_falls_back_to_one_pass_per_row(monkeypatch):
    f = lambda v: ad.cumsum(v * v)  # noqa: E731  (cumsum's vjp has no batched form)
    x = rng.standard_normal(5)
    assert batched._plan(ad.cumsum(ad.Tensor(x, requires_grad=True)), set()) is None
    J = ad.jacobian(f)(x)
    np.testing.assert_allclose(J.data, np.tril(np.ones((5, 5))) * 2 * x, rtol=1e-12)


Y = np.array([2, 0, 1])
P = np.array([[0.2, 0.3, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0], [0.1, 0.6, 0.2, 0.3]])  # row 3: 1.2
LOSSES = {
    "softmax, last axis": lambda v: ad.sum(ad.softmax(v.reshape(3, 4)) ** 2 * A[:3]),
    "softmax, first axis and 1-d": lambda v: ad.sum(ad.softmax(v.reshape(3, 4), axis=0)
                                                    * ad.softmax(v).reshape(3, 4) ** 3),
    "logsumexp, all axes and one axis": lambda v: ad.logsumexp(v * v)
    + ad.sum(ad.logsumexp(v.reshape(3, 4), axis=1) ** 2)
    + ad.sum(ad.logsumexp(v.reshape(3, 4), axis=0, keepdims=True) * c),
    "log_softmax": lambda v: ad.sum(ad.log_softmax(v.reshape(3, 4)) * A[:3]),
    "cross_entropy, class indices": lambda v: ad.cross_entropy(v.reshape(3, 4), Y),
    "cross_entropy, probabilities not summing to 1": lambda v: ad.cross_entropy(
        ad.tanh(v).reshape(3, 4) * 3, P),
    "cross_entropy with options": lambda v: ad.cross_entropy(
        v.reshape(3, 4), Y, reduction="sum", label_smoothing=0.1),
    "bce_with_logits": lambda v: ad.bce_with_logits(v * ad.sin(v), np.linspace(0, 1, 12)),
}


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_logsumexp_and_losses_run_batched_and_equal_one_pass_per_row(
        name, dtype, monkeypatch):
    f = LOSSES[name]
    x = rng.standard_normal(12).astype(dtype)
    swept = []
    real = batched._sweep
    monkeypatch.setattr(batched, "_sweep", lambda *a: swept.append(real(*a)) or swept[-1])
    H = ad.hessian(f)(x)
    assert swept and all(s is not None for s in swept), "the batched sweep should have run"
    H1 = _row_by_row(monkeypatch, ad.hessian(f), x)
    assert H.dtype == H1.dtype and H.shape == (12, 12)  # (float64 constants promote)
    np.testing.assert_allclose(H.data, H1.data, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-6 if dtype == np.float32 else 1e-12)


def test_batched_softmax_jacobian_of_a_matrix_keeps_float32(monkeypatch):
    def f(v):
        return ad.softmax(v.reshape(3, 4) * 2.0, axis=0)

    x = rng.standard_normal(12).astype(np.float32)
    assert batched._plan(f(ad.Tensor(x, requires_grad=True)), set()) is not None
    J = ad.jacobian(f)(x)
    assert J.dtype == np.float32 and J.shape == (3, 4, 12)
    np.testing.assert_allclose(J.data, _row_by_row(monkeypatch, ad.jacobian(f), x).data,
                               rtol=1e-5, atol=1e-7)


def test_batched_loss_softmax_and_logsumexp_hessians_match_pytorch():
    torch = pytest.importorskip("torch")
    z = rng.standard_normal((3, 4))
    W = torch.tensor(A[:3])

    def mine(v):
        return (ad.cross_entropy(v, Y) + ad.cross_entropy(v, P)
                + ad.sum(ad.softmax(v, axis=0) ** 2 * A[:3]) + ad.sum(ad.logsumexp(v, axis=1) ** 2))

    def theirs(v):
        return (torch.nn.functional.cross_entropy(v, torch.tensor(Y))
                - (torch.tensor(P) * torch.log_softmax(v, 1)).sum() / 3
                + (torch.softmax(v, 0) ** 2 * W).sum() + (torch.logsumexp(v, 1) ** 2).sum())

    assert batched._plan(mine(ad.Tensor(z, requires_grad=True)), set()) is not None
    H = ad.hessian(mine)(z)
    want = torch.func.hessian(theirs)(torch.tensor(z))
    np.testing.assert_allclose(H.data, want.numpy(), rtol=1e-10, atol=1e-12)


def test_many_rows_run_in_chunks_under_the_memory_budget(monkeypatch):
    f = FUNCTIONS["matmul, tanh, sum and mean"]
    x = rng.standard_normal(4)
    want = ad.hessian(f)(x).data
    monkeypatch.setattr(batched, "BUDGET", 9)  # two rows per sweep with 4-element nodes
    sweeps = []
    real = batched._sweep
    monkeypatch.setattr(batched, "_sweep", lambda *a: sweeps.append(1) or real(*a))
    np.testing.assert_allclose(ad.hessian(f)(x).data, want, rtol=1e-13)
    assert len(sweeps) >= 2


def test_nested_jacobians_stay_on_the_graph_and_match_third_derivatives():
    # jacobian of a Hessian: the inner Jacobian is recorded (not batched) for the outer
    f = lambda v: ad.sum(v ** 4)  # noqa: E731
    T = ad.jacobian(ad.hessian(f))(np.array([1.0, 2.0]))
    want = np.zeros((2, 2, 2))
    want[0, 0, 0], want[1, 1, 1] = 24.0, 48.0
    np.testing.assert_allclose(T.data, want)


@pytest.mark.parametrize("index", [np.array([0, 2, 2, 3]), np.array([True, False, True, True]),
                                   (None, slice(1, 3)), (Ellipsis, 1)],
                         ids=["repeated ints", "mask", "newaxis and slice", "ellipsis"])
def test_batched_indexing_matches_one_pass_per_row(index, monkeypatch):
    def f(v):
        return ad.sum(ad.sin(v[index]) * v[index] ** 2) + ad.sum(ad.exp(v) * v[::-1])

    x = rng.standard_normal(4)
    H = ad.hessian(f)(x)
    np.testing.assert_allclose(H.data, _row_by_row(monkeypatch, ad.hessian(f), x).data,
                               rtol=1e-12, atol=1e-13)


def test_two_index_arrays_are_not_batched_but_still_right(monkeypatch):
    P = ad.Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    node = P[np.array([0, 1]), np.array([2, 2])]
    assert batched._plan(node, set()) is None  # NumPy would move the batch axis
    f = lambda m: ad.sum(m[np.array([0, 1]), np.array([2, 2])] ** 3)  # noqa: E731
    m = rng.standard_normal((3, 3))
    H = ad.hessian(f)(m)
    want = np.zeros((3, 3, 3, 3))
    want[0, 2, 0, 2], want[1, 2, 1, 2] = 6 * m[0, 2], 6 * m[1, 2]
    np.testing.assert_allclose(H.data, want, rtol=1e-12)


def test_a_jacobian_made_of_a_broadcast_gradient_owns_its_writable_array():
    J = ad.jacobian(lambda v: ad.sum(v) + ad.Tensor(np.arange(3.0)))(np.ones(4))
    assert np.array_equal(J.data, np.ones((3, 4)))
    assert J.data.flags.writeable
    J.data[0, 0] = 5.0
    assert J.data[1, 0] == 1.0  # not a view of one shared row
