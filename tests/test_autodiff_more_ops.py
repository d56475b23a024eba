"""The ops beyond the rule table (clip, maximum/minimum, var/std, prod, cumsum, shape
helpers, step functions, im2col convolution and pooling): each value against NumPy,
each gradient against central differences (gradcheck) in reverse mode, the jvp in
forward mode, the two modes against each other, and against PyTorch when installed."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import Dual, ShapeError, Tensor, gradcheck, jvp

RNG = np.random.default_rng(7)


def weighted(op):
    """op made scalar with fixed weights, so every output entry counts."""
    cache = {}

    def f(*args):
        y = op(*args)
        if y.shape not in cache:
            cache[y.shape] = np.random.default_rng(3).standard_normal(y.shape)
        return (y * cache[y.shape]).sum()

    return f


def check(op, *xs, rtol=1e-5, atol=1e-7):
    """Reverse mode by gradcheck; forward mode (jvp) against a central difference of f
    along a random direction; and jvp = vjp·t."""
    f = weighted(op)
    xs = [np.asarray(x, dtype=np.float64) for x in xs]
    report = gradcheck(f, *xs, rtol=rtol, atol=atol)
    assert report.ok, str(report)
    ts = [RNG.standard_normal(x.shape) for x in xs]
    _, tangent = jvp(f, xs, ts)
    h = 1e-6
    up = f(*[Tensor(x + h * t) for x, t in zip(xs, ts)]).item()
    down = f(*[Tensor(x - h * t) for x, t in zip(xs, ts)]).item()
    assert np.isclose(tangent, (up - down) / (2 * h), rtol=1e-5, atol=1e-7)
    _, pullback = ad.vjp(f, *xs)
    rev = sum(float((np.asarray(g.data) * t).sum()) for g, t in zip(pullback(np.ones(())), ts))
    assert np.isclose(rev, float(tangent), rtol=1e-8, atol=1e-10)


def forward_matches(op, ref, *xs):
    """The value in reverse mode (Tensor) and forward mode (Dual) equals NumPy's."""
    want = ref(*xs)
    got = op(*[Tensor(x) for x in xs])
    assert np.allclose(got.data, want, rtol=1e-12, atol=1e-12, equal_nan=True)
    dual = op(*[Dual(x) for x in xs])
    assert np.allclose(dual.primal, want, rtol=1e-12, atol=1e-12, equal_nan=True)


A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
B[0, 0] = A[0, 0] + 0.75  # keep away from ties for the finite differences
POS = RNG.uniform(0.5, 2.0, (3, 4))

# name -> (bibun op, NumPy reference, inputs); inputs avoid kinks by more than 1e-3
CASES = {
    "maximum": (ad.maximum, np.maximum, (A, B)),
    "minimum": (ad.minimum, np.minimum, (A, B)),
    "maximum_broadcast": (ad.maximum, np.maximum, (A, B[:1])),
    "clip": (lambda x: ad.clip(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7), (A,)),
    "clip_lower_only": (lambda x: ad.clip(x, 0.1), lambda x: np.clip(x, 0.1, None), (A,)),
    "var_all": (ad.var, np.var, (A,)),
    "var_axis_ddof": (lambda x: ad.var(x, axis=1, ddof=1),
                      lambda x: np.var(x, axis=1, ddof=1), (A,)),
    "std_axis0": (lambda x: ad.std(x, axis=0, keepdims=True),
                  lambda x: np.std(x, axis=0, keepdims=True), (A,)),
    "prod_all": (ad.prod, np.prod, (POS,)),
    "prod_axis": (lambda x: ad.prod(x, axis=1), lambda x: np.prod(x, axis=1), (A,)),
    "prod_keepdims": (lambda x: ad.prod(x, axis=0, keepdims=True),
                      lambda x: np.prod(x, axis=0, keepdims=True), (A,)),
    "cumsum": (lambda x: ad.cumsum(x, axis=1), lambda x: np.cumsum(x, axis=1), (A,)),
    "cumsum_flat": (ad.cumsum, np.cumsum, (A,)),
    "squeeze": (ad.squeeze, np.squeeze, (A.reshape(3, 1, 4, 1),)),
    "squeeze_axis": (lambda x: ad.squeeze(x, 1), lambda x: np.squeeze(x, 1),
                     (A.reshape(3, 1, 4),)),
    "expand_dims": (lambda x: ad.expand_dims(x, (0, -1)),
                    lambda x: np.expand_dims(x, (0, -1)), (A,)),
    "unsqueeze": (lambda x: ad.unsqueeze(x, 1), lambda x: np.expand_dims(x, 1), (A,)),
    "flip": (lambda x: ad.flip(x, 1), lambda x: np.flip(x, 1), (A,)),
    "moveaxis": (lambda x: ad.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1),
                 (RNG.standard_normal((2, 3, 4)),)),
    "swapaxes": (lambda x: ad.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2),
                 (RNG.standard_normal((2, 3, 4)),)),
    "repeat": (lambda x: ad.repeat(x, 2, axis=0), lambda x: np.repeat(x, 2, axis=0), (A,)),
    "tile": (lambda x: ad.tile(x, (2, 1)), lambda x: np.tile(x, (2, 1)), (A,)),
    "pad": (lambda x: ad.pad(x, ((1, 0), (2, 1))), lambda x: np.pad(x, ((1, 0), (2, 1))),
            (A,)),
    "dot_vectors": (ad.dot, np.dot, (A[0], B[0])),
    "dot_matrices": (ad.dot, np.dot, (A, B.T)),
    "outer": (ad.outer, np.outer, (A[0], B[1])),
    "trace": (ad.trace, np.trace, (A,)),
    "diag_of_matrix": (ad.diag, np.diag, (A,)),
    "diag_from_vector": (ad.diag, np.diag, (A[0],)),
    "triu": (lambda x: ad.triu(x, 1), lambda x: np.triu(x, 1), (A,)),
    "tril": (ad.tril, np.tril, (A,)),
    "log2": (ad.log2, np.log2, (POS,)),
    "log10": (ad.log10, np.log10, (POS,)),
    "exp2": (ad.exp2, np.exp2, (A,)),
    "hypot": (ad.hypot, np.hypot, (A, B)),
    "arctan2": (ad.arctan2, np.arctan2, (A, B)),
    "reciprocal": (ad.reciprocal, np.reciprocal, (POS,)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_matches_numpy(name):
    op, ref, xs = CASES[name]
    forward_matches(op, ref, *xs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences_in_both_modes(name):
    op, _, xs = CASES[name]
    check(op, *xs)


def test_maximum_splits_the_gradient_on_ties_as_pytorch_and_jax():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([1.0, 5.0, 0.0], requires_grad=True)
    ad.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0] and b.grad.tolist() == [0.5, 1.0, 0.0]
    d = ad.minimum(Dual(np.array([1.0, 2.0]), np.ones(2)), np.array([1.0, 0.0]))
    assert d.tangent.tolist() == [0.5, 0.0]


def test_max_reduction_sends_the_gradient_to_the_argmax_and_splits_ties():
    x = Tensor([[1.0, 4.0, 4.0], [2.0, 0.0, -1.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]


def test_clip_gradient_includes_the_bounds_as_torch_clamp():
    x = Tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    ad.clip(x, -1.0, 1.0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    lo = Tensor(-1.0, requires_grad=True)
    ad.clip(Tensor([-3.0, 0.0, -2.0]), lo, 5.0).sum().backward()
    assert float(lo.grad) == 2.0  # the bound was chosen twice


def test_step_functions_have_zero_gradient_and_numpys_values():
    x = Tensor([-1.5, -0.5, 0.5, 2.5], requires_grad=True)
    for op, ref in ((ad.floor, np.floor), (ad.ceil, np.ceil), (ad.round, np.rint),
                    (ad.trunc, np.trunc)):
        y = op(x)
        assert y.data.tolist() == ref(x.data).tolist()
        y.sum().backward()
        assert x.grad.tolist() == [0.0] * 4


def test_argmax_argmin_are_indices_without_gradient():
    assert ad.argmax(Tensor(A), axis=1).tolist() == np.argmax(A, axis=1).tolist()
    assert int(ad.argmin(Tensor(A))) == int(np.argmin(A))


def test_float32_is_kept():
    x = Tensor(A.astype(np.float32), requires_grad=True)
    for op in (lambda v: ad.clip(v, -0.5, 0.5), lambda v: ad.maximum(v, 0.1), ad.var,
               ad.std, lambda v: ad.cumsum(v, 0), ad.squeeze, ad.prod):
        y = op(x)
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32


def test_second_derivatives_of_compositions():
    # d²/dx² var(x) = 2(1 - 1/n)/n on the diagonal
    H = ad.hessian(ad.var)(A[0])
    n = A.shape[1]
    assert np.allclose(H, 2 * (np.eye(n) - 1 / n) / n)
    # prod of two entries: mixed partial 1
    H2 = ad.hessian(ad.prod)(np.array([2.0, 3.0]))
    assert np.allclose(H2, [[0.0, 1.0], [1.0, 0.0]])


@pytest.mark.parametrize("call, text", [
    (lambda: ad.squeeze(Tensor(A), 0), "squeeze: axis 0"),
    (lambda: ad.var(Tensor([1.0]), ddof=1), "var"),
    (lambda: ad.maximum(Tensor(A), Tensor(np.ones(5))), "maximum: shapes"),
    (lambda: ad.trace(Tensor(A[0])), "trace"),
    (lambda: ad.conv2d(Tensor(np.ones((1, 2, 5, 5))), Tensor(np.ones((3, 1, 3, 3)))),
     "conv2d: weights"),
    (lambda: ad.max_pool2d(Tensor(np.ones((1, 1, 2, 2))), 3), "does not fit"),
    (lambda: ad.conv2d(Tensor(np.ones((2, 5, 5))), Tensor(np.ones((3, 1, 3, 3)))),
     "batch, channels"),
])
def test_shape_errors_name_the_op_and_shapes(call, text):
    with pytest.raises(ShapeError, match=text):
        call()


# -- convolution and pooling -------------------------------------------------------------


def naive_conv2d(x, W, b, stride, pad):
    """The definition, by loops: out[n, o, i, j] = Σ x[n, c, i·s + u, j·s + v] W[o, c, u, v]."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, w = x.shape
    o, _, kh, kw = W.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("ncuv,ocuv->no", patch, W) + b
    return out


def naive_pool(x, k, how):
    n, c, h, w = x.shape
    out = np.zeros((n, c, h // k, w // k))
    for i in range(h // k):
        for j in range(w // k):
            out[:, :, i, j] = how(x[:, :, i * k:(i + 1) * k, j * k:(j + 1) * k], axis=(2, 3))
    return out


X_IMG = RNG.standard_normal((2, 3, 6, 5))
W_IMG = RNG.standard_normal((4, 3, 3, 2))
B_IMG = RNG.standard_normal(4)


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1), (1, 2)])
def test_conv2d_matches_the_definition_and_its_gradients(stride, pad):
    got = ad.conv2d(Tensor(X_IMG), Tensor(W_IMG), Tensor(B_IMG), stride, pad)
    assert np.allclose(got.data, naive_conv2d(X_IMG, W_IMG, B_IMG, stride, pad))
    check(lambda x, w, b: ad.conv2d(x, w, b, stride, pad), X_IMG, W_IMG, B_IMG)


def test_pooling_matches_the_definition_and_its_gradients():
    x = RNG.standard_normal((2, 3, 4, 6))
    assert np.allclose(ad.max_pool2d(Tensor(x), 2).data, naive_pool(x, 2, np.max))
    assert np.allclose(ad.avg_pool2d(Tensor(x), 2).data, naive_pool(x, 2, np.mean))
    check(lambda v: ad.max_pool2d(v, 2), x)
    check(lambda v: ad.avg_pool2d(v, 2), x)
    check(lambda v: ad.max_pool2d(v, 3, 1), x)


def test_im2col_and_col2im_are_adjoint_and_differentiable_twice():
    x = RNG.standard_normal((1, 2, 5, 4))
    cols = ad.im2col(Tensor(x), 3, 1, 1)
    y = RNG.standard_normal(cols.shape)
    back = ad.col2im(Tensor(y), x.shape, 3, 1, 1)
    assert np.isclose((cols.data * y).sum(), (x * back.data).sum())  # <Ax, y> = <x, Aᵀy>
    # a second-order quantity through the convolution: Hessian of a cubic in the input
    f = lambda v: (ad.conv2d(v, Tensor(W_IMG[:, :2]), None, 1, 1) ** 3).sum()  # noqa: E731
    g = ad.grad(f)
    report = gradcheck(lambda v: (g(v) * Tensor(np.ones_like(x))).sum(), x)
    assert report.ok, str(report)


def test_conv2d_and_pooling_match_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = torch.tensor(X_IMG, requires_grad=True)
    w = torch.tensor(W_IMG, requires_grad=True)
    b = torch.tensor(B_IMG, requires_grad=True)
    out = F.max_pool2d(F.conv2d(x, w, b, stride=1, padding=1), 2)
    weights = np.random.default_rng(5).standard_normal(tuple(out.shape))
    (out * torch.tensor(weights)).sum().backward()
    xs = [Tensor(v, requires_grad=True) for v in (X_IMG, W_IMG, B_IMG)]
    mine = ad.max_pool2d(ad.conv2d(*xs, 1, 1), 2)
    assert np.allclose(mine.data, out.detach().numpy())
    (mine * weights).sum().backward()
    for t, ref in zip(xs, (x, w, b)):
        assert np.allclose(t.grad, ref.grad.numpy())


@pytest.mark.parametrize("name", ["maximum", "clip", "var_axis_ddof", "std_axis0",
                                  "prod_axis", "cumsum", "hypot", "arctan2"])
def test_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    refs = {
        "maximum": lambda a, b: torch.maximum(a, b),
        "clip": lambda x: torch.clamp(x, -0.5, 0.7),
        "var_axis_ddof": lambda x: torch.var(x, dim=1, correction=1),
        "std_axis0": lambda x: torch.std(x, dim=0, correction=0, keepdim=True),
        "prod_axis": lambda x: torch.prod(x, dim=1),
        "cumsum": lambda x: torch.cumsum(x, dim=1),
        "hypot": lambda a, b: torch.hypot(a, b),
        "arctan2": lambda a, b: torch.atan2(a, b),
    }
    op, _, xs = CASES[name]
    tx = [torch.tensor(x, requires_grad=True) for x in xs]
    out = refs[name](*tx)
    w = np.random.default_rng(2).standard_normal(tuple(out.shape))
    (out * torch.tensor(w)).sum().backward()
    bx = [Tensor(x, requires_grad=True) for x in xs]
    y = op(*bx)
    assert np.allclose(y.data, out.detach().numpy())
    (y * w).sum().backward()
    for t, ref in zip(bx, tx):
        assert np.allclose(t.grad, ref.grad.numpy())
