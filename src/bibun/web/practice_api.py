"""The Practice tab's endpoints: problems, hints, step checking and progress.

The computations (generate, hint ladder, step checking) run in the worker pool as tasks
(:mod:`bibun.web.practice`); the progress database is opened here, in the server
process, one short connection per request in a thread: the same file and the same rule
as ``bibun practice`` (``$BIBUN_DB``, else the per-user default of
:func:`bibun.practice.store.default_path`; ``create_app(practice_db=…)`` overrides both),
WAL and one transaction per attempt, so the terminal and the page can write at once.
Database writes never go through the pool's result cache (a repeated request would be
answered from it and not recorded).

A database that cannot be opened (missing directory, not writable, damaged, newer) is a
``storage`` error (503) with the store's own message; with ``save: false`` the page asked
to go on without saving, and nothing is read or written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from secrets import randbelow
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Request
from pydantic import Field, StrictBool

from bibun import i18n
from bibun.errors import BibunError
from bibun.practice import LEVELS, TOPICS
from bibun.practice.schedule import next_topic, states
from bibun.practice.steps import CHAIN_PIECES, SPLIT_PIECES
from bibun.practice.store import Attempt, NoProgress, Progress, open_progress
from bibun.web import practice as _tasks  # noqa: F401  (registers the practice tasks)
from bibun.web.api import INTEGRAL, Int, Lang, Strict, run
from bibun.web.errors import POST_ERRORS, ErrorOut

Topic = Literal[TOPICS]  # type: ignore[valid-type]
Piece = Literal[tuple(dict.fromkeys(CHAIN_PIECES + SPLIT_PIECES))]  # type: ignore[valid-type]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1, description="the problem's seed"), INTEGRAL]
Level = Annotated[int, Field(ge=min(LEVELS), le=max(LEVELS)), INTEGRAL]
PieceText = Annotated[str, Field(max_length=2000)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")]
Mistake = Annotated[list[Piece | Code], Field(min_length=2, max_length=2)]


class NewProblemIn(Strict):
    topic: Topic | None = Field(None, description="none: the weakest due topic (spaced "
                                                  "repetition over the progress database)")
    level: Level | None = Field(None, description="none: the topic's level from its box")
    seed: Seed | None = Field(None, description="none: a fresh random seed")
    save: StrictBool = Field(True, description="false: do not read or write the database")
    lang: Lang = "en"


class ProblemRef(Strict):
    topic: Topic
    level: Level
    seed: Seed
    lang: Lang = "en"


class HintIn(ProblemRef):
    rung: Int = Field(..., ge=1, le=20, description="which rung of the ladder (1 = first)")


class Counters(ProblemRef):
    hints: Int = Field(0, ge=0, le=20, description="rungs of the hint ladder shown")
    tries: Int = Field(0, ge=0, le=10_000, description="final answers given so far")
    mistakes: Annotated[list[Mistake], Field(max_length=200)] = Field(
        default_factory=list, description="(piece, diagnosis code) pairs so far")
    seconds: float = Field(0.0, ge=0, le=1e7, allow_inf_nan=False,
                           description="time since the problem was shown")
    save: StrictBool = True


class CheckStepsIn(Counters):
    pieces: Annotated[dict[Piece, PieceText], Field(max_length=8)] = Field(
        ..., description="the learner's pieces: u, y, dy/du, du/dx, product, f, g, f', g',"
                         " answer")


class ProgressIn(Strict):
    save: StrictBool = True
    lang: Lang = "en"


#: the progress database may be unusable (a 503 with the store's message)
ERRORS = {**POST_ERRORS, 503: {"model": ErrorOut, "description": "the progress database cannot"
                                                              " be opened or written"}}
router = APIRouter(prefix="/api/practice", responses=ERRORS, tags=["practice"])


#: one database connection at a time in this process: the page sends its progress and
#: problem requests together, and two first connections to a new file would both try to
#: switch it to WAL (which needs the file to itself); other processes (the CLI) are the
#: store's business (busy timeout, one transaction per attempt)
_DB_LOCK = threading.Lock()


@contextmanager
def _open(request: Request, lang: str, save: bool = True) -> Iterator[Progress | NoProgress]:
    with _DB_LOCK:
        try:
            db = open_progress(request.app.state.practice_db, save)
        except BibunError as exc:
            raise HTTPException(503, {"kind": "storage", "message": i18n.one_line(exc, lang)}
                                ) from None
        try:
            yield db
        finally:
            db.close()


def _history(request: Request, lang: str, save: bool) -> list[Attempt]:
    with _open(request, lang, save) as db:
        return db.attempts()


def _record(request: Request, body: Counters, problem: dict[str, Any], outcome: str,
            tries: int, mistakes: list[list[str]]) -> dict[str, Any] | None:
    """Store the attempt the way ``bibun practice`` does; None when not saving."""
    if not body.save:
        return None
    with _open(request, body.lang) as db:
        rid = db.record(Attempt(
            problem["topic"], problem["level"], problem["key"], outcome,
            max(tries, 1) if outcome == "solved" else tries, body.hints,
            round(body.seconds, 3), body.lang, tuple((m[0], m[1]) for m in mistakes),
            time.time() - body.seconds))
        return {"id": rid, "count": db.count()}


@router.post("/problem", summary="A practice problem: the weakest due topic, or the one named")
async def problem(body: NewProblemIn, request: Request) -> dict[str, Any]:
    topic, level = body.topic, body.level
    if topic is None:
        history = await to_thread.run_sync(_history, request, body.lang, body.save)
        state = next_topic(history)
        topic, level = state.topic, level or state.level
    seed = body.seed if body.seed is not None else randbelow(2**31)
    payload = {"topic": topic, "level": level or 1, "seed": seed, "lang": body.lang}
    return await run(request, "practice_problem", _Plain(**payload))


@router.post("/hint", summary="One rung of the hint ladder (the last one is the answer)")
async def hint(body: HintIn, request: Request) -> dict[str, Any]:
    return await run(request, "practice_hint", body)


@router.post("/check", summary="Check the learner's pieces; a solved problem is recorded")
async def check(body: CheckStepsIn, request: Request) -> dict[str, Any]:
    out = await run(request, "practice_check", body)
    out["recorded"] = None
    if out["solved"]:
        out["recorded"] = await to_thread.run_sync(
            _record, request, body, out["problem"], "solved", out["tries"], out["mistakes"])
    return out


@router.post("/skip", summary="Give up: the answer with its steps; the attempt is recorded")
async def skip(body: Counters, request: Request) -> dict[str, Any]:
    out = await run(request, "practice_skip", body)
    out["recorded"] = await to_thread.run_sync(
        _record, request, body, out["problem"], "skipped", body.tries,
        [list(m) for m in body.mistakes])
    return out


@router.post("/progress", summary="Mastery per topic and the next topic due")
async def progress(body: ProgressIn, request: Request) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        with _open(request, body.lang, body.save) as db:
            history = db.attempts()
            path = str(db.path) if db.path is not None else None
        st = states(history)
        nxt = next_topic(history)
        return {"db": path, "attempts": len(history),
                "solved": sum(a.outcome == "solved" for a in history),
                "topics": [{"topic": s.topic, "name": i18n.text(f"practice.topic.{s.topic}",
                                                                 body.lang),
                            "attempts": s.attempts, "solved": s.solved,
                            "mastery": s.mastery, "box": s.box, "level": s.level,
                            "due": s.due} for s in st],
                "next": {"topic": nxt.topic, "level": nxt.level}}

    return await to_thread.run_sync(read)


class _Plain(Strict):
    """A payload already validated (the resolved topic, level and seed)."""

    topic: Topic
    level: Level
    seed: Seed
    lang: Lang


__all__ = ["router"]
