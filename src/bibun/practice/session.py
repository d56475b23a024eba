"""An interactive practice session as a state machine: a line in, lines out.

Keeping the session free of input and output (the CLI reads stdin and prints; a web
page would post lines) means one implementation for every face and a test can drive it
line by line.  Each line is a command or an answer:

* ``hint`` / ``ヒント`` — the next rung of the hint ladder;
* ``skip`` / ``スキップ`` / ``パス`` — show the answer with worked steps, go on;
* ``quit`` / ``終了`` / ``やめる`` — stop (an unfinished problem is not recorded);
* ``help`` / ``ヘルプ`` — the commands and the pieces this problem accepts;
* otherwise an answer: a bare formula is the final answer; ``label = formula`` gives a
  piece (``u = x^2 + 1``, ``dy/du = 4u^3``, ``f' = 2x``); a chain of equalities
  ``dy/dx = 4u^3·2x = 8x(x^2+1)^3`` gives the product (first) and the answer (last).

A problem ends when its final answer is right or it is skipped; then the attempt (tries,
hints, seconds, the diagnosed mistakes) goes to the progress database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bibun import i18n
from bibun.errors import BibunError
from bibun.expr.parse import parse_any
from bibun.practice.hints import ladder
from bibun.practice.problem import Problem, generate
from bibun.practice.schedule import next_topic
from bibun.practice.steps import CHAIN_PIECES, check_steps, label_of, pieces_of
from bibun.practice.store import Attempt, NoProgress, Progress
from bibun.practice.text import Line

COMMANDS = {
    "hint": ("hint", "h", "ヒント", "ひんと"),
    "skip": ("skip", "s", "スキップ", "パス", "とばす"),
    "quit": ("quit", "q", "exit", "終了", "やめる", "おわり"),
    "help": ("help", "?", "ヘルプ"),
}
#: different problems one session tries before saying the topic has run out
MAX_DRAWS = 200


@dataclass
class _Current:
    problem: Problem
    hints: list[Line]
    shown: int = 0
    tries: int = 0
    mistakes: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    clock: float = field(default_factory=time.monotonic)


class Session:
    """One learner's session; :meth:`start` then :meth:`feed` each line."""

    def __init__(self, progress: Progress | NoProgress, lang: str | None = None,
                 topic: str | None = None, level: int | None = None, seed: int = 0,
                 count: int | None = None):
        self.progress = progress
        self.lang = i18n.resolve(lang)
        self.topic, self.level, self.seed, self.count = topic, level, seed, count
        self.done_problems = 0
        self.solved = 0
        self.hints_total = 0
        self.draws = 0
        self.seen: set[str] = set()
        self.current: _Current | None = None
        self.finished = False

    def t(self, key: str, **params: object) -> str:
        return i18n.text(f"practice.session.{key}", self.lang, **params)

    # -- problems ------------------------------------------------------------------------
    def _next_problem(self) -> Problem:
        history = self.progress.attempts()
        while self.draws < MAX_DRAWS:
            self.draws += 1
            if self.topic is None:
                state = next_topic(history)
                topic, level = state.topic, self.level or state.level
            else:
                topic, level = self.topic, self.level or 1
            p = generate(topic, 1, seed=self.seed * 1000 + self.draws, level=level)[0]
            if p.key not in self.seen:
                self.seen.add(p.key)
                return p
        raise i18n.error("practice.error.exhausted", topic=self.topic or "-")

    def _show(self) -> list[str]:
        p = self._next_problem()
        self.current = _Current(p, ladder(p))
        n = self.done_problems + 1
        head = self.t("problem", n=n, topic=i18n.text(f"practice.topic.{p.topic}", self.lang),
                      level=p.level)
        return [head, "  " + p.statement(self.lang)]

    def start(self) -> list[str]:
        return [self.t("welcome")] + self._show()

    # -- lines -----------------------------------------------------------------------------
    def feed(self, line: str) -> list[str]:
        """Handle one line; returns what to print.  :attr:`finished` says when to stop."""
        if self.finished:
            return []
        text = line.strip()
        if not text:
            return []
        cmd = next((c for c, words in COMMANDS.items() if text.lower() in words), None)
        if cmd == "quit":
            return self.quit()
        if cmd == "help":
            return self._help()
        if cmd == "hint":
            return self._hint()
        if cmd == "skip":
            return self._skip()
        return self._answer(text)

    def _help(self) -> list[str]:
        assert self.current is not None
        p = self.current.problem
        return [self.t("help", pieces=", ".join(label_of(p, q) for q in pieces_of(p)))]

    def _hint(self) -> list[str]:
        cur = self.current
        assert cur is not None
        if cur.shown >= len(cur.hints):
            return [self.t("no_more_hints")]
        line = cur.hints[cur.shown]
        cur.shown += 1
        self.hints_total += 1
        return [self.t("hint", n=cur.shown, total=len(cur.hints)) + line.render(self.lang)]

    def _skip(self) -> list[str]:
        cur = self.current
        assert cur is not None
        out = [self.t("skipped", answer=cur.problem.answer_text(self.lang))]
        out += ["  " + h.render(self.lang) for h in cur.hints[:-1]]
        return out + self._finish("skipped")

    def _answer(self, text: str) -> list[str]:
        cur = self.current
        assert cur is not None
        try:
            pieces = read_pieces(cur.problem, text)
            report = check_steps(cur.problem, pieces, self.lang)
        except BibunError as exc:
            return [self.t("unreadable", error=i18n.one_line(exc, self.lang))]
        out = report.lines(self.lang)
        wrong = report.first_wrong
        if wrong is not None:
            cur.mistakes.extend((wrong.piece, c) for c in (wrong.codes or ["wrong"]))
        if "answer" in pieces and any(p.piece == "answer" and p.ok is not None
                                      for p in report.pieces):
            cur.tries += 1
        if report.solved:
            self.solved += 1
            return out + [self.t("correct")] + self._finish("solved")
        if wrong is not None:
            out.append(self.t("try_again"))
        return out

    def _finish(self, outcome: str) -> list[str]:
        cur = self.current
        assert cur is not None
        p = cur.problem
        self.progress.record(Attempt(p.topic, p.level, p.key, outcome, max(cur.tries, 1)
                                     if outcome == "solved" else cur.tries, cur.shown,
                                     round(time.monotonic() - cur.clock, 3), self.lang,
                                     tuple(cur.mistakes), cur.started))
        self.done_problems += 1
        self.current = None
        if self.count is not None and self.done_problems >= self.count:
            return self.quit()
        return [""] + self._show()

    def quit(self) -> list[str]:
        self.finished = True
        return [self.t("summary", done=self.done_problems, solved=self.solved,
                       hints=self.hints_total)]


# -- reading an answer line --------------------------------------------------------------------


def _norm(label: str) -> str:
    return "".join(label.split()).replace("′", "'").replace("∂", "d")


def labels(problem: Problem) -> dict[str, str]:
    """Written label (normalised) → piece, for this problem's names."""
    out = {"answer": "answer", "答え": "answer", "答": "answer"}
    kinds = pieces_of(problem)
    if kinds == CHAIN_PIECES:
        for piece in kinds[:-2]:
            out[_norm(label_of(problem, piece))] = piece
        dep, x = problem.derivation.dep, problem.var
        out[_norm(f"d{dep}/d{x}")] = "dydx"
        out[f"{dep}'"] = "dydx"
    else:
        for piece in kinds[:-1]:
            out[piece] = piece
        dep = problem.derivation.dep
        out[_norm(f"d{dep}/d{problem.var}")] = "answer"
        out[f"{dep}'"] = "answer"
    return out


def read_pieces(problem: Problem, text: str) -> dict[str, str]:
    """``u = x^2+1`` → {"u": "x^2+1"}; ``dy/dx = A = B`` → product A and answer B; a bare
    formula → the answer.  A label this problem does not have is a BibunError."""
    parts = [s.strip() for s in text.split("=")]
    if len(parts) == 1:
        return {"answer": text}
    table = labels(problem)
    piece = table.get(_norm(parts[0]))
    if piece is None:
        raise i18n.error("practice.error.unknown_piece", piece=parts[0], pieces=", ".join(
            label_of(problem, q) for q in pieces_of(problem)))
    rhs = [s for s in parts[1:] if s]
    if not rhs:
        raise i18n.error("practice.error.empty_piece", piece=parts[0])
    if piece != "dydx":
        if len(rhs) > 1:
            return {piece: rhs[0], "answer": rhs[-1]} if piece == "answer" else \
                {piece: rhs[-1]}
        return {piece: rhs[0]}
    u = label_of(problem, "u")
    if len(rhs) > 1:
        return {"product": rhs[0], "answer": rhs[-1]}
    try:
        has_u = u in parse_any(rhs[0]).free
    except BibunError:
        has_u = False
    return {"product" if has_u else "answer": rhs[0]}


__all__ = ["COMMANDS", "Session", "labels", "read_pieces"]
