"""One catalog: en.json and ja.json say the same things, and the code says nothing else.

Three checks keep "every sentence a user can see comes from the catalog" true as the code
grows: the two catalogs have the same keys and the same placeholders; every key the code
names exists; and no user-facing call is handed a sentence written in the code (the rule
is in :func:`test_no_user_text_outside_the_catalog`).
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bibun import i18n
from bibun.errors import BibunError, ParseError

SRC = Path(__file__).resolve().parents[1] / "src" / "bibun"


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def test_both_catalogs_have_the_same_keys():
    en, ja = i18n.catalog("en"), i18n.catalog("ja")
    assert sorted(set(en) - set(ja)) == [], "keys missing from ja.json"
    assert sorted(set(ja) - set(en)) == [], "keys missing from en.json"


def test_both_catalogs_use_the_same_placeholders():
    en, ja = i18n.catalog("en"), i18n.catalog("ja")
    differ = {k: (sorted(_fields(en[k])), sorted(_fields(ja[k]))) for k in en
              if k in ja and _fields(en[k]) != _fields(ja[k])}
    assert differ == {}


def test_japanese_entries_are_japanese_and_use_log_for_the_natural_logarithm():
    """Textbook convention: Japanese writes log x for the natural logarithm (ln is the
    English habit); an entry that only repeats the English one was never translated."""
    en, ja = i18n.catalog("en"), i18n.catalog("ja")
    assert not [k for k, v in ja.items() if re.search(r"\bln\b", v)]
    untranslated = [k for k, v in ja.items()
                    if v == en[k] and re.search(r"[A-Za-z]{4,}\s+[A-Za-z]{4,}\s+[a-z]{3,}", v)]
    assert untranslated == []


# -- keys used by the code -------------------------------------------------------------------

#: calls whose first argument (or second, for ``text(key, lang)`` helpers) is a catalog key
_KEY_CALLS = {"error", "parse_error", "text", "Msg", "segments", "template", "has", "err",
              "_Fail"}
_KEY = re.compile(r"^[a-z_]+(\.[A-Za-z0-9_]+)+$")


def _used_keys() -> dict[str, str]:
    """Every literal catalog key in src/bibun, with where it is used."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", "")
            if name not in _KEY_CALLS:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                    and _KEY.match(first.value):
                found.setdefault(first.value, f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_every_key_the_code_uses_is_in_the_catalogs():
    used = _used_keys()
    assert len(used) > 200  # the scan sees the code (a broken scan would pass vacuously)
    missing = {k: where for k, where in used.items() if not i18n.has(k, "en")}
    assert missing == {}


# -- no sentences outside the catalog --------------------------------------------------------

_ERRORS = {"BibunError", "ParseError", "DomainError", "LimitError", "UnknownFunctionError",
           "AutodiffError", "ShapeError", "AnomalyError", "ZeroDimError", "TrainingError",
           "ArgumentTypeError"}
#: a word of three letters or more, or any Japanese: what makes a literal a sentence
_WORDS = re.compile(r"[A-Za-z]{3,}|[\u3040-\u30ff\u4e00-\u9fff]")


def _literal_text(node: ast.AST) -> str:
    """The literal parts of a string expression (f-strings and + included)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_text(node.left) + " " + _literal_text(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_text(node.body) + " " + _literal_text(node.orelse)
    return ""


def inline_user_text() -> dict[str, list[str]]:
    """Sentences handed straight to a user-facing call, per file (see the rule below)."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", "")
            texts: list[str] = []
            if name == "print" or name in _ERRORS:
                texts += [_literal_text(a) for a in node.args[:1]]
            if name in ("add_argument", "add_parser", "ArgumentParser", "_Parser"):
                texts += [_literal_text(k.value) for k in node.keywords
                          if k.arg in ("help", "description")]
            bad = [t for t in texts if _WORDS.search(t)]
            if bad:
                rel = str(path.relative_to(SRC))
                found.setdefault(rel, []).append(f"line {node.lineno}: {bad[0][:60]!r}")
    return found


#: files that still build some user text in the code, with how many places: the count may
#: only go down (lower it when you move text to the catalogs; delete the line at 0).  These
#: are mostly errors of the engines that the Python API raises (autodiff shapes, code
#: generation, numeric methods) and argparse help; the CLI's own errors, the parser's,
#: the plots' and the language switch are all in the catalogs already.
NOT_YET: dict[str, int] = {
    "autodiff/anomaly.py": 3,  # moved from tensor.py
    "autodiff/axes.py": 3,  # moved from tensor.py
    "autodiff/check.py": 3,
    "autodiff/draw.py": 2,
    "autodiff/dual.py": 7,
    "autodiff/expr_graph.py": 8,
    "autodiff/functional.py": 12,
    "autodiff/fused.py": 4,
    "autodiff/ops.py": 8,
    "autodiff/tensor.py": 7,
    "cli/__init__.py": 1,
    "cli/diff.py": 13,
    "explain/derivation.py": 4,
    "explain/equality.py": 1,
    "explain/render.py": 2,
    "expr/build.py": 6,
    "expr/node.py": 4,
    "expr/printers.py": 2,
    "expr/provided.py": 1,
    "expr/simplify.py": 2,
    "functions/rule.py": 2,
    "nn/data.py": 2,
    "nn/layers.py": 6,
    "nn/module.py": 5,
    "nn/optim.py": 1,
    "symbolic.py": 3,
}


def test_no_user_text_outside_the_catalog():
    """The rule: in src/bibun, a string literal (plain, f-string, or concatenated) that
    contains a word (three letters or more, or any Japanese) must not be passed directly
    as the message of a bibun error or ``argparse.ArgumentTypeError``, as the first
    argument of ``print``, or as argparse ``help=``/``description=``.  Such text goes
    through :func:`bibun.i18n.error` / :func:`bibun.i18n.text` with a catalog key.

    Literals without words pass: formula layout (``f"∂/∂{x} = {d}"``, ``"  = "``) is
    notation, the same in every language.  Strings built into a variable first are not
    seen — the rule aims at the common path without drowning in false positives, and the
    key check above catches the other direction.
    """
    found = inline_user_text()
    grew = {f: (len(v), NOT_YET.get(f, 0), v) for f, v in found.items()
            if len(v) > NOT_YET.get(f, 0)}
    assert grew == {}, "user text built outside the catalog (use bibun.i18n)"
    stale = {f: (n, len(found.get(f, []))) for f, n in NOT_YET.items()
             if len(found.get(f, [])) < n}
    assert stale == {}, "fewer inline texts than NOT_YET allows: lower the count"


# -- the module's own behaviour --------------------------------------------------------------

def test_errors_carry_their_key_and_speak_both_languages():
    exc = i18n.error("error.cli.port", port=0)
    assert isinstance(exc, BibunError) and exc.key == "error.cli.port"
    assert str(exc) == "--port must be between 1 and 65535, got 0"
    assert i18n.message(exc, "ja") == "--port は 1 から 65535 までにしてください（指定された値：0）"


def test_parse_errors_keep_their_column_in_every_language():
    exc = i18n.parse_error("error.parse.never_closed", "(x", 1, o="(")
    assert isinstance(exc, ParseError) and exc.column == 1
    assert i18n.one_line(exc, "en") == "unbalanced '(': it is never closed (column 1)"
    assert i18n.one_line(exc, "ja").endswith("（1 文字目）")
    assert "at column 1\n  (x\n  ^" in str(exc)  # the caret drawing for Python users


def test_nested_messages_follow_the_outer_language():
    inner = i18n.parse_error("error.parse.ends_early", "x+", 3)
    outer = i18n.parse_error("error.unparsable_answer", "x+", 3, error=inner)
    assert i18n.message(outer, "ja") == "答えを読み取れません：式が途中で終わっています"


def test_a_key_missing_in_one_language_falls_back_to_english(monkeypatch):
    monkeypatch.setitem(i18n.catalog("en"), "test.only_en", "only {x}")
    assert i18n.text("test.only_en", "ja", x=1) == "only 1"
    with pytest.raises(KeyError):
        i18n.text("test.nowhere", "en")


def test_the_language_switch_order(monkeypatch):
    for var in ("BIBUN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.resolve(None) == "ja"
    monkeypatch.setenv("BIBUN_LANG", "en")
    assert i18n.resolve(None) == "en"
    with i18n.using("ja"):
        assert i18n.resolve(None) == "ja" and i18n.text("cli.interrupted") == "bibun: 中断しました"
    assert i18n.resolve(None) == "en"
    assert i18n.resolve("ja_JP") == "ja"
    with pytest.raises(BibunError, match="unknown language 'fr'"):
        i18n.resolve("fr")


def test_the_base_layer_imports_only_errors_and_the_number_rules():
    tree = ast.parse((SRC / "i18n" / "__init__.py").read_text(encoding="utf-8"))
    inner = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
             and n.module and n.module.startswith("bibun")}
    assert inner == {"bibun.errors", "bibun.numtext"}
    assert not any(isinstance(n, ast.Import) for n in ast.walk(tree)
                   if any(a.name.startswith("bibun") for a in getattr(n, "names", [])))


#: language checks not yet replaced (file: count); may only go down, and is empty now
LANG_CHECKS_NOT_YET: dict[str, int] = {}


def test_the_language_is_decided_in_one_place():
    """No module compares a language code or reads the locale itself: they all call
    bibun.i18n (resolve / default_lang / using / lang_of)."""
    checks = re.compile(r"""lang\s*[!=]=\s*["'](en|ja)["']|startswith\(["']ja|getlocale|"""
                        r"""environ(\.get)?\(?\[?["']BIBUN_LANG""")
    found = [f"{p.relative_to(SRC)}:{k}" for p in SRC.rglob("*.py")
             if p.parent.name != "i18n"
             for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if checks.search(line)]
    counts: dict[str, int] = {}
    for where in found:
        counts[where.rsplit(":", 1)[0]] = counts.get(where.rsplit(":", 1)[0], 0) + 1
    grew = {f: n for f, n in counts.items() if n > LANG_CHECKS_NOT_YET.get(f, 0)}
    assert grew == {}, found
