"""Checking a learner's intermediate steps, each on its own, with a diagnosis.

The pieces are the procedure the seeds teach.  For a chain rule (手順1–3): ``u`` (the
inside), ``y`` (the outside written with u), ``dy/du``, ``du/dx``, ``product`` (dy/du ×
du/dx before simplifying, u and x mixed) and ``answer``; for a product or a quotient:
``f``, ``g``, ``f'``, ``g'`` and ``answer``; otherwise just ``answer``.  A learner may
give any subset.

Every piece is judged as a function (not as text), with the substitution taken into
account: a product written with u is compared after putting u = inside back, and a
learner's own (different but valid) choice of u and y is used to judge their dy/du and
du/dx.  The judging is bibun's answer checker (:func:`bibun.explain.check_answer`: the
derivative of the right thing with respect to the right variable, with its diagnosis
of the usual mistakes); only what that checker cannot know is added here: an answer
that still contains u ("put u back"), a y that does not give back the function, a
value problem answered with σ itself.

A final answer in an unexpected but equivalent form is accepted, and the textbook
form is shown beside it.  An unreadable piece gets the parser's message with its column
and is not counted as a mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bibun import i18n
from bibun.errors import BibunError, ParseError
from bibun.explain.check import check_answer
from bibun.explain.equality import compare_exprs
from bibun.explain.mistakes import Diagnosis
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.parse import parse_any
from bibun.practice.hints import core_step
from bibun.practice.problem import Problem
from bibun.practice.text import Line, decimal
from bibun.symbolic import diff

CHAIN_PIECES = ("u", "y", "dy/du", "du/dx", "product", "answer")
SPLIT_PIECES = ("f", "g", "f'", "g'", "answer")


def diagnosis(code: str, **params: Any) -> Diagnosis:
    """A practice-only diagnosis (``practice.diag.<code>``) in both languages."""
    key = f"practice.diag.{code}"
    shown = {k: v.unicode() if isinstance(v, Expr) else v for k, v in params.items()}
    return Diagnosis(code, i18n.text(key, "en", **shown), i18n.text(key, "ja", **shown))


@dataclass
class PieceResult:
    """The verdict on one piece: ``ok`` is None when the piece could not be read."""

    piece: str
    text: str
    ok: bool | None
    diagnosis: list[Diagnosis] = field(default_factory=list)
    error: str | None = None
    textbook: Expr | None = None  # an accepted answer in another form: the textbook one

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnosis]


@dataclass
class StepReport:
    """All pieces a learner gave, in the procedure's order."""

    problem: Problem
    pieces: list[PieceResult]

    @property
    def first_wrong(self) -> PieceResult | None:
        return next((p for p in self.pieces if p.ok is False), None)

    @property
    def solved(self) -> bool:
        return any(p.piece == "answer" and p.ok for p in self.pieces)

    def lines(self, lang: str | None = None) -> list[str]:
        """One line per piece (✓ / ✗ / unreadable), the diagnosis of the first wrong one."""
        lang = i18n.resolve(lang)
        first = self.first_wrong
        out = []
        for p in self.pieces:
            label = label_of(self.problem, p.piece)
            if p.ok is None:
                out.append(i18n.text("practice.piece.unreadable", lang, piece=label,
                                     error=p.error or ""))
                continue
            key = "practice.piece.ok" if p.ok else "practice.piece.wrong"
            out.append(i18n.text(key, lang, piece=label, given=p.text))
            if p.textbook is not None:
                out.append(Line("practice.piece.textbook", {"f": p.textbook}).render(lang))
            if p is first:
                out.extend("  " + d.text(lang) for d in p.diagnosis)
        return out


def pieces_of(problem: Problem) -> tuple[str, ...]:
    """Which pieces this problem's procedure has."""
    if problem.given or problem.worked is not None:  # a value; the limit or implicit way
        return ("answer",)
    step, _ = core_step(problem.derivation.root)
    if step.rule == "chain":
        return CHAIN_PIECES
    if step.rule in ("product", "quotient") and len(step.substeps) == 2:
        return SPLIT_PIECES
    return ("answer",)


def label_of(problem: Problem, piece: str) -> str:
    """How the piece is written for this problem: u, y, dy/du … with its own names."""
    if piece not in CHAIN_PIECES or problem.given or pieces_of(problem) != CHAIN_PIECES:
        return piece
    u = _sub_name(problem)
    dep, x = problem.derivation.dep, problem.var
    d = "∂" if problem.partial else "d"
    return {"u": u, "y": dep, "dy/du": f"d{dep}/d{u}", "du/dx": f"{d}{u}/{d}{x}",
            "product": f"{d}{dep}/{d}{x}", "answer": "answer"}[piece]


def _sub_name(problem: Problem) -> str:
    step, _ = core_step(problem.derivation.root)
    return step.names[0][0]


# -- the checker -------------------------------------------------------------------------------


class _Judge:
    """Judges the pieces of one problem, remembering the learner's valid choices."""

    def __init__(self, problem: Problem, lang: str):
        self.p = problem
        self.lang = lang
        self.f = problem.expr
        self.x = problem.var
        step, c = core_step(problem.derivation.root)
        self.step, self.c = step, c
        if step.rule == "chain":
            (u, inner), = step.names
            self.u = core.symbol(u)
            self.inner = inner
            self.outer = core.mul(c, step.outer) if c is not None else step.outer
        elif step.rule in ("product", "quotient") and len(step.substeps) == 2:
            fe, ge = (s.expr for s in step.substeps)
            self.parts = [core.mul(c, fe) if c is not None else fe, ge]

    def same(self, a: Expr, b: Expr) -> bool:
        try:
            return compare_exprs(a, b, self.lang).equal
        except BibunError:
            return False

    def derivative_of(self, e: Expr, var: str, given: Expr) -> tuple[bool, list[Diagnosis]]:
        """bibun's checker: is ``given`` the derivative of ``e``? (with its diagnosis)"""
        try:
            r = check_answer(e, given, var, lang=self.lang)
        except BibunError:
            return False, [diagnosis("other_variables")]
        return r.correct, ([] if r.correct else r.diagnosis)

    # chain pieces
    def check_chain(self, given: dict[str, Expr], out: dict[str, PieceResult]) -> None:
        u_sym, x = self.u, self.x
        U, Yd = self.inner, self.outer
        lu, ly = given.get("u"), given.get("y")
        if lu is not None:
            ok = self.same(lu, self.inner)
            if not ok and ly is not None and u_sym.value in ly.free and \
                    self.same(ly.subs({u_sym: lu}), self.f):
                ok = True  # another valid substitution: judge the rest by it
            out["u"].ok = ok
            if ok:
                U = lu
            else:
                out["u"].diagnosis = [diagnosis("inside", inner=self.inner)]
        if ly is not None:
            ok = u_sym.value in ly.free and self.same(ly.subs({u_sym: U}), self.f)
            out["y"].ok = ok
            if ok:
                Yd = ly
            else:
                out["y"].diagnosis = [diagnosis("outside", u=u_sym.value, f=self.f)]
        if "dy/du" in given:
            g = given["dy/du"]
            if u_sym.value not in g.free and x in g.free:  # written with u put back
                ok = self.same(g, diff(Yd, u_sym.value).subs({u_sym: U}))
                diag = [] if ok else [diagnosis("outer_in_x", u=u_sym.value)]
            else:
                ok, diag = self.derivative_of(Yd, u_sym.value, g)
            out["dy/du"].ok, out["dy/du"].diagnosis = ok, diag
        if "du/dx" in given:
            ok, diag = self.derivative_of(U, x, given["du/dx"])
            out["du/dx"].ok, out["du/dx"].diagnosis = ok, diag
        if "product" in given:
            ok, diag = self.derivative_of(self.f, x, given["product"].subs({u_sym: U}))
            out["product"].ok, out["product"].diagnosis = ok, diag
        if "answer" in given and u_sym.value in given["answer"].free and \
                u_sym.value not in self.f.free:
            out["answer"].ok = False
            out["answer"].diagnosis = [diagnosis("u_not_replaced", u=u_sym.value, inner=U)]
            del given["answer"]  # judged

    # product / quotient pieces
    def check_split(self, given: dict[str, Expr], out: dict[str, PieceResult]) -> None:
        F, G = self.parts
        x = self.x
        quotient = self.step.rule == "quotient"
        if "f" in given:
            lf = given["f"]
            ok = self.same(lf, F) or (not quotient and self.same(lf, G))
            if ok and not quotient and not self.same(lf, F):
                F, G = G, F  # the learner took the factors the other way round
            out["f"].ok = ok
            if not ok:
                out["f"].diagnosis = [diagnosis("numerator" if quotient else "factor")]
        if "g" in given:
            ok = self.same(given["g"], G)
            out["g"].ok = ok
            if not ok:
                out["g"].diagnosis = [diagnosis("denominator" if quotient else "factor")]
        for piece, part, other in (("f'", F, G), ("g'", G, F)):
            if piece in given:
                ok, diag = self.derivative_of(part, x, given[piece])
                if not ok and not quotient and "f" not in given:
                    ok = self.derivative_of(other, x, given[piece])[0] or ok
                    diag = [] if ok else diag
                out[piece].ok, out[piece].diagnosis = ok, diag

    def check_answer(self, a: Expr, res: PieceResult) -> None:
        if self.p.given:
            self.check_value(a, res)
            return
        if self.p.equation is not None:
            self.check_implicit(a, res)
            return
        ok, diag = self.derivative_of(self.f, self.x, a)
        res.ok, res.diagnosis = ok, diag
        if ok and a is not self.p.derivative and a is not self.p.derivation.result:
            res.textbook = self.p.derivative

    def check_implicit(self, a: Expr, res: PieceResult) -> None:
        """dy/dx of the curve, compared as a function of x and y (a form that agrees
        only on the curve, after using the equation, is not accepted: the textbook
        form −F_x/F_y is shown)."""
        want = self.p.derivative
        res.ok = self.same(a, want)
        if res.ok:
            if a is not want:
                res.textbook = want
        elif self.same(a, core.neg(want)):
            res.diagnosis = [diagnosis("implicit_sign")]
        elif "y" not in a.free:
            res.diagnosis = [diagnosis("implicit_no_y")]
        else:
            res.diagnosis = [diagnosis("implicit_wrong")]

    def check_value(self, a: Expr, res: PieceResult) -> None:
        want = self.p.value
        if a.free:
            res.ok, res.diagnosis = False, [diagnosis("not_a_number")]
            return
        got = float(a.evaluate())
        res.ok = abs(got - float(want)) <= 1e-9 * max(1.0, abs(float(want)))
        if res.ok:
            return
        given_values = [float(v) for e, v in self.p.given if e.op == core.FN]
        if any(abs(got - v) <= 1e-9 for v in given_values):
            res.diagnosis = [diagnosis("function_value")]
        elif want and abs(got / float(want) - round(got / float(want))) < 1e-9:
            res.diagnosis = [diagnosis("value_factor", factor=decimal(Fraction(got) /
                                                                          Fraction(want)))]
        else:
            res.diagnosis = [diagnosis("value_wrong")]


def check_steps(problem: Problem, pieces: Mapping[str, Any], lang: str | None = None
                ) -> StepReport:
    """Judge the pieces a learner wrote (text, plain or LaTeX, or expressions), keyed by
    piece name (:func:`pieces_of`); unknown names are a BibunError listing the pieces."""
    lang = i18n.resolve(lang)
    allowed = pieces_of(problem)
    unknown = [k for k in pieces if k not in allowed]
    if unknown:
        raise i18n.error("practice.error.unknown_piece", piece=unknown[0],
                         pieces=", ".join(label_of(problem, p) for p in allowed))
    out: dict[str, PieceResult] = {}
    parsed: dict[str, Expr] = {}
    for name in allowed:
        if name not in pieces:
            continue
        value = pieces[name]
        text = value if isinstance(value, str) else str(value)
        res = out[name] = PieceResult(name, text, None)
        try:
            parsed[name] = value if isinstance(value, Expr) else parse_any(value)
        except ParseError as exc:
            res.error = i18n.one_line(exc, lang)
    judge = _Judge(problem, lang)
    kinds = pieces_of(problem)
    if kinds == CHAIN_PIECES:
        judge.check_chain(parsed, out)
    elif kinds == SPLIT_PIECES:
        judge.check_split(parsed, out)
    if "answer" in parsed:
        judge.check_answer(parsed["answer"], out["answer"])
    return StepReport(problem, [out[n] for n in allowed if n in out])


__all__ = ["CHAIN_PIECES", "SPLIT_PIECES", "PieceResult", "StepReport", "check_steps",
           "label_of", "pieces_of"]
