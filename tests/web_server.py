"""One way to run the workbench and the browser for the Playwright tests.

``bibun serve`` as a subprocess on a free loopback port (the page and the API exactly as
a learner gets them), and Debian's ``/usr/bin/chromium`` launched by Playwright, which
never downloads a browser here.  Used by tests/test_web_e2e.py (whose fixtures the teach
test imports) and tests/test_web_practice_e2e.py (with its own progress database), so
the start-up and shut-down code exists once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """A loopback port nobody listens on (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env: dict[str, str] | None = None, workers: int = 2) -> Iterator[str]:
    """Run ``bibun serve`` until the generator is closed; yields its base URL once
    ``/api/health`` answers (the test fails, with the server's output, if it never does)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from bibun.cli import main; sys.exit(main("
                               f"['serve', '--port', '{port}', '--workers', '{workers}']))"],
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            proc.kill()
            pytest.fail(f"bibun serve did not start: {out}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def chromium() -> Iterator[object]:
    """Debian's Chromium under Playwright; a missing browser fails the test (never a skip,
    so a broken setup cannot pass unnoticed)."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: install Debian's chromium package "
                    "(apt-get install -y chromium; `make test` does this). Playwright must "
                    "not download its own browser.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()
