"""Text helpers every layer may use: shortening for titles and messages.

They live at the bottom layer so that code generation, numeric and the faces can all
quote a value in an error message without importing each other.
"""

from __future__ import annotations


def shorten(text: str, n: int) -> str:
    """``text`` if it has at most ``n`` characters, else its first ``n - 1`` and ``…``
    (for titles, legends and error messages)."""
    return text if len(text) <= n else text[: n - 1] + "…"
