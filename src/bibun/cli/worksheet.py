"""`bibun worksheet`: problems and an answer key with worked steps, for instructors.

The format comes from the extension of ``-o``: ``.md`` (Markdown with ``$…$`` math),
``.tex`` (a LaTeX document; compile with lualatex) or ``.pdf`` (drawn with matplotlib's
mathtext, no TeX needed).  Without ``-o`` the Markdown goes to stdout.
"""

from __future__ import annotations

from typing import Any

from bibun import i18n
from bibun.cli._args import bounded_int, nonnegative_int, note, output_path
from bibun.cli._help import help_lang


def register(sub: Any) -> None:
    hl = help_lang()
    p = sub.add_parser("worksheet", help=i18n.text("help.worksheet", hl))
    p.add_argument("--topic", default="chain", help=i18n.text("help.worksheet.topic", hl))
    p.add_argument("--level", type=bounded_int(1, 3), default=1,
                   help=i18n.text("help.worksheet.level", hl))
    p.add_argument("--count", type=bounded_int(1, 200), default=10,
                   help=i18n.text("help.worksheet.count", hl))
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help=i18n.text("help.worksheet.seed", hl))
    p.add_argument("-o", "--output", help=i18n.text("help.worksheet.output", hl))
    p.set_defaults(func=run)


def run(args: Any) -> int:
    from bibun.practice.problem import generate
    from bibun.practice.worksheet import FORMATS, Sheet, markdown, write

    out = output_path(args.output, FORMATS) if args.output else None
    problems = generate(args.topic, args.count, seed=args.seed, level=args.level)
    sheet = Sheet(problems, args.topic, args.level, args.seed, args.lang)
    if out is None:
        print(markdown(sheet), end="")
        return 0
    note(write(sheet, out))
    return 0
