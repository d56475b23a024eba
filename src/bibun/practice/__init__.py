"""Practice: generated exercises, hints first, every intermediate step checked, progress.

* :func:`generate` — seeded, duplicate-free problems per topic and level (:data:`TOPICS`
  in the order the seeds teach), each with its textbook answer and derivation;
* :func:`ladder` — the hint ladder of a problem (rule → substitution → outer and inner
  derivatives → product → answer), en and ja;
* :func:`check_steps` — judge the pieces a learner wrote (u, y, dy/du, du/dx, the
  product, the answer; f, g, f′, g′) with bibun's answer checker and its diagnoses;
* :class:`Progress` — the SQLite progress database and :func:`next_topic`, the spaced
  repetition rule; :class:`Session` — an interactive session as a line-in/lines-out
  state machine that the CLI (and later the web page) drive;
* :mod:`bibun.practice.worksheet` — problems and an answer key as Markdown or LaTeX.

This package is in the "uses" layer: it reads explain, symbolic, expr and i18n and is
read by the faces (``bibun practice``, ``bibun worksheet``).
"""

from bibun.practice.hints import ladder
from bibun.practice.problem import MAX_ANSWER_CHARS, MAX_ANSWER_NODES, Problem, generate
from bibun.practice.steps import PieceResult, StepReport, check_steps, label_of, pieces_of
from bibun.practice.topics import LEVELS, TOPICS

__all__ = ["LEVELS", "MAX_ANSWER_CHARS", "MAX_ANSWER_NODES", "TOPICS", "PieceResult", "Problem",
           "StepReport", "check_steps", "generate", "label_of", "ladder", "pieces_of"]
