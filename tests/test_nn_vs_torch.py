"""Every loss and layer of bibun.nn against PyTorch (``torch.nn.functional`` and
``torch.func.functional_call`` on torch's own modules): value, reverse mode (input and
every parameter), forward mode (``torch.func.jvp``) and second order (H·v), float64 and
float32, ordinary and extreme inputs.  The comparison is ``tests/torch_oracle.py``."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun import nn
from tests.torch_oracle import compare, torch

F = torch.nn.functional
DTYPES = [np.float64, np.float32]
IDS = ["f64", "f32"]
R = np.random.default_rng(5)


def functional(layer: nn.Module, names: list[str]):
    """The layer as a function of (x, *parameters): the parameters named are swapped for
    the arguments during the call, so the oracle differentiates with respect to them."""

    def f(x, *params):
        saved = [getattr(layer, n) for n in names]
        for n, p in zip(names, params):
            setattr(layer, n, p)
        try:
            out = layer(x)
        finally:
            for n, p in zip(names, saved):
                setattr(layer, n, p)
        return out[0] if isinstance(out, tuple) else out

    return f


def values(layer: nn.Module, names: list[str]) -> list[np.ndarray]:
    return [getattr(layer, n).data for n in names]


# -- losses ------------------------------------------------------------------------------

LOGITS = R.standard_normal((5, 4))
LABELS = np.array([0, 3, 1, 1, 2])
PROBS = R.dirichlet(np.ones(4), 5)
EXTREME_LOGITS = np.array([[1000.0, -1000.0, 0.0, 1.0], [-1000.0, -1000.0, -1000.0, 1000.0],
                           [0.0, 0.0, 0.0, 0.0], [30.0, -30.0, 1000.0, 1000.0],
                           [-1000.0, 1.0, 2.0, 3.0]])


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("logits", [LOGITS, EXTREME_LOGITS], ids=["ordinary", "±1000"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_matches_pytorch(reduction, logits, dtype):
    compare(lambda z, t: ad.cross_entropy(z, t, reduction=reduction),
            lambda z, t: F.cross_entropy(z, t, reduction=reduction),
            [logits], dtype, consts=[LABELS], what=f"cross_entropy {reduction}")
    compare(lambda z, t: ad.cross_entropy(z, t, reduction=reduction, label_smoothing=0.1,
                                          ignore_index=1),
            lambda z, t: F.cross_entropy(z, t, reduction=reduction, label_smoothing=0.1,
                                         ignore_index=1),
            [logits], dtype, consts=[LABELS], what="cross_entropy smoothing+ignore")
    compare(lambda z, p: ad.cross_entropy(z, p.astype(dtype), reduction=reduction),
            lambda z, p: F.cross_entropy(z, p.to(z.dtype), reduction=reduction),
            [logits], dtype, consts=[PROBS], what="cross_entropy probabilities")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_cross_entropy_shapes_match_pytorch(dtype):
    compare(ad.cross_entropy, F.cross_entropy, [LOGITS[0]], dtype, consts=[np.array(2)],
            what="cross_entropy unbatched")
    z = R.standard_normal((2, 4, 3, 2))
    t = R.integers(0, 4, (2, 3, 2))
    compare(ad.cross_entropy, F.cross_entropy, [z], dtype, consts=[t],
            what="cross_entropy (N, C, d1, d2)")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_losses_and_mse_match_pytorch(reduction, dtype):
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 1.0])
    zs = np.array([-1000.0, 1000.0, -30.0, 0.0, 0.5, -2.0])
    compare(lambda z, y: ad.bce_with_logits(z, y.astype(dtype), reduction=reduction),
            lambda z, y: F.binary_cross_entropy_with_logits(z, y.to(z.dtype),
                                                            reduction=reduction),
            [zs], dtype, consts=[t], what="bce_with_logits")
    # (not closer to 1: at p = 0.999 torch's own second derivative is 2e-9 off the exact
    # 0.3/p² + 0.7/(1-p)², bibun's matches it to 1e-15)
    p = np.array([0.2, 0.9, 0.5, 1e-3, 0.99, 0.6])
    compare(lambda q, y: ad.binary_cross_entropy(q, y.astype(dtype), reduction=reduction),
            lambda q, y: F.binary_cross_entropy(q, y.to(q.dtype), reduction=reduction),
            [p], dtype, consts=[t], what="binary_cross_entropy")
    compare(lambda a, b: ad.mse_loss(a, b, reduction=reduction),
            lambda a, b: F.mse_loss(a, b, reduction=reduction),
            [LOGITS, PROBS], dtype, what="mse_loss")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_binary_cross_entropy_at_0_and_1_is_clamped_as_pytorch(dtype):
    """Each log is clamped at -100, so the loss of a sure wrong answer is 100 in both
    dtypes (float32's smallest normal number would stop the log at -87).  The gradient
    is the clamped function's (0 where a log is clamped, 1/(1-p) where p = t = 0), finite;
    PyTorch's at exactly 0 and 1 is (p-t)/max(p(1-p), 1e-12) instead (docs/autodiff.md)."""
    p, t = np.array([0.0, 1.0, 0.0, 1.0], dtype), np.array([0.0, 1.0, 1.0, 0.0], dtype)
    want = F.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    got = ad.binary_cross_entropy(p, t, reduction="none")
    np.testing.assert_array_equal(got.data, want.numpy())
    np.testing.assert_array_equal(got.data, [0, 0, 100, 100])
    g = ad.grad(lambda q: ad.binary_cross_entropy(q, t, reduction="sum"))(p).data
    np.testing.assert_array_equal(g, [1, -1, 0, 0])


# -- layers ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_linear_matches_pytorch(dtype):
    layer = nn.Linear(4, 3, rng=0, dtype=dtype)
    layer.b.data[:] = R.standard_normal(3)
    compare(functional(layer, ["W", "b"]), lambda x, W, b: F.linear(x, W.T, b),
            [LOGITS, *values(layer, ["W", "b"])], dtype, what="Linear")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1)])
def test_conv2d_matches_pytorch(stride, padding, dtype):
    layer = nn.Conv2d(2, 3, 3, stride=stride, padding=padding, rng=1, dtype=dtype)
    layer.b.data[:] = R.standard_normal(3)
    x = R.standard_normal((2, 2, 5, 5))
    compare(functional(layer, ["W", "b"]),
            lambda x, W, b: F.conv2d(x, W, b, stride=stride, padding=padding),
            [x, *values(layer, ["W", "b"])], dtype, what=f"Conv2d s{stride} p{padding}")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_pooling_matches_pytorch(dtype):
    x = R.standard_normal((2, 2, 6, 6))
    compare(nn.MaxPool2d(2), lambda v: F.max_pool2d(v, 2), [x], dtype, what="MaxPool2d")
    compare(nn.MaxPool2d(3, stride=2), lambda v: F.max_pool2d(v, 3, 2), [x], dtype,
            what="MaxPool2d overlapping")
    compare(nn.AvgPool2d(2), lambda v: F.avg_pool2d(v, 2), [x], dtype, what="AvgPool2d")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("scale", [1.0, 1000.0], ids=["ordinary", "x1000"])
def test_batchnorm_training_matches_pytorch(scale, dtype):
    for layer, x in ((nn.BatchNorm1d(3, dtype=dtype), R.standard_normal((6, 3))),
                     (nn.BatchNorm2d(2, dtype=dtype), R.standard_normal((3, 2, 2, 3)))):
        layer.gamma.data[:] = R.uniform(0.5, 2, layer.num_features)
        layer.beta.data[:] = R.standard_normal(layer.num_features)
        compare(functional(layer, ["gamma", "beta"]),
                lambda v, g, b: F.batch_norm(v, None, None, g, b, training=True, eps=1e-5),
                [scale * x, *values(layer, ["gamma", "beta"])], dtype,
                what=f"{type(layer).__name__} training")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_batchnorm_running_statistics_and_evaluation_match_pytorch(dtype):
    ours, ref = nn.BatchNorm2d(2, dtype=dtype), torch.nn.BatchNorm2d(
        2, dtype=dict(zip(DTYPES, [torch.float64, torch.float32]))[dtype])
    for _ in range(3):
        x = R.standard_normal((4, 2, 3, 3)).astype(dtype)
        ours(x)
        ref(torch.tensor(x))
    np.testing.assert_allclose(ours.running_mean, ref.running_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.running_var, ref.running_var.numpy(), rtol=1e-5)
    ours.eval()
    rm, rv = ours.running_mean.copy(), ours.running_var.copy()
    compare(functional(ours, ["gamma", "beta"]),
            lambda v, g, b: F.batch_norm(v, torch.tensor(rm), torch.tensor(rv), g, b,
                                         training=False, eps=1e-5),
            [R.standard_normal((2, 2, 3, 3)), *values(ours, ["gamma", "beta"])], dtype,
            what="BatchNorm2d evaluation")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_layernorm_matches_pytorch(dtype):
    layer = nn.LayerNorm(4, dtype=dtype)
    layer.gamma.data[:] = R.uniform(0.5, 2, 4)
    layer.beta.data[:] = R.standard_normal(4)
    x = np.concatenate([LOGITS, 1000 * LOGITS[:1], np.full((1, 4), 7.0)])  # incl. constant row
    compare(functional(layer, ["gamma", "beta"]),
            lambda v, g, b: F.layer_norm(v, (4,), g, b, eps=1e-5),
            [x, *values(layer, ["gamma", "beta"])], dtype, what="LayerNorm")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_embedding_matches_pytorch(dtype):
    layer = nn.Embedding(5, 3, rng=0, dtype=dtype)
    idx = np.array([[0, 4, 4], [2, 0, 1]])
    compare(lambda W, i: functional(layer, ["W"])(i, W), lambda W, i: F.embedding(i, W),
            [layer.W.data], dtype, consts=[idx], what="Embedding (repeated tokens)")


def _recurrent(kind: str, dtype):
    """bibun's layer and the same network as torch.nn.RNN/LSTM/GRU, called functionally
    with bibun's parameters mapped onto torch's layout (transposed; LSTM gates i, f, o, g
    reordered to torch's i, f, g, o; torch's second bias fixed at 0 where bibun has one)."""
    D, H = 3, 4
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
    layer = cls(D, H, rng=2, dtype=dtype)
    tdt = dict(zip(DTYPES, [torch.float64, torch.float32]))[dtype]
    ref = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](
        D, H, batch_first=True, dtype=tdt)
    names = ["Wx", "Wh", "bx", "bh"] if kind == "gru" else ["Wx", "Wh", "b"]
    for n in names:
        getattr(layer, n).data[:] = R.uniform(-0.6, 0.6, getattr(layer, n).shape)

    def order(w):  # bibun's LSTM columns i, f, o, g -> torch's rows i, f, g, o
        if kind != "lstm":
            return w
        i, f, o, g = torch.split(w, H, dim=-1)
        return torch.cat([i, f, g, o], dim=-1)

    def tfn(x, Wx, Wh, *b):
        bih = b[0]
        bhh = b[1] if kind == "gru" else torch.zeros_like(bih)
        params = {"weight_ih_l0": order(Wx).T, "weight_hh_l0": order(Wh).T,
                  "bias_ih_l0": order(bih), "bias_hh_l0": order(bhh)}
        with torch.backends.mkldnn.flags(enabled=False):  # mkldnn's LSTM has no jvp
            return torch.func.functional_call(ref, params, (x,))[0]

    return functional(layer, names), tfn, values(layer, names)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_recurrent_layers_match_pytorch(kind, dtype):
    bfn, tfn, params = _recurrent(kind, dtype)
    x = R.standard_normal((2, 3, 3))
    compare(bfn, tfn, [x, *params], dtype, what=kind.upper())


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_attention_matches_pytorch(dtype):
    q, k, v = R.standard_normal((3, 2, 4, 3))
    compare(nn.scaled_dot_product_attention, F.scaled_dot_product_attention, [q, k, v], dtype,
            what="scaled_dot_product_attention")
    compare(lambda a, b, c: nn.scaled_dot_product_attention(a, b, c, causal=True),
            lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True),
            [q, k, v], dtype, what="causal attention")
    mask = np.array([[True, False, True, True]] * 4)
    compare(lambda a, b, c: nn.scaled_dot_product_attention(a, b, c, mask=mask),
            lambda a, b, c: F.scaled_dot_product_attention(a, b, c,
                                                           attn_mask=torch.tensor(mask)),
            [q, k, v], dtype, what="masked attention")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_multi_head_attention_matches_pytorch(dtype):
    d, heads = 4, 2
    layer = nn.MultiHeadAttention(d, heads, rng=3, dtype=dtype)
    for lin in (layer.q, layer.k, layer.v, layer.out):
        lin.b.data[:] = R.standard_normal(d)
    tdt = dict(zip(DTYPES, [torch.float64, torch.float32]))[dtype]
    ref = torch.nn.MultiheadAttention(d, heads, batch_first=True, dtype=tdt)
    lins = [layer.q, layer.k, layer.v, layer.out]
    params = [p.data for lin in lins for p in (lin.W, lin.b)]

    def bfn(x, *ps):
        saved = [(lin.W, lin.b) for lin in lins]
        for j, lin in enumerate(lins):
            lin.W, lin.b = ps[2 * j], ps[2 * j + 1]
        try:
            return layer(x, causal=True)
        finally:
            for lin, (W, b) in zip(lins, saved):
                lin.W, lin.b = W, b

    def tfn(x, Wq, bq, Wk, bk, Wv, bv, Wo, bo):
        p = {"in_proj_weight": torch.cat([Wq.T, Wk.T, Wv.T]),
             "in_proj_bias": torch.cat([bq, bk, bv]),
             "out_proj.weight": Wo.T, "out_proj.bias": bo}
        mask = torch.triu(torch.ones(3, 3, dtype=torch.bool), 1)  # torch: True = blocked
        # the math kernel: torch's fused CPU attention has no forward-mode derivative
        with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
            return torch.func.functional_call(ref, p, (x, x, x), {"attn_mask": mask,
                                                                  "need_weights": False})[0]

    compare(bfn, tfn, [R.standard_normal((2, 3, d)), *params], dtype,
            what="MultiHeadAttention")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_small_cnn_end_to_end_matches_pytorch(dtype):
    """Conv2d → BatchNorm2d → ReLU → MaxPool2d → Flatten → Linear → cross-entropy, the
    digits model of ``bibun train --model cnn``, gradients of every parameter."""
    conv = nn.Conv2d(1, 3, 3, padding=1, rng=4, dtype=dtype)
    bn = nn.BatchNorm2d(3, dtype=dtype)
    lin = nn.Linear(3 * 2 * 2, 5, rng=4, dtype=dtype)
    model = nn.Sequential(conv, bn, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), lin)
    labels = np.array([1, 4, 0])
    params = [conv.W, conv.b, bn.gamma, bn.beta, lin.W, lin.b]

    def bfn(x, *ps):
        saved = [p.data for p in params]
        conv.W, conv.b, bn.gamma, bn.beta, lin.W, lin.b = ps
        try:
            return nn.cross_entropy(model(x), labels)
        finally:
            conv.W, conv.b, bn.gamma, bn.beta, lin.W, lin.b = params
            del saved

    def tfn(x, W, b, g, be, W2, b2):
        h = F.conv2d(x, W, b, padding=1)
        h = F.max_pool2d(torch.relu(F.batch_norm(h, None, None, g, be, training=True)), 2)
        return F.cross_entropy(h.flatten(1) @ W2 + b2, torch.tensor(labels))

    compare(bfn, tfn, [R.standard_normal((3, 1, 4, 4)), *[p.data for p in params]], dtype,
            what="small CNN")
