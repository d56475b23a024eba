"""Jupyter display of explanations: derivations, answer checks and alternative forms.

The classes' ``_repr_mimebundle_`` call these (see :mod:`bibun.expr.display` for the
pieces and the rules: MathML in HTML, LaTeX, plain text, the session's language).
"""

from __future__ import annotations

from html import escape
from typing import Any

from bibun import i18n
from bibun.expr.display import Bundle, bundle, details, math, table, text, wrap
from bibun.expr.printers import to_latex


def derivation_bundle(d: Any) -> Bundle:
    """A derivation: the result as the summary of a ``<details>`` block holding the
    numbered steps (the same MathML rendering as the web workbench)."""
    lang = i18n.resolve(None)
    title = text("display.derivative_of", lang, f=str(d.expr), x=d.var)
    head = f"{title}: {math(d.final, lang)}"
    steps = d.render(lang=lang, format="mathml")
    html = wrap(details(head, f"<h4>{text('display.steps', lang)}</h4>{steps}"), lang,
                "derivation")
    op = r"\partial" if d.partial else "d"
    latex = (rf"$\frac{{{op}}}{{{op} {d.var}}}\left[{to_latex(d.expr, lang)}\right]"
             rf" = {to_latex(d.final, lang)}$")
    return bundle(d.render(lang=lang, format="text"), html, latex)


def check_bundle(c: Any) -> Bundle:
    """An answer check: the verdict, the answer beside the derivative, the counterexample
    and the diagnosis of the mistake."""
    lang = i18n.resolve(None)
    verdict = text("display.check.correct" if c.correct else "display.check.wrong", lang)
    if not c.correct and getattr(c, "holds_where", None):  # a textbook's x > 0: not "wrong"
        verdict = text("display.check.correct_where", lang,
                       condition=f"{c.holds_where[0]} {c.holds_where[1]} 0")
    rows = [[text("display.check.answer", lang), math(c.answer, lang)],
            [text("display.check.expected", lang), math(c.expected, lang)]]
    parts = [f'<p class="bibun-verdict" data-correct="{str(bool(c.correct)).lower()}">'
             f"<strong>{verdict}</strong></p>", table(["", ""], rows)]
    if c.counterexample is not None:
        ce = c.counterexample
        parts.append(f"<h4>{text('display.check.counterexample', lang)}</h4>" + table(
            ["", text("display.check.answer", lang), text("display.check.expected", lang)],
            [[escape(ce.where(lang)), escape(ce.value_text("answer", lang)),
              escape(ce.value_text("expected", lang))]]))
    if c.diagnosis:
        items = "".join(f"<li>{escape(dg.text(lang))}</li>" for dg in c.diagnosis)
        parts.append(f"<h4>{text('display.check.diagnosis', lang)}</h4><ul>{items}</ul>")
    html = wrap("".join(parts), lang, "check")
    return bundle(c.message(lang), html)


def form_bundle(f: Any) -> Bundle:
    """One equivalent form: its label and the formula."""
    lang = i18n.resolve(None)
    label = escape(f.label(lang))
    return bundle(f"{f.label(lang)}: {f.expr}",
                  wrap(f"<p>{label}: {math(f.expr, lang)}</p>", lang, "form"),
                  f"$ {to_latex(f.expr, lang)} $")


def forms_html(forms: list[Any], lang: str | None = None) -> str:
    """A list of forms as one table (for a face that shows all of them at once)."""
    lang = i18n.resolve(lang)
    rows = [[escape(f.label(lang)), math(f.expr, lang)] for f in forms]
    return wrap(table([text("display.forms", lang), ""], rows), lang, "forms")


__all__ = ["check_bundle", "derivation_bundle", "form_bundle", "forms_html"]
