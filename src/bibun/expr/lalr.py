"""The LALR(1) automaton of the formula grammar, run without Lark, and its cached tables.

Lark compiles ``bibun/grammar/expr.lark`` into parse tables; reading a formula only
needs those tables and the thirty-line loop of :meth:`Tables.parse`.  Importing Lark
costs the command line about 30 ms at every start (its grammar compiler, Earley parser
and logging come with it), more than a whole ``bibun diff``; so Lark runs only when the
tables are compiled — on the first run, or after the grammar changed — and the tables
are kept in :func:`cache_dir` as plain data (:mod:`marshal`: dictionaries of strings and
integers, read in well under a millisecond).

What the loop does is Lark's LALR parser with a transformer, step for step: shift, or
reduce a rule by calling the builder method named by the rule's alias (``-> add``) or its
name; a ``?rule`` with one child passes the child through; a ``_rule`` (Lark's
``(COMMA sum)*`` becomes ``__args_star_0``) is spliced into its parent's children.
``tests/test_lalr.py`` parses a corpus with both and checks that the results are the same
nodes and that the errors stop at the same token.

A cache file holds the grammar text it was compiled from, checked on every load, so a
changed grammar never runs on stale tables; a file that cannot be read (damaged, from
another Python) is compiled again, and a cache that cannot be written (read-only, shared,
no home directory) is skipped: the tables are then compiled in memory at each start.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from collections.abc import Callable, Iterable
from typing import Any

#: the tables' layout; a change to it (or to what :func:`compile_tables` records) is a new
#: number, hence a new file name: an old cache file is never read as the new layout
FORMAT = 1


class Token(str):
    """One token of a formula: its text (the string itself), kind and place; the same
    fields as Lark's Token, which the lexers used before (``type``, ``value``,
    ``start_pos``, ``line``, ``column``: 1-based)."""

    __slots__ = ("column", "line", "start_pos", "type", "value")

    type: str
    value: str
    start_pos: int | None
    line: int | None
    column: int | None

    def __new__(cls, type: str, value: str, start_pos: int | None = None,  # noqa: A002
                line: int | None = None, column: int | None = None) -> Token:
        self = super().__new__(cls, value)
        self.type, self.value = type, value
        self.start_pos, self.line, self.column = start_pos, line, column
        return self

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"

    def __eq__(self, other: object) -> bool:  # as Lark: tokens of two kinds differ
        if isinstance(other, Token) and self.type != other.type:
            return False
        return str.__eq__(self, other)

    __hash__ = str.__hash__

    def __reduce__(self) -> tuple:
        return Token, (self.type, self.value, self.start_pos, self.line, self.column)


class UnexpectedToken(Exception):
    """The grammar cannot take ``token`` here (its kind ``$END``: the formula ended early);
    ``expected`` are the kinds of token it could have taken."""

    def __init__(self, token: Token, expected: set[str]) -> None:
        super().__init__(f"unexpected {token.type} {token.value!r} at column {token.column}")
        self.token, self.expected = token, expected


#: a rule as the loop needs it: (name of its left side, number of symbols, builder method
#: name, pass a single child through, positions of children to splice)
Rule = tuple[str, int, str, bool, tuple[int, ...]]


class Tables:
    """The compiled automaton: ``states[s][kind]`` is a state to shift to (>= 0) or
    ``~i`` to reduce by ``rules[i]``; after a reduction the same table, read with the
    rule's left side, is the state to go to."""

    def __init__(self, states: dict[int, dict[str, int]], rules: list[Rule], start: int,
                 end: int) -> None:
        self.states, self.rules, self.start, self.end = states, rules, start, end

    def data(self) -> tuple:
        """The tables as plain data (what the cache file holds)."""
        return self.states, self.rules, self.start, self.end

    def bind(self, builder: object) -> Callable[[Iterable[Token]], Any]:
        """A parser that builds with ``builder``'s methods (one per alias or rule name)."""
        calls = [getattr(builder, name, None) for _, _, name, _, _ in self.rules]
        missing = [r[2] for r, f in zip(self.rules, calls, strict=True)
                   if f is None and not r[2].startswith("_") and not (r[3] and r[1] == 1)]
        if missing:  # a grammar rule that Lark would turn into a Tree: a bug, said at once
            raise TypeError(f"{type(builder).__name__} has no method for {sorted(set(missing))}")

        def parse(tokens: Iterable[Token]) -> Any:
            return self._run(tokens, calls)

        return parse

    def _run(self, tokens: Iterable[Token], calls: list[Any]) -> Any:
        states, rules, end = self.states, self.rules, self.end
        stack, values = [self.start], []
        last = None
        for token in tokens:
            last = token
            self._feed(token, stack, values, calls)
        end_token = Token("$END", "", *((last.start_pos, last.line, last.column)
                                        if last is not None else (0, 1, 1)))
        while True:  # reduce until the start rule is complete
            state = stack[-1]
            action = states[state].get("$END")
            if action is None or action >= 0:
                raise UnexpectedToken(end_token, {k for k in states[state] if k.isupper()})
            value = self._reduce(rules[~action], stack, values, calls[~action])
            if stack[-1] == end:
                return value

    def _feed(self, token: Token, stack: list[int], values: list[Any],
              calls: list[Any]) -> None:
        states, rules = self.states, self.rules
        while True:
            action = states[stack[-1]].get(token.type)
            if action is None:
                raise UnexpectedToken(token, {k for k in states[stack[-1]] if k.isupper()})
            if action >= 0:
                stack.append(action)
                values.append(token)
                return
            self._reduce(rules[~action], stack, values, calls[~action])

    def _reduce(self, rule: Rule, stack: list[int], values: list[Any], call: Any) -> Any:
        origin, size, _name, single, splice = rule
        if size:
            children = values[-size:]
            del stack[-size:]
            del values[-size:]
        else:
            children = []
        if splice:  # a _rule's children take its place
            spliced: list[Any] = []
            for i, c in enumerate(children):
                if i in splice:
                    spliced += c
                else:
                    spliced.append(c)
            children = spliced
        if single and len(children) == 1:
            value = children[0]
        elif call is not None:
            value = call(children)
        else:  # a _rule: its children, spliced into the parent
            value = children
        stack.append(self.states[stack[-1]][origin])
        values.append(value)
        return value


def compile_tables(grammar: str) -> Tables:
    """The tables of ``grammar``, compiled by Lark (imported here only: the one use of
    Lark, on the first run or after the grammar changed)."""
    from lark import Lark
    from lark.lexer import Lexer
    from lark.parsers.lalr_analysis import Shift

    class _Tokens(Lexer):  # the formula comes pre-lexed: Lark never lexes
        def __init__(self, conf: Any) -> None:
            pass

        def lex(self, data: Any) -> Any:  # pragma: no cover - never called
            yield from data

    lark = Lark(grammar, parser="lalr", lexer=_Tokens, maybe_placeholders=False)
    table = lark.parser.parser._parse_table
    index = {rule: i for i, rule in enumerate(lark.rules)}
    rules: list[Rule] = []
    for rule in lark.rules:
        if rule.options.keep_all_tokens or any(s.is_term and s.filter_out
                                               for s in rule.expansion):
            raise ValueError(f"rule {rule} drops tokens: bibun's grammar names every token")
        splice = tuple(i for i, s in enumerate(rule.expansion)
                       if not s.is_term and s.name.startswith("_"))
        rules.append((str(rule.origin.name), len(rule.expansion),
                      str(rule.alias or rule.origin.name),
                      bool(rule.options.expand1 and not rule.alias), splice))
    states = {int(s): {str(k): int(arg) if action is Shift else ~index[arg]
                       for k, (action, arg) in row.items()}
              for s, row in table.states.items()}
    return Tables(states, rules, int(table.start_states["start"]),
                  int(table.end_states["start"]))


def cache_dir() -> str | None:
    """Where the parser tables are kept between runs: ``$BIBUN_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/bibun``, else ``~/.cache/bibun`` (None: no home to put it in)."""
    env = os.environ.get("BIBUN_CACHE_DIR")
    if env:
        return env
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "bibun")
    home = os.path.expanduser("~")
    return None if home == "~" else os.path.join(home, ".cache", "bibun")


def table_file(grammar: str) -> str | None:
    """The cache file for this grammar, table layout and Python (marshal's format is
    Python's); the grammar text is checked again on load, so the checksum in the name only
    keeps two grammars (two checkouts) from taking turns rewriting one file."""
    where = cache_dir()
    if where is None:
        return None
    crc = zlib.crc32(grammar.encode("utf-8"))
    return os.path.join(where, f"expr-lalr-{FORMAT}-{sys.implementation.cache_tag}-{crc:08x}"
                               ".marshal")


def load(path: str | None, grammar: str) -> Tables | None:
    """The cached tables of ``grammar``; None when there are none, they were compiled from
    another grammar, or the file is unreadable or damaged."""
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            fmt, text, data = marshal.load(f)
        if fmt == FORMAT and text == grammar:
            return Tables(*data)
    except (OSError, EOFError, ValueError, TypeError):  # absent, cut short, not ours
        pass
    return None


def save(tables: Tables, path: str | None, grammar: str) -> None:
    """Write the tables atomically (a file of this process renamed into place: a reader
    in another process never sees half a file); a cache that cannot be written
    (read-only, full, missing home) is skipped silently."""
    if path is None:
        return
    tmp = f"{path}.{os.getpid()}.{id(tables):x}.tmp"  # one name per writer, even in-process
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            marshal.dump((FORMAT, grammar, tables.data()), f)
        os.replace(tmp, path)
    except (OSError, ValueError):  # ValueError: marshal refused the data (a bug, not fatal)
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def tables_for(grammar: str) -> Tables:
    """The tables of ``grammar``: from the cache, else compiled (and cached)."""
    path = table_file(grammar)
    tables = load(path, grammar)
    if tables is None:
        tables = compile_tables(grammar)
        save(tables, path, grammar)
    return tables


__all__ = ["FORMAT", "Tables", "Token", "UnexpectedToken", "cache_dir", "compile_tables",
           "load", "save", "table_file", "tables_for"]
