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
    assert "55·a + 15·b = 253/2" in text and "15·a + 5·b = 71/2" in text
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
    assert "b = 11/10" in out and "normal equations" in out
    assert main(["fit", str(line_csv), "--model", "a*x+b", "--format", "json",
                 "--plot", str(tmp_path / "f.png")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["exact"] == {"a": "2", "b": "11/10"}
    assert main(["fit", str(line_csv), "--lang", "ja"]) == 0
    assert "正規方程式" in capsys.readouterr().out
    assert main(["fit", str(tmp_path / "missing.csv")]) == 2
    assert "no such data file" in capsys.readouterr().err
