"""Tangents, series, critical points and the difference-quotient table (bibun.calculus)."""

from fractions import Fraction

import pytest

from bibun import BibunError, DomainError, parse
from bibun.calculus import (
    critical_points,
    difference_quotient,
    exact_at,
    limit_quotient,
    series,
    tangent,
)
from bibun.expr import core


def test_tangent_parabola_exact():
    t = tangent("x^2", 1)
    assert t.line is parse("2x - 1")
    assert t.slope is core.number(2)
    assert t.y0 is core.ONE
    assert t.normal is parse("-x/2 + 3/2")


def test_tangent_rational_point_and_normal():
    t = tangent("1/x", "1/2")  # y = 2, slope -4
    assert t.line is parse("-4x + 4")
    assert t.normal is parse("x/4 + 15/8")


def test_tangent_horizontal_has_vertical_normal():
    t = tangent("x^3 - 3x", 1)
    assert t.line is core.number(-2)
    assert t.normal is None and t.normal_text == "x = 1"


def test_tangent_keeps_constants_symbolic_and_folds_special_values():
    assert str(tangent("e^x", 1).line) == "ex"
    assert tangent("sin(x)", "pi").line is parse("pi - x")
    t = tangent("sin(x)", "pi/6")
    assert t.y0 is core.HALF


def test_tangent_errors():
    with pytest.raises(DomainError, match="not differentiable"):
        tangent("abs(x)", 0)
    with pytest.raises(DomainError, match="undefined"):
        tangent("log(x)", -1)
    with pytest.raises(BibunError, match="one variable"):
        tangent("x*y", 1)


def test_series_exp_exact_and_factorial_form():
    s = series("e^x", order=4)
    assert s.coefficients == tuple(core.number(Fraction(1, k)) for k in (1, 1, 2, 6, 24))
    assert s.text() == "1 + x + x^2/2 + x^3/6 + x^4/24"
    assert s.text("factorial") == "1 + x/1! + x^2/2! + x^3/3! + x^4/4!"
    assert s.text("factorial", "unicode", remainder=True).endswith("O(x⁵)")
    assert "\\frac{x^{2}}{2}" in s.text(fmt="latex")


def test_series_known_expansions():
    assert series("sin(x)", order=7).text() == "x - x^3/6 + x^5/120 - x^7/5040"
    assert series("cos(x)", order=4).text() == "1 - x^2/2 + x^4/24"
    assert series("log(1+x)", order=4).text() == "x - x^2/2 + x^3/3 - x^4/4"
    assert series("1/(1-x)", order=3).text() == "1 + x + x^2 + x^3"
    assert series("tanh(x)", order=5).text() == "x - x^3/3 + 2x^5/15"
    assert series("sigmoid(x)", order=3).text() == "1/2 + x/4 - x^3/48"


def test_series_about_a_point_keeps_e():
    s = series("e^x", at=1, order=2)
    assert s.text() == "e + e(x - 1) + e(x - 1)^2/2"
    assert s.polynomial is parse("e + e(x - 1) + e(x - 1)^2/2")
    assert abs(float(s(1.1)) - (2.718281828459045 * (1 + 0.1 + 0.005))) < 1e-12


def test_series_partial_sums_and_errors():
    s = series("e^x", order=3)
    assert s.partial_sums()[1] is parse("1 + x")
    assert s.truncated(2).text() == "1 + x + x^2/2"
    with pytest.raises(DomainError, match="no Taylor series"):
        series("log(x)")
    with pytest.raises(BibunError, match="whole number"):
        series("e^x", order=-1)


def test_difference_quotient_symbolic():
    assert difference_quotient("x^2") is parse("2x + h")
    assert difference_quotient("x^3") is parse("3x^2 + 3x h + h^2")


def test_limit_quotient_reuses_numeric_table():
    from bibun import numeric

    table = limit_quotient("x^2", 1)
    assert isinstance(table, numeric.DifferenceTable)
    assert table.exact == 2.0
    assert abs(table.quotients["forward"][0] - 2.1) < 1e-12  # h = 0.1: 2 + h
    assert table.errors["forward"].min() < 1e-7


def _kinds(points):
    return [(tuple(p.coords), p.kind) for p in points]


def test_critical_points_cubic_exact():
    pts = critical_points("x^3 - 3x")
    assert [p.point for p in pts] == [(core.number(-1),), (core.number(1),)]
    assert [p.kind for p in pts] == ["max", "min"]
    assert all(p.exact for p in pts)
    assert pts[0].value is core.number(2) and pts[1].value is core.number(-2)


def test_critical_points_higher_order_test():
    assert _kinds(critical_points("x^4")) == [((0.0,), "min")]
    assert _kinds(critical_points("-x^6")) == [((0.0,), "max")]
    assert _kinds(critical_points("x^3")) == [((0.0,), "inflection")]


def test_critical_points_quadratic_surds():
    pts = critical_points("x^3 - 2x")  # f' = 3x^2 - 2: x = ±√6/3
    assert [str(p.point[0]) for p in pts] == ["-sqrt(6)/3", "sqrt(6)/3"]
    assert abs(pts[1].coords[0] - (2 / 3) ** 0.5) < 1e-15


def test_critical_points_numeric_bracketing():
    import math

    pts = critical_points("sin(x)", interval=(-4, 4))
    assert [p.kind for p in pts] == ["min", "max"]
    assert abs(pts[1].coords[0] - math.pi / 2) < 1e-10
    m = critical_points("x^2*log(x)", interval=(0.1, 3))
    assert abs(m[0].coords[0] - math.exp(-0.5)) < 1e-10
    # a root proven exact after bracketing: f'(1) = 0 for x e^-x
    (p,) = critical_points("x*exp(-x)")
    assert p.exact and p.point == (core.ONE,) and p.kind == "max"


def test_critical_points_interval_errors():
    with pytest.raises(DomainError, match="undefined everywhere"):
        critical_points("log(x)", interval=(-5, -1))
    with pytest.raises(BibunError, match="need a < b"):
        critical_points("x^2", interval=(3, 1))
    with pytest.raises(BibunError, match="constant"):
        critical_points("5", var="x")


def test_critical_points_two_variables():
    (p,) = critical_points("x^2 + y^2")
    assert p.point == (core.ZERO, core.ZERO) and p.kind == "min" and p.exact
    saddle = critical_points("x^2 - y^2")
    assert [q.kind for q in saddle] == ["saddle"]
    pts = critical_points("x^3 - 3x + y^2")
    assert _kinds(pts) == [((-1.0, 0.0), "saddle"), ((1.0, 0.0), "min")]


def test_critical_points_rosenbrock_exact():
    (p,) = critical_points("(1-x)^2 + 100(y-x^2)^2")
    assert p.exact and p.point == (core.ONE, core.ONE)
    assert p.kind == "min" and p.value is core.ZERO
    assert abs(p.eigenvalues[0] - 0.3993607) < 1e-6


def test_critical_points_numeric_two_variables_within_tolerance():
    pts = critical_points("sin(x)*sin(y)", interval=(-2, 2))
    import math

    kinds = {tuple(round(c, 6) for c in p.coords): p.kind for p in pts}
    h = round(math.pi / 2, 6)
    assert kinds[(h, h)] == "max" and kinds[(-h, h)] == "min" and kinds[(0.0, 0.0)] == "saddle"
    for p in pts:
        for c in p.coords:
            assert min(abs(c - k * math.pi / 2) for k in (-1, 0, 1)) < 1e-10


def test_exact_at_folds_teacher_values():
    assert exact_at(parse("cos(x)"), {"x": core.PI}) is core.MINUS_ONE
    assert exact_at(parse("sigmoid(x)"), {"x": 0}) is core.HALF
    assert str(exact_at(parse("sin(x)"), {"x": parse("pi/3")})) == "sqrt(3)/2"


def test_critical_point_text_in_both_languages():
    (p, q) = critical_points("x^3 - 3x")
    assert str(p) == "local maximum at x = -1, f = 2; f''(-1) = -6 < 0"
    assert q.describe("ja").startswith("極小：x = 1")


# -- numpy scalars, high-degree critical points, corners -----------------------------------


def test_numpy_scalars_never_leak_into_printed_math():
    import numpy as np

    assert str(tangent("x^3", np.float64(2.0)).line) == "12x - 16"
    assert str(tangent("x^3", np.int64(2)).line) == "12x - 16"
    assert "np." not in series("exp(x)", at=np.float64(0.5), order=1).text()


@pytest.mark.parametrize("k", [60, 61, 70, 100])
def test_critical_points_of_high_degree_polynomials_are_not_invented(k):
    pts = critical_points(f"x^{k} - x")
    root = (1 / k) ** (1 / (k - 1))
    expected = [root] if k % 2 == 0 else [-root, root]
    assert [p.coords[0] for p in pts] == pytest.approx(expected, rel=1e-12)


def test_exact_isolation_finds_every_real_root_and_no_more():
    import math

    from bibun.expr import polynomial

    p = [Fraction(-1)] + [Fraction(0)] * 98 + [Fraction(100)]  # 100x^99 - 1
    assert polynomial.isolated_real_roots(p) == [pytest.approx((1 / 100) ** (1 / 99), rel=1e-15)]
    assert polynomial.isolated_real_roots([Fraction(-2), Fraction(0), Fraction(1)]) == \
        [-math.sqrt(2), math.sqrt(2)]


@pytest.mark.parametrize("expr, x, kind", [("abs(x)", 0, "min"), ("-abs(x-1)", 1, "max"),
                                           ("relu(x) - x/2", 0, "min"),
                                           ("relu(x) + x", 0, "corner")])
def test_corners_are_classified_by_the_sign_of_the_slope_on_each_side(expr, x, kind):
    pts = [p for p in critical_points(expr) if p.coords[0] == x]
    assert len(pts) == 1 and pts[0].kind == kind and pts[0].exact
    assert "corner" in pts[0].test and "11 vanish" not in str(pts[0])


def test_relu_reports_its_flat_stretch_once_and_its_corner_as_no_extremum():
    pts = critical_points("relu(x)")
    assert len(pts) == 2
    assert pts[0].kind == "degenerate" and "every point" in pts[0].test
    assert pts[1].coords == (0.0,) and pts[1].kind == "corner"


def test_when_higher_derivatives_fail_the_first_derivative_test_decides():
    assert critical_points("abs(x)^3")[0].kind == "min"
    assert critical_points("x*abs(x)")[0].kind == "inflection"


def test_tangent_refuses_acosh_at_the_edge_of_its_domain_but_not_a_smooth_abs_cube():
    with pytest.raises(DomainError, match="acosh is not differentiable at x = 1"):
        tangent("acosh(x)", 1)
    assert tangent("abs(sin(x))^3", 0).slope == core.ZERO
