"""Conv2d/MaxPool2d/Flatten, Dropout, BatchNorm, LayerNorm and GRU: values against
their definitions, gradients against central differences (gradcheck_params), modes
(train/eval), saving, and PyTorch when installed."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun import nn
from bibun.autodiff import Tensor, gradcheck, gradcheck_params
from bibun.errors import BibunError

RNG = np.random.default_rng(11)


def tiny_cnn(seed=0, dtype=np.float64):
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1, rng=seed, dtype=dtype), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3 * 2 * 2, 4, rng=seed, dtype=dtype))


IMAGES = RNG.standard_normal((6, 1, 4, 4))
LABELS = np.array([0, 1, 2, 3, 1, 0])


def test_conv2d_layer_is_the_convolution_with_pytorch_weight_layout():
    layer = nn.Conv2d(2, 5, (3, 2), stride=2, padding=1, rng=0)
    assert layer.W.shape == (5, 2, 3, 2) and layer.b.shape == (5,)
    x = RNG.standard_normal((3, 2, 7, 6))
    want = ad.conv2d(Tensor(x), layer.W, layer.b, 2, 1)
    assert np.allclose(layer(x).data, want.data)
    with pytest.raises(BibunError, match=r"Conv2d\(2, 5\) expects images"):
        layer(np.ones((3, 1, 7, 6)))


def test_tiny_cnn_gradients_pass_gradcheck():
    model = tiny_cnn()
    report = gradcheck_params(lambda: nn.cross_entropy(model(IMAGES), LABELS),
                              model.parameters())
    assert report.ok, str(report)
    report = gradcheck(lambda x: nn.cross_entropy(model(x), LABELS), IMAGES)
    assert report.ok, str(report)


def test_tiny_cnn_loss_decreases_when_trained():
    model = tiny_cnn(1)
    opt = nn.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(15):
        loss = nn.cross_entropy(model(IMAGES), LABELS)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    assert losses[-1] < 0.5 * losses[0], losses


def test_float32_cnn_stays_float32():
    model = tiny_cnn(0, np.float32)
    out = model(IMAGES)  # float64 data is cast to the layer's dtype
    assert out.dtype == np.float32
    nn.cross_entropy(out, LABELS).backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


# -- Dropout -----------------------------------------------------------------------------


def test_dropout_drops_and_rescales_in_training_only():
    x = np.ones((200, 50))
    drop = nn.Dropout(0.3, rng=4)
    y = drop(x).data
    zero = y == 0
    assert 0.25 < zero.mean() < 0.35
    assert np.allclose(y[~zero], 1 / 0.7)
    drop.eval()
    assert np.array_equal(drop(x).data, x)
    drop.train()
    assert (drop(x).data == 0).any()


def test_dropout_is_seeded_and_its_gradient_is_the_mask():
    a, b = nn.Dropout(0.5, rng=9), nn.Dropout(0.5, rng=9)
    x = Tensor(RNG.standard_normal((4, 6)), requires_grad=True)
    ya = a(x)
    assert np.array_equal(ya.data, b(x.data).data)
    ya.sum().backward()
    assert np.allclose(x.grad, (ya.data != 0) * 2.0)
    with pytest.raises(BibunError, match="p must be in"):
        nn.Dropout(1.0)


def test_train_and_eval_reach_nested_modules():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(3)))
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules()) and len(model.modules()) == 5


# -- BatchNorm and LayerNorm --------------------------------------------------------------


def test_batchnorm1d_training_normalises_with_batch_statistics():
    x = RNG.standard_normal((16, 3)) * [1.0, 5.0, 0.1] + [2.0, -3.0, 0.5]
    bn = nn.BatchNorm1d(3)
    y = bn(x).data
    assert np.allclose(y.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5))
    # running averages: momentum 0.1, unbiased variance (as PyTorch)
    assert np.allclose(bn.running_mean, 0.1 * x.mean(axis=0))
    assert np.allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1))


def test_batchnorm_eval_uses_running_statistics_and_they_are_saved(tmp_path):
    bn = nn.BatchNorm1d(2)
    for _ in range(30):
        bn(RNG.standard_normal((32, 2)) * 2.0 + 1.0)
    bn.eval()
    x = np.array([[1.0, 1.0]])
    want = (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
    assert np.allclose(bn(x).data, want)
    path = bn.save(tmp_path / "bn")
    fresh = nn.BatchNorm1d(2)
    fresh.load(path)
    assert np.array_equal(fresh.running_mean, bn.running_mean)
    assert np.allclose(fresh.eval()(x).data, want)


def test_batchnorm_gradients_through_the_batch_statistics_pass_gradcheck():
    bn1, bn2 = nn.BatchNorm1d(3), nn.BatchNorm2d(2)
    bn1.gamma.data[:] = [0.5, 1.5, -1.0]
    bn2.beta.data[:] = [0.3, -0.2]
    w1, w2 = RNG.standard_normal((5, 3)), RNG.standard_normal((3, 2, 2, 3))
    assert gradcheck(lambda v: (bn1(v) * w1).sum(), RNG.standard_normal((5, 3))).ok
    assert gradcheck(lambda v: (bn2(v) * w2).sum(), RNG.standard_normal((3, 2, 2, 3))).ok
    x = RNG.standard_normal((5, 3))
    assert gradcheck_params(lambda: (bn1(x) * w1).sum() ** 2, bn1.parameters()).ok


def test_batchnorm_refuses_a_single_example_in_training():
    with pytest.raises(BibunError, match="more than one value"):
        nn.BatchNorm1d(3)(np.ones((1, 3)))
    with pytest.raises(BibunError, match="features on axis 1"):
        nn.BatchNorm2d(3)(np.ones((2, 4, 2, 2)))


def test_layernorm_matches_its_definition_and_gradcheck():
    ln = nn.LayerNorm(4)
    ln.gamma.data[:] = [1.0, 2.0, 0.5, -1.0]
    x = RNG.standard_normal((3, 4))
    m, v = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    assert np.allclose(ln(x).data, (x - m) / np.sqrt(v + 1e-5) * ln.gamma.data)
    assert gradcheck(lambda t: (ln(t) ** 2 * x).sum(), x).ok


# -- GRU ---------------------------------------------------------------------------------


def gru_reference(x, Wx, Wh, bx, bh):
    """PyTorch's GRU equations, step by step in NumPy."""
    H = Wh.shape[0]
    h = np.zeros((x.shape[0], H))
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for t in range(x.shape[1]):
        a, b = x[:, t] @ Wx + bx, h @ Wh + bh
        r, z = sig(a[:, :H] + b[:, :H]), sig(a[:, H:2 * H] + b[:, H:2 * H])
        n = np.tanh(a[:, 2 * H:] + r * b[:, 2 * H:])
        h = (1 - z) * n + z * h
    return h


def test_gru_matches_its_equations_and_gradcheck():
    gru = nn.GRU(3, 4, rng=2)
    gru.bx.data[:] = RNG.standard_normal(12) * 0.1
    gru.bh.data[:] = RNG.standard_normal(12) * 0.1
    x = RNG.standard_normal((2, 5, 3))
    out, h = gru(x)
    assert out.shape == (2, 5, 4)
    assert np.allclose(h.data, gru_reference(x, *(p.data for p in gru.parameters())))
    report = gradcheck_params(lambda: (gru(x)[1] ** 2).sum(), gru.parameters())
    assert report.ok, str(report)


def test_sequence_model_offers_a_gru_cell():
    model = nn.SequenceModel(1, 6, 1, cell="gru", rng=0)
    assert isinstance(model.rnn, nn.GRU)
    assert model(np.zeros((2, 4, 1))).shape == (2, 1)
    with pytest.raises(BibunError, match="'lstm', 'gru' or 'rnn'"):
        nn.SequenceModel(1, 6, 1, cell="transformer")


def test_gru_and_batchnorm_match_pytorch():
    torch = pytest.importorskip("torch")
    gru = nn.GRU(3, 4, rng=2)
    x = RNG.standard_normal((2, 5, 3))
    ref = torch.nn.GRU(3, 4, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.tensor(gru.Wx.data.T))
        ref.weight_hh_l0.copy_(torch.tensor(gru.Wh.data.T))
        ref.bias_ih_l0.copy_(torch.tensor(gru.bx.data))
        ref.bias_hh_l0.copy_(torch.tensor(gru.bh.data))
    out, _ = ref(torch.tensor(x))
    assert np.allclose(gru(x)[0].data, out.detach().numpy())
    xb = RNG.standard_normal((8, 3))
    bn, tbn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3, dtype=torch.float64)
    tx = torch.tensor(xb, requires_grad=True)
    w = RNG.standard_normal((8, 3))
    (tbn(tx) * torch.tensor(w)).sum().backward()
    bx = Tensor(xb, requires_grad=True)
    (bn(bx) * w).sum().backward()
    assert np.allclose(bx.grad, tx.grad.numpy())
    assert np.allclose(bn.running_var, tbn.running_var.numpy())
