"""The formula grammar runs on bibun's own LALR loop (:mod:`bibun.expr.lalr`) over tables
compiled by Lark: it must read every formula exactly as Lark's parser did — the same nodes,
and errors at the same token — and its table cache must never serve another grammar.
"""

from __future__ import annotations

import contextlib
import json
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark
from lark.exceptions import UnexpectedInput
from lark.lexer import Lexer

from bibun.errors import BibunError
from bibun.expr import grammar, lalr
from bibun.expr.lalr import Token, UnexpectedToken
from bibun.expr.parse import parse_full

CORPUS = Path(__file__).parent / "corpus" / "derivatives.json"


class _Tokens(Lexer):
    def __init__(self, conf):
        pass

    def lex(self, data):
        yield from data


@cache
def _ours():
    """bibun's loop over freshly compiled tables (not the cache under test elsewhere)."""
    return lalr.compile_tables(grammar.grammar_text()).bind(grammar._Build())


@cache
def _theirs():
    """Lark's own LALR parser with the same callbacks: what bibun ran before."""
    return Lark(grammar.grammar_text(), parser="lalr", lexer=_Tokens, maybe_placeholders=False,
                transformer=grammar._Build())


def _outcome_ours(tokens):
    try:
        return ("ok", grammar._whole(_ours()(tokens)))
    except UnexpectedToken as exc:
        return ("unexpected", exc.token.type, exc.token.column)
    except grammar._Fail as exc:
        return ("refused", exc.key, exc.tok.column if exc.tok else None)
    except BibunError as exc:
        return ("error", type(exc).__name__, str(exc))


class _Borrowable(Token):
    """bibun's token with the end fields Lark reads to place its end-of-input token."""

    end_line = end_column = end_pos = None


def _outcome_lark(tokens):
    tokens = [_Borrowable(t.type, t.value, t.start_pos, t.line, t.column) for t in tokens]
    try:
        return ("ok", grammar._whole(_theirs().parse(tokens)))
    except UnexpectedInput as exc:
        return ("unexpected", exc.token.type, exc.token.column)
    except grammar._Fail as exc:
        return ("refused", exc.key, exc.tok.column if exc.tok else None)
    except BibunError as exc:
        return ("error", type(exc).__name__, str(exc))


def _token_lists(texts: list[str], monkeypatch) -> list[list[Token]]:
    """The token lists the parser is handed while reading ``texts`` (plain and LaTeX)."""
    seen: list[list[Token]] = []
    real = grammar._parser()

    def record(tokens):
        seen.append(list(tokens))
        return real(seen[-1])

    monkeypatch.setattr(grammar, "_parser", lambda: record)
    for text in texts:
        with contextlib.suppress(BibunError):
            parse_full(text, derivative=True)
    monkeypatch.undo()
    return seen


def test_the_corpus_reads_the_same_as_with_larks_parser(monkeypatch):
    items = json.loads(CORPUS.read_text(encoding="utf-8"))["items"]
    texts = [t for it in items for t in (it["text"], it["latex"], it["answer"])]
    texts += ["max(0, x) + min(0, 2x)", "log(2, x)", "f(x, y, z)", "sin^-1 x", "|x - 5|",
              "√x e^(-x)", "log_2 x", "x +", "sin(x", "x + * 2", "max(x, y)", "sin^-2 x"]
    lists = _token_lists(texts, monkeypatch)
    assert len(lists) > 500
    for tokens in lists:
        ours, theirs = _outcome_ours(list(tokens)), _outcome_lark(list(tokens))
        assert ours[0] == theirs[0], tokens
        assert ours[1] is theirs[1] if ours[0] == "ok" else ours[1:] == theirs[1:], tokens


#: one token of each kind the grammar declares, with a typical text
KINDS = {"NUMBER": "2", "NAME": "x", "CONST": "e", "FUNC": "sin", "ABSFUNC": "f",
         "LOGBASE": "2", "PLUS": "+", "MINUS": "-", "STAR": "*", "SLASH": "/", "CARET": "^",
         "LPAR": "(", "RPAR": ")", "COMMA": ",", "BAR_OPEN": "|", "BAR_CLOSE": "|",
         "ROOT": "√"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(KINDS)), max_size=12))
def test_any_token_sequence_gives_the_same_result_or_error(kinds):
    tokens = [Token(k, KINDS[k], i, 1, i + 1) for i, k in enumerate(kinds)]
    ours, theirs = _outcome_ours(list(tokens)), _outcome_lark(list(tokens))
    assert ours[0] == theirs[0]
    assert ours[1] is theirs[1] if ours[0] == "ok" else ours[1:] == theirs[1:]


def test_tables_are_cached_and_read_back_without_lark(tmp_path, monkeypatch):
    monkeypatch.setenv("BIBUN_CACHE_DIR", str(tmp_path))
    text = grammar.grammar_text()
    path = lalr.table_file(text)
    assert Path(path).parent == tmp_path and not Path(path).exists()
    built = lalr.tables_for(text)
    assert Path(path).exists()

    def no_compile(grammar_text):
        raise AssertionError("the tables were compiled again")

    monkeypatch.setattr(lalr, "compile_tables", no_compile)
    loaded = lalr.tables_for(text)
    assert loaded.data() == built.data()


def test_a_changed_grammar_never_reads_the_old_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("BIBUN_CACHE_DIR", str(tmp_path))
    text = grammar.grammar_text()
    lalr.tables_for(text)
    changed = text + "\n// changed\n"
    assert lalr.table_file(text) != lalr.table_file(changed)
    # even a file of the right name holding another grammar's tables is not used
    Path(lalr.table_file(changed)).write_bytes(Path(lalr.table_file(text)).read_bytes())
    assert lalr.load(lalr.table_file(changed), changed) is None


def test_a_damaged_or_read_only_cache_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BIBUN_CACHE_DIR", str(tmp_path / "c"))
    text = grammar.grammar_text()
    path = Path(lalr.table_file(text))
    path.parent.mkdir()
    path.write_bytes(b"not marshal data")
    assert lalr.tables_for(text) is not None  # compiled again, and the file replaced
    assert lalr.load(str(path), text) is not None
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    monkeypatch.setenv("BIBUN_CACHE_DIR", str(ro / "bibun"))
    try:
        assert lalr.tables_for(text) is not None
    finally:
        ro.chmod(0o755)


def test_no_home_means_no_cache(monkeypatch):
    monkeypatch.delenv("BIBUN_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "/nonexistent-home")
    assert lalr.cache_dir() == "/nonexistent-home/.cache/bibun"
    monkeypatch.delenv("HOME")
    monkeypatch.setattr("os.path.expanduser", lambda p: p)
    assert lalr.cache_dir() is None and lalr.table_file("g") is None
    assert lalr.load(None, "g") is None


def test_tokens_behave_like_larks():
    a, b = Token("NAME", "x", 0, 1, 1), Token("FUNC", "x", 0, 1, 1)
    assert a == "x" and not a == b and hash(a) == hash("x")  # noqa: SIM201 - Lark's __eq__
    assert (a.type, a.value, a.start_pos, a.column) == ("NAME", "x", 0, 1)
