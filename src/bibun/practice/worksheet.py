"""Worksheets for instructors: the problems, then an answer key with worked steps.

Markdown (``$…$`` math, for a course page or a notebook) and LaTeX source (a whole
document; compile it with ``lualatex``, which reads the Japanese text as is) are strings
built here; :func:`write_pdf` draws the same lines with matplotlib's mathtext (no TeX
installation needed), one A4 page after another.  The worked steps are the hint ladder
(:func:`bibun.practice.hints.ladder`), so the key and the hints a learner sees agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bibun import i18n
from bibun.explain import show as S
from bibun.practice.hints import ladder
from bibun.practice.problem import Problem
from bibun.practice.text import say

FORMATS = (".md", ".tex", ".pdf")


@dataclass(frozen=True)
class Sheet:
    """What a worksheet holds, before it is typeset."""

    problems: list[Problem]
    topic: str
    level: int
    seed: int
    lang: str

    def title(self) -> str:
        return i18n.text("practice.sheet.title", self.lang,
                         topic=i18n.text(f"practice.topic.{self.topic}", self.lang),
                         level=self.level, seed=self.seed)

    def key_lines(self, p: Problem, fmt: str) -> list[str]:
        return [h.render(self.lang, fmt) for h in ladder(p)]


def markdown(sheet: Sheet) -> str:
    lang = sheet.lang
    out = [f"# {sheet.title()}", "", i18n.text("practice.sheet.name_line", lang), "",
           f"## {i18n.text('practice.sheet.problems', lang)}", ""]
    for p in sheet.problems:
        out.append(f"{p.number}. {p.statement(lang, 'markdown')}")
    out += ["", f"## {i18n.text('practice.sheet.answers', lang)}", ""]
    for p in sheet.problems:
        out.append(f"{p.number}. **{_answer(p, lang, 'markdown')}**")
        out += [f"   - {line}" for line in sheet.key_lines(p, "markdown")[:-1]]
    return "\n".join(out) + "\n"


#: the font package of the LaTeX preamble, per language (LuaLaTeX)
_TEX_FONTS = {"en": r"\usepackage{fontspec}", "ja": r"\usepackage{luatexja}"}
#: the font the PDF needs besides DejaVu Sans, per language (none for English)
_PDF_FONTS = {"en": "", "ja": "IPAexGothic"}


def latex(sheet: Sheet) -> str:
    lang = sheet.lang
    pre = [r"\documentclass[11pt]{article}", r"\usepackage{amsmath}",
           r"\usepackage[a4paper,margin=20mm]{geometry}",
           i18n.pick(_TEX_FONTS, lang),
           r"\DeclareMathOperator{\sigmoid}{sigmoid}", r"\begin{document}",
           rf"\section*{{{_tex(sheet.title())}}}", _tex(i18n.text("practice.sheet.name_line",
                                                                   lang)),
           rf"\subsection*{{{_tex(i18n.text('practice.sheet.problems', lang))}}}",
           r"\begin{enumerate}"]
    body = [rf"\item {p.statement(lang, 'latex')}" for p in sheet.problems]
    key = [r"\end{enumerate}", r"\newpage",
           rf"\subsection*{{{_tex(i18n.text('practice.sheet.answers', lang))}}}",
           r"\begin{enumerate}"]
    for p in sheet.problems:
        key.append(rf"\item \textbf{{{_answer(p, lang, 'latex')}}}")
        steps = sheet.key_lines(p, "latex")[:-1]
        if steps:
            key += [r"\begin{itemize}"] + [rf"\item {s}" for s in steps] + [r"\end{itemize}"]
    return "\n".join(pre + body + key + [r"\end{enumerate}", r"\end{document}"]) + "\n"


def _answer(p: Problem, lang: str, fmt: str) -> str:
    if p.given:
        return p.answer_text(lang, fmt)
    return say("practice.hint.answer", lang, fmt, answer=_answer_show(p))


def _answer_show(p: Problem) -> Any:
    if p.equation is not None:  # dy/dx of the curve, in x and y
        return S.eq(S.leibniz("y", p.var), S.E(p.derivative))
    return S.eq(p.derivation.root.lhs, S.E(p.derivative))


def _tex(s: str) -> str:
    for a, b in (("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_")):
        s = s.replace(a, b)
    return s


# -- PDF through matplotlib's mathtext ------------------------------------------------------

LINES_PER_PAGE = 38


def _mathtext(line: str) -> str:
    """Markdown math → mathtext: the same ``$…$``, minus what mathtext lacks."""
    return (line.replace(r"\left", "").replace(r"\right", "")
            .replace(r"\operatorname{step}", r"\mathrm{step}"))


def write_pdf(sheet: Sheet, path: Path) -> Path:
    """Problems, a page break, the answer key; A4 pages drawn with mathtext."""
    import matplotlib  # noqa: PLC0415 - heavy and optional: only for PDF output
    from matplotlib.backends.backend_pdf import PdfPages  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    lang = sheet.lang
    families = ["DejaVu Sans"]
    font = i18n.pick(_PDF_FONTS, lang)
    if font:
        saved = list(matplotlib.rcParams["font.family"])
        import matplotlib_fontja  # noqa: F401, PLC0415  (registers IPAexGothic)

        matplotlib.rcParams["font.family"] = saved
        families = [font, "DejaVu Sans"]
    problems = [("h1", sheet.title()), ("p", i18n.text("practice.sheet.name_line", lang)),
                ("h2", i18n.text("practice.sheet.problems", lang))]
    problems += [("p", f"{p.number}. {_mathtext(p.statement(lang, 'markdown'))}")
                 for p in sheet.problems]
    key = [("h2", i18n.text("practice.sheet.answers", lang))]
    for p in sheet.problems:
        key.append(("p", f"{p.number}. {_mathtext(_answer(p, lang, 'markdown'))}"))
        key += [("s", _mathtext(s)) for s in sheet.key_lines(p, "markdown")[:-1]]
    pages = _paginate(problems) + _paginate(key)
    sizes = {"h1": 15, "h2": 13, "p": 11, "s": 9.5}
    with matplotlib.rc_context({"font.family": families, "mathtext.fontset": "dejavusans"}), \
            PdfPages(path) as pdf:
        for page in pages:
            fig = Figure(figsize=(8.27, 11.69))
            y = 0.95
            for kind, text in page:
                bold = kind.startswith("h") and not font  # IPAex Gothic has no bold
                fig.text(0.07 if kind != "s" else 0.10, y, text, fontsize=sizes[kind],
                         va="top", fontweight="bold" if bold else "normal")
                y -= 0.024 if kind != "h1" else 0.035
            pdf.savefig(fig)
    return path


def _paginate(lines: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    return [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]


def write(sheet: Sheet, path: str | Path) -> Path:
    """The worksheet in the format the extension names (.md, .tex, .pdf)."""
    p = Path(path)
    kind = p.suffix.lower()
    if kind == ".pdf":
        return write_pdf(sheet, p)
    text = markdown(sheet) if kind == ".md" else latex(sheet)
    p.write_text(text, encoding="utf-8")
    return p


__all__ = ["FORMATS", "Sheet", "latex", "markdown", "write", "write_pdf"]
