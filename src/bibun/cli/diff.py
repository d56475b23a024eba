"""`bibun diff`, `bibun grad`, `bibun hessian`: derivatives in textbook form."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from bibun import i18n
from bibun.cli._args import allow_negative_arguments, parse_assignments, warn
from bibun.errors import BibunError, LimitError
from bibun.expr import shared
from bibun.expr.core import Expr, postorder
from bibun.expr.parse import Parsed, variable_name
from bibun.expr.simplify import recognize
from bibun.i18n import error
from bibun.smoothness import derivative_at, nondifferentiable_points
from bibun.symbolic import default_variable, diff, gradient, hessian

FORMATS = ("text", "unicode", "latex", "python", "json", "markdown", "mathml")


#: the command line refuses deeper nests: a derivative's size grows with the square of the
#: depth (each level's chain-rule product is one factor longer), so 10,000 levels take
#: seconds; the Python API has no such limit.
MAX_DEPTH = 2_000


def render(e: Expr, fmt: str) -> str:
    """One expression in the requested style (json and markdown fall back to text)."""
    named = shared.render(e, fmt)  # a tree too long to read: shared parts named once
    if named is not None:
        return named
    if fmt == "unicode":
        return e.unicode()
    if fmt == "mathml":
        from bibun.expr.mathml import to_mathml

        return to_mathml(e, display="block")
    if fmt == "latex":
        return e.latex()
    if fmt == "python":
        return e.python()
    return str(e)


def parse_point(text: str | None) -> dict[str, Any]:
    """``x=3,y=4`` (values may be formulas such as pi/2 or 1/3) -> {"x": 3, "y": 4}."""
    return parse_assignments(text, "--at")


def _num(v: Any) -> Any:
    """JSON-friendly number: ints stay ints, rationals become floats."""
    return v if isinstance(v, int) else float(v)


def _parse(args, lang: str = "en", derivative: bool = False) -> Parsed:
    """EXPR parsed (text or LaTeX), its warnings shown; ``derivative=True`` (``bibun diff``)
    accepts a leading ``d/dx`` / ``\\frac{d}{dx}`` and returns its variable as ``wrt``."""
    from bibun.expr.parse import parse_any_full

    parsed = parse_any_full(args.expr, True if getattr(args, "latex", False) else None,
                            derivative=derivative)
    warn(parsed.warnings)
    depth = nesting_depth(parsed.expr)
    if depth > MAX_DEPTH:
        raise LimitError(_text("error.too_deep", lang, depth=f"{depth:,}",
                                limit=f"{MAX_DEPTH:,}"))
    return parsed


def _read(args) -> tuple[Expr, list[str]]:
    parsed = _parse(args)
    return parsed.expr, parsed.warnings


def nesting_depth(e: Expr) -> int:
    """How many operations are nested: sin(sin(x)) is 2 deep, x is 0 (children first,
    no recursion)."""
    depth: dict[Expr, int] = {}
    for node in postorder(e):
        depth[node] = 1 + max(depth[a] for a in node.args) if node.args else 0
    return depth[e]


def _variable(expr: Expr, wrt: str | None, lang: str = "en",
              constants: tuple[str, ...] = ()) -> str:
    """``--wrt`` must name a variable: ``--wrt 2`` or ``--wrt sin`` are mistakes; with
    ``--const a,b`` it must not be a constant, and without ``--wrt`` the variable is the
    one name left over (``a t^2 + b --const a,b`` is a function of t)."""
    from bibun.expr.constants import variable_among

    if wrt is None:
        return variable_among(expr, None, constants) if constants else default_variable(expr)
    v = wrt.strip() if wrt.strip() in expr.free else variable_name(wrt)
    if v is None:
        raise BibunError(_text("error.wrt_name", lang, wrt=repr(wrt)))
    return variable_among(expr, v, constants)


def constants_of(args) -> tuple[str, ...]:
    """``--const a,b`` as parser names (empty without the option)."""
    from bibun.expr.constants import constant_names

    return constant_names(getattr(args, "const", None))


def constants_note(constants: tuple[str, ...], lang: str) -> str:
    """"a, b are constants" (the wording of a one-variable formula with constants)."""
    key = "note.constants.one" if len(constants) == 1 else "note.constants.many"
    return i18n.text(key, lang, names=", ".join(constants))


def read_as_line(text: str, expr: Expr, warns: list[str], lang: str, fmt: str = "text"
                 ) -> str | None:
    """"read as: x e²" when a reader could doubt how the formula was read: the parser
    warned (e^2x, 1/2x, sin π/2), or the formula as bibun writes it is not the text as
    typed up to spaces, brackets and multiplication signs (sin x^2 is sin(x²),
    sin^-1 x is asin(x)); None when the echo would only repeat the input."""
    from bibun.expr.reading import doubtful

    if not warns and not doubtful(text, expr):
        return None
    return i18n.text("cli.read_as", lang, expr=render(expr, fmt))


def operator_variable(parsed: Parsed, wrt: str | None, lang: str) -> str | None:
    """The variable of a leading ``d/dx`` in the formula (None without one), checked
    against ``--wrt``: ``bibun diff "d/dx (xy)" --wrt y`` is a contradiction."""
    op = None if parsed.wrt is None else (variable_name(parsed.wrt) or parsed.wrt)
    given = None if wrt is None else (variable_name(wrt) or wrt.strip())
    if op is not None and given is not None and given != op:
        d = "∂" if "∂" in parsed.text or "\\partial" in parsed.text else "d"
        raise BibunError(_text("error.wrt_conflict", lang, operator=f"{d}/{d}{parsed.wrt}",
                                var=op, wrt=wrt.strip()))
    return op


def _text(key: str, lang: str, **params: Any) -> str:
    """A message whose parameters may be formulas, printed in their unicode form — what
    :func:`bibun.explain.messages.text` does, without importing the explanation package
    (``bibun diff --at`` and the notes under an answer would load it for one line)."""
    return i18n.text(key, lang, **{k: v.unicode() if isinstance(v, Expr) else v
                                   for k, v in params.items()})


def run_diff(args) -> int:
    if getattr(args, "log10", False):  # the book's log is base 10 (OpenStax): read it so
        from bibun.expr.parse import reading_conventions

        args.log10 = False
        with reading_conventions(log=10):
            return run_diff(args)

    if "=" in args.expr or getattr(args, "implicit", None) or getattr(args, "via", None) \
            or getattr(args, "param", False):  # else no method applies: not even imported
        from bibun.cli import diff_methods  # implicit equations, --implicit, --via

        if diff_methods.wants_method(args):
            return diff_methods.run(args)
    lang = _lang(args)
    parsed = _parse(args, lang, derivative=True)
    expr, warns = parsed.expr, parsed.warnings
    constants = constants_of(args)
    var = _variable(expr, args.wrt, lang, constants)
    var = operator_variable(parsed, args.wrt and var, lang) or var
    if parsed.wrt is not None and var in constants:  # d/da (a x^2) --const a
        var = _variable(expr, var, lang, constants)
    if args.steps:
        return _steps(args, expr, var)
    if args.verify:
        from bibun.verify import three_way

        points = None
        if args.at:
            point = parse_point(args.at)
            derivative_at(expr, diff(expr, var), var, point)  # domain and corners first
            points = [point]
        report = three_way(expr, var, points=points)
        if args.format == "json":
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            print(report.render(lang) if hasattr(report, "render") else report)
        return 0 if report.agree else 1
    d = diff(expr, var, args.order)
    point = parse_point(args.at)
    value = derivative_at(expr, d, var, point) if args.at else None
    exact = exact_value(d, point_exprs(args.at)) if args.at else None
    alt = recognize(d)
    corners = nondifferentiable_points(expr, var)
    notes = [str(p) for p in corners]
    forms = _forms(args, d, expr, lang) if args.forms else []  # before printing anything
    if args.format == "json":
        try:  # f(g(x)) has no code: the JSON still answers, with python null and a note
            python, no_code = render(d, "python"), []
        except BibunError as exc:
            python, no_code = None, [i18n.text("cli.diff.no_python", lang,
                                               reason=i18n.one_line(exc, lang))]
        out = {
            "expression": str(expr), "variable": var, "order": args.order,
            "derivative": render(d, "text"), "unicode": render(d, "unicode"),
            "latex": render(d, "latex"),
            "python": python, "warnings": [*warns, *no_code], "nondifferentiable": notes,
            "read_as": expr.unicode(), "constants": list(constants),
            "domain_notes": fold_notes(expr, lang),
        }
        if alt is not d:
            out["through_functions"] = str(alt)
        if args.at:
            out["at"] = {k: _num(v) for k, v in point.items()}
            out["value"] = _num(value)
            if exact is not None:
                out["exact"] = str(exact)
        if args.forms:
            out["forms"] = [{"key": f.key, "label": f.name, "text": str(f.expr),
                             "latex": f.expr.latex()} for f in forms]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    fmt = args.format
    if fmt in ("text", "unicode"):
        from bibun.expr.constants import one_variable

        d_ = "d" if one_variable(expr, constants) else "∂"
        op = f"{d_}/{d_}{var}" if args.order == 1 else f"{d_}^{args.order}/{d_}{var}^{args.order}"
        print(f"{op} [{render(expr, fmt)}] = {render(d, fmt)}")
    else:
        print(render(d, fmt))
        if args.at and fmt != "python":
            print(_at_line(args.at, value, exact, lang, fmt))
    if fmt in ("text", "unicode"):
        if alt is not d:
            print(f"  = {render(alt, fmt)}")
        line = read_as_line(parsed.text, expr, warns, lang, fmt)
        if line is not None:  # after the answer: the first line stays d/dx [...] = ...
            print("  " + line)
        if constants:
            print("  " + constants_note(constants, lang))
        for n in corners:
            print("  " + _text("note.not_differentiable", lang, function=n.function,
                                condition=n.condition))
        for note in fold_notes(expr, lang):  # sin(asin x) = x for |x| ≤ 1
            print("  " + note)
        if args.at:
            print("  " + _at_line(args.at, value, exact, lang, fmt))
    if args.forms:
        print(_text("forms.title", lang))
        labels = [f.label(lang) for f in forms]
        width = max(map(i18n.display_width, labels), default=0)
        for label, f in zip(labels, forms, strict=True):
            print(f"  {i18n.pad(label, width)}  {render(f.expr, fmt)}")
    return 0


def fold_notes(expr: Expr, lang: str) -> list[str]:
    """Where a folded inverse composition holds (sin(asin x) = x needs |x| ≤ 1)."""
    from bibun.expr.identities import folded_compositions

    return [_text("note.inverse_fold", lang, identity=f"{c.unicode()} = {f.unicode()}",
                  condition=cond, inner=c.args[0].value)
            for c, f, cond in folded_compositions(expr)]


def point_exprs(text: str) -> dict[str, Expr]:
    """``x=pi/6,y=2`` as expressions, kept exact (π/6, not 0.5235987755982988); the text
    has already passed :func:`parse_point`, which reports every mistake in it."""
    from bibun.expr.core import as_expr

    out: dict[str, Expr] = {}
    for part in text.split(","):
        name, value = (s.strip() for s in part.split("=", 1))
        out[variable_name(name) or name] = as_expr(value)
    return out


def exact_value(d: Expr, point: dict[str, Expr]) -> Expr | None:
    """The derivative at the point in closed form, when the rule table knows one: √3/2 at
    π/6, 2 ln 2, π²; None when the exact form would still hold a function of a
    non-special value (sin(1)) or a decimal, so that only the decimal is printed."""
    from bibun.expr.core import CALL, FN, NUM, SYM
    from bibun.expr.exact import exact_at

    try:
        e = exact_at(d, point)
    except BibunError:
        return None
    for node in postorder(e):
        if node.op in (SYM, CALL) or (node.op == NUM and isinstance(node.value, float)) \
                or (node.op == FN and node.value not in ("log", "exp")):
            return None
    return e


def value_text(value: Any, exact: Expr | None, fmt: str = "text") -> str:
    """The value as a person writes it (the one formatter, :mod:`bibun.expr.numfmt`): an
    exact number as it is (1/4), a closed form with its decimal beside it (√3/2 ≈
    0.866025), else the decimal (≈ where it is rounded from an exact number)."""
    from bibun.expr import numfmt
    from bibun.expr.core import NUM

    style = "latex" if fmt == "latex" else ("unicode" if fmt in ("unicode", "mathml")
                                             else "text")
    if exact is not None and exact.op != NUM:
        shown = render(exact, "unicode" if fmt == "mathml" else fmt)
        return f"{shown} {numfmt.beside(float(exact.evaluate()))}"
    if exact is not None:  # an exact number (1/2), though the point gave a float
        value = exact.value
    text = numfmt.fmt(value, style=style)
    exact_in = isinstance(value, int | Fraction) and not isinstance(value, bool)
    return text if not exact_in or numfmt.is_exact_text(value, text) else f"≈ {text}"


def _at_line(at: str, value: Any, exact: Expr | None, lang: str, fmt: str = "text") -> str:
    shown = "unicode" if fmt == "mathml" else fmt
    where = ", ".join(f"{k} = {render(v, shown) if shown != 'latex' else v.latex()}"
                      for k, v in point_exprs(at).items())
    return _text("cli.at", lang, point=where, value=value_text(value, exact, fmt))


def _lang(args) -> str:
    return i18n.resolve(getattr(args, "lang", None))


def _forms(args, d: Expr, expr: Expr, lang: str = "en") -> list:
    from bibun.explain import forms

    if args.order != 1:
        raise BibunError(_text("error.forms_order", lang))
    return forms(d, expr)


def _steps(args, expr: Expr, var: str) -> int:
    """``--steps``: the derivation as numbered steps (or Markdown/LaTeX/MathML/JSON)."""
    from bibun.explain import derivations
    from bibun.explain.derivation import MAX_EXPLAINED_ORDER

    lang = _lang(args)
    if args.order > MAX_EXPLAINED_ORDER:
        raise BibunError(_text("error.steps_order", lang, limit=MAX_EXPLAINED_ORDER))
    fmt = {"text": "text", "unicode": "text"}.get(args.format, args.format)
    if fmt == "python":
        raise BibunError(_text("error.steps_format", lang))
    ds = derivations(expr, var, args.order, constants=constants_of(args) or None)
    if fmt == "json" and len(ds) > 1:  # one derivation per order: y, then y′, ...
        print(json.dumps([d.to_json(lang) for d in ds], ensure_ascii=False, indent=2))
        return 0
    for k, d in enumerate(ds, start=1):
        if k > 1:
            print("\n" + _text("steps.again", lang, n=k) + "\n")
        print(d.render(lang=lang, format=fmt))
    return 0


def _variables(args, expr: Expr) -> list[str]:
    """The variables of ``grad`` and ``hessian``: ``--wrt x,y`` (commas or spaces), else
    every free symbol in alphabetical order."""
    names = ([_variable(expr, w) for w in args.wrt.replace(",", " ").split()]
             if args.wrt else sorted(expr.free))
    if not names:
        raise error("error.cli.no_variables", expr=expr)
    return names


def _exact_all(parts: list[Expr], at: str | None) -> list[Expr | None]:
    """Each derivative at the point ``--at`` in closed form where one is known (√3 at
    x = π/3), like ``diff --at``; [] without a point."""
    if not at:
        return []
    where = point_exprs(at)
    return [exact_value(x, where) for x in parts]


def _point_text(at: str, fmt: str) -> str:
    """The point as typed, kept exact: ``x = π/6, y = 2``, not 0.5235987755982988."""
    shown = "unicode" if fmt == "mathml" else fmt
    return ", ".join(f"{k} = {render(v, shown) if shown != 'latex' else v.latex()}"
                     for k, v in point_exprs(at).items())


def run_grad(args) -> int:
    lang = _lang(args)
    expr, warns = _read(args)
    names = _variables(args, expr)
    g = gradient(expr, names)
    point = parse_point(args.at)
    values = [derivative_at(expr, x, v, point) for x, v in zip(g, names)] if args.at else None
    exact = _exact_all(g, args.at)
    if args.format == "json":
        out: dict[str, Any] = {"expression": str(expr), "variables": names,
                               "gradient": [str(x) for x in g],
                               "latex": [x.latex() for x in g], "warnings": warns}
        if values is not None:
            out["at"] = {k: _num(v) for k, v in point.items()}
            out["value"] = [_num(v) for v in values]
            out["exact"] = [None if x is None else str(x) for x in exact]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    for name, x in zip(names, g):
        print(f"∂/∂{name} = {render(x, args.format)}")
    if values is not None:
        shown = [value_text(v, x, args.format) for v, x in zip(values, exact)]
        print(_text("cli.grad.at", lang, point=_point_text(args.at, args.format),
                    values=", ".join(shown)))
    return 0


def run_hessian(args) -> int:
    lang = _lang(args)
    expr, warns = _read(args)
    names = _variables(args, expr)
    h = hessian(expr, names)
    point = parse_point(args.at)
    if args.at:  # second derivatives exist only where the first ones do
        for v in names:
            derivative_at(expr, diff(expr, v), v, point)
            for w in names:
                derivative_at(diff(expr, v), h[names.index(v)][names.index(w)], w, point)
    if args.format == "json":
        out: dict[str, Any] = {"expression": str(expr), "variables": names,
                               "hessian": [[str(x) for x in row] for row in h]}
        if args.at:
            out["value"] = [[_num(x.evaluate(point)) for x in row] for row in h]
            out["exact"] = [[None if x is None else str(x) for x in _exact_all(row, args.at)]
                            for row in h]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(_text("cli.hessian.over", lang, names=", ".join(names)))
    _matrix([[render(x, args.format) for x in row] for row in h])
    if args.at:
        print(_text("cli.hessian.at", lang, point=_point_text(args.at, args.format)))
        _matrix([[value_text(x.evaluate(point), ex, args.format)
                  for x, ex in zip(row, _exact_all(row, args.at))] for row in h])
    return 0


def _matrix(cells: list[list[str]]) -> None:
    """Rows of a matrix, each column right-aligned to its widest cell."""
    widths = [max(i18n.display_width(row[j]) for row in cells) for j in range(len(cells[0]))]
    for row in cells:
        print("  [ " + "  ".join(i18n.pad(c, w, right=True) for c, w in zip(row, widths))
              + " ]")


def _common(p, fmts=FORMATS[:5]) -> None:
    p.add_argument("expr", help="formula, e.g. '(x^3+1)^2' or 'y = sigmoid(x)'")
    p.add_argument("--at", help="point, e.g. x=3,y=4")
    p.add_argument("--format", choices=fmts, default="text")


def register(sub) -> None:
    p = sub.add_parser("diff", help="differentiate a formula (textbook form)")
    _common(p, FORMATS)
    p.add_argument("--wrt", help="variable (default: the only free one, else x)")
    p.add_argument("--const", metavar="A,B", help=i18n.text("help.diff.const"))
    p.add_argument("--log10", action="store_true", help=i18n.text("help.log10"))
    p.add_argument("--order", type=int, default=1, help="derivative order (default 1)")
    p.add_argument("--verify", action="store_true",
                   help="cross-check symbolic, numeric and automatic derivatives at random points")
    p.add_argument("--steps", action="store_true", help="explain step by step")
    p.add_argument("--forms", action="store_true", help="list equivalent forms of the answer")
    p.add_argument("--latex", action="store_true",
                   help="read EXPR as LaTeX (automatic when it contains a backslash)")
    p.add_argument("--implicit", metavar="Y", help=i18n.text("help.diff.implicit"))
    p.add_argument("--via", choices=("limit", "inverse", "log"), help=i18n.text("help.diff.via"))
    p.add_argument("--param", action="store_true", help=i18n.text("help.diff.param"))
    p.set_defaults(func=run_diff)
    allow_negative_arguments(p)

    p = sub.add_parser("grad", help="gradient: all first partial derivatives")
    _common(p)
    p.add_argument("--wrt", help="variables, e.g. x,y (default: all, sorted)")
    p.set_defaults(func=run_grad)
    allow_negative_arguments(p)

    p = sub.add_parser("hessian", help="matrix of second partial derivatives")
    _common(p)
    p.add_argument("--wrt", help="variables, e.g. x,y (default: all, sorted)")
    p.set_defaults(func=run_hessian)
    allow_negative_arguments(p)
