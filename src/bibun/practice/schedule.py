"""Mastery per topic and the spaced-repetition rule that picks the next problem.

The rule, simple enough to say in one breath (and documented in ``bibun practice
--help``):

* **score** of an attempt: 1 if solved with no hint and no wrong try, 0.5 if solved
  after hints or wrong tries, 0 if skipped;
* **mastery** of a topic: the mean score of its last :data:`WINDOW` attempts, counting
  missing attempts as 0 (three clean solves make 0.6, not 1: a topic is mastered by
  practice, not by one lucky answer);
* **box** (Leitner): starts at 0; a clean solve moves the topic up one box (at most
  :data:`MAX_BOX`), a skip sends it back to 0, anything else keeps it;
* a topic in box k is **due** once 2^k problems of other topics have been done since
  it was last practised (box 0: at once; box 4: after 16 others); a topic never
  practised is due;
* **next**: among the due topics, the one with the lowest mastery (ties: the seeds'
  teaching order); if none is due, the lowest mastery overall.  The level follows the
  box: boxes 0–1 level 1, 2–3 level 2, 4 level 3.

Counting problems instead of days keeps the rule testable and meaningful for a learner
who does twenty problems in one evening and then nothing for a week.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bibun.practice.store import Attempt
from bibun.practice.topics import TOPICS

WINDOW = 5
MAX_BOX = 4


def score(a: Attempt) -> float:
    if a.outcome != "solved":
        return 0.0
    return 1.0 if a.hints == 0 and a.tries <= 1 else 0.5


@dataclass(frozen=True)
class TopicState:
    """What the schedule knows about one topic."""

    topic: str
    attempts: int
    solved: int
    mastery: float
    box: int
    last_seen: int | None  # index of its last attempt in the whole history
    due: bool

    @property
    def level(self) -> int:
        return 1 if self.box <= 1 else 2 if self.box <= 3 else 3


def states(history: Iterable[Attempt], topics: Sequence[str] = TOPICS) -> list[TopicState]:
    """The state of every topic after ``history`` (oldest first)."""
    hist = list(history)
    total = len(hist)
    out = []
    for t in topics:
        mine = [(i, a) for i, a in enumerate(hist) if a.topic == t]
        box = 0
        for _, a in mine:
            s = score(a)
            box = min(MAX_BOX, box + 1) if s == 1.0 else 0 if s == 0.0 else box
        recent = [score(a) for _, a in mine[-WINDOW:]]
        mastery = sum(recent) / WINDOW
        last = mine[-1][0] if mine else None
        due = last is None or (total - 1 - last) >= 2 ** box
        out.append(TopicState(t, len(mine), sum(a.outcome == "solved" for _, a in mine),
                              mastery, box, last, due))
    return out


def next_topic(history: Iterable[Attempt], topics: Sequence[str] = TOPICS
               ) -> TopicState:
    """The topic (and through it the level) to practise next: the weakest due one."""
    st = states(history, topics)
    due = [s for s in st if s.due] or st
    return min(due, key=lambda s: (s.mastery, topics.index(s.topic)))


__all__ = ["MAX_BOX", "WINDOW", "TopicState", "next_topic", "score", "states"]
