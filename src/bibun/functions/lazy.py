"""NumPy, loaded on first use.

Reading the rule table, parsing, printing and symbolic ``diff`` never touch NumPy; only
numbers do.  Importing NumPy costs about a tenth of a second and ~15 MiB, which is most
of what a ``bibun diff`` run would otherwise spend, so the modules on that path (the
rule table, ``bibun.expr.core``, ``evaluate``, ``polynomial``) import NumPy through
:data:`np` here: a module object made at import time by the standard library's
:class:`importlib.util.LazyLoader`, whose body runs at its first attribute access
(``np.sin``, ``np.errstate``).  This is still a module-level import — nothing is
imported inside a function — only NumPy's own start-up is deferred.  Every other module
keeps ``import numpy as np``; once one of them is imported (or the user imports NumPy),
the real module is loaded and :data:`np` is that module.

Do not read ``np.<anything>`` at import time in a module on the symbolic path: the rule
entries name their NumPy implementation as a string (``"np.sin"``, see
:class:`bibun.functions.rule.Rule`), resolved on first use.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any


def _lazy_module(name: str) -> Any:
    if name in sys.modules:  # already imported (by the user or another module): use it
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - NumPy is a dependency
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


#: the ``numpy`` module (its body runs at the first attribute access)
np: Any = _lazy_module("numpy")


def numpy_loaded() -> bool:
    """Has NumPy's body run (so that NumPy objects can exist)?  Never loads it."""
    m = sys.modules.get("numpy")
    return type(m) is types.ModuleType


def is_numpy(x: Any) -> bool:
    """Is ``x`` a NumPy object (scalar or array)?  Never loads NumPy: when it is not
    loaded, nothing can be a NumPy object."""
    return numpy_loaded() and type(x).__module__.split(".", 1)[0] == "numpy"
