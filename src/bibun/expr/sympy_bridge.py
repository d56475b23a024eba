"""SymPy ⇄ bibun: ``Expr.to_sympy()`` and :func:`from_sympy`, for the tool learners already have.

SymPy is optional (a test dependency): it is imported on first use, and a clear error in
the user's language says how to install it when it is missing.

Every function of the rule table goes across.  Where SymPy has the same function with the
same real values the rule names it (``Rule.sympy``: ``"asin"``, ``"Abs"``); where it has
none (sigmoid, relu) or uses another convention (SymPy's acot jumps at 0, its
Heaviside(0) is 1/2), the expression gets a SymPy function class *made from the rule*:
SymPy differentiates it with the rule's derivative (sigmoid' = y(1 − y)), evaluates it
numerically through the rule's definition (or its NumPy implementation), and
``.rewrite(sympy.exp)`` writes the definition out.  Converting back finds the rule again,
so a bibun expression survives the round trip.

Sums keep their factored shape (SymPy would distribute ``2(x + 1)`` into ``2x + 2``; the
conversion turns that off while it builds), so the textbook form a derivative came in is
the form SymPy receives.  Everything else is SymPy's ordinary, evaluated expression
(``sin(-x)`` becomes ``-sin(x)``), so it compares equal to what a SymPy user types.

Both directions walk the expression without recursion, as every traversal in bibun does.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from bibun.errors import BibunError
from bibun.expr import core
from bibun.expr.core import ADD, CONST, FN, MUL, NUM, POW, SYM, Expr
from bibun.expr.provided import provide
from bibun.functions import rule, rules
from bibun.functions.rule import Rule, on_change
from bibun.i18n import error

#: rule name -> the SymPy function class made for it (dropped when the rule changes)
_CLASSES: dict[str, Any] = {}
#: the attribute that marks a class made here, holding the rule's name
MARK = "_bibun_rule"
#: dummy_index of the variables in Subs(Derivative(f(u0), u0), u0, x + 1)
_DUMMY_BASE = 0xB1B0_0000


def _forget(r: Rule, added: bool) -> None:
    _CLASSES.pop(r.name, None)


on_change(_forget)


def sympy_module() -> Any:
    """SymPy itself, or a clear error saying how to get it (never an ImportError trace)."""
    try:
        import sympy
    except ImportError:
        raise error("error.sympy_missing", BibunError) from None
    return sympy


class SympyOps:
    """The rule table's ``F`` namespace over SymPy: ``F.cos(u)`` is ``sympy.cos(u)``, a
    function SymPy lacks is the class made from its rule, constants are exact."""

    def __init__(self, sp: Any):
        self.sp, self.pi, self.e = sp, sp.pi, sp.E

    def const(self, value: Any) -> Any:
        return _number(self.sp, value)

    def __getattr__(self, name: str) -> Any:
        return sympy_function(name)


def _number(sp: Any, v: Any) -> Any:
    if isinstance(v, int):  # bool too
        return sp.Integer(int(v))
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    return sp.Float(float(v))  # a double keeps its 53 bits: float() gives it back exactly


def sympy_function(name: str) -> Any:
    """The SymPy function for a table function: SymPy's own where the rule names one,
    else a class made from the rule (cached)."""
    sp = sympy_module()
    r = rule(name)
    if r.sympy:
        return getattr(sp, r.sympy)
    cls = _CLASSES.get(r.name)
    if cls is None:
        cls = _CLASSES[r.name] = _make_class(sp, r)
    return cls


def _make_class(sp: Any, r: Rule) -> Any:
    """A SymPy ``Function`` that carries one rule of the table (see the module docstring)."""
    ops = SympyOps(sp)
    formula = r.definition or r.through

    def fdiff(self: Any, argindex: int = 1) -> Any:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return r.deriv(self.args[0], self, ops)

    def _eval_evalf(self: Any, prec: int) -> Any:
        dps = max(15, sp.core.evalf.prec_to_dps(prec))
        x = self.args[0].evalf(dps)
        if not x.is_number:
            return None
        if formula is not None:
            return formula(x, ops).evalf(dps)
        if x.is_real:
            value = float(r.numpy(float(x)))
            return sp.Float(value) if math.isfinite(value) else None
        return None

    def _eval_rewrite_as_exp(self: Any, arg: Any, **hints: Any) -> Any:
        return r.definition(arg, ops) if r.definition is not None else None

    return type(r.name, (sp.Function,), {
        "nargs": 1, "fdiff": fdiff, "_eval_evalf": _eval_evalf,
        "_eval_rewrite_as_exp": _eval_rewrite_as_exp, MARK: r.name, "__module__": __name__,
        "_imp_": staticmethod(lambda u: r.numpy(u)),  # what sympy.lambdify calls
        "__doc__": f"bibun's {r.name}, carried into SymPy with its rule (derivative, value)."})


# -- bibun -> SymPy -------------------------------------------------------------------------


def to_sympy(e: Any, real: bool = True) -> Any:
    """``e`` as a SymPy expression (see the module docstring).

    The variables are real SymPy symbols by default, because bibun's are: its canonical
    forms use real facts (ln(e^x) = x), and SymPy then differentiates |x| to sign(x)
    instead of writing re and im.  ``real=False`` gives plain symbols, which compare equal
    to ``sympy.Symbol("x")``."""
    sp = sympy_module()
    e = core.as_expr(e)
    memo: dict[Expr, Any] = {}
    with sp.core.parameters.distribute(False):
        for n in core.postorder(e):
            a = [memo[c] for c in n.args]
            op = n.op
            if op == NUM:
                out = _number(sp, n.value)
            elif op == SYM:
                out = sp.Symbol(n.value, real=True) if real else sp.Symbol(n.value)
            elif op == CONST:
                out = sp.E if n.value == "e" else sp.pi
            elif op == ADD:
                out = sp.Add(*a)
            elif op == MUL:
                out = sp.Mul(*a)
            elif op == POW:
                out = sp.Pow(*a)
            elif op == FN:
                out = sympy_function(n.value)(a[0])
            else:  # CALL: f(u) or a derivative of it
                out = _call(sp, n, a)
            memo[n] = out
    return memo[e]


def _call(sp: Any, n: Expr, args: list[Any]) -> Any:
    name, orders = n.value
    f = sp.Function(name)
    if not any(orders):
        return f(*args)
    if len(set(args)) == len(args) and all(a.is_Symbol for a in args):
        return sp.Derivative(f(*args), *[(a, k) for a, k in zip(args, orders) if k])
    # fixed dummies (name and index), so converting twice gives equal SymPy expressions
    ds = [sp.Dummy(f"u{i}", dummy_index=_DUMMY_BASE + i) for i in range(len(args))]
    inner = sp.Derivative(f(*ds), *[(d, k) for d, k in zip(ds, orders) if k])
    return sp.Subs(inner, tuple(ds), tuple(args))


# -- SymPy -> bibun -------------------------------------------------------------------------


def from_sympy(obj: Any) -> Expr:
    """A SymPy expression as a bibun expression (canonical, so ``from_sympy(e.to_sympy())``
    is ``e`` wherever SymPy kept the shape).  SymPy objects bibun has no counterpart for
    (an integral, a piecewise function, infinity) are refused by name."""
    sp = sympy_module()
    if isinstance(obj, Expr):
        return obj
    if not isinstance(obj, sp.Basic):
        raise error("error.sympy_unsupported", BibunError, what=type(obj).__name__,
                    expr=repr(obj)[:80])
    named = {r.sympy: r.name for r in rules() if r.sympy}
    memo: dict[Any, Expr] = {}
    stack: list[tuple[Any, bool]] = [(obj, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        kids = _children(sp, node)
        if not ready and any(k not in memo for k in kids):
            stack.append((node, True))
            stack.extend((k, False) for k in kids if k not in memo)
            continue
        memo[node] = _build(sp, node, [memo[k] for k in kids], named)
    return memo[obj]


def _children(sp: Any, node: Any) -> tuple[Any, ...]:
    if isinstance(node, sp.Subs):
        return tuple(node.point)
    if isinstance(node, (sp.Add, sp.Mul, sp.Pow, sp.Function)):
        return tuple(node.args)
    return ()


def _build(sp: Any, node: Any, a: list[Expr], named: dict[str, str]) -> Expr:
    if node.is_Integer:
        return core.number(int(node))
    if node.is_Rational:
        return core.number(Fraction(int(node.p), int(node.q)))
    if node.is_Float:
        return core.number(float(node))
    if node is sp.pi:
        return core.PI
    if node is sp.E:
        return core.E
    if node.is_Symbol:
        return core.symbol(node.name)
    if node.is_Add:
        return core.add(*a)
    if node.is_Mul:
        return core.mul(*a)
    if node.is_Pow:
        return core.power(*a)
    if isinstance(node, sp.core.function.AppliedUndef):
        return core.call(str(node.func), tuple(a))
    if isinstance(node, sp.Function) and len(a) == 1:
        name = getattr(node.func, MARK, None) or named.get(node.func.__name__)
        if name is not None and sympy_function(name) is node.func:
            return core.fn(name, a[0])
    if isinstance(node, sp.Derivative):
        return _derivative(sp, node, None)
    if isinstance(node, sp.Subs) and isinstance(node.expr, sp.Derivative):
        return _derivative(sp, node.expr, (tuple(node.variables), a))
    raise error("error.sympy_unsupported", BibunError, what=type(node).__name__,
                expr=str(node)[:80])


def _derivative(sp: Any, d: Any, at: tuple[tuple[Any, ...], list[Expr]] | None) -> Expr:
    """f'(u) from ``Derivative(f(x, y), x)`` or ``Subs(Derivative(f(u), u), u, x + 1)``."""
    f = d.expr
    params = tuple(f.args) if isinstance(f, sp.core.function.AppliedUndef) else ()
    plain = params and all(p.is_Symbol for p in params) and len(set(params)) == len(params)
    orders = dict.fromkeys(params, 0)
    for v, k in d.variable_count if plain else ():
        if v in orders:
            orders[v] += int(k)
        else:
            plain = False
    if not plain:
        raise error("error.sympy_unsupported", BibunError, what="Derivative",
                    expr=str(d)[:80])
    if at is None:
        args = tuple(core.symbol(p.name) for p in params)
    else:
        where = dict(zip(at[0], at[1]))
        args = tuple(where.get(p, core.symbol(p.name)) for p in params)
    return core.call(str(f.func), args, tuple(orders[p] for p in params))


provide("to_sympy", to_sympy)

__all__ = ["SympyOps", "from_sympy", "sympy_function", "sympy_module", "to_sympy"]
