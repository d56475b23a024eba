"""Reading the data of a fit: CSV files and mappings of columns, with errors that name
the row and the column."""

from __future__ import annotations

import csv
import difflib
import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bibun.errors import BibunError, LimitError
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


#: what :func:`read_csv` reads at most (each a keyword argument of it): a data file is
#: streamed line by line and refused as soon as it passes one of these, so a huge file,
#: /dev/zero or a binary file ends in a moment with a clear error instead of minutes of
#: reading and gigabytes of memory
MAX_BYTES = 64_000_000
MAX_ROWS = 100_000
MAX_COLUMNS = 1_000
#: characters in one line, and in one cell (a number never needs more)
MAX_LINE = 65_536
MAX_CELL = 1_000


def _lines(f: Any, p: Path, max_bytes: int) -> Iterator[str]:
    """The lines of an open text file, each at most :data:`MAX_LINE` characters and
    ``max_bytes`` in all (counted as characters: a UTF-8 character is at least a byte)."""
    total = 0
    for n in itertools.count(1):
        line = f.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE:
            raise error("error.fit.line_too_long", LimitError, p=p, line=n, limit=f"{MAX_LINE:,}")
        total += len(line)
        if total > max_bytes:
            raise error("error.fit.file_too_large", LimitError, p=p, limit=f"{max_bytes / 1e6:g}")
        yield line


def _csv_reason(exc: csv.Error) -> Msg:
    """The csv module's complaint in the catalog's words."""
    text = str(exc)
    if "NUL" in text:
        return Msg("fit.csv_nul", {})
    if "field limit" in text:
        return Msg("fit.csv_field", {"limit": f"{csv.field_size_limit():,}"})
    return Msg("fit.csv_quote", {})


def read_csv(path: str | Path, *, max_rows: int = MAX_ROWS,
             max_bytes: int = MAX_BYTES) -> Data:
    """A CSV file with a header row of column names and numeric cells.

    A cell that is not a number is an error naming its row (the file's line number) and
    column, never a silent NaN.  The file is streamed: at most ``max_bytes`` bytes,
    ``max_rows`` data rows, :data:`MAX_COLUMNS` columns, :data:`MAX_LINE` characters a
    line and :data:`MAX_CELL` a cell; past any of them it is a clear error at once."""
    p = Path(path)
    try:
        size = p.stat().st_size if p.is_file() else 0
        if size > max_bytes:  # a regular file too large: refused before reading a byte
            raise error("error.fit.file_too_large", LimitError, p=p, limit=f"{max_bytes / 1e6:g}")
        with p.open(encoding="utf-8-sig", newline="") as f:
            return _read_rows(csv.reader(_lines(f, p, max_bytes)), p, max_rows)
    except FileNotFoundError:
        raise error("error.fit.no_file", p=p) from None
    except IsADirectoryError:
        raise error("error.fit.is_directory", p=p) from None
    except UnicodeDecodeError:
        raise error("error.fit.not_utf8", p=p) from None
    except OSError as exc:
        raise error("error.fit.cannot_read", p=p, reason=exc.strerror or exc) from None


def _read_rows(reader: Any, p: Path, max_rows: int) -> Data:
    """The rows of a CSV reader as :class:`Data` (see :func:`read_csv`)."""
    names: list[str] | None = None
    floats: dict[str, list[float]] = {}
    exact: dict[str, list[Fraction]] | None = None
    decimal = False
    rows = 0
    while True:
        try:
            r = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise error("error.fit.malformed", p=p, line=reader.line_num,
                        reason=_csv_reason(exc)) from None
        line = reader.line_num
        if not r or not any(c.strip() for c in r):
            continue
        if names is None:
            names = _header(r, p)
            floats = {n: [] for n in names}
            exact = {n: [] for n in names}
            continue
        rows += 1
        if rows > max_rows:
            raise error("error.fit.too_many_rows", LimitError, p=p, limit=f"{max_rows:,}")
        if len(r) != len(names):
            raise error("error.fit.row_length", p=p, line=line, cells=len(r), columns=len(names))
        for name, cell in zip(names, r):
            c = cell.strip()
            if len(c) > MAX_CELL:
                raise error("error.fit.cell_too_long", LimitError, p=p, line=line, name=name,
                            length=f"{len(c):,}", limit=f"{MAX_CELL:,}")
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
    if names is None:
        raise error("error.fit.empty", p=p)
    if rows == 0:
        raise error("error.fit.no_data_rows", p=p)
    return Data({k: np.array(v) for k, v in floats.items()}, exact, str(p), decimal=decimal)


def _header(row: list[str], p: Path) -> list[str]:
    """The column names of a header row, checked: variable names, distinct, not too many."""
    if len(row) > MAX_COLUMNS:
        raise error("error.fit.too_many_columns", LimitError, p=p, cells=f"{len(row):,}",
                    limit=f"{MAX_COLUMNS:,}")
    names = [h.strip() for h in row]
    for h in names:
        if not h or not (h.replace("_", "").isalnum() and h[0].isalpha()):
            raise error("error.fit.bad_header", p=p, h=repr(h[:MAX_CELL]))
    if len(set(names)) != len(names):
        raise error("error.fit.duplicate_header", p=p, names=', '.join(names))
    return names


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
