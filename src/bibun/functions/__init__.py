"""The rule table: one entry per elementary function, every fact about it in that entry.

``elementary`` holds trig/exp/log/hyperbolic functions and their inverses, roots and
piecewise functions; ``activations`` the ML activations.  Adding a function is one
:func:`register` call (in one of those modules, or from user code) plus its two catalog
lines ``fn.<name>`` in ``i18n/en.json`` and ``i18n/ja.json``; every face — parser,
printers, diff, explanations, answer checking, evaluation, autodiff, code generation,
the web page — reads the entry.  A face that has no rule for a function raises
:class:`MissingRule` naming the face.
"""

from bibun.functions import activations as _activations  # noqa: F401  (registers)
from bibun.functions import elementary as _elementary  # noqa: F401  (registers)
from bibun.functions.rule import (
    ANY,
    CORNER,
    EDGE,
    JUMP,
    NAMES,
    NEG,
    NUMPY_OPS,
    POS,
    RULES,
    VERTICAL,
    ZERO,
    Code,
    MissingRule,
    NumberOps,
    NumpyOps,
    Rule,
    call_code,
    code_for,
    latex_function,
    numpy_derivative,
    on_change,
    order,
    register,
    rule,
    rules,
    unregister,
    vectorized,
    version,
)

__all__ = [
    "ANY", "CORNER", "EDGE", "JUMP", "NAMES", "NEG", "NUMPY_OPS", "POS", "RULES", "VERTICAL",
    "ZERO", "Code", "MissingRule", "NumberOps", "NumpyOps", "Rule", "call_code", "code_for",
    "latex_function", "numpy_derivative", "on_change", "order", "register", "rule", "rules",
    "unregister", "vectorized", "version",
]
