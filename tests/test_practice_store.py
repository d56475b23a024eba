"""The progress database: versioned schema, concurrent writers, crashes, refused files;
and the spaced-repetition rule that reads it."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bibun.errors import BibunError
from bibun.practice.schedule import next_topic, states
from bibun.practice.store import SCHEMA_VERSION, Attempt, Progress, default_path

WRITER = """
import sys
from bibun.practice.store import Attempt, Progress
db = Progress.open(sys.argv[1])
for i in range(int(sys.argv[2])):
    rid = db.record(Attempt("chain", 1, f"{sys.argv[3]}-{i}", "solved", 1, 0, 1.0, "en",
                            (("answer", "sign_error"),)))
    print(rid, flush=True)
"""


def _attempt(topic: str = "chain", outcome: str = "solved", hints: int = 0, tries: int = 1
             ) -> Attempt:
    return Attempt(topic, 1, f"{topic}/1/x/x", outcome, tries, hints, 2.0, "en")


def _writer(db: Path, n: int, tag: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(n), tag],
                            stdout=subprocess.PIPE, text=True)


def test_a_new_file_gets_the_current_schema_version_and_wal(tmp_path):
    db = tmp_path / "p.sqlite3"
    with Progress.open(db) as p:
        rid = p.record(Attempt("sum", 2, "k", "skipped", 0, 3, 4.5, "ja", (("answer", "none"),)))
        assert p.attempts()[0].mistakes == (("answer", "none"),) and rid == 1
    c = sqlite3.connect(db)
    assert c.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)
    assert c.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    c.close()


def test_two_writers_at_once_lose_nothing(tmp_path):
    db = tmp_path / "p.sqlite3"
    procs = [_writer(db, 60, "a"), _writer(db, 60, "b")]
    ids = [line for pr in procs for line in pr.communicate()[0].split()]
    assert all(pr.returncode == 0 for pr in procs)
    with Progress.open(db) as p:
        assert p.count() == 120 == len(set(ids))
        assert p.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert sum(1 for a in p.attempts() if a.mistakes) == 120


def test_a_writer_killed_mid_write_loses_nothing_it_committed(tmp_path):
    db = tmp_path / "p.sqlite3"
    pr = _writer(db, 100_000, "k")
    committed = [int(pr.stdout.readline()) for _ in range(40)]  # ids printed after COMMIT
    pr.send_signal(signal.SIGKILL)
    pr.wait()
    with Progress.open(db) as p:
        have = {r[0] for r in p.conn.execute("SELECT id FROM attempts")}
        assert set(committed) <= have
        assert p.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        p.record(_attempt())  # and the file is still usable


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "p.sqlite3"
    db.write_bytes(b"my notes, not a database\n" * 100)
    before = db.read_bytes()
    with pytest.raises(BibunError, match="not an SQLite database"):
        Progress.open(db)
    assert db.read_bytes() == before


def test_a_damaged_database_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "p.sqlite3"
    with Progress.open(db) as p:
        for _ in range(50):
            p.record(_attempt())
        p.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(db.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)  # the header page after the magic string
    db.write_bytes(bytes(raw))
    with pytest.raises(BibunError, match="damaged"):
        Progress.open(db)
    assert db.read_bytes() == bytes(raw)


def test_a_newer_or_foreign_database_is_refused(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    with Progress.open(newer) as p:
        p.conn.execute(f"UPDATE schema_version SET version = {SCHEMA_VERSION + 1}")
    before = newer.read_bytes()
    with pytest.raises(BibunError, match="newer than this bibun"):
        Progress.open(newer)
    assert newer.read_bytes() == before
    foreign = tmp_path / "other.sqlite3"
    c = sqlite3.connect(foreign)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(BibunError, match="not bibun's progress database"):
        Progress.open(foreign)


def test_a_missing_directory_says_so_and_suggests_no_save(tmp_path):
    with pytest.raises(BibunError, match="does not exist.*--no-save"):
        Progress.open(tmp_path / "nowhere" / "p.sqlite3")


def test_the_default_path_follows_bibun_db_then_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("BIBUN_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "bibun" / "progress.sqlite3"
    with Progress.open() as p:  # the default directory is created
        assert p.path == tmp_path / "bibun" / "progress.sqlite3"
    monkeypatch.setenv("BIBUN_DB", str(tmp_path / "mine.db"))
    assert default_path() == tmp_path / "mine.db"


def test_csv_export_has_one_row_per_attempt(tmp_path):
    import io

    with Progress.open(tmp_path / "p.db") as p:
        p.record(Attempt("chain", 2, "chain/2/x/(x^2 + 1)^4", "solved", 2, 1, 3.5, "ja",
                         (("dy/du", "exponent_not_lowered"),)))
        out = io.StringIO()
        assert p.export_csv(out) == 1
    head, row = out.getvalue().splitlines()
    assert head.startswith("started,topic,level,problem,outcome")
    assert row.split(",", 1)[1] == ("chain,2,chain/2/x/(x^2 + 1)^4,solved,2,1,3.5,ja,"
                                    "dy/du:exponent_not_lowered")


# -- the spaced-repetition rule -------------------------------------------------------------


def test_a_new_learner_starts_with_the_first_topic_the_seeds_teach():
    assert next_topic([]).topic == "power"


def test_the_weakest_due_topic_comes_next():
    h = [_attempt("power"), _attempt("sum")]
    assert next_topic(h).topic == "chain"  # never practised: mastery 0, due
    h = [_attempt(t) for t in ("power", "sum", "chain", "product", "quotient", "exp", "log",
                               "trig", "inverse_trig", "sigmoid", "relu", "partial")]
    h.append(_attempt("value", outcome="skipped"))
    h.append(_attempt("power"))
    # value was skipped (mastery 0, box 0, due after one other problem): it comes back
    assert next_topic(h).topic == "value"


def test_clean_solves_climb_boxes_and_a_skip_sends_a_topic_back():
    h = [_attempt("chain") for _ in range(3)]
    s = {x.topic: x for x in states(h)}["chain"]
    assert (s.box, s.mastery, s.due) == (3, pytest.approx(0.6), False)
    h.append(_attempt("chain", hints=2))
    assert {x.topic: x for x in states(h)}["chain"].box == 3  # hints: the box stays
    h.append(_attempt("chain", outcome="skipped"))
    s = {x.topic: x for x in states(h)}["chain"]
    assert s.box == 0 and s.level == 1


def test_levels_follow_the_box():
    h = [_attempt("power") for _ in range(4)]
    assert {x.topic: x for x in states(h)}["power"].level == 3
