"""Every figure kind says what it teaches, in English and in Japanese with the same
content: the marked points, legend entries, labels and titles are read back from
matplotlib's artists (not only "the image is not blank")."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bibun import i18n
from bibun.cli import main
from bibun.expr.core import as_expr
from bibun.plot import (
    plot_descent,
    plot_fit,
    plot_function,
    plot_implicit,
    plot_parametric,
    plot_series,
)
from bibun.plot.features import find_features, nice, x_window

LANGS = ["en", "ja"]


@pytest.fixture
def figures(monkeypatch):
    """Every Figure saved during the test, in order."""
    saved: list[Figure] = []
    original = Figure.savefig

    def savefig(self, *a, **kw):
        saved.append(self)
        return original(self, *a, **kw)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return saved


def legend(ax) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


def notes(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def t(lang: str, key: str, **kw) -> str:
    return i18n.text(f"plot.{key}", lang, **kw)


def markers(ax, label: str) -> list[tuple[float, float]]:
    """The points of the legend entry ``label`` (a marker-only line)."""
    for line in ax.get_lines():
        if line.get_label() == label:
            return list(zip(line.get_xdata(), line.get_ydata()))
    raise AssertionError(f"no line labelled {label!r}: {[ln.get_label() for ln in ax.lines]}")


# -- f: extrema, inflections, poles, domain, tangent and normal -------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_extrema_are_marked_with_their_values_and_the_cubic_is_not_squashed(
        tmp_path, figures, lang):
    plot_function("x^3 - 3x", tmp_path / "f.png", lang=lang)
    ax = figures[-1].axes[0]
    assert markers(ax, t(lang, "mark.max")) == [(-1.0, 2.0)]
    assert markers(ax, t(lang, "mark.min")) == [(1.0, -2.0)]
    assert markers(ax, t(lang, "mark.inflection")) == [(0.0, 0.0)]
    assert f"{t(lang, 'mark.max')} (−1, 2)" in notes(ax)
    assert f"{t(lang, 'mark.min')} (1, −2)" in notes(ax)
    lo, hi = ax.get_xlim()
    assert lo < -math.sqrt(3) and hi > math.sqrt(3)  # the roots ±√3 show
    assert (lo, hi) == pytest.approx((-2.25, 2.25), abs=0.01)  # not [-5, 5] (README)
    ylo, yhi = ax.get_ylim()
    assert yhi - ylo < 4 * 4  # the bumps of height 4 fill a good part of the picture
    assert ax.get_title() == t(lang, "graph_title")


@pytest.mark.parametrize("lang", LANGS)
def test_tangent_and_normal_are_labelled_with_their_equations(tmp_path, figures, lang):
    plot_function("x^2", tmp_path / "f.png", tangent_at=1, lang=lang)
    labels = legend(figures[-1].axes[0])
    assert t(lang, "tangent_at", where="(1, 1)", line="y = 2x − 1") in labels
    normal = [s for s in labels if s.startswith(t(lang, "normal_line", line=""))]
    assert normal and "x/2" in normal[0] and "3/2" in normal[0]


def test_horizontal_tangent_has_a_vertical_normal(tmp_path, figures):
    plot_function("x^2", tmp_path / "f.png", tangent_at=0)
    ax = figures[-1].axes[0]
    assert t("en", "normal_line", line="x = 0") in legend(ax)


@pytest.mark.parametrize("expr, poles, lang", [("tan(x)", [-math.pi / 2, math.pi / 2], "ja"),
                                               ("1/x", [0.0], "en")])
def test_poles_are_asymptotes_and_the_y_range_is_symmetric(tmp_path, figures, lang, expr,
                                                           poles):
    plot_function(expr, tmp_path / "f.png", lang=lang)
    ax = figures[-1].axes[0]
    vertical = sorted({float(ln.get_xdata()[0]) for ln in ax.get_lines()
                       if ln.get_linestyle() == ":"})
    assert vertical == pytest.approx(poles, abs=1e-9)
    assert any(s.startswith(t(lang, "asymptote", v="x", xs="")[:4]) for s in legend(ax))
    lo, hi = ax.get_ylim()
    assert lo == pytest.approx(-hi) and 2 < hi < 20


@pytest.mark.parametrize("lang", LANGS)
def test_outside_the_domain_is_shaded(tmp_path, figures, lang):
    plot_function("log(x)", tmp_path / "f.png", lang=lang)
    ax = figures[-1].axes[0]
    assert t(lang, "outside_domain") in legend(ax)
    shaded = [p for p in ax.patches if p.get_label() == t(lang, "outside_domain")]
    x0, x1 = shaded[0].get_x(), shaded[0].get_x() + shaded[0].get_width()
    assert min(x0, x1) == pytest.approx(ax.get_xlim()[0]) and max(x0, x1) == pytest.approx(0)
    assert ax.get_xlim()[1] > 1  # the root x = 1 is in the window
    # the notation of the figure's language: log in a Japanese textbook, ln in English
    assert f"f(x) = {'log' if lang == 'ja' else 'ln'}(x)" in legend(ax)


def test_features_tell_a_pole_from_a_smooth_peak():
    tan = find_features(as_expr("tan(x)"), "x", (-2.0, 2.0))
    assert tan.poles == pytest.approx([-math.pi / 2, math.pi / 2], abs=1e-12)
    bump = find_features(as_expr("1/(x^2 + 0.01)"), "x", (-2.0, 2.0))
    assert bump.poles == [] and [m.kind for m in bump.marked if m.kind != "inflection"] == ["max"]
    sqrt = find_features(as_expr("sqrt(1 - x^2)"), "x", (-3.0, 3.0))
    assert sqrt.outside == [(-3.0, pytest.approx(-1.0)), (pytest.approx(1.0), 3.0)]
    sin = find_features(as_expr("sin(x)"), "x")
    lo, hi = x_window(sin)
    assert -2 * math.pi < lo < -math.pi and math.pi < hi < 2 * math.pi  # not 20 wide


@pytest.mark.parametrize("value, text", [(0.5, "1/2"), (-1.0, "−1"), (math.pi / 2, "π/2"),
                                         (-3 * math.pi / 2, "−3π/2"), (0.0754291, "0.0754"),
                                         (as_expr("sqrt(3)/3"), "√3/3 ≈ 0.577"),
                                         (as_expr("-1"), "−1")])
def test_numbers_on_figures_are_written_as_a_teacher_would(value, text):
    assert nice(value).startswith(text)


# -- Taylor: coinciding orders said as such -----------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_coinciding_taylor_orders_are_labelled_not_drawn_twice(tmp_path, figures, lang):
    plot_series("sin(x)", tmp_path / "s.png", orders=(1, 2, 3), lang=lang)
    ax = figures[-1].axes[0]
    same = t(lang, "series_same", k=2, j=1, terms="x²")
    assert same in legend(ax)
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 2  # orders 1 and 3; order 2 is order 1
    if lang == "en":  # orders that differ are both drawn
        plot_series("cos(x)", tmp_path / "c.png", orders=(2, 4), lang=lang)
        assert not any("=" in s.split(":")[0] for s in legend(figures[-1].axes[0])[1:])


# -- descent in one variable; the contour comparison ------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_one_variable_descent_is_drawn_on_the_curve(tmp_path, figures, lang):
    from bibun.descend import descend

    r = descend("x^2", "3", "gd", 0.9, steps=20)
    plot_descent(r, tmp_path / "d.png", lang=lang)
    ax = figures[-1].axes[0]
    path = markers(ax, t(lang, "descent_path", n=r.steps))
    assert len(path) == r.steps + 1
    assert all(y == pytest.approx(x * x) for x, y in path)  # every step on the curve
    assert path[0] == (3.0, 9.0)
    title = ax.get_title()
    assert "x²" in title and t(lang, "reason.max_steps") in title and "0.9" in title
    assert len([a for a in ax.texts if a.arrow_patch is not None]) == r.steps


def test_descend_command_plots_the_path_for_one_variable(tmp_path, figures, capsys):
    assert main(["descend", "x^2 - 2x", "--from", "3", "--lr", "0.3",
                 "--plot", str(tmp_path / "d.png")]) == 0
    ax = figures[-1].axes[0]
    assert ax.get_title().startswith("Gradient descent on f(x) = x² − 2x")
    assert t("en", "mark.min") in legend(ax)


@pytest.mark.parametrize("lang", LANGS)
def test_contour_comparison_gives_each_optimizer_its_own_learning_rate(tmp_path, figures,
                                                                       lang):
    assert main(["plot", "x^2/20 + y^2", "--kind", "contour", "--from", "-7,2",
                 "--lang", lang, "-o", str(tmp_path / "c.png")]) == 0
    ax = figures[-1].axes[0]
    labels = legend(ax)
    for name, lr in (("gd", "0.95"), ("momentum", "0.1"), ("adagrad", "1.5"), ("adam", "0.3")):
        assert t(lang, "run_label", label=name, lr=lr, steps=30) in labels
    adagrad = markers(ax, t(lang, "run_label", label="adagrad", lr="1.5", steps=30))
    assert adagrad[-1][0] - adagrad[0][0] > 3  # AdaGrad's path crosses the picture


# -- fit: the data's own column names ----------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_fit_axes_are_named_by_the_csv_columns(tmp_path, figures, lang):
    from bibun.fit import fit, read_csv, rename_columns

    csv = tmp_path / "h.csv"
    csv.write_text("hours,score\n1,52\n2,55\n3,61\n4,64\n5,70\n")
    data = rename_columns(read_csv(csv), {"x": "hours"})
    res = fit(data, "a*x + b", compare_gd=False)
    plot_fit(res, data, tmp_path / "f.png", lang=lang)
    ax = figures[-1].axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("hours", "score")
    assert t(lang, "residuals") in legend(ax)
    assert any("x = hours" in s for s in legend(ax))


# -- implicit and parametric curves --------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_implicit_curve_with_its_tangent(tmp_path, figures, lang):
    plot_implicit("x^2 + y^2 = 1", tmp_path / "i.png",
                  at={"x": Fraction(3, 5), "y": Fraction(4, 5)}, lang=lang)
    ax = figures[-1].axes[0]
    labels = legend(ax)
    assert "x² + y² = 1" in labels
    assert t(lang, "tangent_at", where="(3/5, 4/5)", line="y = 5/4 − 3x/4") in labels
    assert "dy/dx = −x/y = −3/4" in labels
    assert ax.get_aspect() == 1.0  # a circle is round
    (xy,) = [p.vertices for c in ax.collections for p in c.get_paths()][:1]
    assert np.allclose(np.hypot(xy[:, 0], xy[:, 1]), 1, atol=0.01)  # the zero contour
    assert ax.get_title() == t(lang, "implicit_title", eq="x² + y² = 1")


def test_plot_command_draws_an_equation_as_its_curve(tmp_path, figures, capsys):
    assert main(["plot", "x^2+y^2=1", "--at", "x=0.6", "-o", str(tmp_path / "c.png")]) == 0
    assert "y = -0.8, 0.8" in capsys.readouterr().err  # the other point is named
    assert any("(3/5, 4/5)" in s for s in legend(figures[-1].axes[0]))
    assert main(["plot", "x = cos t, y = sin t", "--at", "t=pi/4",
                 "-o", str(tmp_path / "p.png")]) == 0
    assert any("t = π/4" in s for s in legend(figures[-1].axes[0]))
    assert main(["plot", "y = x^3 - 3x", "-o", str(tmp_path / "f.png")]) == 0
    assert markers(figures[-1].axes[0], "local max") == [(-1.0, 2.0)]


@pytest.mark.parametrize("args, needle", [
    (["x^2+y^2=-1"], "no points"),
    (["x^2+y^2=1", "--at", "x=2"], "no point of"),
    (["x^2+y^2=1", "--at", "x=0.6,y=0.7"], "not on the curve"),
    (["x^2+y^2=1", "--at", "x=1,y=0"], "vertical"),
    (["x = cos t, y = sin t", "--at", "t=0"], "vertical"),
    (["x + z = 1"], "x, z"),
])
def test_curves_bad_input_is_one_line(tmp_path, capsys, args, needle):
    assert main(["plot", *args, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("lang", LANGS)
def test_parametric_curve_with_direction_and_tangent(tmp_path, figures, lang):
    plot_parametric("x = cos t, y = sin t", tmp_path / "p.png", at="pi/4", lang=lang)
    ax = figures[-1].axes[0]
    labels = legend(ax)
    assert t(lang, "direction", t="t") in labels
    tangent = [s for s in labels if s.startswith(t(lang, "tangent_at", where="t = π/4",
                                                     line="")[:6])]
    assert tangent and "y = −x + 1.41" in tangent[0]
    assert any(s.startswith("dy/dx = ") and s.endswith("= −1") for s in labels)
    assert [a for a in ax.texts if a.arrow_patch is not None]  # the direction arrow
    curve = next(ln for ln in ax.get_lines() if ln.get_label().startswith("x = cos"))
    assert np.allclose(np.hypot(curve.get_xdata(), curve.get_ydata()), 1)


# -- the backpropagation graph -------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_backprop_figure_labels_edges_with_local_derivatives(tmp_path, figures, lang,
                                                             capsys):
    from bibun.explain.backprop import backprop
    from bibun.plot.graph import _num, node_gradients

    assert main(["graph", "sigmoid(w*x + b)", "--at", "w=2,x=1,b=-1", "--lang", lang,
                 "-o", str(tmp_path / "g.png")]) == 0
    texts = notes(figures[-1].axes[0])
    bp = backprop(as_expr("sigmoid(w*x + b)"), {"w": 2, "x": 1, "b": -1})
    for ed in bp.edges:  # every edge carries its local derivative
        assert any(s.endswith(f"= {_num(ed.local)}") or s == _num(ed.local) for s in texts)
    assert "f·(1 − f) = 0.1966" in texts  # σ′ = σ(1 − σ) with the stored forward value
    grads = node_gradients(bp)
    for node, name in bp.names.items():  # every node: its value and gradient
        box = next(s for s in texts if s.split("\n")[0].split(" =")[0] == name)
        assert t(lang, "node_value", v=_num(bp.values[node])) in box
        assert t(lang, "node_grad", top="f", name=name, v=_num(grads[node])) in box
    assert grads[as_expr("x")] == pytest.approx(bp.autodiff["x"], abs=1e-12)
    title = figures[-1].axes[0].get_title()
    assert title == t(lang, "backprop_title", top="f", f="sigmoid(wx + b)",
                      point="w = 2, x = 1, b = −1")


def test_backprop_command_writes_the_figure(tmp_path, figures, capsys):
    assert main(["backprop", "(sigmoid(w*x+b) - t)^2", "--at", "w=2,x=1,b=-1,t=1",
                 "-o", str(tmp_path / "b.png")]) == 0
    assert (tmp_path / "b.png").exists()
    texts = notes(figures[-1].axes[0])
    # node numbers follow the canonical order, which depends on what the process built first
    assert any(re.match(r"v\d+ = sigmoid\(v\d+\)", s) for s in texts)
    assert main(["graph", "x^2", "--at", "x=1", "--format", "png"]) == 2
    assert "-o graph.png" in capsys.readouterr().err


# -- every kind: the Japanese figure has the English one's content ----------------------


def _draw(kind: str, out, lang: str) -> None:
    """One figure of each kind through the command line."""
    args = {"function": ["x^3 - 3x", "--tangent-at", "2"],
            "sigmoid": ["--kind", "sigmoid"], "tanh": ["--kind", "tanh"],
            "error": ["exp(x)", "--kind", "error", "--at", "1"],
            "series": ["sin(x)", "--kind", "series", "--order", "3"],
            "contour": ["x^2 + y^2", "--kind", "contour", "--from", "3,4", "--steps", "5"],
            "surface": ["x^2 + y^2", "--kind", "surface"],
            "loss": ["1,0.5,0.25", "--kind", "loss"],
            "implicit": ["x^2 + y^2 = 1", "--at", "x=0.6,y=0.8"],
            "parametric": ["x = cos t, y = sin t", "--at", "pi/3"]}[kind]
    assert main(["plot", *args, "--lang", lang, "-o", str(out)]) == 0


#: kinds whose content has its own test above, in both languages, by catalog text
CHECKED_ABOVE = {"series", "contour", "implicit", "parametric"}


def test_every_kind_is_checked():
    from bibun.plot import KINDS

    assert set(KINDS) == CHECKED_ABOVE | set(SAME_CONTENT)


SAME_CONTENT = ["function", "sigmoid", "tanh", "error", "surface", "loss"]


@pytest.mark.parametrize("kind", SAME_CONTENT)
def test_every_kind_has_the_same_content_in_japanese(tmp_path, figures, kind, capsys):
    shown = {}
    for lang in LANGS:
        _draw(kind, tmp_path / f"{lang}.png", lang)
        fig = figures[-1]
        shown[lang] = [(ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), legend(ax),
                        len([ln for ln in ax.get_lines() if isinstance(ln, Line2D)]),
                        len(ax.texts)) for ax in fig.axes if ax.get_visible()]
    (en,), (ja,) = shown["en"][:1], shown["ja"][:1]
    assert en[0] and ja[0] and en[0] != ja[0] or kind in ("loss",)  # a translated title
    assert len(en[3]) == len(ja[3])  # the same legend entries
    assert en[4:] == ja[4:]  # the same lines and notes
    numbers = [s for s in en[3] if any(ch.isdigit() for ch in s)]
    for s in numbers:  # numbers stay numbers in both languages
        digits = "".join(ch for ch in s if ch.isdigit())
        assert any("".join(ch for ch in j if ch.isdigit()) == digits for j in ja[3]), s
