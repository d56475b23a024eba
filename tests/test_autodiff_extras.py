"""einsum, tensordot, vmap, casts, factories, softplus(beta) and the losses' options:
values against NumPy (and losses against PyTorch's documented formulas written out in
NumPy here), gradients against central differences, forward mode against reverse mode,
float32 and float64."""

import math

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import Tensor
from bibun.errors import BibunError

RNG = np.random.default_rng(7)


def _val(x):
    """The array inside a Tensor; NumPy scalars and arrays as they are."""
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _fd_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def _check_all_modes(fn, *xs, tol=1e-6):
    """value of a scalar fn, reverse gradient vs central differences, forward (jvp along
    a random direction) vs reverse, for each argument."""
    for k in range(len(xs)):
        def scalar(v, k=k):
            args = list(xs)
            args[k] = v
            return float(fn(*[Tensor(a) for a in args]).data)

        g = ad.grad(fn, k)(*xs)
        g = _val(g)
        np.testing.assert_allclose(g, _fd_grad(scalar, xs[k].copy()), rtol=tol, atol=tol)
        d = RNG.normal(size=xs[k].shape)
        tangents = [np.zeros_like(x) for x in xs]
        tangents[k] = d
        _, t = ad.jvp(fn, list(xs), tangents)
        assert float(_val(t)) == pytest.approx(
            float(np.sum(g * d)), rel=1e-9, abs=1e-12)


# -- einsum and tensordot ---------------------------------------------------------------

EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]), ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ij,j->i", [(3, 4), (4,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ij,ij->i", [(3, 4), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
]


@pytest.mark.parametrize("spec, shapes", EINSUMS)
def test_einsum_matches_numpy_and_differentiates_in_every_mode(spec, shapes):
    xs = [RNG.normal(size=s) for s in shapes]
    np.testing.assert_allclose(ad.einsum(spec, *xs).data, np.einsum(spec, *xs), rtol=1e-12)
    w = RNG.normal(size=np.einsum(spec, *xs).shape)
    _check_all_modes(lambda *a: (ad.einsum(spec, *a) * w).sum(), *xs)


def test_einsum_keeps_float32_and_its_second_derivative_is_right():
    a = RNG.normal(size=(3, 3)).astype(np.float32)
    assert ad.einsum("ij,jk->ik", a, a).dtype == np.float32
    # f(x) = xᵀAx: Hessian A + Aᵀ
    A = RNG.normal(size=(3, 3))
    H = ad.hessian(lambda x: ad.einsum("i,ij,j->", x, A, x))(np.ones(3))
    np.testing.assert_allclose(_val(H), A + A.T, rtol=1e-12)


@pytest.mark.parametrize("spec, args, match", [
    ("ij,jk->ik", [(3, 4), (5, 6)], "length"), ("ii->i", [(3, 3)], "repeated"),
    ("...ij->ij", [(3, 4)], "ellipsis"), ("ij,jk->ik", [(3, 4)], "operands"),
    ("ij->iji", [(3, 4)], "at most once"), ("ijk->i", [(3, 4)], "axes"),
])
def test_einsum_refuses_bad_subscripts_with_the_spec_named(spec, args, match):
    with pytest.raises(ad.ShapeError, match=match):
        ad.einsum(spec, *[np.ones(s) for s in args])


@pytest.mark.parametrize("shapes, axes", [
    ([(3, 4), (4, 5)], 1), ([(2, 3, 4), (3, 4, 5)], 2), ([(2, 3, 4), (3, 2, 5)], ([0, 1], [1, 0])),
    ([(3,), (4,)], 0),
])
def test_tensordot_matches_numpy_and_differentiates(shapes, axes):
    a, b = (RNG.normal(size=s) for s in shapes)
    ref = np.tensordot(a, b, axes)
    np.testing.assert_allclose(ad.tensordot(a, b, axes).data, ref, rtol=1e-12)
    w = RNG.normal(size=ref.shape)
    _check_all_modes(lambda x, y: (ad.tensordot(x, y, axes) * w).sum(), a, b)


# -- vmap, casts, factories, softplus(beta) ----------------------------------------------


def test_vmap_maps_over_a_leading_axis_and_stays_on_the_graph():
    X = RNG.normal(size=(5, 3))
    w = RNG.normal(size=3)
    f = ad.vmap(lambda x, v: ad.tanh(x @ v), in_axes=(0, None))
    np.testing.assert_allclose(f(X, w).data, np.tanh(X @ w), rtol=1e-14)
    g = ad.grad(lambda v: f(X, v).sum())(w)
    np.testing.assert_allclose(_val(g),
                               ((1 - np.tanh(X @ w) ** 2)[:, None] * X).sum(0), rtol=1e-12)
    # per-example gradients: vmap of grad
    per = ad.vmap(ad.grad(lambda x: (ad.sin(x) * x).sum()))(X)
    np.testing.assert_allclose(per.data, np.sin(X) + X * np.cos(X), rtol=1e-12)
    _, t = ad.jvp(lambda v: f(X, v).sum(), [w], [np.ones(3)])
    assert float(_val(t)) == pytest.approx(float(np.sum(g)), rel=1e-12)
    with pytest.raises(ad.ShapeError, match="one length"):
        ad.vmap(lambda a, b: a + b)(np.ones((2, 3)), np.ones((3, 3)))


def test_astype_casts_on_the_graph_and_casts_the_gradient_back():
    x = Tensor(np.array([1.5, -2.0], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [3.0, -4.0])
    d2 = ad.derivative(lambda t: ad.astype(t, np.float32) ** 3, 2)(np.float64(1.5))
    assert float(_val(d2)) == pytest.approx(9.0, rel=1e-6)
    with pytest.raises(ad.ShapeError, match="not a float"):
        ad.astype(x, np.int64)


def test_factories_give_leaves_of_the_requested_dtype():
    assert ad.zeros((2, 3), dtype=np.float32).dtype == np.float32
    assert ad.ones(3).data.tolist() == [1.0, 1.0, 1.0]
    assert ad.full((2,), 7.0).data.tolist() == [7.0, 7.0]
    assert ad.eye(2).data.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert ad.arange(3).data.tolist() == [0.0, 1.0, 2.0]
    assert ad.linspace(0, 1, 3).data.tolist() == [0.0, 0.5, 1.0]
    np.testing.assert_array_equal(ad.randn((4,), rng=3).data, ad.randn((4,), rng=3).data)
    r = ad.rand((1000,), rng=0).data
    assert r.min() >= 0 and r.max() < 1
    w = ad.zeros_like(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    assert w.requires_grad and w.dtype == np.float32 and ad.ones_like(w).shape == (2, 2)


@pytest.mark.parametrize("beta", [1.0, 2.0, 0.5])
def test_softplus_with_beta_is_log1p_exp_beta_x_over_beta(beta):
    x = np.array([-1000.0, -3.0, 0.0, 0.7, 1000.0])
    expected = np.logaddexp(0, beta * x) / beta
    np.testing.assert_allclose(ad.softplus(x, beta=beta).data, expected, rtol=1e-14)
    g = ad.grad(lambda t: ad.softplus(t, beta=beta).sum())(x)
    np.testing.assert_allclose(_val(g),
                               np.exp(-np.logaddexp(0, -beta * x)), rtol=1e-13)


# -- losses with PyTorch's options ----------------------------------------------------------


def _ref_ce(z, t, reduction="mean", ls=0.0, ignore=None):
    """torch.nn.functional.cross_entropy's documented formula, in NumPy (N, C)."""
    n, c = z.shape
    logp = z - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)) \
        - z.max(1, keepdims=True)
    if t.dtype.kind == "f":
        dist, keep = t.copy(), np.ones(n, bool)
    else:
        keep = np.ones(n, bool) if ignore is None else t != ignore
        dist = np.zeros((n, c))
        dist[np.flatnonzero(keep), t[keep]] = 1
    dist = (1 - ls) * dist + ls / c
    dist[~keep] = 0
    per = -(dist * logp).sum(1)
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    return per.sum() / (keep.sum() if t.dtype.kind != "f" else n)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ls", [0.0, 0.1])
@pytest.mark.parametrize("ignore", [None, 2])
def test_cross_entropy_options_match_pytorchs_formula(reduction, ls, ignore):
    z = RNG.normal(size=(6, 4)) * 3
    t = np.array([0, 2, 1, 3, 2, 0])
    got = ad.cross_entropy(z, t, reduction=reduction, label_smoothing=ls, ignore_index=ignore)
    np.testing.assert_allclose(got.data, _ref_ce(z, t, reduction, ls, ignore), rtol=1e-12)
    w = RNG.normal(size=np.shape(got.data))
    _check_all_modes(lambda a: (ad.cross_entropy(a, t, reduction=reduction, label_smoothing=ls,
                                                 ignore_index=ignore) * w).sum(), z)


def test_cross_entropy_on_unbatched_and_spatial_inputs():
    z = RNG.normal(size=(2, 3, 4, 5))  # (N, C, H, W)
    t = RNG.integers(0, 3, size=(2, 4, 5))
    flat_z = np.moveaxis(z, 1, -1).reshape(-1, 3)
    per = ad.cross_entropy(z, t, reduction="none")
    assert per.shape == (2, 4, 5)
    np.testing.assert_allclose(per.data.ravel(), _ref_ce(flat_z, t.ravel(), "none"), rtol=1e-12)
    np.testing.assert_allclose(ad.cross_entropy(z, t).data, _ref_ce(flat_z, t.ravel()),
                               rtol=1e-12)
    _check_all_modes(lambda a: ad.cross_entropy(a, t, label_smoothing=0.2), z)
    v = RNG.normal(size=5)
    assert float(ad.cross_entropy(v, np.int64(3)).data) == pytest.approx(
        float(_ref_ce(v[None], np.array([3]))), rel=1e-12)
    p = np.full(5, 0.2)
    assert float(ad.cross_entropy(v, p).data) == pytest.approx(
        float(_ref_ce(v[None], p[None])), rel=1e-12)
    with pytest.raises(ad.ShapeError, match="target"):
        ad.cross_entropy(z, t[:, :2])
    with pytest.raises(BibunError, match="reduction"):
        ad.cross_entropy(v, np.int64(3), reduction="avg")


def test_cross_entropy_keeps_float32():
    z = RNG.normal(size=(4, 3)).astype(np.float32)
    t = np.array([0, 1, 2, 1])
    for kw in ({}, {"label_smoothing": 0.1}, {"reduction": "sum"}):
        out = ad.cross_entropy(Tensor(z, requires_grad=True), t, **kw)
        assert out.dtype == np.float32
        assert float(out.data) == pytest.approx(float(_ref_ce(z.astype(float), t,
                                                              kw.get("reduction", "mean"),
                                                              kw.get("label_smoothing", 0))),
                                                rel=1e-5)


def test_binary_cross_entropy_on_probabilities_clamps_logs_at_minus_100():
    p = np.array([0.0, 0.2, 0.5, 0.9, 1.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    ref = -(t * np.maximum(np.log(np.maximum(p, 1e-300)), -100)
            + (1 - t) * np.maximum(np.log(np.maximum(1 - p, 1e-300)), -100))
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(ad.binary_cross_entropy(p, t, reduction="none").data, ref)
    assert float(ad.binary_cross_entropy(p, t).data) == pytest.approx(ref.mean())
    q = np.array([0.2, 0.5, 0.9])
    g = ad.grad(lambda a: ad.binary_cross_entropy(a, t[1:4]))(q)
    np.testing.assert_allclose(_val(g),
                               (q - t[1:4]) / (q * (1 - q)) / 3, rtol=1e-12)
    _check_all_modes(lambda a: ad.binary_cross_entropy(a, t[1:4], reduction="sum"), q)
    g0 = ad.grad(lambda a: ad.binary_cross_entropy(a, t))(p)
    assert np.isfinite(_val(g0)).all()


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_bce_with_logits_and_mse_reductions(reduction):
    z = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0])
    t = np.array([0.0, 1.0, 0.5, 1.0, 1.0])
    per = np.logaddexp(0, z) - z * t
    got = ad.bce_with_logits(z, t, reduction=reduction).data
    np.testing.assert_allclose(got, per.sum() if reduction == "sum" else per, rtol=1e-12)
    d = (z - t) ** 2
    got = ad.mse_loss(z, t, reduction=reduction).data
    np.testing.assert_allclose(got, d.sum() if reduction == "sum" else d, rtol=1e-12)
    assert math.isfinite(float(ad.bce_with_logits(z, t, reduction="sum").data))
