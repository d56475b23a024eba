"""Symbolic differentiation by forward accumulation over the expression DAG.

Each distinct node is differentiated once, children before parents (protosym's
``diff_forward`` idea), so the cost is linear in the DAG size and shared
subexpressions are never re-derived.  Function rules come from :mod:`bibun.functions`:
the chain rule is ``rule.deriv(u, y, F) · u'`` with ``F`` building expressions, so
sigmoid' comes out as ``sigmoid(x)(1 - sigmoid(x))`` and tanh' as ``1 - tanh(x)^2``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

from bibun.errors import BibunError, LimitError
from bibun.expr import core, taylor
from bibun.expr.build import add, add2, call, fn, mul, mul2, power, times
from bibun.expr.constants import constant_names, variable_among
from bibun.expr.core import ADD, CALL, CONST, FN, MUL, NUM, ONE, POW, SYM, ZERO, Expr, as_expr
from bibun.expr.node import MINUS_ONE, collector_paused, number
from bibun.expr.ops import EXPR_OPS, ExprOps  # noqa: F401  (re-exported)
from bibun.expr.parse import parse_derivative, variable_name
from bibun.expr.product import last_uses, lazy_products, product_terms, sum_rule
from bibun.expr.provided import provide
from bibun.expr.simplify import expand, factor, together
from bibun.expr.tidy import tidy as _tidy_form
from bibun.functions import RULES, rule
from bibun.i18n import error

MAX_ORDER = 50
#: Arguments the rules may write out in one call of :func:`diff` (all orders together),
#: a few seconds (~1-2 µs each); the third derivative of 150 nested sines needs 5·10^6.
WORK_LIMIT = 2_000_000



def _var(var: str | Expr, e: Expr | None = None) -> Expr:
    """The variable to differentiate by.  A name the formula contains is used as it is
    (symbol("theta") stays theta); any other text is spelled as the parser spells it
    ("alpha" is α, "x_1" is x1).  Anything but one variable is an error."""
    if isinstance(var, str):
        name = var if e is not None and var in e.free else variable_name(var)
    else:
        name = var.value if isinstance(var, Expr) and var.op == SYM else None
    if name is None:
        raise BibunError(f"can only differentiate with respect to a variable, not {var!r}")
    return core.symbol(name)


#: A change to the walk for one node: ``override(node, d)`` gets the node and ``d``, the
#: derivatives of the nodes below it (a node absent from ``d`` has derivative 0), and
#: returns the derivative to use instead, or None for the textbook rule.  Answer
#: checking injects a learner's typical mistakes this way (``explain.mistakes``), so
#: there is one derivative engine, not a second copy of the walk with slips in it.
Override = Callable[[Expr, Mapping[Expr, Expr]], Expr | None]


def node_derivative(node: Expr, d: Mapping[Expr, Expr]) -> Expr:
    """The derivative of one node from the derivatives ``d`` of its arguments (absent:
    0), by the textbook rule for its kind: sum, constant multiple, product, power,
    a^u, u^v, chain rule with the outer derivative from the rule table, f(u, v)'.
    An override may call it with a changed ``d`` (no_inner: every inner derivative 1).
    The builders are module globals here, not ``core.mul``: an attribute lookup per
    call was ~5% of a small derivative."""
    op = node.op
    get = d.get
    if op is MUL:
        args = node.args
        if len(args) == 2:
            a, b = args
            if a.op is NUM:  # constant multiple: (c·u)' = c·u'
                return times(a.value, get(b, ZERO))
            da, db = get(a, ZERO), get(b, ZERO)  # (ab)' = a'b + ab'
            if db is ZERO:
                return ZERO if da is ZERO else mul2(da, b)
            return mul2(a, db) if da is ZERO else add2(mul2(da, b), mul2(a, db))
        return add(*product_terms(args, get))  # each term mul(*args[:i], da, *args[i+1:])
    if op is FN:
        du = get(node.args[0], ZERO)
        if du is ZERO:
            return ZERO
        r = RULES.get(node.value) or rule(node.value)  # outer_derivative, one call fewer
        dy = r.deriv(node.args[0], node, EXPR_OPS)
        return dy if du is ONE else mul2(dy, du)
    if op is POW:
        b, k = node.args
        db, dk = get(b, ZERO), get(k, ZERO)
        if dk is ZERO:  # power rule: (u^k)' = k u^(k-1) u'
            if k.op is NUM:
                pw = power(b, number(k.value - 1))
                if db is ONE:
                    return times(k.value, pw)
                return times(k.value, mul2(pw, db)) if db.op is MUL else mul(k, pw, db)
            return mul(k, power(b, add(k, MINUS_ONE)), db)
        if db is ZERO:  # a^u: (a^u)' = a^u ln(a) u'
            return mul(node, fn("log", b), dk)
        # u^v = e^(v ln u)
        return mul(node, add(mul(dk, fn("log", b)), mul(k, db, power(b, MINUS_ONE))))
    if op is ADD:
        args = node.args
        if len(args) == 2:
            return add2(get(args[0], ZERO), get(args[1], ZERO))
        return add(*[get(a, ZERO) for a in args])
    if op is SYM:
        return ONE
    if op == CALL:
        fname, orders = node.value
        terms = []
        for i, a in enumerate(node.args):
            da = get(a, ZERO)
            if da is not ZERO:
                o = list(orders)
                o[i] += 1
                terms.append(mul(call(fname, node.args, tuple(o)), da))
        return add(*terms)
    if op in (NUM, CONST):  # pragma: no cover - constants have no free symbols
        return ZERO
    raise AssertionError(op)  # pragma: no cover


def outer_derivative(node: Expr) -> Expr:
    """f'(u) for a function node f(u), from the rule table (sigmoid' = y(1 - y) with y
    the node itself): the chain rule's outer factor, before the inner u'."""
    return rule(node.value).deriv(node.args[0], node, EXPR_OPS)


def diff_once(expr: Expr, x: Expr, override: Override | None = None,
              d: dict[Expr, Expr] | None = None, polynomial: list[bool] | None = None,
              work: list[int] | None = None, release: bool = False) -> Expr:
    """One derivative by forward accumulation: every node containing ``x`` once,
    children first, each by :func:`node_derivative` unless ``override`` replaces it.

    ``d`` memoizes node -> derivative and may be shared between the passes of an n-th
    derivative, where most nodes of f^(k) already appeared in f^(k-1) (never share it
    with an override: its derivatives are not the true ones).  ``polynomial[0]`` is
    cleared when a node that can put ``x`` in a denominator (a function, a negative or
    symbolic power) is differentiated.  ``work[0]`` counts the arguments the rules write
    out (a product of n factors with k of them depending on x costs n·k, plus the width
    of each inner derivative, which the product flattens into its terms -- except that
    past 8 factors a long product is inserted into (:func:`bibun.expr.build._insert`)
    and copied at C speed, 1/64 of a placement per factor, or 1/16 when the copies are
    kept for a later pass and so also hold memory); past :data:`WORK_LIMIT` the
    derivative is refused before it swamps memory and time.  With ``release`` (the last
    pass of :func:`diff`), a derivative is dropped from ``d`` once every node above it
    has used it, so the chain rule through a 10,000-deep nest keeps O(depth) products
    alive, not all 10,000 of its growing partial products.  Without a budget, flag or
    override, a product whose derivative only sums need hands them its terms unbuilt
    (:func:`bibun.expr.product.lazy_products`): most of them are collected there."""
    name = x.value
    if d is None:
        d = {}
    if name not in expr.free:
        return ZERO
    bulk = 64 if release else 16  # factors per placement when a long product is copied
    if expr.size <= _RECURSE_UNDER:  # small: children first by recursion, no node list
        if expr not in d:
            if work is None and override is None and polynomial is None:
                _plain(expr, name, d)
            else:
                _recurse(expr, name, d, override, polynomial, work, bulk)
        return d[expr]
    nodes = core.postorder(expr, within=name)
    if len(nodes) < _PAUSE_FROM:
        return _walk(expr, nodes, d, override, polynomial, work, release, bulk)
    with collector_paused():  # no cycles to find: a fifth of the time on big walks
        return _walk(expr, nodes, d, override, polynomial, work, release, bulk)


#: walks of this many nodes or more pause the cycle collector (toggling it costs ~2 µs)
_PAUSE_FROM = 1_000


def _walk(expr: Expr, nodes: list[Expr], d: dict[Expr, Expr], override: Override | None,
          polynomial: list[bool] | None, work: list[int] | None, release: bool,
          bulk: int) -> Expr:
    """:func:`diff_once` over the node list ``nodes`` (postorder, children first)."""
    lazy = lazy_products(nodes, expr, d) if override is None else {}
    last = last_uses(nodes, lazy) if release and len(nodes) > _RELEASE_FROM else None
    if work is None and override is None and polynomial is None and last is None:
        for node in nodes:  # the plain walk
            if node not in d and node not in lazy:
                d[node] = (sum_rule(node, d, lazy) if lazy and node.op is ADD
                           else node_derivative(node, d))
        return d[expr]
    for i, node in enumerate(nodes):
        if node not in d and node not in lazy:
            _derive(node, d, override, polynomial, work, bulk, lazy)
        if last is not None:
            for a in node.args:
                if last.get(a) == i:
                    d.pop(a, None)
                    if a in lazy:  # a product only sums needed: its arguments too
                        del lazy[a]
                        for b in a.args:
                            if last.get(b) == i:
                                d.pop(b, None)
    return d[expr]


#: expressions up to this written size are walked by recursion (their depth is at most
#: this): ~15% faster than building the node list for the small ones
_RECURSE_UNDER = 120


def _plain(node: Expr, name: str, d: dict[Expr, Expr]) -> None:
    """d[node] and below by the textbook rules, children first (recursive; small only)."""
    for a in node.args:
        if a not in d and name in a.free:
            if a.args:
                _plain(a, name, d)
            else:
                d[a] = ONE  # the variable itself
    d[node] = node_derivative(node, d)


def _recurse(node: Expr, name: str, d: dict[Expr, Expr], override: Override | None,
             polynomial: list[bool] | None, work: list[int] | None, bulk: int) -> None:
    """:func:`_plain` with the work budget, the polynomial flag and an override."""
    for a in node.args:
        if a not in d and name in a.free:
            if a.args:
                _recurse(a, name, d, override, polynomial, work, bulk)
            else:
                _derive(a, d, override, polynomial, work, bulk)
    _derive(node, d, override, polynomial, work, bulk)


def _derive(node: Expr, d: dict[Expr, Expr], override: Override | None,
            polynomial: list[bool] | None, work: list[int] | None, bulk: int,
            lazy: dict[Expr, Any] | None = None) -> None:
    """One node's derivative into ``d``: its work counted (see :func:`diff_once`), the
    polynomial flag cleared at a node that can put the variable in a denominator, the
    override asked first; a sum takes the ``lazy`` products' terms unbuilt."""
    if work is not None:
        spent = _spent(node, d, bulk, lazy)
        if spent + work[0] > WORK_LIMIT:
            raise error("error.diff_work", LimitError, limit=WORK_LIMIT)
        work[0] += spent
    op = node.op
    if polynomial and (op is FN or (op is POW and not _natural(node.args[1]))):
        polynomial[0] = False
    if override is None or (r := override(node, d)) is None:
        r = sum_rule(node, d, lazy) if lazy and op is ADD else node_derivative(node, d)
    d[node] = r


def _spent(node: Expr, d: dict[Expr, Expr], bulk: int, lazy: dict[Expr, Any] | None) -> int:
    """The work units of one node's derivative (see :func:`diff_once`).  A lazy product
    (not in ``d``) counts as the sum of its terms would, one per factor that holds the
    variable, and its own work with the first sum that takes it."""
    args, k, spent = node.args, 0, 0
    for a in args:
        v = d.get(a)
        if v is not None:
            w = len(v.args)
        elif lazy and a in lazy:
            w = sum(1 for b in a.args if b in d)
            if lazy[a] is None:
                spent += _spent(a, d, bulk, None)
        else:
            continue
        k += 1
        spent += w if w <= 8 else 8 + w // bulk
    return spent + len(args) * k


#: walks shorter than this keep every derivative (releasing costs more than it saves)
_RELEASE_FROM = 2_000


def diff(expr: Any, var: str | Expr | None = None, n: int = 1, *, tidy: bool = True,
         method: str = "auto", constants: Any = None) -> Expr:
    """The n-th derivative of ``expr`` with respect to ``var`` (default: the only free
    variable, else x), in textbook form.  Text may start with the operator itself:
    ``diff("d/dx (x^2 sin x)")``.

    ``tidy=False`` skips the search for the smallest textbook form
    (:func:`bibun.expr.tidy.tidy`, ~50x the cost of the derivative itself): for callers
    that only evaluate the result or differentiate it again (series, extrema tests).

    ``method``: "rules" applies the textbook rules n times; "taylor" is
    :func:`taylor_diff`; "auto" (the default) applies the rules, and from order
    :data:`TAYLOR_FROM` on switches to Taylor mode when the rules' work grows so fast
    that they would cost more than Taylor mode (a deep composition: the rules double
    the DAG with each order), or keeps the smaller of the two results when both are
    cheap -- the 10th derivative of six nested sines is 638 nodes, not 8,697.

    ``constants`` (``"a,b"`` or a list of names) declares names that do not vary, as a
    textbook's ``a x^2 + b`` means: the variable is the one name left, and
    differentiating by a declared constant is refused (:mod:`bibun.expr.constants`)."""
    if isinstance(expr, str):
        e, var = parse_derivative(expr, var)
    else:
        e = as_expr(expr)
    consts = constant_names(constants)
    if consts:
        wanted = None if var is None else str(var.value if isinstance(var, Expr) else var)
        x = _var(variable_among(e, wanted, consts), e)
    else:
        x = _var(var if var is not None else default_variable(e), e)
    _check_order(n)
    if method not in ("auto", "rules", "taylor"):
        raise error("error.diff_method", BibunError, method=method)
    f = e
    d = _taylor(f, x, n) if method == "taylor" else None
    polynomial = False
    if d is None:
        d, polynomial = _by_rules(f, x, n, taylor_cost(f, x, n) if method == "auto" else None)
    d = d if polynomial else _quotient_form(d)
    return _tidy(d, f) if tidy else d


#: the lowest order at which "auto" considers Taylor mode: below it the rules' DAG was
#: never the larger in the measured cases (python -m bench diff_speed, orders 1-10 on the
#: sine nest, the exp·sin chain, tanh, the sigmoid and textbook functions)
TAYLOR_FROM = 4
#: Taylor mode's cost in the rules' work units (arguments written) per n²·(nodes that
#: hold the variable): measured 10-40 on the nest, the chain, tanh and log(sin(x^3 - 2))
TAYLOR_UNIT = 25


def taylor_cost(e: Expr, x: Expr, n: int) -> int | None:
    """Estimated work of Taylor mode for the n-th derivative (in the rules' work units),
    or None where "auto" does not consider it: order below :data:`TAYLOR_FROM`, or an
    estimate over the work budget (Taylor mode has none of its own)."""
    if n < TAYLOR_FROM:
        return None
    cost = TAYLOR_UNIT * n * n * len(core.postorder(e, within=x.value))
    return cost if cost <= WORK_LIMIT else None


def _by_rules(e: Expr, x: Expr, n: int, taylor_work: int | None) -> tuple[Expr, bool]:
    """n passes of the rules; with ``taylor_work`` (Taylor mode's estimated cost), Taylor
    mode instead once the rules' growth predicts more work than that (the work of the
    last pass times the smaller of its last two growth ratios, over the passes left),
    or when the rules are refused; and the smaller DAG of the two when the rules' result
    is larger than Taylor mode's usually is (n(n+1)/2 per node).  Also says whether the
    result is a polynomial's derivative (no denominator to rewrite)."""
    memo: dict[Expr, Expr] = {}
    polynomial = [True]  # the derivative of a polynomial has no denominator to rewrite
    work = [0]
    steps: list[int] = []
    f = e
    for k in range(n):
        before = work[0]
        try:
            e = diff_once(e, x, None, memo, polynomial, work, release=k == n - 1)
        except LimitError:
            t = _taylor(f, x, n) if taylor_work is not None else None
            if t is None:
                raise
            return t, False
        steps.append(work[0] - before)
        if taylor_work is not None and not polynomial[0] and 3 <= len(steps) < n and \
                _outgrows(steps, n - len(steps), taylor_work):
            t = _taylor(f, x, n)
            if t is not None:
                return t, False
            taylor_work = None
    if taylor_work is not None and not polynomial[0]:
        size = core.dag_size(e)
        if size > n * (n + 1) // 2 * len(core.postorder(f, within=x.value)):
            t = _taylor(f, x, n)
            if t is not None and core.dag_size(t) < size:
                return t, False
    return e, polynomial[0]


def _outgrows(steps: list[int], left: int, taylor_work: int) -> bool:
    """Would the passes left cost more than twice Taylor mode, growing as they have (at
    least doubling with each pass)?"""
    a, b, c = steps[-3:]
    if c < 200:  # early passes are too small to tell growth from noise (exp(sin x))
        return False
    r = min(b / a if a else float(b), c / b if b else float(c))
    if r < 2:  # not the doubling of a deep composition: the rules' DAG stays smaller
        return False
    total, w = 0.0, float(c)
    for _ in range(left):
        w *= r
        total += w
        if total > 2 * taylor_work:
            return True
    return False


def _taylor(e: Expr, x: Expr, n: int) -> Expr | None:
    """n!·c_n by Taylor mode, or None where it has no rule (an abstract f(u, v))."""
    try:
        c = taylor.series(e, x.value, n)[n]
    except taylor.Unsupported:
        return None
    return core.times(math.factorial(n), c)


@functools.lru_cache(maxsize=4096)
def _tidy(d: Expr, f: Expr) -> Expr:
    """Tidy once per (derivative, function): nodes are hash-consed, so the same question
    asked again (a checker, a plot and the steps on one formula) costs a dict lookup."""
    return _tidy_form(d, f)


def taylor_diff(expr: Any, var: str | Expr | None = None, n: int = 1) -> Expr:
    """The n-th derivative by Taylor mode: ``n!·c_n`` where ``c_n`` is the coefficient
    of h^n in f(x + h), computed over the DAG by truncated series arithmetic
    (:mod:`bibun.expr.taylor`).  The same function as :func:`diff` (written in another
    canonical form, not tidied); for deep compositions at high order it is far smaller
    and faster -- the 10th derivative of six nested sines.  A formula Taylor mode has
    no rule for (an abstract f(u, v)) goes through :func:`diff`."""
    if isinstance(expr, str):
        e, var = parse_derivative(expr, var)
    else:
        e = as_expr(expr)
    x = _var(var if var is not None else default_variable(e), e)
    _check_order(n)
    d = _taylor(e, x, n)
    return diff(e, x, n, method="rules") if d is None else d


def _check_order(n: Any) -> None:
    """A derivative's order: a whole number from 0 to :data:`MAX_ORDER`."""
    if not isinstance(n, int) or n < 0:
        raise BibunError(f"the order of a derivative must be a whole number >= 0, got {n}")
    if n > MAX_ORDER:
        raise LimitError(f"derivative order {n} is above the limit of {MAX_ORDER}")


def _natural(k: Expr) -> bool:
    return k.op is NUM and type(k.value) is int and k.value > 0


def _quotient_form(d: Expr) -> Expr:
    """The quotient rule's shape for rational functions: (x/(x+1))' = 1/(x+1)^2 rather
    than 1/(x+1) - x/(x+1)^2.  Only a sum of rational terms with a denominator is
    touched, and only when one fraction with a simplified numerator is smaller."""
    if d.op != ADD or d.size > 2_000 or not _rational_with_denominator(d):
        return d
    t = together(d)
    num = [f for f in (t.args if t.op == MUL else (t,))
           if not (f.op == POW and f.args[1].op == NUM and f.args[1].value < 0)]
    den = [f for f in (t.args if t.op == MUL else (t,)) if f not in num]
    candidate = core.mul(factor(expand(core.mul(*num))), *den)
    return candidate if candidate.size <= d.size else d


def _rational_with_denominator(d: Expr) -> bool:
    """Is ``d`` a rational function with a negative integer power somewhere?  A plain
    walk that stops at the first function or fractional power (most derivatives)."""
    has_denominator = False
    seen: set[Expr] = set()
    stack = [d]
    while stack:
        node = stack.pop()
        op = node.op
        if op == POW:
            k = node.args[1]
            if k.op != NUM or not isinstance(k.value, int):
                return False
            has_denominator = has_denominator or k.value < 0
        elif op not in (ADD, MUL, NUM, SYM, CALL):
            return False
        for a in node.args:
            if not a.args:
                if a.op == CONST:
                    return False
            elif a not in seen:
                seen.add(a)
                stack.append(a)
    return has_denominator


def default_variable(e: Expr) -> str:
    """The only free variable, else x (a learner's f(x) almost always means x); when there
    are several and none is x (sin(ωt)), which one is meant is asked, not guessed."""
    free = sorted(e.free)
    if len(free) == 1:
        return free[0]
    if len(free) > 1 and "x" not in free:
        raise error("error.variable_which", f=e, names=", ".join(free))
    return "x"


def variables_of(e: Expr, variables: Any = None) -> list[str]:
    if variables is None:
        return sorted(e.free)
    if isinstance(variables, str):
        return [v for v in variables.replace(",", " ").split()]
    return [v.value if isinstance(v, Expr) else str(v) for v in variables]


def gradient(expr: Any, variables: Any = None) -> list[Expr]:
    """[∂f/∂x1, ∂f/∂x2, ...] over ``variables`` (default: free symbols, sorted)."""
    e = as_expr(expr)
    return [diff(e, v) for v in variables_of(e, variables)]


def jacobian(exprs: Any, variables: Any = None) -> list[list[Expr]]:
    """Rows are functions, columns variables."""
    es = [as_expr(x) for x in (exprs if isinstance(exprs, list | tuple) else [exprs])]
    if variables is None:
        names: set[str] = set()
        for x in es:
            names |= x.free
        variables = sorted(names)
    vs = variables_of(es[0], variables)
    return [[diff(x, v) for v in vs] for x in es]


def hessian(expr: Any, variables: Any = None) -> list[list[Expr]]:
    """Matrix of second partials; symmetric, each entry computed once."""
    e = as_expr(expr)
    vs = variables_of(e, variables)
    first = [diff(e, v) for v in vs]
    h: list[list[Expr]] = [[ZERO] * len(vs) for _ in vs]
    for i, gi in enumerate(first):
        for j in range(i, len(vs)):
            h[i][j] = h[j][i] = diff(gi, vs[j])
    return h


provide("diff", diff)
