"""The learner's own spelling of a variable, for the sentences that name it.

The parser files every variable under one name (``theta`` and ``\\theta`` are θ, ``x_1``
is x1, ``ŷ`` and ``\\hat{y}`` are y_hat) so that spellings match each other.  A
counterexample is read by a person, though: "at theta = 1" for a learner who typed
theta, "at x_1 = 2" for one who typed x_1, "at ŷ = 0.3" for one who typed ŷ or
\\hat{y}, never a spelling the learner did not write.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bibun.expr.lex import GREEK

_GREEK_NAME = {glyph: name for name, glyph in GREEK.items()}
_ACCENTS = {"_hat": ("\u0302", "hat"), "_bar": ("\u0304", "bar"), "_tilde": ("\u0303", "tilde")}


def _candidates(name: str) -> list[tuple[str, str]]:
    """(pattern, how it is shown) pairs, most specific first."""
    out: list[tuple[str, str]] = []
    for suffix, (mark, command) in _ACCENTS.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[:-len(suffix)]
            glyph = unicodedata.normalize("NFC", base + mark)
            out += [(re.escape(glyph), glyph), (re.escape(base + mark), glyph),
                    (rf"\\{command}\s*\{{\s*{re.escape(base)}\s*\}}", glyph),
                    (rf"\\{command}\s+{re.escape(base)}(?![A-Za-z])", glyph)]
            return out
    m = re.fullmatch(r"([A-Za-z\u0370-\u03ff]+?)(\d+)", name)
    if m:
        base, digits = m.groups()
        pattern = rf"(?<![A-Za-z\\]){re.escape(base)}_\{{?\s*{digits}\s*\}}?"
        out.append((pattern, f"{base}_{digits}"))
    if name in _GREEK_NAME:
        word = _GREEK_NAME[name]
        out.append((rf"(?<![A-Za-z\\]){word}(?![A-Za-z])", word))
    return out


def learner_spelling(names: Iterable[str], texts: Iterable[str]) -> dict[str, str]:
    """{parser name: the spelling the learner typed} for the names typed differently
    from how bibun files them; a name typed as bibun files it is left out."""
    texts = [t for t in texts if isinstance(t, str)]
    out: dict[str, str] = {}
    for name in names:
        for pattern, shown in _candidates(name):
            if any(re.search(pattern, t) for t in texts):
                if shown != name:
                    out[name] = shown
                break
    return out


__all__ = ["learner_spelling"]
