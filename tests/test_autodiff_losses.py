"""The losses and stable ops are defined once (bibun.autodiff.fused) and run in both modes:
forward mode through ``bibun.nn``'s losses works and agrees with reverse mode, both modes
stay finite at ±1000 and −inf, and the recorded gradients (for higher derivatives) agree
with the fast ones."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun import nn
from bibun.autodiff import Dual, ShapeError, Tensor

RNG = np.random.default_rng(7)
Z = RNG.normal(size=(4, 3)) * 2
LABELS = np.array([0, 2, 1, 2])
PROBS = RNG.dirichlet(np.ones(3), size=4)
BITS = (RNG.random((4, 3)) > 0.5).astype(float)
GOAL = RNG.normal(size=(4, 3))

LOSSES = {
    "nn.cross_entropy labels": lambda z: nn.cross_entropy(z, LABELS),
    "nn.cross_entropy probabilities": lambda z: nn.cross_entropy(z, PROBS),
    "nn.bce_with_logits": lambda z: nn.bce_with_logits(z, BITS),
    "nn.mse_loss": lambda z: nn.mse_loss(z, GOAL),
    "nn.CrossEntropyLoss": lambda z: nn.CrossEntropyLoss()(z, LABELS),
    "nn.BCEWithLogitsLoss": lambda z: nn.BCEWithLogitsLoss()(z, BITS),
    "nn.MSELoss": lambda z: nn.MSELoss()(z, GOAL),
    "logsumexp": lambda z: ad.logsumexp(z, axis=1).sum(),
    "softmax": lambda z: (ad.softmax(z) * GOAL).sum(),
    "log_softmax": lambda z: (ad.log_softmax(z) * GOAL).sum(),
}


def test_nn_losses_are_the_autodiff_functions():
    assert nn.cross_entropy is ad.cross_entropy
    assert nn.bce_with_logits is ad.bce_with_logits
    assert nn.mse_loss is ad.mse_loss


@pytest.mark.parametrize("name", LOSSES)
def test_forward_mode_through_a_loss_agrees_with_reverse_mode(name):
    f = LOSSES[name]
    value, grad = ad.value_and_grad(f)(Z)
    for v in (RNG.normal(size=Z.shape), np.eye(1, Z.size, 5).reshape(Z.shape)):
        fwd_value, tangent = ad.jvp(f, [Z], [v])
        assert float(fwd_value) == pytest.approx(float(value), rel=1e-12)
        assert float(tangent) == pytest.approx(float((grad.data * v).sum()), rel=1e-9,
                                               abs=1e-12)


def test_forward_mode_through_a_model_and_its_loss():
    model = nn.MLP([3, 5, 3], activation="tanh", rng=0)
    f = lambda x: nn.cross_entropy(model(x), LABELS)  # noqa: E731
    by_rows = ad.jacobian(f, mode="fwd")(Z).data
    assert np.allclose(by_rows, ad.grad(f)(Z).data, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["nn.cross_entropy labels", "nn.cross_entropy probabilities",
                                  "nn.bce_with_logits", "logsumexp", "softmax"])
def test_recorded_gradient_differentiates_again(name):
    """The gradient written against B in the Tensor world (create_graph) is the same
    formula: its Jacobian, the Hessian, matches finite differences of the fast gradient."""
    f, x = LOSSES[name], Z
    H = ad.hessian(f)(x).data.reshape(x.size, x.size)
    g = ad.grad(f)
    h = 1e-6
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        col = (g(x + e.reshape(x.shape)).data - g(x - e.reshape(x.shape)).data) / (2 * h)
        assert np.allclose(H[:, i], col.ravel(), atol=1e-6)
    assert np.allclose(H, H.T, atol=1e-10)


EXTREME = np.array([[1000.0, -1000.0, 0.0], [-np.inf, 0.0, 1.0], [-1000.0, -1000.0, 5.0]])


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "logsumexp", "softmax", "log_softmax",
                                  "cross_entropy", "bce_with_logits"])
def test_forward_mode_is_finite_at_extremes(name):
    x = Dual(np.where(np.isinf(EXTREME), -1000.0, EXTREME) if name == "bce_with_logits"
             else EXTREME, np.ones_like(EXTREME))
    out = {
        "sigmoid": lambda: ad.sigmoid(x),
        "softplus": lambda: ad.softplus(x),
        "logsumexp": lambda: ad.logsumexp(x, axis=1),
        "softmax": lambda: ad.softmax(x),
        "log_softmax": lambda: ad.log_softmax(x)[:, 2],
        "cross_entropy": lambda: ad.cross_entropy(x, np.array([0, 2, 1])),
        "bce_with_logits": lambda: ad.bce_with_logits(x, np.ones((3, 3))),
    }[name]()
    finite_where = np.isfinite(out.primal) | np.isneginf(out.primal)  # sigmoid(-inf) etc.
    assert finite_where.all() and np.isfinite(out.tangent).all(), name


def test_forward_mode_checks_its_arguments_as_reverse_mode_does():
    for x in (Tensor(Z), Dual(Z)):
        with pytest.raises(ShapeError, match="cross_entropy: logits .* need 4 class indices"):
            ad.cross_entropy(x, np.array([0, 1]))
        with pytest.raises(ShapeError, match="bce_with_logits"):
            ad.bce_with_logits(x, np.ones(5))
        with pytest.raises(ShapeError, match="mse_loss"):
            ad.mse_loss(x, np.ones(5))
        with pytest.raises(ShapeError, match="axis 3 is out of range"):
            ad.softmax(x, axis=3)


def test_float32_stays_float32_in_both_modes():
    z = Z.astype(np.float32)
    for loss in (lambda t: ad.cross_entropy(t, LABELS), lambda t: ad.bce_with_logits(t, BITS),
                 lambda t: ad.mse_loss(t, GOAL)):
        t = Tensor(z, requires_grad=True)
        loss(t).backward()
        assert t.grad.dtype == np.float32
        d = loss(Dual(z, np.ones_like(z)))
        assert d.primal.dtype == d.tangent.dtype == np.float32
