r"""Read LaTeX formulas with the same grammar as plain text.

Learners paste formulas from slides and articles: ``\frac{1}{1 + e^{-z}}``,
``(1 + e^{-z})^{-1}``, ``\sin^{2}\left(x\right)``, ``\sqrt[3]{x}``, ``x_{1}``.  Instead of a
second grammar (which would drift from the first), this module turns LaTeX into the
*token stream* of :mod:`bibun.expr.lex` and hands it to the one LALR parser, so every
convention (implicit multiplication, ``\sin x \cos x``, ``1/2x``) is the same in both
notations.  Every token carries its column in the LaTeX source, so a
:class:`~bibun.errors.ParseError` points into what the user typed.

Conventions: ``\log`` and ``\ln`` are the natural logarithm (``\log_{b}`` has base b);
``\sigma(x)`` is the sigmoid (a bare ``\sigma`` is the Greek letter); ``x_{1}`` is the
variable ``x1`` (digits) and ``w_{ij}`` the variable ``w_ij``; letters next to each other
multiply (``xy``) except known names (``sigmoid``, ``relu``) so pasted text still works.
A leading ``\frac{d}{dx}`` (``\dfrac``, ``\partial``, ``\mathrm{d}``, ``d/dx``) is read
only with ``derivative=True`` (``bibun diff``): ``Parsed.wrt`` is its variable.

The scan is a loop with an explicit stack of brace groups (no recursion), so deep
nesting is fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bibun.errors import LimitError, ParseError
from bibun.expr.grammar import Parsed, run_grammar, split_latex_lhs, strip_delimiters
from bibun.expr.lalr import Token
from bibun.expr.latex_operator import OPERATOR_INSIDE, leading_operator
from bibun.expr.lex import (
    ABSTRACT,
    FUNCTIONS,
    GREEK,
    GREEK_COMMANDS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAXMIN,
    OPERAND_END,
    _ambiguity_warnings,
    apply_conventions,
    check_run,
    split_word,
)
from bibun.expr.operators import (
    DerivativeOperator,
    check_operand,
    operator_not_allowed,
    refuse_operator_inside,
)
from bibun.expr.provided import provide
from bibun.functions import latex_function
from bibun.i18n import error, parse_error


def _command_function(name: str) -> str | None:
    """The rule a LaTeX command (\\sin, \\coth, \\arcsin) or operator name
    (\\operatorname{sech}) stands for: the table's ``latex``/``latex_names`` and its
    text names; Greek letters are letters (\\sigma(x) is handled where letters are)."""
    if name in _GREEK_COMMANDS:
        return None
    return latex_function(name) or FUNCTIONS.get(name)

_GREEK_COMMANDS = GREEK_COMMANDS
_ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde"}
_BRACED_FUNCTION = re.compile(r"\{\s*\\([A-Za-z]+)\s*\}")
#: {m}_{1}: a letter in braces followed by its subscript (CNXML-converted LaTeX)
_BRACED_LETTER = re.compile(r"\{\s*([A-Za-z])\s*\}(?=\s*_)")
_AFTER_SPACE = re.compile(r"\s*(.?)")
_FRACS = {"frac", "dfrac", "tfrac", "cfrac"}
_SKIP = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "limits",
         "nolimits", "big", "Big", "bigg", "Bigg"}
_SIZED = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr"}
_OPENERS = {"left", "bigl", "Bigl", "biggl", "Biggl"}
_STAR = {"cdot", "times", "ast", "cdotp"}
_TEXTLIKE = {"operatorname", "mathrm", "text", "textrm", "mathit", "textit", "mathsf"}
_OPS = {"+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", ",": "COMMA"}
_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_LETTERS = re.compile(r"[A-Za-z\u0370-\u03ff]+")
_SUB = re.compile(r"_(?:\{\s*([A-Za-z0-9]+)\s*\}|([A-Za-z0-9]))")
_DERIVATIVE_OPERATOR = re.compile(
    r"\s*\{\s*(?:d|\\mathrm\{d\}|\\partial)\s*[A-Za-z]?\s*\}\s*\{\s*(?:d|\\mathrm\{d\}|\\partial)")


def looks_like_latex(text: str) -> bool:
    """A backslash (``\\frac``, ``\\sin``) or ``$…$`` delimiters mark LaTeX; plain text
    never has either."""
    t = text.strip()
    return "\\" in text or (len(t) >= 2 and t.startswith("$") and t.endswith("$"))


@dataclass
class _Arg:
    """What to emit around the next argument of a command (``\\frac``'s numerator…)."""

    open: list[tuple[str, str]]
    close: list[tuple[str, str]]
    col: int
    command: str


@dataclass
class _Frame:
    close: list[tuple[str, str]]
    col: int
    expect: list[_Arg] = field(default_factory=list)
    start: int = 0  # index of the frame's first token (\\over puts a bracket there)


class _Scanner:
    """LaTeX source -> grammar tokens, each at its LaTeX column."""

    def __init__(self, text: str, start: int, end: int):
        self.text = text
        self.i = start
        self.end = end
        self.toks: list[Token] = []
        self.frames: list[_Frame] = [_Frame([], start)]
        self.bars = 0
        self.parens: list[tuple[str, int]] = []

    # -- helpers -----------------------------------------------------------------------
    def err(self, key: str, at: int, **params: Any) -> ParseError:
        return parse_error(key, self.text, at + 1, **params)

    def emit(self, kind: str, value: str, at: int) -> None:
        self.toks.append(Token(kind, value, start_pos=at, line=1, column=at + 1))

    def emit_all(self, specs: list[tuple[str, str]], at: int) -> None:
        for kind, value in specs:
            self.emit(kind, value, at)

    def skip_space(self) -> None:
        while self.i < self.end and self.text[self.i].isspace():
            self.i += 1

    def peek_open_paren(self, allow_power: bool = False) -> bool:
        """Is the next thing an opening parenthesis (``(`` or ``\\left(``)?  With
        ``allow_power`` a superscript may come first: ``\\sigma^{2}\\left(x\\right)``."""
        j = self.i
        while j < self.end and self.text[j].isspace():
            j += 1
        if allow_power:
            m = re.compile(r"\^\s*(?:\{[^{}]*\}|[A-Za-z0-9])\s*").match(self.text, j)
            if m:
                j = m.end()
        return self.text.startswith("(", j) or self.text.startswith("\\left(", j) or \
            self.text.startswith("\\left (", j)

    # -- main loop -----------------------------------------------------------------------
    def run(self) -> list[Token]:
        t = self.text
        while True:
            self.skip_space()
            if self.i >= self.end:
                break
            frame = self.frames[-1]
            c = t[self.i]
            if frame.expect:
                self.argument(frame)
                continue
            if c == "}":
                self.close_group()
                continue
            if c == "{":
                m = _BRACED_FUNCTION.match(t, self.i)
                fname = _command_function(m.group(1)) if m else None
                if fname is not None:  # {\sin}^{5}(x): the braces only hold the name
                    at, self.i = self.i, m.end()
                    if fname == "log" and _AFTER_SPACE.match(t, self.i).group(1) == "_":
                        self.skip_space()  # {\log}_{7}: OpenStax's braced log with a base
                        self.log_base(at)
                    else:
                        self.emit("FUNC", fname, at)
                    continue
                m = _BRACED_LETTER.match(t, self.i)
                if m is not None:  # {m}_{1}: a braced letter with a subscript is m1
                    at, self.i = self.i, m.end()
                    self.skip_space()
                    self.emit("NAME", m.group(1) + self.subscript(), at)
                    continue
                self.open_group(_Arg([("LPAR", "{")], [("RPAR", "}")], self.i, "{"))
                continue
            self.item()
        self.emit_all(self.frames[0].close, self.end)  # a top-level \over
        if len(self.frames) > 1:
            f = self.frames[-1]
            raise self.err("error.parse.latex_brace_unclosed", f.col)
        if self.frames[0].expect:
            a = self.frames[0].expect[0]
            raise self.err("error.parse.latex_missing_argument", a.col, command=a.command)
        if self.parens:
            c, at = self.parens[-1]
            raise self.err("error.parse.never_closed", at, o=c)
        if self.bars:
            raise parse_error("error.parse.bar_unclosed", t, None)
        return self.toks

    def open_group(self, arg: _Arg) -> None:
        if len(self.frames) > MAX_DEPTH:
            raise error("error.parse.too_deep_groups", LimitError, limit=MAX_DEPTH)
        at = self.i
        self.emit_all(arg.open, at)
        self.frames.append(_Frame(list(arg.close), at, start=len(self.toks)))
        self.i += 1

    def close_group(self) -> None:
        at = self.i
        if len(self.frames) == 1:
            raise self.err("error.parse.latex_brace_nothing_to_close", at)
        frame = self.frames.pop()
        if frame.expect:
            a = frame.expect[0]
            raise self.err("error.parse.latex_missing_argument", a.col, command=a.command)
        self.emit_all(frame.close, at)
        self.i += 1

    def argument(self, frame: _Frame) -> None:
        """The next argument of a command: a {group} or a single token (``\\frac12``)."""
        arg = frame.expect.pop(0)
        if self.text[self.i] == "{":
            self.open_group(arg)
            return
        m = _COMMAND.match(self.text, self.i)
        if m and m.group(1) == "sqrt" and arg.command == "^":  # x^\sqrt{2}: √ is one atom
            at = self.i
            self.i = m.end()
            self.sqrt(at, first=True)
            return
        at = self.i
        self.emit_all(arg.open, at)
        while self.i < self.end and self.text[self.i] in "+-":  # x^-1: lenient
            self.emit(_OPS[self.text[self.i]], self.text[self.i], self.i)
            self.i += 1
            self.skip_space()
        if self.i >= self.end:
            raise self.err("error.parse.latex_missing_argument", arg.col, command=arg.command)
        self.single()
        self.emit_all(arg.close, self.i - 1)

    def single(self) -> None:
        """Exactly one character or one command (LaTeX's rule for unbraced arguments)."""
        t, i = self.text, self.i
        c = t[i]
        if c in _DIGITS:
            self.emit("NUMBER", c, i)
            self.i += 1
        elif _LETTERS.match(c):
            self.letters(i, i + 1)
        elif c == "\\":
            m = _COMMAND.match(t, i)
            if m is None:
                raise self.err("error.parse.latex_lone_backslash", i)
            name = m.group(1)
            if name == "pi" or name in _GREEK_COMMANDS:
                self.i = m.end()
                self.command(name, i)
            else:
                raise self.err("error.parse.latex_argument_braces", i, name=name)
        else:
            raise self.err("error.parse.latex_unexpected_argument", i, c=repr(c))

    # -- one item at the current position ----------------------------------------------------
    def item(self) -> None:
        t, i = self.text, self.i
        c = t[i]
        if c in _DIGITS or (c == "." and i + 1 < self.end and t[i + 1] in _DIGITS):
            m = _NUMBER.match(t, i)
            assert m is not None
            self.emit("NUMBER", m.group(0), i)
            self.i = m.end()
        elif _LETTERS.match(t, i):
            m = _LETTERS.match(t, i)
            assert m is not None
            self.letters(i, min(m.end(), self.end))
        elif c in _OPS:
            self.emit(_OPS[c], c, i)
            self.i += 1
        elif c in "([":
            self.open_paren(c, i)
            self.i += 1
        elif c in ")]":
            self.close_paren(c, i)
            self.i += 1
        elif c == "|":
            self.bar(i, None)
            self.i += 1
        elif c == "^":
            self.emit("CARET", "^", i)
            self.i += 1
            self.skip_space()
            if self.i >= self.end:
                raise self.err("error.parse.latex_exponent", i)
            self.frames[-1].expect.append(_Arg([("LPAR", "{")], [("RPAR", "}")], i, "^"))
        elif c == "\\":
            m = _COMMAND.match(t, i)
            if m is None:
                raise self.err("error.parse.latex_lone_backslash", i)
            self.i = m.end()
            self.command(m.group(1), i)
        elif c == "_":
            raise self.err("error.parse.latex_subscript", i)
        elif c == "'":
            raise self.err("error.parse.prime_where", i)
        elif c == "=":
            raise self.err("error.parse.equals_once", i)
        elif c == "$":
            raise self.err("error.parse.latex_dollar", i)
        else:
            raise self.err("error.parse.unexpected_char", i, c=repr(c))

    def open_paren(self, c: str, at: int) -> None:
        self.parens.append((c, at))
        self.emit("LPAR", c, at)

    def close_paren(self, c: str, at: int) -> None:
        if not self.parens:
            raise self.err("error.parse.nothing_to_close", at, c=c)
        self.parens.pop()
        self.emit("RPAR", c, at)

    def bar(self, at: int, opening: bool | None) -> None:
        if opening is None:
            opening = not (self.bars > 0 and self.toks and self.toks[-1].type in OPERAND_END)
        if opening:
            self.bars += 1
            self.emit("BAR_OPEN", "|", at)
        else:
            if self.bars == 0:
                raise self.err("error.parse.bar_nothing_to_close", at)
            self.bars -= 1
            self.emit("BAR_CLOSE", "|", at)

    def subscript(self) -> str:
        """``_{1}`` / ``_1`` after a name: digits join (x1), letters with '_' (w_ij)."""
        m = _SUB.match(self.text, self.i)
        if m is None or m.start() >= self.end:
            return ""
        self.i = m.end()
        sub = m.group(1) or m.group(2)
        return sub if sub.isdigit() else "_" + sub

    def primes(self) -> int:
        """Primes after f, g, h: ``'``, ``^{\\prime}``, ``^\\prime``, ``^{\\prime\\prime}``."""
        t = self.text
        n = 0
        while True:
            if t.startswith("'", self.i):
                n += 1
                self.i += 1
                continue
            m = re.match(r"\^\s*(?:\{\s*((?:\\prime\s*)+)\}|(\\prime))", t[self.i:self.end])
            if m:
                n += (m.group(1) or m.group(2)).count("\\prime")
                self.i += m.end()
                continue
            return n

    def letters(self, start: int, end: int) -> None:
        """A run of letters: known names stay whole (sin, sigmoid), the rest multiply."""
        run = self.text[start:end]
        self.i = end
        parts = split_word(run) if run not in FUNCTIONS else [run]
        if run in MAXMIN and self.peek_open_paren():
            self.emit("FUNC", run, start)
            return
        check_run(self.text, run, parts, "_" if self.text.startswith("_", end) else "",
                  start, end, self.text[end:end + 1], self.err)
        pos = start
        for k, part in enumerate(parts):
            last = k == len(parts) - 1
            if last and part in ABSTRACT:
                save = self.i
                n = self.primes()
                if self.peek_open_paren():
                    self.emit("ABSFUNC", part + "'" * n, pos)
                    return
                if n:
                    raise self.err("error.parse.primes_applied", pos, name=part, primes=chr(39) * n)
                self.i = save
            if part in FUNCTIONS and not (last and self.text.startswith("_", self.i)):
                if part == "σ" and not (last and self.peek_open_paren(allow_power=True)):
                    self.emit("NAME", "σ", pos)
                else:
                    self.emit("FUNC", FUNCTIONS[part], pos)
            elif part in ("e", "pi", "π") and not (last and self.text.startswith("_", self.i)):
                self.emit("CONST", "e" if part == "e" else "pi", pos)
            else:
                sub = self.subscript() if last else ""
                self.emit("NAME", GREEK.get(part, part) + sub, pos)
            pos += len(part)

    def braced_word(self, command: str, at: int) -> str:
        """The content of ``{...}`` after \\operatorname and friends."""
        self.skip_space()
        m = re.match(r"\{\s*([^{}]*?)\s*\}", self.text[self.i:self.end])
        if m is None:
            raise self.err("error.parse.latex_operatorname", at, command=command)
        self.i += m.end()
        return m.group(1)

    # -- commands ------------------------------------------------------------------------
    def command(self, name: str, at: int) -> None:
        frame = self.frames[-1]
        if name in _SKIP:
            return
        if name in _SIZED:
            self.delimiter(name, at)
            return
        if name in _FRACS:
            if _DERIVATIVE_OPERATOR.match(self.text, self.i):
                raise self.err("error.parse.latex_operator_not_at_start", at, name=name)
            self.emit("LPAR", "(", at)
            frame.expect += [_Arg([("LPAR", "(")], [("RPAR", ")"), ("SLASH", "/")], at, name),
                             _Arg([("LPAR", "(")], [("RPAR", ")"), ("RPAR", ")")], at, name)]
            return
        if name == "sqrt":
            self.sqrt(at)
            return
        if name in MAXMIN:  # \\max(0, x) = relu(x)
            self.emit("FUNC", name, at)
            return
        if name == "over":  # {a \\over b}: the group so far is the numerator
            if frame.expect:
                raise self.err("error.parse.latex_unknown_command", at, name=name)
            self.toks.insert(frame.start, Token("LPAR", "(", start_pos=frame.col, line=1,
                                                column=frame.col + 1))
            self.emit_all([("RPAR", ")"), ("SLASH", "/"), ("LPAR", "(")], at)
            frame.close.insert(0, ("RPAR", ")"))
            return
        if name in _ACCENTS:  # \\hat{y}, \\bar{x}: a variable of its own, y_hat, x_bar
            m = re.match(r"\s*(?:\{\s*([A-Za-z]|\\[A-Za-z]+)\s*\}|([A-Za-z]))",
                         self.text[self.i:self.end])
            letter = m and (m.group(1) or m.group(2))
            if letter and letter.startswith("\\"):  # \\hat{\\theta}: θ_hat
                letter = _GREEK_COMMANDS.get(letter[1:])
            if m is None or letter is None:
                raise self.err("error.parse.latex_argument_braces", at, name=name)
            self.i += m.end()
            sub = self.subscript()  # \\hat y_i: ŷ of one sample is y_hat_i
            self.emit("NAME", letter + "_" + _ACCENTS[name]
                      + ("_" + sub.lstrip("_") if sub else ""), at)
            return
        fname = _command_function(name)
        if fname is not None:
            if name == "log" and self.text.startswith("_", self.i):
                self.log_base(at)
                return
            self.emit("FUNC", fname, at)
            return
        if name in _TEXTLIKE:
            self.named(self.braced_word(name, at), at)
            return
        if name == "pi":
            self.emit("CONST", "pi", at)
            return
        if name in _GREEK_COMMANDS:
            letter = _GREEK_COMMANDS[name]
            if letter == "σ" and self.peek_open_paren(allow_power=True):
                self.emit("FUNC", "sigmoid", at)
            else:
                self.emit("NAME", letter + self.subscript(), at)
            return
        if name in _STAR:
            self.emit("STAR", "*", at)
            return
        if name == "div":
            self.emit("SLASH", "/", at)
            return
        if name in ("{", "lbrace"):
            self.open_paren("(", at)
            return
        if name in ("}", "rbrace"):
            self.close_paren(")", at)
            return
        if name in ("lvert", "vert", "mid", "rvert", "|"):
            self.bar(at, True if name == "lvert" else False if name == "rvert" else None)
            return
        if name == "infty":
            raise self.err("error.parse.latex_infinity", at)
        if name == "partial":
            raise self.err("error.parse.latex_partial", at)
        if name == "prime":
            raise self.err("error.parse.latex_prime", at)
        raise self.err("error.parse.latex_unknown_command", at, name=name)

    def named(self, word: str, at: int) -> None:
        """``\\operatorname{ReLU}``, ``\\mathrm{e}``, ``\\mathrm{sigmoid}``, ``\\text{x}``."""
        fname = _command_function(word.replace("\\_", "_"))
        if fname is not None:
            self.emit("FUNC", fname, at)
        elif word in ("e", "pi"):
            self.emit("CONST", word, at)
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", word):
            if self.peek_open_paren() and len(word) > 1:
                raise self.err("error.parse.latex_unknown_function", at, word=word)
            self.emit("NAME", word, at)
        else:
            raise self.err("error.parse.latex_bad_name", at, word=repr(word))

    def delimiter(self, name: str, at: int) -> None:
        """``\\left(``, ``\\right)``, ``\\left|``, ``\\left.``: sized delimiters."""
        self.skip_space()
        t = self.text
        opening = name in _OPENERS or name == "left"
        if self.i >= self.end:
            raise self.err("error.parse.latex_delimiter_after", at, name=name)
        c = t[self.i]
        if c in "([":
            self.i += 1
            self.open_paren(c, at)
        elif c in ")]":
            self.i += 1
            self.close_paren(c, at)
        elif c == "|":
            self.i += 1
            self.bar(at, opening)
        elif c == ".":
            self.i += 1
        elif c == "\\":
            m = _COMMAND.match(t, self.i)
            if m is None:
                raise self.err("error.parse.latex_delimiter", at, name=name)
            inner = m.group(1)
            self.i = m.end()
            if inner in ("{", "lbrace", "langle"):
                self.open_paren("(", at)
            elif inner in ("}", "rbrace", "rangle"):
                self.close_paren(")", at)
            elif inner in ("lvert", "vert", "rvert", "|"):
                self.bar(at, opening)
            else:
                raise self.err("error.parse.latex_not_delimiter", at, name=name, inner=inner)
        else:
            raise self.err("error.parse.latex_delimiter", at, name=name)

    def sqrt(self, at: int, first: bool = False) -> None:
        """``\\sqrt{x}``, ``\\sqrt[3]{x}`` (cbrt), ``\\sqrt[n]{x}`` = x^(1/n); ``first``: its
        argument comes before anything the frame still expects (x^\\sqrt{2})."""
        self.skip_space()
        index = None
        m = re.match(r"\[\s*([^\[\]]*?)\s*\]", self.text[self.i:self.end])
        if m:
            index = m.group(1)
            self.i += m.end()
            if not re.fullmatch(r"[0-9]+|[A-Za-z]", index):
                raise self.err("error.parse.latex_root_index", at, index=repr(index))
        frame = self.frames[-1]
        pos = 0 if first else len(frame.expect)
        if index in (None, "2"):
            frame.expect.insert(pos, _Arg([("ROOT", "sqrt"), ("LPAR", "{")], [("RPAR", "}")],
                                          at, "sqrt"))
        elif index == "3":
            frame.expect.insert(pos, _Arg([("ROOT", "cbrt"), ("LPAR", "{")], [("RPAR", "}")],
                                          at, "sqrt"))
        else:
            kind = "NUMBER" if index.isdigit() else "NAME"
            close = [("RPAR", ")"), ("CARET", "^"), ("LPAR", "("), ("NUMBER", "1"),
                     ("SLASH", "/"), (kind, index), ("RPAR", ")"), ("RPAR", ")")]
            frame.expect.insert(pos, _Arg([("LPAR", "("), ("LPAR", "{")], close, at, "sqrt"))

    def log_base(self, at: int) -> None:
        r"""``\log_{2} x`` / ``\log_2 x``: the base must be a number or a letter."""
        m = re.match(r"_(?:\{\s*([^{}]*?)\s*\}|([A-Za-z0-9]))", self.text[self.i:self.end])
        if m is None:
            raise self.err("error.parse.latex_log_base", at)
        base = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
        self.i += m.end()
        if base == "\\mathrm{e}" or base == "e":
            self.emit("FUNC", "log", at)
            return
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?|[A-Za-z]", base):
            raise self.err("error.parse.latex_bad_base", at, base=repr(base))
        self.emit("LOGBASE", base, at)


def parse_latex_full(text: str, derivative: bool = False) -> Parsed:
    """Parse LaTeX into a :class:`~bibun.expr.parse.Parsed` (columns point into ``text``).

    ``derivative=True`` accepts one leading derivative operator (``\\frac{d}{dx}\\left(…
    \\right)``): ``expr`` is what follows it and ``wrt`` its variable."""
    if not isinstance(text, str):
        raise parse_error("error.parse.not_text", type=type(text).__name__)
    if len(text) > MAX_LENGTH:
        raise error("error.parse.too_long", LimitError, length=len(text), limit=MAX_LENGTH)
    if "\x00" in text:
        raise parse_error("error.parse.nul", text.replace('\x00', '?'),
                    text.index('\x00') + 1)
    body = strip_delimiters(text)
    op = leading_operator(body)
    if op is not None:
        if not derivative:
            raise operator_not_allowed(op, text)
        return _parse_operand(text, body, op)
    refuse_operator_inside(body, 0, OPERATOR_INSIDE)
    name, params, rhs, offset = split_latex_lhs(body)
    if not rhs.strip():
        raise parse_error("error.parse.empty", text, None if not name else offset + 1)
    toks = apply_conventions(_Scanner(body, offset, len(body)).run(), body)
    if not toks:
        raise parse_error("error.parse.empty", text, None)
    expr = run_grammar(toks, text)
    return Parsed(expr, name, params, _ambiguity_warnings(toks, body), text)


def _parse_operand(text: str, body: str, op: DerivativeOperator) -> Parsed:
    """What follows a leading ``\\frac{d}{dx}``, read from ``op.end`` on."""
    try:
        refuse_operator_inside(body, op.end, OPERATOR_INSIDE)
        if "=" in body[op.end:]:
            raise parse_error("error.parse.operator_equation", body,
                        body.index('=', op.end) + 1, op=op.source)
        toks = apply_conventions(_Scanner(body, op.end, len(body)).run(), body)
        check_operand(op, toks, body)
    except ParseError as exc:  # shown with the text as typed (delimiters included)
        raise ParseError(exc.message, text, exc.column) from None
    expr = run_grammar(toks, text)
    return Parsed(expr, None, [], _ambiguity_warnings(toks, body), text, op.var)


provide("parse_latex", parse_latex_full)  # bibun.expr.parse loads this module when asked

__all__ = ["looks_like_latex", "parse_latex_full"]
