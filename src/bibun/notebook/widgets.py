"""The notebook explorers as ipywidgets: sliders wired to :mod:`bibun.notebook.logic`.

This is a face: it holds no mathematics.  Each explorer builds its controls, calls the
matching plain function of :mod:`bibun.notebook.logic` whenever a control moves, and
draws what comes back (a matplotlib figure in an ``Output``, the table and the sentences
in an ``HTML``).  A bad value — a point where f is undefined, h = 0 — shows bibun's
message in the learner's language instead of a traceback.

Needs the optional extra ``pip install 'bibun[notebook]'`` (ipywidgets); matplotlib is
already a dependency.  In a notebook::

    from bibun.notebook.widgets import secant_explorer
    secant_explorer("x^2", a=1)        # drag h towards 0: the secant turns into the tangent

Every explorer returns an ``ipywidgets.VBox`` with two extra attributes: ``controls``
(name → widget) and ``view`` (the last result of the logic function), so a test can move
a slider and read what the learner would see.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bibun import i18n
from bibun.errors import BibunError
from bibun.notebook import logic

#: the optimizers the descent explorer offers (bibun.optim's names)
OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError:  # the optional extra is not installed: say how to get it
        raise i18n.error("error.notebook.needs_widgets") from None
    return ipywidgets


#: the fonts of a figure per language (DejaVu Sans has the math symbols)
FONTS = {"en": ["DejaVu Sans"], "ja": ["IPAexGothic", "DejaVu Sans"]}


@contextlib.contextmanager
def _style(lang: str) -> Iterator[None]:
    """Japanese labels need IPAex Gothic (matplotlib-fontja); the package sets the global
    font when imported, so the global setting is put back and ours is scoped to the
    figures drawn inside the block."""
    import matplotlib

    families = FONTS[lang]
    if "IPAexGothic" in families:
        saved = list(matplotlib.rcParams["font.family"])
        import matplotlib_fontja  # noqa: F401  (registers IPAexGothic)

        matplotlib.rcParams["font.family"] = saved
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": True}):
        yield


def _figure(lang: str, size: tuple[float, float] = (6.4, 4.0)) -> Any:
    """A matplotlib Figure (not pyplot: nothing accumulates across redraws)."""
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def _show(out: Any, fig: Any) -> None:
    """Replace the content of the Output ``out`` with ``fig`` as a PNG.

    The figure is rendered here rather than handed to ``display``: a bare ``Figure``
    (no pyplot) has an image formatter only once the inline backend has been loaded, so
    in a fresh kernel JupyterLab showed the text ``<Figure size 640x400 with 1 Axes>``
    (found by tests/test_jupyterlab_widget.py)."""
    import io

    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    out.clear_output(wait=True)
    with out:
        display(Image(data=buf.getvalue(), format="png"))


def _esc(s: Any) -> str:
    return html.escape(str(s))


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = "".join(f"<th>{_esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _explorer(controls: dict[str, Any], draw: Callable[[dict[str, Any]], tuple[Any, str, Any]],
              lang: str) -> Any:
    """Wire ``controls`` to ``draw(values) -> (view, html, figure or None)``."""
    w = _ipywidgets()
    text, out = w.HTML(), w.Output()
    box = w.VBox([w.HBox(list(controls.values())), out, text])
    box.controls, box.view = controls, None

    def redraw(_: Any = None) -> None:
        try:
            with _style(lang), i18n.using(lang):  # formulas print log/ln as lang writes it
                view, page, fig = draw({k: c.value for k, c in controls.items()})
        except BibunError as exc:  # the learner's input: the message, never a traceback
            text.value = f"<p><b>{_esc(i18n.message(exc, lang))}</b></p>"
            out.clear_output()
            box.view = None
            return
        box.view = view
        text.value = page
        if fig is not None:
            _show(out, fig)

    for c in controls.values():
        c.observe(redraw, names="value")
    redraw()
    return box


def secant_explorer(expr: Any = "x^2", a: float = 1.0, lang: str | None = None) -> Any:
    """The secant through A and B = A + h turning into the tangent as h shrinks, with the
    difference-quotient table for h = 1, 0.1, … down to the slider's h."""
    w, lang = _ipywidgets(), i18n.resolve(lang)
    controls = {
        "h": w.FloatLogSlider(value=1.0, base=10, min=-8, max=0, step=0.25,
                              description=i18n.text("notebook.label.h", lang)),
        "a": w.FloatSlider(value=float(a), min=float(a) - 3, max=float(a) + 3, step=0.1,
                           description=i18n.text("notebook.label.point", lang)),
    }

    def draw(v: dict[str, Any]) -> tuple[Any, str, Any]:
        view = logic.secant_view(expr, v["a"], v["h"])
        fig = _figure(lang)
        ax = fig.add_subplot()
        ax.plot(view.xs, view.ys, label=f"y = {view.expr}")
        ax.plot(view.xs, view.secant_line(view.xs),
                label=i18n.text("notebook.legend.secant", lang))
        ax.plot(view.xs, view.tangent_line(view.xs), "--",
                label=i18n.text("notebook.legend.tangent", lang))
        ax.plot(*zip(view.point_a, view.point_b), "o")
        ax.set_ylim(*_limits(view.ys))
        ax.legend(loc="best")
        head = [i18n.text(k, lang) for k in ("notebook.col.h", "notebook.col.quotient",
                                             "notebook.col.error")]
        rows = [(f"{r['h']:.2g}", f"{r['quotient']:.12g}", f"{r['error']:.1e}")
                for r in view.rows]
        return view, f"<p>{_esc(view.summary(lang))}</p>" + _table(head, rows), fig

    return _explorer(controls, draw, lang)


def _limits(ys: Any) -> tuple[float, float]:
    import numpy as np

    finite = ys[np.isfinite(ys)]
    if not len(finite):
        return (-1.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.15 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def tangent_explorer(expr: Any = "x^3 - 3x", x0: float = 0.5, lang: str | None = None) -> Any:
    """f and f′ with the tangent at a point the slider moves: horizontal where f′ = 0."""
    w, lang = _ipywidgets(), i18n.resolve(lang)
    controls = {"x0": w.FloatSlider(value=float(x0), min=-2.5, max=2.5, step=0.05,
                                    description=i18n.text("notebook.label.point", lang))}

    def draw(v: dict[str, Any]) -> tuple[Any, str, Any]:
        view = logic.tangent_view(expr, v["x0"])
        fig = _figure(lang)
        ax = fig.add_subplot()
        ax.plot(view.xs, view.ys, label=f"f = {view.expr}")
        ax.plot(view.xs, view.dys, label=f"f′ = {view.derivative}")
        ax.plot(view.xs, view.tangent_line(view.xs), "--",
                label=i18n.text("notebook.legend.tangent_at", lang, x0=f"{view.x0:g}"))
        ax.plot([view.x0], [view.y0], "o")
        ax.axhline(0, lw=0.5, color="gray")
        ax.set_ylim(*_limits(view.ys))
        ax.legend(loc="best")
        return view, f"<p>{_esc(view.summary(lang))}</p>", fig

    return _explorer(controls, draw, lang)


def gain_explorer(kind: str = "sigmoid", gain: float = 1.0, lang: str | None = None) -> Any:
    """sigmoid(ax) or tanh(ax) with the gain a on a slider, its derivative computed from
    its own values, and the step function it approaches."""
    w, lang = _ipywidgets(), i18n.resolve(lang)
    controls = {
        "kind": w.Dropdown(options=list(logic.GAIN_KINDS), value=kind,
                           description=i18n.text("notebook.label.function", lang)),
        "gain": w.FloatSlider(value=float(gain), min=0.25, max=10, step=0.25,
                              description=i18n.text("notebook.label.gain", lang)),
    }

    def draw(v: dict[str, Any]) -> tuple[Any, str, Any]:
        view = logic.gain_view(v["kind"], v["gain"])
        fig = _figure(lang)
        ax = fig.add_subplot()
        ax.plot(view.xs, view.step, color="red", lw=1,
                label=i18n.text("notebook.legend.step", lang))
        ax.plot(view.xs, view.ys, label=f"{view.kind}({view.gain:g}x)")
        ax.plot(view.xs, view.dys, label=i18n.text("notebook.legend.derivative", lang))
        ax.legend(loc="best")
        return view, f"<p>{_esc(view.summary(lang))}</p>", fig

    return _explorer(controls, draw, lang)


def descent_explorer(expr: Any = "x^2/20 + y^2", start: Sequence[float] = (-7.0, 2.0),
                     lang: str | None = None) -> Any:
    """Gradient descent on a contour plot: pick the optimizer, the learning rate and the
    number of steps; a rate too large diverges and says so."""
    w, lang = _ipywidgets(), i18n.resolve(lang)
    controls = {
        "optimizer": w.Dropdown(options=list(OPTIMIZERS), value="gd",
                                description=i18n.text("notebook.label.optimizer", lang)),
        "lr": w.FloatLogSlider(value=0.9, base=10, min=-3, max=1, step=0.05,
                               description=i18n.text("notebook.label.lr", lang)),
        "steps": w.IntSlider(value=30, min=1, max=200,
                             description=i18n.text("notebook.label.steps", lang)),
    }

    def draw(v: dict[str, Any]) -> tuple[Any, str, Any]:
        view = logic.descent_view(expr, start, v["optimizer"], v["lr"], v["steps"])
        fig = _figure(lang, (6.4, 4.4))
        ax = fig.add_subplot()
        ax.contour(view.X, view.Y, view.Z, levels=18, linewidths=0.7)
        ax.plot(view.path[:, 0], view.path[:, 1], "o-", ms=3, color="C3")
        ax.set_xlim(view.X.min(), view.X.max())
        ax.set_ylim(view.Y.min(), view.Y.max())
        ax.set_xlabel(view.variables[0])
        ax.set_ylabel(view.variables[1])
        ax.set_title(f"{view.expr}: {view.optimizer}, lr = {view.lr:g}")
        lines = "".join(f"<p>{_esc(s)}</p>" for s in view.summary(lang).split("\n"))
        return view, lines, fig

    return _explorer(controls, draw, lang)


def backprop_explorer(expr: Any = "sigmoid(w*x + b)", point: dict[str, Any] | None = None,
                      lang: str | None = None) -> Any:
    """Backpropagation one step at a time: the node table fills with forward values,
    then with gradients flowing back from f, each step's sentence under it."""
    w, lang = _ipywidgets(), i18n.resolve(lang)
    first = logic.backprop_view(expr, point, 0, lang)
    controls = {"step": w.IntSlider(value=0, min=0, max=first.steps - 1,
                                    description=i18n.text("notebook.label.step", lang))}
    head = [i18n.text(k, lang) for k in ("notebook.col.node", "notebook.col.formula",
                                         "notebook.col.value", "notebook.col.grad")]

    def draw(v: dict[str, Any]) -> tuple[Any, str, Any]:
        view = logic.backprop_view(expr, point, v["step"], lang)
        rows = [(r["name"], r["formula"], "" if r["value"] is None else f"{r['value']:.6g}",
                 "" if r["grad"] is None else f"{r['grad']:.6g}") for r in view.rows]
        say = f"<p>{_esc(view.sentence)}</p>" + (f"<pre>{_esc(view.line)}</pre>"
                                                 if view.line else "")
        return view, say + _table(head, rows), None

    return _explorer(controls, draw, lang)


__all__ = ["OPTIMIZERS", "backprop_explorer", "descent_explorer", "gain_explorer",
           "secant_explorer", "tangent_explorer"]
