"""What a numerical derivative returns (value, error estimate, how it was found)
and the tuning constants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bibun.numeric.display import estimate_bundle

EPS = float(np.finfo(float).eps)
METHODS = ("auto", "forward", "backward", "central", "complex", "richardson",
           "richardson-forward", "richardson-backward")
MAX_ORDER = 10

# Tuning constants (calibrated with bench/numeric_accuracy.py; see docs/numeric.md).
_NOISE = 4.0 * EPS  # relative error assumed for one evaluation of f
_SAFETY = 2.0  # multiplies the Richardson difference estimate
_CS_NOISE = 8.0 * EPS  # relative error assumed for a complex-step derivative
_CS_STEP = 1e-20  # imaginary step, relative to max(|x|, 1)
_H0_EXP = -4  # first Richardson step: 2^_H0_EXP · max(|x|, 1) (one more for n > 1)
_JMAX = 6  # deepest Richardson column
_MAX_LEVELS = 36  # halvings of the step before giving up
_MAX_PROBES = 6  # restarts after a failed probe (see _probe)
_PATIENCE = 1  # levels without improvement before stopping (when converged)
_LONG_PATIENCE = 6  # ... before stopping when the best estimate is still poor


class NumericWarning(UserWarning):
    """A numerical derivative came back, but should not be trusted (see its flags)."""

# -- results -------------------------------------------------------------------------------


@dataclass
class Estimate:
    """A numerical derivative with its error bar.

    For array input every field except ``method`` and ``n`` is an array of the same
    shape (``flags`` is an object array of tuples).  ``error_estimate`` is an estimate of
    ``|value - exact|``; :data:`ok` says whether nothing worrying happened.
    """

    value: Any
    error_estimate: Any
    h: Any
    evaluations: Any
    method: Any
    flags: Any = ()
    n: int = 1

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: value ± error, method, step, warnings."""
        return estimate_bundle(self)

    def __float__(self) -> float:
        return float(self.value)

    @property
    def ok(self) -> bool:
        """True when no point was flagged as unreliable."""
        return not any("unreliable" in f for f in self.all_flags)

    @property
    def all_flags(self) -> list[str]:
        """Every distinct flag, in first-seen order (for array results too)."""
        if isinstance(self.flags, tuple):
            return list(self.flags)
        seen: dict[str, None] = {}
        for fl in np.asarray(self.flags, dtype=object).ravel():
            for f in fl:
                seen.setdefault(f, None)
        return list(seen)

    def __str__(self) -> str:
        if np.ndim(self.value) == 0 and isinstance(self.flags, tuple):
            extra = f"; {'; '.join(self.flags)}" if self.flags else ""
            return (f"{float(self.value):.16g} ± {float(self.error_estimate):.1e} "
                    f"({self.method}, h={float(self.h):.3g}, "
                    f"{int(self.evaluations)} evaluations{extra})")
        with np.printoptions(precision=16):
            lines = [f"value          = {self.value}",
                     f"error_estimate = {np.asarray(self.error_estimate)}",
                     f"method         = {self.method}",
                     f"evaluations    = {int(np.sum(self.evaluations))} in total"]
        if self.all_flags:
            lines.append("flags          = " + "; ".join(self.all_flags))
        return "\n".join(lines)


