"""Expression nodes: the hash-consing table, the :class:`Expr` node and the leaves.

Building the same expression twice returns the *same object* (``a is b``), so equality
is identity, shared subexpressions are stored once, and a derivative can be computed
once per distinct node.  The canonical builders (sums, products, powers, functions)
live in :mod:`bibun.expr.build`, the arithmetic operators in :mod:`bibun.expr.arith`;
:mod:`bibun.expr.core` is the one import for all three.

Every traversal here is iterative (:func:`postorder`), so a 10,000-deep nest is fine.
"""

from __future__ import annotations

import gc
import math
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from itertools import count
from typing import Any

from bibun.errors import BibunError, DomainError, LimitError
from bibun.expr.provided import provided
from bibun.functions.lazy import is_numpy, np

# node kinds
NUM, SYM, CONST, ADD, MUL, POW, FN, CALL = "num", "sym", "const", "add", "mul", "pow", "fn", "call"

#: numbers bigger than this many bits are refused (9^9^9^9 must fail fast, not hang)
MAX_BITS = 100_000
#: written-out size above which a tree is too large to print as text
SIZE_CAP = 10**9

Number = int | Fraction | float

#: the hash-consing table: key -> the unique node.  The table holds its nodes strongly
#: (a weak reference per node cost 0.1 µs to make and a Python callback at every
#: death); :func:`sweep` drops the nodes nothing else holds, and runs by itself when the
#: table has grown to twice what the last sweep kept.
_table: dict[tuple, Expr] = {}
#: the integer leaves, by value: a second table beside :data:`_table`, swept with it.  A
#: pass of the product rule asks for ~70,000 coefficients, most past the small ones kept
#: for good; the int itself as the key of this small table is ~4x quicker than a tuple
#: key probed in the big one.
_ints: dict[int, Expr] = {}
_serial = count()
_lock = threading.Lock()  # never re-entered: _create calls no builder
#: the table size at which the next automatic sweep runs (at least _SWEEP_MIN)
_SWEEP_MIN = 1 << 14
_sweep_at = [_SWEEP_MIN]


def sweep() -> int:
    """Drop from the table every node that nothing outside it refers to; return how
    many.  One pass, newest first: a parent was made after its children, so dropping
    it releases them before they are looked at.  Under the lock, so no node is created
    meanwhile; a lookup takes no lock, and a node it took between the count and the
    removal is seen by a second count and put back, so a key never gets two nodes."""
    with _lock:
        return _sweep_locked()


def _sweep_locked() -> int:
    dropped = _drop_unheld(_table) + _drop_unheld(_ints)  # parents first: see sweep()
    _sweep_at[0] = max(_SWEEP_MIN, 2 * len(_table))
    return dropped


def _drop_unheld(tab: dict) -> int:
    """Drop from ``tab`` (:data:`_table` or :data:`_ints`) the nodes only it holds."""
    keys = list(tab)
    dropped = 0
    rc = sys.getrefcount
    for i in range(len(keys) - 1, -1, -1):
        key = keys[i]
        keys[i] = None
        node = tab[key]
        if rc(node) <= _HELD:  # the table and ``node`` only
            del tab[key]
            if rc(node) >= _HELD:  # taken meanwhile: keep it (one node per key)
                tab[key] = node
                continue
            dropped += 1
            if node.op is POW:  # its line in the base's register of powers
                b, x = node.args
                if b._pows is not None:
                    b._pows.pop(x, None)
    key = node = b = x = None  # noqa: F841  (release the last ones before counting)
    return dropped


def _held_count() -> int:
    """What ``sys.getrefcount`` says, in :func:`_sweep_locked`'s own pattern, of an
    object that only a table and a local variable hold: 3 in CPython (its argument is
    one more reference), 2 when this module is compiled (``make compiled``: Cython
    passes the argument without one).  Measured rather than assumed, because a count
    one too low would drop nodes still in use and break ``a is b``."""
    tab = {0: object()}
    rc = sys.getrefcount
    node = tab[0]
    return rc(node)


_HELD = _held_count()


#: the operators' implementations, filled by bibun.expr.arith: name -> function
_ARITH: dict[str, Any] = {}


class Expr:
    """A node of the expression DAG.  Never construct directly: use the builders
    (:mod:`bibun.expr.build`, gathered in :mod:`bibun.expr.core`).

    ``op`` is the kind, ``args`` the children, ``value`` the payload (a number, a symbol
    name, a function name, or ``(name, orders)`` for an abstract function ``f``).
    """

    __slots__ = ("op", "args", "value", "serial", "free", "size", "_cr", "_pows",
                 "__weakref__")

    op: str
    args: tuple[Expr, ...]
    value: Any
    serial: int
    free: frozenset[str]
    size: int

    # -- arithmetic (+, -, *, /, **, unary -), pickling and subs ---------------------
    # The canonical builders live above this module, so each operator calls the
    # function bibun.expr.arith (imported by bibun.expr.core) put in _ARITH.  They are
    # methods of the class, not attached afterwards, because the compiled build makes
    # Expr an extension type (node.pxd), whose attributes cannot be set after creation.
    def __add__(self, other: Any) -> Expr:
        return _ARITH["add"](self, other)

    def __radd__(self, other: Any) -> Expr:
        return _ARITH["radd"](self, other)

    def __sub__(self, other: Any) -> Expr:
        return _ARITH["sub"](self, other)

    def __rsub__(self, other: Any) -> Expr:
        return _ARITH["rsub"](self, other)

    def __mul__(self, other: Any) -> Expr:
        return _ARITH["mul"](self, other)

    def __rmul__(self, other: Any) -> Expr:
        return _ARITH["rmul"](self, other)

    def __truediv__(self, other: Any) -> Expr:
        return _ARITH["truediv"](self, other)

    def __rtruediv__(self, other: Any) -> Expr:
        return _ARITH["rtruediv"](self, other)

    def __pow__(self, other: Any) -> Expr:
        return _ARITH["pow"](self, other)

    def __rpow__(self, other: Any) -> Expr:
        return _ARITH["rpow"](self, other)

    def __neg__(self) -> Expr:
        return _ARITH["neg"](self)

    def __pos__(self) -> Expr:
        return self

    def __reduce__(self) -> tuple:
        return _ARITH["reduce"](self)

    def subs(self, mapping: dict[Any, Any]) -> Expr:
        """Replace symbols (or any subexpressions) and rebuild canonically."""
        return _ARITH["subs"](self, mapping)

    # -- conveniences ------------------------------------------------------------------
    def __str__(self) -> str:
        return provided("text")(self)

    def __repr__(self) -> str:
        return f"Expr({str(self)!r})" if self.size < 2000 else f"<Expr of size {self.size}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return provided("mimebundle")(self)  # MathML, LaTeX, text: bibun.expr.display

    def to_sympy(self, real: bool = True) -> Any:
        """The same expression in SymPy, variables real (``bibun.from_sympy`` reads it back)."""
        return provided("to_sympy")(self, real)

    def latex(self) -> str:
        """LaTeX source of this expression."""
        return provided("latex")(self)

    def unicode(self) -> str:
        """Human-friendly text with x², ·, −."""
        return provided("unicode")(self)

    def python(self) -> str:
        """Python/NumPy source for this expression."""
        return provided("python")(self)

    def diff(self, var: str | Expr = "x", n: int = 1) -> Expr:
        """The n-th derivative with respect to ``var`` (textbook form)."""
        return provided("diff")(self, var, n)

    def evaluate(self, values: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        """Value at a point: exact where the inputs are exact, floats otherwise."""
        return provided("evaluate")(self, {**(values or {}), **kw})

    def __float__(self) -> float:
        """float(parse("pi/2")): a number without free variables, as a float."""
        if self.free:
            raise BibunError(f"{self} has free variables ({', '.join(sorted(self.free))}):"
                             " give them values with .evaluate(x=...)")
        return float(self.evaluate())

    @property
    def is_number(self) -> bool:
        return self.op == NUM

    @property
    def symbols(self) -> list[str]:
        """Free symbol names, sorted."""
        return sorted(self.free)


def _make(op: str, args: tuple[Expr, ...], value: Any = None) -> Expr:
    """Return the unique node for (op, args, value), creating it if needed."""
    key = (op, value, args) if op is not NUM else (op, type(value), value)
    tab = _table  # a local the compiled build types as dict (node.pxd): no bound method
    node = tab.get(key)
    if node is not None:
        return node
    with _lock:  # two threads must never create two nodes for one key
        node = tab.get(key)
        if node is not None:
            return node
        return _create(op, args, value, key)


class _LongKey(tuple):
    """A table key for a node with many arguments, its hash computed once: CPython does
    not cache a tuple's hash, and a key is hashed on lookup, insert and removal -- for a
    product of 10,000 factors that was most of the chain rule's time.  Equal to, and
    hashing like, the plain tuple key of the same node."""

    def __new__(cls, items: tuple) -> _LongKey:
        self = super().__new__(cls, items)
        self.h = tuple.__hash__(self)
        return self

    def __hash__(self) -> int:
        return self.h


def _make_known(op: str, args: tuple[Expr, ...], free: frozenset[str], size: int) -> Expr:
    """:func:`_make` for a caller that already knows the node's free symbols and size
    (a product grown by one factor): a new node then costs O(1) Python work, not a
    walk over its arguments."""
    key = (op, None, args) if len(args) < 64 else _LongKey((op, None, args))
    tab = _table
    node = tab.get(key)
    if node is not None:
        return node
    with _lock:
        node = tab.get(key)
        if node is not None:
            return node
        return _create(op, args, None, key, free, size)


def _create(op: str, args: tuple[Expr, ...], value: Any, key: tuple,
            free: frozenset[str] | None = None, size: int = 0) -> Expr:
    node = Expr.__new__(Expr)
    node.op, node.args, node.value = op, args, value
    node.serial = next(_serial)
    node._cr = node._pows = None
    n = len(args)
    if free is not None:
        node.free = free
    elif n == 2:
        a, b = args
        fa, fb = a.free, b.free
        node.free = fa if (fb is fa or not fb) else (fb if not fa else fa | fb)
        size = 1 + a.size + b.size
    elif n == 1:
        a = args[0]
        node.free, size = a.free, 1 + a.size
    elif n == 0:
        node.free, size = (frozenset((value,)) if op is SYM else _EMPTY), 1
    else:
        free = _EMPTY
        size = 1
        for a in args:
            fa = a.free
            if fa and fa is not free:
                free = fa if not free else free | fa
            size += a.size
        node.free = free
    node.size = size if size < SIZE_CAP else SIZE_CAP
    if op is POW:  # register the power on its base: products look up x^k by x
        b = args[0]
        if b._pows is None:
            b._pows = {args[1]: node.serial}
        else:
            b._pows[args[1]] = node.serial
    if key is None:  # an integer leaf (see _ints)
        _ints[value] = node
        return node
    _table[key] = node
    if len(_table) >= _sweep_at[0]:
        _sweep_locked()
    return node


# -- leaves --------------------------------------------------------------------------------


def _norm(v: Number) -> Number:
    t = type(v)
    if t is int or t is float:
        return v
    if isinstance(v, Fraction) and v.denominator == 1:
        return int(v.numerator)
    if isinstance(v, bool):
        return int(v)
    return v


_EMPTY: frozenset[str] = frozenset()


def number(v: Number) -> Expr:
    """A numeric leaf: int or Fraction (exact) or float (inexact)."""
    if type(v) is int:
        ints = _ints  # a local the compiled build types as dict (node.pxd)
        node = ints.get(v)
        if node is not None:
            return node
        return _int_leaf(v)
    v = _norm(v)
    if type(v) is int:
        return _int_leaf(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise DomainError(f"not a finite number: {v}")
        if v == 0:
            v = 0.0
    return _make(NUM, (), v)


def _int_leaf(v: int) -> Expr:
    """The leaf of the integer ``v`` (in :data:`_ints`, not the table)."""
    if v.bit_length() > MAX_BITS:
        raise LimitError(f"number too large ({v.bit_length()} bits; the limit is {MAX_BITS})")
    with _lock:
        node = _ints.get(v)
        if node is None:
            node = _create(NUM, (), v, None)
        return node


def symbol(name: str) -> Expr:
    """A free variable such as x, x1, w_ij or θ."""
    if name in ("e", "pi", "π"):
        return E if name == "e" else PI
    return _make(SYM, (), name)


def symbols(names: str) -> tuple[Expr, ...]:
    """``symbols("x y")`` -> (x, y)."""
    return tuple(symbol(n) for n in names.replace(",", " ").split())


#: the small integers, held for good (a sweep never drops what something else holds)
_SMALL = tuple(number(k) for k in range(-256, 257))
ZERO, ONE, MINUS_ONE, TWO = number(0), number(1), number(-1), number(2)
HALF = number(Fraction(1, 2))
E = _make(CONST, (), "e")
PI = _make(CONST, (), "pi")
CONST_VALUES = {"e": math.e, "pi": math.pi}


def as_expr(x: Any) -> Expr:
    """Coerce numbers and strings (parsed) to expressions."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, (int, Fraction, float)):
        return number(x)
    if isinstance(x, str):
        return provided("parse")(x)
    if is_numpy(x) and isinstance(x, np.integer):
        return number(int(x))
    if is_numpy(x) and isinstance(x, np.floating):
        return number(float(x))
    raise BibunError(f"cannot turn {type(x).__name__} into an expression (give a formula"
                     " as text, a number or an expression)")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a big build, then back as it was.  Expressions
    hold no cycles (a node's arguments are older than the node), yet the collector
    rescans every node, tuple and list a build makes and keeps: on the 10th derivative
    of six nested sines that was a fifth of the time.  Nothing is lost: what a build
    leaves is collected once the collector is back."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- traversal -----------------------------------------------------------------------------


def postorder(root: Expr, within: str | None = None) -> list[Expr]:
    """Distinct nodes of the DAG, children before parents, without recursion.

    With ``within``, only the nodes that contain that symbol: differentiation never
    walks a constant subtree (its derivative is 0).
    """
    if within is not None and within not in root.free:
        return []
    if not root.args:
        return [root]
    out: list[Expr] = []
    seen = {root}
    stack = [(root, iter(root.args))]
    while stack:
        node, it = stack[-1]
        for a in it:
            if a not in seen and (within is None or within in a.free):
                seen.add(a)
                if a.args:
                    stack.append((a, iter(a.args)))
                    break
                out.append(a)
        else:
            stack.pop()
            out.append(node)
    return out



def dag_size(root: Expr) -> int:
    """Number of distinct nodes (what the DAG stores)."""
    return len(postorder(root))
