"""What every figure shares: fonts per language, the Agg canvas, saving, labels.

Matplotlib is used through its object interface with the Agg canvas (no pyplot, no
global backend switch, nothing opens a window), so plotting works on servers and inside
tests.  ``lang="ja"`` writes Japanese labels with the IPAex Gothic font of the
``matplotlib-fontja`` package; the font family is set per figure, so English figures are
unaffected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bibun import i18n
from bibun.calculus import one_variable
from bibun.expr.core import Expr
from bibun.i18n import Msg, error
from bibun.text import shorten

FORMATS = (".png", ".svg", ".pdf")

COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink",
          "tab:olive", "tab:cyan"]


def _t(lang: str, key: str, **params: Any) -> str:
    """A label of the figures (``plot.<key>`` in the catalogs)."""
    return i18n.text(f"plot.{key}", lang, **params)


#: the fonts of a figure per language (DejaVu Sans has the math symbols)
_FONTS = {"en": ["DejaVu Sans"], "ja": ["IPAexGothic", "DejaVu Sans"]}


@contextlib.contextmanager
def _style(lang: str) -> Iterator[None]:
    """Fonts for one figure: IPAex Gothic (matplotlib-fontja) with DejaVu Sans as the
    fallback for Japanese, plain DejaVu Sans otherwise.  The package sets the global
    font on import; we put the global setting back and scope ours to this figure.
    Within the figure the language is also the formulas' notation (``log x`` on a
    Japanese figure where the English one writes ``ln x``)."""
    families = _FONTS[i18n.resolve(lang)]
    if "IPAexGothic" in families:
        saved = list(matplotlib.rcParams["font.family"])
        import matplotlib_fontja  # noqa: F401  (registers IPAexGothic)

        matplotlib.rcParams["font.family"] = saved
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": True}), \
            i18n.using(lang):
        yield


def _figure(figsize: tuple[float, float] = (7.0, 4.5)) -> Figure:
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _whole_number_ticks(ax: Any) -> None:
    """Ticks on whole numbers only (epochs, steps, layers): a single epoch is not
    "0.96 ... 1.05"."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def _save(fig: Figure, out: str | Path) -> Path:
    p = Path(out)
    if p.suffix.lower() not in FORMATS:
        raise error("error.plot.format", name=p.name, formats=', '.join(FORMATS))
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=110)
    return p


#: (derivatives of nested functions grow quickly: the 5th of sin∘…∘sin (20 deep) has
#: 11,000 parts and takes seconds, the 6th a minute); the formula itself may have 10x more
MAX_DIFF_NODES = 1500

#: written-out size above which a formula is not printed on a figure (printing it would
#: cost more than drawing it, and only its first few dozen characters would show)
PRINT_SIZE = 5000


def _text(e: Expr, n: int = 60) -> str:
    """A formula for a title or legend: at most ``n`` characters, ``…`` when cut."""
    if e.size > PRINT_SIZE:
        return "…"
    return shorten(e.unicode(), n)


def _label(name: str, e: Expr) -> str:
    return f"{name} = {_text(e, 48)}"


def _prime(k: int) -> str:
    return {0: "f(x)", 1: "f′(x)", 2: "f″(x)", 3: "f‴(x)"}.get(k, f"f⁽{k}⁾(x)")


def _one_var(e: Expr, var: str | None) -> str:
    return one_variable(e, var or None, Msg("plot.what.this_plot"))


def _num(g: Any, digits: int = 6) -> str:
    """A number on a figure, by the one formatter (:func:`bibun.i18n.format_number`) in
    its unicode style with a true minus sign: 0.1, −2.5, 2.5×10⁻⁷, never 2.5e-07; a
    non-finite value is the formatter's error, never ``inf`` on a figure."""
    return i18n.format_number(g, digits, style="unicode").replace("-", "−")

