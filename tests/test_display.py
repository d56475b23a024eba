"""Rich display in Jupyter (issue 20, item 1): every result's ``_repr_mimebundle_`` carries
its content as MathML/HTML, LaTeX and plain text (figures as PNG and SVG), in the session's
language, with no notebook library involved.  The assertions read the content, not just
"something came back"."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from html import escape

import numpy as np
import pytest

import bibun
from bibun import i18n
from bibun.calculus import critical_points, series, tangent
from bibun.descend import descend
from bibun.explain import check_answer, derivation, forms
from bibun.fit import fit
from bibun.nn.train import History
from bibun.numeric import derivative, difference_table

MSUP_X3 = "<msup><mrow><mi>x</mi></mrow><mrow><mn>3</mn></mrow></msup>"


@pytest.fixture(autouse=True)
def english():
    with i18n.using("en"):
        yield


def _figure_ok(b: dict) -> None:
    assert base64.b64decode(b["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in b["image/svg+xml"] and "<svg" in b["text/html"]


def test_an_expression_shows_as_mathml_latex_and_its_repr():
    e = bibun.diff("(x^3+1)^2")
    b = e._repr_mimebundle_()
    assert b["text/plain"] == "Expr('6x^2(x^3 + 1)')"
    assert b["text/latex"] == r"$6 x^{2} \left(x^{3} + 1\right)$"
    html = b["text/html"]
    assert html.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    assert "<mn>6</mn>" in html and MSUP_X3 in html and "<mo>(</mo>" in html


def test_an_expression_follows_the_session_language_notation():
    e = bibun.parse("ln(x)")
    assert "<mi>ln</mi>" in e._repr_mimebundle_()["text/html"]
    with i18n.using("ja"):
        html = e._repr_mimebundle_()["text/html"]
    assert "<mi>log</mi>" in html and "<mi>ln</mi>" not in html


def test_a_derivation_shows_numbered_collapsible_steps_in_the_session_language():
    d = derivation("(x^3+1)^2")
    b = d._repr_mimebundle_()
    html = b["text/html"]
    assert "<details open><summary>Derivative of (x^3 + 1)^2 with respect to x" in html
    assert "<h4>Steps</h4>" in html and 'id="bibun-step-1"' in html
    assert 'data-rule="chain"' in html and MSUP_X3 in html
    assert b["text/latex"] == (r"$\frac{d}{d x}\left[\left(x^{3} + 1\right)^{2}\right]"
                               r" = 6 x^{2} \left(x^{3} + 1\right)$")
    assert b["text/plain"] == d.render(lang="en", format="text")
    with i18n.using("ja"):
        ja = d._repr_mimebundle_()
    assert "<h4>手順</h4>" in ja["text/html"] and "導関数" in ja["text/html"]
    assert 'lang="ja"' in ja["text/html"] and ja["text/plain"] == d.render(lang="ja")


def test_an_answer_check_shows_verdict_counterexample_and_diagnosis():
    c = check_answer("(x^3+1)^2", "2(x^3+1)")
    html = c._repr_mimebundle_()["text/html"]
    assert 'data-correct="false"' in html and "<strong>Not correct</strong>" in html
    assert "<h4>Counterexample</h4>" in html
    ce = c.counterexample
    row = (f"<td>{ce.where('en')}</td><td>{ce.value_text('answer', 'en')}</td>"
           f"<td>{ce.value_text('expected', 'en')}</td>")
    assert row in html
    assert "<h4>Likely mistake</h4><ul><li>" in html and "chain rule" in html
    ok = check_answer("(x^3+1)^2", "6x^2(x^3+1)")._repr_mimebundle_()
    assert 'data-correct="true"' in ok["text/html"] and "Counterexample" not in ok["text/html"]
    assert ok["text/plain"].startswith("Correct")


def test_forms_show_their_label_and_formula():
    f = forms(bibun.diff("(x^3+1)^2"))
    expanded = next(x for x in f if x.key == "expanded")
    b = expanded._repr_mimebundle_()
    assert b["text/plain"] == f"{expanded.label('en')}: 6x^5 + 6x^2"
    assert "<mn>5</mn>" in b["text/html"] and b["text/latex"] == "$ 6 x^{5} + 6 x^{2} $"


def test_a_tangent_shows_slope_tangent_and_normal():
    b = tangent("x^2", 1)._repr_mimebundle_()
    assert b["text/latex"] == "$y = 2 x - 1$"
    html = b["text/html"]
    assert "Tangent line of x^2 at x = 1" in html and "<td>slope</td>" in html
    assert "<td>normal</td><td>y = <math" in html


def test_a_series_shows_its_polynomial_and_coefficients():
    s = series("e^x", "x", 0, 4)
    b = s._repr_mimebundle_()
    assert b["text/plain"] == "x^4/24 + x^3/6 + x^2/2 + x + 1"
    assert b["text/latex"].startswith(r"$\frac{x^{4}}{24}")
    html = b["text/html"]
    assert "Taylor polynomial of order 4" in html and "<td>4</td>" in html
    assert "<mfrac><mn>1</mn><mn>24</mn></mfrac>" in html


def test_a_critical_point_shows_kind_point_and_test():
    p = next(q for q in critical_points("x^3-3x") if q.kind == "max")
    b = p._repr_mimebundle_()
    assert b["text/plain"] == p.describe("en")
    assert "<td>local maximum</td>" in b["text/html"] and escape(p.test) in b["text/html"]
    with i18n.using("ja"):
        assert i18n.text("extrema.kind.max", "ja") in p._repr_mimebundle_()["text/html"]


def test_a_descent_run_shows_its_steps_its_stop_and_its_path():
    d = descend("x^2 + 3y^2", start=[1, 1])
    b = d._repr_mimebundle_()
    _figure_ok(b)
    html = b["text/html"]
    assert escape(d.stop_text("en")) in html and "<th scope=\"col\">y</th>" in html
    assert f"<td>{d.steps}</td>" in html  # the last step is always in the table


def test_a_numerical_derivative_shows_value_plus_minus_error():
    est = derivative(np.sin, 1.0)
    html = est._repr_mimebundle_()["text/html"]
    assert f"<td>{i18n.format_number(float(est.value))} ± {float(est.error_estimate):.1e}</td>" \
        in html
    assert f"<td>{est.method}</td>" in html


def test_a_difference_table_shows_every_h_and_the_error_plot():
    t = difference_table(np.sin, 1.0, method="central", exact=float(np.cos(1.0)))
    b = t._repr_mimebundle_()
    _figure_ok(b)
    html = b["text/html"]
    assert "<td>1e-01</td>" in html and "<td>1e-16</td>" in html
    assert f"<td>{t.quotients['central'][0]:.16g}</td>" in html
    assert b["text/plain"] == t.render("en")


def test_a_fit_shows_parameters_r2_and_residuals():
    r = fit({"x": [0, 1, 2, 3], "y": [1, 3.1, 4.9, 7.2]}, compare_gd=False)
    b = r._repr_mimebundle_()
    _figure_ok(b)
    html = b["text/html"]
    assert f"R² = {i18n.format_number(r.r2)}" in html
    assert f"<td>a</td><td>{i18n.format_number(r.params['a'])}</td>" in html
    assert b["text/latex"] == f"${r.fitted_display.latex()}$"


def test_a_training_run_shows_its_loss_curve():
    b = History(loss=[1.0, 0.5, 0.25])._repr_mimebundle_()
    _figure_ok(b)
    assert b["text/plain"] == "Training: 3 epochs, final loss 0.25"
    assert "<td>3</td><td>0.25</td>" in b["text/html"]
    with i18n.using("ja"):
        ja = History(loss=[1.0, 0.5, 0.25])._repr_mimebundle_()
    assert ja["text/plain"] == "学習：3 エポック、最後の損失 0.25"


def test_the_computational_graph_shows_as_svg():
    import bibun.autodiff as ad
    from bibun.autodiff.display import graph_view

    x = ad.Tensor(np.array(2.0), requires_grad=True)
    b = graph_view(x * x + x, engine="builtin")._repr_mimebundle_()
    assert b["image/svg+xml"].lstrip().startswith("<svg") and "Computational graph" in \
        b["text/html"]
    assert b["text/plain"].startswith("digraph")


def test_displaying_an_expression_needs_no_notebook_or_plotting_library(tmp_path):
    probe = ("import sys, bibun; b = bibun.diff('x^2')._repr_mimebundle_(); "
             "print(sorted(m for m in ('IPython', 'ipykernel', 'matplotlib') if m in sys.modules))")
    env = {**os.environ, "BIBUN_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.strip() == "[]"
