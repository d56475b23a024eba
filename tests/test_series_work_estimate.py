"""A series whose derivatives would swamp time and memory is refused up front, with the
estimate and the limit, in the user's language (issue 14: 50 nested sines, ~4 s of work
before diff refused them); a request within reach is still answered."""

from __future__ import annotations

import importlib
from fractions import Fraction

import pytest

from bibun import LimitError
from bibun.calculus.series import SERIES_WORK_LIMIT, chain_depth, estimated_work, series
from bibun.expr import core
from bibun.i18n import message
from bibun.symbolic import diff_once


def _nest(f: str, n: int) -> str:
    return f"{f}(" * n + "x" + ")" * n


def test_a_hopeless_series_is_refused_before_any_derivative_is_written(monkeypatch):
    def no_derivative(*args, **kwargs):
        raise AssertionError("series took a derivative of a request it should refuse")

    # the module, not the function bibun.calculus re-exports under the same name
    monkeypatch.setattr(importlib.import_module("bibun.calculus.series"), "diff",
                        no_derivative)
    with pytest.raises(LimitError) as info:
        series(_nest("sin", 50), "x", order=5)
    en, ja = message(info.value, "en"), message(info.value, "ja")
    assert f"{SERIES_WORK_LIMIT:,}" in en and "estimate" in en and "order 5" in en
    assert f"{SERIES_WORK_LIMIT:,}" in ja and "見積もり" in ja


def test_the_estimate_is_near_the_work_the_derivatives_take():
    e = core.as_expr(_nest("sin", 10))
    x = core.symbol("x")
    work, d = [0], e
    for _ in range(5):
        d = diff_once(d, x, None, {}, [True], work)
    assert 0.5 * work[0] < estimated_work(e, "x", 5) < 2 * work[0]


def test_exp_does_not_deepen_a_chain_and_sin_does():
    assert chain_depth(core.as_expr(_nest("exp", 20)), "x") == 0
    assert chain_depth(core.as_expr(_nest("sin", 20)), "x") == 20
    assert chain_depth(core.as_expr("x^x^x"), "x") == 2


def test_a_series_within_reach_is_still_answered():
    # each sin in the nest adds -x^3/6: sin(sin(...(x))) with 10 sines is x - 10x^3/6 + ...
    s = series(_nest("sin", 10), "x", order=5)
    assert s.coefficients[1] is core.ONE
    assert s.coefficients[3] is core.number(Fraction(-10, 6))
    assert len(series("tan(x)", "x", order=30).coefficients) == 31
