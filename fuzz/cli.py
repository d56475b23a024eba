"""The CLI mode: every subcommand with hostile arguments, judged by the README's promise.

A command line is generated from the subcommand's own argparse options (so a new option
is fuzzed without editing this file): valid and invalid choices, numbers at the edges
(0, -1, 1e308, nan, 10^400, a 40-digit integer), formulas from :mod:`fuzz.grammar`,
120 KB arguments, device files and unwritable paths.  It runs in the guarded worker
(:mod:`fuzz.runner`) inside a scratch directory, with ``bibun serve``'s server and browser
replaced by stubs.  The promise, checked after every run:

* exit code 0 or 1 (an answer), or 2 with exactly one line on stderr starting
  ``bibun: error:`` (argparse's usage errors included);
* no traceback, no Python warning (``RuntimeWarning: overflow …``) on stderr;
* no line of stderr longer than :data:`LONGEST` (an echoed argument is shortened).

A command line is kept in the corpus as JSON (target ``cli``), so a finding replays as it
was found.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from fuzz.grammar import formula, text_input

#: longest stderr line allowed: a message with a shortened echo fits easily
LONGEST = 3000
#: values any option may get
HOSTILE = ("", " ", "-", "--", "0", "-1", "1", "2", "1e308", "-1e308", "1e-320", "nan", "inf",
           "-inf", "10^400", "9" * 40, "1/0", "x", "ja", "en", "θ", "√x", "x=1", "x=", "=1",
           "x=1,x=2", "x=10^400", "a=1e300", "1,2,3", "-7,2", "1,", "x=nan", "x=1/0",
           "pi/2", "0.1", "2^-1074")
PATHS = ("out.png", "out.svg", "out.pdf", "out.dot", "out.csv", "out.txt", "out", "dir/",
         "/dev/zero", "/dev/null", "/", "/proc/self/mem", "/nonexistent/out.png",
         "data.csv", "bad.csv", "empty.csv", "loss.txt", "OUT.PNG", ".png", "long-field.csv",
         "million.csv")
FILES = {"data.csv": "x,y\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n",
         "bad.csv": "x,y\n1,2\n3,four\n", "empty.csv": "", "loss.txt": "3\n2\n1.5\n1.2\n",
         "long-field.csv": "x,y\n1," + "9" * 131_073 + "\n",
         "million.csv": "x,y\n" + "1,2\n" * 1_000_000}  # issue 14: 148 s and 734 MB
#: options whose values are file names
PATH_WORDS = ("output", "plot", "out", "save", "db", "export", "data")
#: commands that are too slow to fuzz with their real work: options that keep them short
QUICK = {"train": ["--epochs", "3"], "tour": [], "practice": ["--count", "1", "--no-save"],
         "vanishing": ["--depth", "3", "--width", "4"]}


def _options() -> dict[str, list[Any]]:
    """subcommand -> its argparse actions (built once per process)."""
    from bibun.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return {name: [a for a in p._actions if a.dest != "help"] for name, p in sub.choices.items()}


_OPTIONS: dict[str, list[Any]] = {}


def _value(rng: random.Random, action: Any) -> str:
    r = rng.random()
    words = " ".join(action.option_strings) + " " + action.dest
    if action.choices and r < 0.5:
        return str(rng.choice(list(action.choices)))
    if any(w in words for w in PATH_WORDS) and r < 0.8:
        return rng.choice(PATHS)
    if r < 0.15:
        return rng.choice(("9" * 5000, "x" * 120_000, "x+" * 3000 + "x", "(" * 500 + "x"))
    if action.dest in ("expr", "a", "b", "answer", "model") and r < 0.8:
        return text_input(rng)
    if r < 0.7:
        return rng.choice(HOSTILE)
    if r < 0.85:
        return str(rng.choice((0, 1, 2, 3, 7, 10, 100, 2000, 10**6, 2**31, -5)))
    return formula(rng, 2)


def command_line(rng: random.Random) -> list[str]:
    """A random bibun command line: a subcommand, some of its options with hostile
    values, its positionals; now and then a stray word or option."""
    if not _OPTIONS:
        _OPTIONS.update(_options())
    name = rng.choice(sorted(_OPTIONS))
    argv = [name]
    actions = _OPTIONS[name]
    for a in actions:
        if a.option_strings:
            if rng.random() < 0.3:
                flag = rng.choice(a.option_strings)
                argv += [flag] if a.nargs == 0 else [flag, _value(rng, a)]
        elif a.nargs != "?" or rng.random() < 0.8:
            argv.append(_value(rng, a))
    if rng.random() < 0.05:
        argv.insert(rng.randrange(len(argv) + 1), rng.choice(("--nosuch", "extra", "-h")))
    if rng.random() < 0.1:
        argv = ["--lang", rng.choice(("ja", "en", "de")), *argv]
    if name in QUICK and rng.random() < 0.9:
        argv += QUICK[name]
    return argv


def _scratch() -> Path:
    """A scratch directory with the input files the paths above name."""
    d = Path(tempfile.mkdtemp(prefix="bibun-fuzz-cli-"))
    for name, text in FILES.items():
        (d / name).write_text(text)
    (d / "dir").mkdir()
    return d


class Broken(Exception):
    """The command broke the promise; the message starts with what makes it one bug."""


_STUBBED = False


def _stub_serving() -> None:
    """``bibun serve`` with valid arguments would serve forever: in the worker the server
    and the browser are stubs (the checks before them run for real)."""
    global _STUBBED
    if _STUBBED:
        return
    import webbrowser

    import uvicorn

    uvicorn.run = lambda *a, **k: None
    webbrowser.open = lambda *a, **k: True  # serve --open calls it a second later
    home = _scratch()
    os.environ["HOME"] = str(home)
    os.environ["MPLBACKEND"] = "Agg"
    os.chdir(home)
    _STUBBED = True


def run_cli(text: str) -> int:
    """Run one command line (JSON list) and check the promise; raises :class:`Broken`."""
    from bibun.cli import main

    _stub_serving()
    argv = json.loads(text)
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    lines = err.getvalue().splitlines()
    what = f"CLI {argv[0] if argv else '-'}"
    if any("Traceback" in s for s in lines):
        raise Broken(f"{what} traceback: {lines[-1][:200]}")
    if any("Warning:" in s and not s.startswith("bibun: ") for s in lines):
        line = next(s for s in lines if "Warning:" in s)
        raise Broken(f"{what} Python warning: {line[:200]}")
    if any(len(s) > LONGEST for s in lines):
        raise Broken(f"{what} stderr line of {max(map(len, lines)):,} characters: "
                     f"{lines[0][:120]}")
    if code not in (0, 1, 2):
        raise Broken(f"{what} exit code {code}: {' | '.join(lines)[:200]}")
    if code == 2:
        errors = [s for s in lines if s.startswith("bibun: error: ")]
        if len(errors) != 1 or not lines[-1].startswith("bibun: error: "):
            raise Broken(f"{what} exit 2 without one error line last: "
                         f"{' | '.join(lines)[:200]}")
    return code
