"""The Practice tab and the formula panel's modes in a real browser (Debian's Chromium
driven by Playwright, as in tests/test_web_e2e.py).

`bibun serve` runs with ``BIBUN_DB`` pointing at a temporary file, so the practice
session's attempt is read back from the very database the server wrote.  The expected
answers are computed here from the same engine (the problem the page shows is named by
its topic, level and seed, and regenerated in the test), never typed in by hand.
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from bibun.explain.backprop import backprop
from bibun.practice import generate, ladder
from bibun.practice.hints import core_step
from bibun.symbolic import diff
from tests.test_web_e2e import (
    ARTIFACTS,
    AXE,
    axe_serious,
    derivative_is,
    opened,
    settled,
    typed,
)
from tests.web_server import chromium, serve

INVISIBLE = re.compile(r"[\u2061\u2062\u2063\s]")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return tmp_path_factory.mktemp("practice") / "progress.sqlite3"


@pytest.fixture(scope="module")
def server(db_path):
    yield from serve({"BIBUN_DB": str(db_path)})


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_practice_session_hint_wrong_step_right_answer_recorded(browser, server, db_path):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make axe` (npm install of axe-core)")
    with opened(browser, server, "/?tab=practice&lang=en", bypass_csp=True) as pg:
        pg.wait_for_function("() => document.querySelectorAll('#pr-topic option').length > 5")
        pg.select_option("#pr-topic", "chain")
        pg.select_option("#pr-level", "1")
        pg.click("#pr-new")
        pg.wait_for_function("() => document.querySelector('#pr-problem').dataset.topic === 'chain'"
                             " && document.querySelectorAll('#pr-pieces input').length === 6")
        box = pg.locator("#pr-problem")
        seed, level = int(box.get_attribute("data-seed")), int(box.get_attribute("data-level"))
        problem = generate("chain", 1, seed=seed, level=level)[0]
        assert problem.statement("en") in (box.text_content() or "")
        # a hint: the first rung of the same ladder as `bibun practice`
        pg.click("#pr-hint")
        pg.wait_for_function("() => document.querySelectorAll('#pr-hint-list li').length === 1")
        assert pg.locator("#pr-hint-list li").first.text_content() == \
            ladder(problem)[0].render("en")
        # a wrong inner derivative: twice the right one, diagnosed at that piece
        step, _ = core_step(problem.derivation.root)
        inner = step.names[0][1]
        pg.fill("#pr-pieces input[data-piece='du/dx']", f"2*({diff(inner, 'x')})")
        pg.click("#pr-check")
        pg.wait_for_function("() => document.querySelector('#pr-result li.wrong')")
        wrong = pg.locator("#pr-result li.wrong")
        assert wrong.get_attribute("data-piece") == "du/dx"
        assert "constant_factor" in (wrong.get_attribute("data-codes") or "")
        assert "constant factor" in (wrong.text_content() or "")
        states = {"practice, a wrong step": axe_serious(pg)}
        # the right answer, in the textbook's form
        pg.fill("#pr-pieces input[data-piece='du/dx']", "")
        pg.fill("#pr-pieces input[data-piece='answer']", str(problem.derivative))
        pg.click("#pr-check")
        pg.wait_for_function("() => document.querySelector('#pr-result').dataset.recorded")
        assert pg.locator("#pr-result").get_attribute("data-solved") == "true"
        pg.wait_for_function(
            "() => document.querySelector('#pr-progress tr[data-topic=chain]')"
            ".dataset.attempts === '1'")
        states["practice, solved"] = axe_serious(pg)
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "web-19-practice.png"), full_page=True)
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT id, topic, level, problem, outcome, tries, hints"
                            " FROM attempts").fetchall()
        mistakes = conn.execute("SELECT attempt, piece, code FROM mistakes").fetchall()
    assert [r[1:] for r in rows] == [("chain", level, problem.key, "solved", 1, 1)]
    assert mistakes == [(rows[0][0], "du/dx", "constant_factor")]
    assert not any(states.values()), states


def test_equation_switches_to_implicit_and_steps_by_another_method(browser, server):
    with opened(browser, server, "/?lang=en") as pg:
        derivative_is(pg, "6x^2(x^3 + 1)")
        typed(pg, "x^2 + y^2 = 1")
        derivative_is(pg, "-x/y")
        assert pg.locator("#derivative").get_attribute("data-mode") == "implicit"
        assert "y2=1" in INVISIBLE.sub("", pg.locator("#preview").text_content() or "")
        # the steps are implicit differentiation's, one at a time like the rules'
        pg.click("#steps-box summary")
        pg.click("#step-all")
        keys = pg.eval_on_selector_all("#steps li[data-key]", "els => els.map(e => e.dataset.key)")
        assert keys[0] == "implicit.both_sides" and "implicit.solve" in keys
        # a point on the curve: the slope and tangent; panels for functions say so
        pg.fill("#point-inputs input[data-name='x']", "0.6")
        pg.fill("#point-inputs input[data-name='y']", "0.8")
        pg.wait_for_function(
            "() => document.querySelector('#values').dataset.derivative === '-3/4'")
        # the tangent y = 5/4 − 3x/4, typeset with fractions
        assert pg.locator("#tangent").get_attribute("data-slope") == "-0.75"
        assert pg.locator("#tangent mfrac").count() == 2
        pg.wait_for_function("() => document.querySelector('#plot').dataset.mode === 'implicit'")
        settled(pg)
        assert "y = f(x)" in (pg.locator("#graph-status").text_content() or "")
        assert pg.locator("#bp-graph svg").count() == 0
        pg.screenshot(path=str(ARTIFACTS / "web-16-implicit.png"), full_page=True)
        # off the curve: said in the point panel, no slope kept from before
        pg.fill("#point-inputs input[data-name='y']", "0.5")
        pg.wait_for_function("() => document.querySelector('#values .panel-error')")
        assert pg.locator("#values").get_attribute("data-derivative") is None
        # back to a function, steps from the definition
        typed(pg, "x^3")
        derivative_is(pg, "3x^2")
        assert pg.locator("#derivative").get_attribute("data-mode") is None
        pg.select_option("#method", "limit")
        pg.wait_for_function(
            "() => document.querySelector('#steps li[data-key=\"limit.definition\"]')")
        assert "definition" in (pg.locator("#method-title").text_content() or "")
        pg.select_option("#method", "inverse")  # x^3 is not one of the inverse's functions
        pg.wait_for_function("() => document.querySelector('#steps .panel-error')")


def test_backprop_stepper_walks_the_graph_with_the_cli_numbers(browser, server):
    with opened(browser, server, "/?lang=en&f=sigmoid(w*x%2Bb)") as pg:
        pg.wait_for_function("() => document.querySelectorAll('#bp-graph g.bp-node').length === 6")
        point = pg.evaluate("() => Object.fromEntries([...document.querySelectorAll("
                            "'#point-inputs input')].map(i => [i.dataset.name, +i.value]))")
        ref = backprop("sigmoid(w*x + b)", point)
        total = int(pg.locator("#bp-progress").text_content().split()[-1])
        assert total == len(ref.worked.steps)
        assert pg.locator("#bp-prev").is_disabled()
        # forward: one node at a time, each value the CLI's
        pg.click("#bp-next")
        for _ in range(4):
            pg.click("#bp-next")
        cur = pg.locator("#bp-graph g.bp-node.current")
        name = cur.get_attribute("data-name")
        node = next(n for n in ref.names if ref.names[n] == name)
        assert float(cur.get_attribute("data-value")) == pytest.approx(ref.values[node], abs=1e-12)
        # to the end: every gradient is the CLI's (and autodiff's)
        pg.click("#bp-last")
        assert pg.locator("#bp-next").is_disabled()
        for v, g in ref.gradient.items():
            shown = pg.locator(f"#bp-graph g.bp-node[data-name='{v}']").get_attribute("data-grad")
            assert float(shown) == pytest.approx(g, rel=1e-12)
        assert pg.locator("#bp-graph g.bp-edge.done").count() == len(ref.edges)
        pg.locator("#backprop-card").screenshot(path=str(ARTIFACTS / "web-16-backprop.png"))
