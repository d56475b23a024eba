"""The language of ``--help``: argparse builds every parser (and its help text) before
``--lang`` is parsed, so the language of the help is read from the command line itself
(``--lang ja`` / ``--lang=ja``), then from :func:`bibun.i18n.default_lang` (``BIBUN_LANG``,
the locale)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bibun import i18n


def help_lang(argv: Sequence[str] | None = None) -> str:
    """The language ``--help`` should speak: the last ``--lang`` on the command line (an
    unknown value is left for argparse to refuse), else the default language."""
    args = list(sys.argv[1:] if argv is None else argv)
    found = None
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            found = i18n.lang_of(args[i + 1]) or found
        elif a.startswith("--lang="):
            found = i18n.lang_of(a.split("=", 1)[1]) or found
    return found or i18n.default_lang()


__all__ = ["help_lang"]
