"""Message catalogs: every sentence a learner reads comes from ``bibun/i18n/<lang>.json``.

Keeping the words out of the code means a teacher can fix a phrase (or add a
language) without touching the derivation logic, and a test can prove that English and
Japanese cover exactly the same keys.  Templates use ``{name}`` placeholders; the
renderers decide how a formula placeholder is typeset (text, LaTeX, MathML), which is
why :func:`segments` returns the pieces instead of one finished string.

The language defaults to ``BIBUN_LANG``, then the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG``), then English.
"""

from __future__ import annotations

import json
import locale
import os
import string
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

from bibun.errors import BibunError

LANGS = ("en", "ja")
_FORMATTER = string.Formatter()


@cache
def catalog(lang: str) -> dict[str, str]:
    """The whole catalog of one language (read once)."""
    if lang not in LANGS:
        raise BibunError(f"unknown language {lang!r}: bibun speaks {', '.join(LANGS)}")
    text = files("bibun").joinpath(f"i18n/{lang}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _lang_of(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower().replace("-", "_")
    if v.startswith("ja") or v.startswith("japanese"):
        return "ja"
    if v.startswith("en") or v in ("c", "posix", "c.utf_8", "c.utf8"):
        return "en"
    return None


def default_lang() -> str:
    """``BIBUN_LANG`` if set, else the locale's language if bibun speaks it, else en."""
    explicit = _lang_of(os.environ.get("BIBUN_LANG"))
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        found = _lang_of(os.environ.get(var))
        if found:
            return found
    try:
        found = _lang_of(locale.getlocale()[0])
    except ValueError:  # pragma: no cover - broken locale settings
        found = None
    return found or "en"


def resolve(lang: str | None) -> str:
    """A supported language code for ``lang`` (None means the default)."""
    if lang is None:
        return default_lang()
    found = _lang_of(lang)
    if found is None:
        raise BibunError(f"unknown language {lang!r}: bibun speaks {', '.join(LANGS)}")
    return found


def template(key: str, lang: str) -> str:
    """The raw template; a missing key is an error (the catalog test keeps them complete)."""
    try:
        return catalog(lang)[key]
    except KeyError:
        raise BibunError(f"message {key!r} is missing from the {lang} catalog") from None


def has(key: str, lang: str = "en") -> bool:
    return key in catalog(lang)


def join_list(items: Iterable[str], lang: str) -> str:
    """'y, z' in English, 'y、z' in Japanese."""
    return template("list_separator", lang).join(items)


def segments(key: str, lang: str, **params: Any) -> list[Any]:
    """Split a template into literal text and parameter values, in order.

    Values are passed through untouched (expressions stay expressions) so each output
    format can typeset them; lists of names are joined in the language's way.
    """
    out: list[Any] = []
    for literal, field, spec, _conv in _FORMATTER.parse(template(key, lang)):
        if literal:
            out.append(literal)
        if field is None:
            continue
        if field not in params:
            raise BibunError(f"message {key!r} needs the parameter {field!r}")
        value = params[field]
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            value = join_list(value, lang)
        if spec and isinstance(value, int | float):
            value = format(value, spec)
        out.append(value)
    return out


def text(key: str, lang: str, **params: Any) -> str:
    """A finished plain-text message (formulas printed with their unicode form)."""
    parts = []
    for seg in segments(key, lang, **params):
        parts.append(seg if isinstance(seg, str) else _plain(seg))
    return "".join(parts)


def _plain(value: Any) -> str:
    from bibun.explain.show import Show, show_text
    from bibun.expr.core import Expr

    if isinstance(value, Show):
        return show_text(value)
    if isinstance(value, Expr):
        return value.unicode()
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def format_number(v: float) -> str:
    """A float as a learner reads it: 10 significant digits, no trailing noise."""
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}"


__all__ = ["LANGS", "catalog", "default_lang", "display_width", "format_number", "has",
           "join_list", "pad", "resolve", "segments", "template", "text"]


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: a Japanese (wide) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a display width, so that English and Japanese tables line up."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill
