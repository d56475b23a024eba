"""The workbench in a real browser: Debian's Chromium driven by Playwright.

`bibun serve` runs as a subprocess on a free loopback port; the page is driven the way a
learner uses it: type (x^3+1)^2 and read 6x²(x³+1), open the steps in Japanese, drag
the tangent point, run gradient descent on x^2+y^2.  A screenshot of each view goes to
test-artifacts/.  Playwright never downloads a browser here: it launches
/usr/bin/chromium, which `make test` installs from Debian's packages; if it is missing
these tests fail (they do not skip), so a broken setup cannot pass unnoticed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
INVISIBLE = re.compile(r"[\u2061\u2062\u2063\s]")
#: Chromium logs every 4xx fetch; half-typed formulas are 422s by design
EXPECTED_4XX = re.compile(r"Failed to load resource: the server responded with a status of 4")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from bibun.cli import main; "
                               f"sys.exit(main(['serve', '--port', '{port}', '--workers', '2']))"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            proc.kill()
            pytest.fail(f"bibun serve did not start: {out}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: install Debian's chromium package "
                    "(apt-get install -y chromium; `make test` does this). Playwright must "
                    "not download its own browser.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = ctx.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
          if m.type == "error" and not EXPECTED_4XX.search(m.text) else None)
    # the page must never reach outside the server it came from
    outside: list[str] = []
    pg.on("request", lambda r: outside.append(r.url)
          if not r.url.startswith(server) and not r.url.startswith("data:") else None)
    pg.set_default_timeout(20_000)  # generous: CI shares two cores with the other tests
    pg.goto(server + "/")
    pg.wait_for_function("() => window.Plotly !== undefined")
    yield pg
    assert not outside, f"requests outside the server: {outside}"
    assert not problems, "\n".join(problems)
    ctx.close()


def shot(locator, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / f"web-{name}.png"))


def typed(page, text: str) -> None:
    page.fill("#expr", "")
    page.type("#expr", text, delay=15)


def math_text(page, selector: str) -> str:
    return INVISIBLE.sub("", page.locator(f"{selector} math").first.text_content() or "")


def test_type_formula_see_textbook_derivative(page):
    typed(page, "(x^3+1)^2")
    page.wait_for_function(
        "() => document.querySelector('#derivative').dataset.text === '6x^2(x^3 + 1)'")
    # rendered as MathML by our printer: d/dx[(x³+1)²] = 6x²(x³+1)
    assert page.locator("#derivative math msup").count() >= 3
    assert math_text(page, "#derivative").endswith("=6x2(x3+1)")
    assert math_text(page, "#preview") == "(x3+1)2"
    forms = page.locator("#forms").text_content() or ""
    assert "expanded" in forms
    assert INVISIBLE.sub("", forms).find("6x5+6x2") >= 0
    shot(page.locator("#input-card"), "1-input")
    shot(page.locator("#result-card"), "2-derivative")
    # value at the point and the three-way check
    page.wait_for_function("() => document.querySelector('#verify').textContent.includes('12')")
    verify = page.locator("#verify").text_content() or ""
    assert "numeric" in verify and "automatic" in verify and "all three agree" in verify
    shot(page.locator("#point-card"), "3-point-check")


def test_pasted_derivative_operator_sets_the_variable(page):
    typed(page, "d/dt (t^3 + 2t)")
    page.wait_for_function(
        "() => document.querySelector('#derivative').dataset.text === '3t^2 + 2'")
    page.wait_for_function(
        "() => document.querySelector('#verify').textContent.includes('all three agree')")


def test_parse_error_shown_in_place(page):
    typed(page, "x^^2")
    err = page.locator("#error")
    page.wait_for_function(  # wait for this formula's error, not a stale one
        "() => !document.querySelector('#error').hidden &&"
        " document.querySelector('#error').textContent.includes('column 3') &&"
        " document.querySelector('#error mark.bad') !== null")
    assert page.locator("#error mark.bad").text_content() == "^"
    assert page.locator("#expr").get_attribute("aria-invalid") == "true"
    shot(page.locator("#input-card"), "4-parse-error")
    for bad, words in [("__import__('os')", "unexpected character"),
                       ("9^9^9^9", "too large")]:
        typed(page, bad)
        page.wait_for_function(
            "w => !document.querySelector('#error').hidden &&"
            " document.querySelector('#error').textContent.includes(w)", arg=words)
    typed(page, "x^2")
    err.wait_for(state="hidden")


def test_steps_in_japanese(page):
    typed(page, "(x^3+1)^2")
    page.wait_for_function(
        "() => document.querySelector('#derivative').dataset.text === '6x^2(x^3 + 1)'")
    page.click("#steps-box summary")
    page.click("button.slang[data-slang='ja']")
    assert page.locator("#steps-box").get_attribute("open") is not None
    page.wait_for_function("() => document.querySelector('#steps').lang === 'ja'")
    page.wait_for_function("() => /連鎖律|外側の微分/.test("
                           "document.querySelector('#steps').textContent)", timeout=10_000)
    shot(page.locator("#result-card"), "5-steps-ja")


def test_drag_the_tangent_point(page):
    typed(page, "(x^3+1)^2")
    page.wait_for_function("() => document.querySelector('#tangent').dataset.slope === '12'")
    assert INVISIBLE.sub("", page.locator("#tangent math").text_content() or "") == "y=12x−8"
    plot = page.locator("#plot .nsewdrag").first
    box = plot.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    # from x = 1 (initial) drag to about x = -1.5 (the axis spans -3..3)
    page.mouse.move(box["x"] + box["width"] * (4 / 6), y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (4 / 6 - k * 2.5 / 60), y)
    page.mouse.up()
    page.wait_for_function("() => Math.abs(parseFloat(document.querySelector('#plot')"
                           ".dataset.x0) + 1.5) < 0.1")
    x0 = float(page.locator("#plot").get_attribute("data-x0") or "nan")
    # the exact tangent from the server arrives for the point where the drag ended
    page.wait_for_function("x => Math.abs(parseFloat(document.querySelector('#tangent')"
                           ".dataset.x0) - x) < 1e-9", arg=x0)
    slope = float(page.locator("#tangent").get_attribute("data-slope") or "nan")
    assert slope == pytest.approx(6 * x0**2 * (x0**3 + 1), rel=1e-9)
    # the drawn tangent touches the curve at the new point
    y0 = page.evaluate("() => document.querySelector('#plot').data[3].y[0]")
    assert y0 == pytest.approx((x0**3 + 1) ** 2, rel=1e-6)
    shot(page.locator("#plot-card"), "6-tangent-drag")


def test_gradient_descent_on_x2_plus_y2(page):
    typed(page, "x^2+y^2")
    page.wait_for_function("() => document.querySelector('#contour').dataset.reason")
    page.select_option("#optimizer", "gd")
    page.fill("#lr", "0.1")
    page.fill("#nsteps", "300")
    page.fill("#sx", "-4")
    page.fill("#sy", "3")
    page.click("#descend-btn")
    page.wait_for_function(
        "() => document.querySelector('#contour').dataset.reason === 'converged'")
    status = page.locator("#descent-status").text_content() or ""
    assert "converged" in status
    path_x = page.evaluate("() => document.querySelector('#contour').data[2].x")
    assert path_x[0] == -4 and abs(path_x[-1]) < 1e-5
    shot(page.locator("#descent-card"), "7-descent-gd")
    # change the optimizer live: the path is recomputed without pressing Run
    steps_gd = page.locator("#contour").get_attribute("data-steps")
    page.select_option("#optimizer", "adam")
    page.fill("#lr", "0.3")
    page.wait_for_function("s => document.querySelector('#contour').dataset.steps !== s",
                           arg=steps_gd)
    assert "adam" in (page.locator("#descent-status").text_content() or "")
    shot(page.locator("#descent-card"), "8-descent-adam")


def test_sigmoid_gain_and_graph(page):
    typed(page, "sigmoid(x)")
    page.wait_for_function("() => document.querySelector('#graph img') !== null")
    status = page.locator("#graph-status").text_content() or ""
    assert "∂f/∂x" in status
    shot(page.locator("#graph-card"), "9-graph")
    slider = page.locator("#gain")
    slider.fill("4")
    page.wait_for_function("() => document.querySelector('#sigmoid-note').textContent"
                           ".includes('a/4 = 1.000')")
    peak = page.evaluate("() => Math.max(...document.querySelector('#sigmoid-plot').data[2].y)")
    assert peak == pytest.approx(1.0, abs=1e-3)
    shot(page.locator("#sigmoid-card"), "10-sigmoid-gain")


def test_whole_page_in_japanese(page):
    page.click("button.lang[data-lang='ja']")
    page.wait_for_function("() => document.documentElement.lang === 'ja'")
    assert page.locator("#h-result").text_content() == "導関数"
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-11-page-ja.png"), full_page=True)
