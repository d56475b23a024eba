"""``bibun --version`` and ``bibun.__version__`` (issue 20, item 6): one source, the installed
distribution's metadata (pyproject.toml), and read only when asked, so start-up is unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version

import pytest

import bibun
from bibun.cli import main


def test_version_prints_the_installed_distributions_version_and_exits_0(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    out = capsys.readouterr()
    assert out.out == f"bibun {version('bibun')}\n" and out.err == ""


def test_the_package_version_is_the_metadata_version():
    assert bibun.__version__ == version("bibun")
    assert bibun.__version__[0].isdigit()


def test_version_is_listed_in_help_in_the_chosen_language(capsys, monkeypatch):
    for lang, words in (("en", "print the version"), ("ja", "バージョン")):
        monkeypatch.setattr(sys, "argv", ["bibun", "--help", "--lang", lang])
        with pytest.raises(SystemExit):
            main(["--help", "--lang", lang])
        help_text = capsys.readouterr().out
        assert "--version" in help_text and words in help_text


PROBE = """
import sys
from bibun.cli import main
main(["diff", "x^2"])
import bibun
print("LOADED" if "importlib.metadata" in sys.modules else "NOT LOADED")
"""


def test_start_up_does_not_read_the_metadata(tmp_path):
    env = {**os.environ, "BIBUN_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.splitlines()[-1] == "NOT LOADED"


def test_the_console_script_answers_version(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "bibun")
    done = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout.strip() == f"bibun {version('bibun')}"
