"""The notebook explorers: what each one shows is computed by a plain function (tested here
without a browser), and the ipywidgets face only wires controls to it (the last tests move
a slider headlessly and read the result)."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from bibun import i18n
from bibun.errors import BibunError
from bibun.explain.backprop import backprop
from bibun.notebook import (
    backprop_view,
    descent_view,
    gain_view,
    secant_view,
    tangent_view,
    widgets,  # the face; ipywidgets comes with the test extra
)

# -- secant → tangent ----------------------------------------------------------------------


def test_secant_quotients_approach_the_tangent_slope_as_h_shrinks():
    view = secant_view("x^3", a=2, h=1e-4)
    assert view.tangent_slope == 12.0
    hs = [r["h"] for r in view.rows]
    assert hs[0] == 1.0 and hs[-1] == 1e-4 and len(hs) == 5
    for r in view.rows:  # ((2+h)^3 - 8)/h = 12 + 6h + h^2, rounding aside
        assert r["quotient"] == pytest.approx(12 + 6 * r["h"] + r["h"] ** 2, rel=1e-9)
    errors = [r["error"] for r in view.rows]
    assert errors == sorted(errors, reverse=True)
    assert view.secant_slope == pytest.approx((2.0001**3 - 8) / 1e-4, rel=1e-12)
    assert view.point_b == (2 + 1e-4, pytest.approx(2.0001**3))


def test_secant_with_a_negative_step_puts_b_left_of_a():
    view = secant_view("x^2", a=1, h=-0.5)
    assert view.point_b[0] == 0.5 and view.secant_slope == pytest.approx(1.5)
    assert all(r["h"] < 0 for r in view.rows)


def test_secant_table_renders_in_both_languages():
    view = secant_view("x^2", a=1, h=0.01)
    assert "f′(a) との誤差" in view.table("ja") and "error vs f′(a)" in view.table("en")
    assert "割線の傾きは 2.01" in view.summary("ja")


@pytest.mark.parametrize("h", [0, 0.0, float("nan"), "abc"])
def test_secant_refuses_h_zero_or_not_a_number_with_a_message(h):
    with pytest.raises(BibunError) as exc:
        secant_view("x^2", a=1, h=h)
    assert exc.value.key == "error.notebook.h"
    assert "0 でない有限の数" in i18n.message(exc.value, "ja")


def test_secant_where_f_is_undefined_says_where():
    with pytest.raises(BibunError) as exc:
        secant_view("log(x)", a=1, h=-2)
    assert exc.value.key == "error.notebook.undefined" and "x = -1" in str(exc.value)


# -- tangent -------------------------------------------------------------------------------


def test_tangent_at_a_critical_point_is_horizontal_and_exact():
    view = tangent_view("x^3 - 3x", x0=1)
    assert view.slope == 0 and str(view.line) == "-2"
    assert np.allclose(view.dys, 3 * view.xs**2 - 3)
    assert np.allclose(view.tangent_line(view.xs), -2)


def test_tangent_line_touches_the_curve_at_the_point():
    view = tangent_view("sin(x)", x0=0.5)
    assert view.y0 == pytest.approx(math.sin(0.5)) and view.slope == pytest.approx(math.cos(0.5))
    assert "y = " in view.summary("en") and "接線は" in view.summary("ja")


# -- gain ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,f", [("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
                                    ("tanh", np.tanh)])
@pytest.mark.parametrize("a", [0.5, 1.0, 4.0])
def test_gain_derivative_from_its_own_values_matches_a_central_difference(kind, f, a):
    view = gain_view(kind, a)
    h = 1e-6
    numeric = (f(a * (view.xs + h)) - f(a * (view.xs - h))) / (2 * h)
    assert np.allclose(view.dys, numeric, atol=1e-7)
    assert view.max_slope == pytest.approx(a / 4 if kind == "sigmoid" else a)
    assert view.dys.max() == pytest.approx(view.max_slope, rel=1e-3)  # reached at x = 0


def test_gain_derivative_is_written_through_the_function_itself():
    assert str(gain_view("sigmoid", 2).derivative) == "a sigmoid(ax)(1 - sigmoid(ax))"
    assert str(gain_view("tanh", 2).derivative) == "a(1 - tanh(ax)^2)"
    assert "a/4 = 0.5" in gain_view("sigmoid", 2).summary("en")


@pytest.mark.parametrize("kind,gain,key", [("relu", 1, "error.notebook.gain_kind"),
                                           ("sigmoid", 0, "error.notebook.gain"),
                                           ("tanh", -1, "error.notebook.gain")])
def test_gain_refuses_what_it_cannot_show(kind, gain, key):
    with pytest.raises(BibunError) as exc:
        gain_view(kind, gain)
    assert exc.value.key == key


# -- descent -------------------------------------------------------------------------------


def test_descent_view_follows_the_update_rule_and_lays_out_the_contours():
    view = descent_view("x^2 + y^2", (3, 4), "gd", 0.1, steps=5)
    expected = np.array([3.0, 4.0]) * 0.8 ** np.arange(6)[:, None]  # x ← x − 0.1·2x
    assert np.allclose(view.path, expected)
    assert np.allclose(view.Z, view.X**2 + view.Y**2)
    assert view.X.min() <= -3 and view.Y.max() >= 4  # the path is inside the plot


def test_descent_with_too_large_a_rate_diverges_and_says_so_in_both_languages():
    view = descent_view("x^2 + y^2", (3, 4), "gd", 1.5, steps=30)
    assert view.reason == "diverged"
    assert "diverged" in view.summary("en") and "学習率" in view.summary("ja")


def test_descent_optimizers_differ_on_the_classic_valley():
    ends = {opt: descent_view(optimizer=opt, lr=lr).path[-1]
            for opt, lr in [("gd", 0.95), ("momentum", 0.1), ("adam", 0.3)]}
    assert len({tuple(np.round(p, 6)) for p in ends.values()}) == 3


def test_descent_view_needs_two_variables():
    with pytest.raises(BibunError) as exc:
        descent_view("x^2", (1,), steps=2)
    assert exc.value.key == "error.notebook.two_variables"


# -- backprop ------------------------------------------------------------------------------


def test_backprop_steps_fill_values_then_gradients_and_end_at_the_true_gradient():
    point = {"x": 2, "y": 3}
    first = backprop_view("x*y + x", point, 0)
    views = [backprop_view("x*y + x", point, k) for k in range(first.steps)]
    values = [sum(r["value"] is not None for r in v.rows) for v in views]
    grads = [sum(r["grad"] is not None for r in v.rows) for v in views]
    assert values == sorted(values) and grads == sorted(grads)
    assert values[0] == 0 and grads[0] == 0
    last = {r["name"]: r for r in views[-1].rows}
    truth = backprop("x*y + x", point).gradient
    assert last["x"]["grad"] == pytest.approx(truth["x"]) == 4.0  # y + 1: two paths add up
    assert last["y"]["grad"] == pytest.approx(truth["y"]) == 2.0
    assert last["f"]["value"] == 8.0 and views[-1].done


def test_backprop_view_speaks_the_step_in_the_learners_language():
    en = backprop_view(step=0, lang="en").sentence
    ja = backprop_view(step=0, lang="ja").sentence
    assert en != ja and "順伝播" in ja


def test_backprop_view_refuses_a_step_out_of_range():
    n = backprop_view().steps
    with pytest.raises(BibunError) as exc:
        backprop_view(step=n)
    assert exc.value.key == "error.notebook.step"


# -- the widgets face: moving a control redraws from the logic -----------------------------



def test_secant_widget_slider_updates_the_table():
    box = widgets.secant_explorer("x^2", a=1, lang="ja")
    box.controls["h"].value = 1e-3
    assert box.view.h == pytest.approx(1e-3) and len(box.view.rows) == 4
    assert "f′(a) との誤差" in box.children[-1].value


def test_widget_shows_a_message_not_a_traceback_for_a_bad_point():
    box = widgets.tangent_explorer("log(x)", x0=1, lang="en")
    box.controls["x0"].value = -1.0
    assert box.view is None and "undefined" in box.children[-1].value


def test_descent_and_backprop_widgets_follow_their_controls():
    box = widgets.descent_explorer("x^2 + y^2", (3, 4))
    box.controls["lr"].value = 2.0
    assert box.view.reason == "diverged"
    bp = widgets.backprop_explorer(lang="ja")
    bp.controls["step"].value = bp.controls["step"].max
    assert bp.view.done and "確認" in bp.children[-1].value


def test_without_ipywidgets_the_explorers_say_how_to_install_them(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    with pytest.raises(BibunError) as exc:
        widgets.gain_explorer()
    assert exc.value.key == "error.notebook.needs_widgets"
    assert "bibun[notebook]" in i18n.message(exc.value, "ja")


def test_tangent_summary_writes_the_natural_log_as_each_language_does():
    view = tangent_view("2^x", x0=1)
    assert "ln(2)" in view.summary("en")
    assert "log(2)" in view.summary("ja") and "ln" not in view.summary("ja")
