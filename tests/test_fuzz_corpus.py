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
