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
