"""Embedding, attention, AdamW, schedulers, clipping, accuracy and summary: values
against NumPy written from the papers' / PyTorch's formulas, gradients against central
differences (gradcheck_params)."""

import math

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun import nn
from bibun.autodiff import Tensor
from bibun.errors import BibunError

RNG = np.random.default_rng(11)


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_embedding_looks_up_rows_and_adds_gradients_of_repeated_tokens():
    emb = nn.Embedding(5, 3, rng=0)
    idx = np.array([[1, 4, 1], [0, 0, 2]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, emb.W.data[idx])
    out.sum().backward()
    np.testing.assert_array_equal(emb.W.grad[:, 0], [2, 2, 1, 0, 1])  # counts per row
    with pytest.raises(BibunError, match="0..4"):
        emb(np.array([5]))
    with pytest.raises(BibunError, match="0..4"):
        emb(np.array([0.5]))


@pytest.mark.parametrize("causal", [False, True])
def test_scaled_dot_product_attention_matches_the_formula(causal):
    q, k, v = (RNG.normal(size=(2, 4, 3)) for _ in range(3))
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(3)
    if causal:
        s = np.where(np.tril(np.ones((4, 4), bool)), s, -np.inf)
    ref = _softmax(s) @ v
    got = nn.scaled_dot_product_attention(q, k, v, causal=causal)
    np.testing.assert_allclose(got.data, ref, rtol=1e-12)
    w = RNG.normal(size=ref.shape)
    rep = ad.gradcheck(lambda a, b, c: (nn.scaled_dot_product_attention(
        a, b, c, causal=causal) * w).sum(), q, k, v)
    assert rep
    with pytest.raises(ad.ShapeError, match="query"):
        nn.scaled_dot_product_attention(q, k[..., :2], v)


def test_multi_head_attention_layer_gradients_match_central_differences():
    mha = nn.MultiHeadAttention(4, heads=2, rng=1)
    x = RNG.normal(size=(2, 3, 4))
    out = mha(x, causal=True)
    assert out.shape == (2, 3, 4)
    # the first position sees only itself: changing later positions does not move it
    x2 = x.copy()
    x2[:, 1:] += 1.0
    np.testing.assert_allclose(mha(x2, causal=True).data[:, 0], out.data[:, 0], rtol=1e-12)
    w = RNG.normal(size=out.shape)
    rep = ad.gradcheck_params(lambda: (mha(x, causal=True) * w).sum(), mha.parameters())
    assert rep, rep
    with pytest.raises(BibunError, match="divisible"):
        nn.MultiHeadAttention(5, heads=2)


def test_adamw_decays_weights_apart_from_the_adam_step():
    w0 = np.array([1.0, -2.0])
    g = np.array([0.5, 0.1])
    p = nn.Parameter(w0)
    opt = nn.AdamW([p], lr=0.1, weight_decay=0.5)
    p.grad = g.copy()
    opt.step()
    # torch.optim.AdamW, first step: w(1 − lr·λ) − lr·m̂/(√v̂ + ε) with m̂ = g, v̂ = g²
    expected = w0 * (1 - 0.1 * 0.5) - 0.1 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(p.data, expected, rtol=1e-12)
    q = nn.Parameter(w0)
    plain = nn.Adam([q], lr=0.1)
    q.grad = g.copy()
    plain.step()
    np.testing.assert_allclose(q.data, w0 - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_step_and_cosine_schedules_follow_pytorchs_formulas():
    opt = nn.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    sched = nn.StepLR(opt, step_size=2, gamma=0.5)
    assert [sched.step() for _ in range(5)] == [1.0, 0.5, 0.5, 0.25, 0.25]
    assert opt.lr == 0.25
    opt = nn.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    cos = nn.CosineAnnealingLR(opt, T_max=4, eta_min=0.01)
    lrs = [cos.step() for _ in range(4)]
    expected = [0.01 + 0.09 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(1, 5)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert lrs[-1] == pytest.approx(0.01)
    with pytest.raises(BibunError, match="T_max"):
        nn.CosineAnnealingLR(opt, T_max=0)


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    total = nn.clip_grad_norm([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8], rtol=1e-6)
    assert nn.clip_grad_norm([a, b], max_norm=10.0) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)  # under the limit: untouched


def test_accuracy_and_summary():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 1.0]])
    assert nn.accuracy(logits, [0, 1, 1]) == pytest.approx(2 / 3)
    assert nn.accuracy(Tensor(logits), np.array([0, 1, 0])) == 1.0
    model = nn.MLP([3, 4, 2], rng=0)
    text = nn.summary(model)
    assert "(3, 4)" in text and "(4, 2)" in text
    assert f"{model.num_parameters():,}" in text.splitlines()[-1]
    with pytest.raises(BibunError):
        nn.accuracy(logits, [0, 1])


def test_training_a_tiny_attention_model_lowers_the_loss_with_adamw_and_a_schedule():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, size=(32, 5))
    y = (X == 3).any(axis=1).astype(np.int64)  # does token 3 occur?
    emb, att, head = nn.Embedding(6, 8, rng=1), nn.MultiHeadAttention(8, 2, rng=2), \
        nn.Linear(8, 2, rng=3)
    params = emb.parameters() + att.parameters() + head.parameters()
    opt = nn.AdamW(params, lr=0.05, weight_decay=0.01)
    sched = nn.CosineAnnealingLR(opt, T_max=40)

    def loss():
        return nn.cross_entropy(head(att(emb(X)).mean(axis=1)), y, label_smoothing=0.05)

    first = float(loss().data)
    for _ in range(40):
        for p in params:
            p.grad = None
        loss().backward()
        nn.clip_grad_norm(params, 5.0)
        opt.step()
        sched.step()
    assert float(loss().data) < 0.5 * first
