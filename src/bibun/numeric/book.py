"""The *Deep Learning from Scratch* functions, bit for bit: learners compare
against the book's output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bibun.i18n import error
from bibun.numeric.calling import _as_callable

# -- book-compatible functions -------------------------------------------------------------


def numerical_diff(f: Callable[[Any], Any], x: Any) -> Any:
    """The book's central difference ``(f(x+h) - f(x-h)) / (2h)`` with ``h = 1e-4``.

    Kept literally so that its output matches *Deep Learning from Scratch* (and the
    seeds) to the last digit: ``numerical_diff(lambda x: 0.01*x**2 + 0.1*x, 5)`` is
    0.1999999999990898.  Use :func:`derivative` for an error estimate.
    """
    f, _ = _as_callable(f, "numerical_diff", None)
    h = 1e-4
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """The book's gradient: central differences, ``h = 1e-4``, one element at a time.

    Each element of ``x`` is perturbed *in place* (``f`` is called with ``x`` itself) and
    restored afterwards, even if ``f`` raises.  That is what lets ``f`` ignore its
    argument and read weights it captured, as the book's ``lambda W: net.loss(x, t)``
    does.  Works for any shape.  Integer arrays are refused: ``x[i] + 1e-4`` would be
    truncated back to ``x[i]`` and every partial derivative would come out 0.
    """
    if not isinstance(x, np.ndarray):
        try:
            x = np.array(x, dtype=float)
        except (TypeError, ValueError):
            raise error("error.numeric.float_array") from None
    f, _ = _as_callable(f, "numerical_gradient", x.size)
    if x.dtype.kind != "f":
        raise error("error.numeric.integer_dtype", dtype=x.dtype)
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        saved = x[i].copy()
        try:
            x[i] = saved + h
            up = f(x)
            x[i] = saved - h
            down = f(x)
        finally:
            x[i] = saved
        grad[i] = (up - down) / (2 * h)
        it.iternext()
    return grad


