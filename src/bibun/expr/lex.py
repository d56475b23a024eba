"""Tokens for the formula grammar.

The lexer is where the notation people actually type is understood:

* letter runs that are not a known name split into one-letter variables
  (``xy`` = x·y, ``abc`` = a·b·c) while known names never split (``sinx`` = sin x,
  ``sigmoid``, ``relu``, ``theta``); digits and ``_sub`` stick to the letter before
  them (``x1``, ``x_1``, ``w_ij``);
* ``f``, ``g``, ``h`` directly followed by ``(`` (or primes) are unknown functions;
* unicode: ``x²``, ``x⁻¹``, ``·``, ``×``, ``−``, ``÷``, ``√``, ``π``, ``σ(x)``, Greek letters;
* ``|x|`` bars are told apart (opening or closing) from the token before them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from bibun.errors import LimitError, ParseError
from bibun.expr.conventions import (  # noqa: F401  (reading_conventions: re-exported)
    DEFINED,
    apply_conventions,
    invisible_group_powered,
    matching,
    reading_conventions,
)
from bibun.expr.lalr import Token
from bibun.functions import NAMES, RULES, version
from bibun.i18n import error, parse_error
from bibun.i18n import text as message
from bibun.record import record

MAX_LENGTH = 100_000
MAX_DEPTH = 20_000

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Delta": "Δ", "Gamma": "Γ", "Theta": "Θ", "Lambda": "Λ",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
GREEK_COMMANDS = {v: k for k, v in {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi",
    "ψ": "psi", "ω": "omega", "Δ": "Delta", "Γ": "Gamma", "Θ": "Theta", "Λ": "Lambda",
    "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}.items()}
GREEK_COMMANDS.update({"varepsilon": "ε", "varphi": "φ", "vartheta": "θ", "varrho": "ρ",
                        "varsigma": "σ"})
GREEK_LETTERS = set(GREEK.values()) | set("ϑϕϵ")
ABSTRACT = {"f", "g", "h"}
CONSTANTS = {"e": "e", "pi": "pi", "π": "pi"}
#: name or alias -> rule name, live from the rule table (the parser knows no other names)
FUNCTIONS = NAMES
_known_cache: tuple[int, list[str], list[str]] = (-1, [], [])



def _known() -> tuple[list[str], list[str]]:
    """Every multi-letter name the splitter must keep whole, longest first, and the
    function names that are not plain letter runs (log1p, gelu_tanh); rebuilt when the
    rule table changes."""
    global _known_cache
    if _known_cache[0] != version():
        known = sorted(set(RULES) | set(GREEK) | {"pi"}, key=len, reverse=True)
        special = [n for n in known if n in RULES and not n.isalpha()]
        _known_cache = (version(), known, special)
    return _known_cache[1], _known_cache[2]

SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾", "0123456789-+()")
_SUP_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾"
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_OPS = {
    "+": "PLUS", "-": "MINUS", "−": "MINUS", "–": "MINUS", "*": "STAR", "·": "STAR",
    "×": "STAR", "⋅": "STAR", "∙": "STAR", "/": "SLASH", "÷": "SLASH", "^": "CARET",
    ",": "COMMA",
}
_DIGITS = frozenset("0123456789")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z\u0370-\u03ff]+")
_SUFFIX = re.compile(r"\d+|_\{[A-Za-z0-9]+\}|_[A-Za-z0-9]+|[₀-₉]+")
#: token types that end an operand (a bar after one closes |…|; a slash after one divides)
OPERAND_END = {"NUMBER", "NAME", "CONST", "RPAR", "BAR_CLOSE"}
_OPERAND_START = {"NUMBER", "NAME", "CONST", "FUNC", "ABSFUNC", "LOGBASE", "LPAR", "BAR_OPEN",
                  "ROOT"}
#: full-width and IME characters read as their ASCII forms, one character for one (columns
#: stay where the user typed them): （x＋1）, ２x, ・ (a product dot), ＾, ｜
_WIDE = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_WIDE.update({"・": "·", "\u3000": " ", "｛": "{", "｝": "}", "￨": "|", "〜": "~", "ー": "-"})
_WIDE_TABLE = str.maketrans(_WIDE)
#: letter runs followed by '(' or an argument that are not known names; and names
#: close to a known one are refused with "did you mean" (see docs/parsing.md)
MAXMIN = ("max", "min")


#: a precomposed accent on a letter makes a new variable: ŷ is y_hat, x̄ is x_bar (as
#: LaTeX's \\hat{y}, \\bar{x})
_ACCENTED = {"0302": "_hat", "0304": "_bar", "0303": "_tilde"}


def normalize(text: str) -> str:
    """Full-width input (an IME's （x＾２＋１）) as ASCII, character for character."""
    return text.translate(_WIDE_TABLE) if not text.isascii() else text


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 when it is larger than limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def suggest(run: str) -> str | None:
    """The known function name closest to ``run`` (edit distance 1, or 2 for longer runs)."""
    limit = 1 if len(run) <= 4 else 2
    best: tuple[int, bool, str] | None = None
    for name in sorted(set(RULES) | set(MAXMIN)):
        if len(name) < 3 or not name.replace("_", "").isalnum():
            continue
        d = _distance(run.lower(), name.lower(), limit)
        key = (d, not run.startswith(name), name)
        if d <= limit and (best is None or key < best):
            best = key
    return None if best is None else best[2]


@record
class Lexed:
    tokens: list[Token]
    warnings: list[str]


def split_word(run: str) -> list[str]:
    """Split a run of letters into names: known names whole, everything else per letter."""
    out: list[str] = []
    i = 0
    while i < len(run):
        for name in _known()[0]:
            if run.startswith(name, i):
                out.append(name)
                i += len(name)
                break
        else:
            out.append(run[i])
            i += 1
    return out


def _tok(kind: str, value: str, col: int) -> Token:
    return Token(kind, value, start_pos=col, line=1, column=col + 1)


def tokenize(text: str, offset: int = 0) -> Lexed:
    """Turn text into grammar tokens; ``offset`` shifts columns (for ``y = ...``)."""
    if len(text) > MAX_LENGTH:
        raise error("error.parse.too_long", LimitError, length=len(text), limit=MAX_LENGTH)
    toks: list[Token] = []
    brackets: list[tuple[str, int]] = []
    bars = 0
    i, n = 0, len(text)

    def err(key: str, at: int, **params: Any) -> ParseError:
        return parse_error(key, text, at + 1, **params)

    def push(kind: str, value: str, at: int) -> None:
        toks.append(_tok(kind, value, at + offset))

    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUMBER.match(text, i)
            assert m is not None
            if toks and toks[-1].type == "NUMBER":  # 3.4.5, 2 3: a typo, not a product
                raise err("error.parse.two_numbers", i, first=repr(toks[-1].value),
                          second=repr(m.group(0)))
            push("NUMBER", m.group(0), i)
            i = m.end()
            continue
        if c in _SUP_CHARS:
            j = i
            while j < n and text[j] in _SUP_CHARS:
                j += 1
            sup = text[i:j].translate(SUPERSCRIPTS)
            push("CARET", "^", i)
            push("LPAR", "(", i)
            sub = tokenize(sup, offset + i)
            toks.extend(sub.tokens)
            push("RPAR", ")", j - 1)
            i = j
            continue
        if text.startswith("**", i):
            push("CARET", "**", i)
            i += 2
            continue
        if c in _OPS:
            push(_OPS[c], c, i)
            i += 1
            continue
        if c in _OPEN:
            brackets.append((c, i))
            if len(brackets) > MAX_DEPTH:
                raise error("error.parse.too_deep_brackets", LimitError, limit=MAX_DEPTH,
                            column=offset + i + 1)
            push("LPAR", c, i)
            i += 1
            continue
        if c in _CLOSE:
            if not brackets:
                raise err("error.parse.nothing_to_close", i, c=c)
            o, at = brackets.pop()
            if _OPEN[o] != c:
                raise err("error.parse.closed_by", i, o=o, column=at + 1, c=c)
            push("RPAR", c, i)
            i += 1
            continue
        if c == "|":
            closing = bars > 0 and toks and toks[-1].type in OPERAND_END
            if closing:
                bars -= 1
                push("BAR_CLOSE", c, i)
            else:
                bars += 1
                push("BAR_OPEN", c, i)
            i += 1
            continue
        if c == "√" or c == "∛":  # binds to the one factor after it: √z e^(-z) = √z·e^(-z)
            push("ROOT", "sqrt" if c == "√" else "cbrt", i)
            i += 1
            continue
        if c == "π":
            push("CONST", "pi", i)
            i += 1
            continue
        m = _WORD.match(text, i)
        if m:
            i = _word(text, m, push, toks, err)
            continue
        accent = _ACCENTED.get(unicodedata.decomposition(c)[-4:]) if c.isalpha() else None
        if accent and unicodedata.decomposition(c)[:4].isalnum():  # ŷ, x̄: y_hat, x_bar
            push("NAME", chr(int(unicodedata.decomposition(c)[:4], 16)) + accent, i)
            i += 1
            continue
        mark = _ACCENTED.get(f"{ord(c):04X}")
        if mark and toks and toks[-1].type == "NAME" and "_" not in toks[-1].value \
                and toks[-1].start_pos + len(toks[-1].value) == i + offset:  # x̄ typed as x + ̄
            last = toks.pop()
            toks.append(_tok("NAME", last.value + mark, last.start_pos))
            i += 1
            continue
        if c == "'":
            raise err("error.parse.prime_where", i)
        if c == "=":
            raise err("error.parse.equals_once", i)
        raise err("error.parse.unexpected_char", i, c=repr(c))
    if brackets:
        o, at = brackets[-1]
        raise err("error.parse.never_closed", at, o=o)
    if bars:
        raise parse_error("error.parse.bar_unclosed", text, None)
    if not toks:
        raise parse_error("error.parse.empty", text, None)
    toks = apply_conventions(toks, text, offset)
    return Lexed(toks, _ambiguity_warnings(toks, text, offset))


_NEXT = re.compile(r"\s*(\S?)")


def _next_char(text: str, i: int) -> str:
    """The first non-blank character at or after i ("" at the end), without copying the
    rest of the text (a word per call would make lexing quadratic)."""
    return _NEXT.match(text, i).group(1)


def _word(text: str, m: re.Match, push, toks: list[Token], err) -> int:
    """Handle a run of letters (and its digit/subscript suffix) starting at m."""
    start, end = m.start(), m.end()
    run = m.group(0)
    suffix = ""
    if run in DEFINED.get() and _next_char(text, end) == "(":  # the problem's own Sig(x)
        push("ABSFUNC", run, start)
        return end
    if _capitalized(run):  # Tanh(x), Sin x: a cheat sheet's or Mathematica's capital
        run = run.lower()  # (said in a warning: see _spelling_warnings)
    for name in _known()[1]:  # log1p, expm1, gelu_tanh: digits or _ inside the name
        after = text[start + len(name):start + len(name) + 1]
        if text.startswith(name, start) and not (after.isalnum() or after == "_"):
            push("FUNC", RULES[name].name, start)
            return start + len(name)
    sm = _SUFFIX.match(text, end)
    if run == "log" and sm and sm.group(0).startswith("_"):
        base = sm.group(0)[1:].strip("{}")
        push("LOGBASE", base, start)
        return sm.end()
    if run == "log" and sm and sm.group(0) in ("2", "10") \
            and _next_char(text, sm.end()) == "(":  # log10(x), log2(x) as in Python and C
        push("LOGBASE", sm.group(0), start)
        return sm.end()
    if sm and run in FUNCTIONS and sm.group(0)[0] in _DIGITS:
        sm = None  # sin2x is sin(2x): the digits start the argument, not a variable name
    if sm:
        suffix = sm.group(0).translate(_SUBSCRIPTS).replace("{", "").replace("}", "")
        if suffix[1:].isdigit() and suffix[0] == "_":
            suffix = suffix[1:]  # x_1 = x_{1} = x₁ = x1: one variable, however it is typed
        end = sm.end()
    parts = split_word(run) if run not in FUNCTIONS else [run]
    pos = start
    nxt = _next_char(text, end)
    if run in MAXMIN and not suffix:
        if nxt != "(":
            raise err("error.parse.maxmin_needs_paren", start, name=run)
        push("FUNC", run, start)
        return end
    check_run(text, run, parts, suffix, start, end, nxt, err)
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        if last and part in ABSTRACT and not suffix and _INVERSE.match(text, end):
            raise err("error.parse.abstract_inverse", start, name=part)
        if last and part in ABSTRACT and not suffix and nxt in ("(", "'"):
            j = end
            primes = 0
            while j < len(text) and text[j] == "'":
                primes += 1
                j += 1
            if _next_char(text, j) != "(":
                raise err("error.parse.primes_applied", start, name=part, primes=chr(39) * primes)
            push("ABSFUNC", part + "'" * primes, pos)
            return j
        if part == "sigma" and last and not suffix and nxt == "(":
            part = "σ"  # sigma(x) is σ(x), the sigmoid, as in LaTeX's \sigma(x)
        if part in FUNCTIONS and not (last and suffix):
            if part == "σ" and not (last and nxt == "("):
                push("NAME", "σ", pos)
            else:
                push("FUNC", FUNCTIONS[part], pos)
        elif part in CONSTANTS and not (last and suffix):
            push("CONST", CONSTANTS[part], pos)
        else:
            push("NAME", GREEK.get(part, part) + (suffix if last else ""), pos)
        pos += len(part)
    return end


_INVERSE = re.compile(r"\s*\^\s*(?:\{\s*-\s*1\s*\}|\(\s*-\s*1\s*\)|-\s*1)\s*\(")


def check_run(text: str, run: str, parts: list[str], suffix: str, start: int, end: int,
               nxt: str, err) -> None:
    """A letter run that is not a known name splits into variables only when it cannot be
    mistaken for a function: ``sinn(x)``, ``sigmod x``, ``foo(x)`` are errors."""
    if suffix or run in FUNCTIONS or run in GREEK:
        return
    last_is_fn = parts[-1] in FUNCTIONS or (parts[-1] in ABSTRACT and len(run) <= 2)
    glued = text[end:end + 1] == "("
    product = "*".join(run)
    if len(run) >= 3 and glued and not last_is_fn:
        hint = suggest(run)
        raise err("error.parse.unknown_function_run", start, run=run, product=product,
                  hint=message("error.parse.hint_did_you_mean", suggestion=hint) if hint
                  else "")
    if len(run) >= 4 and all(len(p) == 1 for p in parts):
        hint = suggest(run)
        if hint is not None:
            raise err("error.parse.did_you_mean", start, run=run, suggestion=hint,
                      product=product)


def bracket_bare(toks: list[Token]) -> list[Token]:
    """Put explicit brackets around the argument of a function written without them, so
    the grammar sees ``sin ( x^2 )``.  The argument is the product of plain factors after
    the name (``sin 2x``, ``sin xy``, ``sin x^2``) and stops where a textbook's would:
    at the next function (``sin x cos x``), at ``e^…`` after a factor (``ln x e^x`` =
    ln(x)·e^x), at a variable already in the argument (``sin x x^2`` = sin(x)·x²).
    ``ln|x - 5|`` takes the bars; ``√`` takes one factor and is left to the grammar."""
    out = toks
    k = len(out) - 1
    while k >= 0:
        t = out[k]
        if t.type in ("FUNC", "LOGBASE"):
            j = k + 1
            if t.type == "FUNC" and j < len(out) and out[j].type == "CARET":
                j = _exponent_end(out, j + 1)
            if j is not None and j < len(out):
                end = _bare_end(out, j)
                if end is not None and end > j:
                    at = out[j]
                    last = out[end - 1]
                    out = out[:j] + [_tok("LPAR", "(", at.start_pos)] + out[j:end] + \
                        [_tok("RPAR", ")", last.start_pos)] + out[end:]
        k -= 1
    return out


def _exponent_end(toks: list[Token], i: int) -> int | None:
    """Index after an exponent (signs, one atom, a ^-chain) starting at i."""
    while i < len(toks) and toks[i].type in ("MINUS", "PLUS"):
        i += 1
    j = _atom_end(toks, i)
    if j is not None and j < len(toks) and toks[j].type == "CARET":
        return _exponent_end(toks, j + 1)
    return j


def _atom_end(toks: list[Token], i: int) -> int | None:
    if i >= len(toks):
        return None
    t = toks[i].type
    if t in ("NUMBER", "NAME", "CONST"):
        return i + 1
    if t == "ROOT":
        return _atom_end(toks, i + 1)
    if t in ("LPAR", "BAR_OPEN"):
        depth = 0
        for k in range(i, len(toks)):
            if toks[k].type in ("LPAR", "BAR_OPEN"):
                depth += 1
            elif toks[k].type in ("RPAR", "BAR_CLOSE"):
                depth -= 1
                if depth == 0:
                    return k + 1
        return None
    if t in ("FUNC", "ABSFUNC", "LOGBASE") and i + 1 < len(toks) and toks[i + 1].type == "LPAR":
        return _atom_end(toks, i + 1)
    return None


def _bare_end(toks: list[Token], j: int) -> int | None:
    """End of a bracket-free argument starting at j; None leaves it to the grammar."""
    first = toks[j]
    if first.type == "BAR_OPEN":  # ln|x - 5|, log|sec x + tan x|
        end = _atom_end(toks, j)
        if end is not None and end < len(toks) and toks[end].type == "CARET":
            end = _exponent_end(toks, end + 1)
        return end
    if invisible_group_powered(toks, j):  # \\log_3{7}^{x^2-4} prints log₃ 7^(x²−4)
        first = _tok("NAME", "", first.start_pos)
    if first.type not in ("NUMBER", "NAME", "CONST", "ROOT"):  # \\ln{x}: a call
        return None  # a call, or a function after a function (log sin x): the grammar's
    seen: set[str] = set()
    i = j
    while i < len(toks):
        t = toks[i]
        if t.type == "LPAR" and t.value != "{":
            break
        if t.type not in ("NUMBER", "NAME", "CONST", "LPAR", "ROOT"):
            break
        if t.type == "ROOT" and i > j:
            break
        if i > j and t.type == "NUMBER":
            break
        if i > j and t.type == "CONST" and t.value == "e" and i + 1 < len(toks) \
                and toks[i + 1].type == "CARET":
            break  # ln x e^x = ln(x)·e^x
        if t.type == "NAME":
            if t.value in seen:
                break  # sin x x^2 = sin(x)·x²
            seen.add(t.value)
        end = _atom_end(toks, i)
        if end is None:
            return None
        if end < len(toks) and toks[end].type == "CARET":
            end = _exponent_end(toks, end + 1)
            if end is None:
                return None
        i = end
    return i


def _ambiguity_warnings(toks: list[Token], source: str | None = None, offset: int = 0
                        ) -> list[str]:
    """Warn where a/bc is read as (a/b)·c: the classic 1/2x question (and the other
    doubtful spellings below); ``source`` is the text the tokens' columns point into,
    less ``offset``, for the warnings that depend on how a name was spelled."""
    match = matching(toks)
    out = []
    for i, t in enumerate(toks):
        if t.type != "SLASH":
            continue
        j = _skip_unit(toks, i + 1, match)
        if j is not None and j < len(toks) and toks[j].type in _OPERAND_START \
                and toks[j - 1].type in OPERAND_END:
            a = toks[i - 1].value if i else ""
            b = "".join(t.value for t in toks[i + 1:j])
            c = "(…)" if toks[j].type == "LPAR" else toks[j].value  # 2/n (y − b)
            out.append(
                f"'{a}/{b}{c}' (column {toks[i].column}) is read as ({a}/{b})·{c}: implicit"
                f" multiplication binds like * and /, left to right; write {a}/({b}{c})"
                " if you meant that"
            )
    for i, t in enumerate(toks[:-2]):
        nxt, after = toks[i + 1], toks[i + 2]
        if t.type == "CARET" and nxt.type == "NUMBER" and after.type in ("NAME", "CONST") \
                and after.start_pos == nxt.start_pos + len(nxt.value) and i \
                and toks[i - 1].type in OPERAND_END:  # e^2x
            out.append(message("warning.parse.power_juxtaposed", a=toks[i - 1].value,
                               b=nxt.value, c=after.value, column=t.column))
        if t.type == "ROOT" and nxt.type == "NUMBER" and after.type in ("NAME", "CONST") \
                and after.start_pos == nxt.start_pos + len(nxt.value):  # √2x
            out.append(message("warning.parse.root_juxtaposed", root=t.value == "sqrt"
                               and "√" or "∛", b=nxt.value, c=after.value, column=t.column))
        if t.type == "NAME" and len(t.value) == 1 and nxt.type == "LPAR" and nxt.value == "(" \
                and nxt.start_pos == t.start_pos + 1 and after.type == "NAME" \
                and after.value != t.value and i + 3 < len(toks) \
                and toks[i + 3].type == "RPAR" and t.value in "yzuvw":  # y(x)
            out.append(message("warning.parse.name_call", name=t.value, arg=after.value,
                               column=t.column))
    return out + _function_warnings(toks, match) + _log_base_warnings(toks, source, offset) \
        + _spelling_warnings(toks, source, offset)


#: 10, 100, 1000, 0.1, 0.01: an argument that says "common logarithm" when written after log
_POWER_OF_TEN = re.compile(r"10+|0?\.0*1")


def _capitalized(run: str) -> bool:
    """Tanh, Sin, Sigmoid: a known function's name with a capital first letter (ReLU and
    GELU, names of their own, excluded)."""
    return len(run) >= 3 and run[0].isupper() and run[1:].islower() \
        and run not in FUNCTIONS and run.lower() in FUNCTIONS


_LETTER_RUN = re.compile(r"[A-Za-z]+")


def _spelling_warnings(toks: list[Token], source: str | None, offset: int) -> list[str]:
    """``Tanh(x)`` is read as tanh(x): say so (bibun writes function names in lower case)."""
    if source is None:
        return []
    out: list[str] = []
    for t in toks:
        if t.type != "FUNC":
            continue
        m = _LETTER_RUN.match(source, t.start_pos - offset)
        if m and _capitalized(m.group(0)):
            out.append(message("warning.parse.capitalized", typed=m.group(0),
                               name=m.group(0).lower(), column=t.column))
    return out


def _log_base_warnings(toks: list[Token], source: str | None, offset: int) -> list[str]:
    """``log(100)``: bibun's log is ln (docs/parsing.md), but a school book's log of a
    power of ten is the common logarithm; say which one was read and how to write the
    other.  ``ln(100)`` and ``log_10(100)`` leave no doubt and are not warned about."""
    if source is None:
        return []
    out: list[str] = []
    for i, t in enumerate(toks):
        if t.type != "FUNC" or t.value != "log":
            continue
        at = t.start_pos - offset
        if not (source.startswith("log", at) or source.startswith("\\log", at)):
            continue
        j = i + 1
        bracket = j < len(toks) and toks[j].type == "LPAR"
        j += bracket
        if j >= len(toks) or toks[j].type != "NUMBER" \
                or not _POWER_OF_TEN.fullmatch(toks[j].value):
            continue
        after = toks[j + 1] if j + 1 < len(toks) else None
        if bracket and (after is None or after.type != "RPAR"):
            continue
        if not bracket and after is not None and after.type not in ("PLUS", "MINUS", "SLASH",
                                                                    "STAR", "RPAR"):
            continue
        arg = toks[j].value
        out.append(message("warning.parse.log_common", arg=arg, column=t.column,
                           value=f"{math.log(float(arg)):.4g}"))
    return out


def _shown(toks: list[Token]) -> str:
    """Tokens as a learner reads them (π, not pi), for quoting in a warning."""
    out = "".join("π" if t.type == "CONST" and t.value == "pi" else t.value for t in toks)
    out = _BRACED_ATOM.sub(r"\1", out)  # LaTeX's {x}^{2}: x^2
    return out.replace("{", "(").replace("}", ")")


_BRACED_ATOM = re.compile(r"\{([\w.π]+)\}")


def _function_warnings(toks: list[Token], match: dict[int, int]) -> list[str]:
    """Two readings a textbook leaves open, made visible: ``sin π/2`` is sin(π)/2 (a
    bracket-free argument is the product after the name, not a quotient), and
    ``log_7(6x^4+3)^5`` is (log_7(…))^5 (the power applies to the logarithm)."""
    out: list[str] = []
    for i, t in enumerate(toks):
        if t.type not in ("FUNC", "LOGBASE"):
            continue
        name = f"log_{t.value}" if t.type == "LOGBASE" else t.value
        j: int | None = i + 1
        if t.type == "FUNC" and j < len(toks) and toks[j].type == "CARET":
            j = _exponent_end(toks, j + 1)
        if j is None or j >= len(toks):
            continue
        if toks[j].type == "LPAR" and not invisible_group_powered(toks, j):
            close = match.get(j)
            logarithm = t.type == "LOGBASE" or t.value.startswith("log")
            if logarithm and close is not None and close + 1 < len(toks) \
                    and toks[close + 1].type == "CARET":
                end = _exponent_end(toks, close + 2)
                power = _shown(toks[close + 2:end]) if end is not None else "…"
                out.append(message("warning.parse.log_power", name=name, power=power,
                                   column=t.column))
            continue
        end = _bare_end(toks, j)
        if end is not None and j < end < len(toks) - 1 and toks[end].type == "SLASH" \
                and toks[end + 1].type in ("NUMBER", "CONST"):
            out.append(message("warning.parse.bare_quotient", name=_shown(toks[i:j]),
                               arg=_shown(toks[j:end]), den=_shown(toks[end + 1:end + 2]),
                               column=t.column))
    return out


def _skip_unit(toks: list[Token], i: int, match: dict[int, int]) -> int | None:
    """Index after one operand unit (atom with ^-chains) starting at i."""
    def atom(i: int) -> int | None:
        if i >= len(toks):
            return None
        t = toks[i].type
        if t in ("NUMBER", "NAME", "CONST"):
            return i + 1
        if t in ("LPAR", "BAR_OPEN"):
            return match[i] + 1 if i in match else None
        if t in ("FUNC", "ABSFUNC") and i + 1 < len(toks) and toks[i + 1].type == "LPAR":
            return atom(i + 1)
        return None

    j = atom(i)
    while j is not None and j < len(toks) and toks[j].type == "CARET":
        k = j + 1
        while k < len(toks) and toks[k].type in ("MINUS", "PLUS"):
            k += 1
        j = atom(k)
    return j
