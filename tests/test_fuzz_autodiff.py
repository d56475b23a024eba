"""The fuzzer's autodiff mode (fuzz.autodiff): its judge blames bibun for a wrong number,
not for PyTorch's rounding; its exact answer is exact; its minimiser shrinks a case."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("torch")

from fuzz import autodiff  # noqa: E402
from fuzz.autodiff_truth import truth  # noqa: E402


def _case(f, x, **kw) -> str:
    return json.dumps({"f": f, "x": x, "dtype": "float64", **kw})


def test_the_judge_catches_a_gradient_one_percent_off(monkeypatch):
    real = autodiff._bibun_run

    def off(tree, xs, dtype, mutate):
        value, grad = real(tree, xs, dtype, mutate)
        return value, grad * 1.01

    monkeypatch.setattr(autodiff, "_bibun_run", off)
    with pytest.raises(autodiff.Broken, match="autodiff sum gradient"):
        autodiff.run_autodiff(_case(["sum", ["tanh", ["x"]]], [0.3, -1.2]))


def test_the_judge_catches_a_nan_where_pytorch_has_a_number(monkeypatch):
    monkeypatch.setattr(autodiff, "_bibun_run",
                        lambda tree, xs, dtype, mutate: (3.0, np.full(len(xs), np.nan)))
    with pytest.raises(autodiff.Broken, match="autodiff max gradient"):
        autodiff.run_autodiff(_case(["max", ["x"]], [1.0, 3.0]))


def test_pytorch_rounding_is_not_blamed_on_bibun():
    # two equal terms near 7e298: PyTorch's log-sum-exp gives each the weight 1, the exact
    # answer (and bibun) 1/2; the exact answer decides
    case = _case(["logsumexp", ["sub", ["mean", ["x"]], ["x"]]],
                 [-5.786445292401774, -129184731.59803393, 2.098894549388472e+299])
    autodiff.run_autodiff(case)
    _, grad = truth(json.loads(case)["f"], json.loads(case)["x"])
    assert grad == pytest.approx([-1 / 6, -1 / 6, 1 / 3])


def test_the_exact_answer_of_cross_entropy_at_equal_logits_1e8():
    value, grad = truth(["ce", ["x"], 0], [1e8, 1e8, 0.0])
    assert value == pytest.approx(math.log(2), rel=1e-15)
    assert grad == pytest.approx([-0.5, 0.5, 0.0])


def test_a_change_in_place_is_judged_as_pytorch_judges_it():
    # the backward of x·x needs x: PyTorch refuses after x changed, so must bibun
    with pytest.raises(autodiff.Broken, match="autodiff in place"):
        autodiff.run_autodiff(_case(["sum", ["mul", ["x"], ["x"]]], [1.0, 2.0], mutate=True))
    # the backward of a sum does not: the gradient stands
    autodiff.run_autodiff(_case(["sum", ["x"]], [1.0, 2.0], mutate=True))


def test_the_minimiser_keeps_what_fails_and_drops_the_rest():
    big = _case(["mean", ["add", ["max", ["sin", ["x"]]], ["tanh", ["x"]]]], [1.0, 2.0, 3.0])
    small = json.loads(autodiff.minimise(lambda text: '"max"' in text, big))
    assert small["f"] == ["max", ["x"]] and len(small["x"]) == 1
