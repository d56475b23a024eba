"""Data changed between the forward pass and backward() is refused, as PyTorch's version
counters refuse it, instead of giving the gradient of values never computed (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun import nn
from bibun.autodiff.tensor import AutodiffError
from bibun.autodiff.versions import SNAP_MAX
from bibun.i18n import message


def _changed(x: ad.Tensor, how: str) -> None:
    if how == "assign":
        x.data = x.data * 2 + 1
    elif how == "setitem":
        x.data[...] = x.data * 2 + 1  # what `python -m fuzz --mode autodiff` does
    elif how == "iadd":
        x.data += 1
    elif how == "element":
        x.data[0] = 5.0
    else:
        np.add(x.data, 1, out=x.data)


@pytest.mark.parametrize("how", ["assign", "setitem", "iadd", "element", "ufunc_out"])
def test_change_after_forward_raises_naming_op_and_tensor(how: str) -> None:
    x = ad.Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    f = (x * x).sum()  # the fuzz finding: f = sum(x*x), x = [1, 2, 3]
    _changed(x, how)
    with pytest.raises(AutodiffError) as e:
        f.backward()
    text = str(e.value)
    assert "'x'" in text and "'mul'" in text and "(3,)" in text
    assert "forward pass again" in text and "copy" in text
    assert x.grad is None  # no gradient of values that were never computed


def test_message_in_japanese() -> None:
    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    f = ad.exp(x).sum()
    x.data[1] = 0.0
    with pytest.raises(AutodiffError) as e:
        f.backward()
    ja = message(e.value, "ja")
    assert "'exp'" in ja and "順伝播" in ja and "変更" in ja


def test_scalar_leaf_reassigned_raises() -> None:
    x = ad.Tensor(2.0, requires_grad=True)
    y = ad.sin(x) * x
    x.data = np.float64(3.0)
    with pytest.raises(AutodiffError, match="'sin'|'mul'"):
        y.backward()


def test_large_array_reassigned_raises() -> None:
    x = ad.Tensor(np.ones(SNAP_MAX + 1), requires_grad=True)
    f = (x * x).sum()
    x.data = x.data + 1
    with pytest.raises(AutodiffError, match="changed after that pass"):
        f.backward()


def test_change_then_new_forward_still_refuses_the_old_graph() -> None:
    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    old = (x * x).sum()
    x.data[...] = [5.0, 6.0]
    new = (x * x).sum()
    new.backward()  # the new graph read the new values: fine
    np.testing.assert_array_equal(x.grad, [10.0, 12.0])
    with pytest.raises(AutodiffError):
        old.backward()  # the old one read [1, 2], which are gone


def test_intermediate_result_changed_raises() -> None:
    x = ad.Tensor([0.5, 1.0], requires_grad=True)
    h = ad.tanh(x)
    f = (h * h).sum()
    h.data[0] = 0.0
    with pytest.raises(AutodiffError, match="'mul'"):
        f.backward()


def test_unchanged_data_backward_twice_and_nan_are_fine() -> None:
    x = ad.Tensor([np.nan, -0.0, 2.0], requires_grad=True)
    f = (x * 3.0).sum()
    f.backward()
    f.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])


def test_change_after_backward_then_new_forward_works() -> None:
    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        f = (x * x).sum()
        f.backward()
        np.testing.assert_array_equal(x.grad, 2 * x.data)
        x.data -= 0.5 * x.grad  # an optimizer's in-place step, after backward


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_training_updates_in_place_after_backward(opt: str) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0])
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    o = getattr(nn, opt)(model.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        o.zero_grad()
        loss = ad.mean((model(ad.Tensor(X))[:, 0] - y) ** 2)
        loss.backward()
        o.step()
        losses.append(float(loss.item()))
    assert losses[-1] < 0.5 * losses[0]


def test_augmented_assignment_on_a_tensor_makes_a_new_tensor() -> None:
    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    leaf = x
    y = (x * x).sum()
    x += 1  # no in-place Tensor ops: x is rebound to a new node, the leaf is untouched
    assert x is not leaf and x.op == "add"
    y.backward()
    np.testing.assert_array_equal(leaf.grad, [2.0, 4.0])


def test_write_that_leaves_the_values_as_they_were_keeps_the_right_gradient() -> None:
    x = ad.Tensor([-1.0, -1.0], requires_grad=True)
    f = (x * x).sum()
    x.data[...] = x.data * 2 + 1  # -1 -> -1: nothing the gradient read has changed
    f.backward()
    np.testing.assert_array_equal(x.grad, [-2.0, -2.0])


def test_replaced_by_an_array_of_another_shape_raises_bibuns_error() -> None:
    x = ad.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = ad.Tensor([0.5, 0.5, 0.5], requires_grad=True)
    f = (x * w).sum()
    w.data = np.ones(5)  # the vjp itself would fail on the shapes first
    with pytest.raises(AutodiffError, match="changed after that pass"):
        f.backward()


def test_a_refused_backward_leaves_no_pending_gradient_then_works_after_a_new_forward(
        ) -> None:
    """The refusal comes in the middle of the chain (the backward pass holds the next node
    of a chain outside its heap): no node may keep a half-summed gradient, so a backward
    pass over a new forward pass gives exactly the right numbers."""
    x = ad.Tensor([0.5, -1.0], requires_grad=True)
    w = ad.Tensor([2.0, 3.0], requires_grad=True)
    s = ad.tanh(x).sum()  # 0-d: read without a snapshot, so it is taken first
    f = ad.exp(s * w).sum()
    w.data[0] = 7.0
    with pytest.raises(AutodiffError, match="'mul'"):
        f.backward()
    nodes, todo = [], [f]
    while todo:
        n = todo.pop()
        nodes.append(n)
        todo.extend(n._parents)
    assert all(n._g is None for n in nodes)
    w.data[0] = 2.0
    ad.exp(ad.tanh(x).sum() * w).sum().backward()
    sv = np.tanh(x.data).sum()
    np.testing.assert_allclose(x.grad, (np.exp(sv * w.data) * w.data).sum()
                               * (1 - np.tanh(x.data) ** 2), rtol=1e-12)
