"""Least squares by setting partial derivatives to zero (bibun.fit, `bibun fit`)."""

import json
from fractions import Fraction

import numpy as np
import pytest

from bibun import BibunError, DomainError
from bibun.cli import main
from bibun.fit import fit, read_csv, sample_linear_data


@pytest.fixture
def line_csv(tmp_path):
    p = tmp_path / "line.csv"
    p.write_text("x,y\n1,3\n2,5\n3,7.5\n4,9\n5,11\n")
    return p


def test_linear_exact_normal_equations(line_csv):
    r = fit(line_csv, "a*x + b")
    assert r.linear and r.exact == {"a": Fraction(2), "b": Fraction(11, 10)}
    text = "\n".join(r.derivation)
    assert "∂S/∂a = Σ -2x(y - (ax + b)) = 0" in text
    assert "55·a + 15·b = 126.5" in text and "15·a + 5·b = 35.5" in text  # decimal data
    assert abs(r.r2 - (1 - 0.2 / 40.2)) < 1e-12
    assert np.allclose(r.residuals, [-0.1, -0.1, 0.4, -0.1, -0.1])


def test_recovers_known_parameters_and_gd_matches_closed_form():
    rng = np.random.default_rng(3)
    x = np.linspace(-3, 3, 200)
    y = 1.5 * x**2 - 2.0 * x + 0.5 + 0.01 * rng.standard_normal(200)
    r = fit({"x": x, "y": y}, "y = a*x^2 + b*x + c")
    assert abs(r.params["a"] - 1.5) < 5e-3 and abs(r.params["b"] + 2) < 5e-3
    assert abs(r.params["c"] - 0.5) < 5e-3
    assert r.gd is not None and r.gd.reason == "converged"
    assert r.gd.max_difference < 1e-8
    lin = fit(sample_linear_data(n=30, a=2, b=1, noise=0.0), "a*x + b")
    assert abs(lin.params["a"] - 2) < 1e-12 and abs(lin.params["b"] - 1) < 1e-12
    assert lin.gd.max_difference < 1e-8


def test_exact_data_gives_exact_parameters():
    r = fit({"x": [0, 1, 2, 3], "y": [1, 3, 5, 7]}, "a*x + b")
    assert r.exact == {"a": 2, "b": 1} and r.sse == 0 and r.r2 == 1


def test_nonlinear_gauss_newton():
    x = np.linspace(0, 2, 40)
    y = 2.5 * np.exp(1.3 * x)
    r = fit({"x": x, "y": y}, "a*exp(k*x)")
    assert not r.linear and r.converged
    assert abs(r.params["a"] - 2.5) < 1e-9 and abs(r.params["k"] - 1.3) < 1e-9
    assert "Gauss-Newton" in r.method
    s = fit({"x": x, "y": 3 * np.sin(0.7 * x)}, "a*sin(w*x)", init={"a": 2, "w": 1})
    assert abs(s.params["w"] - 0.7) < 1e-8


def test_bad_csv_cell_names_row_and_column(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("x,y\n1,2\n2,abc\n")
    with pytest.raises(BibunError, match=r"row 3, column 'y': 'abc' is not a number"):
        read_csv(p)
    q = tmp_path / "empty.csv"
    q.write_text("x,y\n1,\n")
    with pytest.raises(BibunError, match="row 2, column 'y': is empty"):
        read_csv(q)


def test_model_without_parameters(line_csv):
    with pytest.raises(BibunError, match="has no parameters"):
        fit(line_csv, "2*x")


def test_non_identifiable_parameters_are_named(line_csv):
    with pytest.raises(BibunError, match=r"parameters b, c are not identifiable"):
        fit(line_csv, "a*x + b + c")
    with pytest.raises(BibunError, match="not identifiable"):
        fit({"x": [1, 1, 1], "y": [1, 2, 3]}, "a*x + b")  # one x value: a line is not fixed


def test_model_undefined_on_the_data(line_csv):
    with pytest.raises(DomainError, match="row 1"):
        fit(line_csv, "a*log(x - 2) + b")


def test_cli(line_csv, capsys, tmp_path):
    assert main(["fit", str(line_csv), "--model", "a*x + b"]) == 0
    out = capsys.readouterr().out
    assert "b = 1.10 ± 0.27" in out and "normal equations" in out
    assert main(["fit", str(line_csv), "--model", "a*x+b", "--format", "json",
                 "--plot", str(tmp_path / "f.png")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["exact"] == {"a": "2", "b": "11/10"}
    assert main(["fit", str(line_csv), "--lang", "ja"]) == 0
    assert "正規方程式" in capsys.readouterr().out
    assert main(["fit", str(tmp_path / "missing.csv")]) == 2
    assert "no such data file" in capsys.readouterr().err


# -- polish: column names, human numbers, clear errors, wording --------------------------


def _cli(capsys, *argv):
    try:
        code = main(["fit", *map(str, argv)])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def named_csv(tmp_path):
    p = tmp_path / "study.csv"
    p.write_text("hours,score\n1,3\n2,5\n3,7.5\n4,9\n5,11\n")
    return p


def test_typo_in_a_column_name_lists_columns_and_suggests_the_nearest(line_csv, capsys):
    code, out, err = _cli(capsys, line_csv, "--x", "xx")
    assert code == 2 and out == ""
    assert "'xx' is not a column" in err and "its columns are x, y" in err
    assert "did you mean 'x'?" in err and err.count("\n") == 1
    for option, typo in (("--y", "Y"), ("--target", "yy")):
        code, _, err = _cli(capsys, line_csv, option, typo)
        assert code == 2 and f"the target '{typo}' is not a column" in err
        assert "did you mean 'y'?" in err


def test_x_and_y_options_fit_columns_with_long_names(named_csv, capsys):
    code, out, _ = _cli(capsys, named_csv, "--x", "hours", "--y", "score")
    assert code == 0
    assert out.splitlines()[0] == ("model: score ≈ ax + b   (5 rows; x = hours; method: normal "
                                   "equations, solved exactly)")
    assert "a·Σx + b·Σ1 = Σscore" in out and "= Σx·score" in out
    assert "  a = 2.000 ± 0.082\n  b = 1.10 ± 0.27" in out
    code, _, err = _cli(capsys, named_csv, "--x", "hours", "--y", "scor")
    assert code == 2 and "its columns are hours, score); did you mean 'score'?" in err
    code, _, err = _cli(capsys, named_csv, "--x", "hours", "--y", "hours")
    assert code == 2 and "already the model's x" in err


def test_long_column_name_typed_in_the_model_is_refused_with_a_hint(named_csv):
    with pytest.raises(BibunError, match=r"'hours' in the model is read as the product "
                                         r"h·o·u·r·s.*--x hours"):
        fit(named_csv, "score = a*hours + b")


def test_model_that_uses_no_column_is_an_error_not_a_fit(tmp_path, named_csv):
    p = tmp_path / "x1.csv"
    p.write_text("x1,y\n1,3\n2,5\n3,7\n")
    with pytest.raises(BibunError, match=r"uses none of the data columns \(x1, y\).*did you "
                                         r"mean 'x1' for x\?"):
        fit(p, "a*x + b")
    with pytest.raises(BibunError, match="--x hours"):
        fit(named_csv, "a*x + b")


def test_numbers_are_printed_for_humans(line_csv, tmp_path, capsys):
    text = fit(line_csv, "a*sin(x) + b*cos(x) + c").summary()
    assert "0.159208·a + 1.9529·b - 1.23582·c = -10.6473" in text  # no "+ -1.2…"
    assert "  a = -3.40 ± 0.73\n" in text and "fitted: y = 7.04 - 0.72cos(x)" in text
    assert "e+" not in text and "+ -" not in text
    assert not any(len(tok.strip("-,;()")) > 9 and tok.strip("-,;()").replace(".", "").isdigit()
                   for tok in text.split())  # nothing like 1.183084979
    p = tmp_path / "frac.csv"
    p.write_text("x,y\n1,3\n2,5\n3,7.5\n4,9\n5,11\n")
    sq = fit(p, "a*x^2 + b").summary()
    assert "a = 0.318 ± 0.046" in sq and "b = 3.60 ± 0.64" in sq  # measured: decimals
    p.write_text("x,y\n1,3\n2,5\n3,7\n4,9\n5,12\n")  # whole numbers: exact fractions
    sq = fit(p, "a*x^2 + b").summary()
    assert "a = 67/187  (≈ 0.358289) ± 0.027" in sq and "fitted: y = 67x^2/187 + 277/85" in sq
    code, out, _ = _cli(capsys, line_csv, "--format", "json")
    data = json.loads(out)
    assert data["sse"] == 0.2 and data["residuals"] == [-0.1, -0.1, 0.4, -0.1, -0.1]
    one = fit({"x": [0, 1, 2, 3], "y": [1, 3, 5, 7]}, "y = c + 0*x", compare_gd=True)
    assert "converged in 1 step to" in one.summary()


def test_bad_data_files_are_one_line_errors(tmp_path, capsys):
    cases = {"empty.csv": ("", "is empty"), "header.csv": ("x,y\n", "no data rows"),
             "one.csv": ("x,y\n1,2\n", "from 1 data row: need at least 2"),
             "cell.csv": ("x,y\n1,2\n2,two\n", "row 3, column 'y': 'two' is not a number"),
             "constx.csv": ("x,y\n1,2\n1,3\n1,4\n", "x is 1 in every row"),
             "binary.csv": (b"\xff\xfe\x00", "not UTF-8 text")}
    for name, (content, expected) in cases.items():
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
        code, out, err = _cli(capsys, p)
        assert code == 2 and out == "", name
        assert expected in err and err.count("\n") == 1 and "Traceback" not in err, name
    code, _, err = _cli(capsys, tmp_path)
    assert code == 2 and "is a directory" in err


def test_undefined_r2_is_said_in_words(tmp_path):
    p = tmp_path / "flat.csv"
    p.write_text("x,y\n1,2\n2,2\n3,2\n")
    r = fit(p, "a*x + b")
    assert "R² = undefined" in r.summary() and "nan" not in r.summary()
    assert "決定係数 R² = 未定義" in r.summary("ja")


def test_init_is_checked_for_every_model(line_csv, capsys):
    with pytest.raises(BibunError, match="initial values for q, which is not a parameter"):
        fit(line_csv, "a*x + b", init={"q": 1})
    code, out, err = _cli(capsys, line_csv, "--init", "a=1")
    assert code == 0 and "--init is only used for models that are not linear" in err


def test_reports_read_naturally(line_csv):
    en = fit(line_csv, "a*x + b").summary()
    assert ("gradient descent (learning rate 0.0423) converged in 1504 steps to a = 2, "
            "b = 1.1;") in en
    ja = fit(line_csv, "a*x + b").summary("ja")
    assert ja.splitlines()[0] == ("モデル：y ≈ ax + b（データ 5 行、解き方："
                                  "分数による正規方程式の厳密な解法）")
    assert "勾配降下法（学習率 0.0423）でも解くと、1504 ステップで収束：a = 2, b = 1.1" in ja
    gn = fit(line_csv, "a*exp(k*x)").summary()
    assert "(5 rows; method: Gauss-Newton, 12 iterations)" in gn
    assert "Jacobian's columns are:\n  ∂m/∂a = e^(kx)" in gn
    const = fit(line_csv, "y = c").summary()
    assert "S = Σ (y - c)^2" in const
