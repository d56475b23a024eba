"""`bibun fit`: least squares on a CSV file, with the normal equations shown."""

from __future__ import annotations

import json
import sys

from bibun.cli._args import figure_path, note, parse_assignments
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
        print("bibun: warning: --init is only used for models that are not linear in their "
              "parameters; this one is solved exactly from the normal equations",
              file=sys.stderr)
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.summary(lang=args.lang))
    if args.plot:
        from bibun.plot import plot_fit

        note(plot_fit(result, data, args.plot, lang=args.lang))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "fit", help="least-squares fit of a model formula to CSV data",
        description="Fit MODEL to the columns of DATA.csv (header row of names). Parameters "
                    "are the model's symbols that are not columns. Models linear in their "
                    "parameters are solved from the normal equations (derived symbolically, "
                    "exact for decimal data) and compared with gradient descent; other "
                    "models use Gauss-Newton. Columns with longer names (hours, score) are "
                    "chosen with --x and --y: bibun fit data.csv --x hours --y score.")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--model", default="a*x + b", help="e.g. 'a*x + b', 'y = a*exp(k*x)'")
    p.add_argument("--x", metavar="COLUMN",
                   help="the column the model's x stands for (default: the column named x)")
    p.add_argument("--y", metavar="COLUMN",
                   help="the column the model predicts (default: y = ... in the model, else "
                        "the one column the model does not use, else y)")
    p.add_argument("--target", metavar="COLUMN", help="same as --y")
    p.add_argument("--init", help="starting values for nonlinear models, e.g. a=1,k=0.5")
    p.add_argument("--no-gd", action="store_true",
                   help="skip the gradient-descent comparison for linear models")
    p.add_argument("--plot", metavar="FILE", help="draw data, fit and residuals")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)
