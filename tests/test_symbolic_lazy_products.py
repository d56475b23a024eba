"""Products whose derivative only sums need hand the sum their product-rule terms
unbuilt (:func:`bibun.expr.product.lazy_products`, :func:`bibun.expr.sums._add_general`
with pairs): the derivative must be the DAG the eager walk builds -- the same nodes, a
sum's terms perhaps in another canonical order (creation order: the collected terms are
made later) -- in the plain walk, the budgeted one and the releasing one; the budget must
count the same work; and the cycle collector, paused for the walk, must come back."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest

from bibun.expr import core
from bibun.expr.node import collector_paused

# In a fresh process per walk (new nodes get serials in creation order): each
# derivative's DAG as a digest of its structure with a sum's or product's arguments taken
# as a set, its node count, and the work the budget counted.
WORKER = r"""
import hashlib, json, sys
import bibun
from bibun import symbolic
from bibun.expr import core
if sys.argv[1] == "eager":
    symbolic.lazy_products = lambda nodes, root, d: {}
budgeted = sys.argv[2] == "budgeted"
def digest(e):
    h = {}
    for n in core.postorder(e):
        kids = [h[a] for a in n.args]
        if n.op in ("add", "mul"):
            kids.sort()
        h[n] = hashlib.blake2b(f"{n.op}|{n.value!r}|{','.join(kids)}".encode()).hexdigest()
    return [h[e], len(h)]
out = []
x = core.symbol("x")
for text, orders in json.loads(sys.stdin.read()):
    e, memo, work = bibun.parse(text), {}, [0]
    for k in range(orders):
        if budgeted:
            e = symbolic.diff_once(e, x, None, memo, [True], work, release=k == orders - 1)
        else:
            e = symbolic.diff_once(e, x, None, memo, release=k == orders - 1)
        out.append(digest(e) + [work[0]])
print(json.dumps(out))
"""

FORMULAS = [
    ["sin(sin(sin(sin(sin(sin(x))))))", 8],  # the last pass releases (over 2,000 nodes)
    ["x^2 sin(x) + x cos(x)^2 exp(x) + 3 x^3 sin(x)^2", 5],
    ["(x^2+1)^3 sin(x) x + x^3 cos(x) + sin(x^2 cos(x) exp(x))", 5],
    ["exp(x)*exp(2x)*x*sin(x) + 0.5 x^1.5 exp(-x) log(x)", 4],
    ["tanh(x) sigmoid(x) x^3 - x^x sin(x) exp(sin(x))", 4],
    ["(x+1)(x+2)(x+3)/((x+4)(x+5))", 4],
    ["sin(x y) x^2 y + cos(x)^3 sin(x)^2 x^3 + x^3 cos(x)^3 sin(x)^2", 5],
]


def _run(kind: str, walk: str) -> list:
    proc = subprocess.run([sys.executable, "-c", WORKER, kind, walk],
                          input=json.dumps(FORMULAS), capture_output=True, text=True,
                          check=True, env=os.environ.copy())
    return json.loads(proc.stdout)


@pytest.mark.parametrize("walk", ["plain", "budgeted"])
def test_lazy_products_give_the_eager_walks_dag(walk):
    lazy, eager = _run("lazy", walk), _run("eager", walk)
    assert len(lazy) == sum(n for _, n in FORMULAS)
    assert [r[:2] for r in lazy] == [r[:2] for r in eager]
    # the budget: within 2 % (a lazy product's terms are counted before like ones merge)
    assert all(abs(a[2] - b[2]) <= 0.02 * b[2] for a, b in zip(lazy, eager, strict=True))


def test_a_product_two_sums_share_is_derived_once_and_right():
    """A product that is a term of two sums (and whose factors other nodes use too):
    both sums get its terms, and releasing drops nothing still needed."""
    from bibun.symbolic import diff_once
    x = core.symbol("x")
    p = core.mul(core.fn("sin", x), core.fn("cos", x), core.power(x, core.number(3)))
    s1, s2 = core.add(p, core.fn("exp", x)), core.add(p, core.power(x, core.number(5)))
    e = core.mul(core.fn("log", s1), core.fn("sin", s2), core.fn("cos", x))
    for release in (False, True):
        got = diff_once(e, x, None, {}, release=release)
        ref = diff_once(e, x, None, {}, work=[0])  # the budgeted walk builds every product
        assert got is ref


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_comes_back_as_it_was(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(ZeroDivisionError), collector_paused():
            1 / 0  # noqa: B018
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
