"""Every past fuzz finding stays fixed: each input of fuzz/corpus/findings.tsv, through the
operation that broke on it, returns or raises one of bibun's errors.

The call runs in the fuzzer's guarded worker (fuzz.runner), so an input that hangs again
fails this test instead of hanging the suite; the budget is generous (a guard, not a
speed requirement).
"""

from __future__ import annotations

import pytest

from fuzz.__main__ import load
from fuzz.runner import Runner

FINDINGS = load()


@pytest.fixture(scope="module")
def runner():
    r = Runner(seconds=60.0)
    yield r
    r.close()


def test_the_corpus_holds_the_findings_of_the_issue():
    assert len(FINDINGS) >= 20


@pytest.mark.parametrize("target, text, what", FINDINGS,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(FINDINGS)])
def test_a_past_finding_is_kept_fixed(runner, target, text, what):
    outcome = runner.run(target, text)
    assert not outcome.broken, f"{target}({text[:80]!r}) broke again: {outcome}"


def test_the_cli_check_catches_a_traceback_and_a_second_error_line(monkeypatch):
    """The CLI mode's judge (fuzz.cli.run_cli) is not a rubber stamp."""
    import json
    import sys

    import bibun.cli
    from fuzz import cli

    monkeypatch.setattr(cli, "_stub_serving", lambda: None)

    def traceback_then_error(argv):
        print("Traceback (most recent call last):", file=sys.stderr)
        return 2

    monkeypatch.setattr(bibun.cli, "main", traceback_then_error)
    with pytest.raises(cli.Broken, match="CLI diff traceback"):
        cli.run_cli(json.dumps(["diff", "x"]))

    def two_errors(argv):
        print("bibun: error: one\nbibun: error: two", file=sys.stderr)
        return 2

    monkeypatch.setattr(bibun.cli, "main", two_errors)
    with pytest.raises(cli.Broken, match="without one error line"):
        cli.run_cli(json.dumps(["diff", "x"]))


def test_the_cli_check_passes_an_answer_and_a_one_line_error(monkeypatch):
    import json

    from fuzz import cli

    monkeypatch.setattr(cli, "_stub_serving", lambda: None)
    assert cli.run_cli(json.dumps(["diff", "x^2"])) == 0
    assert cli.run_cli(json.dumps(["diff", "x^2", "--order", "x"])) == 2
