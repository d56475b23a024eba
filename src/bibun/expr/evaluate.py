"""Evaluate an expression at a point: exact rationals where the inputs are exact,
floats otherwise, NumPy arrays when any input is an array.  Domain violations are
clear errors that say which function, which argument and where."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from bibun.errors import DomainError, LimitError
from bibun.expr.core import (
    ADD,
    CALL,
    CONST,
    CONST_VALUES,
    FN,
    MAX_BITS,
    MUL,
    NUM,
    POW,
    SYM,
    Expr,
    postorder,
)
from bibun.expr.numbers import digit_count, to_float, too_large_for_float
from bibun.expr.parse import parse
from bibun.expr.provided import provide
from bibun.functions import rule
from bibun.functions.lazy import is_numpy, np
from bibun.i18n import FALLBACK, Msg, chosen, error, text


def _where(values: dict[str, Any]) -> str | Msg:
    """Where the evaluation failed, for a message: the values, or "this point" in the
    message's language when the expression had no variables left."""
    return ", ".join(f"{k} = {v}" for k, v in sorted(values.items())) or Msg("evaluate.this_point")


class _Need:
    """A rule's condition on its argument u ("u > 0") in the words of the sentence it is
    put into ("its argument > 0", "引数 > 0"): the message is rendered later, in the
    reader's language."""

    def __init__(self, cond: str) -> None:
        self.cond = cond

    def __str__(self) -> str:
        return self.cond.replace("u", text("evaluate.the_argument", chosen() or FALLBACK))


def _domain_error(key: str, node: Expr, need: str | None = None,
                  pole: bool = False, **params: Any) -> DomainError:
    """The error, with what a caller needs to explain it without searching the tree
    again: ``node`` (the innermost piece that failed), ``need`` (the rule's condition on
    its argument u, e.g. "u > 0", when the failing piece is a function that has one) and
    ``pole`` (True when the value came out infinite or NaN rather than outside a stated
    domain: a pole or an overflow, not a genuine gap).  The message is the catalog's
    ``key`` (its words in the reader's language: the web page and the CLI in Japanese)."""
    exc = error(key, DomainError, node=node, **params)
    exc.node = node  # type: ignore[attr-defined]
    exc.need = need  # type: ignore[attr-defined]
    exc.pole = pole  # type: ignore[attr-defined]
    return exc


def _exact(v: Any) -> bool:
    return isinstance(v, int | Fraction) and not isinstance(v, bool)


def _pow(b: Any, x: Any, node: Expr, values: dict[str, Any]) -> Any:
    if isinstance(x, Fraction) and x.denominator == 1:
        x = x.numerator  # an integer exponent takes the size check below, not Fraction's pow
    if b == 0 and x < 0:  # 0^(-1), 0^(-1/2), 0.0^(-2): exact or not
        raise _domain_error("error.evaluate.division_by_zero", node, values=_where(values))
    if _exact(b) and isinstance(x, int):
        bits = max(Fraction(b).numerator.bit_length(), Fraction(b).denominator.bit_length())
        if bits * abs(x) > MAX_BITS:
            raise error("error.evaluate.too_large", LimitError, node=node)
        return Fraction(b) ** x
    if _exact(b) and isinstance(x, Fraction) and b >= 0:
        try:
            r = Fraction(b) ** x  # Fraction ** Fraction gives float unless exact
        except (ZeroDivisionError, OverflowError):  # a tiny or huge base leaves the floats
            raise too_large_for_float() from None
        if isinstance(r, Fraction):
            return r
    fb, fx = to_float(b), to_float(x)
    if fb < 0 and not fx.is_integer():
        raise _domain_error("error.evaluate.not_real", node, values=_where(values),
                            base=str(fb), power=str(fx))
    try:
        return fb**fx
    except OverflowError:
        raise error("error.evaluate.overflow", LimitError, node=node,
                    values=_where(values)) from None
    except ZeroDivisionError:  # a tiny exact base that became 0.0 as a float
        raise _domain_error("error.evaluate.division_by_zero", node,
                            values=_where(values)) from None


def _apply(name: str, v: Any, node: Expr, values: dict[str, Any]) -> Any:
    r = rule(name)
    if _exact(v) and v in r.exact:
        return r.exact[v]
    fv = to_float(v)
    if r.domain is not None and not r.domain(fv):
        raise _domain_error("error.evaluate.needs", node, r.domain_text, values=_where(values),
                            name=name, condition=_Need(r.domain_text), v=f"{fv:g}")
    with np.errstate(all="ignore"):
        out = float(r.numpy(fv))
    if not math.isfinite(out):
        if math.isinf(out) and name == "exp":
            raise error("error.evaluate.overflow_float", LimitError, node=node,
                        values=_where(values))
        raise _domain_error("error.evaluate.undefined_value", node, r.domain_text or None,
                            pole=True, values=_where(values), value=str(out))
    return out


def _require_values(expr: Expr, values: dict[str, Any]) -> None:
    """Both evaluators refuse a point that leaves a symbol of ``expr`` without a value."""
    missing = sorted(expr.free - set(values))
    if missing:
        raise error("error.evaluate.missing", DomainError, missing=', '.join(missing), expr=expr)


def evaluate(expr: Expr, values: dict[str, Any]) -> Any:
    """Value of ``expr`` with symbols bound by ``values`` (names -> numbers or arrays)."""
    _require_values(expr, values)
    if any(is_numpy(v) and isinstance(v, np.ndarray) for v in values.values()):
        return _evaluate_array(expr, values)
    vals = {k: _coerce(k, v) for k, v in values.items()}
    memo: dict[Expr, Any] = {}
    node = expr
    try:
        for node in postorder(expr):
            op = node.op
            if op == NUM:
                r = node.value
            elif op == SYM:
                r = vals[node.value]
            elif op == CONST:
                r = CONST_VALUES[node.value]
            elif op == ADD:
                r = sum(memo[a] for a in node.args)
            elif op == MUL:
                r = 1
                for a in node.args:
                    r = r * memo[a]
            elif op == POW:
                r = _pow(memo[node.args[0]], memo[node.args[1]], node, values)
            elif op == FN:
                r = _apply(node.value, memo[node.args[0]], node, values)
            elif op == CALL:
                raise _domain_error("error.evaluate.unknown_function_in", node,
                                    name=node.value[0])
            else:  # pragma: no cover
                raise AssertionError(op)
            if isinstance(r, float) and not math.isfinite(r):
                raise _domain_error("error.evaluate.not_finite", node, pole=True,
                                    values=_where(values))
            memo[node] = r
    except OverflowError:  # an exact number too large for a float: 10^310 meets sin
        raise error("error.evaluate.needs_large", LimitError, node=node,
                    values=_where(values)) from None
    out = memo[expr]
    if isinstance(out, Fraction) and out.denominator == 1:
        return int(out.numerator)
    return out


def _coerce(name: str, v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int | Fraction | float):
        return v
    if is_numpy(v) and isinstance(v, np.integer):
        return int(v)
    if is_numpy(v) and isinstance(v, np.floating):
        return float(v)
    if isinstance(v, complex):
        raise error("error.evaluate.reals", DomainError, name=name, v=v)
    if isinstance(v, str):
        e = parse(v)
        if e.free:
            raise error("error.evaluate.not_number", DomainError, name=name, v=repr(v))
        return evaluate(e, {})
    raise error("error.evaluate.not_number_type", DomainError, name=name, kind=type(v).__name__)


def evaluate_numeric(expr: Expr, values: dict[str, Any]) -> Any:
    """Float evaluation for NumPy arrays, floats or complex numbers, with the rule table's
    NumPy implementations: NaN outside the domain (as NumPy does) instead of an error.
    This is what numeric differentiation (including the complex step) and plots use.

    The walk has the shape of :func:`evaluate`'s but is kept separate on purpose: nearly
    every branch differs (floats for numbers, ``np.power`` for powers, NaN instead of
    domain errors, no finiteness check), and the exact path stays readable on its own."""
    _require_values(expr, values)
    memo: dict[Expr, Any] = {}
    with np.errstate(all="ignore"):
        for node in postorder(expr):
            op = node.op
            if op == NUM:
                try:
                    r = float(node.value)
                except OverflowError:
                    bits = abs(int(node.value)).bit_length()
                    raise error("error.evaluate.digits", LimitError,
                                digits=digit_count(bits)) from None
            elif op == SYM:
                r = values[node.value]
            elif op == CONST:
                r = CONST_VALUES[node.value]
            elif op == ADD:
                r = sum(memo[a] for a in node.args)
            elif op == MUL:
                r = 1.0
                for a in node.args:
                    r = r * memo[a]
            elif op == POW:
                b, x = memo[node.args[0]], memo[node.args[1]]
                r = np.power(b if np.iscomplexobj(b) else np.asarray(b, dtype=float), x)
            elif op == FN:
                r = rule(node.value).numpy(memo[node.args[0]])
            else:
                raise error("error.evaluate.unknown_function", DomainError, name=node.value[0])
            memo[node] = r
    return memo[expr]


def _evaluate_array(expr: Expr, values: dict[str, Any]) -> np.ndarray:
    out = evaluate_numeric(expr, {k: np.asarray(v, dtype=float) for k, v in values.items()})
    return np.asarray(out, dtype=float)


provide("evaluate", evaluate)
