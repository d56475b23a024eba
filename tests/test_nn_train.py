"""bibun.nn learns: spiral, digits, a sine wave; optimizers, data loader, save/load."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun import datasets, nn, optim
from bibun.errors import BibunError
from bibun.nn.train import TrainingError, build_model, load_task, train


def test_two_layer_mlp_learns_spiral():
    X, y = datasets.spiral(100, 3, seed=0)
    model = nn.MLP([2, 64, 3], activation="tanh", rng=0)
    opt = nn.Adam(model.parameters(), lr=0.02)
    loader = nn.DataLoader(X, y, batch_size=32, seed=0)
    for _ in range(150):
        for xb, yb in loader:
            nn.cross_entropy(model(xb), yb).backward()
            opt.step()
    with ad.no_grad():
        acc = (model(X).data.argmax(1) == y).mean()
    assert acc >= 0.95


def test_mlp_digits_test_accuracy():
    task = load_task("digits", seed=0)
    assert task.X_train.shape[1] == 64 and len(task.X_train) + len(task.X_test) == 1797
    model = build_model(task, "mlp", "tanh", seed=0)
    hist = train(task, model, epochs=15, seed=0)
    assert hist.test_metric[-1] >= 0.95


def test_lstm_learns_sine_wave():
    # predicting the next value of sin from 20 noisy samples: the variance of the target
    # is 0.5, so a loss below 0.005 means the LSTM explains > 99% of it
    task = load_task("sine", seed=0)
    model = build_model(task, "lstm", seed=0)
    hist = train(task, model, epochs=15, seed=0)
    assert hist.test_metric[-1] < 0.005
    assert hist.loss[-1] < hist.loss[0] / 10


def test_lstm_gradients_are_right():
    rng = np.random.default_rng(0)
    model = nn.SequenceModel(2, 3, 1, rng=rng)
    X = rng.standard_normal((4, 5, 2))
    y = rng.standard_normal((4, 1))
    report = ad.gradcheck_params(lambda: nn.mse_loss(model(X), y), model.parameters(),
                                 names=[n for n, _ in model.named_parameters()])
    assert report.ok, str(report)
    rnn = nn.SequenceModel(2, 3, 1, cell="rnn", rng=rng)
    assert ad.gradcheck_params(lambda: nn.mse_loss(rnn(X), y), rnn.parameters()).ok


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_array_optimizers_minimise_a_quadratic(name):
    x = np.array([3.0, -4.0])
    lr = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.9, "rmsprop": 0.005,
          "adam": 0.1}[name]
    opt = optim.make(name, [x], lr=lr)
    for _ in range(1500):
        opt.step([2 * x * np.array([1.0, 3.0])])
    assert np.abs(x).max() < 1e-2, x


def test_optimizer_errors():
    with pytest.raises(BibunError, match="learning rate"):
        optim.SGD([np.zeros(2)], lr=-1)
    with pytest.raises(BibunError, match="unknown optimizer"):
        optim.make("adamw", [np.zeros(2)])
    with pytest.raises(BibunError, match="gradient 0 has shape"):
        optim.SGD([np.zeros(2)], lr=0.1).step([np.zeros(3)])


def test_nn_optimizer_wraps_core_and_zero_grad():
    model = nn.Linear(2, 1, rng=0)
    before = model.W.data.copy()
    opt = nn.SGD(model.parameters(), lr=0.5)
    nn.mse_loss(model(np.ones((3, 2))), np.zeros((3, 1))).backward()
    g = model.W.grad.copy()
    opt.step()
    assert np.allclose(model.W.data, before - 0.5 * g)
    opt.zero_grad()
    assert model.W.grad is None


def test_dataloader_batches_and_shuffles():
    X, y = np.arange(10)[:, None], np.arange(10)
    dl = nn.DataLoader(X, y, batch_size=4, seed=0)
    batches = list(dl)
    assert len(dl) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in batches])) == list(range(10))
    assert not np.array_equal(np.concatenate([b[1] for b in batches]), y)
    assert len(nn.DataLoader(X, y, batch_size=4, drop_last=True)) == 2
    with pytest.raises(BibunError, match="10 inputs but 9"):
        nn.DataLoader(X, y[:9])


def test_save_load_roundtrip(tmp_path):
    a = nn.MLP([4, 8, 3], rng=0)
    b = nn.MLP([4, 8, 3], rng=1)
    path = tmp_path / "model.npz"
    a.save(path)
    b.load(path)
    x = np.random.default_rng(0).standard_normal((2, 4))
    assert np.array_equal(a(x).data, b(x).data)
    assert [n for n, _ in a.named_parameters()] == ["layers.0.W", "layers.0.b", "layers.1.W",
                                                   "layers.1.b"]
    with pytest.raises(BibunError, match="shape"):
        nn.MLP([4, 9, 3], rng=0).load(path)


def test_inits_have_the_textbook_variance():
    rng = np.random.default_rng(0)
    assert np.var(nn.xavier_normal(400, 600, rng)) == pytest.approx(2 / 1000, rel=0.05)
    assert np.var(nn.he_normal(400, 600, rng)) == pytest.approx(2 / 400, rel=0.05)
    assert np.var(nn.xavier_uniform(400, 600, rng)) == pytest.approx(2 / 1000, rel=0.05)


def test_datasets_shipped_and_generated():
    X, y = datasets.load_iris()
    assert X.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]
    assert X[0].tolist() == [5.1, 3.5, 1.4, 0.2]
    D, t = datasets.load_digits()
    assert D.shape == (1797, 64) and D.dtype == np.uint8 and D.max() == 16
    assert np.bincount(t).sum() == 1797
    S, s = datasets.sine_wave(10, 5, noise=0.0, seed=1)
    assert S.shape == (10, 5, 1) and s.shape == (10, 1)


def test_nan_in_training_names_the_op():
    task = load_task("iris", seed=0)
    model = build_model(task, "mlp", "relu", seed=0)
    model.layers[0].W.data[0, 0] = np.nan
    msg = "epoch 1, batch 1.*'linear'.*'layers.0.W'.*contains NaN"
    with pytest.raises(TrainingError, match=msg):
        train(task, model, epochs=1)


def test_vanishing_probe_orders_activations():
    from bibun.nn.vanishing import probe, table

    probes = {p.activation: p for p in probe(depth=8, width=16)}
    assert probes["sigmoid"].ratio < 1e-3 < probes["relu"].ratio
    assert probes["sigmoid"].ratio < probes["tanh"].ratio
    assert "sigmoid" in table(list(probes.values()))


def test_zero_is_an_error_not_the_default():
    task = load_task("iris", seed=0)
    model = build_model(task, "mlp", "tanh", seed=0)
    for kw, needle in (({"epochs": 0}, "epochs"), ({"lr": 0.0}, "learning rate"),
                       ({"lr": float("nan")}, "learning rate"),
                       ({"batch_size": 0}, "batch size")):
        with pytest.raises(BibunError, match=needle):
            train(task, model, **kw)
    with pytest.raises(BibunError, match="hidden units"):
        build_model(task, "mlp", "tanh", hidden=0)
    with pytest.raises(BibunError, match="hidden units"):
        build_model(task, "lstm", hidden=-3)


def test_training_time_estimate_grows_with_the_work():
    from bibun.nn.train import estimated_seconds

    task = load_task("sine", seed=0)
    small, big = build_model(task, "lstm", hidden=4), build_model(task, "lstm", hidden=64)
    assert 0 < estimated_seconds(task, small, 1) < estimated_seconds(task, big, 1)
    assert estimated_seconds(task, big, 10) == pytest.approx(10 * estimated_seconds(task, big, 1))
    assert estimated_seconds(task, small, 1, batch_size=1) > estimated_seconds(task, small, 1)


def test_vanishing_probe_bad_sizes_and_a_diverging_run():
    from bibun.nn.vanishing import estimated_seconds, probe, table

    for kw, needle in (({"width": 0}, "width"), ({"steps": -1}, "steps"),
                       ({"depth": 0}, "depth"), ({"depth": 201}, "depth"),
                       ({"steps": 1, "lr": 0.0}, "learning rate")):
        with pytest.raises(BibunError, match=needle):
            probe(**{"depth": 2, "width": 4, **kw})
    with np.errstate(all="raise"):  # the probe keeps its own overflow quiet
        probes = probe(depth=3, width=4, steps=3, lr=1e9)
    text = table(probes)
    assert "diverged" in text and max(len(line) for line in text.splitlines()) < 60
    assert estimated_seconds(200, 64, 100) > estimated_seconds(200, 64, 0) > 0
