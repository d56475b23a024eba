"""Exceptions with messages a learner can act on.

Every error bibun raises on bad input derives from :class:`BibunError`; the CLI turns
them into one line on stderr and exit code 2, the web API into a 4xx.  Their messages come
from the catalogs (:func:`bibun.i18n.error` builds them from a key), so the faces can show
them in the user's language.
"""

from __future__ import annotations

from typing import Any


class BibunError(ValueError):
    """Base of all user-facing errors.

    ``key`` and ``params`` name the catalog message the error was built from (set by
    :func:`bibun.i18n.error`); ``str()`` is the English text, and
    :func:`bibun.i18n.message` says it in another language.
    """

    key: str | None = None
    params: dict[str, Any] = {}  # noqa: RUF012 - replaced per instance, never mutated


class ParseError(BibunError):
    """Text that is not a formula; carries the 1-based column and a caret line."""

    def __init__(self, message: str, text: str = "", column: int | None = None):
        self.message = message
        self.text = text
        self.column = column
        super().__init__(self.render())

    def render(self) -> str:
        """English with the column (and a caret drawing for a short one-line formula);
        :func:`bibun.i18n.one_line` gives it in another language."""
        if self.column is None or not self.text or "\n" in self.text or len(self.text) > 200:
            where = f" (column {self.column})" if self.column is not None else ""
            return f"{self.message}{where}"
        caret = " " * (self.column - 1) + "^"
        return f"{self.message} at column {self.column}\n  {self.text}\n  {caret}"


class DomainError(BibunError):
    """A value outside a function's domain, e.g. log(-1), or a non-differentiable point."""


class LimitError(BibunError):
    """Input refused because it is too large, too deep or too expensive to process."""


class UnknownFunctionError(BibunError):
    """A function name with no rule in the table: never silently treated as identity."""

    def __init__(self, message: str, name: str):
        self.name = name
        super().__init__(message)
