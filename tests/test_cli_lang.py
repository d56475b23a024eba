"""One language switch: every subcommand takes ``--lang`` and honours ``BIBUN_LANG``, and
bibun's errors follow it (one line on stderr, exit code 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bibun.cli import build_parser, main

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _cases(tmp: Path) -> dict[str, list[str]]:
    """A bad input for every subcommand, each refused by bibun itself (not argparse)."""
    a_file = tmp / "not-a-dir"
    a_file.write_text("x")
    return {
        "diff": ["diff", "(x"],
        "grad": ["grad", "x +"],
        "hessian": ["hessian", "x^2 +", "--at", "x=1"],
        "check": ["check", "x^2", "2("],
        "equal": ["equal", "x", "(x"],
        "numdiff": ["numdiff", "sin(x", "--at", "x=1"],
        "plot": ["plot", "(x", "-o", str(tmp / "p.png")],
        "descend": ["descend", "x^2 +", "--from", "1"],
        "fit": ["fit", str(a_file), "--y", "a", "--target", "b"],
        "graph": ["graph", "sigmoid(x"],
        "train": ["train", "--model", "lstm", "--activation", "relu"],
        "vanishing": ["vanishing", "--depth", "200", "--width", "1024", "--steps", "10000"],
        "tour": ["tour", "--out", str(a_file)],
        "serve": ["serve", "--port", "0"],
    }


#: the subcommands of issue 11 (newer ones are covered by the --lang option test)
SUBCOMMANDS = [
    "diff", "grad", "hessian", "check", "equal", "numdiff", "plot", "descend", "fit",
    "graph", "train", "vanishing", "tour", "serve"]


def test_every_subcommand_has_the_lang_option():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    missing = [name for name, p in sub.choices.items()
               if "--lang" not in p._option_string_actions]
    assert missing == []
    assert set(SUBCOMMANDS) <= set(sub.choices)


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def english(monkeypatch):
    for var in ("BIBUN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_errors_are_japanese_with_lang_ja(capsys, tmp_path, english, name):
    code, out, err = _run(capsys, [*_cases(tmp_path)[name], "--lang", "ja"])
    assert code == 2 and out == "", err
    assert err.startswith("bibun: error: ") and err.count("\n") == 1, err
    assert JAPANESE.search(err), err


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_errors_are_japanese_with_bibun_lang_ja(capsys, tmp_path, english, monkeypatch, name):
    monkeypatch.setenv("BIBUN_LANG", "ja")
    code, out, err = _run(capsys, _cases(tmp_path)[name])
    assert code == 2 and err.count("\n") == 1 and JAPANESE.search(err), err


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_errors_stay_english_by_default_and_lang_beats_the_environment(
        capsys, tmp_path, english, monkeypatch, name):
    code, _, err = _run(capsys, _cases(tmp_path)[name])
    assert code == 2 and not JAPANESE.search(err), err
    monkeypatch.setenv("BIBUN_LANG", "ja")
    code, _, err = _run(capsys, [*_cases(tmp_path)[name], "--lang", "en"])
    assert code == 2 and not JAPANESE.search(err), err


def test_parser_warnings_follow_lang(capsys, english):
    code, _, err = _run(capsys, ["diff", "1/2x", "--lang", "ja"])
    assert code == 0 and err.startswith("bibun: warning: ")
