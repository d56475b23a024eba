"""Derivations as data: the tree of rule applications a teacher writes on the board.

:func:`derivation` walks an expression top-down and records, for every subexpression it
differentiates, a :class:`Step`: the rule used (``chain``, ``quotient``, ``power`` …),
the input, the result, the substeps it needed, the fresh names it introduced (``u``,
``v``, ``w`` … — never reused anywhere in one derivation, so a nested chain rule cannot
confuse two different insides) and an equality chain from the formula to the result
(``dy/du · du/dx = 2u · 2 = 4u = 4(2x + 3)``).

Why results are trustworthy: every step's ``result`` *is* ``bibun.diff(input, var)``
(hash-consing makes that an identity check), and the displayed intermediate forms are
only shown, never used to compute.  So the root result is exactly what ``bibun.diff``
returns; a tidier final form (``1 − tanh²x`` instead of ``1 − (eˣ − e⁻ˣ)²/(eˣ + e⁻ˣ)²``)
is a separate ``simplify`` step that names the identity it used.

The walk recurses with an explicit depth guard (:data:`MAX_DEPTH`) and a step budget
(:data:`MAX_STEPS`): an explanation of a 10,000-deep nest is not something a person can
read, so it is refused with a clear error while ``bibun.diff`` still answers.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from bibun.errors import BibunError, LimitError
from bibun.explain import show as S
from bibun.explain.final import (
    expand_check,
    fold_notes,
    fraction_parts,
    numeric_check,
    root_notes,
    simplify_step,
)
from bibun.explain.show import Show
from bibun.explain.steps import RULES, Derivation, Note, Step
from bibun.expr import core
from bibun.expr.constants import constant_names
from bibun.expr.core import ADD, CALL, FN, MUL, NUM, ONE, POW, SYM, ZERO, Expr
from bibun.expr.parse import parse_any
from bibun.expr.printers import ordered_factors, ordered_terms, to_text
from bibun.expr.simplify import recognize
from bibun.functions import CORNER, JUMP
from bibun.functions import rule as rule_of
from bibun.i18n import error
from bibun.symbolic import default_variable, diff

MAX_DEPTH = 150
MAX_STEPS = 4000


#: rule table family -> explanation rule
FUNCTION_RULES = {
    "trig": "trig", "inverse_trig": "inverse_trig", "hyperbolic": "hyperbolic",
    "inverse_hyperbolic": "inverse_hyperbolic", "exp": "exp", "log": "log",
    "sigmoid": "sigmoid", "piecewise": "piecewise", "power": "power",
    "activation": "activation", "function": "function",
}
#: the step of a table family the explainer has no own step for (log1p, erf, a function
#: registered by a user): "from the rule table", so a new family never breaks steps
GENERAL_FUNCTION_RULE = "function"
#: how each kind of non-differentiable point is noted
_NONDIFF_NOTES = {CORNER: "note.corner", JUMP: "note.jump"}

#: names for the function being differentiated, and fresh names for chain-rule insides
DEPENDENT_NAMES = ("y", "z", "w", "F")
FRESH_NAMES = ("u", "v", "w", "s", "t", "p", "q", "r")


# -- the walk ------------------------------------------------------------------------------


def _is_int(e: Expr) -> bool:
    return e.op == NUM and isinstance(e.value, int)


class _Walker:
    """Builds the step tree; one instance per derivation (it owns the fresh names)."""

    def __init__(self, root: Expr, var: str, quotient: bool, partial: bool,
                 dep: str | None = None):
        self.var = var
        self.quotient = quotient
        self.partial = partial
        self.taken: set[str] = set(root.free) | {var}
        self.dep = dep or next((n for n in DEPENDENT_NAMES if n not in self.taken), "F")
        self.taken.add(self.dep)
        self.count = 0
        self.noted: set[str] = set()  # notes said once per derivation (self-derivative)
        self.memo: dict[tuple[Expr, str], Step] = {}
        self.dcache: dict[tuple[Expr, str], Expr] = {}

    # helpers
    def d(self, e: Expr, var: str) -> Expr:
        key = (e, var)
        r = self.dcache.get(key)
        if r is None:
            r = self.dcache[key] = diff(e, var)
        return r

    def fresh(self) -> str:
        for n in FRESH_NAMES:
            if n not in self.taken:
                self.taken.add(n)
                return n
        i = 1
        while f"u{i}" in self.taken:
            i += 1
        self.taken.add(f"u{i}")
        return f"u{i}"

    def notation(self, e: Expr | Show, var: str) -> Show:
        """How 'the derivative of e' is written: (e)′, or ∂/∂x(e) for partials
        (∂x/∂x, not ∂/∂x x, for a bare variable)."""
        if isinstance(e, Expr) and e.op == SYM and (self.partial or var != self.var):
            return S.leibniz(e.value, var, self.partial and var == self.var)
        if var == self.var:
            return S.deriv(e, var, "partial" if self.partial else "prime")
        return S.deriv(e, var, "d")

    # dispatch
    def step(self, e: Expr, x: str, depth: int, lhs: Show | None = None,
             role: str | None = None, dep: str | None = None) -> Step:
        if depth > MAX_DEPTH:
            raise LimitError(f"the formula is nested more than {MAX_DEPTH} levels deep: too"
                             " deep to explain step by step (bibun.diff still computes it)")
        self.count += 1
        if self.count > MAX_STEPS:
            raise LimitError(f"the explanation would need more than {MAX_STEPS:,} steps: too"
                             " long to read (bibun.diff still computes the derivative)")
        lhs = lhs if lhs is not None else self.notation(e, x)
        if x not in e.free:
            return self.constant(e, x, lhs, role)
        if e.op == SYM:
            return Step("variable", e, x, ONE, lhs, role=role,
                        formula=S.eq(S.deriv(S.name(x), x), S.E(1)))
        key = (e, x)
        prev = self.memo.get(key)
        if prev is not None:
            return Step("repeat", e, x, prev.result, lhs, role=role, ref=prev)
        op = e.op
        if op == ADD:
            s = self.sum(e, x, depth, lhs, role)
        elif op == MUL:
            s = self.product_like(e, x, depth, lhs, role, dep)
        elif op == POW:
            s = self.power_like(e, x, depth, lhs, role, dep)
        elif op == FN:
            s = self.function(e, x, depth, lhs, role, dep)
        elif op == CALL:
            s = self.abstract(e, x, depth, lhs, role, dep)
        else:  # pragma: no cover - numbers and constants have no free symbols
            raise AssertionError(op)
        if e.size > 3:
            self.memo[key] = s
        return s

    # leaves
    def constant(self, e: Expr, x: str, lhs: Show, role: str | None) -> Step:
        if e.free and self.partial:
            return Step("partial_constant", e, x, ZERO, lhs, role=role,
                        notes=[Note("note.constant_vanishes", {"names": sorted(e.free)})])
        notes = [Note("note.constant_vanishes", {"names": sorted(e.free)})] if e.free else []
        return Step("constant", e, x, ZERO, lhs, role=role,  # a number, or --const b
                    formula=S.eq(S.deriv(S.name("c"), x), S.E(0)), notes=notes)

    # sums
    def sum(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None) -> Step:
        subs: list[Step] = []
        shown_d: list[tuple[str, Show]] = []
        shown_r: list[tuple[str, Show]] = []
        results: list[Expr] = []
        for t in ordered_terms(e, to_text):
            sign = "-" if S.expr_negative(t) else "+"
            term = core.neg(t) if sign == "-" else t
            st = self.step(term, x, depth + 1, role="term")
            subs.append(st)
            shown_d.append((sign, st.lhs))
            shown_r.append((sign, S.E(st.result)))
            results.append(st.result if sign == "+" else core.neg(st.result))
        work = [S.add(*shown_d), S.add(*shown_r), S.E(core.add(*results))]
        formula = S.eq(S.deriv(S.add(("+", S.name("f")), ("+", S.name("g"))), x),
                       S.add(("+", S.name("f'")), ("+", S.name("g'"))))
        return Step("sum", e, x, self.d(e, x), lhs, work, subs, role=role, formula=formula)

    # products, quotients, constant multiples
    def product_like(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None,
                     dep: str | None) -> Step:
        const = [f for f in e.args if x not in f.free]
        var_f = [f for f in e.args if x in f.free]
        if const:
            c = core.mul(*const)
            rest = core.mul(*var_f)
            if rest.op == FN and rest.value == "log" and c.op == POW and \
                    c.args[1] is core.MINUS_ONE and c.args[0].op == FN and \
                    c.args[0].value == "log":
                return self.log_base(e, x, depth, lhs, role, rest, c.args[0])
            return self.constant_multiple(e, x, depth, lhs, role, c, rest)
        numer, denom = fraction_parts(var_f)
        if denom and (numer or self.quotient):
            return self.quotient_rule(e, x, depth, lhs, role, core.mul(*numer), core.mul(*denom))
        return self.product(e, x, depth, lhs, role)

    def constant_multiple(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None,
                          c: Expr, rest: Expr) -> Step:
        sub = self.step(rest, x, depth + 1)
        if c is core.MINUS_ONE:
            work = [S.neg(sub.lhs), S.neg(S.E(sub.result))]
        else:
            work = [S.mul(S.E(c), sub.lhs), S.mul(S.E(c), S.E(sub.result))]
        work.append(S.E(core.mul(c, sub.result)))
        notes = [Note("note.constant_factor", {"names": sorted(c.free)})] if c.free else []
        formula = S.eq(S.deriv(S.mul(S.name("c"), S.name("f")), x),
                       S.mul(S.name("c"), S.name("f'")))
        return Step("constant_multiple", e, x, self.d(e, x), lhs, work, [sub], role=role,
                    formula=formula, notes=notes)

    def log_base(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None,
                 ln_u: Expr, ln_b: Expr) -> Step:
        base = ln_b.args[0]
        sub = self.step(ln_u, x, depth + 1)
        inv = S.frac(S.E(1), S.E(ln_b))
        work = [S.mul(inv, sub.lhs), S.mul(inv, S.E(sub.result)),
                S.E(core.mul(core.power(ln_b, core.MINUS_ONE), sub.result))]
        identity = S.eq(S.call(f"log_{to_text(base)}", S.E(ln_u.args[0])),
                        S.frac(S.E(ln_u), S.E(ln_b)))
        formula = S.eq(S.deriv(S.call(f"log_{to_text(base)}", S.name(x)), x),
                       S.frac(S.E(1), S.mul(S.name(x), S.E(ln_b))))
        return Step("log_base", e, x, self.d(e, x), lhs, work, [sub], role=role,
                    function="log", formula=formula,
                    notes=[Note("note.log_base", {"identity": identity})])

    def product(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None) -> Step:
        fs = ordered_factors(list(e.args), to_text)
        subs = [self.step(f, x, depth + 1, role="factor") for f in fs]
        n = len(fs)
        shown_d, shown_r, terms = [], [], []
        for i in range(n):
            shown_d.append(("+", S.mul(*(subs[j].lhs if j == i else S.E(fs[j])
                                         for j in range(n)))))
            shown_r.append(("+", S.mul(*(S.E(subs[j].result) if j == i else S.E(fs[j])
                                         for j in range(n)))))
            terms.append(core.mul(*(subs[j].result if j == i else fs[j] for j in range(n))))
        work = [S.add(*shown_d), S.add(*shown_r), S.E(core.add(*terms))]
        letters = "fghk"[:n] if n <= 4 else "fghk"
        formula = S.eq(
            S.deriv(S.mul(*(S.name(c) for c in letters)), x),
            S.add(*(("+", S.mul(*(S.name(c + ("'" if j == i else "")) for j, c in
                                  enumerate(letters)))) for i in range(len(letters)))))
        return Step("product", e, x, self.d(e, x), lhs, work, subs, role=role, formula=formula)

    def quotient_rule(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None,
                      f: Expr, g: Expr) -> Step:
        fs = self.step(f, x, depth + 1, role="numerator")
        gs = self.step(g, x, depth + 1, role="denominator")
        g2 = S.pow_(S.E(g), S.E(2))
        top_d = S.add(("+", S.mul(fs.lhs, S.E(g))), ("-", S.mul(S.E(f), gs.lhs)))
        top_r = S.add(("+", S.mul(S.E(fs.result), S.E(g))), ("-", S.mul(S.E(f), S.E(gs.result))))
        q = core.mul(core.add(core.mul(fs.result, g), core.neg(core.mul(f, gs.result))),
                     core.power(g, core.number(-2)))
        work = [S.frac(top_d, g2), S.frac(top_r, g2), S.E(q)]
        formula = S.eq(S.deriv(S.frac(S.name("f"), S.name("g")), x),
                       S.frac(S.add(("+", S.mul(S.name("f'"), S.name("g"))),
                                    ("-", S.mul(S.name("f"), S.name("g'")))),
                              S.pow_(S.name("g"), S.E(2))))
        return Step("quotient", e, x, self.d(e, x), lhs, work, [fs, gs], role=role,
                    formula=formula, data={"numerator": f, "denominator": g})

    # powers
    def power_like(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None,
                   dep: str | None) -> Step:
        b, k = e.args
        in_b, in_k = x in b.free, x in k.free
        if in_b and in_k:
            return self.general_power(e, x, depth, lhs, role)
        if in_k:  # a^u
            if k.op == SYM:
                formula = S.eq(S.deriv(S.pow_(S.name("a"), S.name(x)), x),
                               S.mul(S.pow_(S.name("a"), S.name(x)),
                                     S.E(core.fn("log", core.symbol("a")))))
                return Step("exp_base", e, x, self.d(e, x), lhs, role=role, formula=formula,
                            notes=[Note("note.exp_base", {"identity": S.eq(
                                S.E(e), S.E(core.fn("exp", core.mul(k, core.fn("log", b)))))})])
            return self.chain(e, x, depth, lhs, role, dep, lambda u: core.power(b, u), k)
        if _is_int(k) and k.value < 0 and b.op != SYM and self.quotient:
            return self.quotient_rule(e, x, depth, lhs, role, ONE,
                                      core.power(b, core.number(-k.value)))
        if b.op == SYM:
            return self.power_rule(e, x, lhs, role)
        return self.chain(e, x, depth, lhs, role, dep, lambda u: core.power(u, k), b)

    def power_rule(self, e: Expr, x: str, lhs: Show, role: str | None) -> Step:
        b, k = e.args
        lowered = S.add(("+", S.E(k)), ("-", S.E(1)))
        work = [S.mul(S.E(k), S.pow_(S.E(b), lowered))]
        notes = []
        if k.op == NUM and k.value == Fraction(1, 2):
            notes.append(Note("note.rewrite_power", {"identity": S.eq(
                S.E(e), S.pow_(S.E(b), S.E(k)))}))
        elif k.op == NUM and k.value < 0:
            notes.append(Note("note.rewrite_power", {"identity": S.eq(
                S.frac(S.E(1), S.E(core.power(b, core.number(-k.value)))),
                S.pow_(S.E(b), S.E(k)))}))
        formula = S.eq(S.deriv(S.pow_(S.name(x), S.name("n")), x),
                       S.mul(S.name("n"), S.pow_(S.name(x), S.add(("+", S.name("n")),
                                                                  ("-", S.E(1))))))
        return Step("power", e, x, self.d(e, x), lhs, work, role=role, formula=formula,
                    notes=notes)

    def general_power(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None) -> Step:
        b, k = e.args
        exponent = core.mul(k, core.fn("log", b))
        as_exp = core.fn("exp", exponent)
        sub = self.step(exponent, x, depth + 1, role="exponent")
        work = [self.notation(as_exp, x), S.mul(S.E(as_exp), sub.lhs),
                S.mul(S.E(e), S.E(sub.result)), S.E(core.mul(e, sub.result))]
        return Step("general_power", e, x, self.d(e, x), lhs, work, [sub], role=role,
                    notes=[Note("note.general_power", {"identity": S.eq(S.E(e), S.E(as_exp))})])

    # functions
    def function(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None,
                 dep: str | None) -> Step:
        name = e.value
        r = rule_of(name)
        kind = FUNCTION_RULES.get(r.kind, GENERAL_FUNCTION_RULE)
        u = e.args[0]
        if u.op != SYM or u.value != x:
            return self.chain(e, x, depth, lhs, role, dep, lambda v: core.fn(name, v), u)
        notes = []
        if r.self_derivative and "note.self_derivative" not in self.noted:
            self.noted.add("note.self_derivative")  # once per derivation, not per use
            notes.append(Note("note.self_derivative", {}))
        if name == "cbrt":
            notes.append(Note("note.rewrite_power", {"identity": S.eq(
                S.E(e), S.pow_(S.E(u), S.E(Fraction(1, 3))))}))
        notes.extend(nondiff_notes(name, u))
        return Step(kind, e, x, self.d(e, x), lhs, role=role, function=name, notes=notes)

    def abstract(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None,
                 dep: str | None) -> Step:
        fname, orders = e.value
        if len(e.args) == 1:
            u = e.args[0]
            if u.op == SYM and u.value == x:
                formula = S.eq(S.deriv(S.call(fname, S.name(x)), x),
                               S.call(fname + "'", S.name(x)))
                return Step("abstract", e, x, self.d(e, x), lhs, role=role, function=fname,
                            formula=formula)
            return self.chain(e, x, depth, lhs, role, dep,
                              lambda v: core.call(fname, (v,), orders), u)
        subs, shown_d, shown_r = [], [], []
        for i, a in enumerate(e.args):
            if x not in a.free:
                continue
            o = list(orders)
            o[i] += 1
            partial = core.call(fname, e.args, tuple(o))
            st = self.step(a, x, depth + 1, role="argument")
            subs.append(st)
            shown_d.append(("+", S.mul(S.E(partial), st.lhs)))
            shown_r.append(("+", S.mul(S.E(partial), S.E(st.result))))
        work = [S.add(*shown_d), S.add(*shown_r)]
        return Step("abstract", e, x, self.d(e, x), lhs, work, subs, role=role, function=fname)

    # the chain rule
    def chain(self, e: Expr, x: str, depth: int, lhs: Show, role: str | None,
              dep: str | None, outer_of, inner: Expr) -> Step:
        u = self.fresh()
        us = core.symbol(u)
        outer_e = outer_of(us)
        o_lhs = S.leibniz(dep, u) if dep else S.deriv(outer_e, u, "d")
        outer = self.step(outer_e, u, depth + 1, lhs=o_lhs, role="outer")
        i_lhs = S.leibniz(u, x, self.partial)
        inner_s = self.step(inner, x, depth + 1, lhs=i_lhs, role="inner", dep=u)
        in_u = core.mul(outer.result, inner_s.result)
        back = in_u.subs({us: inner})
        work = [S.mul(o_lhs, i_lhs), S.mul(S.E(outer.result), S.E(inner_s.result)),
                S.E(in_u), S.E(back)]
        if dep:
            formula = S.eq(S.leibniz(dep, x, self.partial),
                           S.mul(S.leibniz(dep, u), S.leibniz(u, x, self.partial)))
        else:  # no name for the whole: (f(u))′ = f′(u)·du/dx
            formula = S.eq(self.notation(S.call("f", S.name(u)), x),
                           S.mul(S.call("f'", S.name(u)), S.leibniz(u, x, self.partial)))
        return Step("chain", e, x, self.d(e, x), lhs, work, [outer, inner_s],
                    names=[(u, inner)], role=role, formula=formula, outer=outer_e,
                    data={"dependent": dep})


def nondiff_notes(name: str, u: Expr) -> list[Note]:
    """Where a function of ``u`` has no derivative, as notes (corner, jump, vertical)."""
    r = rule_of(name)
    out = []
    for p in r.nondiff:
        value = int(p) if float(p).is_integer() else p
        cond = S.eq(S.E(u), S.E(core.number(value)))
        key = _NONDIFF_NOTES.get(r.nondiff_kind, "note.vertical")
        out.append(Note(key, {"function": name, "condition": cond}))
    return out


# -- entry point ----------------------------------------------------------------------------

_RECIPROCAL_POWER = re.compile(r"[)}\]]\s*\^\s*[{(]?\s*-")


def derivation(expr: Any, var: str | Expr | None = None, *, quotient: bool | None = None,
               checks: bool = True, latex: bool | None = None,
               dep: str | None = None, constants: Any = None) -> Derivation:
    """Explain d(expr)/d(var) step by step.

    ``expr`` is an expression or text (plain or LaTeX; see
    :func:`bibun.expr.latex_input.parse_any`).
    ``quotient`` chooses how 1/g(x) is taught: by the quotient rule (True) or as
    g(x)^(-1) with the chain rule (False).  By default a formula typed as a negative
    power, ``(1 + e^{-z})^{-1}``, gets the chain rule and everything else (``1/(x^3+1)``,
    ``\\frac{…}{…}``) the quotient rule, as the seeds do.  ``checks`` adds the
    check-by-expansion (polynomials) and a numeric spot check at the end.  ``dep`` names
    the function being differentiated (default y, or z, w … when y is taken); the second
    derivative is the derivation of y′ (see :func:`derivations`).  ``constants`` (``"a,b"``,
    ``--const``) names symbols that are constants: with no other variable the derivative
    is an ordinary d/dx, not a partial one.
    """
    source = expr if isinstance(expr, str) else None
    e = parse_any(expr, latex=latex) if isinstance(expr, str) else core.as_expr(expr)
    if var is None:
        var = default_variable(e)
    elif isinstance(var, Expr):
        if var.op != SYM:
            raise BibunError(f"can only differentiate with respect to a variable, not {var}")
        var = var.value
    if quotient is None:
        quotient = not (source is not None and _RECIPROCAL_POWER.search(source))
    consts = constant_names(constants)
    partial = bool(e.free - {var} - set(consts))
    w = _Walker(e, var, quotient, partial, dep)
    root = w.step(e, var, 0, lhs=S.leibniz(w.dep, var, partial), dep=w.dep)
    result = root.result
    if result.size > MAX_EXPLAINED_SIZE:  # x^x^…^x (24 levels) would write 130 KB of steps
        raise error("error.steps_too_big", LimitError, parts=result.size,
                    limit=MAX_EXPLAINED_SIZE)
    final = recognize(result)
    simp = simplify_step(result, final, var) if final is not result else None
    top_lhs = S.leibniz(w.dep, var, partial)
    extra: list[Step] = []
    if checks:
        for make in (expand_check, numeric_check):
            st = make(e, var, result, top_lhs)
            if st is not None:
                extra.append(st)
    notes: list[Note] = []
    if partial:
        notes.append(Note("note.partial", {"var": var, "others": sorted(e.free - {var})}))
    elif consts:
        notes.append(Note("note.declared_constants", {"var": var, "names": list(consts)}))
    notes.extend(root_notes(e, var))
    notes.extend(fold_notes(e))  # sin(asin x) = x for |x| ≤ 1
    d = Derivation(e, var, w.dep, partial, root, result, final, simp, extra, notes, source)
    for i, s in enumerate(d.walk(), start=1):
        s.number = i
    return d


#: steps are written for a derivative of up to this many parts (tree size): beyond it the
#: explanation runs to hundreds of kilobytes and nobody reads it
MAX_EXPLAINED_SIZE = 1_500

#: higher derivatives are explained up to this order (each one a whole derivation)
MAX_EXPLAINED_ORDER = 4


def derivations(expr: Any, var: str | Expr | None = None, n: int = 1,
                **options: Any) -> list[Derivation]:
    """Explain the n-th derivative as n derivations: y, then y′ (the first one's final
    form), then y″ …, each step by step, as a teacher differentiates again."""
    if not isinstance(n, int) or not 1 <= n <= MAX_EXPLAINED_ORDER:
        raise BibunError(f"derivatives are explained step by step up to order"
                         f" {MAX_EXPLAINED_ORDER}, not {n!r}")
    first = derivation(expr, var, **options)
    out = [first]
    for k in range(1, n):
        prev = out[-1]
        out.append(derivation(prev.final, prev.var, dep=first.dep + "′" * k,
                              **{o: v for o, v in options.items() if o != "latex"}))
    return out


__all__ = ["Derivation", "FUNCTION_RULES", "MAX_DEPTH", "MAX_EXPLAINED_ORDER", "MAX_STEPS",
           "Note", "RULES", "Step", "derivation", "derivations"]
