"""`bibun numdiff`: numeric value, error estimate, exact value and true error."""

from __future__ import annotations

import json

from bibun.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_numdiff_json_has_the_documented_fields(capsys):
    code, out, _ = run(capsys, "numdiff", "0.01x^2 + 0.1x", "--at", "x=5", "--format", "json")
    data = json.loads(out)
    assert code == 0
    for key in ("value", "error_estimate", "exact", "abs_error", "h", "evaluations"):
        assert key in data
    assert data["exact"] == 0.2
    assert data["abs_error"] <= data["error_estimate"]


def test_numdiff_with_the_books_step_prints_the_books_number(capsys):
    code, out, _ = run(capsys, "numdiff", "0.01x^2 + 0.1x", "--at", "x=5", "--h", "1e-4")
    assert code == 0
    assert "0.1999999999990898" in out and "central" in out


def test_numdiff_partial_derivative_fixes_the_other_variables(capsys):
    _, out, _ = run(capsys, "numdiff", "x0^2 + x1^2", "--at", "x0=3,x1=4", "--wrt", "x1",
                    "--h", "1e-4", "--format", "json")
    assert json.loads(out)["value"] == 7.999999999999119


def test_numdiff_table_shows_quotients_and_best_step(capsys):
    _, out, _ = run(capsys, "numdiff", "exp(x)", "--at", "x=1", "--table", "--method",
                    "forward")
    assert "1e-16" in out and "best h for forward" in out


def test_numdiff_flags_a_corner_and_gives_no_exact_value(capsys):
    code, out, _ = run(capsys, "numdiff", "abs(x)", "--at", "x=0")
    assert code == 0
    assert "corner" in out and "undefined" in out


def test_numdiff_outside_the_domain_is_an_error_naming_the_point(capsys):
    code, _, err = run(capsys, "numdiff", "log(x)", "--at", "x=-1")
    assert code == 2 and "-1" in err


def test_numdiff_sin_at_huge_x_is_exact_and_within_its_error(capsys):
    code, out, _ = run(capsys, "numdiff", "sin(x)", "--at", "x=1e20")
    assert code == 0
    assert "numeric  f' = 0.7639704044417283" in out and "within" in out


def test_numdiff_log_at_tiny_x_scales_its_step(capsys):
    for x in ("1e-20", "1e-300"):
        _, out, _ = run(capsys, "numdiff", "log(x)", "--at", f"x={x}", "--format", "json")
        data = json.loads(out)
        assert abs(data["value"] - data["exact"]) <= 1e-12 * data["exact"]
        assert data["abs_error"] <= data["error_estimate"]
        assert data["h"] < float(x)


def test_numdiff_multivariate_prints_the_partial_derivative(capsys):
    code, out, _ = run(capsys, "numdiff", "x^2 y", "--at", "x=1,y=2")
    assert code == 0
    assert "f(x, y) =" in out
    assert "∂f/∂x = 4.0" in out and "(= 2xy)" in out
    assert "f' =" not in out


def test_numdiff_complex_method_error_shows_plain_numbers(capsys):
    code, _, err = run(capsys, "numdiff", "|x|", "--method", "complex", "--at", "x=1")
    assert code != 0
    assert "x = 1:" in err
    for internal in ("np.float64", "math.sin", "np.cbrt"):
        assert internal not in err


def test_numdiff_acosh_at_one_has_no_exact_value(capsys):
    code, out, _ = run(capsys, "numdiff", "acosh(x)", "--at", "x=1")
    assert code == 0 and "exact    f' = undefined" in out and "edge of the domain" in out
