"""The written-in fast paths of the scalar graph's hot ops give what the general code
gives: the same node (value bit for bit, dtype, parents, recording) from ``a * b``,
``a + b``, ... and ``x.tanh()`` (``tensor.binary_op``/``unary_op``), the same gradients
from ``backward()`` with ``sweep.assign_all``'s copies of the add, mul and rule-table
vjps as with the vjp functions themselves, and the same errors (issue 13, speed)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import ops, sweep
from bibun.autodiff.tensor import AutodiffError, ShapeError, Tensor

BINARY = {"add": ops.add, "sub": ops.sub, "mul": ops.mul, "div": ops.div, "pow": ops.power}


def _operand(kind: str, dtype: type, grad: bool, rng: np.random.Generator) -> Tensor:
    shape = {"0d": (), "vec": (3,), "mat": (2, 3), "row": (1, 3)}[kind]
    v = rng.uniform(0.5, 2.0, shape).astype(dtype)
    return Tensor(v, requires_grad=grad)


def _same_value(x: object, y: object) -> None:
    assert type(x) is type(y)
    xa, ya = np.asarray(x), np.asarray(y)
    assert xa.dtype == ya.dtype and xa.shape == ya.shape
    assert xa.tobytes() == ya.tobytes()  # bit for bit (NaN and -0.0 included)


def _same_node(t: Tensor, u: Tensor) -> None:
    _same_value(t.data, u.data)
    assert (t.op, t.requires_grad, t._vjp, t._ctx, t.name, t.grad) == \
        (u.op, u.requires_grad, u._vjp, u._ctx, u.name, u.grad)
    assert t._parents == u._parents or all(p is q for p, q in zip(t._parents, u._parents))
    assert t._seq != u._seq


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_fast_path_builds_the_general_node(name: str, dtype: type) -> None:
    fast = BINARY[name]
    assert fast.general is not fast  # a written-in copy, compared here with the original
    rng = np.random.default_rng(0)
    for ka, kb, ga, gb in itertools.product(("0d", "vec", "mat", "row"), ("0d", "vec", "row"),
                                            (True, False), (True, False)):
        a, b = _operand(ka, dtype, ga, rng), _operand(kb, dtype, gb, rng)
        _same_node(fast(a, b), fast.general(a, b))
        with ad.no_grad():
            _same_node(fast(a, b), fast.general(a, b))


def test_binary_fast_path_refuses_as_the_general_path() -> None:
    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(4), requires_grad=True)
    for name, fast in BINARY.items():
        with pytest.raises(ShapeError) as e1:
            fast(a, b)
        with pytest.raises(ShapeError) as e2:
            fast.general(a, b)
        assert str(e1.value) == str(e2.value) and "(3,)" in str(e1.value), name


def test_unary_fast_path_builds_the_general_node() -> None:
    rng = np.random.default_rng(1)
    for name in ("tanh", "sin", "exp", "sigmoid", "relu", "abs", "log"):
        fast = ops.UNARY[name]
        for dtype, shape, grad in itertools.product((np.float64, np.float32),
                                                    ((), (4,), (2, 3)), (True, False)):
            x = Tensor(rng.uniform(0.1, 3.0, shape).astype(dtype), requires_grad=grad)
            _same_node(fast(x), fast.general(x))
            assert np.asarray(fast(x).data).dtype == dtype


def test_unary_fast_path_keeps_the_inputs_dtype() -> None:
    """A rule whose NumPy function answers float64 (step) still gives float32 nodes."""
    step = ops.UNARY.get("step") or ops.UNARY.get("heaviside")
    if step is None:
        pytest.skip("no step rule in the table")
    x = Tensor(np.array([-1.0, 2.0], dtype=np.float32), requires_grad=True)
    _same_node(step(x), step.general(x))
    assert step(x).dtype == np.float32


def _graph(kind: str, dtype: type, seed: int) -> tuple[Tensor, list[Tensor]]:
    """A random composition of the written-in ops (and others) over leaves of ``kind``."""
    rng = np.random.default_rng(seed)
    shape = () if kind == "scalar" else (3,)
    leaves = [Tensor(rng.uniform(-1.5, 1.5, shape).astype(dtype), requires_grad=True)
              for _ in range(3)]
    bias = Tensor(rng.uniform(-1, 1, (2, 1) if kind == "broadcast" else shape).astype(dtype),
                  requires_grad=True)
    h = leaves[0]
    for i in range(30):
        k = int(rng.integers(0, 8))
        other = leaves[int(rng.integers(0, 3))]
        if k == 0:
            h = h * other
        elif k == 1:
            h = h + other
        elif k == 2:
            h = h.tanh()
        elif k == 3:
            h = ad.sin(h) * 0.5
        elif k == 4:
            h = ad.sigmoid(h) - other
        elif k == 5:
            h = ad.relu(h) + h * h
        elif k == 6:
            h = h + bias if kind == "broadcast" and i > 20 else h / (1.5 + other * other)
        else:
            h = ad.exp(-h * h)
    return h.sum(), leaves + [bias]


def _grads(root: Tensor, leaves: list[Tensor], inline: bool,
           monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as m:
        if not inline:
            m.setattr(sweep, "INLINE", {})
        root.backward()
    return [x.grad for x in leaves]


@pytest.mark.parametrize("kind", ["scalar", "array", "broadcast"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_backward_with_written_in_vjps_equals_the_vjp_functions(
        kind: str, dtype: type, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(sweep.INLINE) >= {"add", "mul", "rule", "numpy"}
    for seed in range(12):
        root, leaves = _graph(kind, dtype, seed)
        fast = _grads(root, leaves, True, monkeypatch)
        slow = _grads(root, leaves, False, monkeypatch)
        for f, s in zip(fast, slow):
            if s is None:
                assert f is None
            else:
                _same_value(f, s)


def test_written_in_vjps_refuse_changed_data_as_the_functions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    texts = []
    for inline in (True, False):
        x = Tensor(np.array([0.5, 1.0]), requires_grad=True, name="x")
        y = Tensor(np.array([2.0, 3.0]), requires_grad=True)
        f = ((x * y).tanh() + y).sum()
        x.data[0] = 7.0
        with monkeypatch.context() as m:
            if not inline:
                m.setattr(sweep, "INLINE", {})
            with pytest.raises(AutodiffError) as e:
                f.backward()
        texts.append(str(e.value))
        assert x.grad is None and y.grad is None
    assert texts[0] == texts[1] and "'x'" in texts[0]


def test_written_in_vjps_raise_floating_point_errors_as_the_functions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for inline in (True, False):
        x = Tensor(np.float64(1e200), requires_grad=True)
        f = x * Tensor(np.float64(1.0), requires_grad=True)
        with monkeypatch.context() as m, np.errstate(over="raise"):
            if not inline:
                m.setattr(sweep, "INLINE", {})
            with pytest.raises(FloatingPointError):  # the seed times x: 1e400
                f.backward(np.float64(1e200))


def test_recorded_backward_does_not_use_the_written_in_vjps() -> None:
    """create_graph: gradients are Tensors, so mul's vjp must use the operand Tensors (a
    copy reading ``.data`` would cut the second derivative): d²(x·x·y)/dx² = 2y."""
    x, y = Tensor(1.5, requires_grad=True), Tensor(2.0, requires_grad=True)
    (x * x * y).backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Tensor)
    g.backward()
    assert float(x.grad) == pytest.approx(2 * 2.0)


def _ce_case(general: bool, z: np.ndarray, t: object) -> tuple[object, object]:
    """Loss and gradient; ``general``: label_smoothing given as a NumPy zero, which the
    common-case shortcut of ``losses.cross_entropy`` leaves to the general code."""
    x = Tensor(z, requires_grad=True)
    smooth = np.float64(0.0) if general else 0.0
    loss = ad.cross_entropy(x, t, label_smoothing=smooth)
    loss.backward()
    return loss.data, x.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_shortcut_equals_the_general_path(dtype: type) -> None:
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((6, 4)) * 5).astype(dtype)
    z[0, 1] = 1000.0  # a stable-form case
    probs = rng.dirichlet(np.ones(4), 6)
    for t in (rng.integers(0, 4, 6), probs, Tensor(probs)):
        fast, slow = _ce_case(False, z, t), _ce_case(True, z, t)
        _same_value(fast[0], slow[0])
        _same_value(fast[1], slow[1])


def test_cross_entropy_shortcut_refuses_as_the_general_path() -> None:
    z = np.zeros((3, 4))
    for bad in (np.array([0, 1]), np.array([0, 1, 4]), np.zeros((3, 5))):
        texts = []
        for general in (False, True):
            with pytest.raises(AutodiffError) as e:
                _ce_case(general, z, bad)
            texts.append(str(e.value))
        assert texts[0] == texts[1]


def test_fast_paths_report_anomalies_as_the_general_path() -> None:
    """Under detect_anomaly a NaN made by the written-in node is named as by the general
    one (inf · 0 in mul, log of a negative number in an elementwise function)."""
    cases = [(BINARY["mul"], (Tensor(np.inf, requires_grad=True), Tensor(0.0))),
             (ops.UNARY["log"], (Tensor(-1.0, requires_grad=True),))]
    for fast, args in cases:
        texts = []
        for f in (fast, fast.general):
            with ad.detect_anomaly(), np.errstate(invalid="ignore"), \
                    pytest.raises(ad.AnomalyError) as e:
                f(*args)
            texts.append(str(e.value))
        assert texts[0] == texts[1] and "forward pass" in texts[0]
