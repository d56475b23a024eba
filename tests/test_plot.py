"""Every plot kind renders a real picture, in English and Japanese (bibun.plot)."""

import warnings

import matplotlib.image as mpimg
import numpy as np
import pytest

from bibun import BibunError, DomainError
from bibun.calculus.sampling import curve, visible_limits
from bibun.cli import main
from bibun.descend import compare
from bibun.plot import (
    plot_contour,
    plot_error_vs_h,
    plot_fit,
    plot_function,
    plot_loss,
    plot_series,
    plot_sigmoid,
    plot_surface,
    plot_tanh,
)


def assert_picture(path):
    """Not just a file: enough non-background pixels with real variation."""
    img = mpimg.imread(path)[..., :3]
    assert img.std() > 0.05
    non_white = (img < 0.95).any(axis=2).mean()
    assert non_white > 0.02, f"{path} is almost blank ({non_white:.3%} inked)"


def _draw_all(tmp_path, lang):
    runs = compare(steps=10)
    return [
        plot_function("x^3 - 3x", tmp_path / f"f_{lang}.png", derivatives=2, tangent_at=2,
                        lang=lang),
        plot_sigmoid(tmp_path / f"s_{lang}.png", lang=lang),
        plot_tanh(tmp_path / f"t_{lang}.png", lang=lang),
        plot_error_vs_h("exp(x)", 1, tmp_path / f"e_{lang}.png", lang=lang),
        plot_series("sin(x)", tmp_path / f"r_{lang}.png", orders=(1, 3, 5), lang=lang),
        plot_contour("x^2/20 + y^2", tmp_path / f"c_{lang}.png", runs=runs, lang=lang),
        plot_surface("x^2 + y^2", tmp_path / f"u_{lang}.png", at=(3, 4), lang=lang),
        plot_loss([1 / (k + 1) for k in range(40)], tmp_path / f"l_{lang}.png", lang=lang),
        plot_fit(_fit(), {"x": [0, 1, 2, 3], "y": [1, 3, 4, 7]},
                   tmp_path / f"fit_{lang}.png", lang=lang),
    ]


def _fit():
    from bibun.fit import fit

    return fit({"x": [0, 1, 2, 3], "y": [1, 3, 4, 7]}, "a*x + b", compare_gd=False)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_kind_renders_without_glyph_warnings(tmp_path, lang):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = _draw_all(tmp_path, lang)
    glyph = [str(w.message) for w in caught if "glyph" in str(w.message).lower()
             or "missing from" in str(w.message).lower()]
    assert glyph == []
    for p in paths:
        assert_picture(p)


def test_japanese_labels_use_the_japanese_font_and_leave_the_default_alone(tmp_path):
    import matplotlib

    before = list(matplotlib.rcParams["font.family"])
    plot_sigmoid(tmp_path / "ja.png", lang="ja")
    assert list(matplotlib.rcParams["font.family"]) == before
    from matplotlib import font_manager

    assert "IPAexGothic" in {f.name for f in font_manager.fontManager.ttflist}


def test_vector_formats(tmp_path):
    svg = plot_function("sin(x)", tmp_path / "a.svg")
    pdf = plot_function("sin(x)", tmp_path / "a.pdf")
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert pdf.read_bytes()[:4] == b"%PDF"
    with pytest.raises(BibunError, match="must end in"):
        plot_function("sin(x)", tmp_path / "a.jpg")


def test_poles_become_gaps_not_spikes():
    xs = np.linspace(-1, 1, 2001)
    y = curve(lambda t: 1 / t, xs)
    i = np.argmin(np.abs(xs))
    assert np.isnan(y[i])  # 1/0 is a gap
    finite = y[np.isfinite(y)]
    # no segment crosses from far below to far above across the pole
    jumps = np.abs(np.diff(y))
    assert np.nanmax(jumps) < 100
    assert finite.min() < -100 and finite.max() > 100
    tan = curve(np.tan, np.linspace(-3, 3, 3001))
    lo, hi = visible_limits(tan)
    assert np.nanmax(np.abs(np.diff(tan))) <= hi - lo


def test_bad_input(tmp_path):
    with pytest.raises(DomainError, match="undefined everywhere"):
        plot_function("log(x)", tmp_path / "x.png", xrange=(-5, -1))
    with pytest.raises(BibunError, match="two variables"):
        plot_contour("x^2", tmp_path / "x.png", variables=["x"])
    with pytest.raises(BibunError, match="no losses"):
        plot_loss([], tmp_path / "x.png")
    with pytest.raises(BibunError, match="language"):
        plot_tanh(tmp_path / "x.png", lang="fr")


def test_cli_plot_kinds(tmp_path, capsys):
    cases = [
        ["plot", "x^3 - 3x", "--derivative", "--tangent-at", "-1.5", "--range", "-3,3"],
        ["plot", "1/x", "--order", "2", "--lang", "ja"],
        ["plot", "--kind", "sigmoid"],
        ["plot", "--kind", "tanh"],
        ["plot", "exp(x)", "--kind", "error", "--at", "1"],
        ["plot", "e^x", "--kind", "series", "--order", "5"],
        ["plot", "x^2/20 + y^2", "--kind", "contour", "--from", "-7,2"],
        ["plot", "x^2 + y^2", "--kind", "surface", "--at", "3,4"],
        ["plot", "1.0, 0.5, 0.25, 0.2", "--kind", "loss"],
    ]
    for i, args in enumerate(cases):
        out = tmp_path / f"p{i}.png"
        assert main(args + ["-o", str(out)]) == 0, args
        assert_picture(out)
    assert main(["plot", "log(x)", "--range", "-5,-1", "-o", str(tmp_path / "z.png")]) == 2
    assert "undefined everywhere" in capsys.readouterr().err


def test_ranges_that_cannot_be_drawn():
    from bibun.plot import check_range

    assert check_range(-3, 3) == (-3, 3)
    with pytest.raises(BibunError, match="did you mean -3,3"):
        check_range(3, -3)
    with pytest.raises(BibunError, match="too narrow"):
        check_range(1e300, 1e300 * (1 + 1e-15))
    with pytest.raises(BibunError, match="too wide"):
        check_range(-1e308, 1e308)
    with pytest.raises(BibunError, match="not finite"):
        check_range(0, float("inf"))


def test_no_finite_value_anywhere_says_why(tmp_path):
    from bibun.errors import LimitError

    with pytest.raises(LimitError, match="too large for a float everywhere"):
        plot_function("x^2", tmp_path / "x.png", xrange=(1e300, 1e301))
    with pytest.raises(DomainError, match="undefined everywhere"):
        plot_series("log(x)", tmp_path / "x.png", at=1, xrange=(-3, -1))
    with pytest.raises(BibunError, match="finite"):
        plot_loss([float("nan"), float("inf")], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_tangent_and_surface_points_outside_the_picture(tmp_path):
    with pytest.raises(BibunError, match="tangent point x = 10 is outside"):
        plot_function("x^2", tmp_path / "x.png", xrange=(-3, 3), tangent_at=10)
    assert plot_function("x^2", tmp_path / "t.png", tangent_at=10).exists()  # window follows
    with pytest.raises(BibunError, match=r"\(3, 4\) is outside the box"):
        plot_surface("x^2 + y^2", tmp_path / "x.png", at=(3, 4), box=[(-1, 1), (-1, 1)])


def test_error_plot_where_every_step_is_lost_in_rounding(tmp_path):
    with pytest.raises(BibunError, match="neighbouring floats"):
        plot_error_vs_h("sin(x)", "1e300", tmp_path / "x.png")


def test_huge_formulas_are_not_printed_on_figures(tmp_path):
    from bibun.expr.core import as_expr
    from bibun.plot import _text
    from bibun.symbolic import diff

    long = as_expr("+".join(f"sin(x^{k})" for k in range(1, 40)))
    assert len(_text(long)) <= 60 and _text(long).endswith("…")
    nest = as_expr("sin(" * 20 + "x" + ")" * 20)
    d4 = nest
    for _ in range(4):
        d4 = diff(d4, "x")
    assert _text(d4) == "…"  # 469,646 operations written out: not printed at all
    with pytest.raises(BibunError, match="distinct parts"):
        plot_function(nest, tmp_path / "x.png", derivatives=6)


def test_shorten_and_parse_range_are_the_shared_helpers():
    from bibun.plot import parse_range
    from bibun.text import shorten

    assert shorten("abc", 3) == "abc"
    assert shorten("abcd", 3) == "ab…" and len(shorten("x" * 100, 40)) == 40
    assert parse_range("-pi,pi", (0.0, 1.0))[1] == pytest.approx(3.14159265)
    assert parse_range(None, (0.0, 1.0)) == (0.0, 1.0)
    with pytest.raises(BibunError, match="two numbers"):
        parse_range("1,2,3", (0.0, 1.0))
