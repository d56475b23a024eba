"""Expressions: an immutable, hash-consed DAG in canonical form.

Building the same expression twice returns the *same object* (``a is b``), so equality
is identity, shared subexpressions are stored once, and a derivative can be computed
once per distinct node.  Construction is canonical: sums and products are flattened,
numbers are folded with exact rationals, like terms and like powers are collected.
Sums are *not* distributed, so a derivative keeps the factored shape a teacher writes
(``6x^2(x^3+1)`` rather than ``6x^5 + 6x^2``).

Every traversal here is iterative (:func:`postorder`), so a 10,000-deep nest is fine.
"""

from __future__ import annotations

import math
import threading
import weakref
from fractions import Fraction
from itertools import count
from typing import Any

from bibun import i18n
from bibun.errors import BibunError, DomainError, LimitError
from bibun.expr.numbers import digit_count, int_root, short_decimal, to_float, too_large_for_float
from bibun.expr.provided import provided
from bibun.functions import rule
from bibun.functions.lazy import is_numpy, np

# node kinds
NUM, SYM, CONST, ADD, MUL, POW, FN, CALL = "num", "sym", "const", "add", "mul", "pow", "fn", "call"

#: numbers bigger than this many bits are refused (9^9^9^9 must fail fast, not hang)
MAX_BITS = 100_000
#: written-out size above which a tree is too large to print as text
SIZE_CAP = 10**9

Number = int | Fraction | float

#: the hash-consing table: key -> weak reference to the unique node
_table: dict[tuple, weakref.KeyedRef] = {}
_serial = count()
_lock = threading.Lock()


def _forget(ref: weakref.KeyedRef, _table: dict = _table) -> None:
    """Called when a node dies: drop its entry unless a new node took the key."""
    if _table.get(ref.key) is ref:
        del _table[ref.key]


class Expr:
    """A node of the expression DAG.  Never construct directly: use the builders below.

    ``op`` is the kind, ``args`` the children, ``value`` the payload (a number, a symbol
    name, a function name, or ``(name, orders)`` for an abstract function ``f``).
    """

    __slots__ = ("op", "args", "value", "serial", "free", "size", "_cr", "__weakref__")

    op: str
    args: tuple[Expr, ...]
    value: Any
    serial: int
    free: frozenset[str]
    size: int

    # -- arithmetic builds canonical nodes ---------------------------------------------
    def __add__(self, other: Any) -> Expr:
        return add(self, as_expr(other))

    def __radd__(self, other: Any) -> Expr:
        return add(as_expr(other), self)

    def __sub__(self, other: Any) -> Expr:
        return add(self, neg(as_expr(other)))

    def __rsub__(self, other: Any) -> Expr:
        return add(as_expr(other), neg(self))

    def __mul__(self, other: Any) -> Expr:
        return mul(self, as_expr(other))

    def __rmul__(self, other: Any) -> Expr:
        return mul(as_expr(other), self)

    def __truediv__(self, other: Any) -> Expr:
        return mul(self, power(as_expr(other), MINUS_ONE))

    def __rtruediv__(self, other: Any) -> Expr:
        return mul(as_expr(other), power(self, MINUS_ONE))

    def __pow__(self, other: Any) -> Expr:
        return power(self, as_expr(other))

    def __rpow__(self, other: Any) -> Expr:
        return power(as_expr(other), self)

    def __neg__(self) -> Expr:
        return neg(self)

    def __pos__(self) -> Expr:
        return self

    def __reduce__(self):  # pickling rebuilds through the canonical builders
        return (_rebuild, (self.op, self.value, self.args))

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

    def subs(self, mapping: dict[Any, Any]) -> Expr:
        """Replace symbols (or any subexpressions) and rebuild canonically."""
        m = {(symbol(k) if isinstance(k, str) else k): as_expr(v) for k, v in mapping.items()}
        return rebuild(self, lambda node, args: m.get(node))

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
    ref = _table.get(key)
    if ref is not None:
        node = ref()
        if node is not None:
            return node
    with _lock:  # two threads must never create two nodes for one key
        ref = _table.get(key)
        if ref is not None:
            node = ref()
            if node is not None:
                return node
        return _create(op, args, value, key)


def _create(op: str, args: tuple[Expr, ...], value: Any, key: tuple) -> Expr:
    node = object.__new__(Expr)
    node.op, node.args, node.value = op, args, value
    node.serial = next(_serial)
    node._cr = None
    n = len(args)
    if n == 2:
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
    _table[key] = weakref.KeyedRef(node, _forget, key)
    return node


def _rebuild(op: str, value: Any, args: tuple[Expr, ...]) -> Expr:
    return BUILD[op](value, args)


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


_SMALL: dict[int, Expr] = {}
_EMPTY: frozenset[str] = frozenset()


def number(v: Number) -> Expr:
    """A numeric leaf: int or Fraction (exact) or float (inexact)."""
    if type(v) is int:
        node = _SMALL.get(v)
        if node is not None:
            return node
    v = _norm(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise DomainError(f"not a finite number: {v}")
        if v == 0:
            v = 0.0
    elif isinstance(v, int) and v.bit_length() > MAX_BITS:
        raise LimitError(f"number too large ({v.bit_length()} bits; the limit is {MAX_BITS})")
    return _make(NUM, (), v)


def symbol(name: str) -> Expr:
    """A free variable such as x, x1, w_ij or θ."""
    if name in ("e", "pi", "π"):
        return E if name == "e" else PI
    return _make(SYM, (), name)


def symbols(names: str) -> tuple[Expr, ...]:
    """``symbols("x y")`` -> (x, y)."""
    return tuple(symbol(n) for n in names.replace(",", " ").split())


_SMALL.update({k: number(k) for k in range(-256, 257)})
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


# -- canonical builders --------------------------------------------------------------------


def coeff_rest(e: Expr) -> tuple[Number, Expr]:
    """Split ``3x^2`` into (3, x^2); cached on the node because sums ask often."""
    if e.op == NUM:
        return e.value, ONE
    if e.op != MUL or e.args[0].op != NUM:
        return 1, e
    cr = e._cr
    if cr is None:
        rest = e.args[1] if len(e.args) == 2 else _make(MUL, e.args[1:])
        cr = e._cr = (e.args[0].value, rest)
    return cr


def _serial_of(e: Expr) -> int:
    return e.serial


def add(*args: Expr) -> Expr:
    """Canonical sum: flattened, numbers folded, like terms collected."""
    total: Number = 0
    # rest -> [coefficient, the original term, how many terms share the rest]
    terms: dict[Expr, list] = {}
    try:
        for a in args:
            for t in (a.args if a.op is ADD else (a,)):
                if t.op is NUM:
                    total += t.value
                    continue
                c, rest = coeff_rest(t)
                slot = terms.get(rest)
                if slot is None:
                    terms[rest] = [c, t, 1]
                else:
                    slot[0] += c
                    slot[2] += 1
    except OverflowError:
        raise too_large_for_float() from None
    out = [t if n == 1 else scale(c, rest)
           for rest, (c, t, n) in terms.items() if n == 1 or c != 0]
    if total != 0 or (isinstance(total, float) and not out):
        out.append(number(total))
    if not out:
        return ZERO
    if len(out) == 1:
        return out[0]
    out.sort(key=_serial_of)
    return _make(ADD, tuple(out))


def scale(c: Number, e: Expr) -> Expr:
    """c·e for a number c and a coefficient-free e (fast path used by sums)."""
    c = _norm(c)
    if c == 1 and not isinstance(c, float):
        return e
    if e is ONE:
        return number(c)
    if c == 0:
        return number(c)
    if e.op == MUL:
        return _make(MUL, (number(c),) + e.args)
    return _make(MUL, (number(c), e))


def times(c: Number, e: Expr) -> Expr:
    """c·e for a number c and any e: what ``mul(number(c), e)`` gives, without the
    general product's work (the constant-multiple rule's fast path)."""
    try:
        if e.op == NUM:
            return number(c * e.value)
        k, rest = coeff_rest(e)
        return scale(c * k, rest)
    except OverflowError:
        raise too_large_for_float() from None


def neg(e: Expr) -> Expr:
    """-e, keeping sums intact (−(x+1) stays a product with −1)."""
    return times(-1, e)


def mul(*args: Expr) -> Expr:
    """Canonical product: flattened, numbers folded, like bases' exponents added,
    exp(a)·exp(b) = exp(a+b).  Sums are never distributed."""
    coeff: Number = 1
    factors: list[Expr] = []
    try:
        for a in args:
            op = a.op
            if op is MUL:
                for f in a.args:
                    if f.op is NUM:
                        coeff *= f.value
                    else:
                        factors.append(f)
            elif op is NUM:
                coeff *= a.value
            else:
                factors.append(a)
    except OverflowError:
        raise too_large_for_float() from None
    if coeff == 0:
        return number(coeff)
    # fast path: no base repeats and at most one exp(...) -> nothing to combine
    seen: set[Expr] = set()
    exps = 0
    for f in factors:
        if f.op is FN and f.value == "exp":
            exps += 1
            if exps > 1:
                return _mul_collect(coeff, factors)
            continue
        b = f.args[0] if f.op is POW else f
        if b in seen:
            return _mul_collect(coeff, factors)
        seen.add(b)
    return _mul_make(coeff, factors)


def _mul_make(coeff: Number, factors: list[Expr]) -> Expr:
    coeff = _norm(coeff)
    exact_one = coeff == 1 and not isinstance(coeff, float)
    if not factors:
        return number(coeff)
    if len(factors) == 1 and exact_one:
        return factors[0]
    factors.sort(key=_serial_of)
    if exact_one:
        return _make(MUL, tuple(factors))
    return _make(MUL, (number(coeff), *factors))


def _mul_collect(coeff: Number, flat: list[Expr]) -> Expr:
    """The slow path of :func:`mul`: add exponents of equal bases, merge exponentials."""
    bases: dict[Expr, list] = {}  # base -> [first exponent, all exponents or None, factor]
    exps: list[Expr] = []
    for a in flat:
        if a.op is FN and a.value == "exp":
            exps.append(a.args[0])
            continue
        b, x = (a.args[0], a.args[1]) if a.op is POW else (a, ONE)
        slot = bases.get(b)
        if slot is None:
            bases[b] = [x, None, a]
        elif slot[1] is None:
            slot[1] = [slot[0], x]
        else:
            slot[1].append(x)
    factors: list[Expr] = []
    redo = False
    for b, (_, xs, f) in bases.items():
        if xs is not None:
            f = power(b, add(*xs))  # add folds numeric exponents under the number policy
        if f.op is NUM:
            try:
                coeff *= f.value
            except OverflowError:
                raise too_large_for_float() from None
        elif f is not ONE:
            if f.op is MUL or (f.op is FN and f.value == "exp"):
                redo = True
            factors.append(f)
    if exps:
        f = fn("exp", exps[0] if len(exps) == 1 else add(*exps))
        if f.op is NUM:
            coeff *= f.value
        elif f is not ONE:
            factors.append(f)
    if redo:
        return mul(number(coeff), *factors)
    if coeff == 0:
        return number(coeff)
    return _mul_make(coeff, factors)


def _pow_raw(b: Expr, x: Expr) -> Expr:
    """Rebuild a power that was already canonical (its factor came from a product)."""
    return _make(POW, (b, x))


def _num_pow(b: Number, x: Number) -> Expr | None:
    """b^x for numbers, exact where possible; None to keep the power symbolic."""
    if isinstance(b, float) or isinstance(x, float):
        try:
            fb, fx = float(b), float(x)
        except OverflowError:
            raise too_large_for_float() from None
        if fb == 0 and fx < 0:
            raise DomainError("division by zero: 0 raised to a negative power")
        if fb < 0 and not fx.is_integer():
            raise DomainError(f"({b})^({x}) is not a real number")
        try:
            return number(fb**fx)
        except OverflowError:
            raise LimitError(f"number too large: ({b})^({x}) overflows") from None
    if b == 0:
        if x < 0:
            raise DomainError("division by zero: 0 raised to a negative power")
        return ZERO if x > 0 else ONE
    if b == 1:
        return ONE
    if isinstance(x, int):
        if b == -1:
            return ONE if x % 2 == 0 else MINUS_ONE
        fb0 = Fraction(b)
        bits = max(abs(fb0.numerator).bit_length(), fb0.denominator.bit_length())
        if bits * abs(x) > MAX_BITS:
            raise i18n.error("error.number.power_too_large", LimitError,
                             digits=digit_count(bits * abs(x)), limit=MAX_BITS * 30103 // 100000)
        return number(Fraction(b) ** x)
    # rational exponent p/q: exact only for perfect powers of a positive base
    fb = Fraction(b)
    if fb < 0:
        return None
    p, q = x.numerator, x.denominator
    if q > 64:
        return None
    rn, rd = int_root(fb.numerator, q), int_root(fb.denominator, q)
    if rn is None or rd is None:
        if abs(p) >= q:  # 2^(3/2) = 2·2^(1/2): pull out the integer part of the exponent
            whole = p // q
            frac_part = number(Fraction(p - whole * q, q))
            return mul(_num_pow(fb, whole), _make(POW, (number(b), frac_part)))
        return None
    return _num_pow(Fraction(rn, rd), p)


def power(b: Expr, x: Expr) -> Expr:
    """Canonical power: numbers folded exactly, x^0 = 1, x^1 = x, e^u = exp(u),
    (x^a)^n = x^(an) and (xy)^n = x^n y^n for integer n, (e^u)^v = e^(uv); 0.5^x = (1/2)^x."""
    if b.op == NUM and isinstance(b.value, float) and x.op != NUM:  # numbers.short_decimal
        b = number(short_decimal(b.value) or b.value)
    if x.op == NUM:
        xv = x.value
        if xv == 0:
            return ONE if not isinstance(xv, float) else number(1.0)
        if xv == 1 and not isinstance(xv, float):
            return b
        if b.op == NUM:
            r = _num_pow(b.value, xv)
            if r is not None:
                return r
            return _make(POW, (b, x))
        integer = isinstance(xv, int)
        if b.op == POW and (integer or _odd_root_safe(b.args[1], xv)):
            return power(b.args[0], mul(b.args[1], x))
        if b.op == MUL and integer:
            return mul(*(power(f, x) for f in b.args))
    if b is ONE:
        return ONE
    if b is E:
        return fn("exp", x)
    if b.op == FN and b.value == "exp":
        return fn("exp", mul(b.args[0], x))
    if b.op == NUM and b.value == 0:
        return ZERO
    return _make(POW, (b, x))


def _odd_root_safe(inner: Expr, outer: Number) -> bool:
    """(x^(1/2))^2 = x: an even root raised to undo it is the identity wherever the
    left side is defined (x >= 0), so the rewrite is safe."""
    return (inner.op == NUM and isinstance(inner.value, Fraction)
            and isinstance(outer, int | Fraction)
            and (inner.value * outer).denominator == 1 and inner.value.denominator % 2 == 0)


def fn(name: str, arg: Expr) -> Expr:
    """Apply an elementary function from the rule table, with the obvious exact values."""
    r = rule(name)
    name = r.name
    if name == "sqrt":
        return power(arg, HALF)
    if arg.op == NUM:
        v = arg.value
        if not isinstance(v, float) and v in r.exact:
            return number(r.exact[v])
        if r.domain is not None and not r.domain(to_float(v)):
            raise DomainError(f"{name}({v}) is undefined: {name} needs {r.domain_text}")
        if isinstance(v, float):
            with np.errstate(all="ignore"):
                out = float(r.numpy(v))
            if not math.isfinite(out):
                raise LimitError(f"{name}({v}) is too large for a float")
            return number(out)
    if name == "log":
        if arg is E:
            return ONE
        if arg.op == FN and arg.value == "exp":
            return arg.args[0]
    if name == "exp" and arg is ONE:
        return E
    if name == "exp" and arg.op == FN and arg.value == "log":
        return arg.args[0]
    if name == "abs" and arg.op == FN and arg.value == "abs":
        return arg
    return _make(FN, (arg,), name)


def call(name: str, args: tuple[Expr, ...], orders: tuple[int, ...] | None = None) -> Expr:
    """An abstract function ``f(u)`` (or its derivative f'(u) when orders is set)."""
    orders = orders or (0,) * len(args)
    return _make(CALL, tuple(args), (name, tuple(orders)))


BUILD = {
    NUM: lambda v, a: number(v),
    SYM: lambda v, a: symbol(v),
    CONST: lambda v, a: E if v == "e" else PI,
    ADD: lambda v, a: add(*a),
    MUL: lambda v, a: mul(*a),
    POW: lambda v, a: power(*a),
    FN: lambda v, a: fn(v, a[0]),
    CALL: lambda v, a: call(v[0], a, v[1]),
}


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


def rebuild(root: Expr, visit) -> Expr:
    """Rebuild bottom-up: ``visit(node, new_args)`` returns a replacement or None."""
    memo: dict[Expr, Expr] = {}
    for node in postorder(root):
        new_args = tuple(memo[a] for a in node.args)
        rep = visit(node, new_args)
        if rep is None:
            rep = node if all(n is o for n, o in zip(new_args, node.args)) else \
                BUILD[node.op](node.value, new_args)
        memo[node] = rep
    return memo[root]


def dag_size(root: Expr) -> int:
    """Number of distinct nodes (what the DAG stores)."""
    return len(postorder(root))
