"""`bibun fit`: least squares on a CSV file, with the normal equations shown."""

from __future__ import annotations

import json

from bibun.cli._args import note, parse_assignments
from bibun.fit import fit, read_csv


def run(args) -> int:
    data = read_csv(args.data)
    result = fit(data, args.model, target=args.target,
                 init=parse_assignments(args.init, "--init"), compare_gd=not args.no_gd)
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
                    "models use Gauss-Newton.")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--model", default="a*x + b", help="e.g. 'a*x + b', 'y = a*exp(k*x)'")
    p.add_argument("--target", help="the column the model predicts (default: the unused one)")
    p.add_argument("--init", help="starting values for nonlinear models, e.g. a=1,k=0.5")
    p.add_argument("--no-gd", action="store_true",
                   help="skip the gradient-descent comparison for linear models")
    p.add_argument("--plot", metavar="FILE", help="draw data, fit and residuals")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="report and plot labels")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)
