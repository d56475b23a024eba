"""``python -m fuzz [--seconds N] [--seed S] [--targets a,b] [--budget SECONDS]``

Generates formulas (fuzz.grammar), drives every public operation (fuzz.targets) in a
guarded worker (fuzz.runner), minimises each new kind of failure to a small input and
appends it to fuzz/corpus/findings.tsv (target, input, what went wrong), which
tests/test_fuzz_corpus.py replays.  Prints a summary: inputs tried, calls, findings.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from fuzz.grammar import text_input
from fuzz.runner import Outcome, Runner
from fuzz.targets import TARGETS

CORPUS = Path(__file__).parent / "corpus" / "findings.tsv"


def signature(o: Outcome) -> str:
    """What makes two failures the same bug: the kind, the exception and its place."""
    return o.kind + ":" + o.detail.split(": ", 1)[0]


def minimise(runner: Runner, target: str, text: str, sig: str, tries: int = 300) -> str:
    """The shortest input (by removing chunks, then single characters) that still fails
    the same way: delta debugging, bounded by ``tries`` calls."""
    best, n = text, 2
    while len(best) > 1 and tries > 0:
        size = max(1, len(best) // n)
        shrunk = False
        for i in range(0, len(best), size):
            cand = best[:i] + best[i + size:]
            if not cand.strip():
                continue
            tries -= 1
            o = runner.run(target, cand)
            if o.broken and signature(o) == sig:
                best, n, shrunk = cand, max(n - 1, 2), True
                break
            if tries <= 0:
                break
        if not shrunk:
            if size == 1:
                break
            n = min(n * 2, len(best))
    return best


def load() -> list[tuple[str, str, str]]:
    if not CORPUS.exists():
        return []
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            target, text, what = line.split("\t")
            rows.append((target, text.encode().decode("unicode_escape"), what))
    return rows


def save(target: str, text: str, what: str) -> None:
    CORPUS.parent.mkdir(exist_ok=True)
    escaped = text.encode("unicode_escape").decode("ascii")
    with CORPUS.open("a", encoding="utf-8") as f:
        f.write(f"{target}\t{escaped}\t{what}\n")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[1])
    ap.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma-separated targets")
    ap.add_argument("--budget", type=float, default=5.0, help="seconds one call may take")
    ap.add_argument("--no-save", action="store_true", help="do not append findings")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    targets = [t for t in args.targets.split(",") if t]
    known = {w for _, _, w in load()}
    runner = Runner(args.budget)
    inputs = calls = 0
    found: list[tuple[str, str, str]] = []
    end = time.monotonic() + args.seconds
    try:
        while time.monotonic() < end:
            text = text_input(rng)
            inputs += 1
            for target in targets:
                calls += 1
                o = runner.run(target, text)
                if not o.broken or signature(o) in known:
                    continue
                sig = signature(o)
                small = minimise(runner, target, text, sig)
                known.add(sig)
                found.append((target, small, sig))
                print(f"finding: {target}: {small!r}: {o.detail}", flush=True)
                if not args.no_save:
                    save(target, small, sig)
    finally:
        runner.close()
    print(f"seed {seed}: {inputs} inputs, {calls} calls, {len(found)} new findings "
          f"({len(known)} known kinds)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
