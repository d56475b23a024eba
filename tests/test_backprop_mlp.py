"""Backpropagation worked by hand through a small network and on formulas: the numbers
equal an independent NumPy implementation, the autodiff engine, `bibun graph` and a
Richardson-extrapolated central difference to 1e-10; every sentence with a number says
what was computed; bad input is refused in both languages."""

from __future__ import annotations

import json
import math
import re
import shlex

import numpy as np
import pytest

from bibun.cli import main
from bibun.errors import BibunError
from bibun.explain.backprop import (
    CENTRAL_TOL,
    backprop,
    central_difference,
    worked_mlp,
)
from bibun.expr.parse import parse


def _numpy_221(v: dict[str, float]) -> dict[str, float]:
    """The 2-2-1 sigmoid MLP with squared error, forward and backward in matrix form
    (the textbook δ recursion), written without bibun."""
    x = np.array([v["x1"], v["x2"]])
    W1 = np.array([[v["w11"], v["w12"]], [v["w21"], v["w22"]]])
    b1 = np.array([v["b1"], v["b2"]])
    W2 = np.array([v["w31"], v["w32"]])
    s = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = s(W1 @ x + b1)
    y = s(W2 @ h + v["b3"])
    d_out = 2 * (y - v["t"]) * y * (1 - y)
    d_hid = W2 * d_out * h * (1 - h)
    g = {"w31": d_out * h[0], "w32": d_out * h[1], "b3": d_out,
         "b1": d_hid[0], "b2": d_hid[1]}
    for j in range(2):
        for k in range(2):
            g[f"w{j + 1}{k + 1}"] = d_hid[j] * x[k]
    gx = W1.T @ d_hid
    g["x1"], g["x2"] = gx
    return {k: float(val) for k, val in g.items()}


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_the_221_network_matches_numpy_autodiff_and_central_difference_to_1e_10(seed):
    b = worked_mlp((2, 2, 1), seed)
    want = _numpy_221(b.network.values)
    assert set(b.gradient) == set(want)
    for v, g in b.gradient.items():
        assert g == pytest.approx(want[v], rel=1e-12, abs=1e-15)
        d_auto, d_cd = b.agreement(v)
        assert d_auto <= 1e-10 * max(1, abs(g))
        assert d_cd <= 1e-10 * max(1, abs(g)), (v, d_cd)


def test_the_printed_bibun_graph_command_draws_the_same_gradients(capsys, tmp_path):
    b = worked_mlp((2, 2, 1), 0)
    text = b.render("en")
    cmd = next(line.strip() for line in text.splitlines() if line.strip().startswith("bibun graph"))
    args = shlex.split(cmd)[1:]
    out = tmp_path / "g.svg"
    assert main([*args, "-o", str(out), "--engine", "builtin"]) == 0
    svg = out.read_text(encoding="utf-8")
    shown = dict(re.findall(r'font-weight="bold">(\w+)</text>\s*<text[^>]*>value [^<]*</text>\s*'
                            r'<text[^>]*>grad ([^<]+)</text>', svg))
    for v in ("w11", "w22", "b3", "x1"):
        assert float(shown[v]) == pytest.approx(b.gradient[v], rel=1e-3), v


def test_a_node_with_two_parents_adds_its_gradients_and_says_so():
    b = worked_mlp((2, 2, 1), 0)
    into_x1 = [e for e in b.edges if b.names[e.child] == "x1"]
    assert len(into_x1) == 2 and into_x1[1].accumulated and not into_x1[0].accumulated
    assert b.gradient["x1"] == pytest.approx(sum(e.contribution for e in into_x1), rel=1e-15)
    en, ja = b.render("en"), b.render("ja")
    assert "a second path into x1: the gradients add" in en
    assert "x1 への2本目の経路なので勾配を足し合わせます" in ja


def test_sigmoid_local_derivative_is_the_stored_value_times_one_minus_it():
    b = worked_mlp((2, 2, 1), 0)
    sig = [e for e in b.edges if e.parent.op == "fn" and e.parent.value == "sigmoid"]
    assert len(sig) == 3
    for e in sig:
        y = b.values[e.parent]
        assert e.local == y * (1 - y)
        assert str(e.shown) == f"{b.names[e.parent]}(1 - {b.names[e.parent]})"


def test_check_sentences_state_the_differences_computed_in_both_languages():
    b = worked_mlp((2, 2, 1), 3)
    for lang, word in (("en", "difference"), ("ja", "差")):
        lines = [s.sentence(lang) for s in b.worked.steps if s.key.startswith("backprop.check")]
        assert len(lines) == len(b.gradient)
        for v, line in zip(sorted(b.gradient), lines):
            da, dc = b.agreement(v)
            got = re.findall(word + r" ([0-9][0-9.e+-]*)", line)
            assert [float(g) for g in got] == pytest.approx([da, dc], rel=0.06, abs=0)
            agree = "agree to within 1e-10" in line or "1e-10 以内で一致" in line
            assert agree == (dc <= CENTRAL_TOL * max(1, abs(b.gradient[v])))


def test_a_central_difference_spoilt_by_rounding_is_reported_as_differing_not_agreeing():
    """10^10 + sin(x): the function's size swamps its change, the quotient keeps ~6 digits."""
    b = backprop("10^10 + sin(x)", {"x": 0.5})
    assert b.agreement("x")[0] == 0 and b.agreement("x")[1] > 1e-10
    assert b.central_error["x"] > 1e-10
    assert "larger than 1e-10" in b.render("en") and "agree" not in b.render("en")
    assert "差が 1e-10 より大きい" in b.render("ja") and "一致します" not in b.render("ja")


@pytest.mark.parametrize("formula, point", [
    ("sin(x)*exp(x)", {"x": 0.7}), ("relu(x)", {"x": 1e-3}), ("1/x", {"x": 1e-3}),
    ("log(x)", {"x": 1e-3}), ("x^x", {"x": 2.5}),
    ("sigmoid(3*x)^2", {"x": -40.0}), ("atan(x*y)", {"x": 1e4, "y": 2e-4})])
def test_richardson_central_difference_reaches_1e_10(formula, point):
    e = parse(formula)
    for v in point:
        want = float(__import__("bibun").diff(e, v).evaluate(point))
        got, err = central_difference(e, point, v)
        assert abs(got - want) <= 1e-10 * max(1, abs(want)), (formula, got, want)
        assert err <= 1e-9 * max(1, abs(want))


def test_why_the_gradient_vanishes_multiplies_the_computed_factors():
    b = worked_mlp((2, 2, 2, 1), 5)
    v = b.vanishing
    assert v is not None and len(v.factors) == 3
    for name, f in zip(v.nodes, v.factors):
        node = next(n for n, k in b.names.items() if k == name)
        assert f == b.values[node] * (1 - b.values[node]) and f <= 0.25
    assert v.product < v.bound == 0.25 ** 3
    en = b.render("en")
    assert f"= {v.product:.6g}, below the bound 0.25^3 = 0.015625" in en
    assert f"{v.product:.6g} で、上限 0.25^3 = 0.015625 より小さく" in b.render("ja")


def test_vanishing_says_equal_only_when_every_sigmoid_is_one_half():
    b = backprop("sigmoid(sigmoid(x) - 1/2)", {"x": 0})
    assert b.vanishing.factors == [0.25, 0.25]
    assert "exactly the bound 0.25^2 = 0.0625" in b.render("en")
    b = backprop("sigmoid(sigmoid(x))", {"x": 0})
    assert "below the bound 0.25^2 = 0.0625" in b.render("en")
    assert backprop("sigmoid(x) + sigmoid(y)", {"x": 0, "y": 1}).vanishing is None


@pytest.mark.parametrize("fmt", ["text", "unicode", "markdown", "latex", "mathml", "json"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_network_renders_in_every_format_and_language(fmt, lang):
    b = worked_mlp((2, 2, 1), 2)
    out = b.render(lang, fmt)
    if fmt == "json":
        data = json.loads(out)
        assert data["gradient"]["w11"] == b.gradient["w11"]
        assert {n["name"] for n in data["nodes"]} >= {"z1", "h1", "y", "L"}
        assert data["vanishing"]["bound"] == 0.0625
    else:
        assert ("0.25^2" in out or "0.25^{2}" in out) and ("w11" in out or "w_{11}" in out)
        assert ("誤差逆伝播" in out) == (lang == "ja")


def test_the_seed_decides_the_values_and_at_overrides_them():
    a, b = worked_mlp(seed=4), worked_mlp(seed=4)
    assert a.network.values == b.network.values
    assert worked_mlp(seed=5).network.values != a.network.values
    c = worked_mlp(seed=4, point={"w11": 0.25, "t": 0})
    assert c.network.values["w11"] == 0.25 and c.point["t"] == 0
    assert c.gradient["w11"] == pytest.approx(_numpy_221(c.network.values)["w11"], rel=1e-12)


@pytest.mark.parametrize("call, en, ja", [
    (lambda: worked_mlp((2, 5, 1)), "2-5-1", "2-5-1"),
    (lambda: worked_mlp((2,)), "e.g. 2-2-1 (got 2)", "2-2-1、指定は 2"),
    (lambda: worked_mlp(point={"q": 1}), "q is not a value of this network",
     "q はこのネットワーク"),
    (lambda: backprop("log(x)", {"x": -1}), "outside the domain of ln(x): ln(x) needs x > 0",
     "定義域の外"),
    (lambda: backprop("1/(x-1)", {"x": 1}), "divides by zero", "0 で割る"),
    (lambda: backprop("sqrt(x)", {"x": -4}), "root of a negative number", "負の数の累乗根"),
    (lambda: backprop("abs(x)", {"x": 0}), "has no derivative at x = 0", "微分できません"),
])
def test_bad_input_is_refused_in_both_languages(call, en, ja):
    from bibun import i18n

    with pytest.raises(BibunError) as exc:
        call()
    assert en in str(exc.value)
    assert ja in i18n.message(exc.value, "ja")


def test_cli_mlp_and_its_bad_input(capsys):
    assert main(["backprop", "--mlp", "2-2-1", "--seed", "1", "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert "2-2-1 ネットワーク" in out and "勾配が消える理由" in out
    assert main(["backprop", "--mlp", "2-x-1"]) == 2
    assert "--mlp takes layer sizes" in capsys.readouterr().err
    assert main(["backprop", "x^2", "--mlp", "2-2-1"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["backprop", "x^2", "--lang", "ja"]) == 2
    assert "どちらか一方" in capsys.readouterr().err
    assert main(["backprop", "log(x)", "--at", "x=-2", "--lang", "ja"]) == 2
    assert "定義域の外" in capsys.readouterr().err


def test_overflow_in_the_network_is_a_clear_message():
    with pytest.raises(BibunError, match="too large for a float"):
        worked_mlp(point={"w11": 1e308, "x1": 10})
    assert math.isfinite(worked_mlp(point={"w11": 30.0}).gradient["w11"])
