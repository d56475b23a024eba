"""One bibun explorer driven in a real JupyterLab, to prove the widget wiring end to end.

The explorers' mathematics is tested without a browser (tests/test_widgets_logic.py); what
only a browser can show is that the pieces meet: JupyterLab (from PyPI) loads the
ipywidgets extension, the venv's ipykernel runs a notebook that imports
:func:`bibun.notebook.widgets.gain_explorer`, the slider renders, a key press on it
reaches the kernel, and the kernel's redraw (the sentence and the PNG figure) comes back
to the page.  The expected sentence is computed here with the plain logic function
:func:`bibun.notebook.logic.gain_view`, never written out by hand.

`jupyter lab` runs as a subprocess on a free loopback port with a fixed token, a
temporary root and temporary JUPYTER_CONFIG_DIR / JUPYTER_DATA_DIR / JUPYTER_RUNTIME_DIR /
IPYTHONDIR (nothing is written to ~/.jupyter; the lab extensions are still found in the
venv's share/jupyter).  Chromium is Debian's /usr/bin/chromium, as in
tests/test_web_e2e.py: Playwright never downloads a browser, and a missing one fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nbformat
import pytest

from bibun.notebook.logic import gain_view
from tests.web_server import chromium

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TOKEN = "bibun-test-token"
#: what the notebook starts with; the slider's step is the explorer's (0.25)
KIND, GAIN, STEP = "sigmoid", 1.0, 0.25
CELL = ("from bibun.notebook.widgets import gain_explorer\n"
        f"gain_explorer({KIND!r}, gain={GAIN!r}, lang='en')")
#: server extensions and lab extensions the test does not need (faster start, fewer moving
#: parts): the wiring under test is ipywidgets' own extension
SERVER_CONFIG = {"ServerApp": {"jpserver_extensions": {
    "jupyter_lsp": False, "jupyter_server_terminals": False, "jupyterlab_jupytext": False}}}
PAGE_CONFIG = {"disabledExtensions": {"jupyterlab-jupytext": True, "jupyterlab-plotly": True},
               "buildCheck": False, "buildAvailable": False}  # no rebuild check on load
#: JupyterLab 4 asks in a toast whether to fetch Jupyter news: answer "no" beforehand
NEWS_SETTINGS = ("lab/user-settings/@jupyterlab/apputils-extension/"
                 "notification.jupyterlab-settings")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter_env(tmp: Path) -> dict[str, str]:
    """The server's environment: every Jupyter/IPython directory under ``tmp``."""
    dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
            "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython"}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("JUPYTER") and k != "MPLBACKEND"}
    for var, name in dirs.items():
        (tmp / name).mkdir()
        env[var] = str(tmp / name)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(tmp / "config" / "lab" / "user-settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp / "config" / "lab" / "workspaces")
    env["PYTHONUNBUFFERED"] = "1"
    config = tmp / "config"
    (config / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
    (config / "labconfig").mkdir()
    (config / "labconfig" / "page_config.json").write_text(json.dumps(PAGE_CONFIG))
    news = config / NEWS_SETTINGS
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false"}))
    return env


def _write_notebook(root: Path) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, root / "gain.ipynb")
    return "gain.ipynb"


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM lets the server shut its kernel down; if it hangs, kill its process group
    (the server and the kernel it started, nothing else)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "root"
    root.mkdir()
    env = _jupyter_env(tmp)
    notebook = _write_notebook(root)
    port = _free_port()
    log_path = tmp / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}"],
            env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    server = {"url": url, "notebook": notebook, "log": log_path, "proc": proc}
    try:
        deadline = time.monotonic() + 120  # generous: two cores shared with other tests
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/status", params={"token": TOKEN},
                             timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not start:\n{_tail(log_path)}")
            time.sleep(0.25)
        yield server
    finally:
        _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def _tail(path: Path, n: int = 4000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else ""


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def _wait_for_kernel(lab: dict, timeout: float = 120) -> None:
    """Until the notebook's kernel is started, connected to the page and idle, so that
    "Run All Cells" is not sent to a kernel that is still coming up."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            sessions = httpx.get(f"{lab['url']}/api/sessions", params={"token": TOKEN},
                                 timeout=2).json()
            kernels = [s["kernel"] for s in sessions if s["path"] == lab["notebook"]]
            if kernels and kernels[0]["execution_state"] == "idle" \
                    and kernels[0]["connections"] > 0:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"the notebook's kernel never became idle:\n{_tail(lab['log'])}")
        time.sleep(0.25)


def test_gain_slider_in_jupyterlab_redraws_what_the_logic_computes(lab, browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = ctx.new_page()
    page.set_default_timeout(90_000)  # generous waits on selectors, never a time limit
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((lab["url"], "data:", "blob:")) else None)
    try:
        page.goto(f"{lab['url']}/lab/tree/{lab['notebook']}?reset&token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        _wait_for_kernel(lab)
        page.wait_for_selector("#jp-main-statusbar >> text=Idle")
        page.click("li.lm-MenuBar-item:has-text('Run')")
        page.click("li.lm-Menu-item[data-command='runmenu:run-all']")

        # the explorer rendered: its slider at the initial gain, the sentence, the figure
        handle = page.locator(".widget-slider .noUi-handle")
        handle.wait_for()
        readout = page.locator(".widget-slider .widget-readout")
        assert readout.text_content() == f"{GAIN:.2f}"
        sentence = page.locator(".widget-html-content")
        before = gain_view(KIND, GAIN).summary("en")
        page.wait_for_function("t => document.querySelector('.widget-html-content')"
                               "?.textContent === t", arg=before)
        figure = page.locator(".widget-output img")
        figure.wait_for()  # a PNG, not the text "<Figure size 640x400 with 1 Axes>"
        first_png = figure.get_attribute("src") or ""
        assert first_png.startswith("data:image/png;base64,")

        # one key press on the slider: the kernel redraws for gain + step
        handle.focus()
        handle.press("ArrowRight")
        new_gain = GAIN + STEP
        page.wait_for_function("r => document.querySelector('.widget-slider .widget-readout')"
                               ".textContent === r", arg=f"{new_gain:.2f}")
        after = gain_view(KIND, new_gain).summary("en")
        assert after != before
        assert re.search(r"a/4 = 0\.3125\b", after)  # 1.25 / 4: the logic, read by eye
        page.wait_for_function("t => document.querySelector('.widget-html-content')"
                               "?.textContent === t", arg=after)
        page.wait_for_function(
            "src => { const img = document.querySelector('.widget-output img');"
            " return img !== null && img.src.startsWith('data:image/png') && img.src !== src; }",
            arg=first_png)
        assert sentence.text_content() == after
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".jp-Cell").first.screenshot(
            path=str(ARTIFACTS / "jupyterlab-gain-explorer.png"))
    except Exception as exc:
        with contextlib.suppress(Exception):
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-failure.png"))
        raise AssertionError(f"{exc}\n--- jupyter lab log ---\n{_tail(lab['log'])}") from exc
    finally:
        ctx.close()
    assert not outside, f"requests outside the Jupyter server: {outside}"
