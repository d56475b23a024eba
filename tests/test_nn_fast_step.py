"""The training step's shortcuts give what the general code gives (issue 13, speed):
``nn.SGD``'s written-out update, ``linear``'s node built in place, the backward pass's
leaves set aside off the heap, and the cross-entropy's finiteness test."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun import nn
from bibun import optim as core
from bibun.autodiff import fused
from bibun.autodiff.linear import _vjp_linear
from bibun.autodiff.linear import linear as linear_op
from bibun.autodiff.tensor import AutodiffError, Tensor, make_node


def _model(dtype: type) -> tuple[list[nn.Linear], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    layers = [nn.Linear(a, b, dtype=dtype, rng=1) for a, b in ((7, 5), (5, 5), (5, 3))]
    return layers, rng.standard_normal((4, 7)).astype(dtype), rng.integers(0, 3, 4)


def _loss(layers: list[nn.Linear], x: np.ndarray, y: np.ndarray) -> Tensor:
    h = x
    for i, lin in enumerate(layers):
        h = lin(h)
        h = h.tanh() if i < 2 else h
    return nn.cross_entropy(h, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_shortcut_updates_bit_for_bit_as_the_general_rule(dtype: type) -> None:
    """Five steps; in two of them the last layer is left out of the loss, so its stale
    gradient must be skipped, as the general path skips it."""
    layers, x, y = _model(dtype)
    params = [p for lin in layers for p in lin.parameters()]
    opt = nn.SGD(params, lr=0.05)
    ref = [p.data.copy() for p in params]
    ref_opt = core.SGD(ref, lr=0.05)
    applied: list[object] = [None] * len(params)
    for k in range(5):
        loss = _loss(layers, x, y) if k % 2 == 0 else \
            nn.mse_loss(layers[1](layers[0](x)).tanh(), np.zeros((4, 5)))
        loss.backward()
        grads = [None if p.grad is applied[i] else p.grad.copy() for i, p in enumerate(params)]
        applied = [p.grad for p in params]
        opt.step()
        ref_opt.step(grads)
        assert opt.opt.t == ref_opt.t == k + 1
        for p, r in zip(params, ref):
            assert p.data.dtype == dtype and p.data.tobytes() == r.tobytes()


def test_sgd_shortcut_leaves_other_cases_to_the_general_path() -> None:
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = nn.SGD([p], lr=0.5)
    p.grad = np.ones(3)  # float64 gradient of a float32 parameter: converted, as always
    opt.step()
    assert p.data.dtype == np.float32 and np.array_equal(p.data, [0.5, 0.5, 0.5])
    opt.lr = np.float64(0.25)  # a NumPy learning rate: the general path's arithmetic
    p.grad = np.ones(3, dtype=np.float32)
    opt.step()
    assert np.array_equal(p.data, [0.25, 0.25, 0.25])
    p.grad = np.ones(4, dtype=np.float32)
    with pytest.raises(Exception, match="shape|\\(4,\\)"):
        opt.step()


def test_linear_node_is_the_general_node() -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    W = Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(2), requires_grad=True)
    t = linear_op(x, W, b)
    u = make_node(x.data @ W.data + b.data, (x, W, b), _vjp_linear, None, "linear")
    assert t.data.tobytes() == u.data.tobytes()
    assert (t.op, t.requires_grad, t._vjp, t._ctx, t._parents) == \
        (u.op, u.requires_grad, u._vjp, u._ctx, u._parents)
    assert t._seq < x._seq and t._seq > u._seq
    # each parent's snapshot is the data read (the bias's bytes: it is small)
    assert b._snap[0] is b.data and b._snap[1] == b.data.tobytes()
    const = linear_op(Tensor(x.data), Tensor(W.data), Tensor(b.data))
    assert not const.requires_grad and const._parents == () and const._vjp is None
    with ad.no_grad():
        assert linear_op(x, W, b)._parents == ()


def test_linear_node_refuses_a_bias_changed_after_forward_and_leaves_nothing_pending() -> None:
    layers, x, y = _model(np.float64)
    loss = _loss(layers, x, y)
    layers[1].b.data += 1.0  # in place, between forward and backward
    with pytest.raises(AutodiffError):
        loss.backward()
    assert all(p._g is None for lin in layers for p in lin.parameters())


def test_linear_node_refuses_an_input_batch_replaced_after_forward() -> None:
    """The input does not require grad, but the weights' gradient reads it: replacing
    its array after the forward pass is refused, as before the shortcuts."""
    lin = nn.Linear(3, 2, rng=0)
    x = Tensor(np.ones((4, 3)))
    out = lin(x).sum()
    x.data = np.full((4, 3), 2.0)
    with pytest.raises(AutodiffError):
        out.backward()
    assert lin.W._g is None and lin.b._g is None


@pytest.mark.parametrize("accumulate", [False, True])
def test_leaves_set_aside_get_their_gradients_once_each(accumulate: bool) -> None:
    """A weight used by two layers (its gradient the sum of two), the bias shared too,
    and ``accumulate``: the same as the two-op graph, whose leaves wait on the heap."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))
    W = Tensor(rng.standard_normal((4, 4)), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    W2, b2 = Tensor(W.data.copy(), requires_grad=True), Tensor(b.data.copy(), requires_grad=True)
    for leaf in (W, b, W2, b2):
        leaf.grad = np.ones(leaf.shape) if accumulate else None
    linear_op(linear_op(Tensor(x), W, b).tanh(), W, b).sum().backward(accumulate=accumulate)
    ((Tensor(x) @ W2 + b2).tanh() @ W2 + b2).sum().backward(accumulate=accumulate)
    np.testing.assert_allclose(W.grad, W2.grad, rtol=1e-13)
    np.testing.assert_allclose(b.grad, b2.grad, rtol=1e-13)
    assert W.grad is not b.grad and W._g is None and b._g is None


def test_cross_entropy_row_indices_are_shared_and_read_only() -> None:
    """The rows' index array is kept per batch size (every step indexes the same rows):
    read-only, so nothing can change it for the next step."""
    z = Tensor(np.zeros((4, 3)), requires_grad=True)
    ad.cross_entropy(z, np.array([0, 1, 2, 0])).backward()
    rows = fused._rows(4)
    assert rows is fused._rows(4) and not rows.flags.writeable
    assert np.array_equal(rows, np.arange(4))
    np.testing.assert_allclose(z.grad.sum(axis=1), 0, atol=1e-15)
