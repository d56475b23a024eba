"""The command line keeps its shape on hostile input (issue 14): an answer, or exit code 2
and one localized line on stderr — argparse's usage errors included, never a doubled
prefix, never a 120 KB argument echoed back, never NumPy's own warnings, never uvicorn's
line for an address it cannot serve on."""

from __future__ import annotations

import json
import re
import socket
import warnings

import pytest

from bibun.cli import _numpy_warnings, command_of, main

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english(monkeypatch):
    for var in ("BIBUN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors exit directly
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("bibun: error: "), err
    return err


def test_json_of_a_derivative_without_code_answers_with_python_null_and_a_note(capsys):
    code, out, err = run(capsys, "diff", "f(g(x))", "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["derivative"] == "f'(g(x))g'(x)"
    assert answer["python"] is None
    assert any("no Python code" in w and "g" in w for w in answer["warnings"])


def test_json_of_a_derivative_with_code_has_no_note(capsys):
    code, out, _ = run(capsys, "diff", "sin(x)", "--format", "json")
    answer = json.loads(out)
    assert code == 0 and answer["python"] == "np.cos(x)" and answer["warnings"] == []


def test_lang_before_the_command_is_read_as_the_language(capsys):
    code, out, _ = run(capsys, "--lang", "ja", "diff", "x^2")
    assert code == 0 and out.strip().endswith("2x")
    assert command_of(["--lang", "ja", "diff", "x"]) == "diff"


def test_usage_error_is_one_line_without_a_doubled_prefix(capsys):
    code, _, err = run(capsys, "nosuch")
    line = one_error_line(err)
    assert code == 2 and "bibun: error: bibun" not in line
    assert "invalid choice: 'nosuch'" in line


@pytest.mark.parametrize("argv", [
    ("--lang", "ja", "diff"),                       # a required argument
    ("--lang", "ja", "nosuch"),                     # an invalid command
    ("diff", "x", "--format", "xml", "--lang", "ja"),  # an invalid choice
    ("diff", "x", "--order", "abc", "--lang", "ja"),   # an unreadable type
    ("train", "--epochs", "0", "--lang", "ja"),        # our own argument type
    ("train", "--epochs", "99999999", "--lang", "ja"),  # its upper bound
    ("descend", "x^2", "--lr", "-1", "--lang", "ja"),  # a positive number
    ("diff", "x", "--nosuch", "--lang", "ja"),         # an unknown option
])
def test_usage_errors_speak_japanese_with_lang_ja(capsys, argv):
    code, _, err = run(capsys, *argv)
    line = one_error_line(err)
    assert code == 2 and JAPANESE.search(line), line
    assert "bibun: error: bibun" not in line


def test_an_echoed_argument_is_shortened(capsys):
    huge = "y" * 120_000
    code, _, err = run(capsys, "diff", "x", "--format", huge)
    line = one_error_line(err)
    assert code == 2 and len(line) < 1_000 and "…" in line


def test_a_bibun_error_echoing_a_long_value_is_shortened(capsys):
    code, _, err = run(capsys, "diff", "x", "--at", "x=(" + "1+" * 1_000)
    line = one_error_line(err)
    assert code == 2 and len(line) < 600 and "…" in line, line


def test_a_failed_command_prints_no_numpy_warnings(capsys):
    code, _, err = run(capsys, "train", "--lr", "1e308", "--epochs", "1", "--quiet")
    assert code == 2
    assert "RuntimeWarning" not in err and "encountered" not in err
    one_error_line(err)


def _numpy_overflow() -> list[warnings.WarningMessage]:
    import numpy as np

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.array([1e308]) * 10
        np.array([1.0]) / 0
    return caught


def test_numpy_warnings_after_an_answer_are_one_bibun_line(capsys):
    _numpy_warnings(_numpy_overflow(), "en", failed=False)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bibun: warning: ")
    assert "overflow" in err and "division by zero" in err


def test_numpy_warnings_after_an_error_are_dropped(capsys):
    _numpy_warnings(_numpy_overflow(), "en", failed=True)
    assert capsys.readouterr().err == ""


def test_serve_refuses_an_impossible_host_with_one_line(capsys):
    code, _, err = run(capsys, "serve", "--host", "999.999.999.999")
    assert code == 2 and "999.999.999.999" in one_error_line(err)
    assert "Errno" not in err


def test_serve_refuses_a_port_in_use_with_one_line(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run(capsys, "serve", "--port", str(port), "--lang", "ja")
    assert code == 2 and str(port) in one_error_line(err) and JAPANESE.search(err)


@pytest.mark.parametrize("workers", ["-1", "0", "100000"])
def test_serve_refuses_a_worker_count_that_cannot_work(capsys, workers):
    code, _, err = run(capsys, "serve", "--workers", workers)
    assert code == 2 and "--workers" in one_error_line(err)
