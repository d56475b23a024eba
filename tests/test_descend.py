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


# -- polish: validation, domain exits, stationary starts, wording ------------------------


def _cli(capsys, *argv):
    try:
        code = main(["descend", *argv])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["--tol", "0"], ["--tol", "-1"], ["--tol", "inf"],
                                  ["--lr", "0"], ["--lr", "nan"], ["--steps", "0"],
                                  ["--steps", "2.5"], ["--steps", "1000000"]])
def test_cli_rejects_zero_negative_and_huge_numeric_options(capsys, argv):
    code, out, err = _cli(capsys, "x^2", "--from", "1", *argv)
    assert code == 2 and out == ""
    assert err.startswith("bibun: error:") and err.count("\n") == 1
    assert "Traceback" not in err


def test_leaving_the_domain_says_which_step_where_and_why():
    r = descend("log(x)", 1, "gd", 2)
    assert r.reason == "left the domain" and r.steps == 1
    assert r.detail == ("step 1 went from x = 1 to x = -1, outside the domain of f: ln(x) "
                        "needs x > 0; a smaller learning rate may keep the iterates inside")
    ja = r.details("ja")
    assert ja.startswith("1 ステップ目で x = 1 から x = -1 に移り、f の定義域の外に出ました")
    assert "log(x) は x > 0 のときしか定義されません" in ja  # Japanese writes log
    root = descend("sqrt(x)", 1, "gd", 3)
    assert root.reason == "left the domain" and "sqrt(x) is not a real number when x < 0" \
        in root.detail
    edge = descend("sqrt(x)", 1, "gd", 2)  # lands on x = 0: f is fine, f' is not
    assert "its gradient is not (1/sqrt(x) divides by zero where x = 0)" in edge.detail
    assert "too large" not in r.detail + root.detail + edge.detail


def test_jumping_over_a_pole_is_reported_not_followed():
    r = descend("1/x", -1, "gd", 0.1)
    assert r.reason == "left the domain"
    assert "step 5 jumped from x = -0.3426 to x = 0.5094, over x = 0, where 1/x is undefined" \
        in r.detail
    assert "1/x が定義されない x = 0（分母 x が 0）を飛び越えました" in r.details("ja")
    t = descend("tan(x)", 1, "gd", 0.5)
    assert t.reason == "left the domain" and "cos(x) = 0" in t.detail


def test_start_with_undefined_gradient_explains_why():
    with pytest.raises(BibunError, match=r"gradient of f is undefined at the start x = 0: "
                                         r"1/sqrt\(x\) divides by zero"):
        descend("sqrt(x)", 0)
    with pytest.raises(BibunError, match=r"f is undefined at the start \(1, -1\): ln\(y\) "
                                         r"needs y > 0"):
        descend("log(x) + log(y)", (1, -1))


def test_start_at_a_stationary_point_that_is_no_minimum_warns():
    saddle = descend("x^2 - y^2", (0, 0))
    assert saddle.steps == 0 and "already at the start" in saddle.detail
    assert "saddle point" in saddle.warnings[0]
    flat = descend("x^3", 0)
    assert len(flat.warnings) == 1 and "not a minimum" in flat.warnings[0]
    assert "local minimum" not in flat.warnings[0]
    assert "x = -0.1" in flat.warnings[0]
    assert "最小点ではありません" in flat.warning_texts("ja")[0]
    flat2 = descend("x^3 + y^2", (0, 0))
    assert "not a minimum" in flat2.warnings[0]
    assert descend("-x^2", 0).warnings == ["the gradient vanishes at x = 0 but it is a local "
                                           "maximum"]
    assert descend("x^4", 0).warnings == [] and descend("x^2", 0).warnings == []


def test_flat_ground_reached_by_descent_is_not_called_a_local_minimum():
    r = descend("x^3", 1, "gd", 0.1, steps=100000)
    assert r.reason == "converged"
    assert len(r.warnings) == 1 and "not a minimum" in r.warnings[0]
    assert "local minimum" not in r.warnings[0]
    # the gradient is shown with the digits that put it below the tolerance
    assert "|∇f| = 9.99832e-7 < 1e-6" in r.detail  # the one formatter: no e-07


def test_divergence_reads_as_japanese_sentences():
    r = descend("x^2 + y^2", (3, 4), "gd", 1.5, steps=100)
    text = r.summary(lang="ja")
    assert "25 ステップ目で発散しました：点 (-1.007e8, -1.342e8) で f = 2.81e16 です。" \
           "学習率 1.5 はこの関数には大きすぎます。" in text
    assert "発散 -" not in text and "ステップ後" not in text


def test_unbounded_function_is_not_blamed_on_the_learning_rate():
    r = descend("-x^2", 1, "gd", 0.1, steps=200)
    assert r.reason == "diverged"
    assert "no minimum" in r.detail and "too large" not in r.detail
    assert "最小値がない" in r.details("ja")


def test_one_variable_points_and_step_counts_read_naturally():
    r = descend("x^2", 1, "gd", 1e9, steps=10)
    assert r.detail.startswith("after 1 step the iterate x = -2e9 has f = 4e18")
    loc = descend("x^4 - 2x^2 + 0.3x", 1.5, "gd", 0.05, steps=500)
    assert "at x = 0.9601; on the interval [-2.88, 2.88]" in loc.warnings[0]
    assert "near x = -1.035" in loc.warnings[0]
    z = descend("-x^2", 0)
    assert "-0" not in z.summary().split("\n")[2]


def test_compare_honours_lr_tol_and_vars(capsys):
    code, out, _ = _cli(capsys, "--compare", "--lr", "0.5")
    assert code == 0
    rows = out.splitlines()[2:]
    assert len(rows) == 4 and all(row.split()[1] == "0.5" for row in rows)
    code, out, _ = _cli(capsys, "y^2 + x/10", "--compare", "--from", "1,2", "--vars", "y,x",
                        "--optimizer", "gd,adam", "--steps", "5", "--tol", "1e-3")
    assert code == 0
    assert out.splitlines()[0] == "f = y^2 + x/10, from (1, 2), 5 steps each"
    assert out.splitlines()[1].split()[3:5] == ["y", "x"]
    code, out, err = _cli(capsys, "x^2", "--compare", "--from", "1", "--plot", "c.png")
    assert code == 2 and out == "" and "two variables" in err


def test_japanese_tables_line_up():
    import unicodedata

    def width(s):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    head, *rows = compare_table(compare(), "ja").splitlines()
    f_end = width(head[:head.index("  f  ") + 3])
    for row in rows:  # the f column ends at the same screen column in every line
        f_value = row.split()[-2]
        assert width(row[:row.rindex(f_value) + len(f_value)]) == f_end
    lr_end = width(head[:head.index("学習率") + 3])
    assert all(width(row[:row.index(row.split()[1]) + len(row.split()[1])]) == lr_end
               for row in rows)
    table = descend("x^2", 1).summary(lang="ja").splitlines()
    assert width(table[1][:table[1].index("ステップ") + 4]) == 8  # over "{step:8d}"


def test_start_outside_the_domain_is_said_in_japanese_too(capsys):
    from bibun.cli import main

    assert main(["descend", "log(x)", "--from", "-1", "--lang", "ja"]) == 2
    assert "出発点 x = -1 で f が定義されません" in capsys.readouterr().err
