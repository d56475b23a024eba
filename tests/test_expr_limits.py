"""Deep nests work; pathological input is refused quickly and politely."""

from __future__ import annotations

import pytest

import bibun
from bibun.errors import BibunError, DomainError, LimitError, ParseError
from bibun.expr import core
from bibun.expr.core import dag_size


def test_ten_thousand_deep_nest_prints_parses_and_evaluates():
    x = core.symbol("x")
    e = x
    for _ in range(10_000):
        e = core.fn("sin", e)
    assert abs(e.evaluate(x=0.5) - 0.0) < 0.02  # sin^n(x) -> 0 like sqrt(3/n)
    assert str(e).count("sin(") == 10_000
    assert bibun.parse(str(e)) is e


def test_a_thousand_deep_nest_differentiates_without_recursion():
    x = core.symbol("x")
    e = x
    for _ in range(1_000):
        e = core.fn("sin", e)
    d = bibun.diff(e, "x")
    assert d.free == {"x"}
    assert abs(d.evaluate(x=0.0) - 1.0) < 1e-12  # sin'(0)=1 at every level


def test_the_derivative_of_a_ten_thousand_deep_nest_is_a_product_of_its_cosines():
    """The chain rule grows one product by a factor per level: inserted into the sorted
    product (not re-sorted), and the partial products released as the walk passes them,
    so this is about a second and ~30 MB, inside the work budget (it was over a minute)."""
    e = core.symbol("x")
    for _ in range(10_000):
        e = core.fn("sin", e)
    d = bibun.diff(e, "x")
    assert d.op == core.MUL and len(d.args) == 10_000
    assert all(f.op == core.FN and f.value == "cos" for f in d.args)
    assert {f.args[0] for f in d.args} == set(core.postorder(e)) - {e}  # cos of each level
    assert d.evaluate(x=0.0) == 1.0  # cos(0)^10,000


def test_deep_parenthesised_text_parses():
    text = "(" * 5000 + "x" + ")" * 5000
    assert bibun.parse(text) is core.symbol("x")


def test_repeated_exp_sin_stays_small_because_the_dag_is_shared():
    x = core.symbol("x")
    e = x
    for _ in range(15):
        e = core.fn("exp", core.fn("sin", e)) * e
    d = bibun.diff(e, "x")
    assert dag_size(d) < 2_000  # SymPy's tree for this has millions of operations
    with pytest.raises(LimitError, match="too large to print"):
        str(d)


def test_shared_subexpressions_are_one_object():
    assert bibun.parse("sin(x^2) + cos(x^2)").args[0].args[0] is bibun.parse("x^2")
    assert bibun.parse("x + y") is bibun.parse("y + x")


@pytest.mark.parametrize("text, kind, fragment", [
    ("", ParseError, "empty"),
    ("   ", ParseError, "empty"),
    ("(x+1", ParseError, "never closed"),
    ("x+1)", ParseError, "nothing to close"),
    ("(x]", ParseError, "closed by"),
    ("foo(x)", ParseError, "unknown function 'foo'"),
    ("9^9^9^9", LimitError, "too large"),
    ("2^100000000", LimitError, "too large"),
    ("x" * 1_000_000, LimitError, "too long"),
    ("(" * 100_000 + "x" + ")" * 100_000, LimitError, "too long"),
    ("__import__('os')", ParseError, "column 1"),
    ("x +* 2", ParseError, "column"),
    ("1/0", ParseError, "division by zero"),
    ("log(0)", DomainError, "log"),
])
def test_bad_input_is_a_clear_error(text, kind, fragment):
    with pytest.raises(kind, match=fragment):
        bibun.parse(text)


def test_parse_error_points_at_the_column_with_a_caret():
    with pytest.raises(ParseError) as info:
        bibun.parse("x + * 2")
    err = info.value
    assert err.column == 5
    assert str(err).splitlines()[-1].index("^") - 2 == 4


def test_domain_errors_say_what_and_where():
    with pytest.raises(DomainError, match=r"x = -1.*log needs its argument > 0"):
        bibun.parse("log(x)").evaluate(x=-1)
    with pytest.raises(DomainError, match="division by zero"):
        bibun.parse("1/x").evaluate(x=0)


def test_unknown_value_is_reported():
    with pytest.raises(BibunError, match="no value given for y"):
        bibun.parse("x + y").evaluate(x=1)


def test_derivative_order_is_bounded():
    with pytest.raises(LimitError):
        bibun.diff("x^2", "x", 10_000)


def test_hash_consing_holds_across_threads():
    from concurrent.futures import ThreadPoolExecutor

    def work(_):
        return [bibun.parse(f"x^{k} + y sin(x^{k} + {k})") for k in range(150)]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(16)))
    assert all(a is b for r in results for a, b in zip(r, results[0]))


def test_exact_number_too_large_for_a_float_is_a_limit_error():
    """10^310 is exact, but sin needs a float: a clear LimitError, not an OverflowError."""
    with pytest.raises(LimitError, match="too large for a float"):
        bibun.parse("sin(x^310)").evaluate(x=10)


def test_bracket_nesting_limit_is_exact_and_points_at_the_column():
    from bibun.expr.lex import MAX_DEPTH

    deep = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert bibun.parse(deep) is bibun.parse("x")
    with pytest.raises(LimitError, match=f"open at column {MAX_DEPTH + 1:,}"):
        bibun.parse("(" + deep + ")")


@pytest.mark.parametrize("text, x", [("2^2^x", 27), ("2^2^x", 40),
                                     ("2^2^2^2^2^2^2^2^2^2^x", 0)])
def test_a_power_tower_is_refused_before_its_integer_grows(text, x):
    """An inner power hands back an exact integer: the outer one is size-checked, not
    computed (it used to grow memory without bound)."""
    with pytest.raises(LimitError):
        bibun.parse(text).evaluate(x=x)
