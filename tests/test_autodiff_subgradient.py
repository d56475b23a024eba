"""relu'(0) = 0 as PyTorch and JAX: the slope at a corner comes from the rule table
(``Rule.subgradient``), and every autodiff mode reads it from there."""

from __future__ import annotations

import numpy as np
import pytest

import bibun
import bibun.autodiff as ad
from bibun.autodiff import Dual, Tensor
from bibun.functions import RULES, Rule, register, unregister
from bibun.smoothness import nondifferentiable_points

POINTS = np.array([-1.5, 0.0, 0.0, 2.0])


def _reverse(name, x, dtype=np.float64):
    t = Tensor(np.asarray(x, dtype=dtype), requires_grad=True)
    getattr(ad, name)(t).sum().backward()
    return t.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_slope_at_zero_is_zero_in_reverse_mode(dtype):
    g = _reverse("relu", POINTS, dtype)
    assert g.dtype == dtype
    assert g.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_relu_slope_at_zero_is_zero_in_forward_mode_and_nested():
    d = Dual(POINTS, np.ones(4)).relu()
    assert d.tangent.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert float(ad.grad(ad.relu)(0.0).item()) == 0.0
    assert float(ad.grad(ad.relu)(0.5).item()) == 1.0
    _, t = ad.jvp(ad.relu, [np.array(0.0)], [np.array(1.0)])
    assert float(t) == 0.0
    # recorded backward pass (create_graph): the chosen slope survives, and relu'' = 0
    x = Tensor(np.array([0.0, 3.0]), requires_grad=True)
    ad.relu(x).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and x.grad.data.tolist() == [0.0, 1.0]
    assert float(ad.derivative(ad.relu, 2)(0.0).item()) == 0.0


def test_leaky_relu_slope_at_zero_is_the_negative_slope_as_pytorch():
    g = _reverse("leaky_relu", POINTS)
    assert np.allclose(g, [0.01, 0.01, 0.01, 1.0], rtol=0, atol=1e-15)
    d = Dual(POINTS, np.ones(4)).leaky_relu()
    assert np.allclose(d.tangent, g, rtol=0, atol=1e-15)


def test_the_rule_table_is_the_one_source_of_the_corner_slope():
    """A function registered with its own corner slope gets it in every mode."""
    kink = Rule("kinky", lambda x: np.abs(np.asarray(x, dtype=float)) * 2.0,
                lambda u, y, F: 2 * F.sign(u), r"\operatorname{kinky}", "piecewise",
                nondiff=(0.0,), nondiff_kind="corner", analytic=False,
                subgradient={0.0: 0.25})
    register(kink)
    try:
        assert _reverse("kinky", [0.0, -1.0, 3.0]).tolist() == [0.25, -2.0, 2.0]
        d = Dual(np.array([0.0, 3.0]), np.ones(2)).kinky()
        assert d.tangent.tolist() == [0.25, 2.0]
        assert float(ad.grad(ad.kinky)(0.0).item()) == 0.25
    finally:
        unregister("kinky")
    assert "kinky" not in RULES


def test_without_a_corner_slope_the_rule_derivative_is_used_unchanged():
    # abs'(0) = sign(0) = 0 from its formula; step has derivative 0 everywhere
    assert _reverse("abs", [0.0, -2.0]).tolist() == [0.0, -1.0]
    assert RULES["relu"].subgradient == {0.0: 0}
    assert RULES["abs"].subgradient == {}


def test_symbolic_side_still_reports_the_corner():
    (corner,) = nondifferentiable_points(bibun.parse("relu(x)"), "x")
    assert (corner.function, corner.condition, corner.value) == ("relu", "x = 0", 0.0)


def test_relu_at_zero_matches_pytorch():
    torch = pytest.importorskip("torch")
    for name, fn in (("relu", torch.relu),
                     ("leaky_relu", lambda v: torch.nn.functional.leaky_relu(v, 0.01))):
        x = torch.tensor(POINTS, requires_grad=True)
        fn(x).sum().backward()
        assert np.allclose(_reverse(name, POINTS), x.grad.numpy(), rtol=0, atol=1e-15)
