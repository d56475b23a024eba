"""The Practice tab's computations: the same engine as ``bibun practice``.

A problem is named by ``(topic, level, seed)``: :func:`bibun.practice.generate` makes the
same problem from the same three on any machine, so the page keeps that reference (and
the learner's counters) in its state and the server keeps nothing between requests; a
restarted server, a reloaded page or two tabs all see the same problem.  These tasks run
in the worker pool like the other panels (a formula a learner types is parsed by bibun's
grammar there, never in the web server); the progress database is written by the API
layer (:mod:`bibun.web.practice_api`) in the server process, outside the result cache,
after a task says the problem is solved or skipped.

Checking follows the terminal session (:mod:`bibun.practice.session`): the first wrong
piece's diagnosis codes are the mistakes recorded (``wrong`` when none is recognised),
a readable final answer counts as a try, an unreadable piece is not a mistake.
"""

from __future__ import annotations

from typing import Any

from bibun import i18n
from bibun.expr.mathml import to_mathml
from bibun.practice import Problem, check_steps, generate, label_of, ladder, pieces_of
from bibun.web.tasks import TASKS, formula, lang_of


def problem_of(p: dict) -> Problem:
    """The problem a request names (topic, level, seed): the same one every time."""
    return generate(p["topic"], 1, seed=int(p["seed"]), level=int(p["level"]))[0]


def _statement(problem: Problem, lang: str) -> dict[str, Any]:
    return {"text": problem.statement(lang), "latex": problem.statement(lang, "latex"),
            "formula": formula(problem.expr),
            "mathml": to_mathml(problem.expr, "block")}


def t_practice_problem(p: dict) -> dict[str, Any]:
    """The problem: its statement, the pieces a learner may write, the ladder's length."""
    lang = lang_of(p)
    problem = problem_of(p)
    return {"topic": problem.topic, "level": problem.level, "seed": int(p["seed"]),
            "topic_name": i18n.text(f"practice.topic.{problem.topic}", lang),
            "kind": problem.kind, "key": problem.key, "variable": problem.var,
            "statement": _statement(problem, lang),
            "pieces": [{"name": q, "label": label_of(problem, q)} for q in pieces_of(problem)],
            "hints": len(ladder(problem))}


def t_practice_hint(p: dict) -> dict[str, Any]:
    """Rung ``rung`` (1-based) of the hint ladder; the last rung is the answer."""
    lang = lang_of(p)
    rungs = ladder(problem_of(p))
    n = min(int(p["rung"]), len(rungs))
    return {"rung": n, "total": len(rungs), "text": rungs[n - 1].render(lang),
            "latex": rungs[n - 1].render(lang, "latex"), "last": n == len(rungs)}


def t_practice_check(p: dict) -> dict[str, Any]:
    """Judge the pieces the learner typed, each on its own, with the first wrong one's
    diagnosis; returns the counters updated (tries, mistakes) for the page to keep."""
    lang = lang_of(p)
    problem = problem_of(p)
    given = {k: v for k, v in (p.get("pieces") or {}).items() if v is not None and v.strip()}
    if not given:
        raise i18n.error("web.practice.error.empty")
    report = check_steps(problem, given, lang)
    first = report.first_wrong
    mistakes = [list(m) for m in p.get("mistakes") or []]
    if first is not None:
        mistakes += [[first.piece, c] for c in (first.codes or ["wrong"])]
    tries = int(p.get("tries") or 0)
    if any(r.piece == "answer" and r.ok is not None for r in report.pieces):
        tries += 1
    out = []
    for r in report.pieces:
        out.append({
            "piece": r.piece, "label": label_of(problem, r.piece), "text": r.text, "ok": r.ok,
            "error": r.error, "first_wrong": r is first,
            "diagnosis": [{"code": d.code, "message": d.text(lang)} for d in r.diagnosis],
            "textbook": formula(r.textbook) if r.textbook is not None else None,
        })
    return {"pieces": out, "solved": report.solved, "tries": tries, "mistakes": mistakes,
            "first_wrong": first.piece if first is not None else None,
            "answer": _answer(problem, lang) if report.solved else None,
            "problem": _ref(problem)}


def _answer(problem: Problem, lang: str) -> dict[str, Any]:
    return {"text": problem.answer_text(lang), "formula": formula(problem.answer)}


def t_practice_skip(p: dict) -> dict[str, Any]:
    """The answer with the worked steps (the ladder's rungs before it)."""
    lang = lang_of(p)
    problem = problem_of(p)
    rungs = ladder(problem)
    return {"answer": _answer(problem, lang),
            "steps": [r.render(lang) for r in rungs[:-1]],
            "message": i18n.text("practice.session.skipped", lang,
                                 answer=problem.answer_text(lang)),
            "problem": _ref(problem)}


def _ref(problem: Problem) -> dict[str, Any]:
    """What the progress database records of a problem."""
    return {"topic": problem.topic, "level": problem.level, "key": problem.key}


TASKS.update({"practice_problem": t_practice_problem, "practice_hint": t_practice_hint,
              "practice_check": t_practice_check, "practice_skip": t_practice_skip})

__all__ = ["problem_of", "t_practice_check", "t_practice_hint",
           "t_practice_problem", "t_practice_skip"]
