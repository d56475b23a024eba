"""`bibun practice` through a pipe, its errors, --stats and --export; `bibun worksheet`
as Markdown, LaTeX and a PDF rendered to PNG and looked at."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bibun  # noqa: F401
from bibun.cli import main
from bibun.practice.session import Session
from bibun.practice.store import NoProgress

BIBUN = [sys.executable, "-c", "import sys; from bibun.cli import main; sys.exit(main())"]


def _pipe(*args: str, stdin: str = "", env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess:
    """A real ``bibun`` process with stdin from a pipe."""
    e = {**os.environ, "BIBUN_LANG": "en", **(env or {})}
    return subprocess.run([*BIBUN, *args], input=stdin, capture_output=True, text=True,
                          env=e, timeout=300)


@pytest.fixture
def run(monkeypatch, capsys):
    """The command line in this process (fast): stdin from a string, env as given."""
    def go(*args: str, stdin: str = "", env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess:
        monkeypatch.setenv("BIBUN_LANG", "en")
        monkeypatch.delenv("BIBUN_DB", raising=False)
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)
    return go


def _first_problem(topic: str, level: int, seed: int):
    s = Session(NoProgress(), "en", topic, level, seed)
    s.start()
    return s.current.problem


def test_a_session_through_a_pipe_hints_checks_solves_and_records(tmp_path, run):
    db = tmp_path / "p.sqlite3"
    p = _first_problem("chain", 2, 7)
    answer = str(p.derivative)
    r = _pipe("practice", "--topic", "chain", "--level", "2", "--seed", "7", "--db", str(db),
             stdin=f"hint\nhint\n{p.derivation.root.names[0][1]}\nx^2\n{answer}\nquit\n")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert p.statement("en") in out
    assert "Hint 1/5: Rule: Chain rule" in out and "Hint 2/5: Put the inside as u" in out
    assert "✗ answer = x^2" in out and "Correct!" in out
    assert "Problem 2 (chain rule, level 2):" in out
    assert "Done: 1 problems, 1 solved, 2 hints used." in out
    stats = run("practice", "--stats", "--db", str(db))
    chain_row = next(line for line in stats.stdout.splitlines() if line.startswith("chain rule"))
    assert chain_row.split()[-5:] == ["1", "1", "0.10", "0", "later"]


def test_japanese_commands_and_output(tmp_path, run):
    r = run("practice", "--topic", "value", "--seed", "1", "--no-save", "--lang", "ja",
             stdin="ヒント\nスキップ\n終了\n")
    assert r.returncode == 0, r.stderr
    assert "問題1（微分係数の値・レベル1）" in r.stdout
    assert "ヒント1/4：使う公式" in r.stdout and "スキップしました。答え：" in r.stdout
    assert "おつかれさまでした：1 問、正解 0 問、ヒント 1 回。" in r.stdout


def test_bibun_lang_is_honoured(tmp_path, run):
    r = run("practice", "--topic", "sum", "--no-save", stdin="quit\n",
             env={"BIBUN_LANG": "ja"})
    assert "和の微分" in r.stdout


def test_an_unknown_topic_is_one_line_listing_the_topics(run):
    r = run("practice", "--topic", "integral", "--no-save")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "power, sum, chain, product" in r.stderr


def test_a_missing_database_directory_is_an_error_unless_no_save(tmp_path, run):
    r = run("practice", "--topic", "sum", "--db", str(tmp_path / "no" / "p.db"), stdin="quit\n")
    assert r.returncode == 2 and "does not exist" in r.stderr and "--no-save" in r.stderr
    assert r.stderr.count("\n") == 1


def test_a_corrupt_database_is_refused_and_not_overwritten(tmp_path, run):
    db = tmp_path / "p.sqlite3"
    db.write_bytes(b"\x00garbage" * 50)
    r = run("practice", "--stats", "--db", str(db))
    assert r.returncode == 2 and "not an SQLite database" in r.stderr
    assert db.read_bytes() == b"\x00garbage" * 50
    r = run("practice", "--stats", "--db", str(db), "--lang", "ja")
    assert "SQLite データベースではありません" in r.stderr


def test_bibun_db_environment_variable_and_csv_export(tmp_path, run):
    db = tmp_path / "env.sqlite3"
    r = run("practice", "--topic", "power", "--count", "1", stdin="skip\n",
             env={"BIBUN_DB": str(db)})
    assert r.returncode == 0 and db.exists()
    out = tmp_path / "a.csv"
    r = run("practice", "--export", str(out), env={"BIBUN_DB": str(db)})
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["topic"] == "power" and rows[0]["outcome"] == "skipped"


def test_stats_figure(tmp_path, run):
    png = tmp_path / "m.png"
    r = run("practice", "--stats", "--no-save", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_worksheet_markdown_and_latex(tmp_path, run):
    md, tex = tmp_path / "s.md", tmp_path / "s.tex"
    assert run("worksheet", "--topic", "chain", "--count", "5", "--seed", "7", "-o", str(md)
                ).returncode == 0
    text = md.read_text(encoding="utf-8")
    assert text.count("\n1. ") == 2 and "## Answer key with worked steps" in text
    assert "$u = " in text  # worked steps with the substitution
    r = run("worksheet", "--topic", "chain", "--count", "5", "--seed", "7", "--lang", "ja",
             "-o", str(tex))
    assert r.returncode == 0, r.stderr
    src = tex.read_text(encoding="utf-8")
    assert src.startswith(r"\documentclass") and r"\end{document}" in src
    assert "手順1" in src and r"\frac{dy}{du}" in src
    again = run("worksheet", "--topic", "chain", "--count", "5", "--seed", "7", "--lang", "ja")
    assert again.stdout.count("\n1. ") == 2  # Markdown on stdout; the same problems
    r = run("worksheet", "--topic", "chain", "-o", str(tmp_path / "s.docx"))
    assert r.returncode == 2 and ".md, .tex, .pdf" in r.stderr


def test_worksheet_pdf_renders_to_a_page_with_text(tmp_path, run):
    pdfium = pytest.importorskip("pypdfium2")
    import numpy as np

    pdf = tmp_path / "sheet.pdf"
    r = run("worksheet", "--topic", "chain", "--count", "8", "--seed", "7", "--lang", "ja",
             "-o", str(pdf))
    assert r.returncode == 0, r.stderr
    doc = pdfium.PdfDocument(str(pdf))
    assert len(doc) >= 2  # problems, then the answer key on its own pages
    out = Path(os.environ.get("BIBUN_ARTIFACTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    img = doc[0].render(scale=1).to_pil()
    img.save(out / "worksheet-page1.png")
    a = np.asarray(img.convert("L"))
    ink = a < 128
    assert 0.002 < ink.mean() < 0.2  # text, neither blank nor black
    rows = np.flatnonzero(ink.any(axis=1))
    assert rows.size and rows[0] < a.shape[0] * 0.15  # the title is at the top
