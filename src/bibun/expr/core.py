"""Expressions: an immutable, hash-consed DAG in canonical form -- the one import.

Building the same expression twice returns the *same object* (``a is b``), so equality
is identity, shared subexpressions are stored once, and a derivative can be computed
once per distinct node.  Construction is canonical: sums and products are flattened,
numbers are folded with exact rationals, like terms and like powers are collected.
Sums are *not* distributed, so a derivative keeps the factored shape a teacher writes
(``6x^2(x^3+1)`` rather than ``6x^5 + 6x^2``).

The nodes and their table live in :mod:`bibun.expr.node`, the canonical builders in
:mod:`bibun.expr.build`; this module gathers both (``core.add``, ``core.Expr``) so
callers need not know the seam.  Every traversal is iterative (:func:`postorder`), so a
10,000-deep nest is fine.
"""

from __future__ import annotations

from bibun.expr import arith  # noqa: F401  (gives Expr its +, -, *, /, ** and subs)
from bibun.expr.build import (  # noqa: F401  (the builders, re-exported)
    BUILD,
    add,
    call,
    coeff_rest,
    fn,
    mul,
    neg,
    power,
    rebuild,
    scale,
    times,
)
from bibun.expr.node import (  # noqa: F401  (the nodes, re-exported)
    ADD,
    CALL,
    CONST,
    CONST_VALUES,
    FN,
    HALF,
    MAX_BITS,
    MINUS_ONE,
    MUL,
    NUM,
    ONE,
    PI,
    POW,
    SIZE_CAP,
    SYM,
    TWO,
    ZERO,
    E,
    Expr,
    Number,
    as_expr,
    dag_size,
    number,
    postorder,
    symbol,
    symbols,
)
