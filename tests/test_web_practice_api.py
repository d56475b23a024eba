"""The Practice tab's API and the formula panel's modes (implicit, another method for the
steps, backprop by hand), in-process with the real worker pool.

Expected values come from the library itself (the same problem regenerated from its
topic, level and seed; :func:`bibun.explain.backprop.backprop`; implicit_diff), so these
tests pin that the page shows the engine's answers, not numbers typed in here.
"""

from __future__ import annotations

import sqlite3
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from bibun.explain.backprop import backprop
from bibun.expr.simplify import expand
from bibun.practice import generate, ladder
from bibun.practice.hints import core_step
from bibun.symbolic import diff
from bibun.web import create_app
from bibun.web.modes import mode_of
from bibun.web.notation import notation_mathml

REF = {"topic": "chain", "level": 1, "seed": 5}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return tmp_path_factory.mktemp("web-practice") / "progress.sqlite3"


@pytest.fixture(scope="module")
def client(db):
    app = create_app(workers=2, slow_workers=1, allowed_hosts=["testserver"],
                     practice_db=str(db))
    with TestClient(app) as c:
        yield c


def post(c: TestClient, path: str, body: dict):
    return c.post(f"/api/{path}", json=body)


def test_problem_is_the_engines_problem_for_its_topic_level_and_seed(client):
    r = post(client, "practice/problem", {**REF, "lang": "ja"}).json()
    p = generate("chain", 1, seed=5, level=1)[0]
    assert r["key"] == p.key and r["statement"]["text"] == p.statement("ja")
    assert [q["name"] for q in r["pieces"]] == ["u", "y", "dy/du", "du/dx", "product", "answer"]
    assert r["hints"] == len(ladder(p))
    hint = post(client, "practice/hint", {**REF, "rung": 2, "lang": "ja"}).json()
    assert hint["text"] == ladder(p)[1].render("ja") and not hint["last"]


def test_wrong_step_diagnosed_then_solved_and_recorded_with_its_mistake(client, db):
    p = generate("chain", 1, seed=5, level=1)[0]
    inner = core_step(p.derivation.root)[0].names[0][1]
    wrong = post(client, "practice/check", {**REF, "hints": 1,
                                            "pieces": {"du/dx": f"2*({diff(inner, 'x')})"}})
    w = wrong.json()
    assert wrong.status_code == 200 and not w["solved"] and w["first_wrong"] == "du/dx"
    assert w["mistakes"] == [["du/dx", "constant_factor"]] and w["recorded"] is None
    before = post(client, "practice/progress", {}).json()["attempts"]
    r = post(client, "practice/check", {**REF, "hints": 1, "mistakes": w["mistakes"],
                                        "tries": w["tries"], "seconds": 30,
                                        "pieces": {"answer": str(p.derivative)}}).json()
    assert r["solved"] and r["recorded"]["count"] == before + 1
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT id, problem, outcome, tries, hints, seconds FROM attempts"
                           " ORDER BY id DESC LIMIT 1").fetchone()
        marks = conn.execute("SELECT piece, code FROM mistakes WHERE attempt = ?",
                             (row[0],)).fetchall()
    assert row[1:] == (p.key, "solved", 1, 1, 30.0)
    assert marks == [("du/dx", "constant_factor")]


def test_equivalent_answer_accepted_with_the_textbook_form_beside_it(client):
    p = generate("chain", 1, seed=5, level=1)[0]
    r = post(client, "practice/check", {**REF, "save": False,
                                        "pieces": {"answer": str(expand(p.derivative))}})
    piece = r.json()["pieces"][0]
    assert piece["ok"] and piece["textbook"]["text"] == str(p.derivative)
    assert r.json()["recorded"] is None


def test_unreadable_piece_is_not_a_mistake_and_unknown_piece_lists_the_pieces(client):
    r = post(client, "practice/check", {**REF, "pieces": {"answer": "x^^2"}}).json()
    assert r["pieces"][0]["ok"] is None and "column 3" in r["pieces"][0]["error"]
    assert r["mistakes"] == [] and r["tries"] == 0
    bad = post(client, "practice/check", {**REF, "pieces": {"f": "x"}})
    assert bad.status_code == 422 and bad.json()["detail"]["kind"] == "input"
    assert "du/dx" in bad.json()["detail"]["message"]
    empty = post(client, "practice/check", {**REF, "pieces": {"answer": "  "}, "lang": "ja"})
    assert empty.status_code == 422 and "答え" in empty.json()["detail"]["message"]
    topic = post(client, "practice/problem", {"topic": "nope"})
    assert topic.status_code == 422 and "chain" in topic.json()["detail"]["message"]


def test_skip_records_a_skipped_attempt_and_progress_counts_it(client):
    before = post(client, "practice/progress", {}).json()
    r = post(client, "practice/skip", {**REF, "hints": 2}).json()
    p = generate("chain", 1, seed=5, level=1)[0]
    assert r["answer"]["text"] == p.answer_text("en")
    assert r["steps"] == [h.render("en") for h in ladder(p)[:-1]]
    after = post(client, "practice/progress", {"lang": "ja"}).json()
    chain = next(t for t in after["topics"] if t["topic"] == "chain")
    assert after["attempts"] == before["attempts"] + 1 and chain["name"].startswith("合成")
    assert after["next"]["topic"] in {t["topic"] for t in after["topics"]}


def test_missing_database_directory_is_a_storage_error_unless_not_saving(tmp_path):
    app = create_app(workers=1, allowed_hosts=["testserver"],
                     practice_db=str(tmp_path / "missing" / "progress.sqlite3"))
    with TestClient(app) as c:
        r = post(c, "practice/progress", {"lang": "ja"})
        assert r.status_code == 503 and r.json()["detail"]["kind"] == "storage"
        assert "missing" in r.json()["detail"]["message"]
        assert post(c, "practice/progress", {"save": False}).json()["db"] is None
        ok = post(c, "practice/check", {**REF, "save": False, "pieces": {"answer": "x"}})
        assert ok.status_code == 200


def test_an_equation_with_y_is_implicit_with_slope_and_tangent_on_the_curve(client):
    page = post(client, "page", {"expr": "x^2 + y^2 = 1", "x0": 0.6,
                                 "point": {"y": 0.8}}).json()
    assert page["mode"] == "implicit" and set(page["panels"]) == {"parse", "equation"}
    eq = page["panels"]["equation"]["data"]
    assert eq["derivative"]["text"] == "-x/y" and eq["second_on_curve"]["text"] == "-1/y^3"
    assert eq["steps"]["steps"][0]["key"] == "implicit.both_sides"
    assert eq["point"]["data"]["value"]["exact"] == "-3/4"
    assert eq["curve"]["z"] and len(eq["curve"]["x"]) == len(eq["curve"]["z"][0])
    off = post(client, "page", {"expr": "x^2 + y^2 = 1", "x0": 1, "lang": "ja"}).json()
    assert "error" in off["panels"]["equation"]["data"]["point"]
    parse = post(client, "page", {"expr": "x^2 + y^^2 = 1"}).json()["panels"]["parse"]
    assert parse["error"]["kind"] == "parse" and parse["error"]["column"] == 9


def test_what_the_learner_typed_decides_the_mode():
    assert [mode_of(t) for t in ("x^2 + y^2 = 1", "x y = y + 1", "y = x^2", "f(x) = x^2",
                                 "x = cos t, y = sin t", "sin(x)")] == \
        ["implicit", "implicit", "function", "function", "parametric", "function"]


def test_steps_by_another_method_end_on_the_rules_answer(client):
    page = post(client, "page", {"expr": "sqrt(x)", "method": "limit", "panels": ["diff"]})
    panels = page.json()["panels"]
    assert panels["method"]["data"]["steps"][0]["key"] == "limit.definition"
    assert panels["method"]["data"]["answer"]["text"] == panels["diff"]["data"]["derivative"][
        "text"]
    inv = post(client, "method", {"expr": "x^3", "method": "inverse"})
    assert inv.status_code == 422 and inv.json()["detail"]["kind"] == "input"


def test_backprop_panel_has_the_cli_numbers_node_by_node(client):
    at = {"w": 2.0, "x": 1.0, "b": -1.0}
    r = post(client, "backprop", {"expr": "(sigmoid(w*x+b) - 1)^2", "at": at}).json()
    ref = backprop("(sigmoid(w*x+b) - 1)^2", at)
    assert {n["name"]: n["value"] for n in r["nodes"]} == \
        {ref.names[n]: ref.values[n] for n in ref.names}
    assert r["gradient"] == ref.gradient and r["autodiff"] == ref.autodiff
    phases = [s["phase"] for s in r["timeline"]]
    assert phases.count("forward") == len(r["nodes"]) and phases.count("backward") == len(
        r["edges"])
    # the nodes' gradients are the accumulated contributions of the edges into them
    for n in r["nodes"]:
        if n["input"]:
            assert n["grad"] == pytest.approx(ref.gradient[n["name"]], rel=1e-12)
    bad = post(client, "backprop", {"expr": "log(x)", "at": {"x": -1}, "lang": "ja"})
    assert bad.status_code == 422 and bad.json()["detail"]["kind"] == "domain"


def test_step_notation_is_typeset_not_simplified():
    q = notation_mathml("((h + x)^2 - (x^2))/h")
    assert q.startswith("<mrow><mfrac>") and q.count("<msup>") == 2 and "<mi>h</mi></mfrac>" in q
    assert "<munder><mo>lim</mo>" in notation_mathml("lim[h→0] (h + 2x)")
    assert notation_mathml("d^2y/dx^2").count("<mfrac>") == 1
