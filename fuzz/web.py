"""The web mode: schemathesis against a real ``bibun serve`` and its OpenAPI schema.

``python -m fuzz --mode web --seconds N`` starts ``bibun serve`` on a free loopback port
(two workers, HOME in a scratch directory so the practice endpoints never write the
user's progress file), waits for ``/api/health``, and runs ``schemathesis run`` with every
check (no 5xx, status codes, content types and bodies as the schema says, schema-invalid
requests refused, unsupported methods refused) for ``N`` seconds with ``--seed``, with
:mod:`fuzz.web_checks`' configuration (422 is an expected answer to a schema-valid body
only where the body carries meaning the schema cannot express, and then only with a
kind that names that meaning, never ``validation``).  The failures schemathesis reports
are printed, grouped by check and operation; the server is stopped afterwards.  Web
findings are not written to the corpus (they replay as schemathesis reproductions: the
log keeps the curl command of each).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from fuzz import web_checks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def run_web(args: argparse.Namespace, seed: int) -> int:
    """Serve, fuzz for ``args.seconds``, stop; prints the failures and a summary."""
    work = Path(tempfile.mkdtemp(prefix="bibun-fuzz-web-"))
    port = _free_port()
    env = {**os.environ, "HOME": str(work)}
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from bibun.cli import main; sys.exit(main())",
         "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=(work / "server.log").open("w"), env=env, cwd=work)
    log = work / "schemathesis.log"
    try:
        base = f"http://127.0.0.1:{port}"
        if not _wait(base + "/api/health", 120):
            print(f"the server did not start (log: {work / 'server.log'})")
            return 2
        st = Path(sys.executable).with_name("schemathesis")
        (work / "schemathesis.toml").write_text(web_checks.config())
        env["SCHEMATHESIS_HOOKS"] = web_checks.__file__
        cmd = [str(st), "--config-file", str(work / "schemathesis.toml"), "run",
               base + "/openapi.json", "--checks", "all",
               "--max-time", str(int(args.seconds)), "--seed", str(seed), "--workers", "1",
               "--request-timeout", str(max(30, int(args.budget))), "--no-color",
               "--report", "ndjson", "--report-dir", str(work)]
        start = time.monotonic()
        with log.open("w") as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                  check=False, cwd=work)  # its .schemathesis cache too
        elapsed = time.monotonic() - start
        alive = server.poll() is None and _wait(base + "/api/health", 30)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    text = log.read_text(errors="replace")
    failures: dict[str, list[str]] = {}  # check -> operations that failed it
    operation = ""
    for line in text.split("= FAILURES =", 1)[-1].splitlines():
        head = re.match(r"^_+ (\w+ \S+) _+$", line)
        if head:
            operation = head[1]
        check = re.match(r"^- (\S.*)$", line)  # ST202 …, or a custom check's name
        if check and operation not in failures.setdefault(check[1], []):
            failures[check[1]].append(operation)
    for check, operations in sorted(failures.items()):
        print(f"web: {check}: {', '.join(operations)}")
    for warning in re.findall(r"^\s*⚠️\s*(.+)$", text, flags=re.M):
        print(f"web: schemathesis warns (not a failure): {warning.strip()}")
    cases = sum(int(n) for n in re.findall(r"(\d+) generated", text))
    summary = [line for line in text.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    print(f"web mode, seed {seed}: schemathesis ran {elapsed:.0f} s, exit {done.returncode}; "
          f"{summary[-1].strip() if summary else 'no summary'}; {cases} test cases; "
          f"server {'still answering' if alive else 'NOT answering'} afterwards (log: {log})")
    return 0 if done.returncode == 0 and alive else 1
