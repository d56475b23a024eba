"""The first derivative inside the page's HTML: what a cold load shows at first paint.

Why: on a cold load the browser has to fetch the page, its styles and scripts, run them
and only then ask for the derivative: three round trips on a busy machine before the
learner sees the one thing the page is for.  The server already knows the state (the
URL's ``?f=…``, or the default formula), so ``GET /`` asks the quick lane for the
derivative, waiting at most :data:`FIRST_WAIT` seconds, and writes it into the
``#derivative`` box of index.html exactly as app.js would draw it (same MathML, same
``data-*`` attributes), so the script keeps it and only fills the other panels.  A formula
that takes longer, or any error, leaves the box empty and the page works as before.

Safety: the MathML comes from bibun's printer (which escapes every name), and is still
re-serialized here from a parse tree through a whitelist of MathML elements and
attributes, the same rule as the page's sanitizer, so no markup from a request can reach
the HTML unescaped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from html import escape
from typing import Any

#: seconds ``GET /`` waits for the quick answer before serving the page without it
FIRST_WAIT = 0.2

#: the page's default state (app.js DEFAULTS): formula and point
DEFAULT_FORMULA = "(x^3+1)^2"

MATH_TAGS = {"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub",
             "msubsup", "mfrac", "msqrt", "mroot", "mtable", "mtr", "mtd", "munder", "mover",
             "munderover", "mstyle", "mpadded", "mphantom", "menclose"}
MATH_ATTRS = {"display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
              "columnalign", "displaystyle", "scriptlevel", "width"}
#: the box in index.html that the first answer fills
BOX = '<div id="derivative" class="big" aria-live="polite" tabindex="0"></div>'


def state_of_query(query: Mapping[str, str], lang: str) -> dict[str, Any] | None:
    """The quick request app.js will send for this URL (its ``fromUrl``/``body``), or
    None when the URL asks for something the page draws differently (an equation's
    modes are left to the script)."""
    f = query.get("f", DEFAULT_FORMULA)
    if not f or "=" in f or len(f) > 2000:
        return None
    out: dict[str, Any] = {"expr": f, "syntax": query.get("syntax", "auto"),
                           "lang": query.get("lang") if query.get("lang") in ("en", "ja")
                           else lang, "var": query.get("v") or None}
    try:
        out["order"] = int(float(query.get("n", "1")))
        out["x0"] = float(query.get("x0", "1"))
        out["point"] = {k[2:]: float(v) for k, v in query.items() if k.startswith("p.")}
    except ValueError:
        return None
    if out["var"]:
        out["point"].pop(out["var"], None)
    declared = re.split(r"[\s,、，]+", query.get("c", ""))  # app.js's constants()
    if any(declared):
        out["constants"] = [c for c in declared if c]
    return out


def _clean(node: ET.Element) -> str:
    """One element re-serialized through the whitelist (ValueError outside it)."""
    tag = node.tag.rsplit("}", 1)[-1]
    if tag not in MATH_TAGS:
        raise ValueError(tag)
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in sorted(node.attrib.items())
                    if k in MATH_ATTRS)
    if tag == "mo" and (node.text or "") in ("(", ")", "[", "]", "|"):
        attrs += ' lspace="0" rspace="0"'  # brackets hug what they enclose (app.js math())
    inner = escape(node.text or "", quote=False)
    for child in node:
        inner += _clean(child) + escape(child.tail or "", quote=False)
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _inner(mathml: str) -> str:
    """The children of a printer's ``<math>`` element, whitelisted."""
    root = ET.fromstring(mathml)
    return "".join(_clean(c) for c in root)


def headline(d: dict[str, Any], lang: str, formula: str) -> str:
    """``#derivative`` filled with d/dx [f] = f′ as app.js's renderHeadline draws it."""
    v, order = escape(d["variable"]), int(d["order"])
    dd = "∂" if len(set(d["variables"]) - set(d.get("constants") or ())) > 1 else "d"
    var = f"<mi>{v}</mi>"
    op = (f"<mfrac><mi>{dd}</mi><mrow><mi>{dd}</mi>{var}</mrow></mfrac>" if order == 1 else
          f"<mfrac><msup><mi>{dd}</mi><mn>{order}</mn></msup><mrow><mi>{dd}</mi>"
          f"<msup>{var}<mn>{order}</mn></msup></mrow></mfrac>")
    spoken = f"{dd}/{dd}{d['variable']} [{d['expression']['text']}] = {d['derivative']['text']}"
    bracket = '<mo stretchy="true" lspace="0" rspace="0">{}</mo>'
    markup = (f'<math display="block" aria-label="{escape(spoken)}">{op}<mrow>'
              f'{bracket.format("[")}{_inner(d["expression"]["mathml"])}{bracket.format("]")}'
              f'</mrow><mo>=</mo>{_inner(d["derivative"]["mathml"])}</math>')
    data = {"spoken": spoken, "text": d["derivative"]["text"], "order": str(order),
            "for": formula, "lang": lang}
    attrs = "".join(f' data-{k}="{escape(val)}"' for k, val in data.items())
    return f'<div id="derivative" class="big" aria-live="polite" tabindex="0"{attrs}>' \
           f"{markup}</div>"


def fill(page: str, answer: Any, state: dict[str, Any]) -> str | None:
    """index.html with the first derivative in it, or None (keep the page as it is) when
    the quick answer is not a derivative that can be shown."""
    try:
        status, data = answer
        diff = data["panels"]["diff"]["data"] if status == "ok" else None
        if diff is None or BOX not in page:
            return None
        return page.replace(BOX, headline(diff, state["lang"], state["expr"]), 1)
    except (KeyError, TypeError, ValueError, ET.ParseError):
        return None
