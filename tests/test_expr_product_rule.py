"""The product rule's terms built with the product's factors collected once
(:mod:`bibun.expr.product`) are the very nodes the general product builds, created in
the same order -- so the derivative's DAG is the same node for node."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibun.expr import core, product
from bibun.expr.core import ZERO

x, y = core.symbol("x"), core.symbol("y")
_u = core.add(x, core.number(1))
FACTORS = [
    x, y, _u, core.fn("sin", x), core.fn("cos", x), core.fn("exp", x), core.fn("exp", y),
    core.power(x, core.number(2)), core.power(x, core.number(-1)),
    core.power(x, core.HALF), core.power(core.fn("cos", x), core.number(3)),
    core.power(core.number(2), core.HALF), core.power(core.number(3), x),
    core.power(_u, y), core.power(core.fn("sin", x), core.number(0.5)),
]
COEFFS = [1, 2, -1, 0.5, core.HALF.value, 10**400]
factor = st.sampled_from(FACTORS)


@st.composite
def products(draw):
    """A canonical product (mul of a few factors and a coefficient) and a derivative
    for each of its arguments (a product, a factor, a sum, a number or 0)."""
    p = core.mul(core.number(draw(st.sampled_from(COEFFS))),
                 *draw(st.lists(factor, min_size=2, max_size=6)))
    if p.op != "mul":
        p = core.mul(core.fn("tan", x), core.fn("atan", x), core.fn("sinh", x))
    deriv = st.one_of(
        st.lists(factor, min_size=1, max_size=4).map(lambda fs: core.mul(*fs)),
        st.tuples(st.sampled_from(COEFFS[:5]), factor).map(
            lambda t: core.mul(core.number(t[0]), t[1])),
        st.tuples(factor, factor).map(lambda t: core.add(*t)),
        st.sampled_from([ZERO, core.number(3), core.fn("exp", core.neg(x))]),
    )
    return p, {a: draw(deriv) for a in p.args}


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(products())
def test_each_term_is_the_general_products_node(case):
    p, d = case
    try:
        fast = product.product_terms(p.args, d.get)
    except Exception as exc:  # noqa: BLE001  (then the general product must refuse alike)
        fast = type(exc)
    try:
        slow = product._general_terms(p.args, d.get)
    except Exception as exc:  # noqa: BLE001
        slow = type(exc)
    if isinstance(fast, type) or isinstance(slow, type):
        assert fast == slow
    else:
        assert len(fast) == len(slow) and all(a is b for a, b in zip(fast, slow, strict=True))


# In a fresh process (new nodes get serials in creation order, and serials order a
# product's factors): the derivatives' DAGs, node by node, with the product rule's terms
# built as bibun.symbolic builds them, or each by the general product.
WORKER = r"""
import json, sys
import bibun
from bibun import symbolic
from bibun.expr import core, product
if sys.argv[1] == "general":
    symbolic.product_terms = product._general_terms
def dump(e):
    order = core.postorder(e)
    at = {n: i for i, n in enumerate(order)}
    return [[n.op, repr(n.value), [at[a] for a in n.args]] for n in order]
out = []
x = core.symbol("x")
for text in json.loads(sys.stdin.read()):
    e, memo = bibun.parse(text), {}
    for _ in range(4):
        e = symbolic.diff_once(e, x, None, memo)
        out.append(dump(e))
print(json.dumps(out))
"""

FORMULAS = ["sin(sin(sin(sin(x))))", "exp(x)*exp(2x)*x*sin(x)", "x^2 sqrt(x) x^(1/3) exp(x)",
            "sqrt(2) x sin(x) cos(x)^2", "x^x sin(x) exp(sin(x))", "tanh(x) sigmoid(x) x^3",
            "(x+1)(x+2)(x+3)/((x+4)(x+5))", "0.5 x^1.5 exp(-x) log(x)",
            # a factor's derivative sharing bases with factors before and after it: the
            # combined powers are new nodes, created in the general product's order
            "x^3 sin(x^2)^2 cos(x^2)^3", "cos(x^2)^3 sin(x^2)^2 x^3", "x^3 cos(x^2)^3 sin(x^2)^2",
            "sin(x^2)^2 x^3 cos(x^2)^3", "x^4 sin(x^3)^3 cos(x^3)^2 exp(x)"]


def test_derivatives_have_the_same_dag_as_with_the_general_product():
    def run(kind: str) -> list:
        proc = subprocess.run([sys.executable, "-c", WORKER, kind], input=json.dumps(FORMULAS),
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "BIBUN_PURE": "1"})
        return json.loads(proc.stdout)

    assert run("fast") == run("general")
