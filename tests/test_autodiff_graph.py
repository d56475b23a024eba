"""The graph made visible: DOT, SVG (own layout and Graphviz), and `bibun graph`."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import Tensor
from bibun.autodiff.expr_graph import graph_of
from bibun.cli import main


def _small():
    x = Tensor(2.0, requires_grad=True, name="x")
    y = ad.tanh(x * 3.0) + x * x
    y.backward()
    return x, y


def test_dot_shows_values_and_gradients():
    _, y = _small()
    dot = ad.to_dot(y)
    assert dot.startswith("digraph") and "rankdir=LR" in dot
    assert "value 4" in dot and "grad 4" in dot  # x*x = 4 and ∂y/∂x ≈ 4
    assert dot.count("->") == 6  # x*x: two edges from x


def test_builtin_svg_is_valid_xml():
    _, y = _small()
    svg = ad.to_svg(y, engine="builtin")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter() if t.tag.endswith("text")]
    assert "x" in texts and any(t.startswith("grad") for t in texts)


def test_graph_labels_speak_the_readers_language():
    """Every word in the picture comes from the catalog: 乗算, 値, 勾配 in Japanese; the
    gradient line is red in either language, and wide characters get wide boxes."""
    from bibun import i18n

    _, y = _small()
    with i18n.using("ja"):
        svg = ad.to_svg(y, engine="builtin")
    texts = [t for t in ET.fromstring(svg).iter() if t.tag.endswith("text")]
    words = [t.text for t in texts]
    assert "乗算" in words and "加算" in words
    assert any(w.startswith("値 ") for w in words)
    red = [t.text for t in texts if t.get("fill") == "#b91c1c"]
    assert red and all(w.startswith("勾配 ") for w in red)
    assert not any(w.startswith(("value", "grad", "mul", "add")) for w in words)
    with i18n.using("en"):
        en = ad.to_svg(y, engine="builtin")
    assert "mul" in en and "grad 4" in en


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_graphviz_svg():
    _, y = _small()
    assert "<svg" in ad.to_svg(y, engine="graphviz")


def test_graph_from_formula_shares_nodes():
    out, inputs = graph_of("(x^3+1)^2*sin(x^3+1)", {"x": 1})
    u = 2.0
    expected = (2 * u * np.sin(u) + u**2 * np.cos(u)) * 3
    assert float(inputs["x"].grad) == pytest.approx(expected)
    dot = ad.to_dot(out)
    assert dot.count("x^3 + 1|") == 1  # the shared subexpression is one node


def test_cli_graph(tmp_path, capsys):
    svg = tmp_path / "g.svg"
    assert main(["graph", "sigmoid(w*x+b)", "--at", "w=2,x=1,b=-1", "-o", str(svg),
                 "--engine", "builtin"]) == 0
    assert "∂f/∂w = 0.196612" in capsys.readouterr().out
    ET.parse(svg)
    dot = tmp_path / "g.dot"
    assert main(["graph", "x*y", "--at", "x=3,y=4", "-o", str(dot)]) == 0
    assert dot.read_text().startswith("digraph")
    assert main(["graph", "x+y", "--at", "x=1"]) == 2
    assert "no value given for y" in capsys.readouterr().err


def test_cli_train_and_vanishing(tmp_path, capsys):
    png = tmp_path / "loss.png"
    assert main(["train", "--data", "iris", "--epochs", "3", "--quiet", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "final test accuracy" in out and png.stat().st_size > 1000
    assert main(["vanishing", "--depth", "3", "--width", "8"]) == 0
    assert "sigmoid" in capsys.readouterr().out


def test_graph_of_refuses_corners_and_points_outside_the_domain():
    from bibun.errors import BibunError, DomainError, LimitError

    with pytest.raises(DomainError, match="relu is not differentiable at x = 0"):
        graph_of("relu(x)", {"x": 0})
    with pytest.raises(DomainError, match="undefined at x = -1"):
        graph_of("log(x)", {"x": -1})
    with pytest.raises(BibunError, match="y is not in the formula"):
        graph_of("x^2", {"x": 1, "y": 2})
    with pytest.raises(LimitError, match="too large for a float"):
        graph_of("(x^2)^200", {"x": 10})
    out, inputs = graph_of("x*abs(x)", {"x": 0})  # smooth at 0: both slopes are 0
    assert float(inputs["x"].grad) == 0.0 and np.isfinite(out.data)


def test_graphviz_failure_is_a_clear_error(tmp_path, monkeypatch):
    from bibun.errors import BibunError

    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: something broke' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    _, y = _small()
    with pytest.raises(BibunError, match="Graphviz's dot failed: exit status 1.*something broke"):
        ad.to_svg(y, engine="graphviz")
    assert "<svg" in ad.to_svg(y, engine="auto")  # auto falls back to the built-in layout
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(BibunError, match="not installed.*builtin"):
        ad.to_svg(y, engine="graphviz")
