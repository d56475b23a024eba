"""The workbench's fast first answer, optimizer overlay and graph view, in Chromium.

One page for the whole module (a page load costs seconds on a loaded machine):

* the quick answer (derivative and values at the point, ``/api/quick``) is on screen
  while the rest (``/api/page``: plot, steps, graph…) is still unanswered, because the
  test holds that request back;
* "compare" overlays SGD, Momentum, AdaGrad and Adam on one contour with their presets,
  a loss curve each, and marks the paths that diverge with ✗ and the reason;
* the graph is drawn at its own size, zooms and pans, and lists shortened labels in full;
* a parametric curve is plotted with its point and tangent.

The server and browser fixtures are test_web_e2e's (Debian's /usr/bin/chromium; the
tests fail, not skip, without it).
"""

from __future__ import annotations

import contextlib
import math
import re

import pytest

from tests.test_web_e2e import (  # noqa: F401  (fixtures)
    EXPECTED_4XX,
    browser,
    server,
    settled,
    shot,
    typed,
)


@pytest.fixture(scope="module")
def page(browser, server):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = ctx.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
          if m.type == "error" and not EXPECTED_4XX.search(m.text) else None)
    pg.set_default_timeout(30_000)
    pg.goto(server + "/?f=x%5E2")
    pg.wait_for_function("() => window.bibunPlot !== undefined")
    settled(pg)
    yield pg
    ctx.close()
    assert not problems, "\n".join(problems)


def test_the_derivative_shows_before_the_slow_panels_answer(page):
    held: list = []
    page.route(re.compile(r"/api/page$"), lambda route: held.append(route))
    try:
        typed(page, "x^3*sin(x)")
        page.wait_for_function(
            "() => document.querySelector('#derivative').dataset.for === 'x^3*sin(x)'")
        values = page.locator("#values").text_content() or ""
        assert "f′(x = 1)" in values
        # the rest is asked for and not answered yet: those panels are still pending
        page.wait_for_function("n => document.querySelectorAll('#plot-panel.pending,"
                               " #graph-panel.pending, #steps-box.pending').length === n", arg=3)
        for _ in range(200):  # the rest is asked for a moment after the quick answer
            if held:
                break
            page.wait_for_timeout(50)
        assert held, "the page did not ask for the slow panels"
        assert page.locator("#plot-panel.pending").count() == 1  # still unanswered
        assert "x^3*sin(x)" not in (page.locator("#plot").get_attribute("aria-label") or "")
    finally:
        page.unroute(re.compile(r"/api/page$"))
        for route in held:
            with contextlib.suppress(Exception):  # a superseded request was aborted
                route.continue_()
    settled(page)
    page.wait_for_function("() => !document.querySelector('#steps-box.pending')")
    assert page.locator("#steps .bibun-step, #steps li").count() >= 1


def test_one_change_asks_once_and_a_superseded_request_is_cancelled(page):
    """A formula change is one quick request and one for the rest; a newer change
    cancels the request still unanswered (AbortController), and the panels it would
    have filled show a spinner after ~150 ms, not the old answer."""
    asked: list[str] = []
    cancelled: list[str] = []
    page.on("request", lambda r: asked.append(r.url.rsplit("/", 1)[1])
            if "/api/" in r.url else None)
    page.on("requestfailed", lambda r: cancelled.append(r.url.rsplit("/", 1)[1]))
    held: list = []
    page.route(re.compile(r"/api/page$"), lambda route: held.append(route))
    try:
        page.fill("#expr", "x^4")  # one change: one input event
        page.wait_for_function("() => document.querySelector('#derivative').dataset.for"
                               " === 'x^4'")
        for _ in range(200):
            if held:
                break
            page.wait_for_timeout(50)
        assert asked == ["quick", "page"], asked
        spinner = page.evaluate("() => { const s = getComputedStyle(document.querySelector("
                                "'#plot-panel.pending'), '::after'); return [s.animationName,"
                                " s.animationDelay]; }")
        assert spinner[0].startswith("appear") and spinner[1].startswith("0.15s")
        page.fill("#expr", "x^5")  # supersedes the unanswered request
        page.wait_for_function("() => document.querySelector('#derivative').dataset.for"
                               " === 'x^5'")
        for _ in range(100):
            if cancelled:
                break
            page.wait_for_timeout(50)
        assert cancelled == ["page"], cancelled
    finally:
        page.unroute(re.compile(r"/api/page$"))
        for route in held:
            with contextlib.suppress(Exception):  # cancelled by the page
                route.continue_()
    settled(page)
    assert asked.count("quick") == 2 and asked.count("page") == 2, asked
    assert "f = x^5" in (page.locator("#plot").get_attribute("aria-label") or "")  # not x⁴


def test_optimizers_overlay_on_one_contour(page):
    typed(page, "x^2/20 + y^2")
    page.fill("#nsteps", "30")
    page.fill("#sx", "-7")
    page.fill("#sy", "2")
    settled(page)
    page.check("#compare")
    page.wait_for_function("() => (document.querySelector('#contour').dataset.reasons || '')"
                           ".split('|').length === 4")
    settled(page)
    names = page.evaluate("() => document.querySelector('#contour').data"
                          ".filter((t) => t.mode === 'lines+markers').map((t) => t.name)")
    assert names == ["SGD", "Momentum", "AdaGrad", "Adam"]
    assert page.evaluate("() => document.querySelector('#loss').data.length") == 4
    (x0, x1), (y0, y1) = page.evaluate(
        "() => JSON.parse(document.querySelector('#contour').dataset.range)")
    assert x0 < -7 < x1 and y0 < 2 < y1  # the window fits the start (the tour's)
    status = page.locator("#descent-status").text_content() or ""
    for text in ["SGD, learning rate 0.95", "Momentum, learning rate 0.1",
                 "AdaGrad, learning rate 1.5", "Adam, learning rate 0.3"]:
        assert text in status  # bibun.descend.CLASSIC's presets, from the server
    assert page.is_disabled("#optimizer")
    shot(page.locator("#descent-card"), "20-descent-compare")
    # paths that diverge end in a ✗ with the reason; the window follows the others
    typed(page, "(x^2+y^2)*sin(x*y)")
    page.fill("#sx", "-4")
    page.fill("#sy", "3")
    page.wait_for_function("() => document.querySelector('#contour').dataset.reasons"
                           " === 'SGD:diverged|Momentum:diverged|AdaGrad:max steps|"
                           "Adam:max steps'")
    settled(page)
    assert page.locator("#contour").get_attribute("data-ends") == "2"
    notes = page.evaluate("() => document.querySelector('#contour').layout.annotations"
                          ".map((a) => a.text).join(' ')")
    assert "SGD: diverged" in notes and "Momentum: diverged" in notes
    loss_hi = page.evaluate("() => document.querySelector('#loss').layout.yaxis.range[1]")
    assert loss_hi < 1e6  # the diverging runs (f ≈ 10³⁴) do not flatten the others
    shot(page.locator("#descent-card"), "21-descent-diverged")
    page.uncheck("#compare")
    page.select_option("#optimizer", "adagrad")
    assert page.locator("#lr").input_value() == "1.5"
    # Rosenbrock's valley: coloured by log₁₀(f − min), the floor is not one flat colour
    assert page.locator("#contour").get_attribute("data-scale") == "linear"
    typed(page, "(1-x)^2+100(y-x^2)^2")
    page.wait_for_function("() => document.querySelector('#contour').dataset.scale === 'log'")
    # a path that leaves the domain stops there, marked on the plot with the reason
    typed(page, "log(x) + y^2")
    page.fill("#sx", "0.5")
    page.fill("#sy", "1")
    page.fill("#lr", "1")
    page.wait_for_function("() => document.querySelector('#contour').dataset.reason"
                           " === 'left the domain'")
    settled(page)
    notes = page.evaluate("() => document.querySelector('#contour').layout.annotations"
                          ".map((a) => a.text).join(' ')")
    assert "left the domain" in notes


def test_graph_zooms_pans_and_names_shortened_labels(page):
    typed(page, "sigmoid(w*x+b)*log(1+exp(-(a*x^2+b*x+c)))/(1+x^2)")
    page.wait_for_function("() => !document.querySelector('#graph-labels').hidden")
    settled(page)
    full = page.locator("#graph-labels").text_content() or ""
    assert "…" in full and "(ax^2+bx+c)))/(x^2+1)" in full.replace(" ", "")  # the printer's spacing
    graph = page.locator("#graph")
    assert graph.get_attribute("data-scale") == "1.000"  # its own size: 12 px text
    page.click("#graph-zoom-in")
    assert graph.get_attribute("data-scale") == "1.250"
    page.click("#graph-fit")
    scale = float(graph.get_attribute("data-scale"))
    box_w = page.evaluate("() => document.querySelector('#graph').clientWidth")
    img_w = page.evaluate("() => document.querySelector('#graph img').getBoundingClientRect()"
                          ".width")
    assert scale < 1 and img_w <= box_w + 1  # the whole drawing in view
    before = page.evaluate("() => document.querySelector('#graph img').style.transform")
    graph.focus()
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => document.querySelector('#graph img').style.transform") != before
    shot(page.locator("#graph-card"), "22-graph-zoom")


def test_parametric_curve_is_plotted_with_its_tangent(page):
    typed(page, "x = cos t, y = sin t")
    page.wait_for_function("() => document.querySelector('#plot').dataset.mode === 'parametric'")
    settled(page)
    curve = page.evaluate("() => document.querySelector('#plot').data[0]")
    assert max(curve["x"]) == pytest.approx(1, abs=1e-3)  # t over [-3, 3]: most of the circle
    assert all(abs(x * x + y * y - 1) < 1e-9 for x, y in zip(curve["x"], curve["y"]))
    slope = float(page.locator("#tangent").get_attribute("data-slope"))
    assert slope == pytest.approx(-1 / math.tan(1))  # dy/dx = −cot t at t = 1
    shot(page.locator("#plot-card"), "23-parametric")


def test_parametric_curve_has_a_taylor_panel(page):
    """x(t) and y(t) are functions of t: the Taylor panel writes both polynomials about
    t₀ in ascending degree, and the plot draws the curve they trace, with a legend."""
    from bibun import calculus
    from bibun.expr.parse import parse_full
    from bibun.web.tasks import formula

    typed(page, "x = cos t, y = sin t")
    page.wait_for_function("() => document.querySelector('#plot').dataset.mode === 'parametric'")
    page.select_option("#taylor", "2")
    page.wait_for_function("() => (document.querySelector('#plot').data || []).some("
                           "(tr) => (tr.line || {}).dash === 'dot')")
    settled(page)
    expected = [formula(-term if formula(term)["text"].startswith("-") else term)["text"]
                for f in ("cos(t)", "sin(t)")
                for term in calculus.series(parse_full(f).expr, "t", at=1, order=2).terms()]
    terms = page.locator("#series").get_attribute("data-terms").split(" | ")
    assert terms == expected
    traces = page.evaluate("() => document.querySelector('#plot').data")
    taylor = next(tr for tr in traces if (tr.get("line") or {}).get("dash") == "dot")
    assert taylor["name"] == "Taylor, order 2" and taylor.get("showlegend", True)
    ts = traces[0]["customdata"]
    near = min(range(len(ts)), key=lambda k: abs(ts[k] - 1))  # the sample next to t = 1
    for axis in ("x", "y"):  # order 2 about t = 1: within |t − 1|³/6 of the curve there
        assert abs(taylor[axis][near] - traces[0][axis][near]) <= abs(ts[near] - 1) ** 3 / 6
        assert abs(taylor[axis][0] - traces[0][axis][0]) > 0.5  # and not at t = −3
    shot(page.locator("#plot-card"), "24-parametric-taylor")


def test_plot_hover_and_ticks_write_numbers_as_the_formatter_does(page):
    """Under the pointer, (x, f(x)) in the one formatter's words (6 significant digits,
    2.20265×10⁴), and axis ticks in powers of ten by the same formatter, never "20k"."""
    from bibun.numtext import number_text

    page.select_option("#taylor", "0")
    typed(page, "exp(10x)")
    page.wait_for_function("() => { const p = document.querySelector('#plot');"
                           " return p.data && p.data[0].name === 'f(x)' && !p.dataset.mode; }")
    settled(page)
    f = page.evaluate("() => { const d = document.querySelector('#plot').data[0];"
                      " return { x: d.x, y: d.y, text: d.text, hover: d.hoverinfo }; }")
    assert f["hover"] == "text+name"
    for k in (0, 57, 200, len(f["x"]) - 1):
        x, y = f["x"][k], f["y"][k]
        assert f["text"][k] == f"({number_text(x, style='unicode')}, " \
                               f"{number_text(y, style='unicode')})"
    assert "×10" in f["text"][-1]  # e^30 ≈ 1.06865×10¹³
    ticks = page.evaluate("() => [...document.querySelectorAll('#plot text.tick')]"
                          ".map((e) => [parseFloat(e.dataset.v), e.textContent])")
    assert len(ticks) >= 6
    for value, text in ticks:  # the formatter's words, with a typographic minus
        assert text == number_text(float(value), style="unicode").replace("-", "\u2212", 1)
    assert any("×10" in text for _, text in ticks)  # the y-axis reaches 10¹³
    # the readout under a mouse pointer: the nearest point, by the same formatter
    x0, y0 = page.evaluate("() => { const d = document.querySelector('#plot').data[3];"
                           " return [d.x[0], d.y[0]]; }")
    page.locator("#plot").scroll_into_view_if_needed()  # the mouse reaches the viewport only
    box = page.locator("#plot g[data-trace='3'] circle").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.querySelector('#plot').dataset.hover")
    assert page.locator("#plot").get_attribute("data-hover") == \
        f"({number_text(float(x0), style='unicode')}, {number_text(float(y0), style='unicode')})"
