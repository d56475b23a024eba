"""Jupyter display of the uses' results: tangent lines, Taylor polynomials, critical
points, gradient-descent runs (with the path plotted) and least-squares fits (table and
residual plot).  See :mod:`bibun.expr.display` for the pieces and the rules."""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from bibun import i18n
from bibun.expr import core
from bibun.expr.display import Bundle, bundle, math, new_figure, number, table, text, wrap
from bibun.expr.printers import to_latex
from bibun.i18n import Msg


def _eq(lhs: str, rhs: core.Expr, lang: str) -> str:
    return f"{escape(lhs)} = {math(rhs, lang)}"


def tangent_bundle(t: Any) -> Bundle:
    """The point, the slope, the tangent and the normal line."""
    lang = i18n.resolve(None)
    title = text("display.tangent", lang, f=str(t.expr), x=t.var, x0=str(t.x0))
    normal = escape(f"{t.var} = {t.x0}") if t.normal is None else _eq("y", t.normal, lang)
    rows = [[text("display.slope", lang), math(t.slope, lang)],
            [text("display.tangent_line", lang), _eq("y", t.line, lang)],
            [text("display.normal_line", lang), normal]]
    html = wrap(f"<p>{title}</p>" + table(["", ""], rows), lang, "tangent")
    return bundle(str(t), html, f"$y = {to_latex(t.line, lang)}$")


def series_bundle(s: Any) -> Bundle:
    """The polynomial, and the derivatives and coefficients term by term."""
    lang = i18n.resolve(None)
    title = text("display.series", lang, n=s.order, f=str(s.expr), x=s.var, a=str(s.at))
    rows = [[escape(str(k)), math(d, lang), math(c, lang)]
            for k, (d, c) in enumerate(zip(s.derivatives, s.coefficients))]
    head = ["k", escape("f⁽ᵏ⁾(a)"), text("display.coefficient", lang)]
    html = wrap(f"<p>{title}: {math(s.polynomial, lang)}</p>" + table(head, rows), lang,
                "series")
    return bundle(f"{s.polynomial}", html, f"${to_latex(s.polynomial, lang)}$")


def critical_point_bundle(p: Any) -> Bundle:
    """Kind, coordinates, value and the test that decided."""
    lang = i18n.resolve(None)
    where = ", ".join(f"{v} = {x}" for v, x in zip(p.variables, p.point))
    kind = i18n.text("extrema.describe", lang, kind=Msg(f"extrema.kind.{p.kind}"), where=where,
                     value=str(p.value), tag="" if p.exact else
                     i18n.text("extrema.numeric_tag", lang), test=p.test)
    rows = [[escape(v), math(x, lang)] for v, x in zip(p.variables, p.point)]
    rows += [[text("display.value", lang), math(p.value, lang)],
             [text("display.kind", lang), text(f"extrema.kind.{p.kind}", lang)],
             [text("display.test", lang), escape(p.test)]]
    html = wrap(table([text("display.critical", lang), ""], rows), lang, "critical-point")
    return bundle(kind, html)


def descent_bundle(d: Any) -> Bundle:
    """The run as a table of steps, why it stopped, and a figure: f along the path and,
    for two variables, the path drawn in the plane."""
    lang = i18n.resolve(None)
    n = len(d.path)
    pick = sorted({0, 1, 2, n - 3, n - 2, n - 1, *range(0, n, max(1, n // 8))} & set(range(n)))
    head = [text("display.step", lang), *map(escape, d.variables), "f", escape("|∇f|")]
    rows = [[escape(str(i)), *(number(v) for v in d.path[i]), number(d.values[i]),
             number(d.grad_norms[i])] for i in pick]
    header = escape(i18n.text("descend.header", lang, opt=d.optimizer, lr=d.lr, f=str(d.expr)))
    notes = "".join(f"<p>{escape(w)}</p>" for w in d.warning_texts(lang))
    fig, axes = new_figure(8.0, 3.2)
    fig.delaxes(axes)
    ax1 = fig.add_subplot(1, 2 if len(d.variables) == 2 else 1, 1)
    values = np.asarray(d.values, dtype=float)
    ax1.plot(range(n), values, marker="." if n < 60 else None)
    ax1.set_xlabel(i18n.text("display.step", lang))
    ax1.set_ylabel("f")
    if len(d.variables) == 2:
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.plot(d.path[:, 0], d.path[:, 1], marker=".", label=i18n.text("display.path", lang))
        ax2.plot(d.path[-1, 0], d.path[-1, 1], marker="*", markersize=12)
        ax2.set_xlabel(d.variables[0])
        ax2.set_ylabel(d.variables[1])
    html = wrap(f"<p>{header}</p>" + table(head, rows) +
                f"<p>{escape(d.stop_text(lang))}</p>{notes}", lang, "descent")
    return bundle(d.summary(lang=lang), html, figure=fig)


def fit_bundle(r: Any) -> Bundle:
    """The fitted model, the parameters with their standard errors, R², and the
    residuals plotted row by row."""
    lang = i18n.resolve(None)
    title = text("display.fit", lang, model=str(r.model), r2=i18n.format_number(r.r2), n=r.n)
    errors = r.errors or {}
    rows = [[escape(k), number(v), number(errors[k]) if errors.get(k) is not None else "-"]
            for k, v in r.params.items()]
    head = [text("display.parameter", lang), text("display.estimate", lang),
            text("display.std_error", lang)]
    fitted = f"<p>{text('display.fit.model', lang)}: {math(r.fitted_display, lang)}</p>"
    fig, ax = new_figure()
    res = np.asarray(r.residuals, dtype=float)
    ax.axhline(0.0, linewidth=0.8)
    ax.plot(range(1, len(res) + 1), res, marker="o", linestyle="none")
    ax.set_xlabel(i18n.text("display.fit.data", lang))
    ax.set_ylabel(i18n.text("display.residual", lang))
    html = wrap(f"<p>{title}</p>{fitted}" + table(head, rows), lang, "fit")
    plain = i18n.text("display.fit", lang, model=str(r.model), r2=i18n.format_number(r.r2),
                      n=r.n) + f"\n{r.fitted_display}"
    return bundle(plain, html, f"${to_latex(r.fitted_display, lang)}$", figure=fig)


__all__ = ["critical_point_bundle", "descent_bundle", "fit_bundle", "series_bundle",
           "tangent_bundle"]
