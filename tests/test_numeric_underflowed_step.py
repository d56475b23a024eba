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
