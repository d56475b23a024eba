"""`bibun practice`: an interactive session, progress statistics, CSV export.

The session reads one line at a time from stdin (a terminal or a pipe: ``printf 'hint\\n
8x(x^2+1)^3\\nquit\\n' | bibun practice --topic chain --seed 7``) and prints to stdout;
the engine is :class:`bibun.practice.session.Session`.  Progress goes to the SQLite file
described in :mod:`bibun.practice.store` (``--db PATH``, ``$BIBUN_DB``, else
``$XDG_DATA_HOME/bibun/progress.sqlite3``); ``--no-save`` runs without it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bibun import i18n
from bibun.cli._args import bounded_int, nonnegative_int, note, output_path
from bibun.cli._help import help_lang


def register(sub: Any) -> None:
    hl = help_lang()
    p = sub.add_parser("practice", help=i18n.text("help.practice", hl),
                       description=i18n.text("help.practice.description", hl))
    p.add_argument("--topic", help=i18n.text("help.practice.topic", hl))
    p.add_argument("--level", type=bounded_int(1, 3), help=i18n.text("help.practice.level", hl))
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help=i18n.text("help.practice.seed", hl))
    p.add_argument("--count", type=bounded_int(1, 200), help=i18n.text("help.practice.count", hl))
    p.add_argument("--db", help=i18n.text("help.practice.db", hl))
    p.add_argument("--no-save", action="store_true", help=i18n.text("help.practice.no_save", hl))
    p.add_argument("--stats", action="store_true", help=i18n.text("help.practice.stats", hl))
    p.add_argument("--plot", help=i18n.text("help.practice.plot", hl))
    p.add_argument("--export", metavar="FILE.csv", help=i18n.text("help.practice.export", hl))
    p.set_defaults(func=run)


def run(args: Any) -> int:
    from bibun.practice.problem import check_topic
    from bibun.practice.store import open_progress

    lang = args.lang
    if args.topic is not None:
        check_topic(args.topic)
    plot = None
    if args.plot:
        from bibun.cli._args import figure_path

        plot = figure_path(args.plot)
    export = None if args.export in (None, "-") else output_path(args.export, (".csv",),
                                                                 "--export")
    progress = open_progress(args.db, save=not args.no_save)
    try:
        if args.stats or args.export:
            if args.export:
                _export(progress, export, lang)
            if args.stats:
                _stats(progress, lang, plot)
            return 0
        return _session(progress, args)
    finally:
        progress.close()


def _session(progress: Any, args: Any) -> int:
    from bibun.practice.session import Session

    s = Session(progress, args.lang, args.topic, args.level, args.seed, args.count)
    prompt = sys.stdin.isatty()
    for line in s.start():
        print(line)
    while not s.finished:
        if prompt:
            print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:  # end of input: as quit
            for out in s.quit():
                print(out)
            break
        for out in s.feed(line):
            print(out, flush=True)
    return 0


def _export(progress: Any, path: Path | None, lang: str) -> None:
    if path is None:
        progress.export_csv(sys.stdout) if hasattr(progress, "export_csv") else None
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        rows = progress.export_csv(fh) if hasattr(progress, "export_csv") else 0
    print(i18n.text("practice.export.done", lang, rows=rows, path=path), file=sys.stderr)


def _stats(progress: Any, lang: str, plot: Path | None) -> None:
    from bibun.practice.schedule import next_topic, states

    history = progress.attempts()
    st = states(history)
    where = progress.path or i18n.text("practice.stats.unsaved", lang)
    print(i18n.text("practice.stats.title", lang, attempts=len(history), path=where))
    cols = i18n.text("practice.stats.columns", lang).split("|")
    rows = [[i18n.text(f"practice.topic.{s.topic}", lang), str(s.attempts), str(s.solved),
             f"{s.mastery:.2f}", str(s.box),
             i18n.text("practice.stats.yes" if s.due else "practice.stats.no", lang)]
            for s in st]
    widths = [max(i18n.display_width(r[i]) for r in [cols, *rows]) for i in range(len(cols))]
    for r in [cols, *rows]:
        print("  ".join(i18n.pad(c, w, right=i > 0) for i, (c, w) in
                        enumerate(zip(r, widths, strict=True))))
    nxt = next_topic(history)
    print(i18n.text("practice.stats.next", lang,
                    topic=i18n.text(f"practice.topic.{nxt.topic}", lang), level=nxt.level))
    if plot is not None:
        _figure(st, lang, plot)


def _figure(st: list[Any], lang: str, path: Path) -> None:
    from bibun.plot import _figure as new_figure
    from bibun.plot import _save, _style

    with _style(lang):
        fig = new_figure((7.0, 4.8))
        ax = fig.add_subplot()
        names = [i18n.text(f"practice.topic.{s.topic}", lang) for s in st][::-1]
        ax.barh(names, [s.mastery for s in st][::-1], color="tab:blue")
        ax.set_xlim(0, 1)
        ax.set_xlabel(i18n.text("practice.stats.axis", lang))
        ax.set_title(i18n.text("practice.stats.figure_title", lang))
        note(_save(fig, path))
