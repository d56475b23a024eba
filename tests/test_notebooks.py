"""The course notebooks: built from their sources, stored without outputs, the same lesson in
English and Japanese, and every one of them runs from top to bottom.

Running: one Jupyter kernel per test worker executes the notebooks one after another, its
namespace cleared (``%reset -f``) before each, so a notebook that forgets an import still
fails.  Starting a kernel and importing NumPy, matplotlib and bibun cost a few seconds, which
nbmake (``pytest --nbmake notebooks``: one fresh kernel per notebook) pays 28 times; here
it is paid once per worker and ``make test`` stays within its budget.  nbmake itself runs
one lesson in each language (:func:`test_nbmake_runs_a_lesson_in_each_language`), so the
notebooks are proven to run the way the issue asks, in a fresh kernel each.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
_spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOKS / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

TARGETS = build.targets()
ALL = sorted(out for _, _, out in TARGETS)
#: seconds one cell may take (the slowest trains a small network for a few epochs)
CELL_TIMEOUT = 120


def test_there_is_a_notebook_per_lesson_in_both_languages():
    sources = sorted(build.SOURCE.glob("*.txt"))
    assert len(sources) >= 14
    for lang in build.LANGS:
        assert sorted(p.stem for p in (NOTEBOOKS / lang).glob("*.ipynb")) == \
            [s.stem for s in sources]


@pytest.mark.parametrize("src,lang,out", TARGETS, ids=lambda v: getattr(v, "name", v))
def test_stored_notebook_is_what_build_py_makes_of_its_source(src, lang, out):
    assert out.read_text(encoding="utf-8") == build.rendered(src, lang), \
        "run: python notebooks/build.py"


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), 4))


def test_english_and_japanese_notebooks_have_the_same_cells():
    for stem in sorted({out.stem for out in ALL}):
        en = nbformat.read(NOTEBOOKS / "en" / f"{stem}.ipynb", 4).cells
        ja = nbformat.read(NOTEBOOKS / "ja" / f"{stem}.ipynb", 4).cells
        assert [c.cell_type for c in en] == [c.cell_type for c in ja], stem
        for a, b in zip(en, ja):
            if a.cell_type == "code":  # same statements; only comments may be translated
                strip = re.compile(r"#.*$", re.M)
                assert strip.sub("", a.source).replace('"en"', '"ja"').split() == \
                    strip.sub("", b.source).split(), (stem, a.id)


def test_japanese_text_is_japanese_polite_form_with_log():
    for path in sorted((NOTEBOOKS / "ja").glob("*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type != "markdown":
                continue
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", cell.source), (path.name, cell.id)
            assert not re.search(r"\bln\b", cell.source), (path.name, cell.id)
            prose = [s for s in re.split(r"(?<=。)", re.sub(r"\$\$.*?\$\$", "", cell.source,
                                                            flags=re.S)) if s.endswith("。")]
            plain = [s for s in prose if re.search(r"(だ|である)。$", s)]
            assert plain == [], (path.name, plain)


def test_each_notebook_has_exercises():
    for path in ALL:
        heads = [c.source for c in nbformat.read(path, 4).cells if c.cell_type == "markdown"]
        assert any(h.startswith(("## Exercises", "## 練習問題")) for h in heads), path.name


# -- running every notebook ----------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel():
    """One python3 kernel (this venv's ipykernel), started in the repository root."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT))
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def _run(kc, code: str) -> dict:
    errors: list[dict] = []

    def hook(msg: dict) -> None:
        if msg["msg_type"] == "error":
            errors.append(msg["content"])

    reply = kc.execute_interactive(code, timeout=CELL_TIMEOUT, output_hook=hook,
                                   store_history=False, allow_stdin=False)
    content = reply["content"]
    if content["status"] == "error" and not errors:
        errors.append(content)
    return errors[0] if errors else {}


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs_top_to_bottom(kernel, path):
    _run(kernel, "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt")
    nb = nbformat.read(path, 4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        err = _run(kernel, cell.source)
        if err:
            trace = "\n".join(err.get("traceback", []))
            trace = re.sub(r"\x1b\[[0-9;]*m", "", trace)
            pytest.fail(f"{path.parent.name}/{path.name}, cell {i}:\n{cell.source}\n\n{trace}")


def test_nbmake_runs_a_lesson_in_each_language():
    """``pytest --nbmake`` on one English and one Japanese notebook (the shortest lesson:
    a fresh kernel each costs a few seconds, so the other 26 run in the shared kernel
    above).  nbmake fails a notebook on any cell's error."""
    pytest.importorskip("nbmake")
    lesson = "05_exponentials_and_log.ipynb"
    paths = [str(NOTEBOOKS / lang / lesson) for lang in ("en", "ja")]
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "--nbmake", f"--nbmake-timeout={CELL_TIMEOUT}", *paths],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout[-2000:]
