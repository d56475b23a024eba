"""The release artifacts work (issue 20, item 6): ``python -m build`` makes an sdist and a
wheel without a warning about the license metadata (PEP 639: ``license = "MIT"``), and the
wheel, installed into a *clean* virtual environment (not the development one, not the
system site-packages), answers ``bibun --version`` and ``bibun diff``.

This runs in ``make test`` on purpose and is never skipped: a package that only works from
the source tree is a bug users meet first.  It builds from a copy of the tree (so no
``build/`` or ``*.egg-info`` appears in the working tree) with ``--no-isolation`` (the
``build`` and ``setuptools`` of the test extra, pinned in constraints.txt), and the clean
environment gets the wheel with ``--no-deps`` plus only the two libraries the smoke commands
load — lark and NumPy — at the versions in constraints.txt (pip's cache makes this quick).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: what the smoke commands import besides bibun itself
SMOKE_DEPS = ("lark", "numpy")


def _run(*cmd: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          env=env)
    out = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out[-3000:]}"
    return out


def _pins(names: tuple[str, ...]) -> list[str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pins = [ln for ln in lines if ln.split("==")[0].lower() in names]
    assert len(pins) == len(names), f"constraints.txt pins {pins}, expected {names}"
    return pins


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    for tool in ("build", "setuptools"):
        try:
            version(tool)
        except Exception:  # noqa: BLE001 - the message is the point
            pytest.fail(f"{tool} is missing: install the test extra (make test does)")
    tmp = tmp_path_factory.mktemp("release")
    tree = tmp / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(ROOT / "src", tree / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    out = _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp / "dist", tree,
               cwd=tmp)
    (tmp / "build.log").write_text(out, encoding="utf-8")
    return tmp


def test_build_makes_an_sdist_and_a_wheel_without_license_warnings(dist):
    log = (dist / "build.log").read_text(encoding="utf-8")
    assert not re.search(r"(?i)deprecat|license.*warn|warn.*licen", log), log[-3000:]
    v = version("bibun")
    wheel = dist / "dist" / f"bibun-{v}-py3-none-any.whl"
    sdist = dist / "dist" / f"bibun-{v}.tar.gz"
    assert wheel.exists() and sdist.exists()
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(f"bibun-{v}.dist-info/METADATA").decode()
        scripts = zf.read(f"bibun-{v}.dist-info/entry_points.txt").decode()
    assert "License-Expression: MIT" in meta and "\nLicense: " not in meta
    assert "Classifier: License" not in meta
    assert "bibun = bibun.cli:main" in scripts
    # the package data every face reads at run time
    for data in ("bibun/grammar/expr.lark", "bibun/i18n/en.json", "bibun/i18n/ja.json",
                 "bibun/data/iris.npz", "bibun/web/static/index.html",
                 "bibun/explain/derivation.schema.json"):
        assert data in names, data
    with tarfile.open(sdist) as tf:
        members = {m.name for m in tf.getmembers()}
    assert f"bibun-{v}/pyproject.toml" in members
    assert f"bibun-{v}/src/bibun/grammar/expr.lark" in members


def test_the_wheel_works_in_a_clean_virtual_environment(dist):
    v = version("bibun")
    venv = dist / "clean"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=dist)
    py = venv / "bin" / "python"
    wheel = dist / "dist" / f"bibun-{v}-py3-none-any.whl"
    # the development environment's pip installs into the clean one (no ensurepip run)
    _run(sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-compile",
         "--no-deps", wheel, *_pins(SMOKE_DEPS), cwd=dist)
    env = {k: val for k, val in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(BIBUN_CACHE_DIR=str(dist / "cache"), BIBUN_LANG="en", PATH=str(venv / "bin"))
    where = _run(py, "-c", "import bibun, sys; print(bibun.__file__); print(sys.prefix)",
                 cwd=dist, env=env).split()
    assert where[0].startswith(str(venv)) and where[1] == str(venv), where
    bibun = venv / "bin" / "bibun"
    assert _run(bibun, "--version", cwd=dist, env=env).strip() == f"bibun {v}"
    assert _run(bibun, "diff", "x^2", cwd=dist, env=env).strip() == "d/dx [x^2] = 2x"
    at = _run(bibun, "diff", "sin(x)", "--at", "x=0", cwd=dist, env=env)
    assert "cos(x)" in at and "1" in at.splitlines()[-1]
    bad = subprocess.run([str(bibun), "diff", "(x", "--lang", "ja"], cwd=dist, env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("bibun: ") and "(" in bad.stderr and "1" in bad.stderr
