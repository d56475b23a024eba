"""The tidy answer: the smallest of the equivalent forms bibun can reach safely.

A derivative straight from the rules is correct but often not what a teacher writes:
``2x e^x + x^2 e^x`` (x(x + 2)e^x), ``2y(y^2 + 1) + 2y(y^2 - 1)`` (4y^3),
``1/(cos(x)^2(1 + tan(x)^2))`` (1), ``7^(x^2 - (x^2 - 4) - 4)`` (1).  :func:`tidy`
tries a few sound rewrites -- each one an identity valid wherever the original is
defined -- node by node from the leaves up and then on the whole, and keeps a candidate
only when it is *smaller* by SymPy's ``count_ops`` measure (:func:`bibun.expr.opcount.ops`,
plus one for each fraction nested in a fraction), so the answer never grows and ties keep
the form the rules gave.  What the learner wrote inside a function or an exponent
(``cos(θ^2 + 4θ)``) is never rewritten.

The rewrites: distribute a number over a sum when terms cancel; pull out a common
factor (and multiply out what is left inside); one common denominator with the
numerator multiplied out; the identities of :mod:`bibun.expr.identities` (Pythagoras,
tan = sin/cos, |u| and sign(u) of known sign, e^(−u) cleared from a fraction, factors
that are never negative moved under a square root, cos² written as 1 − sin² beside odd
powers of sin); a factor multiplied into a sum when that removes the sum's fractions;
numeric fractions cleared from a numerator; cancelling a common polynomial factor; a
number common to a sum's terms moved into the coefficient.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextvars import ContextVar
from fractions import Fraction
from math import comb, lcm
from typing import Any

from bibun.errors import LimitError
from bibun.expr import core
from bibun.expr import identities as I
from bibun.expr.core import ADD, FN, MUL, NUM, POW, Expr, as_expr, rebuild
from bibun.expr.opcount import ops
from bibun.expr.simplify import cancel, expand_node, factor_node, recognize, together_node

#: derivatives larger than this (tree size) are returned as the rules give them: tidying
#: is for answers a person reads, and it must stay cheap inside nn and Hessians
MAX_TIDY_SIZE = 400
#: how many operations a rewrite of an answer with more than SMALL operations must save
MARGIN = 2
SMALL = 5
#: multiplying out is tried only when it writes at most this many terms
MAX_EXPANDED_TERMS = 60


def _negative_power(f: Expr) -> bool:
    return f.op == POW and f.args[1].op == NUM and f.args[1].value < 0


def _has_denominator(t: Expr) -> bool:
    return any(_negative_power(f) or (f.op == NUM and getattr(f.value, "denominator", 1) != 1)
               for f in (t.args if t.op == MUL else (t,)))


def _fractions_in_sum(s: Expr) -> int:
    """How many terms of the sum ``s`` have a denominator."""
    return sum(1 for t in s.args if _has_denominator(t))


def _nested_fractions(e: Expr, memo: dict[Expr, int]) -> int:
    """Fractions inside a fraction: (2/x − 3/2)/(x − 1) and 1/(1 + 1/t)² have one each;
    a function of its inverse that a triangle folds, cos(atan x) = 1/√(1 + x²), counts
    two, so that folding it clears the margin :func:`_tidy` asks of a rewrite.  A teacher
    clears them all; the size measure alone would not always."""
    r = memo.get(e)
    if r is not None:
        return r
    r = sum(_nested_fractions(a, memo) for a in e.args)
    if e.op == FN and e.args and I.folds(e.value, e.args[0]):
        r += 2
    elif _negative_power(e) and e.args[0].op == ADD and _fractions_in_sum(e.args[0]):
        r += 1
    elif e.op == MUL and any(_negative_power(f) for f in e.args):
        r += sum(1 for f in e.args if f.op == ADD and _fractions_in_sum(f))
    memo[e] = r
    return r


#: the memos of one tidy run (operation counts, nested fractions), shared by every
#: comparison in it: candidates share most of their nodes
_MEMO: ContextVar[tuple[dict[Expr, int], dict[Expr, int]] | None] = \
    ContextVar("bibun_tidy_memo", default=None)


def _key(e: Expr) -> int:
    memo = _MEMO.get()
    if memo is None:
        return ops(e) + _nested_fractions(e, {})
    return ops(e, memo[0]) + _nested_fractions(e, memo[1])


def _best(cands: list[Expr]) -> Expr:
    """The smallest candidate; the first one (the given form) on a tie."""
    return min(cands, key=_key)


class _Tidy:
    """One tidy run: the nodes to keep as written and the sign analysis's memo."""

    def __init__(self, keep: frozenset[Expr]) -> None:
        self.keep = keep
        self.signs: dict[Expr, int] = {}
        self.done: dict[tuple, Expr | None] = {}  # (rewrite, node[, args]) -> result

    # -- whole-tree rewrites that respect what the learner wrote --------------------------

    def rewrite(self, e: Expr, visit: Callable[[Expr, tuple[Expr, ...]], Expr | None]
                ) -> Expr:
        """rebuild(e, visit), except that a function's argument, an exponent or a root's
        base that the learner wrote stays as written (the function itself may change:
        tan(x) = sin(x)/cos(x) is allowed, tan(θ^2 + 4θ) keeps its argument)."""
        keep = self.keep

        def guarded(n: Expr, a: tuple[Expr, ...]) -> Expr | None:
            if keep and n.args:
                if n.op == FN and n.args[0] in keep:
                    a = n.args
                elif n.op == POW:
                    a = (n.args[0] if n.args[0] in keep else a[0],
                         n.args[1] if n.args[1] in keep else a[1])
            r = visit(n, a)
            if r is not None:
                return r
            return n if all(x is y for x, y in zip(a, n.args)) else \
                core.BUILD[n.op](n.value, a)
        return rebuild(e, guarded)

    def factor(self, e: Expr) -> Expr:
        done = self.done

        def visit(n: Expr, a: tuple[Expr, ...]) -> Expr | None:
            # candidates share most subtrees: each (node, rewritten args) is factored once
            key = ("factor", n, a)
            if key not in done:
                done[key] = factor_node(n, a)  # type: ignore[index]
            return done[key]  # type: ignore[index]
        return self.rewrite(e, visit)

    def expand(self, e: Expr) -> Expr | None:
        """Multiply out, or None when that would write too many terms."""
        if _expanded_terms(e, {}) > MAX_EXPANDED_TERMS:
            return None
        try:
            return self.rewrite(e, expand_node)
        except LimitError:
            return None

    def expand_numerators(self, e: Expr) -> Expr | None:
        """Multiply out every numerator, leaving denominators as they are (a factored
        denominator is what a teacher keeps: y(1 − y), not y − y²)."""
        if _expanded_terms(e, {}) > MAX_EXPANDED_TERMS:
            return None

        def visit(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
            if _negative_power(node):
                return node
            try:
                if node.op == MUL:
                    num, den = _fraction(core.mul(*args))
                    top = core.mul(*num)
                    return core.mul(expand_node(top, top.args) or top
                                    if top.op == MUL else top, *den)
                if node.op == POW and args[0].op == ADD:
                    return expand_node(node, args)
            except LimitError:
                return node
            return None
        return self.rewrite(e, visit)

    # -- one node -------------------------------------------------------------------------

    def polish(self, top: Expr) -> Expr:
        """A numerator or a factored-out inside multiplied out, with the identities and
        the common factor applied, when that is smaller: sin² + cos(3 + cos) = 1 + 3cos."""
        key = ("polish", top)  # the same inside recurs across nodes and rounds
        if key not in self.done:
            self.done[key] = self._polish(top)
        return self.done[key]  # type: ignore[return-value]

    def _polish(self, top: Expr) -> Expr:
        top = self.rewrite(top, lambda n, a: I.cube_root_power(core.BUILD[n.op](n.value, a))
                           if n.op == POW else None)
        ex = self.expand(top)
        if ex is None:
            return top
        cands = [top, ex, self.factor(ex)]
        py = I.pythagoras(ex.args) if ex.op == ADD else None
        if py is not None:
            cands += [py, self.factor(py)]
        return _best(cands)

    def over_one_denominator(self, e: Expr) -> Expr | None:
        """A sum over one common denominator with the numerator multiplied out and its
        common factor pulled out: 1/(2√x) − 1/(2x^(3/2)) = (x − 1)/(2x^(3/2))."""
        if e.op != ADD:
            return None
        key = ("ood", e)
        if key not in self.done:
            self.done[key] = self._over_one_denominator(e)
        return self.done[key]

    def _over_one_denominator(self, e: Expr) -> Expr | None:
        t = together_node(e, e.args)
        if t is None:
            return None
        num, den = _fraction(t)
        return core.mul(self.polish(core.mul(*num)), *den)

    def factored(self, e: Expr) -> list[Expr]:
        """The common factor pulled out, and the same with the inside multiplied out:
        8x(2x+3)³(2x+1) + 2(2x+1)²(2x+3)³ + … = 2(2x+1)(2x+3)²(24x² + 26x + 3)."""
        r = factor_node(e, e.args)
        if r is None:
            return []
        out = [r]
        inside = [f for f in (r.args if r.op == MUL else (r,)) if f.op == ADD]
        if len(inside) == 1:
            rest = [f for f in r.args if f is not inside[0]] if r.op == MUL else []
            out.append(core.mul(self.polish(inside[0]), *rest))
        return out

    def flattened(self, e: Expr) -> list[Expr]:
        """A product whose sums are each written over one denominator, so that the
        denominators meet the product's other factors (and :func:`_absorb` can act)."""
        changed = False
        fs = []
        for f in e.args:
            r = self.over_one_denominator(f) if f.op == ADD else None
            fs.append(f if r is None else r)
            changed = changed or r is not None
        if not changed:
            return []
        flat = core.mul(*fs)
        return [flat, *(_absorb(flat) if flat.op == MUL else [])]

    def node(self, node: Expr, args: tuple[Expr, ...]) -> Expr | None:
        if node.op == FN:
            folded = I.inverse_composition(node.value, args[0])
            if folded is not None:  # cos(asin x) = √(1 − x²), sin(asin x) = x
                return folded
            return I.known_sign(node, args, self.signs)
        if node.op not in (ADD, MUL, POW):
            return None
        same = all(a is b for a, b in zip(args, node.args))
        base = node if same else core.BUILD[node.op](node.value, args)
        key = ("node", base)
        if key not in self.done:
            self.done[key] = self._best_form(base)
        return self.done[key]

    def _best_form(self, base: Expr) -> Expr:
        cands = [base]
        if base.op == ADD:
            py = I.pythagoras(base.args)
            if py is not None:  # an identity that removes a sum wins a tie: it opens
                cands.insert(0, py)  # cancellations higher up (1/(cos²(1 + tan²)) = 1)
            for r in (_distribute(base.args), self.over_one_denominator(base),
                      I.one_square(base)):
                if r is not None:
                    cands.append(r)
            cands += self.factored(base)
        elif base.op == MUL:
            for make in (I.clear_negative_exponentials, I.double_angle,
                         I.to_quotient_function, I.opposite_sums, _clear_numeric_fractions,
                         I.into_root, I.sign_over_abs):
                r = make(base)
                if r is not None:
                    cands.append(r)
            cands += _absorb(base)
            cands += self.flattened(base)
        elif base.op == POW:
            for make in (I.clear_negative_exponentials, I.cube_root_power):
                r = make(base)
                if r is not None:
                    cands.append(r)
            if _negative_power(base) and base.args[0].op == ADD:
                r = self.over_one_denominator(base.args[0])
                if r is not None:
                    cands.append(core.power(r, base.args[1]))
        return _best(cands)

    def local(self, e: Expr) -> Expr:
        key = ("local", e)
        if key in self.done:  # asked again of its own result (a fixed point): no new pass
            return self.done[key]  # type: ignore[return-value]
        start = e
        for _ in range(3):  # a rewrite high up can open one lower down: a few rounds
            y = self.rewrite(e, self.node)
            if y is e:
                self.done[("local", e)] = e  # converged: local(e) is e
                break
            e = y
        self.done[("local", start)] = e
        return e


# -- rewrites of one node -----------------------------------------------------------------


def _distribute(args: tuple[Expr, ...]) -> Expr | None:
    """c·(a + b) terms of a sum written out, so that like terms meet:
    x^2 − (x^2 − 4) − 4 = 0."""
    out: list[Expr] = []
    changed = False
    for t in args:
        c, rest = core.coeff_rest(t)
        if rest.op == ADD and c != 1:
            out.extend(core.times(c, s) for s in rest.args)
            changed = True
        else:
            out.append(t)
    return core.add(*out) if changed else None


def _absorb(e: Expr) -> list[Expr]:
    """A factor multiplied into a sum of the same product when that clears the sum's
    fractions and the exponents allow it exactly: t^-2(1 + 1/t)^-2 = (t + 1)^-2,
    (w²+1)^-2(1 + ln(w)²/(w²+1)²)^-1 = ((w²+1)² + ln(w)²)^-1."""
    fs = list(e.args)
    out = []
    for i, f in enumerate(fs):
        s, k = (f.args[0], f.args[1]) if f.op == POW else (f, core.ONE)
        if s.op != ADD or k.op != NUM or not isinstance(k.value, int) or len(s.args) > 8:
            continue
        before = _fractions_in_sum(s)
        if not before:
            continue
        for j, g in enumerate(fs):
            if j == i or g.op == NUM:
                continue
            b, m = (g.args[0], g.args[1]) if g.op == POW else (g, core.ONE)
            if m.op != NUM or not isinstance(m.value, int):
                continue
            p = abs(m.value) // abs(k.value)  # as much of b^m as fits: b^(pk) into the sum
            p = p if (m.value < 0) == (k.value < 0) else -p  # (exact: 10^400 meets no float)
            if p == 0:
                continue
            q = core.power(b, core.number(p))
            new_sum = core.add(*(core.mul(t, q) for t in s.args))
            if new_sum.op == ADD and _fractions_in_sum(new_sum) >= before:
                continue
            rest = [h for n, h in enumerate(fs) if n not in (i, j)]
            left = core.power(b, core.number(m.value - p * k.value))
            out.append(core.mul(core.power(new_sum, k), left, *rest))
    return out


def _clear_numeric_fractions(e: Expr) -> Expr | None:
    """(2 − x/2)/d = (4 − x)/(2d): a sum factor's numeric denominators moved out."""
    fs = list(e.args)
    for i, f in enumerate(fs):
        s, k = (f.args[0], f.args[1]) if f.op == POW else (f, core.ONE)
        if s.op != ADD or k.op != NUM or k.value not in (1, -1):
            continue
        coeffs = [core.coeff_rest(t)[0] for t in s.args]
        if any(isinstance(c, float | complex) for c in coeffs):
            continue
        den = 1
        for c in coeffs:
            den = lcm(den, getattr(c, "denominator", 1))
        if den == 1:
            continue
        new_sum = core.add(*(core.times(den, t) for t in s.args))
        rest = fs[:i] + fs[i + 1:]
        return core.mul(core.power(new_sum, k), core.number(den) if k.value < 0
                        else core.power(core.number(den), core.MINUS_ONE), *rest)
    return None


def _split_fraction(e: Expr) -> Expr | None:
    """A fraction with a sum above the bar written as a sum of fractions:
    −(2x³ + 5x² + 10)/x² = −2x − 5 − 10/x²."""
    if e.op != MUL:
        return None
    sums = [f for f in e.args if f.op == ADD]
    if len(sums) != 1 or not any(_negative_power(f) for f in e.args):
        return None
    others = [f for f in e.args if f is not sums[0]]
    return core.add(*(core.mul(t, *others) for t in sums[0].args))


def _fraction(e: Expr) -> tuple[list[Expr], list[Expr]]:
    """The factors above and below the bar (a numeric coefficient p/q split into p and
    1/q), each list multiplied back gives the part."""
    num, den = [], []
    for f in (e.args if e.op == MUL else (e,)):
        v = f.value if f.op == NUM else None
        if isinstance(v, Fraction) and v.denominator != 1:
            num.append(core.number(v.numerator))
            den.append(core.number(Fraction(1, v.denominator)))
        else:
            (den if _negative_power(f) else num).append(f)
    return num, den


def _expanded_terms(e: Expr, memo: dict[Expr, int]) -> int:
    """An upper bound on the number of terms expand(e) writes (cheap, no expansion)."""
    r = memo.get(e)
    if r is not None:
        return r
    if e.op == ADD:
        r = sum(_expanded_terms(t, memo) for t in e.args)
    elif e.op == MUL:
        r = 1
        for f in e.args:
            r *= _expanded_terms(f, memo)
            if r > 10**6:
                break
    elif e.op == POW and e.args[0].op == ADD and e.args[1].op == NUM \
            and isinstance(e.args[1].value, int) and e.args[1].value > 1:
        n, k = _expanded_terms(e.args[0], memo), e.args[1].value
        r = comb(n + k - 1, k) if k < 60 else 10**6
    else:
        r = 1
    memo[e] = min(r, 10**6)
    return memo[e]


def _protected(original: Expr | None) -> frozenset[Expr]:
    """What the learner wrote inside a function, a root or an exponent: kept as written
    (cos(θ^2 + 4θ) is not turned into cos(θ(θ + 4)))."""
    if original is None:
        return frozenset()
    keep = set()
    for n in core.postorder(original):
        if n.op == FN:
            keep.add(n.args[0])
        elif n.op == POW:
            keep.add(n.args[1])
            k = n.args[1]
            if not (k.op == NUM and isinstance(k.value, int)):
                keep.add(n.args[0])
    return frozenset(k for k in keep if k.args)


def tidy(expr: Any, original: Any = None) -> Expr:
    """The smallest equivalent form bibun reaches with sound rewrites (see the module
    docstring); never larger than ``expr``, and a tie keeps ``expr``.  ``original`` is the
    function that was differentiated: what is written inside its functions and exponents
    stays as written."""
    e = as_expr(expr)
    if e.size > MAX_TIDY_SIZE or not e.args:
        return e
    known = recognize(e)
    if known is not e and not any(n.op == FN and n.value == "exp" for n in core.postorder(known)):
        # written through a known function (e^(−x)/(1 + e^(−x))² is σ(x)(1 − σ(x))): the
        # answer keeps the shape that identity reads, and the steps name it.  A partial
        # reading that still has e^… in it (1 − σ(−x) − e^(2x)σ(−x)²) is no such shape:
        # the answer is tidied (e^x/(1 + e^x)²), and that reads as σ(x)(1 − σ(x))
        return e
    token = _MEMO.set(({}, {}))
    try:
        return _tidy(e, _Tidy(_protected(None if original is None else as_expr(original))))
    finally:
        _MEMO.reset(token)


def _tidy(e: Expr, t: _Tidy) -> Expr:
    starts = [e, t.local(e)]
    if any(n.op == FN and n.value in I.RECIPROCALS for n in core.postorder(e)):
        starts.append(t.local(t.rewrite(e, I.through_sin_cos)))
    cands = list(starts)
    for c in dict.fromkeys(starts):  # local(e) is often e: its candidates once, not twice
        cands.append(t.factor(c))
        r = _split_fraction(c)
        if r is not None:
            cands.append(r)
        ex = t.expand_numerators(c)
        if ex is not None:
            cands += [ex, t.factor(ex)]
        r = t.over_one_denominator(c)
        if r is not None:
            cands.append(r)
    best = _best(cands)
    with contextlib.suppress(LimitError, ZeroDivisionError):
        best = _best([best, cancel(best)])
    best = _best([best, t.local(best)])
    # a rewrite must pay for itself: one operation saved on a long answer is not worth
    # losing the rule's own shape (2x sin x + x² cos x stays; x(2 sin x + x cos x) saves 1)
    before = _key(e)
    best = best if _key(best) <= before - (MARGIN if before > SMALL else 1) else e
    # a number common to a sum's terms goes to the front, 6(2x + 2/x³) = 12(x + 1/x³),
    # whenever that is shorter at all: it keeps the rule's shape, only its coefficient
    pulled = t.rewrite(best, _content_node)
    return pulled if _key(pulled) < _key(best) else best


def _content_node(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
    if node.op != MUL:
        return None
    same = all(a is b for a, b in zip(args, node.args))
    return I.sum_content(node if same else core.mul(*args))


__all__ = ["MAX_TIDY_SIZE", "tidy"]
