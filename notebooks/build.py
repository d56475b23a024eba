"""Build the course notebooks (English and Japanese) from their compact sources.

Each lesson is one text file in ``notebooks/source/``; both languages come from it, so
the English and the Japanese notebooks always have the same cells in the same order and
the same code.  A source is a sequence of cells::

    === md
    English Markdown
    --- ja
    日本語の Markdown
    === code
    code shared by both languages ({{lang}} becomes "en" or "ja")
    --- ja
    (optional) the Japanese version of this code cell, e.g. with Japanese comments

The notebooks are written without outputs and with fixed cell ids, so rebuilding an
unchanged source changes no byte.  ``make test`` executes every notebook (nbmake), and
``tests/test_notebooks.py`` checks that the stored notebooks are what this script builds.

    python notebooks/build.py           # write notebooks/en/*.ipynb and notebooks/ja/*.ipynb
    python notebooks/build.py --check   # exit 1 if a stored notebook differs from its source
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
LANGS = ("en", "ja")
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def parse(text: str, name: str) -> list[tuple[str, dict[str, str]]]:
    """The cells of a source: (kind, {lang: text}); a part without ``--- ja`` is shared."""
    cells: list[tuple[str, dict[str, str]]] = []
    kind: str | None = None
    parts: dict[str, list[str]] = {}
    current = "en"

    def close() -> None:
        if kind is None:
            return
        texts = {k: "\n".join(v).strip("\n") for k, v in parts.items()}
        if kind == "md" and "ja" not in texts:
            raise SystemExit(f"{name}: a Markdown cell without its Japanese part:\n{texts['en']}")
        texts.setdefault("ja", texts["en"])
        cells.append((kind, texts))

    for line in text.splitlines():
        if line.startswith("=== "):
            close()
            kind = line[4:].strip()
            if kind not in ("md", "code"):
                raise SystemExit(f"{name}: unknown cell kind {kind!r}")
            parts, current = {"en": []}, "en"
        elif line.strip() == "--- ja" and kind is not None:
            current = "ja"
            parts["ja"] = []
        elif kind is not None:
            parts[current].append(line)
    close()
    return cells


def notebook(source: Path, lang: str) -> nbformat.NotebookNode:
    """The notebook of ``source`` in ``lang``, without outputs, with stable cell ids."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    for i, (kind, texts) in enumerate(parse(source.read_text(encoding="utf-8"), source.name)):
        body = texts[lang]
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell(body.replace("{{lang}}", lang))
        cell.id = f"{source.stem}-{i:02d}"
        nb.cells.append(cell)
    return nb


def rendered(source: Path, lang: str) -> str:
    return nbformat.writes(notebook(source, lang)) + "\n"


def targets() -> list[tuple[Path, str, Path]]:
    return [(src, lang, HERE / lang / f"{src.stem}.ipynb")
            for src in sorted(SOURCE.glob("*.txt")) for lang in LANGS]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the course notebooks from notebooks/source.")
    ap.add_argument("--check", action="store_true",
                    help="only compare; exit 1 if a stored notebook is out of date")
    args = ap.parse_args(argv)
    stale = []
    for src, lang, out in targets():
        text = rendered(src, lang)
        if args.check:
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                stale.append(str(out.relative_to(HERE.parent)))
            continue
        out.parent.mkdir(exist_ok=True)
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            out.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run python notebooks/build.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
