"""Printers for derivations: numbered text steps (en/ja), Markdown, LaTeX, MathML, JSON.

A derivation is first laid out once, format-neutrally, as :class:`Line` objects (a
label, message pieces from the catalogs, and an equality chain); each format then only
decides how to typeset text and formulas.  That keeps the five outputs saying the same
thing in the same order, and keeps every sentence in the catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from bibun import i18n
from bibun.errors import BibunError
from bibun.explain import messages as M
from bibun.explain import show as S
from bibun.explain.show import Show
from bibun.expr.core import Expr
from bibun.expr.printers import to_latex
from bibun.functions import rule as rule_of

if TYPE_CHECKING:  # the data classes; steps.py imports this module to render them
    from bibun.explain.steps import Derivation, Note, Step
import json

FORMATS = ("text", "markdown", "latex", "mathml", "json")
DETAILS = ("normal", "full")
#: steps hidden at detail="normal": their result is visible in the parent's equation
TRIVIAL = {"variable", "constant"}
_ROLES = {"outer", "inner", "numerator", "denominator", "exponent"}
_LONG = 100
#: rules whose general formula is worth a line of its own in the printed steps
_FORMULA_SHOWN = {"chain", "product", "quotient"}


def _joiner(head: str) -> str:
    """A space between words and a formula, none after Japanese punctuation."""
    return " " if head and not head[-1].isspace() and head[-1].isascii() else ""


@dataclass
class Line:
    """One line of an explanation: ``label`` (Step 3), message ``items``, an equality
    ``chain`` shown after them, and how deep it is indented."""

    kind: str
    depth: int
    label: str = ""
    items: list[Any] = field(default_factory=list)
    chain: list[Show] | None = None
    rule: str | None = None
    number: int | None = None
    after: list[Any] = field(default_factory=list)
    colon: str = ""


def function_label(name: str, lang: str) -> str:
    """How a function is called ("sine", "正弦関数 sin"): the catalog line ``fn.<name>``
    that comes with every rule (a missing line is a clear error naming the catalog)."""
    return i18n.template(f"fn.{rule_of(name).name}", lang)


class _Layout:
    def __init__(self, d: Derivation, lang: str, detail: str):
        self.d = d
        self.lang = lang
        self.detail = detail
        self.lines: list[Line] = []
        self.numbers: dict[int, int] = {}
        self.counter = 0

    def seg(self, key: str, **params: Any) -> list[Any]:
        return M.segments(key, self.lang, **params)

    def word(self, key: str, **params: Any) -> str:
        return M.text(key, self.lang, **params)

    def visible(self, step: Step, top: bool) -> bool:
        return top or self.detail == "full" or step.rule not in TRIVIAL

    def number(self, step: Step) -> int:
        self.counter += 1
        self.numbers[id(step)] = self.counter
        return self.counter

    def heading(self, step: Step, leaf: bool) -> list[Any]:
        """Role, rule name and function; non-leaf steps also say what the rule does."""
        items: list[Any] = []
        if step.role in _ROLES:
            items += self.seg("role_format", role=self.word(f"role.{step.role}"))
        items.append(self.word(f"rule.{step.rule}.name"))
        if step.function and step.rule not in ("abstract", "log_base"):
            items.append(self.word("paren_open") + function_label(step.function, self.lang)
                         + self.word("paren_close"))
        if not leaf:
            items.append(self.word("dash"))
            items.extend(self.seg(step.says[0], **step.says[1]))
        return items

    def aside(self, step: Step) -> list[Any]:
        says = self.word(step.says[0], **step.says[1])
        return self.seg("aside", says=says) if says else []

    def notes(self, notes: list[Note], depth: int) -> None:
        for n in notes:
            self.lines.append(Line("note", depth, self.word("note_label"),
                                   self.seg(n.key, **self.note_params(n))))

    def note_params(self, n: Note) -> dict[str, Any]:
        params = dict(n.params)
        if "function" in params:
            params["function"] = function_label(params["function"], self.lang) \
                if _is_rule(params["function"]) else params["function"]
        return params

    # -- steps ------------------------------------------------------------------------------
    def emit(self, step: Step, depth: int, top: bool = False) -> None:
        if not self.visible(step, top):
            return
        num = self.number(step)
        label = self.word("step", n=num)
        if step.rule == "repeat":
            ref = step.ref
            n_ref = self.numbers.get(id(ref), ref.number if ref else 0)
            items = self.heading(step, True)
            self.lines.append(Line("step", depth, label, items, [step.lhs, S.E(step.result)],
                                   step.rule, num,
                                   self.seg("aside", says=self.word("note.repeat", n=n_ref)),
                                   self.word("colon")))
            return
        if step.rule in ("expand_check", "numeric_check"):
            self.check(step, depth, label, num)
            return
        shown = [sub for sub in step.substeps if self.visible(sub, False)]
        leaf = not shown and step.rule != "chain"
        head = self.heading(step, leaf)
        if leaf:
            self.lines.append(Line("step", depth, label, head, step.chain(), step.rule, num,
                                   self.aside(step), self.word("colon")))
            self.notes(step.notes, depth + 1)
            return
        self.lines.append(Line("step", depth, label, head, None, step.rule, num))
        if step.formula is not None and step.rule in _FORMULA_SHOWN:
            self.lines.append(Line("formula", depth + 1, "", [self.word("formula")],
                                   [step.formula], colon=self.word("colon")))
        if step.rule == "chain":
            self.chain_rule(step, depth)
        else:
            for sub in step.substeps:
                self.emit(sub, depth + 1)
            self.lines.append(Line("eq", depth + 1, "", [self.word("therefore")],
                                   step.chain(), step.rule))
        self.notes(step.notes, depth + 1)

    def chain_rule(self, step: Step, depth: int) -> None:
        u, inner = step.names[0]
        dep = step.data.get("dependent")
        whole = S.name(dep) if dep else S.E(step.expr)
        assert step.outer is not None
        self.lines.append(Line("phase", depth + 1, self.word("phase", n=1),
                               self.seg("chain.put", u=S.name(u), u_eq=S.eq(S.name(u), inner),
                                        y_eq=S.eq(whole, step.outer))))
        self.lines.append(Line("phase", depth + 1, self.word("phase", n=2),
                               self.seg("chain.each")))
        for sub in step.substeps:
            self.emit(sub, depth + 2)
        self.lines.append(Line("phase", depth + 1, self.word("phase", n=3),
                               self.seg("chain.combine", u=S.name(u)), step.chain(), "chain",
                               colon=self.word("colon")))

    def check(self, step: Step, depth: int, label: str, num: int) -> None:
        head = self.heading(step, False)
        self.lines.append(Line("step", depth, label, head, None, step.rule, num))
        data = step.data
        if step.rule == "expand_check":
            self.lines.append(Line("eq", depth + 1, "", [],
                                   [S.name(self.d.dep), S.E(step.expr),
                                    S.E(data["expanded"])]))
            chain = [step.lhs, S.E(step.result)]
            if data["agree"]:
                chain.append(S.E(data["derivative"]))
            self.lines.append(Line("eq", depth + 1, "", self.seg("check.expand.then"), chain))
            key = "check.expand.agree" if data["agree"] else "check.expand.disagree"
            self.lines.append(Line("note", depth + 1, "", self.seg(key)))
            return
        point = data["point"]
        where = i18n.join_list([f"{k} = {i18n.format_number(float(v))}" for k, v in point.items()],
                            self.lang)
        self.lines.append(Line("text", depth + 1, "", self.seg(
            "check.numeric.body", point=where, approx=i18n.format_number(data["approx"]),
            value=i18n.format_number(data["value"]), h=i18n.format_number(data["h"], 1),
            x=self.d.var)))
        key = "check.numeric.agree" if data["agree"] else "check.numeric.disagree"
        self.lines.append(Line("note", depth + 1, "", self.seg(key)))

    # -- whole derivation ---------------------------------------------------------------------
    def build(self) -> list[Line]:
        d = self.d
        key = "title_partial" if d.partial else "title"
        self.lines.append(Line("title", 0, "", self.seg(
            key, f=S.eq(S.name(d.dep), S.E(d.expr)), x=S.name(d.var))))
        self.notes([n for n in d.notes if n.key == "note.partial"], 0)
        self.emit(d.root, 0, top=True)
        if d.simplify is not None:
            self.emit(d.simplify, 0, top=True)
        answer = [S.leibniz(d.dep, d.var, d.partial), S.E(d.result)]
        if d.final is not d.result:
            answer.append(S.E(d.final))
        self.lines.append(Line("answer", 0, "", [self.word("answer")], answer,
                               colon=self.word("colon")))
        self.notes([n for n in d.notes if n.key != "note.partial"], 0)
        for st in d.checks:
            self.emit(st, 0, top=True)
        return self.lines


def _is_rule(name: str) -> bool:
    try:
        rule_of(name)
        return True
    except BibunError:
        return False


def layout(d: Derivation, lang: str | None = None, detail: str = "normal") -> list[Line]:
    """The format-neutral lines of an explanation."""
    if detail not in DETAILS:
        raise BibunError(f"unknown detail level {detail!r}: use {' or '.join(DETAILS)}")
    return _Layout(d, i18n.resolve(lang), detail).build()


# -- text ------------------------------------------------------------------------------------


def _plain(seg: Any) -> str:
    if isinstance(seg, str):
        return seg
    if isinstance(seg, Show | Expr):
        return S.show_text(S.as_show(seg))
    if isinstance(seg, float):
        return i18n.format_number(seg)
    return str(seg)


def render_text(lines: list[Line]) -> str:
    out: list[str] = []
    for ln in lines:
        indent = "   " * ln.depth
        head = indent + (ln.label + " " if ln.label else "") + "".join(_plain(s) for s in ln.items)
        if ln.chain:
            head += ln.colon
            parts = [S.show_text(c) for c in ln.chain]
            one = head + _joiner(head) + " = ".join(parts)
            after = "".join(_plain(s) for s in ln.after)
            if len(one) <= _LONG or len(parts) < 3:
                out.append(one + after)
            else:
                first = head + _joiner(head) + parts[0]
                out.append(first + " = " + parts[1])
                pad = " " * (len(first))
                out.extend(f"{pad} = {p}" for p in parts[2:])
                if after:
                    out[-1] += after
        else:
            out.append((head + "".join(_plain(s) for s in ln.after)).rstrip())
        if ln.kind == "title":
            out.append("")
    return "\n".join(out) + "\n"


# -- markdown --------------------------------------------------------------------------------


def _md_math(latex: str) -> str:
    return f"${latex}$"


def _md(seg: Any) -> str:
    if isinstance(seg, str):
        return seg.replace("*", r"\*").replace("_", r"\_")
    if isinstance(seg, Show | Expr):
        return _md_math(S.show_latex(S.as_show(seg)))
    return _plain(seg)


def render_markdown(lines: list[Line]) -> str:
    out: list[str] = []
    for ln in lines:
        body = "".join(_md(s) for s in ln.items)
        if ln.chain:
            body += ln.colon
            body += _joiner(body) + _md_math(" = ".join(S.show_latex(c) for c in ln.chain))
        body += "".join(_md(s) for s in ln.after)
        if ln.kind == "title":
            out.append(f"### {body}\n")
            continue
        if ln.kind == "answer":
            out.append(f"\n**{body}**" if not ln.chain else f"\n{body}")
            continue
        label = f"**{ln.label}** " if ln.label and ln.kind == "step" else \
            (f"{ln.label} " if ln.label else "")
        out.append("  " * ln.depth + "- " + label + body)
    return "\n".join(out) + "\n"


# -- LaTeX -----------------------------------------------------------------------------------

_TEX_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}


def _tex_text(s: str) -> str:
    return "".join(_TEX_ESCAPES.get(c, c) for c in s)


def _tex_items(items: list[Any]) -> str:
    parts = []
    for seg in items:
        if isinstance(seg, Show | Expr):
            parts.append("$" + S.show_latex(S.as_show(seg)) + "$")
        else:
            parts.append(_tex_text(_plain(seg)))
    return "".join(parts)


def render_latex(lines: list[Line]) -> str:
    rows: list[str] = []
    for ln in lines:
        quad = r"\quad " * ln.depth
        text = ((ln.label + " ") if ln.label else "") + ""
        body = _tex_items(ln.items + ln.after) + (_tex_text(ln.colon.strip()) if ln.chain else "")
        label = _tex_text(text)
        parts = [S.show_latex(c) for c in ln.chain] if ln.chain else []
        if len(parts) == 1:  # a formula: on the same row as its label
            rows.append(rf"&{quad}\text{{{label}{body} }}{parts[0]}")
            continue
        if ln.items or ln.label or ln.after:
            rows.append(rf"&{quad}\text{{{label}{body}}}")
        if parts:
            rows.append(f"{parts[0]} &= {parts[1]}")
            rows.extend(f"&= {p}" for p in parts[2:])
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n"


# -- MathML (an HTML fragment) ------------------------------------------------------------------


def _html_items(items: list[Any]) -> str:
    parts = []
    for seg in items:
        if isinstance(seg, Show | Expr):
            parts.append(S.math_element(S.as_show(seg)))
        else:
            parts.append(escape(_plain(seg)))
    return "".join(parts)


def render_mathml(lines: list[Line], lang: str) -> str:
    out = [f'<div class="bibun-derivation" lang="{lang}">']
    for ln in lines:
        body = _html_items(ln.items)
        if ln.chain:
            body += escape(ln.colon)
            body += S.math_element(S.eq(*ln.chain), display=ln.kind != "title")
        body += _html_items(ln.after)
        label = f'<span class="bibun-label">{escape(ln.label)}</span> ' if ln.label else ""
        attrs = f' class="bibun-{ln.kind}"'
        if ln.rule:
            attrs += f' data-rule="{escape(ln.rule)}"'
        if ln.number is not None:
            attrs += f' id="bibun-step-{ln.number}"'
        if ln.depth:
            attrs += f' style="margin-left:{1.5 * ln.depth:g}em"'
        tag = "h3" if ln.kind == "title" else "p"
        out.append(f"<{tag}{attrs}>{label}{body}</{tag}>")
    out.append("</div>")
    return "\n".join(out) + "\n"


# -- JSON ----------------------------------------------------------------------------------------

SCHEMA_ID = "https://bibun.dev/schemas/derivation-1.json"


def _m(x: Any) -> dict[str, str]:
    s = S.as_show(x)
    return {"text": S.show_text(s), "latex": S.show_latex(s)}


def _json_note(n: Note, lay: _Layout) -> dict[str, Any]:
    return {"key": n.key, "text": M.text(n.key, lay.lang, **lay.note_params(n))}


def _json_check(step: Step) -> dict[str, Any] | None:
    data = step.data
    if step.rule == "expand_check":
        return {"kind": "expand", "agree": bool(data["agree"]),
                "expanded": _m(data["expanded"])}
    if step.rule == "numeric_check":
        return {"kind": "numeric", "agree": bool(data["agree"]),
                "point": {k: float(v) for k, v in data["point"].items()},
                "h": float(data["h"]), "approx": float(data["approx"]),
                "value": float(data["value"])}
    return None


def _json_step(step: Step, lay: _Layout) -> dict[str, Any]:
    says = M.text(step.says[0], lay.lang, **step.says[1])
    return {
        "number": step.number,
        "rule": step.rule,
        "rule_name": M.text(f"rule.{step.rule}.name", lay.lang),
        "description": says,
        "role": step.role,
        "function": step.function,
        "variable": step.var,
        "input": _m(step.expr),
        "result": _m(step.result),
        "lhs": _m(step.lhs),
        "work": [_m(w) for w in step.chain()[1:-1]],
        "formula": _m(step.formula) if step.formula is not None else None,
        "names": [{"name": n, "value": _m(v)} for n, v in step.names],
        "outer": _m(step.outer) if step.outer is not None else None,
        "ref": step.ref.number if step.ref is not None else None,
        "notes": [_json_note(n, lay) for n in step.notes],
        "check": _json_check(step),
        "substeps": [_json_step(s, lay) for s in step.substeps],
    }


def to_json(d: Derivation, lang: str | None = None) -> dict[str, Any]:
    """The derivation as JSON-ready data; the structure is documented in docs/explain.md
    and checked by ``derivation.schema.json``."""
    lay = _Layout(d, i18n.resolve(lang), "full")
    with i18n.using(lay.lang):  # formulas in the language's notation: log x in Japanese
        return _json_body(d, lay)


def _json_body(d: Derivation, lay: _Layout) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_ID,
        "version": 1,
        "lang": lay.lang,
        "expression": _m(d.expr),
        "variable": d.var,
        "dependent": d.dep,
        "partial": d.partial,
        "result": _m(d.result),
        "final": _m(d.final),
        "rules": d.rules_used(),
        "notes": [_json_note(n, lay) for n in d.notes],
        "steps": [_json_step(s, lay) for s in d.steps],
    }


def render(d: Derivation, lang: str | None = None, format: str = "text",
           detail: str = "normal") -> str:
    """One derivation in one of :data:`FORMATS`; the formulas are written the way the
    language's textbooks write them (``ln x`` in English, ``log x`` in Japanese)."""
    lang = i18n.resolve(lang)
    with i18n.using(lang):
        return _render(d, lang, format, detail)


def _render(d: Derivation, lang: str, format: str, detail: str) -> str:
    if format == "json":
        return json.dumps(to_json(d, lang), ensure_ascii=False, indent=2) + "\n"
    if format not in FORMATS:
        raise BibunError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    lines = layout(d, lang, detail)
    if format == "text":
        return render_text(lines)
    if format == "markdown":
        return render_markdown(lines)
    if format == "latex":
        return render_latex(lines)
    return render_mathml(lines, lang)


__all__ = ["DETAILS", "FORMATS", "Line", "function_label", "layout", "render", "to_json",
           "to_latex"]
