"""The sign analysis that drops impossible corner notes must be sound: every sign an
expression really takes is allowed (it may allow more, never less)."""

from __future__ import annotations

import numpy as np
import pytest

import bibun
from bibun.expr.signs import signs
from bibun.functions import NEG, POS, RULES, ZERO


def _sign(v: float) -> int:
    return POS if v > 0 else NEG if v < 0 else ZERO


def test_allowed_signs_include_every_sign_taken_at_sample_points():
    texts = ["x^2 - 1", "x^3", "-x^2", "x^2 y^2 + 1", "e^x - 2", "|x| - 1", "relu(x) - 1",
             "step(x) - 1", "sqrt(x) + x", "x^(2/3) - 1", "cbrt(x)", "tanh(x) x", "x/(x^2+1)",
             "-(cosh(x)) + 1", "2^x - 1", "sign(x)", "x^-2", "1/x", "x y", "atan(x)"]
    points = [-2.5, -1, -0.5, 0, 0.5, 1, 2.5]
    for text in texts:
        e = bibun.parse(text)
        allowed = signs(e, {})
        for x in points:
            for y in points:
                try:
                    v = float(e.evaluate({"x": x, "y": y}))
                except bibun.BibunError:
                    continue
                assert allowed & _sign(v), (text, x, y, v)


@pytest.mark.parametrize("name", sorted({r.name for r in RULES.values() if r.signs}))
def test_each_rules_declared_signs_hold_on_its_domain(name):
    """Rule.signs(sign of u) must contain the sign of f(u) wherever f is defined."""
    r = RULES[name]
    u = np.concatenate([-np.logspace(-3, 2, 40), [0.0], np.logspace(-3, 2, 40)])
    with np.errstate(all="ignore"):
        y = np.asarray(r.numpy(u), dtype=float)
    for ui, yi in zip(u, y, strict=True):
        if np.isfinite(yi) and (r.domain is None or r.domain(float(ui))):
            assert r.signs(_sign(ui)) & _sign(yi), (name, ui, yi)


def test_impossible_corners_are_not_reported():
    assert bibun.nondifferentiable_points("sqrt(x^2 + 1)") == []
    assert bibun.nondifferentiable_points("relu(exp(x))") == []
    assert len(bibun.nondifferentiable_points("sqrt(x^2 - 1)")) == 1
