"""Start-up of the command line: ``bibun diff "(x^3+1)^2"`` as a whole process, beside
the floor (``python -c "import lark"``) and SymPy's one-liner, in the same run.

    python -m bench cli_startup              # 15 rounds
    python -m bench cli_startup --rounds 30

Each round starts the three processes in turn (so background load hits them alike) and
times each from start to exit; the peak memory of each process is read from the
operating system (``ru_maxrss`` of the finished child).  The ratios are taken round by
round, then their median is reported.  The first round is a warm-up (it also fills the
parser-table cache, as a user's first run does) and is not counted.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

FORMULA = "(x^3+1)^2"


def commands() -> dict[str, list[str]]:
    py = sys.executable
    bibun = shutil.which("bibun", path=str(Path(py).parent)) or shutil.which("bibun")
    diff = ([bibun] if bibun else [py, "-m", "bibun.cli"]) + ["diff", FORMULA]
    return {
        "bibun diff": diff,
        "import lark": [py, "-c", "import lark"],
        "sympy.diff": [py, "-c", "import sympy; x = sympy.Symbol('x'); "
                                 "print(sympy.factor(sympy.diff((x**3 + 1)**2, x)))"],
    }


def run_once(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MiB of one process."""
    t = time.perf_counter()
    pid = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return wall, usage.ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 15
    cmds = commands()
    for cmd in cmds.values():  # warm-up: caches, page cache
        run_once(cmd)
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    peaks: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(rounds):
        for name, cmd in cmds.items():
            w, m = run_once(cmd)
            walls[name].append(w)
            peaks[name].append(m)
    print(f"{rounds} rounds, whole processes (start-up included); {resource.getpagesize()}"
          f"-byte pages, Python {sys.version.split()[0]}")
    print(f"{'command':<12} {'min s':>7} {'median s':>9} {'max s':>7} {'peak MiB':>9}")
    for name in cmds:
        w = walls[name]
        print(f"{name:<12} {min(w):7.3f} {statistics.median(w):9.3f} {max(w):7.3f}"
              f" {statistics.median(peaks[name]):9.1f}")
    base = walls["bibun diff"]
    for other in ("import lark", "sympy.diff"):
        ratio = statistics.median(a / b for a, b in zip(base, walls[other], strict=True))
        print(f"bibun diff / {other}: {ratio:.2f}x (median of per-round ratios)")


if __name__ == "__main__":
    main(sys.argv[1:])
