"""Reading the data of a fit: CSV files and mappings of columns, with errors that name
the row and the column."""

from __future__ import annotations

import csv
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bibun.errors import BibunError
from bibun.i18n import Msg, error


def _no_column(name: str, cols: list[str], what: str, source: str) -> BibunError:
    """The column is not in the data: list the columns and suggest the nearest."""
    lower = {c.lower(): c for c in cols}
    close = [lower[name.lower()]] if name.lower() in lower else \
        difflib.get_close_matches(name, cols, n=1, cutoff=0.5)
    hint = Msg("fit.did_you_mean", {"name": close[0]}) if close else ""
    return error("error.fit.no_column", what=what, name=name, source=source, cols=cols,
                 hint=hint)


@dataclass
class Data:
    """Columns of numbers: floats for computing, exact fractions when every cell was a
    plain decimal (so 0.1 is 1/10, not 0.1000000000000000055...)."""

    columns: dict[str, np.ndarray]
    exact: dict[str, list[Fraction]] | None = None
    source: str = "data"
    #: model name -> the data's own column name, after :func:`rename_columns`
    aliases: dict[str, str] = field(default_factory=dict)
    #: some cell was written as a decimal (3.5, 1e-3) or given as a float: measured data,
    #: so fitted parameters are reported as decimals with standard errors, not fractions
    decimal: bool = False

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


def read_csv(path: str | Path) -> Data:
    """A CSV file with a header row of column names and numeric cells.

    A cell that is not a number is an error naming its row (the file's line number) and
    column, never a silent NaN."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error("error.fit.no_file", p=p) from None
    except IsADirectoryError:
        raise error("error.fit.is_directory", p=p) from None
    except UnicodeDecodeError:
        raise error("error.fit.not_utf8", p=p) from None
    except OSError as exc:
        raise error("error.fit.cannot_read", p=p, reason=exc.strerror or exc) from None
    rows = [(i, r) for i, r in enumerate(csv.reader(text.splitlines()), start=1)
            if r and any(c.strip() for c in r)]
    if not rows:
        raise error("error.fit.empty", p=p)
    _, header = rows[0]
    names = [h.strip() for h in header]
    for h in names:
        if not h or not (h.replace("_", "").isalnum() and h[0].isalpha()):
            raise error("error.fit.bad_header", p=p, h=repr(h))
    if len(set(names)) != len(names):
        raise error("error.fit.duplicate_header", p=p, names=', '.join(names))
    floats: dict[str, list[float]] = {n: [] for n in names}
    exact: dict[str, list[Fraction]] | None = {n: [] for n in names}
    decimal = False
    for line, r in rows[1:]:
        if len(r) != len(names):
            raise error("error.fit.row_length", p=p, line=line, cells=len(r), columns=len(names))
        for name, cell in zip(names, r):
            c = cell.strip()
            try:
                v = float(c)
            except ValueError:
                what = Msg("fit.cell_empty") if not c else \
                    Msg("fit.cell_not_number", {"cell": repr(c)})
                raise error("error.fit.cell", p=str(p), line=line, name=name,
                            what=what) from None
            if not math.isfinite(v):
                raise error("error.fit.cell_not_finite", p=p, line=line, name=name, c=repr(c))
            floats[name].append(v)
            decimal = decimal or any(ch in c for ch in ".eE")
            if exact is not None:
                try:
                    exact[name].append(Fraction(c))
                except ValueError:
                    exact = None
    if len(rows) < 2:
        raise error("error.fit.no_data_rows", p=p)
    return Data({k: np.array(v) for k, v in floats.items()}, exact, str(p), decimal=decimal)


def rename_columns(data: Any, mapping: Mapping[str, str]) -> Data:
    """Let the model's symbols stand for differently named columns: ``{"x": "hours"}``
    makes the column ``hours`` the model's ``x`` (``bibun fit --x hours``).  A name that
    is not a column is an error listing the columns, with the nearest as a suggestion."""
    d = as_data(data)
    cols = list(d.columns)
    new = {model: col for model, col in mapping.items() if col is not None}
    for model, col in new.items():
        if col not in d.columns:
            raise _no_column(col, cols, f"--{model}", d.source)
        if model != col and model in d.columns and model not in new.values():
            raise error("error.fit.column_taken", model=model, col=col, source=d.source)
    if len(set(new.values())) != len(new):
        raise error("error.fit.one_column_two_symbols",
                    items=', '.join((f'{m} = {c}' for m, c in new.items())))
    back = {col: model for model, col in new.items()}
    columns = {back.get(c, c): v for c, v in d.columns.items()}
    exact = {back.get(c, c): v for c, v in d.exact.items()} if d.exact is not None else None
    aliases = {**d.aliases, **{m: c for m, c in new.items() if m != c}}
    return Data(columns, exact, d.source, aliases, d.decimal)


def as_data(data: Any) -> Data:
    """A path to a CSV file, a mapping of column name -> numbers, or :class:`Data`."""
    if isinstance(data, Data):
        return data
    if isinstance(data, str | Path):
        return read_csv(data)
    if isinstance(data, Mapping):
        cols: dict[str, np.ndarray] = {}
        exact: dict[str, list[Fraction]] | None = {}
        n = None
        for k, v in data.items():
            vals = list(np.atleast_1d(np.asarray(v)).ravel()) if not isinstance(v, list) \
                else list(v)
            try:
                arr = np.array([float(x) for x in vals])
            except (TypeError, ValueError):
                raise error("error.fit.column_numbers", k=k) from None
            if not np.isfinite(arr).all():
                i = int(np.flatnonzero(~np.isfinite(arr))[0])
                raise error("error.fit.column_not_finite", k=k, row=i + 1, value=repr(vals[i]))
            if n is not None and len(arr) != n:
                raise error("error.fit.column_lengths", k=k, m=len(arr), n=n)
            n = len(arr)
            cols[str(k)] = arr
            if exact is not None and all(isinstance(x, int | Fraction) and
                                         not isinstance(x, bool) for x in vals):
                exact[str(k)] = [Fraction(x) for x in vals]
            else:
                exact = None
        if not cols:
            raise error("error.fit.no_columns")
        return Data(cols, exact, decimal=exact is None)
    raise error("error.fit.data_type", kind=type(data).__name__)
