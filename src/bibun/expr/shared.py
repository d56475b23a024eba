"""Large results printed with their shared subexpressions named once.

A high-order derivative is a small DAG but an enormous tree: the 10th derivative of
sin(sin(sin(sin(sin(sin(x)))))) has 638 distinct nodes yet over a million operations
written out, because each shared piece is repeated wherever it is used.  Printed here,
every subexpression used more than once gets a name (``t1``, ``t2``, … children
first) and is written once::

    t5 t7 + 3t6^2 …
    where t1 = sin(x)
          t2 = cos(x)
          t3 = sin(t1)
          …

in text, LaTeX (an ``aligned`` block), MathML (a table) and Python (a function with one
assignment per name, so it compiles to code that computes each shared piece once).  The text form
reads back: :func:`read` parses it and substitutes the definitions, giving the same
node (hash-consing makes that an identity check).
"""

from __future__ import annotations

import re

from bibun import i18n
from bibun.errors import BibunError
from bibun.expr import core
from bibun.expr.core import MUL, POW, Expr
from bibun.expr.parse import parse
from bibun.expr.provided import provided
from bibun.record import record

#: written-out size (operations) from which :func:`render` names shared subexpressions
#: (a tree that long is unreadable anyway; the printers refuse 200,000)
SHARED_FROM = 2_000
_PREFIXES = ("t", "u", "w", "s", "q")


@record(frozen=True)
class Shared:
    """An expression with names for its shared subexpressions: ``main`` uses the names,
    ``names`` defines them in order (each definition uses only earlier names)."""

    main: Expr
    names: tuple[tuple[str, Expr], ...]
    variables: tuple[str, ...]  # the original expression's free symbols, sorted

    def expand(self) -> Expr:
        """The original expression: every name replaced by its definition."""
        return _substitute(self.main, self.names)

    def text(self, style: str = "text", lang: str | None = None) -> str:
        """``main`` then ``where t1 = …`` one definition a line (``style``: "text" or
        "unicode")."""
        show = (lambda e: e.unicode()) if style == "unicode" else str
        if not self.names:
            return show(self.main)
        where = i18n.text("shared.where", lang)
        pad = " " * (len(where) + 1)
        lines = [show(self.main)]
        for i, (name, d) in enumerate(self.names):
            lines.append(f"{where if i == 0 else pad[:-1]} {name} = {show(d)}")
        return "\n".join(lines)

    def latex(self, lang: str | None = None) -> str:
        r"""``main \quad \text{where} \quad \begin{aligned} t_{1} &= … \end{aligned}``."""
        if not self.names:
            return self.main.latex()
        rows = r" \\ ".join(f"{core.symbol(n).latex()} &= {d.latex()}" for n, d in self.names)
        where = i18n.text("shared.where", lang)
        return (f"{self.main.latex()} \\quad \\text{{{where}}} \\quad "
                f"\\begin{{aligned}} {rows} \\end{{aligned}}")

    def mathml(self, lang: str | None = None) -> str:
        """A ``<math>`` block: ``main``, "where", then a table of the definitions."""
        if not self.names:
            return provided("mathml")(self.main, display="block", lang=lang)
        # MathML's printer (bibun.expr.mathml), loaded when asked for
        return provided("mathml_where")(self.main, self.names, lang)

    def python(self, name: str = "f") -> str:
        """Source of a NumPy function of the variables (sorted) that computes each shared
        piece once: ``def f(x):`` then one assignment per name, then ``return …``."""
        lines = ["import numpy as np", "", "", f"def {name}({', '.join(self.variables)}):"]
        lines += [f"    {n} = {d.python()}" for n, d in self.names]
        lines.append(f"    return {self.main.python()}")
        return "\n".join(lines) + "\n"


def _substitute(main: Expr, names: tuple[tuple[str, Expr], ...]) -> Expr:
    env: dict[Expr, Expr] = {}
    for n, d in names:  # each definition uses only earlier names
        env[core.symbol(n)] = d.subs(env) if env else d
    return main.subs(env) if env else main


def _trivial(node: Expr) -> bool:
    """Not worth a name: a leaf, or a product or power of leaves (2x, -x, x^2, x·y)."""
    return not node.args or (node.op in (MUL, POW) and all(not a.args for a in node.args))


def _prefix(e: Expr) -> str:
    """A letter whose numbered names (t1, t2, …) the expression does not use."""
    for p in _PREFIXES:
        pat = re.compile(rf"{p}\d+$")
        if not any(pat.match(v) for v in e.free):
            return p
    raise i18n.error("error.shared_names", BibunError)


def share(e: Expr) -> Shared:
    """Name every subexpression that is used more than once (and is more than a leaf or
    a product or power of leaves), children first."""
    nodes = core.postorder(e)
    uses: dict[Expr, int] = {}
    for node in nodes:
        for a in node.args:
            uses[a] = uses.get(a, 0) + 1
    p = _prefix(e)
    names: list[tuple[str, Expr]] = []
    memo: dict[Expr, Expr] = {}
    for node in nodes:  # children first: a definition uses only earlier names
        if node.args:
            args = tuple(memo[a] for a in node.args)
            same = all(n is o for n, o in zip(args, node.args))
            written = node if same else core.BUILD[node.op](node.value, args)
        else:
            written = node
        if node is not e and uses.get(node, 0) > 1 and not _trivial(node):
            name = f"{p}{len(names) + 1}"
            names.append((name, written))
            written = core.symbol(name)
        memo[node] = written
    out = Shared(memo[e], tuple(names), tuple(sorted(e.free)))
    if out.expand() is not e:  # never print a form that does not read back as e
        return Shared(e, (), tuple(sorted(e.free)))
    return out


def render(e: Expr, fmt: str, lang: str | None = None) -> str | None:
    """``e`` in ``fmt`` (text, unicode, latex, mathml or python) with shared
    subexpressions named, when its tree is too long to read (:data:`SHARED_FROM`) and
    naming makes it shorter; None when the plain printers should print it."""
    if e.size <= SHARED_FROM or fmt not in ("text", "unicode", "latex", "mathml", "python"):
        return None
    s = share(e)
    if not s.names:
        return None
    if fmt == "latex":
        return s.latex(lang)
    if fmt == "mathml":
        return s.mathml(lang)
    if fmt == "python":
        return s.python()
    return s.text(fmt, lang)


def read(text: str) -> Expr:
    """The expression a shared text form stands for: the first line(s) up to ``where``,
    then one ``name = formula`` a line (or separated by ``;``), definitions substituted.
    Plain formulas without ``where`` read as themselves."""
    parts = re.split(r"^\s*(?:where|ただし)\s+", text, maxsplit=1, flags=re.M)
    main = parse(parts[0].strip())
    if len(parts) == 1:
        return main
    names: list[tuple[str, Expr]] = []
    for line in re.split(r"[;\n]", parts[1]):
        if not line.strip():
            continue
        name, eq, rhs = line.partition("=")
        name = name.strip()
        if not eq or not re.fullmatch(r"[A-Za-z]\w*", name):
            raise i18n.parse_error("error.shared_definition", text, None, line=line.strip())
        names.append((name, parse(rhs.strip())))
    return _substitute(main, tuple(names))


__all__ = ["SHARED_FROM", "Shared", "read", "render", "share"]
