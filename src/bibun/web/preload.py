"""Imported once by the worker pool's forkserver, before any worker is forked.

Every worker is a fork of that process, so whatever is imported and built here (the
optional modules, the LALR parser, the rule table's lookups) is already in each new
worker's memory.  Without it, a worker that replaces a killed one would spend its first
request building parser tables and caches: a cheap formula would then look
expensive and be pushed to the slow lane.
"""

from __future__ import annotations

from bibun.web.page import run_task


def warm_up() -> None:
    """Run one tiny request of each kind (imports done, parser tables built)."""
    for task, payload in [
        ("parse", {"expr": "x^2", "syntax": "auto"}),
        ("parse", {"expr": r"\frac{1}{1+e^{-x}}", "syntax": "auto"}),
        ("diff", {"expr": "(x^3+1)^2", "steps": True, "lang": "ja", "at": {"x": 1.0}}),
        ("diff", {"expr": "sigmoid(x)", "steps": True, "lang": "en"}),
        ("verify", {"expr": "tanh(x)", "at": 0.5}),
        ("sample", {"expr": "x^2", "n": 5}),
        ("tangent", {"expr": "x^2", "at": 1.0}),
        ("series", {"expr": "e^x", "order": 3}),
        ("surface", {"expr": "x^2+y^2", "n": 5}),
        ("descend", {"expr": "x^2+y^2", "start": [1.0, 1.0], "steps": 2}),
        ("graph", {"expr": "x^2", "at": {"x": 1.0}}),
        ("check", {"expr": "x^2", "answer": "2x"}),
        ("implicit", {"expr": "x^2 + y^2 = 1", "x0": 0.6, "y0": 0.8}),
        ("method", {"expr": "x^2", "method": "limit"}),
        ("backprop", {"expr": "sigmoid(w*x + b)", "at": {"w": 2.0, "x": 1.0, "b": -1.0}}),
        ("practice_problem", {"topic": "chain", "level": 1, "seed": 0}),
        ("practice_check", {"topic": "chain", "level": 1, "seed": 0,
                            "pieces": {"du/dx": "2", "answer": "x"}}),
    ]:
        run_task(task, payload)


warm_up()
