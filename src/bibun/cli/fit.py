"""`bibun fit`: least squares on a CSV file, with the normal equations shown."""

from __future__ import annotations

import json
import sys

from bibun import i18n
from bibun.cli._args import figure_path, note, parse_assignments
from bibun.cli._help import help_lang
from bibun.fit import fit, read_csv, rename_columns
from bibun.i18n import error


def run(args) -> int:
    figure_path(args.plot)  # before any work: a report is never followed by an error
    if args.y is not None and args.target is not None and args.y != args.target:
        raise error("error.cli.y_target", y=args.y, target=args.target)
    data = read_csv(args.data)
    if args.x is not None:
        data = rename_columns(data, {"x": args.x})
    init = parse_assignments(args.init, "--init")
    result = fit(data, args.model, target=args.y or args.target, init=init,
                 compare_gd=not args.no_gd)
    if args.plot and len(result.inputs) != 1:
        raise error("error.cli.fit_plot_inputs", inputs=', '.join(result.inputs) or 'none')
    if init and result.linear:
        print(i18n.text("cli.warning", args.lang,
                        message=i18n.text("fit.init_unused", args.lang)), file=sys.stderr)
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.summary(lang=args.lang))
    if args.plot:
        from bibun.plot import plot_fit

        note(plot_fit(result, data, args.plot, lang=args.lang))
    return 0


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser(
        "fit", help=i18n.text("help.fit", hl),
        description=i18n.text("help.fit.description", hl))
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--model", default="a*x + b", help=i18n.text("help.fit.model", hl))
    p.add_argument("--x", metavar="COLUMN",
                   help=i18n.text("help.fit.x", hl))
    p.add_argument("--y", metavar="COLUMN",
                   help=i18n.text("help.fit.y", hl))
    p.add_argument("--target", metavar="COLUMN", help=i18n.text("help.fit.target", hl))
    p.add_argument("--init", help=i18n.text("help.fit.init", hl))
    p.add_argument("--no-gd", action="store_true",
                   help=i18n.text("help.fit.no_gd", hl))
    p.add_argument("--plot", metavar="FILE", help=i18n.text("help.fit.plot", hl))
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)
