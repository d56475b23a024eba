"""One sampler for every picture: plots (``bibun plot``) and the web page's curves and
contour grids take their values here, so a constant derivative, a pole or a point outside
the domain looks the same in both.

Undefined values become NaN (a gap, sent to the page as null); a jump across a pole (a
step between neighbours taller than the visible window) is cut instead of drawn as a
spike; a formula without the variable (the derivative of 7) fills the grid with its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bibun.calculus.common import as_function


def sample(expr: Any, names: Sequence[str], *grids: np.ndarray) -> np.ndarray:
    """``expr`` over the grids (one array per name in ``names``, broadcast together):
    floats with NaN where undefined, poles cut for a curve of one variable."""
    f = as_function(expr, list(names))
    if len(grids) == 1:
        return curve(f, np.asarray(grids[0], dtype=float))
    shape = np.broadcast_shapes(*(np.shape(g) for g in grids))
    with np.errstate(all="ignore"):
        y = np.array(np.broadcast_to(f(*grids), shape), dtype=float)
    y[~np.isfinite(y)] = np.nan
    return y


def curve(f: Any, xs: np.ndarray) -> np.ndarray:
    """f on xs with gaps: undefined values become NaN, and a jump across a pole (a step
    between neighbours taller than the visible window) is cut, not drawn as a spike."""
    with np.errstate(all="ignore"):
        y = np.array(np.broadcast_to(f(xs), xs.shape), dtype=float)
    y[~np.isfinite(y)] = np.nan
    lo, hi = visible_limits(y)
    span = hi - lo
    if span > 0:
        dy = np.abs(np.diff(y))
        jump = np.flatnonzero(dy > span)
        for i in jump:
            # cut on the side further from the visible window's middle
            mid = (lo + hi) / 2
            j = i if abs(y[i] - mid) > abs(y[i + 1] - mid) else i + 1
            y[j] = np.nan
    return y


def visible_limits(*ys: np.ndarray) -> tuple[float, float]:
    """y-limits that show the shape: the full range when it is moderate, otherwise the
    2nd-98th percentiles (so 1/x near 0 does not flatten everything else)."""
    vals = np.concatenate([np.ravel(y) for y in ys]) if ys else np.array([])
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return -1.0, 1.0
    full_lo, full_hi = float(vals.min()), float(vals.max())
    p_lo, p_hi = (float(v) for v in np.percentile(vals, [2, 98]))
    if (full_hi - full_lo) <= 3 * max(p_hi - p_lo, 1e-12):
        lo, hi = full_lo, full_hi
    else:
        lo, hi = p_lo, p_hi
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad
