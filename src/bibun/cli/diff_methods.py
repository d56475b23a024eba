"""`bibun diff` beyond y = f(x): an equation (implicit), ``--implicit Y``, ``--via limit``."""

from __future__ import annotations

from bibun.cli._args import parse_assignments

FORMATS = {"text": "text", "unicode": "unicode", "markdown": "markdown", "latex": "latex",
           "mathml": "mathml", "json": "json"}


def wants_method(args) -> bool:
    """True when ``bibun diff`` should hand the work to a method here: ``--implicit``,
    ``--via``, or an equation whose left side is not a plain name defined by the right."""
    if getattr(args, "implicit", None) or getattr(args, "via", None) or \
            getattr(args, "param", False):
        return True
    text = args.expr
    from bibun.expr.parse import has_where_clause

    if has_where_clause(text):  # (y − ŷ)², ŷ = wx + b: a formula, not an equation
        return False
    if text.count("=") != 1:
        return text.count("=") > 1
    left, right = text.split("=")
    name = left.strip()
    if name.endswith(")") and "(" in name:  # f(x) = x^3: a definition, as y = x^3 is
        name, params = name[:-1].split("(", 1)
        if all(q.strip().isidentifier() for q in params.split(",")):
            name = name.strip()
    return not (name.isidentifier() and name not in right)


def run(args) -> int:
    from bibun import i18n
    from bibun.calculus.first_principles import from_definition
    from bibun.calculus.implicit import implicit_diff
    from bibun.calculus.inverse import via_inverse
    from bibun.calculus.logdiff import log_diff
    from bibun.calculus.parametric import parametric_diff
    from bibun.errors import BibunError
    from bibun.expr.parse import parse_any_full

    lang = i18n.resolve(getattr(args, "lang", None))
    fmt = FORMATS.get(args.format)
    if fmt is None:
        raise BibunError(i18n.text("error.worked.format", lang, fmt=args.format,
                                   formats=", ".join(FORMATS)))
    via = getattr(args, "via", None)
    if getattr(args, "param", False):
        at = args.at
        if at and "=" in at:
            values = parse_assignments(at, "--at")
            at = next(iter(values.values())) if len(values) == 1 else at
        r = parametric_diff(args.expr, args.wrt, at=at)
        print(r.render(lang, fmt) if args.steps or fmt != "text" else f"dy/dx = {r.derivative}")
        if r.value is not None and not args.steps and fmt == "text":
            print("  " + i18n.text("implicit.tangent", lang) + f" y = {r.tangent}")
        return 0
    if via:
        if "=" in args.expr:
            raise i18n.error("error.via.equation", via=via)
        expr = parse_any_full(args.expr).expr
        how = {"limit": from_definition, "inverse": via_inverse, "log": log_diff}[via]
        print(how(expr, args.wrt).render(lang, fmt))
        return 0
    x = args.wrt or "x"
    y = getattr(args, "implicit", None) or "y"
    point = parse_assignments(args.at, "--at") if args.at else None
    result = implicit_diff(args.expr, x, y, at=point)
    if fmt == "text" and not args.steps:
        print(f"d{y}/d{x} = {result.derivative}")
        if result.value is not None:
            where = ", ".join(f"{k} = {v}" for k, v in result.point.items())
            print("  " + i18n.text("cli.at", lang, point=where, value=str(result.value)))
            print("  " + i18n.text("implicit.tangent", lang) + f" {y} = {result.tangent}")
        return 0
    print(result.render(lang, fmt))
    return 0
