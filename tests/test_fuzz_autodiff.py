"""The fuzzer's autodiff mode (fuzz.autodiff): its judge blames bibun for a wrong number,
not for PyTorch's rounding; its exact answer is exact; its minimiser shrinks a case."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("torch")

from fuzz import autodiff  # noqa: E402
from fuzz.autodiff_truth import truth, truth_and_accuracy  # noqa: E402


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


def test_a_change_in_place_is_judged_as_pytorch_judges_it(monkeypatch):
    from bibun.autodiff import AutodiffError

    # the backward of x·x needs x: PyTorch refuses after x changed, and so does bibun
    case = _case(["sum", ["mul", ["x"], ["x"]]], [1.0, 2.0], mutate=True)
    with pytest.raises(AutodiffError):
        autodiff.run_autodiff(case)
    # a bibun that answered anyway (the change not seen) is a finding
    real = autodiff._bibun_run
    monkeypatch.setattr(autodiff, "_bibun_run",
                        lambda tree, xs, dtype, mutate: real(tree, xs, dtype, False))
    with pytest.raises(autodiff.Broken, match="autodiff in place"):
        autodiff.run_autodiff(case)
    # the backward of a sum does not need x: PyTorch answers, and an answer must be its
    # gradient (bibun may also refuse: a refusal is never wrong)
    autodiff.run_autodiff(_case(["sum", ["x"]], [1.0, 2.0], mutate=True))
    monkeypatch.setattr(autodiff, "_bibun_run",
                        lambda tree, xs, dtype, mutate: (3.0, np.array([1.0, 2.0])))
    with pytest.raises(autodiff.Broken, match="autodiff in place"):
        autodiff.run_autodiff(_case(["sum", ["x"]], [1.0, 2.0], mutate=True))


def test_the_minimiser_keeps_what_fails_and_drops_the_rest():
    big = _case(["mean", ["add", ["max", ["sin", ["x"]]], ["tanh", ["x"]]]], [1.0, 2.0, 3.0])
    small = json.loads(autodiff.minimise(lambda text: '"max"' in text, big))
    assert small["f"] == ["max", ["x"]] and len(small["x"]) == 1


def _bibun_changed(monkeypatch, change):
    """bibun's real answer, one entry of its gradient changed (a planted wrong gradient)."""
    real = autodiff._bibun_run

    def changed(tree, xs, dtype, mutate):
        value, grad = real(tree, xs, dtype, mutate)
        return value, change(grad.copy())

    monkeypatch.setattr(autodiff, "_bibun_run", changed)


SIN_CUBED = ["min", ["sin", ["pow", ["x"], 3.0]]]


def test_sin_of_an_argument_that_is_rounding_noise_is_not_judged_by_its_digits():
    # x³ ≈ -4.7e24 carries ~1e9 of rounding: its sine has no digit in any float engine,
    # so which entry wins the min is not decided either (seed 1451's false alarm)
    autodiff.run_autodiff(_case(SIN_CUBED, [-166983253.15296042, -32.57822849456996]))
    _, _, e, ed = truth_and_accuracy(SIN_CUBED, [-166983253.15296042, -32.57822849456996])
    assert math.isinf(e)


def test_a_wrong_gradient_of_sin_of_a_well_conditioned_cube_is_still_caught(monkeypatch):
    # the noise rule is the argument's own error, not "sin of something large": at
    # x = -32.6 (x³ ≈ -34576, rounding 1e-11) one percent off is a finding
    def off(g):
        g[0] *= 1.01
        return g

    _bibun_changed(monkeypatch, off)
    with pytest.raises(autodiff.Broken, match="autodiff min gradient"):
        autodiff.run_autodiff(_case(SIN_CUBED, [-32.57822849456996]))


LOG1P_EXPM1 = ["min", ["log1p", ["expm1", ["x"]]]]


def test_a_cancellation_is_judged_by_its_condition_number(monkeypatch):
    # d/dx log1p(expm1(x)) = e^x / (1 + expm1(x)): at x = -19 the rounded 1 + u keeps 8
    # digits, so bibun's 0.99999998925 and PyTorch's 1 are both as good as float gets
    autodiff.run_autodiff(_case(LOG1P_EXPM1, [-19.16241094714061]))
    _, grad, _, ed = truth_and_accuracy(LOG1P_EXPM1, [-19.16241094714061])
    assert grad == [1.0] and 1e-8 < ed[0] < 1e-7
    # ... but 1e-6 off is more than that condition allows, and caught
    _bibun_changed(monkeypatch, lambda g: g + 1e-6)
    with pytest.raises(autodiff.Broken, match="autodiff min gradient"):
        autodiff.run_autodiff(_case(LOG1P_EXPM1, [-19.16241094714061]))


def test_the_same_cancellation_well_conditioned_demands_every_digit(monkeypatch):
    # at x = -1.5 the bound is 1e-15: a gradient 1e-7 off is caught
    _, _, _, ed = truth_and_accuracy(LOG1P_EXPM1, [-1.5])
    assert ed[0] < 1e-14
    _bibun_changed(monkeypatch, lambda g: g + 1e-7)
    with pytest.raises(autodiff.Broken, match="autodiff min gradient"):
        autodiff.run_autodiff(_case(LOG1P_EXPM1, [-1.5]))


DIV_BY_MINIMUM = ["mean", ["div", ["sum", ["x"]], ["minimum", ["c", 1e-08], ["x"]]]]
DIV_X = [-4.0478034876608005e+299, 0.6229312823191975]


def test_a_nan_from_an_adjoint_beyond_float_range_is_not_a_wrong_number(monkeypatch):
    # d/db of a/b is 4e315 at a = -4e299, b = 1e-8: inf in float; minimum's backward then
    # meets inf·0, which PyTorch masks and a multiplying backward makes NaN (visible)
    _bibun_changed(monkeypatch, lambda g: np.where(np.arange(len(g)) == 1, np.nan, g))
    autodiff.run_autodiff(_case(DIV_BY_MINIMUM, DIV_X))


def test_a_finite_wrong_entry_beside_an_overflowed_adjoint_is_still_caught(monkeypatch):
    # the exact gradient is [5e7, 5e7]: 6e7 is a wrong number, not an overflow
    _bibun_changed(monkeypatch, lambda g: np.array([g[0], 6e7]))
    with pytest.raises(autodiff.Broken, match="autodiff mean gradient"):
        autodiff.run_autodiff(_case(DIV_BY_MINIMUM, DIV_X))


def test_a_change_in_place_that_leaves_x_as_it_was_is_judged_by_the_gradient(monkeypatch):
    # 2x + 1 keeps -1 and NaN: PyTorch refuses any in-place op, but bibun's gradient of
    # the unchanged data is right (seed 1461's false alarm) ...
    case = _case(["sum", ["mul", ["x"], ["x"]]], [-1.0, "nan"], mutate=True)
    real = autodiff._bibun_run
    monkeypatch.setattr(autodiff, "_bibun_run",
                        lambda tree, xs, dtype, mutate: real(tree, xs, dtype, False))
    autodiff.run_autodiff(case)
    # ... and a wrong one is still a finding
    monkeypatch.setattr(autodiff, "_bibun_run",
                        lambda tree, xs, dtype, mutate: (1.0, np.array([2.0, np.nan])))
    with pytest.raises(autodiff.Broken, match="left x as it was"):
        autodiff.run_autodiff(case)


def test_which_of_several_nans_wins_a_min_is_not_judged_but_one_nan_is(monkeypatch):
    # every entry of elu(x) − mean(x) is NaN when x has one: the NaN that min picks (and
    # its gradient) is the engine's scan order (seed 1461's false alarm)
    autodiff.run_autodiff(_case(["min", ["sub", ["elu", ["x"]], ["mean", ["x"]]]],
                                [0.39436139450578606, "nan"]))
    # one NaN among numbers wins max and takes the gradient: a gradient elsewhere is wrong
    monkeypatch.setattr(autodiff, "_bibun_run",
                        lambda tree, xs, dtype, mutate: (math.nan, np.array([1.0, 0.0])))
    with pytest.raises(autodiff.Broken, match="autodiff max gradient"):
        autodiff.run_autodiff(_case(["max", ["x"]], [1.0, "nan"]))


SQRT_SOFTMAX = ["max", ["pow", ["softmax", ["maximum", ["c", 3.0], ["x"]]], 0.5]]


def test_a_nan_adjoint_from_sqrt_at_zero_is_not_a_wrong_number(monkeypatch):
    # softmax gives e^(3 − 1e308) = 0, sqrt′(0) = inf meets max's 0: the adjoint is NaN in
    # PyTorch too, which maximum's masked backward keeps from x (seed 1471's false alarm)
    autodiff.run_autodiff(_case(SQRT_SOFTMAX, [1e308, -1822737.3713755256]))
    # the exact gradient of x₁ is 0 (it lost to 3): a finite wrong number is caught
    _bibun_changed(monkeypatch, lambda g: np.array([g[0], 0.25]))
    with pytest.raises(autodiff.Broken, match="autodiff max gradient"):
        autodiff.run_autodiff(_case(SQRT_SOFTMAX, [1e308, -1822737.3713755256]))
