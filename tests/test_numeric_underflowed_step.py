"""A Richardson step that underflows to 0 (``h = 5e-324``, the smallest subnormal,
halved) is refused in bibun's words, without NumPy's "divide by zero" warning on the
way: the web mode of the fuzzer found the warning in the server's log (``/api/numdiff``
with ``h`` at the bottom of its schema range)."""

from __future__ import annotations

import warnings

import pytest

from bibun.errors import DomainError
from bibun.numeric import derivative


def test_a_step_that_underflows_is_refused_without_a_numpy_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DomainError):
            derivative("sin(x)", 0, method="richardson", h=5e-324)


@pytest.mark.parametrize("method", ["central", "forward", "backward", "richardson",
                                    "richardson-forward", "auto"])
def test_a_step_that_does_not_move_x_is_refused_with_the_step_to_use(method):
    """h = 1e-300 at x = 1: x + h == x, so every quotient is 0/h; once the central
    difference printed 0.0 ± 7.5e284 and Richardson blamed f ("not finite at every step")."""
    import numpy as np

    from bibun import i18n
    from bibun.errors import BibunError

    f = np.abs if method == "auto" else np.sin  # |x| has no complex step: auto uses h
    with pytest.raises(BibunError, match=r"does not move x = 1 .* h ≥ 1\.5e-08") as exc:
        derivative(f, 1.0, method=method, h=1e-300)
    assert "動きません" in i18n.message(exc.value, "ja")


def test_the_complex_step_takes_any_tiny_step():
    """Its step is imaginary: x + ih is a different number however small h is."""
    import numpy as np

    est = derivative(np.sin, 1.0, method="complex", h=1e-300)
    assert abs(float(est.value) - np.cos(1.0)) < 1e-15
