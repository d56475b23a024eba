"""`bibun tour` (what `make demo` runs) walks the seeds and writes its figures."""

import io

import pytest

from bibun.cli import main
from bibun.tour import run


def plain(text: str) -> str:
    """Unicode math (x², −) as ASCII (x^2, -): the steps may come from bibun.explain."""
    table = str.maketrans({"²": "^2", "³": "^3", "⁴": "^4", "−": "-", "′": "'"})
    return text.translate(table)


def test_tour_english(tmp_path):
    buf = io.StringIO()
    figures = run("en", tmp_path / "out", buf)
    text = plain(buf.getvalue())
    for needle in ("h + 2x", "6x^2(x^3 + 1)", "-3x^2/(x^3 + 1)^2", "4(2x + 3)(x^2 + 3x + 1)^3",
                   "1 + x/1! + x^2/2! + x^3/3!", "sigmoid(x)(1 - sigmoid(x))",
                   "1 - tanh(x)^2", "(6, 8)", "0.1999999999990898", "the exact derivative is 0.2",
                   "6.00000000000378", "7.999999999999119", "local minimum", "diverged",
                   "AdaGrad"):
        assert needle in text, needle
    assert len(figures) >= 10
    assert all(p.exists() and p.stat().st_size > 5000 for p in figures)


def test_tour_japanese_cli(tmp_path, capsys):
    assert main(["tour", "--lang", "ja", "--out", str(tmp_path / "ja")]) == 0
    out = plain(capsys.readouterr().out)
    assert "合成関数の微分" in out and "6x^2(x^3 + 1)" in out
    assert "極小" in out and "正規方程式" in out


def test_tour_fallbacks_without_other_modules(monkeypatch):
    """Without bibun.explain the chain rule is written out as outer × inner; without
    bibun.nn the network is trained by NumPy backprop with bibun's sigmoid'."""
    import numpy as np

    from bibun import tour

    monkeypatch.setattr(tour, "_explained", lambda e, var, lang: None)
    buf = io.StringIO()
    t = tour.Tour("en", "unused", buf)
    t.chain()
    text = buf.getvalue()
    assert "Put u = x^3 + 1: y = u^2" in text
    assert "Differentiate each part: dy/du = 2u, du/dx = 3x^2" in text
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    losses, out, how, n = tour._train_xor_numpy(X, Y, 3000)
    assert losses[-1] < losses[0] / 5
    assert "NumPy" in how


# -- polish: what a student reads -------------------------------------------------------


@pytest.fixture(scope="module")
def tours(tmp_path_factory):
    """Both languages once for the checks below (each run takes about a second)."""
    out = {}
    for lang in ("en", "ja"):
        buf = io.StringIO()
        run(lang, tmp_path_factory.mktemp(lang), buf)
        out[lang] = buf.getvalue()
    return out


def test_euler_identity_is_zero_not_a_float_residue(tours):
    assert "Euler's identity: e^(iπ) + 1 = 0 (in floating point, exp(iπ) + 1 comes out as " \
           "1.2e-16i: the rounding error of π)" in tours["en"]
    assert "オイラーの等式：e^(iπ) + 1 = 0（" in tours["ja"]
    assert "0 + 1.2e-16i" not in tours["en"] + tours["ja"]


def test_formulas_use_one_notation(tours):
    for text in tours.values():
        assert "e^-x" not in text and "^-1" not in text  # e^(-x), as bibun prints it
    assert "d/dx [1/(1 + e^(-x))] = e^(-x)/(1 + e^(-x))^2 = sigmoid(x)(1 - sigmoid(x))" \
        in tours["en"]
    assert "sigmoid(0) = 1/2, so sigmoid'(0) = 1/2 × (1 - 1/2) = 1/4" in tours["en"]
    assert "0.5 × (1 - 0.5) = 1/4" not in tours["en"]
    assert "  (x^5)' = 5x^4" in tours["en"]  # the power rule's example is not x^n again


def test_no_english_or_nested_parentheses_in_japanese_lines(tours):
    ja = tours["ja"]
    assert "(reverse mode)" not in ja and "reverse mode" not in tours["en"]
    assert "勾配は自動微分のリバースモード（bibun.autodiff）で計算します。" in ja
    assert "Gradients by reverse-mode automatic differentiation (bibun.autodiff)." \
        in tours["en"]
    header = next(line for line in ja.splitlines() if "(f(1+h) - f(1))/h" in line)
    assert header.rstrip().endswith("誤差") and "error" not in header
    assert "（浮動小数点の最小二乗）" not in ja


def test_descent_lines_name_their_function_and_read_as_sentences(tours):
    en, ja = tours["en"], tours["ja"]
    assert "  x^4 - 2x^2 + 0.3x from x = 1.5, learning rate 0.05:\n" \
           "    stopped in a local minimum f = -0.705854 at x = 0.9601; on the interval" in en
    assert "  x^2 + y^2 from (3, 4), learning rate 1.5: diverged - after 25 steps the iterate" in en
    assert "x^2 + y^2 を (3, 4) から学習率 1.5 で：25 ステップ目で発散しました：" in ja
    assert "発散 -" not in ja and "ステップ後" not in ja
    assert "73 ステップで点 (2.53e-7, 3.37e-7) に収束しました" in ja


def test_least_squares_numbers_are_rounded_and_residuals_left_out_in_both(tours):
    for text in tours.values():
        section = text.split("== 10.")[1].split("== 11.")[0]
        # fitted values are written to the digits their standard errors support
        assert "1.967x + 1.18" in section and "1.96713173" not in section
        assert "1.967 ± 0.021" in section
        assert "684.211·a + 100·b = 1464.24" in section
        assert "residuals:" not in section and "残差：" not in section


def test_tour_output_has_no_trailing_spaces_and_no_doubled_headers(tours):
    for text in tours.values():
        assert all(line == line.rstrip() for line in text.splitlines())
    en = plain(tours["en"])
    # bibun.explain introduces each example and checks it by expanding itself
    if "Differentiate y = " in en:
        assert "y = (x^3 + 1)^2" not in en.splitlines()
    assert en.count("check by expanding") <= 1
