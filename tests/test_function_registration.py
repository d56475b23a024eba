"""Adding a function is one rule-table entry plus its two catalog lines.

A fixture registers ``gauss(u) = e^(−u²)`` (a new explanation family, "bump", too)
through the public :func:`bibun.functions.register` and adds its ``fn.gauss`` catalog
lines; the tests then drive every face with it.  Afterwards the function is removed
again, from the table and from every cache that learnt it.
"""

from __future__ import annotations

import importlib.util
import math
import warnings

import numpy as np
import pytest

import bibun
import bibun.autodiff as ad
from bibun import i18n
from bibun.codegen import compile as compile_fn
from bibun.codegen.compile import _function_text
from bibun.errors import BibunError, UnknownFunctionError
from bibun.explain import check_answer, derivation
from bibun.expr.mathml import to_mathml
from bibun.expr.parse import parse_any
from bibun.expr.printers import to_latex, to_python, to_text, to_unicode
from bibun.functions import RULES, Code, MissingRule, Rule, register, unregister

CATALOG = {"en": "Gaussian bump", "ja": "ガウス関数 gauss"}


def _gauss(x):
    return np.exp(-np.asarray(x) ** 2)


GAUSS = Rule(
    "gauss", _gauss, lambda u, y, F: -2 * u * y, r"\operatorname{gauss}", "bump",
    code=Code("np.exp(-{u}**2)", "math.exp(-{u}**2)", "jnp.exp(-{u}**2)",
              "torch.exp(-{u}**2)"),
    definition=lambda u, F: F.exp(-u**2), exact={0: 1}, self_derivative=False,
)


@pytest.fixture
def gauss():
    """The one entry and its two catalog lines; removed afterwards (also from caches)."""
    register(GAUSS)
    for lang, line in CATALOG.items():
        i18n.catalog(lang)["fn.gauss"] = line
    try:
        yield GAUSS
    finally:
        unregister("gauss")
        for lang in CATALOG:
            i18n.catalog(lang).pop("fn.gauss", None)
        assert "gauss" not in RULES and not hasattr(ad.Tensor, "gauss")


def test_parses_in_text_and_latex(gauss):
    e = bibun.parse("gauss(2x)")
    assert e.op == "fn" and e.value == "gauss"
    assert parse_any(r"\operatorname{gauss}\left(2 x\right)", True) is e
    assert bibun.parse("gauss x") is bibun.parse("gauss(x)")  # not g·a·u·s·s


def test_prints_and_reads_back(gauss):
    e = bibun.parse("3 gauss(x^2 + 1)")
    for text, latex in ((to_text(e), False), (to_unicode(e), False), (to_latex(e), True)):
        assert parse_any(text, latex) is e, text
    assert "gauss" in to_mathml(e)


def test_python_code_runs(gauss):
    e = bibun.parse("gauss(x) + x")
    src = to_python(e)
    value = eval(src, {"np": np, "math": math, "x": 0.5})  # noqa: S307 - our own source
    assert value == pytest.approx(math.exp(-0.25) + 0.5)


@pytest.mark.parametrize("backend", ["numpy", "math", "jax", "torch"])
def test_compiles_for_every_backend(gauss, backend):
    e = bibun.parse("gauss(x) * x")
    if backend in ("jax", "torch") and importlib.util.find_spec(backend) is None:
        # the library is absent: the emitted source still names the backend's function
        src = _function_text("gauss", backend, {})
        assert src == f"(lambda u: {'jnp' if backend == 'jax' else 'torch'}.exp(-u**2))"
        with pytest.raises(BibunError, match=backend):
            compile_fn(e, ["x"], backend)
        pytest.skip(f"{backend} is not installed: source checked, not executed")
    f = compile_fn(e, ["x"], backend)
    assert float(np.asarray(f(0.5))) == pytest.approx(0.5 * math.exp(-0.25))


def test_differentiates_symbolically(gauss):
    assert bibun.diff("gauss(x)") is bibun.parse("-2x gauss(x)")
    assert bibun.diff("gauss(3x)") is bibun.parse("-18x gauss(3x)")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_explains_in_both_languages(gauss, lang):
    d = derivation("gauss(x^2)")
    assert d.result is bibun.diff("gauss(x^2)")
    text = d.render(lang=lang)
    assert "gauss" in text
    assert d.render(lang=lang, format="json")  # and the other formats the web uses
    assert d.render(lang=lang, format="mathml")
    rules = d.rules_used()
    assert "function" in rules  # a family the explainer has no own step for


def test_checks_answers(gauss):
    assert check_answer("gauss(x)", "-2x e^(-x^2)").correct
    assert check_answer("gauss(x)", "-2x gauss(x)").correct
    assert not check_answer("gauss(x)", "2x gauss(x)").correct


def test_evaluates_numerically(gauss):
    assert bibun.parse("gauss(x)").evaluate(x=0.5) == pytest.approx(math.exp(-0.25))
    assert bibun.parse("gauss(0)").evaluate() == 1  # the exact value from the entry


def test_reverse_and_forward_mode(gauss):
    x = np.array([0.3, -0.7, 1.1])
    exact = -2 * x * np.exp(-x**2)
    t = ad.Tensor(x, requires_grad=True)
    ad.gauss(t).sum().backward()
    np.testing.assert_allclose(t.grad, exact, rtol=1e-12)
    y = ad.Dual(x, np.ones_like(x)).gauss()
    np.testing.assert_allclose(y.tangent, exact, rtol=1e-12)
    # second order through the recorded backward pass: (e^{-x²})'' = (4x² − 2)e^{-x²}
    g2 = ad.grad(lambda s: ad.grad(lambda r: ad.gauss(r))(s))(ad.Tensor(0.4))
    assert float(np.asarray(getattr(g2, "data", g2))) == pytest.approx(
        (4 * 0.16 - 2) * math.exp(-0.16))


def test_web_api_diff(gauss):
    """The web runs tasks in worker processes that never saw the registration, so the
    test drives the same task functions in this process."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from bibun.web import create_app
    from bibun.web.tasks import run_task

    class InProcess:
        total_budget = 1.6
        stats: dict = {}

        def run(self, task, payload, lane="fast"):
            return run_task(task, payload)

    app = create_app(workers=1, allowed_hosts=["testserver"])
    app.state.get_compute = InProcess
    with TestClient(app) as c:
        r = c.post("/api/diff", json={"expr": "gauss(x)", "steps": True, "lang": "ja"})
    assert r.status_code == 200, r.text
    assert r.json()["derivative"]["text"] == "-2x gauss(x)"


def test_removed_function_is_gone_from_every_face(gauss):
    unregister("gauss")
    register(GAUSS)  # re-registering after removal works (no stale caches)
    assert bibun.diff("gauss(x)") is bibun.parse("-2x gauss(x)")


def test_after_the_fixture_the_name_is_unknown_again():
    with pytest.raises((UnknownFunctionError, BibunError)):
        bibun.diff("gauss(x)")
    assert not hasattr(ad.Tensor, "gauss")


def test_a_backend_without_the_function_names_the_face(gauss):
    rule = Rule("bump2", _gauss, lambda u, y, F: -2 * u * y, r"\operatorname{bumpb}", "bump",
                code=Code("np.exp(-{u}**2)", None, None, None))
    register(rule)
    try:
        with pytest.raises(MissingRule, match="jax code backend has no rule for the function"):
            from bibun.functions import code_for

            code_for("bump2", "jax")
    finally:
        unregister("bump2")
