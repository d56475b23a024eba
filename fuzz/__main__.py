"""``python -m fuzz [--mode MODE] [--seconds N] [--seed S] [--budget SECONDS]``

Modes: ``api`` (default) generates formulas (fuzz.grammar) and drives every public
operation (fuzz.targets); ``cli`` drives every subcommand with hostile arguments
(fuzz.cli); ``autodiff`` compares random compositions of autodiff ops, value and
gradient, with PyTorch (fuzz.autodiff); ``bytes`` runs atheris (libFuzzer) on the reader
and printers (fuzz.bytes);
``web`` runs schemathesis against ``bibun serve``'s OpenAPI schema (fuzz.web);
``replay`` runs both corpus files and says which open findings are fixed.  Every call
runs in a guarded worker (fuzz.runner); each new kind of failure is minimised to a small
input and appended to fuzz/corpus/open.tsv (target, input, what went wrong).  A finding
moves to fuzz/corpus/findings.tsv, which tests/test_fuzz_corpus.py replays in
``make test``, once it is fixed.  Prints a summary: inputs tried, calls, findings.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from fuzz.runner import Outcome, Runner

CORPUS = Path(__file__).parent / "corpus" / "findings.tsv"
#: findings not fixed yet: known to the fuzzer (not reported again), not replayed by the
#: test suite; `python -m fuzz --mode replay` says which of them are fixed now
OPEN = CORPUS.with_name("open.tsv")
#: targets of the api mode (the others have their own modes)
API = ("print", "roundtrip", "diff", "diff2", "simplify", "evaluate", "check", "steps",
       "tangent", "series", "critical", "numeric", "compile", "graph")


def signature(o: Outcome, where: str = "") -> str:
    """What makes two failures the same bug: the kind, the exception and its place; for
    a hang or a memory blow-up, the operation (``where``: the target, or ``cli diff``)."""
    if o.kind in ("timeout", "memory"):
        return f"{o.kind}:{where}"
    return o.kind + ":" + o.detail.split(": ", 1)[0]


def _where(target: str, text: str) -> str:
    """The operation a call exercises: the target, and for the CLI the subcommand."""
    if target != "cli":
        return target
    argv = json.loads(text)
    return f"cli {argv[0] if argv else ''}"


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
            if o.broken and signature(o, target) == sig:
                best, n, shrunk = cand, max(n - 1, 2), True
                break
            if tries <= 0:
                break
        if not shrunk:
            if size == 1:
                break
            n = min(n * 2, len(best))
    return best


def minimise_argv(runner: Runner, text: str, sig: str, tries: int = 60) -> str:
    """A command line with as few arguments as still fail the same way (the command
    name stays), then each long argument cut to its first characters."""
    argv = json.loads(text)

    def fails(cand: list[str]) -> bool:
        o = runner.run("cli", json.dumps(cand, ensure_ascii=False))
        return o.broken and signature(o, _where("cli", text)) == sig

    i = 1
    while i < len(argv) and tries > 0:
        tries -= 1
        cand = argv[:i] + argv[i + 1:]
        if fails(cand):
            argv = cand
        else:
            i += 1
    for i, word in enumerate(argv):
        if len(word) > 40 and tries > 0:
            tries -= 1
            cand = [*argv[:i], word[:40], *argv[i + 1:]]
            if fails(cand):
                argv = cand
    return json.dumps(argv, ensure_ascii=False)


def minimise_case(runner: Runner, text: str, sig: str) -> str:
    """An autodiff case with as few ops and inputs as still fail the same way."""
    from fuzz.autodiff import minimise as shrink

    def fails(cand: str) -> bool:
        o = runner.run("autodiff", cand)
        return o.broken and signature(o, "autodiff") == sig

    return shrink(fails, text)


def _read(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            target, text, what = line.split("\t")
            rows.append((target, text.encode().decode("unicode_escape"), what))
    return rows


def load() -> list[tuple[str, str, str]]:
    """The fixed findings: what tests/test_fuzz_corpus.py replays."""
    return _read(CORPUS)


def load_open() -> list[tuple[str, str, str]]:
    """The findings not fixed yet."""
    return _read(OPEN)


def save(target: str, text: str, what: str, path: Path = OPEN) -> None:
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text("# open fuzz findings (not fixed yet): target<TAB>input (unicode-escaped)"
                        "<TAB>what it was; move a line to findings.tsv once it is fixed\n",
                        encoding="utf-8")
    escaped = text.encode("unicode_escape").decode("ascii")
    with path.open("a", encoding="utf-8") as f:
        f.write(f"{target}\t{escaped}\t{what}\n")


def _generated(mode: str, targets: list[str]) -> Callable[[random.Random], list[tuple[str, str]]]:
    """The (target, input) pairs one generated input makes in ``mode``."""
    if mode == "cli":
        from fuzz.cli import command_line

        return lambda rng: [("cli", json.dumps(command_line(rng), ensure_ascii=False))]
    if mode == "autodiff":
        from fuzz.autodiff import case

        return lambda rng: [("autodiff", case(rng))]
    from fuzz.grammar import text_input

    def pairs(rng: random.Random) -> list[tuple[str, str]]:
        text = text_input(rng)
        return [(t, text) for t in targets]

    return pairs


def generate(args: argparse.Namespace, seed: int) -> int:
    """The api, cli and autodiff modes: generate, run, minimise and record until time is up."""
    rng = random.Random(seed)
    targets = [t for t in args.targets.split(",") if t] if args.targets else list(API)
    known = {w for _, _, w in load() + load_open()}
    make = _generated(args.mode, targets)
    runner = Runner(args.budget)
    inputs = calls = 0
    found: list[tuple[str, str, str]] = []
    end = time.monotonic() + args.seconds
    try:
        while time.monotonic() < end:
            inputs += 1
            for target, text in make(rng):
                calls += 1
                o = runner.run(target, text)
                sig = signature(o, _where(target, text))
                if not o.broken or sig in known:
                    continue
                if target == "cli":
                    small = minimise_argv(runner, text, sig)
                elif target == "autodiff":
                    small = minimise_case(runner, text, sig)
                else:
                    small = minimise(runner, target, text, sig)
                known.add(sig)
                found.append((target, small, sig))
                again = runner.run(target, small)  # what the small input does (the detail)
                detail = again.detail if again.broken else o.detail
                print(f"finding: {target}: {small[:300]!r}: {detail}", flush=True)
                if not args.no_save:
                    save(target, small, sig)
    finally:
        runner.close()
    print(f"{args.mode} mode, seed {seed}: {inputs} inputs, {calls} calls, {len(found)} new "
          f"findings ({len(known)} known kinds)")
    return 1 if found else 0


def replay(args: argparse.Namespace) -> int:
    """Both corpus files through their targets: which fixed findings broke again, which
    open ones are fixed now."""
    runner = Runner(max(args.budget, 60.0))
    bad = 0
    try:
        for name, rows in (("findings.tsv", load()), ("open.tsv", load_open())):
            for target, text, what in rows:
                o = runner.run(target, text)
                state = "BROKEN" if o.broken else "fixed"
                bad += o.broken and name == "findings.tsv"
                print(f"{name}: {state}: {target}: {text[:80]!r} ({what}) {o.detail}")
    finally:
        runner.close()
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[1])
    ap.add_argument("--mode", choices=("api", "cli", "autodiff", "bytes", "web", "replay"),
                    default="api")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    ap.add_argument("--targets", default="", help="comma-separated api targets (default: all)")
    ap.add_argument("--budget", type=float, default=None,
                    help="seconds one call may take (default 5; cli 30; bytes 10)")
    ap.add_argument("--no-save", action="store_true", help="do not append findings")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    if args.budget is None:
        args.budget = {"cli": 30.0, "bytes": 10.0}.get(args.mode, 5.0)
    if args.mode == "replay":
        return replay(args)
    if args.mode == "bytes":
        from fuzz.bytes import run_bytes

        return run_bytes(args, seed)
    if args.mode == "web":
        from fuzz.web import run_web

        return run_web(args, seed)
    return generate(args, seed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
