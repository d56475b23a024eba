"""Measure bibun on the textbook corpus (a plain script; pytest does not collect it).

    .venv/bin/python tests/corpus/measure.py [-o tests/corpus/LAST_MEASURE.txt] [--only ID,ID]

For every item of derivatives.json it records, each step in its own try/except:

* read text / read LaTeX — ``bibun.parse(text)`` and ``bibun.parse(latex, latex=True)``
  compared numerically with the item's ``meaning``: intended, intended with a warning,
  refused (a bibun error), misread silently, misread with a warning, crash (not a bibun error);
* derivative — ``bibun.diff(expr, var)`` against SymPy's derivative of ``meaning``, numerically
  (expr is the text reading when it is the intended one, else ``meaning`` given to bibun);
* check — ``bibun.explain.check_answer(expr, answer, var)`` with the source's answer as printed;
  a second column retries with a printed left side (``y' =``, ``f'(x) =``, ``dy/dx =``) removed;
* steps — ``bibun.explain.derivation(expr, var).render(lang=…)`` in en and ja;
* size — SymPy ``count_ops`` of bibun's answer over ``count_ops(simplify(diff(meaning)))``,
  passing at a ratio ≤ 1.2; a second line measures the form the steps and ``bibun diff``
  end on (the answer through a known function, ``recognize``: σ(x)(1 − σ(x)), tanh x).

Then prints the summary table, the table by source, the most common failure messages and
the failing ids of every category with their message.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import signal
import subprocess
import sys
import traceback
import warnings
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from validate import DEFAULT_RANGE, OTHER_RANGE, read, symbols_of  # noqa: E402

import bibun  # noqa: E402
from bibun.errors import BibunError  # noqa: E402
from bibun.explain import check_answer, derivation  # noqa: E402
from bibun.explain.equality import (  # noqa: E402
    EVAL_ERRORS,
    close,
    concretize,
    sample_points,
    seed_of,
    value_at,
)
from bibun.explain.mistakes import mistaken_derivative  # noqa: E402
from bibun.expr import core  # noqa: E402
from bibun.expr.core import ADD, CALL, CONST, FN, MUL, NUM, POW, SYM, postorder  # noqa: E402
from bibun.expr.parse import parse_full, reading_conventions, variable_name  # noqa: E402
from bibun.expr.simplify import recognize  # noqa: E402

SIZE_BOUND = 1.2
SIMPLIFY_SECONDS = 20

# -- numbers ---------------------------------------------------------------------------------


def sample(item: dict, names: list[str], k: int, seed: int) -> list[dict[str, float]]:
    rng = random.Random(seed)
    dom = item.get("domain", {})
    pts = []
    for _ in range(k):
        pts.append({n: rng.uniform(*dom.get(n, DEFAULT_RANGE if n == item["var"] else OTHER_RANGE))
                    for n in names})
    return pts


def sym_value(e: sp.Expr, pt: dict[str, float]) -> complex | None:
    subs = {s: pt[s.name] for s in e.free_symbols if s.name in pt}
    try:
        v = complex(e.evalf(20, subs=subs))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if v != v or abs(v) > 1e12 or abs(v.imag) > 1e-9 * max(1.0, abs(v.real)):
        return None
    return v


def bib_value(e, pt: dict[str, float]) -> float | None:
    try:
        v = complex(e.evaluate({n: pt[n] for n in e.free}))
    except Exception:  # noqa: BLE001 - undefined at the point
        return None
    if v != v or abs(v) > 1e12 or abs(v.imag) > 1e-9 * max(1.0, abs(v.real)):
        return None
    return v


def norm(name: str) -> str:
    """A source's variable in bibun's spelling, up to '_' and braces: ŷ is y_hat, theta
    is θ, m_1 is m1 (bibun.variable_name is how every face names a variable)."""
    return re.sub(r"[_{}\s]", "", variable_name(name) or name)


#: a per-sample subscript: the source's y_i, x_i are its data y, x (one term of a sum)
INDEX = re.compile(r"^(.+?)_?\{?([ijkn])\}?$")


def _source_name(n: str, alias: dict[str, str]) -> str | None:
    if norm(n) in alias:
        return alias[norm(n)]
    m = INDEX.match(n)
    return alias.get(norm(m.group(1))) if m else None


def same_function(bib, ref: sp.Expr, item: dict, names: list[str]) -> tuple[bool | None, str]:
    """True/False when the two agree/disagree at sample points, None when not comparable.
    Variable names are matched in bibun's spelling up to '_' and braces (ŷ is y_hat, m_1
    is m1), and an index subscript names the source's data variable (y_i is y)."""
    alias = {norm(n): n for n in names}
    extra = sorted(n for n in bib.free if _source_name(n, alias) is None)
    if extra:
        return False, f"reads variables {extra} that the source's formula does not have"
    agree = 0
    for pt in sample(item, names, 30, 7):
        a = bib_value(bib, {n: pt[_source_name(n, alias)] for n in bib.free})
        b = sym_value(ref, pt)
        if a is None or b is None:
            continue
        if abs(a - b) > 1e-6 * max(1.0, abs(b)):
            where = ", ".join(f"{k} = {v:.3g}" for k, v in pt.items())
            return False, (f"read as {bib}: {a.real:.6g} where the source's function is "
                           f"{b.real:.6g} ({where})")
        agree += 1
        if agree >= 5:
            break
    if agree == 0:
        return None, f"read as {bib}: no sample point where both are defined"
    return True, ""


# -- bibun → SymPy, for size -----------------------------------------------------------------

_OPAQUE = {n: sp.Function(n) for n in ("sigmoid", "softplus", "relu", "step", "sign", "cbrt")}
_FN = {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "cot": sp.cot, "sec": sp.sec, "csc": sp.csc,
       "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "acot": sp.acot, "asec": sp.asec,
       "acsc": sp.acsc, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "coth": sp.coth,
       "sech": sp.sech, "csch": sp.csch, "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh,
       "asech": sp.asech, "acsch": sp.acsch, "acoth": sp.acoth, "exp": sp.exp, "log": sp.log,
       "abs": sp.Abs, "sqrt": sp.sqrt}


def to_sympy(e) -> sp.Expr:
    memo: dict = {}
    for n in postorder(e):
        op = n.op
        if op == NUM:
            v = n.value
            if isinstance(v, Fraction):
                r = sp.Rational(v.numerator, v.denominator)
            else:
                r = sp.sympify(v)
        elif op == SYM:
            r = sp.Symbol(n.value, real=True)
        elif op == CONST:
            r = sp.E if n.value == "e" else sp.pi
        elif op == ADD:
            r = sp.Add(*(memo[a] for a in n.args))
        elif op == MUL:
            r = sp.Mul(*(memo[a] for a in n.args))
        elif op == POW:
            r = sp.Pow(memo[n.args[0]], memo[n.args[1]])
        elif op == FN:
            f = _FN.get(n.value) or _OPAQUE.get(n.value) or sp.Function(n.value)
            r = f(memo[n.args[0]])
        elif op == CALL:
            r = sp.Function(str(n.value[0]))(*(memo[a] for a in n.args))
        else:
            raise ValueError(f"unknown node {op}")
        memo[n] = r
    return memo[e]


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def simplified_ops(e: sp.Expr) -> tuple[int, str]:
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SIMPLIFY_SECONDS)
    try:
        return int(sp.count_ops(sp.simplify(e))), ""
    except _Timeout:
        return int(sp.count_ops(e)), " (simplify timed out: unsimplified count)"
    finally:
        signal.alarm(0)


# -- one item --------------------------------------------------------------------------------

PREFIX = re.compile(r"^\s*(?:[A-Za-zθ]\w*\s*(?:['′´]+|\^\{?\(\d\)\}?)\s*(?:\([^)]*\))?|d\w*/d\w+"
                    r"|∂\w*/∂\w+|[A-Za-zθ]\w*\s*\([^)]*\)\s*['′´])\s*[=＝]\s*")


def on_side(item: dict, var: str, side: str) -> bool:
    """Does the item's stated domain of ``var`` lie where ``var`` ``side`` 0?"""
    lo, hi = item.get("domain", {}).get(var, (None, None))
    if lo is None:
        return False
    return lo > 0 if side == ">" else hi < 0


def kind(exc: BaseException) -> str:
    return "refused" if isinstance(exc, BibunError) else "crash"


def first_line(msg: str) -> str:
    return str(msg).strip().splitlines()[0] if str(msg).strip() else type(msg).__name__


def read_as(text: str, latex: bool, ref: sp.Expr, item: dict, names: list[str]):
    """(status, message, expr)"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            e = bibun.parse(text, latex=True) if latex else bibun.parse(text)
        except Exception as exc:  # noqa: BLE001
            return kind(exc), f"{type(exc).__name__}: {first_line(exc)}", None
    warned = [str(w.message) for w in caught]
    try:
        same, why = same_function(e, ref, item, names)
    except Exception as exc:  # noqa: BLE001
        return "crash", f"comparing: {type(exc).__name__}: {first_line(exc)}", e
    if same is None:
        return "unknown", why, e
    if same:
        return ("intended+warning" if warned else "intended"), ("; ".join(warned)), e
    if warned:
        return "misread+warning", f"{why} [warning: {warned[0]}]", e
    return "misread", why, e


def measure_item(item: dict, size: bool = True, mistakes: bool = True) -> dict:
    """Every category for one item, read under the item's declared conventions
    (``conventions``: OpenStax's base-10 log), as a user of that book would set them."""
    with reading_conventions(**item.get("conventions", {})):
        return _measure_item(item, size, mistakes)


def by_policy(item: dict, field: str, status: str, msg: str, ok) -> tuple[str, str] | None:
    """("policy", why) when the source's spelling is one bibun's documented policy refuses
    or warns about (the item's ``policy``), the message carries the suggested spelling,
    and that spelling (``write``) is read as intended with no warning (``ok(write)``)."""
    pol = item.get("policy", {}).get(field)
    if pol is None or status not in ("refused", "misread+warning", "rejected"):
        return None
    if pol["suggests"] not in msg:
        return None
    good, why = ok(pol["write"])
    if not good:
        return None
    return "policy", f"{pol['rule']}; the message suggests {pol['suggests']!r}; " \
        f"{pol['write']!r} reads as intended"


def _measure_item(item: dict, size: bool, mistakes: bool) -> dict:
    r: dict = {"id": item["id"], "source": item["tags"][0]}
    names = sorted(symbols_of(item["meaning"], item["answer_meaning"], item["var"]))
    syms = symbols_of(item["meaning"], item["answer_meaning"], item["var"])
    ref = read(item["meaning"], syms)
    ref_d = sp.diff(ref, syms[item["var"]])
    var = item["var"]

    r["text"], r["text_msg"], e_text = read_as(item["text"], False, ref, item, names)
    r["latex"], r["latex_msg"], _ = read_as(item["latex"], True, ref, item, names)
    as_suggested: dict = {}
    for key, latex in (("text", False), ("latex", True)):
        def reads(spelling: str, latex: bool = latex, key: str = key) -> tuple[bool, str]:
            st, why, as_suggested[key] = read_as(spelling, latex, ref, item, names)
            return st == "intended", why
        pol = by_policy(item, key, r[key], r[key + "_msg"], reads)
        if pol:
            r[key], r[key + "_msg"] = pol
    if r["text"] == "policy":  # the later steps use the spelling bibun suggested
        e_text = as_suggested["text"]

    # the expression the later steps use: the learner's text when bibun reads it as intended
    expr, origin = None, "text"
    if r["text"].startswith("intended") or r["text"] == "policy":
        expr = e_text
    else:
        origin = "meaning"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                meaning = re.sub(r"Max\(0, ", "relu(", item["meaning"])
                cand = bibun.parse(meaning.replace("**", "^").replace("Abs(", "abs(")
                                   .replace("Heaviside(", "step("))
            if same_function(cand, ref, item, names)[0]:
                expr = cand
            else:
                r["setup"] = "bibun misreads the SymPy meaning too"
        except Exception as exc:  # noqa: BLE001
            r["setup"] = f"meaning not readable by bibun: {type(exc).__name__}: {first_line(exc)}"
    r["origin"] = origin
    if expr is None:
        for k in ("diff", "check", "check_stripped", "mistakes", "steps_en", "steps_ja",
                  "size", "size_final"):
            r[k], r[k + "_msg"] = "not measured", r.get("setup", "")
        return r

    # derivative
    d = None
    try:
        d = bibun.diff(expr, var)
        same, why = same_function(d, ref_d, item, names)
        r["diff"] = {True: "correct", False: "wrong", None: "unknown"}[same]
        r["diff_msg"] = why
    except Exception as exc:  # noqa: BLE001
        r["diff"], r["diff_msg"] = kind(exc), f"{type(exc).__name__}: {first_line(exc)}"

    # the source's answer (as `bibun check "g(z) = …" "g(z)(1 − g(z))"` reads it: the
    # answer may use the defined name)
    defined = None
    if origin == "text":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = parse_full(item["policy"]["text"]["write"] if r["text"] == "policy"
                           else item["text"])
        defined = (p.name, p.params) if p.name else None

    def verdict(answer: str) -> tuple[str, str]:
        try:
            res = check_answer(expr, answer, var, lang="en", defined_as=defined)
        except Exception as exc:  # noqa: BLE001
            return kind(exc), f"{type(exc).__name__}: {first_line(exc)}"
        if res.correct:
            return "accepted", ""
        if res.holds_where and on_side(item, var, res.holds_where[1]):
            return "accepted where", (f"right where {var} {res.holds_where[1]} 0, told so; the "
                                      f"source's domain {item['domain'][var]} is there")
        return "rejected", first_line(res.message("en")) + " | " + "; ".join(res.codes)

    r["check"], r["check_msg"] = verdict(item["answer"])
    pol = by_policy(item, "answer", r["check"], r["check_msg"],
                    lambda w: (verdict(w)[0] == "accepted", ""))
    if pol:
        r["check"], r["check_msg"] = pol
    stripped = PREFIX.sub("", item["answer"], count=1)
    if r["check"] in ("accepted", "accepted where", "policy") or stripped == item["answer"]:
        r["check_stripped"], r["check_stripped_msg"] = r["check"], r["check_msg"]
    else:
        r["check_stripped"], r["check_stripped_msg"] = verdict(stripped)

    # three typical mistakes, each rejected with one right diagnosis
    if mistakes and d is not None:
        try:
            g, n, bad, other = measure_mistakes(expr, var, d, defined)
            r["mistakes_good"], r["mistakes_tried"], r["mistakes_other"] = g, n, other
            r["mistakes"] = "ok" if g == n else "missed"
            r["mistakes_msg"] = "; ".join(bad)
        except Exception as exc:  # noqa: BLE001
            r["mistakes"], r["mistakes_msg"] = "crash", f"{type(exc).__name__}: {first_line(exc)}"
    else:
        r["mistakes"], r["mistakes_msg"] = "not measured", ""

    # steps
    for lang in ("en", "ja"):
        key = f"steps_{lang}"
        try:
            text = derivation(expr, var).render(lang=lang)
            r[key], r[key + "_msg"] = ("ok", "") if text and text.strip() else ("empty", "")
        except Exception as exc:  # noqa: BLE001
            r[key], r[key + "_msg"] = kind(exc), f"{type(exc).__name__}: {first_line(exc)}"

    # size
    if not size:
        r["size"], r["size_msg"] = "not measured", "size skipped"
        r["size_final"], r["size_final_msg"] = r["size"], r["size_msg"]
    elif d is None:
        r["size"], r["size_msg"] = "not measured", "no derivative"
        r["size_final"], r["size_final_msg"] = r["size"], r["size_msg"]
    else:
        try:
            ours = int(sp.count_ops(to_sympy(d)))
            theirs, note = simplified_ops(ref_d)
            ratio = ours / max(1, theirs)
            r["size_ratio"] = ratio
            r["size"] = "ok" if ratio <= SIZE_BOUND else "large"
            r["size_msg"] = f"{ours} ops vs SymPy {theirs}{note}: {d}"
            # the form the steps and `bibun diff` end on: the answer written through a
            # known function when one applies (e^(-x)/(1 + e^(-x))^2 = sigmoid(x)(1 - sigmoid(x)))
            final = recognize(d)
            ours_final = int(sp.count_ops(to_sympy(final)))
            r["size_final_ratio"] = ours_final / max(1, theirs)
            r["size_final"] = "ok" if r["size_final_ratio"] <= SIZE_BOUND else "large"
            r["size_final_msg"] = f"{ours_final} ops vs SymPy {theirs}{note}: {final}"
        except Exception as exc:  # noqa: BLE001
            r["size"], r["size_msg"] = "crash", f"{type(exc).__name__}: {first_line(exc)}"
            r["size_final"], r["size_final_msg"] = r["size"], r["size_msg"]
    return r


# -- typical mistakes --------------------------------------------------------------------------

#: the rule slips of bibun.explain.mistakes, with the diagnosis code each should get
RULE_MISTAKES = (("no_inner", "missing_inner_derivative"), ("product", "product_of_derivatives"),
                 ("exponent", "exponent_not_lowered"),
                 ("quotient_order", "quotient_numerator_order"),
                 ("quotient_denominator", "quotient_denominator"), ("trig_sign", "sign_error"),
                 ("quotient_of_derivatives", "quotient_of_derivatives"))
MISTAKES_PER_ITEM = 3


def _same(a, b) -> bool:
    """The same function, judged by values at seeded points (the measure's own question
    about its candidates; the checker under test decides by algebra first): agreement at
    every point where both are defined, at least three of them."""
    if a is b:
        return True
    ca, cb = concretize([a, b])
    rng = random.Random(seed_of(a, b))
    agree = 0
    for tries, pt in enumerate(sample_points(sorted(ca.free | cb.free), rng)):
        if tries >= 60 or agree >= 10:
            break
        try:
            u, v = value_at(ca, pt), value_at(cb, pt)
        except EVAL_ERRORS:
            continue
        if not close(u, v):
            return False
        agree += 1
    return agree >= 3


def typical_mistakes(expr, var: str, d) -> list[tuple[str, object, set[str]]]:
    """Three wrong answers a learner typically gives for this problem: the rule slips
    that apply (forgotten inner derivative, (uv)' = u'v', …, each everywhere at once),
    then a flipped sign, then the function copied back undifferentiated — each with the
    diagnosis codes that describe that wrong function (two slips can give the same one:
    −(f'g − fg')/g² *is* the numerator swapped and a sign error)."""
    cands: list[tuple[str, object]] = []
    for model, code in RULE_MISTAKES:
        try:
            made = mistaken_derivative(expr, var, model)
        except (BibunError, ArithmeticError):
            continue
        if made is not None:
            cands.append((code, made[0]))
    cands.append(("sign_error", core.neg(d)))
    cands.append(("not_differentiated", expr))
    cands.append(("constant_factor", core.mul(core.number(2), d)))
    out: list[tuple[str, object, set[str]]] = []
    for code, wrong in cands:
        if len(out) >= MISTAKES_PER_ITEM:
            break
        if _same(wrong, d) or any(_same(wrong, w) for _, w, _ in out):
            continue  # not a mistake here (no inner derivative of x + 2), or one we have
        codes = {code} | {c for c, w in cands if c != code and _same(w, wrong)}
        out.append((code, wrong, codes))
    return out


def _proved(dgn, wrong, d) -> bool:
    """Another diagnosis is right too when its evidence proves it: the derivative its
    mistake gives (at some place in the formula) is the wrong answer, or the answer is
    the derivative times the factor it names.  (1/(1 + e^(−x)))′ written −e^(−x)/(…)² is
    both the quotient rule's numerator swapped and the inner derivative of e^(−x)
    forgotten.)"""
    ev = dgn.evidence
    if "model" in ev:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _same(bibun.parse(ev["model"]), wrong)
    if "factor" in ev:
        return _same(core.mul(core.number(Fraction(ev["factor"])), d), wrong)
    return False


def measure_mistakes(expr, var: str, d, defined=None) -> tuple[int, int, list[str], int]:
    """(mistakes rejected with a right single diagnosis, mistakes tried, failures, how many
    of the right ones name another mistake that gives the same answer)."""
    good, tried, bad = 0, 0, []
    other = 0  # right, but named by another mistake that gives the same answer
    for code, wrong, codes in typical_mistakes(expr, var, d):
        tried += 1
        try:
            res = check_answer(expr, wrong, var, lang="en", defined_as=defined)
        except Exception as exc:  # noqa: BLE001
            bad.append(f"{code}: {kind(exc)}: {type(exc).__name__}: {first_line(exc)}")
            continue
        if res.correct:
            bad.append(f"{code}: accepted {wrong}")
        elif len(res.codes) != 1 or not (res.codes[0] in codes
                                         or _proved(res.diagnosis[0], wrong, d)):
            bad.append(f"{code}: diagnosed {res.codes} for {wrong}")
        else:
            good += 1
            other += res.codes[0] not in codes
    return good, tried, bad, other


# -- report ----------------------------------------------------------------------------------

#: statuses that pass but are not plain: shown in the table's last column
NOTED = {"intended+warning": "with warning", "policy": "by documented policy (suggestion "
         "reads right)", "accepted where": "right where the source's x > 0, told so"}

CATEGORIES = [
    ("text", "read text as intended", ("intended", "intended+warning", "policy")),
    ("latex", "read LaTeX as intended", ("intended", "intended+warning", "policy")),
    ("diff", "derivative correct", ("correct",)),
    ("check", "source's answer accepted", ("accepted", "accepted where", "policy")),
    ("check_stripped", "  … after removing y' = etc.", ("accepted", "accepted where", "policy")),
    ("mistakes", "3 typical mistakes diagnosed", ("ok",)),
    ("steps_en", "steps render (en)", ("ok",)),
    ("steps_ja", "steps render (ja)", ("ok",)),
    ("size", f"size ≤ {SIZE_BOUND}× SymPy simplify", ("ok",)),
    ("size_final", "  … the form the steps end on", ("ok",)),
]


def pattern(msg: str) -> str:
    m = re.sub(r"at column \d+.*", "at column N", msg)
    m = re.sub(r"'[^']*'", "'…'", m)
    m = re.sub(r"read as .*?:", "read as …:", m)
    m = re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "N", m)
    return m[:150]


def report(results: list[dict], items: list[dict]) -> str:
    out: list[str] = []
    n = len(results)
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=HERE, check=False).stdout.strip()
    except OSError:
        rev = "?"
    out.append(f"bibun textbook corpus — {n} items — measured {datetime.date.today()} at {rev} "
               f"(working tree, which may hold uncommitted changes)")
    out.append("")
    out.append(f"{'category':34} {'pass':>9}  {'%':>6}   breakdown of the rest")
    for key, title, good in CATEGORIES:
        counts = Counter(r.get(key, "missing") for r in results)
        ok = sum(counts[g] for g in good)
        rest = ", ".join(f"{k} {v}" for k, v in counts.most_common() if k not in good)
        noted = [f"{NOTED[g]} {counts[g]}" for g in good if g in NOTED and counts.get(g)]
        extra = f" ({'; '.join(noted)})" if noted else ""
        out.append(f"{title:34} {ok:>4}/{n:<4} {100 * ok / n:6.1f}%  {rest}{extra}")
        tried = sum(r.get("mistakes_tried", 0) for r in results)
        if key == "mistakes" and tried:
            good = sum(r.get("mistakes_good", 0) for r in results)
            other = sum(r.get("mistakes_other", 0) for r in results)
            out.append(f"{'  … each: rejected, one diagnosis':34} {good:>4}/{tried:<4} "
                       f"{100 * good / tried:6.1f}%  ({other} of them name "
                       "another slip giving the same answer, proved by its evidence)")
    sizes = [r["size_ratio"] for r in results if "size_ratio" in r]
    if sizes:
        big = sum(1 for s in sizes if s > 1.5)
        out.append(f"{'':34} size ratio > 1.5: {big}; median {sorted(sizes)[len(sizes) // 2]:.2f}; "
                   f"max {max(sizes):.2f}")
    used_meaning = sum(1 for r in results if r.get("origin") == "meaning")
    out.append("(derivative/check/steps/size use the text reading when it is the intended one "
               "or the spelling bibun's message suggests, "
               f"else the SymPy meaning given to bibun: {used_meaning} items)")
    out.append("")
    out.append("by source (pass counts):")
    sources = sorted({r["source"] for r in results})
    out.append(f"{'category':34} " + " ".join(f"{s:>12}" for s in sources))
    for key, title, good in CATEGORIES:
        cells = []
        for s in sources:
            rs = [r for r in results if r["source"] == s]
            cells.append(f"{sum(1 for r in rs if r.get(key) in good)}/{len(rs)}")
        out.append(f"{title:34} " + " ".join(f"{c:>12}" for c in cells))
    out.append("")
    out.append("most common failure messages (normalised), per category:")
    for key, title, good in CATEGORIES:
        if key == "check_stripped":
            continue
        pats = Counter()
        examples: dict[str, list[str]] = defaultdict(list)
        for r in results:
            if r.get(key) in good or r.get(key) == "not measured":
                continue
            p = f"[{r.get(key)}] " + pattern(r.get(key + "_msg", ""))
            pats[p] += 1
            examples[p].append(r["id"])
        if not pats:
            continue
        out.append(f"  {title}:")
        for p, c in pats.most_common(12):
            ex = ", ".join(examples[p][:4])
            out.append(f"    {c:3} × {p}   e.g. {ex}")
    out.append("")
    out.append("failing ids per category (id: status: message):")
    by_id = {it["id"]: it for it in items}
    for key, title, good in CATEGORIES:
        bad = [r for r in results if r.get(key) not in good]
        out.append(f"== {title}: {len(bad)}")
        for r in bad:
            it = by_id[r["id"]]
            shown = {"text": it["text"], "latex": it["latex"]}.get(key)
            if key.startswith("check"):
                shown = it["answer"]
            what = f" «{shown}»" if shown else ""
            out.append(f"  {r['id']}{what}: {r.get(key)}: {r.get(key + '_msg', '')}")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", help="also write the report to this file")
    ap.add_argument("--only", help="comma-separated ids")
    args = ap.parse_args(argv)
    items = json.loads((HERE / "derivatives.json").read_text(encoding="utf-8"))["items"]
    if args.only:
        keep = set(args.only.split(","))
        items = [it for it in items if it["id"] in keep]
    results = []
    for i, it in enumerate(items, 1):
        try:
            results.append(measure_item(it))
        except Exception as exc:  # noqa: BLE001 - the harness itself must never stop
            results.append({"id": it["id"], "source": it["tags"][0],
                            **{k: "harness error" for k, _, _ in CATEGORIES},
                            "text_msg": traceback.format_exception_only(exc)[-1].strip()})
        if i % 50 == 0:
            print(f"… {i}/{len(items)}", file=sys.stderr)
    text = report(results, items)
    print(text, end="")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
