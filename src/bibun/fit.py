"""Least squares: fit a model formula to data by setting partial derivatives to zero.

The seed puts it plainly: write the error as a function of the coefficients a, b,
differentiate with respect to each, and the coefficients where every partial derivative
is 0 minimize the error.  :func:`fit` does exactly that and shows it:

* the parameters are the free symbols of the model that are not data columns;
* a model *linear in its parameters* (a*x + b, a*x^2 + b*x + c, a*sin(x) + b) gets the
  normal equations derived symbolically (∂/∂a of the squared error by
  :func:`bibun.diff`), filled with the data's sums and solved exactly (rational data
  gives rational parameters);
* any other model (a*exp(k*x)) is fitted by Gauss-Newton with step halving, its
  Jacobian again symbolic;
* for linear models, gradient descent with the shared optimizers runs too, so the
  closed form and the iterative answer can be compared.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n, optim
from bibun.calculus import as_function, solve_exact
from bibun.errors import BibunError, DomainError
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.parse import parse_full
from bibun.symbolic import diff

#: exact rational arithmetic is used up to this many rows (beyond, floats)
EXACT_ROWS = 2000

#: every sentence of a fit report, in English and Japanese (the math stays as it is)
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "model": "model: {t} ≈ {m}   ({n} {rows}{columns}; method: {method})",
        "exact": "normal equations, solved exactly",
        "float": "normal equations, solved in floating point",
        "gn": "Gauss-Newton, {it} {iterations}",
        "partials": "setting the partial derivatives of S = Σ ({t} - {m})^2 to zero:",
        "normal": "normal equations (sums over the data):",
        "from": "(from ∂S/∂{p} = 0)",
        "nonlinear": "the model is not linear in its parameters, so it is fitted by "
                     "Gauss-Newton with step halving; the Jacobian's columns are:",
        "jacobian": "  {cols}",
        "parameters": "parameters:", "fitted": "fitted: {t} = {f}",
        "sse": "sum of squared residuals {sse}, R² = {r2}",
        "r2_none": "undefined",
        "residuals": "residuals: {r}",
        "gd": "gradient descent (lr {lr:.3g}) {outcome} {params}; largest difference "
              "from the normal equations' answer {d:.2e}",
        "gd_converged": "converged in {steps} {steps_word} to",
        "gd_max": "stopped after {steps} {steps_word} without converging, at",
        "kappa": "  (the error surface has condition number κ ≈ {k:.3g}; plain descent needs "
                 "on the order of κ·ln(1/tol) steps)",
        "note": "note: {n}",
        "r2_undefined": "R² is undefined: the target column is constant",
        "jac_undefined": "the Jacobian became undefined; stopped early",
        "no_converge": "Gauss-Newton did not converge in {it} iterations; the values are the "
                       "best found",
        "rank": "the Jacobian is rank-deficient at the solution: some parameters are not "
                "identifiable from this data",
        "converged": "converged", "max steps": "max steps",
    },
    "ja": {
        "model": "モデル：{t} ≈ {m}（データ {n} 行{columns}、解き方：{method}）",
        "exact": "正規方程式を分数で厳密に解く",
        "float": "正規方程式を浮動小数点で解く",
        "gn": "ガウス・ニュートン法で {it} 回反復",
        "partials": "誤差 S = Σ ({t} - {m})^2 を各パラメータで偏微分して 0 とおく：",
        "normal": "正規方程式（データの和）：",
        "from": "（∂S/∂{p} = 0 より）",
        "nonlinear": "モデルがパラメータについて線形でないので、ステップ半減つきの"
                     "ガウス・ニュートン法で当てはめる。ヤコビ行列の列は次のとおり：",
        "jacobian": "  {cols}",
        "parameters": "パラメータ：", "fitted": "当てはめた式：{t} = {f}",
        "sse": "残差平方和 {sse}、決定係数 R² = {r2}",
        "r2_none": "定義できない",
        "residuals": "残差：{r}",
        "gd": "勾配降下法（学習率 {lr:.3g}）でも解くと、{outcome}：{params}"
              "（正規方程式の解との差は最大 {d:.2e}）",
        "gd_converged": "{steps} ステップで収束",
        "gd_max": "{steps} ステップでは収束せず",
        "kappa": "  （誤差曲面の条件数 κ ≈ {k:.3g}：単純な勾配降下法には κ·ln(1/tol) 程度の"
                 "ステップが必要）",
        "note": "注：{n}",
        "r2_undefined": "目的変数の値がすべて同じなので、決定係数 R² は定義できません",
        "jac_undefined": "ヤコビ行列が計算できなくなったので、途中で止めました",
        "no_converge": "ガウス・ニュートン法は {it} 回の反復で収束しませんでした"
                       "（それまでで最良の値を表示しています）",
        "rank": "解でヤコビ行列の階数が落ちています：このデータでは決まらないパラメータが"
                "あります",
        "converged": "収束", "max steps": "最大ステップ数に到達",
    },
}


def _msg(lang: str, key: str, **kw: Any) -> str:
    if lang not in MESSAGES:
        raise BibunError(f"unknown language {lang!r}: use en or ja")
    words = {"rows": _plural(kw.get("n", 2), "row"),
             "iterations": _plural(kw.get("it", 2), "iteration"), "columns": "",
             "steps_word": _plural(kw.get("steps", 2), "step")}
    return MESSAGES[lang][key].format(**{**words, **kw})


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def human(v: Any, digits: int = 6) -> str:
    """A number for reading: an exact integer or fraction as it is (7/22), a float to
    ``digits`` significant digits (1.1, never 1.0999999999999999), never ``-0``."""
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else str(v)
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    return f"{v + 0.0:.{digits}g}"


def _decimal_of(q: Fraction, digits: int = 6) -> str:
    """``= 3.6`` when the fraction is that decimal exactly, else ``≈ 0.318182``."""
    text = human(float(q), digits)
    try:
        exact = Fraction(text) == q
    except ValueError:
        exact = False
    return f"= {text}" if exact else f"≈ {text}"


def _linear_text(coeffs: list[Any], names: list[str]) -> str:
    """55·a + 15·b, with a minus sign instead of ``+ -1.2·c``."""
    out = ""
    for c, name in zip(coeffs, names):
        t = human(c)
        neg = t.startswith("-")
        t = t.lstrip("-")
        if not out:
            out = f"{'-' if neg else ''}{t}·{name}"
        else:
            out += f" {'-' if neg else '+'} {t}·{name}"
    return out


def _no_column(name: str, cols: list[str], what: str, source: str) -> BibunError:
    """The column is not in the data: list the columns and suggest the nearest."""
    import difflib

    lower = {c.lower(): c for c in cols}
    close = [lower[name.lower()]] if name.lower() in lower else \
        difflib.get_close_matches(name, cols, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return BibunError(f"{what} '{name}' is not a column of {source} (its columns are "
                      f"{', '.join(cols)}){hint}")


@dataclass
class Data:
    """Columns of numbers: floats for computing, exact fractions when every cell was a
    plain decimal (so 0.1 is 1/10, not 0.1000000000000000055...)."""

    columns: dict[str, np.ndarray]
    exact: dict[str, list[Fraction]] | None = None
    source: str = "data"
    #: model name -> the data's own column name, after :func:`rename_columns`
    aliases: dict[str, str] = field(default_factory=dict)

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
        raise BibunError(f"no such data file: {p}") from None
    except IsADirectoryError:
        raise BibunError(f"{p} is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise BibunError(f"cannot read {p}: it is not UTF-8 text (is it a CSV file?)") from None
    except OSError as exc:
        raise BibunError(f"cannot read {p}: {exc.strerror or exc}") from None
    rows = [(i, r) for i, r in enumerate(csv.reader(text.splitlines()), start=1)
            if r and any(c.strip() for c in r)]
    if not rows:
        raise BibunError(f"{p} is empty: expected a header row such as x,y and numbers")
    _, header = rows[0]
    names = [h.strip() for h in header]
    for h in names:
        if not h or not (h.replace("_", "").isalnum() and h[0].isalpha()):
            raise BibunError(f"{p}: the header must name each column with a variable name "
                             f"such as x or y, got {h!r}")
    if len(set(names)) != len(names):
        raise BibunError(f"{p}: duplicate column names in the header {', '.join(names)}")
    floats: dict[str, list[float]] = {n: [] for n in names}
    exact: dict[str, list[Fraction]] | None = {n: [] for n in names}
    for line, r in rows[1:]:
        if len(r) != len(names):
            raise BibunError(f"{p}: row {line} has {len(r)} cells but the header has "
                             f"{len(names)} columns")
        for name, cell in zip(names, r):
            c = cell.strip()
            try:
                v = float(c)
            except ValueError:
                what = "is empty" if not c else f"{c!r} is not a number"
                raise BibunError(f"{p}: row {line}, column '{name}': {what}") from None
            if not math.isfinite(v):
                raise BibunError(f"{p}: row {line}, column '{name}': {c!r} is not a finite "
                                 f"number")
            floats[name].append(v)
            if exact is not None:
                try:
                    exact[name].append(Fraction(c))
                except ValueError:
                    exact = None
    if len(rows) < 2:
        raise BibunError(f"{p} has a header but no data rows")
    return Data({k: np.array(v) for k, v in floats.items()}, exact, str(p))


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
            raise BibunError(f"--{model} {col}: {d.source} already has a column named {model}; "
                             f"rename one of them")
    if len(set(new.values())) != len(new):
        raise BibunError(f"one column given for two symbols: "
                         f"{', '.join(f'{m} = {c}' for m, c in new.items())}")
    back = {col: model for model, col in new.items()}
    columns = {back.get(c, c): v for c, v in d.columns.items()}
    exact = {back.get(c, c): v for c, v in d.exact.items()} if d.exact is not None else None
    aliases = {**d.aliases, **{m: c for m, c in new.items() if m != c}}
    return Data(columns, exact, d.source, aliases)


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
                raise BibunError(f"column '{k}' must hold numbers") from None
            if not np.isfinite(arr).all():
                i = int(np.flatnonzero(~np.isfinite(arr))[0])
                raise BibunError(f"column '{k}', row {i + 1}: {vals[i]!r} is not a finite "
                                 f"number")
            if n is not None and len(arr) != n:
                raise BibunError(f"column '{k}' has {len(arr)} values, others have {n}")
            n = len(arr)
            cols[str(k)] = arr
            if exact is not None and all(isinstance(x, int | Fraction) and
                                         not isinstance(x, bool) for x in vals):
                exact[str(k)] = [Fraction(x) for x in vals]
            else:
                exact = None
        if not cols:
            raise BibunError("the data has no columns")
        return Data(cols, exact)
    raise BibunError(f"data must be a CSV path or a mapping of columns, got "
                     f"{type(data).__name__}")


@dataclass
class GradientCheck:
    """Gradient descent on the same squared error, for comparison with the closed form."""

    params: dict[str, float]
    steps: int
    lr: float
    max_difference: float
    reason: str
    condition: float = math.nan  # κ of the error's Hessian: plain descent needs ~κ steps


@dataclass
class FitResult:
    """Fitted parameters with residuals, R² and (for linear models) the derivation."""

    model: Expr
    target: str
    inputs: list[str]
    params: dict[str, float]
    exact: dict[str, Fraction] | None
    linear: bool
    residuals: np.ndarray
    sse: float
    r2: float
    n: int
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    iterations: int = 0
    converged: bool = True
    gd: GradientCheck | None = None
    note_keys: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    method_key: tuple[str, dict[str, Any]] = ("exact", {})
    #: model symbol -> data column it stands for (``--x hours``)
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return _msg("en", self.method_key[0], **self.method_key[1])

    @property
    def notes(self) -> list[str]:
        return [_msg("en", k, **kw) for k, kw in self.note_keys]

    @property
    def derivation(self) -> list[str]:
        """How the parameters were found: the partial derivatives and the normal
        equations (linear models) or the Jacobian (Gauss-Newton), in English."""
        return self.derivation_lines("en")

    def derivation_lines(self, lang: str = "en") -> list[str]:
        return [kw["text"] if k == "raw" else _msg(lang, k, **kw) for k, kw in self.steps]

    @property
    def fitted(self) -> Expr:
        """The model with the fitted numbers substituted (exact when available)."""
        vals = {k: core.number(v) for k, v in (self.exact or self.params).items()}
        return self.model.subs(vals)

    @property
    def fitted_display(self) -> Expr:
        """The fitted model for reading: floats rounded to 6 significant digits."""
        if self.exact:
            return self.fitted
        return self.model.subs({k: core.number(float(human(v)))
                                for k, v in self.params.items()})

    def predict(self, **columns: Any) -> np.ndarray:
        return as_function(self.fitted, self.inputs)(*(columns[c] for c in self.inputs))

    def summary(self, lang: str = "en") -> str:
        """The whole report: derivation, parameters (exact fractions when known), R²,
        residuals and the gradient-descent comparison; ``lang`` is en or ja.  Numbers are
        exact where they are exact, else rounded to 6 significant digits."""
        method = _msg(lang, self.method_key[0], **self.method_key[1])
        sep = i18n.text("fit.column_separator", lang)
        columns = "".join(f"{sep}{m} = {c}" for m, c in self.aliases.items())
        lines = [_msg(lang, "model", t=self.target, m=self.model, n=self.n, method=method,
                      columns=columns)]
        lines.extend(self.derivation_lines(lang))
        lines.append(_msg(lang, "parameters"))
        for k, v in self.params.items():
            ex = self.exact.get(k) if self.exact else None
            if ex is None:
                shown = human(v)
            elif ex.denominator == 1:
                shown = human(ex)
            else:
                shown = f"{human(ex)}  ({_decimal_of(ex)})"
            lines.append(f"  {k} = {shown}")
        lines.append(_msg(lang, "fitted", t=self.target, f=self.fitted_display))
        r2 = human(self.r2) if math.isfinite(self.r2) else _msg(lang, "r2_none")
        lines.append(_msg(lang, "sse", sse=human(self.sse), r2=r2))
        show = self.residuals[:8]
        more = " ..." if len(self.residuals) > 8 else ""
        lines.append(_msg(lang, "residuals", r=", ".join(human(r, 4) for r in show) + more))
        if self.gd is not None:
            g = self.gd
            outcome = _msg(lang, "gd_converged" if g.reason == "converged" else "gd_max",
                           steps=g.steps)
            lines.append(_msg(lang, "gd", lr=g.lr, outcome=outcome,
                              params=", ".join(f"{k} = {human(v)}" for k, v in g.params.items()),
                              d=g.max_difference))
            if g.reason != "converged":
                lines.append(_msg(lang, "kappa", k=g.condition))
        lines.extend(_msg(lang, "note", n=_msg(lang, k, **kw)) for k, kw in self.note_keys)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": str(self.model), "target": self.target, "inputs": self.inputs,
            "params": self.params, "linear": self.linear, "method": self.method,
            "exact": {k: str(v) for k, v in self.exact.items()} if self.exact else None,
            "fitted": str(self.fitted), "sse": self.sse,
            "r2": self.r2 if math.isfinite(self.r2) else None,
            "residuals": [float(r) for r in self.residuals], "n": self.n,
            "derivation": self.derivation, "iterations": self.iterations,
            "converged": self.converged, "notes": self.notes,
            "columns": dict(self.aliases),
        }
        if self.gd is not None:
            out["gradient_descent"] = {"params": self.gd.params, "steps": self.gd.steps,
                                       "lr": self.gd.lr, "reason": self.gd.reason,
                                       "max_difference": self.gd.max_difference,
                                       "condition": self.gd.condition}
        return out


def fit(data: Any, model: Any = "a*x + b", target: str | None = None,
        init: Mapping[str, float] | None = None, compare_gd: bool = True,
        max_iter: int = 200, columns: Mapping[str, str] | None = None) -> FitResult:
    """Least-squares fit of ``model`` to ``data`` (CSV path or mapping of columns).

    ``model`` may name its target (``"y = a*x + b"``); otherwise ``target`` or the one
    data column the model does not use is the target.  ``init`` gives starting values
    for nonlinear models (default 1 for every parameter).  ``columns`` lets a model
    symbol stand for a differently named column: ``{"x": "hours"}``.
    """
    d = as_data(data)
    if columns:
        d = rename_columns(d, columns)
    m, target = _model(model, target, d)
    inputs = sorted(m.free & set(d.columns))
    params = sorted(m.free - set(d.columns))
    if not params:
        used = ", ".join(sorted(m.free)) or "none"
        raise BibunError(f"the model {m} has no parameters: every symbol in it ({used}) is a "
                         f"data column; write unknowns such as a*x + b")
    if not inputs and len(params) > 1:
        raise _uses_no_column(m, params, target, d)
    if d.n < 1:
        raise BibunError("the data has no rows")
    unknown = sorted(set(init or {}) - set(params))
    if unknown:
        raise BibunError(f"initial values for {', '.join(unknown)}, which "
                         f"{'is not a parameter' if len(unknown) == 1 else 'are not parameters'}"
                         f" of the model (parameters: {', '.join(params)})")
    basis = [diff(m, p) for p in params]
    linear = all(not (b.free & set(params)) for b in basis)
    y = d.columns[target]
    if linear:
        res = _fit_linear(m, target, inputs, params, basis, d)
        if compare_gd:
            res.gd = _gradient_descent(m, inputs, params, basis, d, y, res.params)
    else:
        res = _fit_nonlinear(m, target, inputs, params, basis, d, init or {}, max_iter)
    res.aliases = {k: v for k, v in d.aliases.items() if k in inputs or k == target}
    return res


def _uses_no_column(m: Expr, params: list[str], target: str | None, d: Data) -> BibunError:
    """A model none of whose symbols is a column (a*x + b on columns hours, score): every
    symbol would be a parameter and the fit meaningless, so say which column was meant."""
    import difflib

    free = [d.aliases.get(c, c) for c in d.columns if c != target]
    guesses = []
    for p in params:
        close = difflib.get_close_matches(p, free, n=1, cutoff=0.5)
        if close:
            guesses.append(f"'{close[0]}' for {p}")
    hint = f" (did you mean {', '.join(guesses)}?)" if guesses else ""
    pick = f", or choose the column for x with --x {free[0]}" if "x" in params and free else ""
    cols = ", ".join(d.aliases.get(c, c) for c in d.columns)
    return BibunError(f"the model {m} uses none of the data columns ({cols})"
                      f": every symbol in it ({', '.join(params)}) would be a parameter; "
                      f"write the model with the column names{hint}{pick}")


def _model(model: Any, target: str | None, d: Data) -> tuple[Expr, str]:
    cols = list(d.columns)
    shown = [d.aliases.get(c, c) for c in cols]  # the file's own names, for messages
    if isinstance(model, Expr):
        m, name = model, None
    else:
        text = str(model)
        parsed = parse_full(text)
        m, name = parsed.expr, parsed.name
        if parsed.params:
            raise BibunError("write the model as an expression or y = expression, not f(x) = ...")
        _check_split_names(text, m, d)
    tgt = target or name
    if not (m.free & set(cols)) and len(m.free) > 1:
        raise _uses_no_column(m, sorted(m.free), tgt, d)
    if tgt in d.aliases.values():
        model_name = next(k for k, v in d.aliases.items() if v == tgt)
        raise BibunError(f"the column {tgt} is already the model's {model_name}; it cannot "
                         f"also be the target")
    if tgt is None:
        unused = [c for c in cols if c not in m.free]
        if len(unused) == 1:
            tgt = unused[0]
        elif "y" in unused:
            tgt = "y"
        else:
            raise BibunError(f"which column is the target? the columns are {', '.join(shown)}; "
                             f"write the model as y = ... or give the target (--y)")
    if tgt not in d.columns:
        raise _no_column(tgt, shown, "the target", d.source)
    if tgt in m.free:
        raise BibunError(f"the target '{tgt}' also appears inside the model {m}")
    return m, tgt


def _check_split_names(text: str, m: Expr, d: Data) -> None:
    """A column name of several letters typed in the model (``a*hours + b``) is read as a
    product of letters (h·o·u·r·s): refuse it and show how to name the column instead."""
    import re

    from bibun.expr.lex import split_word

    rhs = text.split("=", 1)[1] if "=" in text else text
    names = set(d.columns) | set(d.aliases.values())
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rhs):
        if word in names and word not in m.free and len(word) > 1:
            parts = split_word(re.sub(r"[0-9_].*", "", word)) or [word]
            product = "·".join(parts)
            raise BibunError(f"'{word}' in the model is read as the product {product} "
                             f"(letters written together multiply); write the model with x "
                             f"and choose the column with --x {word}, e.g. --model "
                             f"'a*x + b' --x {word}")


def _normal_system(m: Expr, target: str, params: list[str], basis: list[Expr]
                   ) -> tuple[Expr, list[Expr]]:
    """The per-row squared error (y - m)^2 and its partial derivatives, symbolically."""
    err = core.power(core.add(core.symbol(target), core.neg(m)), core.TWO)
    return err, [diff(err, p) for p in params]


def _fit_linear(m: Expr, target: str, inputs: list[str], params: list[str],
                basis: list[Expr], d: Data) -> FitResult:
    zero = {p: core.ZERO for p in params}
    offset = m.subs(zero)  # the part of the model without parameters (often 0)
    err, partials = _normal_system(m, target, params, basis)
    k = len(params)
    exact_ok = d.exact is not None and d.n <= EXACT_ROWS
    phi_e = rhs_e = None
    if exact_ok:
        phi_e, rhs_e = _exact_design(basis, offset, target, inputs, d)
    phi = _float_design(basis, inputs, d)
    y = d.columns[target]
    off = _values(offset, inputs, d, "the model")
    rhs = y - off
    # normal matrix A = Φᵀ Φ, right side Φᵀ (y - m0)
    if phi_e is not None and rhs_e is not None:
        A: list[list[Any]] = [[sum(phi_e[i][r] * phi_e[j][r] for r in range(d.n))
                               for j in range(k)] for i in range(k)]
        bvec: list[Any] = [sum(phi_e[i][r] * rhs_e[r] for r in range(d.n)) for i in range(k)]
    else:
        Af = phi.T @ phi
        A = Af.tolist()
        bvec = (phi.T @ rhs).tolist()
    m_text = f"({m})" if m.op == core.ADD or str(m).startswith("-") else str(m)
    steps: list[tuple[str, dict[str, Any]]] = [("partials", {"t": target, "m": m_text})]
    y_sym = core.symbol(target)
    for p, dp in zip(params, partials):
        steps.append(("raw", {"text": f"  ∂S/∂{p} = Σ {dp} = 0"}))
    steps.append(("normal", {}))
    resid_sym = core.add(y_sym, core.neg(offset))
    for i in range(len(params)):
        lhs_sym = " + ".join(f"{q}·Σ{_paren(core.mul(basis[i], basis[j]))}"
                             for j, q in enumerate(params))
        if len(target) > 1 and resid_sym is y_sym:  # Σx·score, not Σscorex
            rhs_sym = f"Σ{target}" if basis[i] is core.ONE else \
                f"Σ{_paren(basis[i])}·{target}"
        else:
            rhs_sym = f"Σ{_paren(core.mul(basis[i], resid_sym))}"
        lhs_num = _linear_text([A[i][j] for j in range(k)], params)
        steps.append(("raw", {"text": f"  {lhs_sym} = {rhs_sym}   →   {lhs_num} = "
                                      f"{human(bvec[i])}"}))
    _check_identifiable(np.array(A, dtype=float), params, basis, d, inputs)
    exact_sol = None
    if phi_e is not None:
        aug = [list(row) + [bvec[i]] for i, row in enumerate(A)]
        exact_sol = solve_exact(aug)
    if exact_sol is not None:
        values = {p: float(v) for p, v in zip(params, exact_sol)}
        exact = dict(zip(params, exact_sol))
        method = ("exact", {})
    else:
        sol, *_ = np.linalg.lstsq(phi, rhs, rcond=None)
        values = {p: float(v) for p, v in zip(params, sol)}
        exact = None
        method = ("float", {})
    pred = off + phi @ np.array([values[p] for p in params])
    exact_resid = None
    if exact is not None and phi_e is not None and rhs_e is not None:
        sol_e = [exact[p] for p in params]
        exact_resid = [rhs_e[r] - sum(phi_e[i][r] * sol_e[i] for i in range(k))
                       for r in range(d.n)]
    res = _result(m, target, inputs, values, exact, True, method, y, pred, steps,
                  exact_resid, d.exact[target] if d.exact is not None else None)
    return res


def _paren(e: Expr) -> str:
    s = str(e)
    return f"({s})" if e.op in (core.ADD,) or " " in s else s


def _exact_design(basis: list[Expr], offset: Expr, target: str, inputs: list[str], d: Data
                  ) -> tuple[list[list[Fraction]] | None, list[Fraction] | None]:
    """Φ and y - m0 in exact rationals, or (None, None) when some value is irrational."""
    assert d.exact is not None
    phi: list[list[Fraction]] = [[] for _ in basis]
    rhs: list[Fraction] = []
    for r in range(d.n):
        point = {c: d.exact[c][r] for c in inputs}
        try:
            for i, b in enumerate(basis):
                v = b.evaluate(point)
                if not isinstance(v, int | Fraction):
                    return None, None
                phi[i].append(Fraction(v))
            o = offset.evaluate(point)
        except DomainError as exc:
            raise DomainError(f"the model is undefined at row {r + 1} ({_where(point)}): "
                              f"{exc}") from None
        if not isinstance(o, int | Fraction):
            return None, None
        rhs.append(d.exact[target][r] - Fraction(o))
    return phi, rhs


def _where(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in point.items())


def _values(e: Expr, inputs: list[str], d: Data, what: str) -> np.ndarray:
    vals = as_function(e, inputs)(*(d.columns[c] for c in inputs)) if inputs else \
        np.full(d.n, float(e.evaluate()) if not e.free else np.nan)
    vals = np.broadcast_to(vals, (d.n,)).astype(float)
    bad = np.flatnonzero(~np.isfinite(vals))
    if len(bad):
        r = int(bad[0])
        pt = {c: float(d.columns[c][r]) for c in inputs}
        raise DomainError(f"{what} {e} is undefined at row {r + 1} ({_where(pt)})")
    return vals


def _float_design(basis: list[Expr], inputs: list[str], d: Data) -> np.ndarray:
    return np.column_stack([_values(b, inputs, d, "the model term") for b in basis])


def _check_identifiable(A: np.ndarray, params: list[str], basis: list[Expr], d: Data,
                        inputs: list[str]) -> None:
    """A singular normal matrix means some change of parameters leaves every prediction
    unchanged: name those parameters and the direction (and the constant column, when
    that is the cause: a line through points that all have the same x)."""
    k, n = len(params), d.n
    if n < k:
        raise BibunError(f"{k} parameters ({', '.join(params)}) cannot be determined from "
                         f"{n} data {_plural(n, 'row')}: need at least {k}")
    u, s, vt = np.linalg.svd(A)
    if s[0] == 0 or s[-1] <= 1e-12 * s[0]:
        v = vt[-1]
        v = v / np.abs(v).max()
        involved = [p for p, c in zip(params, v) if abs(c) > 1e-6]
        direction = ", ".join(f"{c + 0.0:.3g}" for p, c in zip(params, v) if abs(c) > 1e-6)
        terms = ", ".join(f"∂model/∂{p} = {b}" for p, b in zip(params, basis) if p in involved)
        constant = [c for c in inputs if n > 1 and np.ptp(d.columns[c]) == 0]
        if constant:
            c = constant[0]
            raise BibunError(
                f"the parameters {', '.join(involved)} are not identifiable: {c} is "
                f"{human(float(d.columns[c][0]))} in every row, so the terms ({terms}) cannot "
                f"be told apart - changing ({', '.join(involved)}) along ({direction}) leaves "
                f"every prediction unchanged; add rows with other values of {c}")
        raise BibunError(
            f"the parameters {', '.join(involved)} are not identifiable: the normal matrix is "
            f"singular because their terms ({terms}) are linearly dependent on this data; "
            f"changing ({', '.join(involved)}) along ({direction}) leaves every prediction "
            f"unchanged - remove one of them or add data that separates them")


def _result(m: Expr, target: str, inputs: list[str], values: dict[str, float],
            exact: dict[str, Fraction] | None, linear: bool,
            method: tuple[str, dict[str, Any]], y: np.ndarray,
            pred: np.ndarray, steps: list[tuple[str, dict[str, Any]]],
            exact_resid: list[Fraction] | None = None,
            exact_y: list[Fraction] | None = None) -> FitResult:
    """Residuals, their sum of squares and R²: from exact fractions when the fit was
    exact (so 0.2 is 0.2, not 0.20000000000000007), else in floating point."""
    notes: list[tuple[str, dict[str, Any]]] = []
    if exact_resid is not None and exact_y is not None:
        resid = np.array([float(r) for r in exact_resid])
        sse_e = sum(r * r for r in exact_resid)
        mean = sum(exact_y) / len(exact_y)
        sst_e = sum((v - mean) ** 2 for v in exact_y)
        sse = float(sse_e)
        r2 = float(1 - sse_e / sst_e) if sst_e else math.nan
        sst = float(sst_e)
    else:
        resid = y - pred
        sse = float(resid @ resid)
        sst = float(((y - y.mean()) ** 2).sum())
        r2 = 1 - sse / sst if sst != 0 else math.nan
    if sst == 0:
        notes.append(("r2_undefined", {}))
    return FitResult(m, target, inputs, values, exact, linear, resid, sse, r2, len(y),
                     steps, note_keys=notes, method_key=method)


def _gradient_descent(m: Expr, inputs: list[str], params: list[str], basis: list[Expr],
                      d: Data, y: np.ndarray, closed: dict[str, float],
                      max_steps: int = 50000) -> GradientCheck:
    """Minimize the mean squared error with the shared SGD update and the symbolic
    gradient ∂/∂p (1/n) Σ (y - m)^2 = (2/n) Σ (m - y) ∂m/∂p.

    For a linear model ∂m/∂p does not depend on the parameters, so its column of values
    is computed once and each step is two matrix-vector products.  The step 1/L uses the
    curvature L (largest Hessian eigenvalue), the largest step that cannot diverge; the
    number of steps plain descent needs grows with the condition number κ, reported."""
    phi = _float_design(basis, inputs, d)
    off = _values(m.subs({p: core.ZERO for p in params}), inputs, d, "the model")
    n = len(y)
    H = 2.0 / n * phi.T @ phi
    eig = np.linalg.eigvalsh(H)
    L, mu = float(eig.max()), float(eig.min())
    lr = 1.0 / L if L > 0 else 0.1
    w = np.zeros(len(params))
    opt = optim.SGD([w], lr=lr)
    reason = "max steps"
    steps = 0
    scale = 1 + max(abs(v) for v in closed.values())
    while steps < max_steps:
        g = 2.0 / n * (phi.T @ (phi @ w + off - y))
        if np.linalg.norm(g) < 1e-12 * scale * max(1.0, L):
            reason = "converged"
            break
        opt.step([g])
        steps += 1
    got = {p: float(v) for p, v in zip(params, w)}
    diff_max = max(abs(got[p] - closed[p]) for p in params)
    kappa = L / mu if mu > 0 else math.inf
    return GradientCheck(got, steps, lr, diff_max, reason, kappa)


def _fit_nonlinear(m: Expr, target: str, inputs: list[str], params: list[str],
                   basis: list[Expr], d: Data, init: Mapping[str, float], max_iter: int
                   ) -> FitResult:
    """Gauss-Newton: linearize m around the current parameters (Jacobian = the symbolic
    ∂m/∂p), solve the small least-squares problem, and halve the step until the squared
    error goes down."""
    unknown = sorted(set(init) - set(params))
    if unknown:
        raise BibunError(f"initial values for {', '.join(unknown)}, which are not parameters "
                         f"of the model (parameters: {', '.join(params)})")
    p = np.array([float(init.get(q, 1.0)) for q in params])
    y = d.columns[target]
    cols = [d.columns[c] for c in inputs]
    names = inputs + params
    f = as_function(m, names)
    jac = [as_function(b, names) for b in basis]
    n = len(y)
    if n < len(params):
        raise BibunError(f"{len(params)} parameters ({', '.join(params)}) cannot be determined "
                         f"from {n} data {_plural(n, 'row')}: need at least {len(params)}")

    def predict(q: np.ndarray) -> np.ndarray:
        return np.broadcast_to(f(*cols, *q), (n,)).astype(float)

    pred = predict(p)
    if not np.isfinite(pred).all():
        r = int(np.flatnonzero(~np.isfinite(pred))[0])
        pt = {c: float(d.columns[c][r]) for c in inputs}
        start = ", ".join(f"{q} = {v:g}" for q, v in zip(params, p))
        raise DomainError(f"the model {m} is undefined at row {r + 1} ({_where(pt)}) with the "
                          f"starting values {start}: give other starting values")
    sse = float(((y - pred) ** 2).sum())
    converged = False
    it = 0
    notes: list[tuple[str, dict[str, Any]]] = []
    while it < max_iter:
        it += 1
        J = np.column_stack([np.broadcast_to(j(*cols, *p), (n,)) for j in jac])
        if not np.isfinite(J).all():
            notes.append(("jac_undefined", {}))
            break
        step, *_ = np.linalg.lstsq(J, y - pred, rcond=None)
        t = 1.0
        improved = False
        for _ in range(40):
            q = p + t * step
            pq = predict(q)
            if np.isfinite(pq).all():
                s = float(((y - pq) ** 2).sum())
                if s <= sse:
                    improved = True
                    break
            t /= 2
        if not improved:
            converged = float(np.linalg.norm(J.T @ (y - pred))) <= 1e-8 * (1 + sse)
            break
        small = np.abs(t * step).max() <= 1e-12 * (1 + np.abs(p).max())
        rel = (sse - s) <= 1e-15 * (1 + sse)
        p, pred, sse = q, pq, s
        if small or rel:
            converged = True
            break
    if not converged:
        notes.append(("no_converge", {"it": it}))
    values = {q: float(v) for q, v in zip(params, p)}
    Jf = np.column_stack([np.broadcast_to(j(*cols, *p), (n,)) for j in jac])
    steps = [("nonlinear", {}), ("jacobian", {"cols": ", ".join(
        f"∂m/∂{q} = {b}" for q, b in zip(params, basis))})]
    if np.linalg.matrix_rank(Jf) < len(params):
        notes.append(("rank", {}))
    res = _result(m, target, inputs, values, None, False,
                  ("gn", {"it": it}), y, pred, steps)
    res.iterations, res.converged = it, converged
    res.note_keys.extend(notes)
    return res


def sample_linear_data(n: int = 20, a: float = 2.0, b: float = 1.0, noise: float = 0.5,
                       seed: int = 0) -> dict[str, np.ndarray]:
    """Points y = a x + b + noise on x in [0, 10]: the data a least-squares demo needs."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 10, n)
    return {"x": x, "y": a * x + b + noise * rng.standard_normal(n)}

