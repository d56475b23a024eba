"""Gradient descent on formulas with the shared optimizers (bibun.descend, `bibun descend`)."""

import json

import numpy as np
import pytest

from bibun import BibunError
from bibun.cli import main
from bibun.descend import CLASSIC, compare, compare_table, descend


@pytest.mark.parametrize("opt,lr", [("gd", 0.1), ("momentum", 0.05), ("nesterov", 0.05),
                                    ("adagrad", 0.9), ("rmsprop", 0.05), ("adam", 0.2)])
def test_converges_on_convex(opt, lr):
    r = descend("x^2 + y^2", (3, 4), opt, lr, steps=3000, tol=1e-6)
    assert r.reason == "converged", r.summary()
    assert np.abs(r.point).max() < 1e-4
    assert r.warnings == []


def test_gd_matches_closed_form_iteration():
    # x_{k+1} = (1 - 2·lr) x_k on x^2 + y^2: 0.8^k exactly
    r = descend("x^2 + y^2", (3, 4), "gd", 0.1, steps=5, tol=0)
    assert np.allclose(r.path[5], np.array([3, 4]) * 0.8 ** 5)


def test_too_large_step_diverges_without_exception():
    r = descend("x^2 + y^2", (3, 4), "gd", 1.5, steps=100)
    assert r.reason == "diverged"
    assert "too large" in r.detail
    slow = descend("x^2", 1, "gd", 1.05, steps=100)
    assert slow.reason == "diverged"


def test_max_steps_reported():
    r = descend("x^2/20 + y^2", (-7, 2), "gd", 0.01, steps=10)
    assert r.reason == "max steps" and r.steps == 10


def test_local_minimum_warning_and_saddle_warning():
    r = descend("x^4 - 2x^2 + 0.3x", 1.5, "gd", 0.05, steps=500)
    assert r.reason == "converged"
    assert any("local minimum" in w for w in r.warnings)
    other = descend("x^4 - 2x^2 + 0.3x", -1.5, "gd", 0.05, steps=500)
    assert other.warnings == []
    s = descend("x^2 - y^2", (1, 0), "gd", 0.1, steps=500)
    assert any("saddle" in w for w in s.warnings)
    assert "鞍点" in s.warning_texts("ja")[0]


def test_classic_comparison_reproduces_the_book_setup():
    runs = compare()
    assert list(runs) == list(CLASSIC)
    assert all(r.steps == 30 for r in runs.values())
    for r in runs.values():  # every optimizer ends much closer to the minimum than (-7, 2)
        assert r.value < 0.2 and np.all(np.isfinite(r.path))
    # AdaGrad's shrinking steps leave y essentially at 0 while SGD zigzags in y
    assert abs(runs["AdaGrad"].point[1]) < 1e-10
    sgd_y = runs["SGD"].path[:, 1]
    assert (np.sign(sgd_y[1:6]) != np.sign(sgd_y[:5])).all()
    assert "AdaGrad" in compare_table(runs)


def test_bad_input():
    with pytest.raises(BibunError, match="2 variable"):
        descend("x^2 + y^2", (1,))
    with pytest.raises(BibunError, match="unknown optimizer"):
        descend("x^2", 1, "lbfgs")
    with pytest.raises(BibunError, match="learning rate"):
        descend("x^2", 1, "gd", -1)
    with pytest.raises(BibunError, match="undefined at the start"):
        descend("log(x)", -1)


def test_cli_text_json_and_compare(capsys, tmp_path):
    assert main(["descend", "x^2 + y^2", "--from", "3,4", "--lr", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "converged" in out
    assert main(["descend", "x^2 + y^2", "--from", "-3,4", "--lr", "1.5", "--format",
                 "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reason"] == "diverged" and data["variables"] == ["x", "y"]
    png = tmp_path / "cmp.png"
    assert main(["descend", "--compare", "--from", "-7,2", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "Momentum" in out and png.stat().st_size > 1000
    assert main(["descend", "x^2", "--from", "1", "--optimizer", "bogus"]) == 2
    assert "unknown optimizer" in capsys.readouterr().err
