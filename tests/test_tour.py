"""`bibun tour` (what `make demo` runs) walks the seeds and writes its figures."""

import io
import time

from bibun.cli import main
from bibun.tour import run


def plain(text: str) -> str:
    """Unicode math (x², −) as ASCII (x^2, -): the steps may come from bibun.explain."""
    table = str.maketrans({"²": "^2", "³": "^3", "⁴": "^4", "−": "-", "′": "'"})
    return text.translate(table)


def test_tour_english(tmp_path):
    buf = io.StringIO()
    t0 = time.perf_counter()
    figures = run("en", tmp_path / "out", buf)
    assert time.perf_counter() - t0 < 60
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
    assert "put u = x^3 + 1: y = u^2" in text
    assert "dy/du = 2u, du/dx = 3x^2" in text
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    losses, out, how, n = tour._train_xor_numpy(X, Y, 3000)
    assert losses[-1] < losses[0] / 5
    assert "NumPy" in how
