"""The textbook corpus (tests/corpus/derivatives.json, 328 problems with their sources) as a
test: what bibun reads, differentiates, accepts and explains, with the floors measured.

The logic is tests/corpus/measure.py's (one measure per item); the size comparison with
SymPy's simplify is left to the script (it alone takes a minute).  The summary table is
printed (``pytest -s``); ``python tests/corpus/measure.py`` prints the full report.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "corpus"
sys.path.insert(0, str(HERE))

measure = pytest.importorskip("measure")

ITEMS = json.loads((HERE / "derivatives.json").read_text(encoding="utf-8"))["items"]

#: measured floors (counts out of 328); raise them when bibun reads more.  Every category
#: is at 100%: a spelling bibun's documented policy refuses or warns about counts only when
#: the message suggests the spelling the item names and that spelling reads as intended
#: (measure.by_policy); a book's base-10 log is read under the item's declared convention
FLOORS = {
    "text": 328,
    "latex": 328,
    "diff": 328,
    "check": 328,
    "check_stripped": 328,
    "mistakes": 328,
    "steps_en": 328,
    "steps_ja": 328,
}
NOT_MEASURED = 0


@pytest.fixture(scope="module")
def results() -> list[dict]:
    out = [measure.measure_item(it, size=False) for it in ITEMS]
    print()
    print(measure.report(out, ITEMS).split("\nby source")[0])
    return out


def _passed(results: list[dict], key: str) -> tuple[int, list[str]]:
    good = dict((k, g) for k, _, g in measure.CATEGORIES)[key]
    bad = [f"{r['id']}: {r.get(key)}: {r.get(key + '_msg', '')}" for r in results
           if r.get(key) not in good]
    return len(results) - len(bad), bad


@pytest.mark.parametrize("key", sorted(FLOORS))
def test_corpus_floor(results, key):
    n, bad = _passed(results, key)
    floor = FLOORS[key]
    if key in ("diff", "steps_en", "steps_ja"):  # 100% of what can be measured
        bad = [b for b in bad if ": not measured:" not in b]
        assert len(results) - n <= NOT_MEASURED + len(bad)
    assert n >= floor and (key not in ("diff", "steps_en", "steps_ja") or not bad), \
        "\n".join(bad)


def test_no_silent_misread(results):
    """Never silently wrong: a reading that differs from the source's carries a warning
    (sin π/2 = sin(π)/2, log_7(…)^5 = (log_7 …)^5 say so) or a refusal.  No item is exempt:
    OpenStax's base-10 log is read under the item's declared convention."""
    silent = [f"{r['id']} ({k}): {r[k + '_msg']}" for r in results for k in ("text", "latex")
              if r.get(k) == "misread"]
    assert not silent, "\n".join(silent)


def test_policy_items_are_few_and_each_names_its_suggestion():
    """Counting a refusal or warning as "read by policy" is the exception: each such item
    says which documented rule applies and which spelling the message must suggest."""
    policy = [(it["id"], f) for it in ITEMS for f, p in it.get("policy", {}).items()
              if p["suggests"] and p["write"] and p["rule"]]
    assert len(policy) == sum(len(it.get("policy", {})) for it in ITEMS)
    assert len(policy) <= 6, policy


def test_a_source_spelling_without_its_suggestion_is_not_counted_by_policy():
    """by_policy needs the suggestion in the message and the suggested spelling read as
    intended; either missing leaves the item failing."""
    item = {"policy": {"text": {"rule": "r", "suggests": "sin(π/2)", "write": "w"}}}
    assert measure.by_policy(item, "text", "misread+warning", "write sin(π/2)",
                             lambda w: (True, ""))[0] == "policy"
    assert measure.by_policy(item, "text", "misread+warning", "no hint", lambda w: (True, "")) \
        is None
    assert measure.by_policy(item, "text", "misread+warning", "write sin(π/2)",
                             lambda w: (False, "")) is None
    assert measure.by_policy(item, "text", "misread", "write sin(π/2)",
                             lambda w: (True, "")) is None


#: typical mistakes (measure.typical_mistakes: 3 per problem) rejected with one right
#: diagnosis, measured 974/974; the issue asks for at least 95%
MISTAKES_FLOOR = 974


def test_three_typical_mistakes_per_problem_are_rejected_with_one_right_diagnosis(results):
    tried = sum(r.get("mistakes_tried", 0) for r in results)
    good = sum(r.get("mistakes_good", 0) for r in results)
    assert tried >= 3 * len(ITEMS) - 12  # three per problem (a few constants have fewer)
    bad = [f"{r['id']}: {r['mistakes_msg']}" for r in results if r.get("mistakes") != "ok"]
    assert good >= MISTAKES_FLOOR and good >= 0.95 * tried, "\n".join(bad)


def test_no_crash(results):
    crashes = Counter(k for r in results for k, v in r.items() if v == "crash")
    assert not crashes, crashes
