"""Progress in a local SQLite database: attempts, hints, mistakes, per-topic mastery.

Where: ``--db PATH``, else ``$BIBUN_DB``, else ``$XDG_DATA_HOME/bibun/progress.sqlite3``
(``~/.local/share/bibun/progress.sqlite3`` when XDG_DATA_HOME is unset; on Windows
``%APPDATA%\\bibun\\progress.sqlite3``).  Only the default location's directory is created;
a directory named explicitly must exist (a typo should not silently start a new history).

Why SQLite and these settings: one file, in the standard library, safe with several
writers at once (the CLI and the web page).  The journal is WAL (readers never block the
writer), every write is one ``BEGIN IMMEDIATE`` transaction (a writer waits for the
other, up to :data:`BUSY_TIMEOUT_MS`, instead of failing), so a process killed mid-write
loses at most the attempt it was writing, never one already committed.

Schema versions: the ``schema_version`` table holds one number; :data:`MIGRATIONS`
brings an older file up to date, each step in its own transaction.  A file that is not
a database, is damaged, was written by a newer bibun or is some other program's database
is refused with a clear error and never written to.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bibun import i18n

BUSY_TIMEOUT_MS = 10_000
FILE_NAME = "progress.sqlite3"

#: migrations[i] takes a file from version i to i + 1
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            started REAL NOT NULL,          -- Unix time the problem was shown
            seconds REAL NOT NULL,          -- time until solved or given up
            topic TEXT NOT NULL,
            level INTEGER NOT NULL,
            problem TEXT NOT NULL,          -- Problem.key: topic/level/var/formula
            outcome TEXT NOT NULL CHECK (outcome IN ('solved', 'skipped')),
            tries INTEGER NOT NULL,         -- answers given, the right one included
            hints INTEGER NOT NULL,         -- rungs of the hint ladder shown
            lang TEXT NOT NULL
        )""",
        """CREATE TABLE mistakes (
            attempt INTEGER NOT NULL REFERENCES attempts(id),
            piece TEXT NOT NULL,            -- u, dy/du, answer, ...
            code TEXT NOT NULL              -- the diagnosis code
        )""",
        "CREATE INDEX attempts_topic ON attempts(topic, id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_path() -> Path:
    """The documented per-user location (``$BIBUN_DB`` wins over it)."""
    env = os.environ.get("BIBUN_DB")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":  # pragma: no cover - documented, not run here
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "bibun" / FILE_NAME


@dataclass(frozen=True)
class Attempt:
    """One problem worked on, as it is recorded."""

    topic: str
    level: int
    problem: str
    outcome: str  # "solved" or "skipped"
    tries: int
    hints: int
    seconds: float
    lang: str
    mistakes: tuple[tuple[str, str], ...] = ()  # (piece, code)
    started: float = 0.0


class Progress:
    """An open progress database.  Use :meth:`open`; close with :meth:`close` (or
    ``with``)."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn

    # -- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Progress:
        """Open (creating if absent) the database at ``path`` (None: :func:`default_path`).

        Raises BibunError when the directory is missing or not writable, or the file is
        not a bibun progress database of this or an older version."""
        explicit = path is not None or bool(os.environ.get("BIBUN_DB"))
        p = Path(path).expanduser() if path is not None else default_path()
        if p.is_dir():
            raise i18n.error("practice.db.is_directory", path=str(p))
        if not p.parent.is_dir():
            if explicit:
                raise i18n.error("practice.db.no_directory", path=str(p), dir=str(p.parent))
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise i18n.error("practice.db.cannot_open", path=str(p),
                                 reason=exc.strerror or str(exc)) from None
        exists = p.exists() and p.stat().st_size > 0
        if exists and not os.access(p, os.R_OK | os.W_OK):
            raise i18n.error("practice.db.cannot_open", path=str(p),
                             reason=i18n.text("practice.db.not_writable", None))
        if not exists and not os.access(p.parent, os.W_OK | os.X_OK):
            raise i18n.error("practice.db.cannot_open", path=str(p),
                             reason=i18n.text("practice.db.not_writable", None))
        if exists:
            _refuse_if_not_sqlite(p)
        try:
            conn = sqlite3.connect(p, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise i18n.error("practice.db.cannot_open", path=str(p), reason=str(exc)) from None
        self = cls(p, conn)
        try:
            self._prepare(exists)
        except BaseException:
            conn.close()
            raise
        return self

    def _prepare(self, exists: bool) -> None:
        c = self.conn
        try:
            c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if exists:
                version = self._version(tables)
                if c.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise i18n.error("practice.db.corrupt", path=str(self.path))
            else:
                version = 0
            c.execute("PRAGMA journal_mode = WAL")
            c.execute("PRAGMA synchronous = NORMAL")
            c.execute("PRAGMA foreign_keys = ON")
            self._migrate(version)
        except sqlite3.DatabaseError as exc:
            raise i18n.error("practice.db.corrupt_reason", path=str(self.path),
                             reason=str(exc)) from None

    def _version(self, tables: set[str]) -> int:
        if not tables:
            return 0
        if "schema_version" not in tables:
            raise i18n.error("practice.db.foreign", path=str(self.path))
        row = self.conn.execute("SELECT version FROM schema_version").fetchone()
        if row is None or not isinstance(row[0], int):
            raise i18n.error("practice.db.corrupt", path=str(self.path))
        if row[0] > SCHEMA_VERSION:
            raise i18n.error("practice.db.newer", path=str(self.path), version=row[0],
                             supported=SCHEMA_VERSION)
        return row[0]

    def _migrate(self, version: int) -> None:
        """Bring the file from ``version`` to :data:`SCHEMA_VERSION`, one step per
        transaction (another process may be migrating too: re-read inside it)."""
        while version < SCHEMA_VERSION:
            with self.transaction() as c:
                tables = {r[0] for r in c.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'")}
                now = self._version(tables) if tables else 0
                if now != version:  # someone else got there first
                    version = now
                    continue
                for sql in MIGRATIONS[version]:
                    c.execute(sql)
                if version == 0:
                    c.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                    c.execute("INSERT INTO schema_version VALUES (1)")
                else:
                    c.execute("UPDATE schema_version SET version = ?", (version + 1,))
                version += 1

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything in the block is committed, or nothing."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- writing and reading ----------------------------------------------------------------
    def record(self, a: Attempt) -> int:
        """Store one attempt with its mistakes, atomically; returns its id."""
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO attempts (started, seconds, topic, level, problem, outcome,"
                " tries, hints, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a.started or time.time(), a.seconds, a.topic, a.level, a.problem, a.outcome,
                 a.tries, a.hints, a.lang))
            rid = int(cur.lastrowid or 0)
            c.executemany("INSERT INTO mistakes (attempt, piece, code) VALUES (?, ?, ?)",
                          [(rid, piece, code) for piece, code in a.mistakes])
        return rid

    def attempts(self) -> list[Attempt]:
        """Every attempt, oldest first."""
        mistakes: dict[int, list[tuple[str, str]]] = {}
        for aid, piece, code in self.conn.execute(
                "SELECT attempt, piece, code FROM mistakes ORDER BY rowid"):
            mistakes.setdefault(aid, []).append((piece, code))
        return [Attempt(t, lv, pr, o, tr, h, s, lg, tuple(mistakes.get(i, ())), st)
                for i, st, s, t, lv, pr, o, tr, h, lg in self.conn.execute(
                    "SELECT id, started, seconds, topic, level, problem, outcome, tries,"
                    " hints, lang FROM attempts ORDER BY id")]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM attempts").fetchone()[0])

    def export_csv(self, out: IO[str]) -> int:
        """All attempts as CSV (one row each, mistakes as ``piece:code;…``); returns the
        number of rows."""
        w = csv.writer(out, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        rows = 0
        for a in self.attempts():
            w.writerow([time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(a.started)),
                        a.topic, a.level, a.problem, a.outcome, a.tries, a.hints,
                        f"{a.seconds:.1f}", a.lang,
                        ";".join(f"{p}:{c}" for p, c in a.mistakes)])
            rows += 1
        return rows


CSV_COLUMNS = ("started", "topic", "level", "problem", "outcome", "tries", "hints", "seconds",
               "lang", "mistakes")
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _refuse_if_not_sqlite(p: Path) -> None:
    """Look at the header before SQLite does anything with the file: a file that is not
    a database is refused here, never touched."""
    with open(p, "rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if head != _SQLITE_MAGIC:
        raise i18n.error("practice.db.not_database", path=str(p))


class NoProgress:
    """Progress that is not saved (``--no-save``): the same interface, remembering the
    session only, so the session code has one path."""

    path = None

    def __init__(self) -> None:
        self._attempts: list[Attempt] = []

    def record(self, a: Attempt) -> int:
        self._attempts.append(a)
        return len(self._attempts)

    def attempts(self) -> list[Attempt]:
        return list(self._attempts)

    def count(self) -> int:
        return len(self._attempts)

    def close(self) -> None:
        pass


def open_progress(path: str | None = None, save: bool = True) -> Progress | NoProgress:
    """The database the faces use: :meth:`Progress.open`, or :class:`NoProgress` when
    the user asked for no persistence."""
    return Progress.open(path) if save else NoProgress()


__all__ = ["CSV_COLUMNS", "SCHEMA_VERSION", "Attempt", "NoProgress", "Progress",
           "default_path", "open_progress"]
