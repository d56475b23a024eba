"""Grammar-aware random formulas: the notation learners type, and the hostile edges.

The generator is a small recursive grammar over bibun's own function table, plus the
spellings that have broken parsers before: huge and tiny numbers, power towers, deep
nests, unicode operators, LaTeX commands, definitions and derivative operators.
"""

from __future__ import annotations

import random

from bibun.functions import RULES

VARIABLES = ("x", "y", "t", "θ", "w", "x1")
NUMBERS = ("0", "1", "2", "3", "0.5", "1/2", "pi", "e", "10^400", "9" * 40, "1e-300",
           "1e308", "2^-1074", "0.1", "-1", "7")


def formula(rng: random.Random, depth: int = 4) -> str:
    """One random formula in plain text (sometimes with unicode)."""
    if depth <= 0 or rng.random() < 0.25:
        return rng.choice(VARIABLES + NUMBERS) if rng.random() < 0.8 else _number(rng)
    kind = rng.random()
    a = formula(rng, depth - 1)
    if kind < 0.30:
        name = rng.choice(sorted(RULES))
        return f"{name}({a})" if rng.random() < 0.8 else f"{name} {a}"
    b = formula(rng, depth - 1)
    if kind < 0.70:
        op = rng.choice(("+", "-", "*", "/", "^", " ", "·", "−", "×"))
        return f"({a}){op}({b})" if rng.random() < 0.6 else f"{a}{op}{b}"
    if kind < 0.80:
        return f"{a}^{b}^{formula(rng, depth - 2)}"  # towers
    if kind < 0.88:
        return f"√({a})" if rng.random() < 0.5 else f"|{a}|"
    if kind < 0.94:
        return f"({a})²"
    return rng.choice(("sin", "exp", "log", "sqrt")) + "(" * 30 + a + ")" * 30


def _number(rng: random.Random) -> str:
    k = rng.choice((1, 5, 20, 400, 5000))
    return rng.choice(("9" * k, f"1e{rng.randint(-400, 400)}", f"10^{k}", f"2^-{k}",
                       f"0.{'0' * min(k, 50)}1"))


def latex(rng: random.Random, depth: int = 3) -> str:
    """One random LaTeX formula."""
    if depth <= 0 or rng.random() < 0.3:
        return rng.choice(("x", "y", "2", r"\pi", "e", r"\theta", "10^{400}"))
    a, b = latex(rng, depth - 1), latex(rng, depth - 1)
    return rng.choice((
        rf"\frac{{{a}}}{{{b}}}", rf"\sqrt{{{a}}}", rf"\sqrt[3]{{{a}}}", rf"\sin\left({a}\right)",
        rf"e^{{{a}}}", rf"{a}^{{{b}}}", rf"\ln\left|{a}\right|", rf"\left({a}\right)\cdot {b}",
        rf"\frac{{d}}{{dx}}\left({a}\right)", rf"\operatorname{{sigmoid}}({a})",
        rf"\tanh^{{-1}} {a}", rf"{a} + {b}", rf"\dfrac{{{a}}}{{{b}}}"))


def text_input(rng: random.Random) -> str:
    """A formula in any of the forms bibun reads, sometimes damaged."""
    r = rng.random()
    s = latex(rng) if r < 0.2 else formula(rng)
    if r > 0.9:  # damage: cut, insert a stray character, or prefix an operator
        i = rng.randrange(len(s) + 1)
        s = rng.choice((s[:i], s[:i] + rng.choice("()|^/\\{}=,'√") + s[i:], "d/dx " + s,
                        "f(x) = " + s))
    return s
