"""Numbers as a person writes them (issue 18 items 3 and 5): the one formatter, and every
place that used to print 40-digit fractions, ``1e+300e^(…)``, 170-digit losses,
0.5235987755982988 for π/6 or -0.6931471805599453 for ln(1/2)."""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

import numpy as np
import pytest

from bibun import i18n
from bibun.cli import main
from bibun.expr import numfmt
from bibun.expr.numbers import short_decimal
from bibun.expr.parse import parse
from bibun.fit import fit
from bibun.nn.train import History, Progress
from bibun.symbolic import diff

# -- the formatter: tables of inputs -> printed text ------------------------------------------

FMT = [  # value, text, unicode, latex
    (0, "0", "0", "0"),
    (-0.0, "0", "0", "0"),
    (1234567, "1234567", "1234567", "1234567"),
    (10**20, "1e20", "1×10²⁰", "1 \\times 10^{20}"),
    (-(10**20) - 1, "-1e20", "−1×10²⁰", "-1 \\times 10^{20}"),
    (Fraction(7, 22), "7/22", "7/22", "\\frac{7}{22}"),
    (Fraction(-355, 113), "-355/113", "-355/113", "-\\frac{355}{113}"),
    (Fraction(1, 10**6), "1e-6", "1×10⁻⁶", "1 \\times 10^{-6}"),  # 7-digit denominator
    (Fraction(35042556512954282929819682932651592209, 14017094017094014398290598290598602310),
     "2.49999", "2.49999", "2.49999"),
    (0.1 + 0.2, "0.3", "0.3", "0.3"),
    (123456.7, "123457", "123457", "123457"),
    (999999.7, "1e6", "1×10⁶", "1 \\times 10^{6}"),
    (1e300, "1e300", "1×10³⁰⁰", "1 \\times 10^{300}"),
    (2.5e-7, "2.5e-7", "2.5×10⁻⁷", "2.5 \\times 10^{-7}"),
    (0.00012345, "0.00012345", "0.00012345", "0.00012345"),
    (np.float64(1.1), "1.1", "1.1", "1.1"),
    (np.int64(-42), "-42", "-42", "-42"),
]


@pytest.mark.parametrize(("value", "text", "uni", "tex"), FMT)
def test_formatter_writes_each_number_as_a_person_would(value, text, uni, tex):
    assert numfmt.fmt(value) == text
    assert numfmt.fmt(value, style="unicode") == uni
    assert numfmt.fmt(value, style="latex") == tex


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(2843, 25), "113.72"), (Fraction(-1, 8), "-0.125"), (Fraction(1, 3), "1/3"),
    (Fraction(7, 1), "7"), (Fraction(1, 3 * 10**7), "3.33333e-8"),
])
def test_decimal_data_keeps_exact_decimals_as_decimals(value, text):
    assert numfmt.fmt(value, prefer_decimal=True) == text


@pytest.mark.parametrize(("value", "se", "text"), [
    (4.55201, 0.16249, "4.55 ± 0.16"), (46.76209, 0.70744, "46.76 ± 0.71"),
    (46.76, 3.8, "46.8 ± 3.8"), (46.76, 380, "50 ± 380"), (0.0123, 0.5, "0.01 ± 0.50"),
    (1.2345e8, 4.56e5, "1.2345e8 ± 4.6e5"), (2.0, 0.0, "2"), (2.5, None, "2.5"),
    (2.5, math.inf, "2.5"),
])
def test_value_with_standard_error_has_the_digits_the_error_supports(value, se, text):
    assert numfmt.with_error(value, se) == text


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(18, 5), "= 3.6"), (Fraction(7, 22), "≈ 0.318182"), (3, "= 3"),
    (math.sqrt(3) / 2, "≈ 0.866025"),
])
def test_decimal_beside_an_exact_value_says_equal_or_about(value, text):
    assert numfmt.beside(value) == text


@pytest.mark.parametrize(("value", "en", "ja"), [
    (math.inf, "overflowed past the largest floating-point number", "最大値"),
    (-math.inf, "overflowed past the largest floating-point number", "あふれました"),
    (math.nan, "is not a number (NaN)", "数ではありません（NaN）"),
])
def test_non_finite_is_an_error_with_the_reason_in_both_languages(value, en, ja):
    with pytest.raises(numfmt.NotFiniteError) as info:
        numfmt.fmt(value, what="the loss")
    assert str(info.value).startswith("the loss cannot be written as a number") and en in str(
        info.value)
    with pytest.raises(numfmt.NotFiniteError) as info:
        numfmt.finite(value)
    assert ja in i18n.message(info.value, "ja") and "この値は数として書けません" in i18n.message(
        info.value, "ja")


# -- constants kept symbolic: 0.5^x is (1/2)^x -------------------------------------------------


@pytest.mark.parametrize(("value", "q"), [
    (0.5, Fraction(1, 2)), (1.5, Fraction(3, 2)), (0.1, Fraction(1, 10)), (0.125, Fraction(1, 8)),
    (0.30000000000000004, None), (math.pi, None), (math.inf, None),
])
def test_short_decimal_is_the_fraction_a_person_typed(value, q):
    assert short_decimal(value) == q


def test_decimal_base_differentiates_with_a_symbolic_logarithm(capsys):
    d = diff(parse("0.5^x"), "x")
    assert d is diff(parse("(1/2)^x"), "x")
    assert str(d) == "(1/2)^x ln(1/2)"
    assert main(["diff", "0.25^x"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "d/dx [(1/4)^x] = (1/4)^x ln(1/4)"
    assert not re.search(r"\d\.\d{6,}", out)  # no -1.3862943611198906


# -- --at at a symbolic point: the exact value with its decimal beside it ---------------------


def _run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("formula", "at", "line"), [
    ("sin(x)", "x=pi/6", f"at x = π/6: √3/2 ≈ {math.sqrt(3) / 2:.6f}"),
    ("tan(x)", "x=pi/3", "at x = π/3: 4"),  # sec² π/3 = 4 exactly
    ("2^x", "x=1", f"at x = 1: 2ln(2) ≈ {2 * math.log(2):.6g}"),
    ("sin(x)", "x=1", f"at x = 1: {math.cos(1):.6g}"),  # no exact form known: the decimal
    ("sigmoid(x)", "x=0", "at x = 0: 1/4"),
])
def test_at_a_point_gives_the_exact_value_and_its_decimal(capsys, formula, at, line):
    code, out, _ = _run(capsys, "diff", formula, "--at", at, "--format", "unicode")
    assert code == 0 and out.splitlines()[-1] == "  " + line


def test_at_pi_over_6_in_japanese_and_in_json(capsys):
    code, out, _ = _run(capsys, "diff", "sin(x)", "--at", "x=pi/6", "--lang", "ja")
    assert code == 0 and out.splitlines()[-1] == "  x = pi/6 のとき：sqrt(3)/2 ≈ 0.866025"
    code, out, _ = _run(capsys, "diff", "sin(x)", "--at", "x=pi/6", "--format", "json")
    data = json.loads(out)
    assert data["exact"] == "sqrt(3)/2" and data["value"] == pytest.approx(math.sqrt(3) / 2)


# -- fit: decimal data gives decimals with standard errors ------------------------------------

HOURS = [1.2, 2.5, 3.1, 4.7, 5.3, 6.8]
SCORE = [52.3, 57.1, 61.9, 68.2, 71.0, 77.5]


@pytest.fixture
def study(tmp_path):
    p = tmp_path / "study.csv"
    p.write_text("hours,score\n" + "".join(f"{h},{s}\n" for h, s in zip(HOURS, SCORE)))
    return p


def test_fit_on_decimal_data_prints_decimals_with_standard_errors(study, capsys):
    code, out, _ = _run(capsys, "fit", study, "--x", "hours", "--y", "score")
    assert code == 0
    # the same line and errors by NumPy's own least squares, independently
    (a, b), cov = np.polyfit(HOURS, SCORE, 1, cov="unscaled")
    resid = np.array(SCORE) - np.polyval([a, b], HOURS)
    se = np.sqrt(np.diag(cov) * (resid @ resid) / (len(HOURS) - 2))
    assert "parameters (± standard error):" in out
    assert f"  a = {numfmt.with_error(a, se[0])}\n  b = {numfmt.with_error(b, se[1])}" in out
    assert "a = 4.55 ± 0.16" in out  # what the lines above produce, read by a person
    assert "fitted: score = 4.55x + 46.76" in out
    assert "113.72·a + 23.6·b = 1621.24" in out  # sums of decimals written as decimals
    assert not re.search(r"\d{7,}/\d{7,}", out) and "/" not in out.split("parameters")[1]
    code, out, _ = _run(capsys, "fit", study, "--x", "hours", "--y", "score", "--format", "json")
    data = json.loads(out)
    assert data["standard_errors"] == pytest.approx({"a": se[0], "b": se[1]})
    assert data["shown"] == {"a": "4.55 ± 0.16", "b": "46.76 ± 0.71"}
    code, out, _ = _run(capsys, "fit", study, "--x", "hours", "--y", "score", "--lang", "ja")
    assert "パラメータ（± 標準誤差）：\n  a = 4.55 ± 0.16" in out
    assert "当てはめた式：score = 4.55x + 46.76" in out


def test_fit_on_whole_numbers_keeps_short_exact_fractions(tmp_path, capsys):
    p = tmp_path / "n.csv"
    p.write_text("x,y\n0,1\n1,3\n2,5\n3,7\n")
    code, out, _ = _run(capsys, "fit", p)
    assert code == 0 and "parameters:\n  a = 2\n  b = 1\n" in out  # a perfect fit: no error
    assert "fitted: y = 2x + 1" in out


@pytest.mark.parametrize(("lang", "needle"), [
    ("en", "the sum of squared residuals overflows"), ("ja", "残差平方和が浮動小数点数の最大値"),
])
def test_fit_starting_values_that_overflow_are_a_clear_error(study, capsys, lang, needle):
    code, out, err = _run(capsys, "fit", study, "--x", "hours", "--y", "score", "--model",
                          "a*exp(k*x)", "--init", "a=1e300", "--lang", lang)
    assert code == 2 and out == "" and needle in err and "a = 1e300" in err
    assert "52.3" in err and "77.5" in err  # the data's scale, to choose better values
    assert "inf" not in err and "Traceback" not in err


def test_fit_non_finite_starting_value_is_refused(study, capsys):
    code, out, err = _run(capsys, "fit", study, "--x", "hours", "--y", "score", "--model",
                          "a*exp(k*x)", "--init", "a=1e400")
    assert code == 2 and out == "" and "not a finite number" in err
    with pytest.raises(numfmt.NotFiniteError, match="the starting value of a cannot be written"):
        fit(study, "a*exp(k*x)", init={"a": math.inf}, columns={"x": "hours"})


# -- training: diverged at step k, and progress that informs ----------------------------------

DIVERGING = ["train", "--data", "iris", "--optimizer", "sgd", "--lr", "1000",
             "--activation", "relu", "--epochs", "5"]


@pytest.mark.parametrize(("lang", "needles"), [
    ("en", ("training diverged at step 3 (epoch 1, batch 3)", "more than 1e6 times",
            "--lr 100")),
    ("ja", ("学習が発散しました（ステップ 3、エポック 1 のバッチ 3）", "倍を超えて増えました",
            "--lr 100")),
])
def test_diverging_training_says_where_instead_of_printing_huge_losses(capsys, lang, needles):
    code, out, err = _run(capsys, *DIVERGING, "--lang", lang)
    assert code == 2
    assert all(n in err for n in needles), err
    assert max(len(line) for line in (out + err).splitlines()) < 300
    assert not re.search(r"\d{12,}", out + err)


@pytest.mark.parametrize(("lang", "step", "epoch"), [
    ("en", r"  step  (\d+)/16  epoch 1/2  batch \d/8  loss [\d.]+  acc [\d.]+%",
     r"epoch 1/2  loss [\d.]+  train acc +[\d.]+%  test acc +[\d.]+%"),
    ("ja", r"  ステップ  (\d+)/16  エポック 1/2  バッチ \d/8  損失 [\d.]+  正解率 [\d.]+%",
     r"エポック 1/2  損失 [\d.]+  訓練データの正解率 +[\d.]+%"),
])
def test_training_through_a_pipe_prints_periodic_batch_lines(capsys, lang, step, epoch):
    code, out, _ = _run(capsys, "train", "--data", "iris", "--epochs", "2", "--log-every", "3",
                        "--lang", lang)
    assert code == 0
    steps = [int(m.group(1)) for line in out.splitlines() if (m := re.fullmatch(step, line))]
    assert steps == [3, 6]  # every 3 batches within the first epoch (the 8th ends it)
    assert any(re.match(epoch, line) for line in out.splitlines())
    code, out, _ = _run(capsys, "train", "--data", "iris", "--epochs", "2", "--log-every", "0",
                        "--lang", lang)
    assert code == 0 and not any(re.fullmatch(step, line) for line in out.splitlines())


def test_progress_bar_moves_every_batch_with_loss_and_accuracy(capsys):
    bar = Progress("iris", 2, 4, True, "en", bar=True, log=None, every=None)
    for b in range(1, 5):
        bar.batch(b, 1, b, 1.0 / b, 0.25 * b)
    assert bar.bar.n == 4 and bar.bar.total == 8
    assert bar.bar.postfix == "epoch 1/2 loss 0.25 acc 100.0%"
    h = History([0.25], [0.9], [0.8])
    bar.epoch(h, 1)
    bar.close()
    out = capsys.readouterr()
    assert "epoch 1/2  loss 0.25  train acc  90.0%  test acc  80.0%" in out.out + out.err


@pytest.mark.parametrize(("batches", "logged"), [(8, []), (20, [5, 10, 15]), (45, [12, 24, 36])])
def test_plain_lines_within_an_epoch_only_when_it_is_long(batches, logged):
    lines: list[str] = []
    shown = Progress("t", 1, batches, False, "en", bar=False, log=lines.append, every=None)
    for b in range(1, batches + 1):
        shown.batch(b, 1, b, 0.5, 0.0)
    assert [int(re.search(r"batch (\d+)/", line).group(1)) for line in lines] == logged
    assert all(line.endswith("loss 0.5") for line in lines)  # regression: no accuracy
