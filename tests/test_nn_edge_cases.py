"""Edge cases of bibun.nn: save/load names, unused parameters, dtypes, forward mode through
recurrent layers, empty sequences; each test is named after the behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun import nn
from bibun.errors import BibunError

X = np.random.default_rng(0).normal(size=(4, 2))
Y = np.array([0, 1, 1, 0])


def test_save_and_load_accept_the_same_name_without_npz(tmp_path):
    a, b = nn.MLP([2, 3, 2], rng=0), nn.MLP([2, 3, 2], rng=1)
    written = a.save(tmp_path / "model")
    assert written == tmp_path / "model.npz" and written.is_file()
    b.load(tmp_path / "model")
    b.load(str(tmp_path / "model.npz"))
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))
    with pytest.raises(BibunError, match="no parameter file .*nothing.*nothing.npz"):
        b.load(tmp_path / "nothing")
    np.save(tmp_path / "single.npy", np.ones(2))
    with pytest.raises(BibunError, match="single array"):
        b.load(tmp_path / "single.npy")


def test_optimizer_does_not_reapply_the_gradient_of_an_unused_parameter():
    lin1, lin2 = nn.Linear(2, 1, rng=0), nn.Linear(2, 1, rng=1)
    opt = nn.SGD(lin1.parameters() + lin2.parameters(), lr=0.1)
    lin2(np.ones((1, 2))).sum().backward()
    opt.step()
    w2 = lin2.W.data.copy()
    lin1(np.ones((1, 2))).sum().backward()  # lin2 is not used in this step
    w1 = lin1.W.data.copy()
    opt.step()
    assert np.array_equal(lin2.W.data, w2)  # its old gradient is not applied again
    assert not np.array_equal(lin1.W.data, w1)
    # a fresh gradient for lin2 is applied; accumulating batches still works
    lin2(np.ones((1, 2))).sum().backward()
    lin1(np.ones((1, 2))).sum().backward(accumulate=True)
    opt.step()
    assert not np.array_equal(lin2.W.data, w2)


def test_float32_model_given_float64_data_runs_in_float32():
    for model, x in ((nn.MLP([2, 4, 3], rng=0, dtype=np.float32), np.ones((1, 2))),
                     (nn.Linear(2, 3, rng=0, dtype=np.float32), [[1, 2]]),
                     (nn.SequenceModel(2, 3, 1, rng=0, dtype=np.float32), np.ones((1, 4, 2))),
                     (nn.SequenceModel(2, 3, 1, cell="rnn", rng=0, dtype=np.float32),
                      np.ones((1, 4, 2)))):
        out = model(x)
        assert out.dtype == np.float32
        loss = nn.mse_loss(out, np.zeros(out.shape))
        loss.backward()
        assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_float32_training_step_computes_every_value_and_gradient_in_float32():
    """The speed benchmark's step (Linear, tanh, cross_entropy with int64 labels, SGD):
    no node of the graph and no gradient, intermediate or leaf, is ever float64 — an
    upcast anywhere would double that array's memory traffic and time."""
    rng = np.random.default_rng(0)
    layers = [nn.Linear(a, b, dtype=np.float32, rng=0) for a, b in ((8, 6), (6, 6), (6, 3))]
    opt = nn.SGD([p for lin in layers for p in lin.parameters()], lr=0.1)
    x, y = rng.standard_normal((5, 8)).astype(np.float32), rng.integers(0, 3, 5)
    for _ in range(2):
        h = x
        for i, lin in enumerate(layers):
            h = lin(h)
            h = h.tanh() if i < 2 else h
        loss = nn.cross_entropy(h, y)
        loss.backward()
        nodes, todo = [], [loss]
        while todo:
            n = todo.pop()
            nodes.append(n)
            todo.extend(n._parents)
        assert {np.asarray(n.data).dtype for n in nodes} == {np.dtype(np.float32)}
        assert {np.asarray(n.grad).dtype for n in nodes if n.requires_grad} == \
            {np.dtype(np.float32)}
        opt.step()
    assert all(p.data.dtype == np.float32 for lin in layers for p in lin.parameters())


def test_gradcheck_params_passes_on_a_correct_float32_model():
    model = nn.MLP([2, 3, 2], rng=0, dtype=np.float32)
    arrays = [p.data for p in model.parameters()]
    report = ad.gradcheck_params(lambda: nn.cross_entropy(model(X), Y), model.parameters())
    assert report.ok, str(report)
    # the model's own arrays are back, untouched and still float32
    assert all(p.data is a and a.dtype == np.float32
               for p, a in zip(model.parameters(), arrays))
    # a loss that casts back to float32 cannot be checked with a 1e-6 step: say so
    with pytest.raises(ad.AutodiffError, match="loss is float32"):
        ad.gradcheck_params(lambda: ad.Tensor(np.float32(0.5)), model.parameters())
    assert all(p.data is a for p, a in zip(model.parameters(), arrays))


@pytest.mark.parametrize("layer", [nn.RNN(2, 3, rng=0), nn.LSTM(2, 3, rng=0)],
                         ids=["rnn", "lstm"])
def test_jvp_through_recurrent_layers_matches_reverse_mode(layer):
    x = np.random.default_rng(1).normal(size=(1, 3, 2))
    t = np.random.default_rng(2).normal(size=(1, 3, 2))

    def last(s):
        out = layer(s)
        return out[1] if isinstance(layer, nn.RNN) else out[1][0]

    value, tangent = ad.jvp(last, [x], [t])
    J = ad.jacobian(last)(x).data
    assert np.allclose(value, last(x).data)
    assert np.allclose(tangent, np.tensordot(J, t, axes=3))
    assert np.allclose(ad.jacobian(last, mode="fwd")(x).data, J)


def test_jvp_through_sequential_with_softmax_matches_reverse_mode():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Softmax())
    x = np.array([[0.3, -0.2]])
    J = ad.jacobian(model)(x).data
    assert np.allclose(ad.jacobian(model, mode="fwd")(x).data, J)


def test_recurrent_layer_with_no_time_steps_raises_a_clear_error():
    for layer in (nn.LSTM(3, 5, rng=0), nn.RNN(3, 5, rng=0)):
        with pytest.raises(BibunError, match=r"shape \(2, 0, 3\).*at least one time step"):
            layer(np.ones((2, 0, 3)))
