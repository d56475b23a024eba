"""Derivations as data: every seed derivation reproduced step by step.

These tests assert the rules used, the fresh names and the intermediate results, not
only the final answer, and that every step's result *is* bibun.diff's result.
"""

from __future__ import annotations

import importlib

import pytest

import bibun
from bibun.errors import LimitError, ParseError
from bibun.explain import derivation
from bibun.explain.check import equal
from bibun.explain.derivation import RULES, Step
from bibun.explain.show import show_text
from bibun.expr.core import number

P = bibun.parse


def chain_text(step: Step) -> list[str]:
    return [show_text(s) for s in step.chain()]


def top_rules(step: Step) -> list[str]:
    return [s.rule for s in step.substeps]


# -- seed 003: 手順1 中身を u と置く / 手順2 それぞれを微分する / 手順3 掛け算して元に戻す


def test_seed_2x_plus_3_squared_is_the_three_step_chain_rule():
    d = derivation("(2x + 3)^2")
    root = d.root
    assert root.rule == "chain" and root.names == [("u", P("2x + 3"))]
    assert root.outer is P("u^2")
    outer, inner = root.substeps
    assert (outer.rule, outer.role, outer.var) == ("power", "outer", "u")
    assert outer.result is P("2u")
    assert (inner.rule, inner.role) == ("sum", "inner") and inner.result is number(2)
    assert chain_text(root) == ["dy/dx", "dy/du·du/dx", "2u·2", "4u", "4(2x + 3)"]
    assert d.result is bibun.diff("(2x+3)^2") is P("4(2x+3)")


@pytest.mark.parametrize("expr, outer, inner, result", [
    ("(5x + 2)^3", "3u^2", "5", "15(5x + 2)^2"),
    ("(x^2 + 1)^4", "4u^3", "2x", "8x(x^2 + 1)^3"),
    ("(x^2 + 3x + 1)^4", "4u^3", "2x + 3", "4(2x + 3)(x^2 + 3x + 1)^3"),
])
def test_seed_chain_rule_exercises(expr, outer, inner, result):
    d = derivation(expr)
    o, i = d.root.substeps
    assert d.root.rule == "chain"
    assert o.result is P(outer) and i.result is P(inner)
    assert d.result is P(result) is bibun.diff(expr)


# -- seed 000: (x^3+1)^2, check by expanding; 1/(x^3+1) both ways; tanh by the quotient rule ---


def test_seed_x3_plus_1_squared_and_check_by_expanding():
    d = derivation("(x^3 + 1)^2")
    o, i = d.root.substeps
    assert o.result is P("2u") and i.result is P("3x^2")
    assert d.result is P("6x^2(x^3 + 1)")
    (check,) = d.find("expand_check")
    assert check.data["expanded"] is P("x^6 + 2x^3 + 1")
    assert check.result is P("6x^5 + 6x^2") and check.data["agree"]


def test_seed_reciprocal_by_the_quotient_rule():
    d = derivation("1/(x^3 + 1)")
    q = d.root
    assert q.rule == "quotient"
    assert q.data["numerator"] is number(1) and q.data["denominator"] is P("x^3 + 1")
    f, g = q.substeps
    assert (f.rule, f.role, f.result) == ("constant", "numerator", number(0))
    assert (g.rule, g.role) == ("sum", "denominator") and g.result is P("3x^2")
    # the seed's own line: (0·(x³+1) − 1·3x²)/(x³+1)² = −3x²/(x³+1)²
    assert "(0·(x³ + 1) − 1·3x²)/(x³ + 1)²" in chain_text(q)
    assert d.result is P("-3x^2/(x^3 + 1)^2") is bibun.diff("1/(x^3+1)")


def test_seed_reciprocal_as_a_negative_power_uses_the_chain_rule():
    d = derivation("1/(x^3 + 1)", quotient=False)
    o, i = d.root.substeps
    assert d.rules_used()[:3] == ["chain", "power", "sum"]
    assert o.expr is P("u^-1") and o.result is P("-u^-2")  # (1/x)' = -x^-2
    assert i.result is P("3x^2")
    assert chain_text(d.root)[-2:] == ["−3x²/u²", "−3x²/(x³ + 1)²"]
    assert d.result is bibun.diff("1/(x^3+1)")


def test_seed_tanh_by_the_quotient_rule_ends_in_one_minus_tanh_squared():
    d = derivation("(e^x - e^-x)/(e^x + e^-x)")
    q = d.root
    a, b = P("e^x - e^-x"), P("e^x + e^-x")
    assert q.rule == "quotient" and q.data["numerator"] is a and q.data["denominator"] is b
    f, g = q.substeps
    assert f.result is b and g.result is a  # (e^x - e^-x)' = e^x + e^-x and vice versa
    texts = chain_text(q)
    assert "((e^x + e^(−x))² − (e^x − e^(−x))²)/(e^x + e^(−x))²" in texts
    assert d.result is P("1 - (e^x - e^-x)^2/(e^x + e^-x)^2") is bibun.diff(q.expr)
    assert d.simplify is not None and d.simplify.rule == "simplify"
    assert d.final is P("1 - tanh(x)^2")
    (note,) = d.simplify.notes
    assert note.key == "note.identity" and show_text(note.params["identity"]) == \
        "(e^x − e^(−x))/(e^x + e^(−x)) = tanh(x)"
    # e^(-x) is differentiated once; the second time refers back to it
    (rep,) = d.find("repeat")
    assert rep.ref is not None and rep.ref.expr is P("e^-x") and rep.ref.number < rep.number


def test_identity_note_is_stated_in_the_direction_it_was_used():
    (note,) = derivation("log(sin(x))").simplify.notes  # cos/sin became 1/tan
    assert show_text(note.params["identity"]) == "cos(x)/sin(x) = 1/tan(x)"
    (note,) = derivation("log(cos(x))").simplify.notes  # sin/cos became tan
    assert show_text(note.params["identity"]) == "sin(x)/cos(x) = tan(x)"


def test_tanh_directly_is_written_through_itself():
    d = derivation("tanh(x)")
    assert d.root.rule == "hyperbolic" and d.root.function == "tanh"
    assert d.result is P("1 - tanh(x)^2")
    assert [n.key for n in d.root.notes] == ["note.self_derivative"]


# -- seed 002: sigmoid from (1 + e^{-z})^{-1} --------------------------------------------


def test_seed_sigmoid_from_a_negative_power():
    d = derivation("(1 + e^{-z})^{-1}")
    assert d.var == "z"
    root = d.root
    assert root.rule == "chain" and root.names == [("u", P("1 + e^-z"))]
    outer, inner = root.substeps
    assert outer.rule == "power" and outer.result is P("-1/u^2")  # 手順1: -1 × (…)^-2
    assert inner.rule == "sum" and inner.result is P("-e^-z")    # 手順2: -e^{-z}
    exp_chain = inner.substeps[1]
    assert exp_chain.rule == "chain" and exp_chain.names == [("v", P("-z"))]  # fresh, not u
    assert chain_text(root)[-1] == "e^(−z)/(1 + e^(−z))²"          # 手順3
    assert d.result is bibun.diff("1/(1+e^-z)")
    assert d.final is P("sigmoid(z)(1 - sigmoid(z))")
    simp = [show_text(s) for s in d.simplify.chain()]
    assert simp[1] == "1/(1 + e^(−z))·e^(−z)/(1 + e^(−z))"
    assert simp[3] == "1/(1 + e^(−z))·(1 − 1/(1 + e^(−z)))"
    assert show_text(d.simplify.notes[0].params["identity"]) == "1/(1 + e^(−z)) = sigmoid(z)"


def test_sigmoid_written_as_a_fraction_uses_the_quotient_rule():
    d = derivation(r"\frac{1}{1 + e^{-z}}")
    assert d.root.rule == "quotient"
    assert d.final is P("sigmoid(z)(1 - sigmoid(z))")


def test_sigmoid_function_itself():
    d = derivation("sigmoid(x)")
    assert d.root.rule == "sigmoid" and d.result is P("sigmoid(x)(1 - sigmoid(x))")


# -- seed 001: log(sin(x^3 - 2)) and partial derivatives ---------------------------------


def test_seed_log_sin_is_a_nested_chain_with_fresh_names():
    d = derivation("log(sin(x^3 - 2))")
    root = d.root
    assert root.names == [("u", P("sin(x^3 - 2)"))]
    outer, inner = root.substeps
    assert outer.rule == "log" and outer.result is P("1/u")
    assert inner.rule == "chain" and inner.names == [("v", P("x^3 - 2"))]
    assert [s.rule for s in inner.substeps] == ["trig", "sum"]
    assert inner.substeps[1].result is P("3x^2")  # not the seed's slip 2x^2
    assert d.result is P("3x^2 cos(x^3 - 2)/sin(x^3 - 2)")
    assert d.final is P("3x^2/tan(x^3 - 2)")


def test_seed_partial_derivatives_treat_y_as_a_constant():
    dx = derivation("x^2 + y^2", "x")
    assert dx.partial and [n.key for n in dx.notes] == ["note.partial"]
    assert [s.rule for s in dx.root.substeps] == ["power", "partial_constant"]
    assert dx.root.substeps[1].notes[0].params["names"] == ["y"]
    assert dx.result is P("2x")
    assert derivation("x^2 + y^2", "y").result is P("2y")
    assert derivation("4x1^3 + 2x2^2 + 1", "x1").result is P("12x1^2")


def test_seed_partial_of_a_product_with_a_chain():
    d = derivation("(x^2 + y^2) sin(xy)", "x")
    assert d.root.rule == "product"
    assert [s.rule for s in d.root.substeps] == ["sum", "chain"]
    inner = d.root.substeps[1].substeps[1]
    assert inner.rule == "constant_multiple" and inner.notes[0].key == "note.constant_factor"
    assert d.result is P("2x sin(xy) + y(x^2 + y^2)cos(xy)")


# -- every rule --------------------------------------------------------------------------

RULE_EXAMPLES = {
    "constant": ("x + 5", None), "partial_constant": ("x + y", "x"), "variable": ("x", None),
    "constant_multiple": ("3x^2", None), "sum": ("x^2 - x", None), "power": ("x^5", None),
    "product": ("x sin(x)", None), "quotient": ("sin(x)/x", None), "chain": ("sin(x^2)", None),
    "exp": ("e^x", None), "exp_base": ("2^x", None), "log": ("ln(x)", None),
    "log_base": ("log_2(x)", None), "trig": ("cos(x)", None), "inverse_trig": ("atan(x)", None),
    "hyperbolic": ("sinh(x)", None), "inverse_hyperbolic": ("asinh(x)", None),
    "sigmoid": ("softplus(x)", None), "piecewise": ("relu(x)", None),
    "activation": ("gelu(x)", None), "function": ("erf(x)", None),
    "abstract": ("f(x)", None), "general_power": ("x^x", None),
    "repeat": ("sin(x^2) + cos(sin(x^2))", None), "simplify": ("1/(1+e^-x)", None),
    "expand_check": ("(x+1)^3", None), "numeric_check": ("x^3", None),
}


def test_every_rule_has_an_example():
    assert set(RULE_EXAMPLES) == set(RULES)


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_is_used_by_its_example(rule):
    expr, var = RULE_EXAMPLES[rule]
    d = derivation(expr, var)
    assert rule in d.rules_used()
    assert d.result is bibun.diff(expr, var)


CORPUS = [
    "(x^3+1)^2", "1/(x^3+1)", "(x^2+3x+1)^4", "log(sin(x^3-2))", "sigmoid(x)", "tanh(x)",
    "(e^x - e^-x)/(e^x + e^-x)", "1/(1+e^-x)", "a^x", "x^x", "sqrt(x^2+1)", "cbrt(x) + |x|",
    "relu(x - 1) step(x)", "f(g(x)) + h(x)^2", "x sin(x) cos(x)", "e^(2x)/(x^2+1)",
    "log_10(x^2)", "asin(x) + acos(2x) + atan(x^2)", "sinh(x) cosh(x) / x", "(x+1)^(1/3)",
    "exp(sin(exp(x)))", "x^2 y + y^3", "0.01x^2 + 0.1x", "sec(x) + csc(x) + cot(x)",
    "2^(x^2)", "x^n", "softplus(2x)", "1/x + 1/x^2", "(x^2 - 1)/(x^2 + 1)", "-x^3",
]


@pytest.mark.parametrize("expr", CORPUS)
def test_every_step_result_is_diff_and_its_equation_holds(expr):
    d = derivation(expr)
    assert d.result is bibun.diff(expr, d.var)
    assert d.final is d.result or equal(d.final, d.result)
    for step in d.root.walk():
        assert step.result is bibun.diff(step.expr, step.var), step
        back = {bibun.symbol(n): v for n, v in step.names}  # u -> what u stands for
        shown = [s.args[0].subs(back) for s in step.chain() if s.kind == "expr"]
        for e in shown:  # every canonical expression in the chain equals the result
            assert equal(e, step.result), (step, e)


def test_fresh_names_are_never_reused():
    d = derivation("exp(sin(cos(x^2))) + sin(2x) cos(3x)")
    names = [n for s in d.walk() for n, _ in s.names]
    assert len(names) == len(set(names)) and names[:3] == ["u", "v", "w"]


def test_fresh_names_avoid_the_variables_of_the_formula():
    d = derivation("sin(u x)", "x")
    assert d.root.names[0][0] == "v"
    d = derivation("(y + 1)^2", "y")
    assert d.dep == "z" and d.root.names[0][0] == "u"


def test_abstract_functions_give_the_seed_formula():
    d = derivation("f(g(x))")
    assert [s.rule for s in d.walk()] == ["chain", "abstract", "abstract"]
    assert d.result is P("f'(g(x)) g'(x)")


def test_piecewise_functions_name_their_point():
    d = derivation("relu(x)")
    (note,) = d.root.notes
    assert note.key == "note.corner" and show_text(note.params["condition"]) == "x = 0"
    d = derivation("step(x)")
    assert d.root.notes[0].key == "note.jump"
    d = derivation("sqrt(x)")
    assert [n.key for n in d.notes] == ["note.nondiff"]
    assert not derivation("sqrt(x^2 + 1)").notes  # x² + 1 never vanishes: no note


def test_numeric_spot_check_agrees():
    (check,) = derivation("log(sin(x^3 - 2))").find("numeric_check")
    assert check.data["agree"] and check.data["point"]["x"] == 1.5  # sin(-1) < 0 at x = 1


def test_a_family_the_explainer_has_no_own_step_for_gets_the_general_function_step(
        monkeypatch):
    """A new table family must not break steps: it is explained "from the rule table"."""
    module = importlib.import_module("bibun.explain.derivation")
    monkeypatch.delitem(module.FUNCTION_RULES, "trig")
    d = derivation("sin(x)")
    assert d.root.rule == "function" and d.result is bibun.diff("sin(x)")


def test_unknown_function_text_is_an_error():
    with pytest.raises(ParseError, match="unknown function 'foo'"):
        derivation("foo(x)")
    with pytest.raises(ParseError, match="unknown function 'foo'"):
        derivation(r"\operatorname{foo}(x)")


def test_too_deep_is_a_clear_limit_not_a_recursion_error():
    e = bibun.parse("x")
    for _ in range(2000):
        e = bibun.expr.core.fn("sin", e)
    with pytest.raises(LimitError, match="too deep to explain"):
        derivation(e)


def test_shared_subexpressions_keep_explanations_small():
    s = "x"
    for _ in range(12):
        s = f"exp(sin({s}))"
    d = derivation(s, checks=False)
    assert len(list(d.walk())) < 60 and d.result is bibun.diff(s)


def test_steps_for_a_derivative_too_big_to_read_are_refused_with_its_size():
    """x^x^…^x with 51 levels: its steps would run to megabytes (minutes of printing)."""
    from bibun.errors import LimitError
    from bibun.explain import derivation
    from bibun.i18n import message

    tower = "^".join(["x"] * 51)
    with pytest.raises(LimitError, match="5,398 parts") as refused:
        derivation(tower)
    assert "--steps" in message(refused.value, "ja")
    assert derivation("^".join(["x"] * 4)).final is not None  # a short tower is explained
