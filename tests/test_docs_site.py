"""The documentation site builds offline with ``mkdocs build --strict`` (issue 20, item 5):
a broken link, a missing page in the nav or an API reference that does not resolve fails
the build, so it fails this test.  The built pages are then checked for what the site is
for: the API reference generated from docstrings, every course notebook rendered in both
languages, the accelerator guide.  (``make docs`` serves the same site locally.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs", reason="install the test extra (it includes bibun[docs])")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_the_site_builds_strictly_with_the_api_reference_from_docstrings(site):
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "bibun.symbolic" in api and "gradient" in api
    guide = (site / "accelerators" / "index.html").read_text(encoding="utf-8")
    assert "Compile an expression (or a list of them)" in guide  # compile's own docstring
    assert "from_array" in guide and "jax.jit" in guide


def test_every_course_notebook_is_rendered_in_both_languages(site):
    stems = sorted(p.stem for p in (ROOT / "notebooks" / "en").glob("*.ipynb"))
    assert len(stems) >= 14
    for lang in ("en", "ja"):
        for stem in stems:
            page = site / "course" / lang / stem / "index.html"
            assert page.is_file(), page
    ja = (site / "course" / "ja" / stems[0] / "index.html").read_text(encoding="utf-8")
    assert re.search(r"[\u3040-\u30ff]", ja)  # the Japanese lesson's own text
