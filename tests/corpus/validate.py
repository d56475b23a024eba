"""Check the textbook corpus with SymPy (a plain script, not a pytest module).

    .venv/bin/python tests/corpus/validate.py [--verbose]

For every item of derivatives.json: the fields are present, the id is unique, ``meaning``
and ``answer_meaning`` parse, and d(meaning)/d(var) equals ``answer_meaning`` — exactly
(``simplify`` of the difference is 0) or numerically at random points of the item's
domain.  Prints counts by source and tag; exits 1 when any item fails.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "derivatives.json"
REQUIRED = ("id", "source", "text", "latex", "var", "meaning", "answer", "answer_meaning", "tags")

_u = sp.Symbol("u", real=True)
#: names used in ``meaning`` strings beyond SymPy's own
FUNCTIONS = {
    "sigmoid": sp.Lambda(_u, 1 / (1 + sp.exp(-_u))),
    "softplus": sp.Lambda(_u, sp.log(1 + sp.exp(_u))),
    "relu": sp.Lambda(_u, sp.Max(0, _u)),
    "step": sp.Heaviside,
}
DEFAULT_RANGE = (-2.0, 2.0)
OTHER_RANGE = (0.5, 2.0)  # constants and other letters, unless the item says otherwise


def symbols_of(*texts: str) -> dict[str, sp.Symbol]:
    """Every identifier in the strings as a real SymPy symbol (functions excluded)."""
    names: dict[str, sp.Symbol] = {}
    for t in texts:
        expr = sp.parse_expr(t, local_dict=dict(FUNCTIONS), evaluate=False)
        for s in expr.free_symbols:
            names[s.name] = sp.Symbol(s.name, real=True)
    return names


def read(text: str, names: dict[str, sp.Symbol]) -> sp.Expr:
    return sp.parse_expr(text, local_dict={**FUNCTIONS, **names})


def sample_points(item: dict, names: dict[str, sp.Symbol], rng: random.Random, n: int = 40):
    dom = item.get("domain", {})
    for _ in range(n):
        pt = {}
        for name, sym in names.items():
            lo, hi = dom.get(name, DEFAULT_RANGE if name == item["var"] else OTHER_RANGE)
            pt[sym] = rng.uniform(lo, hi)
        yield pt


def value(e: sp.Expr, pt) -> complex | None:
    try:
        v = complex(e.evalf(30, subs=pt))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if v != v or abs(v) > 1e12 or abs(v.imag) > 1e-9 * max(1.0, abs(v.real)):
        return None
    return v


def check_item(item: dict, rng: random.Random) -> tuple[bool, str]:
    names = symbols_of(item["meaning"], item["answer_meaning"], item["var"])
    f = read(item["meaning"], names)
    a = read(item["answer_meaning"], names)
    x = names[item["var"]]
    d = sp.diff(f, x)
    agree = 0
    for pt in sample_points(item, names, rng):
        dv, av = value(d, pt), value(a, pt)
        if dv is None or av is None:
            continue
        if abs(dv - av) > 1e-7 * max(1.0, abs(dv)):
            where = ", ".join(f"{k}={float(v):.4g}" for k, v in pt.items())
            return False, f"d/d{item['var']} = {dv.real:.8g} but answer = {av.real:.8g} at {where}"
        agree += 1
        if agree >= 6:
            break
    if agree >= 3:
        return True, f"numeric ({agree} points)"
    try:
        if sp.simplify(d - a) == 0:
            return True, "symbolic"
    except Exception:  # noqa: BLE001 - any SymPy failure is a verdict, not a crash
        pass
    return False, f"only {agree} sample points were defined for both sides (check 'domain')"


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    doc = json.loads(CORPUS.read_text(encoding="utf-8"))
    items = doc["items"]
    rng = random.Random(12)
    failures: list[tuple[str, str]] = []
    ids = Counter(it.get("id") for it in items)
    for dup, n in ids.items():
        if n > 1:
            failures.append((str(dup), f"id used {n} times"))
    for it in items:
        missing = [k for k in REQUIRED if k not in it or it[k] in ("", None)]
        if missing:
            failures.append((it.get("id", "?"), f"missing fields {missing}"))
            continue
        try:
            ok, how = check_item(it, rng)
        except Exception as exc:  # noqa: BLE001
            ok, how = False, f"{type(exc).__name__}: {exc}"
        if not ok:
            failures.append((it["id"], how))
        elif verbose:
            print(f"ok   {it['id']}: {how}")
    by_source = Counter(it["tags"][0] for it in items)
    by_tag = Counter(t for it in items for t in it["tags"][1:])
    tr = sum(1 for it in items if it.get("answer_source", "").startswith("transcriber"))
    errata = sum(1 for it in items if "erratum" in it.get("answer_source", ""))
    print(f"{len(items)} items; {len(items) - len(failures)} pass; {len(failures)} fail")
    print(f"answers: {len(items) - tr} the source's own, {tr} by the transcriber "
          f"({errata} of them source errata)")
    print("by source: " + ", ".join(f"{k} {v}" for k, v in by_source.most_common()))
    print("by tag:    " + ", ".join(f"{k} {v}" for k, v in by_tag.most_common()))
    for i, why in failures:
        print(f"FAIL {i}: {why}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
