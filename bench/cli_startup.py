"""Start-up of the command line: ``bibun diff "(x^3+1)^2"`` as a whole process, beside
the floor (``python -c "import lark"``) and SymPy's one-liner, in the same run.

    python -m bench cli_startup                  # 15 rounds
    python -m bench cli_startup --rounds 30
    python -m bench cli_startup --others         # also --help, check, --steps, numdiff, plot
    python -m bench cli_startup --no-sympy       # skip SymPy's one-liner (0.7 s a round)

Each round starts every process in turn (so background load hits them alike) and times
each from start to exit; the peak memory of each process is read from the operating
system (``ru_maxrss`` of the finished child).  Ratios are taken round by round, then their
median is reported.  The first round is a warm-up (it fills the parser-table cache, as a
user's first run does) and is not counted.

``bibun diff`` runs twice: with the compiled core when ``make compiled`` built one that
matches the sources (``bibun.native``), and as pure Python (``BIBUN_PURE=1``).

Bytecode.  Every process runs twice over: with Python's bytecode cache, as after ``pip
install`` (a fresh ``PYTHONPYCACHEPREFIX``, filled by the warm-up, for bibun, Lark, SymPy
and the standard library alike), and "as is", in the environment this benchmark was
started in.  The two differ when that environment sets ``PYTHONDONTWRITEBYTECODE=1`` and
bibun is an editable install whose sources have no ``__pycache__``: Python then compiles
bibun's ~400 KB of source on every start (~0.1 s) while Lark's bytecode was written when
it was installed, so that row measures the compiler more than bibun.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMULA = "(x^3+1)^2"
FLOOR = "import lark"


def _bibun() -> list[str]:
    py = sys.executable
    found = shutil.which("bibun", path=str(Path(py).parent)) or shutil.which("bibun")
    return [found] if found else [py, "-m", "bibun.cli"]


def commands(others: bool, sympy: bool) -> dict[str, tuple[list[str], dict[str, str]]]:
    """name -> (command, extra environment)."""
    py, bibun = sys.executable, _bibun()
    out: dict[str, tuple[list[str], dict[str, str]]] = {
        "bibun diff": (bibun + ["diff", FORMULA], {}),
        "bibun diff (pure)": (bibun + ["diff", FORMULA], {"BIBUN_PURE": "1"}),
        FLOOR: ([py, "-c", FLOOR], {}),
        "python -c pass": ([py, "-c", "pass"], {}),
    }
    if sympy:
        out["sympy.diff"] = ([py, "-c", "import sympy; x = sympy.Symbol('x'); "
                                        "print(sympy.factor(sympy.diff((x**3 + 1)**2, x)))"], {})
    if others:
        out.update({
            "bibun --help": (bibun + ["--help"], {}),
            "bibun diff --steps": (bibun + ["diff", FORMULA, "--steps"], {}),
            "bibun diff --at": (bibun + ["diff", FORMULA, "--at", "x=2"], {}),
            "bibun check": (bibun + ["check", "(x^3+1)^2", "6x^2(x^3+1)"], {}),
            "bibun numdiff": (bibun + ["numdiff", "sin(x)", "--at", "x=1"], {}),
            "bibun plot": (bibun + ["plot", "sin(x)", "-o", "{tmp}/p.png"], {}),
        })
    return out


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak MiB of one process."""
    t = time.perf_counter()
    pid = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=env).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return wall, usage.ru_maxrss / 1024  # KiB on Linux


def _environments(tmp: str) -> dict[str, dict[str, str]]:
    base = {**os.environ, "BIBUN_CACHE_DIR": os.path.join(tmp, "tables")}
    cached = {k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
    as_is = "PYTHONDONTWRITEBYTECODE=1" if base.get("PYTHONDONTWRITEBYTECODE") else \
        "bytecode cache on"
    return {"bytecode cache (installed)": cached, f"as is ({as_is})": base}


def main(argv: list[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 15
    with tempfile.TemporaryDirectory(prefix="bibun-startup-") as tmp:
        cmds = {name: ([a.replace("{tmp}", tmp) for a in cmd], extra) for name, (cmd, extra)
                in commands("--others" in argv, "--no-sympy" not in argv).items()}
        for mode, env in _environments(tmp).items():
            walls: dict[str, list[float]] = {k: [] for k in cmds}
            peaks: dict[str, list[float]] = {k: [] for k in cmds}
            for cmd, extra in cmds.values():  # warm-up: caches, page cache
                run_once(cmd, {**env, **extra})
            for _ in range(rounds):
                for name, (cmd, extra) in cmds.items():
                    w, m = run_once(cmd, {**env, **extra})
                    walls[name].append(w)
                    peaks[name].append(m)
            load = os.getloadavg()[0]
            print(f"\n{mode}: {rounds} rounds, whole processes (start-up included), "
                  f"Python {sys.version.split()[0]}, load average {load:.2f}")
            print(f"{'command':<20} {'min s':>7} {'median s':>9} {'max s':>7} {'peak MiB':>9}"
                  f" {'/ lark':>7}")
            for name in cmds:
                w = walls[name]
                ratio = statistics.median(a / b for a, b in zip(w, walls[FLOOR], strict=True))
                print(f"{name:<20} {min(w):7.3f} {statistics.median(w):9.3f} {max(w):7.3f}"
                      f" {statistics.median(peaks[name]):9.1f} {ratio:6.2f}x")
            if "sympy.diff" in cmds:
                for name in ("bibun diff", "bibun diff (pure)"):
                    r = statistics.median(a / b for a, b in
                                          zip(walls[name], walls["sympy.diff"], strict=True))
                    print(f"{name} / sympy.diff: {r:.2f}x (median of per-round ratios)")


if __name__ == "__main__":
    main(sys.argv[1:])
