"""One catalog, one language switch: every sentence a user reads comes from here.

The words live in ``en.json`` and ``ja.json`` next to this file, so a teacher can fix a
phrase (or add a language) without touching the code, and a test can prove that the two
catalogs cover the same keys and that the code uses no key the catalogs lack.  Templates
use ``{name}`` placeholders (with an optional format spec for numbers: ``{h:.0e}``).

The language is decided in one place (:func:`resolve`): an explicit choice (``--lang``,
``lang=``), then ``BIBUN_LANG``, then the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``),
then English.

Errors are sentences too.  :func:`error` builds a :class:`~bibun.errors.BibunError` from a
key: its ``str()`` is English (what Python tracebacks and logs show), and it keeps the key
and parameters so that a face (the CLI, the web API) can say it again in the user's
language with :func:`message` / :func:`one_line`.

This is the base layer: it imports only :mod:`bibun.errors` and :mod:`bibun.numtext` (the
number formatter's rules), never anything above.
"""

from __future__ import annotations

import contextlib
import json
import locale
import math
import os
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from fractions import Fraction
from functools import cache
from typing import Any, NamedTuple, TypeVar

from bibun.errors import BibunError, ParseError
from bibun.numtext import (
    SIGNIFICANT,
    NotFiniteError,
    is_finite,
    nonfinite_reason,
    number_text,
    plain,
)

LANGS = ("en", "ja")
#: the catalog every other one falls back to (and the language of ``str(error)``)
FALLBACK = "en"
_FORMATTER = string.Formatter()
#: the language a face chose for the work it is doing (``--lang``): see :func:`using`
_CHOSEN: ContextVar[str | None] = ContextVar("bibun_lang", default=None)

E = TypeVar("E", bound=BibunError)
#: the catalogs' folder, read with plain ``open`` (importlib.resources and pathlib cost the
#: command line ~10 ms of start-up, and the package is always installed as files)
_HERE = os.path.dirname(os.path.abspath(__file__))


class Msg(NamedTuple):
    """A message not yet put into words: a parameter that is itself a catalog entry (the
    name of a token in "unexpected …"), rendered in the language of the sentence around
    it."""

    key: str
    params: Mapping[str, Any] = {}  # noqa: RUF012 - a NamedTuple default, never mutated


@cache
def catalog(lang: str) -> dict[str, str]:
    """The whole catalog of one language, read once (keys starting with ``_`` are
    comments)."""
    if lang not in LANGS:
        raise error("error.unknown_lang", lang=repr(lang), langs=", ".join(LANGS))
    with open(os.path.join(_HERE, f"{lang}.json"), encoding="utf-8") as f:
        raw = f.read()
    return {k: v for k, v in json.loads(raw).items() if not k.startswith("_")}


def lang_of(value: str | None) -> str | None:
    """The language a locale or a ``--lang`` value names (``ja_JP.UTF-8`` → ja), if bibun
    speaks it."""
    if not value:
        return None
    v = value.strip().lower().replace("-", "_")
    if v.startswith("ja"):  # ja, ja_JP.UTF-8, japanese
        return "ja"
    if v.startswith("en") or v in ("c", "posix", "c.utf_8", "c.utf8"):
        return "en"
    return None


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Within the block, the default language is ``lang`` (resolved): the CLI wraps a
    command in it, so that everything the command says without being handed a language
    (parser warnings, "wrote …" notes, library defaults) follows ``--lang`` too."""
    token = _CHOSEN.set(resolve(lang))
    try:
        yield _CHOSEN.get() or FALLBACK
    finally:
        _CHOSEN.reset(token)


def chosen() -> str | None:
    """The language a face chose with :func:`using`, or None outside one.  Formula
    printers follow it (``ln x`` in English, ``log x`` in Japanese) but do not look at the
    locale: ``str(expr)`` in a script stays the same on every machine."""
    return _CHOSEN.get()


def default_lang() -> str:
    """The language chosen with :func:`using`, else ``BIBUN_LANG`` if set, else the
    locale's language if bibun speaks it, else en."""
    chosen = _CHOSEN.get()
    if chosen:
        return chosen
    explicit = lang_of(os.environ.get("BIBUN_LANG"))
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        found = lang_of(os.environ.get(var))
        if found:
            return found
    try:
        found = lang_of(locale.getlocale()[0])
    except ValueError:  # pragma: no cover - broken locale settings
        found = None
    return found or FALLBACK


def resolve(lang: str | None) -> str:
    """A supported language code for an explicit choice; None means :func:`default_lang`.

    Every ``lang`` argument in bibun goes through here, so ``"ja_JP"``, ``"JA"`` and
    ``None`` mean the same thing everywhere and an unknown language is one clear error.
    """
    if lang is None:
        return default_lang()
    found = lang_of(lang)
    if found is None:
        raise error("error.unknown_lang", lang=repr(lang), langs=", ".join(LANGS))
    return found


def has(key: str, lang: str = FALLBACK) -> bool:
    """Whether ``key`` is in the catalog of ``lang``."""
    return key in catalog(lang)


def template(key: str, lang: str) -> str:
    """The raw template of ``key`` in ``lang``, falling back to English; a key in neither
    is a bug (the catalog tests keep them complete), reported as such."""
    found = catalog(lang).get(key)
    if found is None:
        found = catalog(FALLBACK).get(key)
    if found is None:
        raise KeyError(f"message {key!r} is missing from the catalogs")
    return found


def join_list(items: Iterable[str], lang: str) -> str:
    """'y, z' in English, 'y、z' in Japanese."""
    return template("list_separator", lang).join(items)


def fields(key: str, lang: str) -> list[tuple[str, str | None, str]]:
    """The template of ``key`` as (literal, field name or None, format spec) triples:
    the explanation printers typeset each field in their own format."""
    return [(lit, field, spec or "")
            for lit, field, spec, _conv in _FORMATTER.parse(template(key, lang))]


def value_text(value: Any, lang: str, spec: str = "") -> str:
    """One parameter as text: numbers through ``spec``, lists of names joined the
    language's way, nested bibun errors in ``lang``, anything else via ``str``."""
    if isinstance(value, BibunError):
        return message(value, lang)
    if isinstance(value, Msg):
        return text(value.key, lang, **value.params)
    if isinstance(value, list | tuple) and all(isinstance(v, str | Msg) for v in value):
        return join_list([value_text(v, lang) for v in value], lang)
    if spec and not isinstance(value, str):
        return _spec_text(value, spec)
    if isinstance(value, float | Fraction):
        return format_number(value)
    return str(value)


#: a template's ``{x:g}``, ``{x:.3g}``, ``{h:.1e}``: a number by the one formatter
_NUMBER_SPEC = re.compile(r"(?:\.(\d+))?([ge])")


def _spec_text(value: Any, spec: str) -> str:
    """A parameter with a format spec.  ``g`` and ``e`` specs (significant digits) go
    through :func:`format_number`, so a catalog's ``{h:.0e}`` reads ``1e-5`` like every
    other number, not ``1e-05``; other specs (``{n:,}``, ``{acc:.1f}``: thousands and fixed
    places for counts and percentages) and non-finite values as Python formats them."""
    m = _NUMBER_SPEC.fullmatch(spec)
    if m and isinstance(value, int | float | Fraction) and not isinstance(value, bool) \
            and is_finite(value):
        n = int(m.group(1)) if m.group(1) is not None else 6
        return format_number(value, n + 1 if m.group(2) == "e" else max(n, 1))
    return format(value, spec)


def text(key: str, lang: str | None = None, /, **params: Any) -> str:
    """The finished message ``key`` in ``lang`` (None: the default language).  A formula
    among the parameters is printed in the sentence's language (log x in Japanese)."""
    lang = resolve(lang) if lang not in LANGS else lang
    parts: list[str] = []
    with using(lang):
        for literal, field, spec in fields(key, lang):
            parts.append(literal)
            if field is None:
                continue
            if field not in params:
                raise KeyError(f"message {key!r} needs the parameter {field!r}")
            parts.append(value_text(params[field], lang, spec))
    return "".join(parts)


def error(key: str, cls: type[E] = BibunError, /, *args: Any, **params: Any) -> E:  # type: ignore[assignment]
    """An exception of class ``cls`` whose message is ``key`` (English in ``str()``);
    ``args`` go to the constructor after the message (a ParseError's text and column).

    The key and parameters stay on the exception, so :func:`message` can render it in
    any language later: the raising code does not need to know who will read it.
    """
    exc = cls(text(key, FALLBACK, **params), *args)
    exc.key = key
    exc.params = dict(params)
    return exc


def parse_error(key: str, source: str = "", column: int | None = None, /,
                **params: Any) -> ParseError:
    """:func:`error` for a :class:`ParseError`: the formula's text and the 1-based column
    travel with it, so every face can point at the place."""
    return error(key, ParseError, source, column, **params)


def message(exc: BaseException, lang: str | None = None) -> str:
    """The message of an exception in ``lang``: from the catalog when it was built from a
    key, else its own text (a ParseError's message without the column)."""
    key = getattr(exc, "key", None)
    if key is not None:
        return text(key, resolve(lang), **getattr(exc, "params", {}))
    own = getattr(exc, "message", None)
    return own if isinstance(own, str) else str(exc)


def one_line(exc: BaseException, lang: str | None = None) -> str:
    """The error as one line in ``lang``: a parse error keeps its column, not the caret
    drawing (the CLI's stderr line, the web API's message)."""
    lang = resolve(lang)
    msg = " ".join(message(exc, lang).split()) if not isinstance(exc, ParseError) \
        else message(exc, lang)
    col = getattr(exc, "column", None)
    if isinstance(exc, ParseError) and col:
        return msg + text("error.at_column", lang, column=col)
    return msg


def finite_number(v: Any, what: str | Msg = "") -> float:
    """``float(v)`` when it can be written; otherwise a :class:`~bibun.NotFiniteError`
    that says what (``what``: "the sum of squared residuals") and why (an overflow past
    ~1.8e308, or NaN), in the user's language: a number that cannot be written is an
    error with its reason, never ``inf`` on the screen."""
    try:
        f = float(plain(v))
    except OverflowError:
        f = math.inf
    if math.isfinite(f):
        return f
    raise error("error.number.not_finite", NotFiniteError,
                what=what or Msg("number.the_value"),
                reason=Msg("number." + nonfinite_reason(f)))


def format_number(v: Any, digits: int = SIGNIFICANT, *, prefer_decimal: bool = False,
                  style: str = "text", what: str | Msg = "") -> str:
    """A number (int, Fraction, float, NumPy scalar) as a person writes it: the one
    formatter's rules (:mod:`bibun.numtext`): short exact values exact, 6 significant
    digits otherwise, scientific notation for huge and tiny; ``style`` text, unicode or
    latex.  Sentences, steps and check messages print their numbers through here;
    a non-finite value is refused by :func:`finite_number` (``what`` names it)."""
    if not is_finite(v):
        finite_number(v, what)
    return number_text(v, digits, prefer_decimal=prefer_decimal, style=style)


def display_width(s: str) -> int:
    """Columns a terminal gives ``s``: a Japanese (wide) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s: str, width: int, right: bool = False) -> str:
    """Pad to a display width, so that English and Japanese tables line up."""
    fill = " " * max(0, width - display_width(s))
    return fill + s if right else s + fill


def pick(options: Mapping[str, str], lang: str | None = None) -> str:
    """One value of a per-language mapping (a font name, a URL), for the rare data
    that is not a sentence; falls back to English."""
    return options.get(resolve(lang), options[FALLBACK])


__all__ = ["FALLBACK", "LANGS", "Msg", "catalog", "chosen", "default_lang", "display_width",
           "error", "fields", "finite_number", "format_number", "has", "join_list", "lang_of",
           "message", "one_line", "pad", "parse_error", "pick", "resolve", "template", "text",
           "using", "value_text"]
