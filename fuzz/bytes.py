"""The byte-level mode: atheris (libFuzzer, coverage-guided) on the reader and printers.

``python -m fuzz --mode bytes --seconds N`` runs ``python -m fuzz.bytes`` under libFuzzer
with the bibun package instrumented for coverage; a crash or hang stops libFuzzer with an
artifact, and the run goes on (same corpus directory) with that kind of failure known.
Each input's bytes become text (any unicode) and go through :func:`fuzz.targets.t_bytes`:
read, print as text, LaTeX and MathML, differentiate once. One of bibun's errors keeps the
promise; any other exception, a call over the time budget or over 2 GB is an artifact.
Afterwards every artifact is replayed in the guarded worker (:mod:`fuzz.runner`, CPU time,
not wall time) and only what breaks there too is a finding, minimised and recorded like
the other modes' findings.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: starting inputs: the notations of the grammar, so coverage begins past the lexer
SEEDS = ("x^2", "sin(x)*e^x", r"\frac{d}{dx}\left(x^2\right)", "f(x) = |x|/√x", "2^-1074",
         "10^400", "d/dx ln(x)", "x₁·θ²", r"\sqrt[3]{x}", "1e308*x", "relu(x)+sigmoid(y)")


def _decode(data: bytes) -> str:
    import atheris

    fdp = atheris.FuzzedDataProvider(data)
    return fdp.ConsumeUnicodeNoSurrogates(len(data))


def where(exc: BaseException) -> str:
    """An exception's kind and the line that raised it (what makes it one bug)."""
    import traceback

    tb = traceback.extract_tb(exc.__traceback__)
    frame = tb[-1] if tb else None
    return f"{type(exc).__name__} at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" \
        if frame else type(exc).__name__


_KNOWN: set[str] = set()


def _one_input(data: bytes) -> None:  # pragma: no cover - runs under libFuzzer
    from bibun.errors import BibunError
    from fuzz.targets import t_bytes

    text = _decode(data)
    try:
        t_bytes(text)
    except BibunError:
        pass
    except Exception as exc:
        if where(exc) not in _KNOWN:  # a failure already found in this run: go on
            raise


def _fuzz() -> None:  # pragma: no cover - the libFuzzer process
    import warnings

    import atheris

    warnings.simplefilter("ignore")
    known = Path(sys.argv.pop(1))
    _KNOWN.update(known.read_text().splitlines())
    sys.setrecursionlimit(10_000)
    with atheris.instrument_imports(include=["bibun"]):
        import bibun  # noqa: F401
        import fuzz.targets  # noqa: F401
    atheris.Setup(sys.argv, _one_input)
    atheris.Fuzz()


def run_bytes(args: argparse.Namespace, seed: int) -> int:
    """Run libFuzzer for ``args.seconds``, then replay and record its artifacts."""
    from fuzz.__main__ import load, load_open, minimise, save, signature
    from fuzz.runner import Runner

    try:
        import atheris  # noqa: F401
    except ImportError:
        print("the bytes mode needs atheris: pip install atheris (the test extra has it)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="bibun-fuzz-bytes-"))
    corpus, artifacts = work / "corpus", work / "artifacts"
    corpus.mkdir()
    artifacts.mkdir()
    for i, s in enumerate(SEEDS):
        (corpus / f"seed{i}").write_bytes(s.encode())
    raised = work / "known.txt"
    raised.write_text("")
    start = time.monotonic()
    log = work / "libfuzzer.log"
    execs = rounds = 0
    seen: set[Path] = set()
    while (left := args.seconds - (time.monotonic() - start)) > 5 and rounds < 50:
        rounds += 1
        cmd = [sys.executable, "-m", "fuzz.bytes", str(raised), str(corpus),
               f"-seed={seed + rounds}", f"-max_total_time={int(left)}",
               f"-timeout={int(3 * args.budget)}", "-rss_limit_mb=2048",
               f"-artifact_prefix={artifacts}/", "-print_final_stats=1"]
        with log.open("a") as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False,
                                  cwd=Path(__file__).resolve().parent.parent)
        execs += _executions(log)
        for path in sorted(set(artifacts.iterdir()) - seen):  # let the next round go on
            seen.add(path)
            kind = _raised_in(log)
            if kind:
                with raised.open("a") as f:
                    f.write(kind + "\n")
        if done.returncode == 0:
            break
    known = {w for _, _, w in load() + load_open()}
    runner = Runner(args.budget)
    found = []
    try:
        for path in sorted(artifacts.iterdir()):
            data = _decode(path.read_bytes())
            o = runner.run("bytes", data)
            sig = signature(o, "bytes")
            if not o.broken or sig in known:
                continue
            small = minimise(runner, "bytes", data, sig)
            known.add(sig)
            found.append(small)
            print(f"finding: bytes: {small[:300]!r}: {o.detail}", flush=True)
            if not args.no_save:
                save("bytes", small, sig)
    finally:
        runner.close()
    n_artifacts = len(list(artifacts.iterdir()))
    print(f"bytes mode, seed {seed}: {execs} inputs run by libFuzzer in "
          f"{time.monotonic() - start:.0f} s, {n_artifacts} artifacts, {len(found)} new "
          f"findings (log: {log})")
    return 1 if found else 0


def _executions(log: Path) -> int:
    """Inputs the last libFuzzer round of ``log`` ran (its final stats)."""
    counts = re.findall(r"stat::number_of_executed_units: (\d+)", log.read_text(errors="replace"))
    return int(counts[-1]) if counts else 0


def _raised_in(log: Path) -> str:
    """The exception (kind and place, as :func:`where` says it) that stopped the last
    round, from the Python traceback atheris printed."""
    text = log.read_text(errors="replace")
    tb = text.rsplit("Traceback (most recent call last):", 1)
    if len(tb) < 2:
        return ""
    frames = re.findall(r'File "([^"]+)", line (\d+)', tb[1])
    kind = re.search(r"^(\w+(?:Error|Exception)\w*)", tb[1], re.M)
    if not frames or not kind:
        return ""
    name, line = frames[-1]
    return f"{kind[1]} at {name.rsplit('/', 1)[-1]}:{line}"


if __name__ == "__main__":  # pragma: no cover
    _fuzz()
