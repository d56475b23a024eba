"""The rule record, the registry and the ``F`` namespaces every consumer evaluates it in.

A :class:`Rule` is everything bibun knows about one elementary function.  Every consumer
(parser, printers, symbolic diff, explanations, answer checking, numeric evaluation,
forward and reverse mode, code generation, the web page) reads it from here, so adding
a function is one :func:`register` call plus its two catalog lines (``fn.<name>`` in
``i18n/en.json`` and ``i18n/ja.json``) — nothing else.

Formulas in a rule (``deriv``, ``definition``, ``through``, ``poles``) are plain
functions of the argument ``u`` (and, for ``deriv``, the function's own value ``y``)
and a namespace ``F``: symbolic expressions, NumPy arrays, dual numbers and autodiff
tensors each pass their own ``F`` and get the result in their own kind.  ``F`` has every
function of the table (``F.cos(u)``) and builds constants (``F.pi``, ``F.e``,
``F.const(Fraction(1, 2))``, ``F.sqrt(2)``), so ``2/F.sqrt(F.pi)`` works everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any

from bibun.errors import BibunError, UnknownFunctionError
from bibun.functions.lazy import np
from bibun.i18n import error
from bibun.record import field, record

#: f'(u) as a function of (u, y = f(u), F)
Deriv = Callable[[Any, Any, Any], Any]
#: a formula in u as a function of (u, F)
Formula = Callable[[Any, Any], Any]

# -- signs, for the sign analysis of :mod:`bibun.expr.signs` ---------------------------------
NEG, ZERO, POS = 1, 2, 4
ANY = NEG | ZERO | POS

#: what kind of point a non-differentiable point is (``Rule.nondiff_kind``); explanations
#: and ``diff --at`` name it with the matching catalog line (note.corner, note.jump, …)
CORNER, JUMP, VERTICAL, EDGE = "corner", "jump", "vertical", "edge"


@record(frozen=True)
class Code:
    """How each code backend writes the function.

    Each field is a dotted callable name (``"np.sin"``, ``"jax.nn.sigmoid"``) or a
    template in ``{u}`` (``"1 / np.cos({u})"``); ``None`` means the backend has no such
    function, and code generation says so instead of emitting a name that does not exist
    (there is no ``jnp.erf``).  ``numpy`` must run with only ``np`` and ``math`` in scope
    (it is what ``.python()`` prints); ``math`` may be None, then the math backend calls
    the NumPy implementation on floats.
    """

    numpy: str | None = None
    math: str | None = None
    jax: str | None = None
    torch: str | None = None

    def get(self, backend: str) -> str | None:
        return getattr(self, backend)


def call_code(spec: str, arg: str) -> str:
    """Source that applies a :class:`Code` spec to ``arg`` (already valid source)."""
    if "{u}" in spec:
        simple = arg.replace("_", "a").replace(".", "a").isalnum()
        return "(" + spec.format(u=arg if simple else f"({arg})") + ")"
    return f"{spec}({arg})"


def same_code(np_name: str, math_name: str | None = None, jax: str | None = None,
              torch: str | None = None) -> Code:
    """The common case: NumPy, JAX and torch share the ufunc's name (``arcsin``)."""
    return Code(f"np.{np_name}", f"math.{math_name}" if math_name else None,
                jax or f"jnp.{np_name}", torch or f"torch.{np_name}")


class _NumpyImpl:
    """``Rule.numpy``: a callable, or the name of a NumPy function (``"np.sin"``) looked
    up at first use, so that reading the table does not load NumPy
    (:mod:`bibun.functions.lazy`)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            raise AttributeError(self.slot)  # the dataclass field has no default
        impl = obj.__dict__[self.slot]
        if isinstance(impl, str):
            impl = getattr(np, impl.removeprefix("np."))
            obj.__dict__[self.slot] = impl
        return impl

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value


@record(frozen=True)
class Rule:
    """One elementary function of one argument, with every fact about it.

    ``name`` is the canonical name (what the printers write); ``aliases`` the other
    names people type (``arcsin``, ``arsinh``); ``latex`` how LaTeX prints it and
    ``latex_names`` the other commands or ``\\operatorname{…}`` names read as it.
    ``kind`` is the explanation family (trig, hyperbolic, activation, …; an unknown
    family is explained by the general "known function" step).
    """

    name: str
    #: the NumPy implementation, or the name of a NumPy function (``"np.sin"``)
    numpy: Callable[[Any], Any] = _NumpyImpl()  # type: ignore[assignment]
    deriv: Deriv
    latex: str
    kind: str
    aliases: tuple[str, ...] = ()
    latex_names: tuple[str, ...] = ()
    code: Code = Code()
    #: the function through exp/log (tanh = (e^u - e^-u)/(e^u + e^-u)), for simplify,
    #: answer checking and the exponential form
    definition: Formula | None = None
    #: the function through other table functions (tan = sin/cos), for answer checking
    through: Formula | None = None
    #: recognize(): rewrite the definition back into the function in answers
    recognize: bool = False
    domain: Callable[[float], bool] | None = None
    domain_text: str = ""
    #: g(u) whose zeros are the poles (tan: cos u); descend refuses to step across them
    poles: Formula | None = None
    #: an interval inside the domain where the function is smooth: where tests and
    #: spot checks sample it
    typical: tuple[float, float] = (0.3, 0.8)
    nondiff: tuple[float, ...] = ()
    nondiff_kind: str = VERTICAL
    #: corner -> the slope automatic differentiation uses there (relu: {0: 0}, as PyTorch
    #: and JAX do).  At a corner there is no derivative, only subgradients; this picks one
    #: for reverse and forward mode, while symbolic diff and ``--at`` still report the
    #: corner (``nondiff``).  Points not listed use ``deriv`` as it stands.
    subgradient: dict[float, Any] = field(default_factory=dict)
    analytic: bool = True  # accepts complex input and is holomorphic (complex step is valid)
    #: exact special values: argument -> value (sin(0) = 0, sigmoid(0) = 1/2)
    exact: dict[Any, Any] = field(default_factory=dict)
    #: exact value at any rational u, for functions that are rational there (relu(-50) = 0,
    #: |-2| = 2): without it a constant such as relu(-50)·y stays unevaluated and its
    #: derivative 0/0 makes a defined function look undefined
    exact_rational: Callable[[Fraction | int], Any] | None = None
    #: exact value at u = qπ for rational q, as (q, F) -> value or None (sin(π/6) = 1/2)
    exact_pi: Callable[[Fraction, Any], Any] | None = None
    #: the signs f(u) can take given the signs u can take (bit masks of NEG, ZERO, POS);
    #: None: any sign.  It lets a corner note be dropped where it cannot happen.
    signs: Callable[[int], int] | None = None
    #: the derivative is written through the function's own value y alone (exp' = y,
    #: sigmoid' = y(1 - y), tanh' = 1 - y²): the explanation remarks on it
    self_derivative: bool = False
    #: offered as a layer activation by ``bibun.nn`` (MLP(activation=...), --activation)
    activation: bool = False
    #: SymPy's name for the same function (``"asin"``, ``"Abs"``), given only where SymPy's
    #: values agree with ours on the reals; None: SymPy has none (sigmoid, relu) or another
    #: convention (its acot jumps at 0, its Heaviside(0) is 1/2), and ``Expr.to_sympy``
    #: writes a SymPy function that carries this rule (:mod:`bibun.expr.sympy_bridge`)
    sympy: str | None = None
    #: language -> (text name, LaTeX) where that language's textbooks write the function
    #: otherwise than ``name`` / ``latex``: the natural log is ln x (``\ln``) in English
    #: and log x (``\log``) in Japanese.  The printers read it through :meth:`written`.
    spelling: dict[str, tuple[str, str]] = field(default_factory=dict)

    def written(self, lang: str = "en") -> tuple[str, str]:
        """(text name, LaTeX command) in ``lang``; a language without its own spelling
        writes the English one, and a function without any writes ``name`` / ``latex``."""
        return self.spelling.get(lang) or self.spelling.get("en") or (self.name, self.latex)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


# -- the registry ----------------------------------------------------------------------

#: name or alias -> Rule.  The single source of truth for elementary functions.
RULES: dict[str, Rule] = {}
#: canonical name -> Rule, in registration order (printers order factors by it)
_CANONICAL: dict[str, Rule] = {}
#: LaTeX command / operator name -> canonical name
_LATEX: dict[str, str] = {}
#: canonical name -> registration position (a hot path of the printers' factor order)
_ORDER: dict[str, int] = {}
_listeners: list[Callable[[Rule, bool], None]] = []
_version = 0


def _latex_keys(r: Rule) -> list[str]:
    keys = []
    for cmd in (r.latex, *r.latex_names):
        cmd = cmd.removeprefix("\\")
        if cmd.startswith("operatorname{") and cmd.endswith("}"):
            cmd = cmd[len("operatorname{"):-1]
        cmd = cmd.replace("\\_", "_")
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", cmd):
            keys.append(cmd)
    return keys


def register(r: Rule, *, replace: bool = False) -> Rule:
    """Add a function to the table; every face sees it at once (caches are told).

    A name already taken is an error unless ``replace`` is given, so a typo cannot
    silently change what ``sin`` means."""
    for n in r.names:
        if n in RULES and not (replace and RULES[n].name == r.name):
            raise BibunError(f"function name {n!r} is already in the rule table")
        if not n.isidentifier() and n != "σ":
            raise BibunError(f"function name {n!r} is not a word")
    if replace and r.name in _CANONICAL:
        unregister(r.name)
    global _version
    for n in r.names:
        RULES[n] = r
    _CANONICAL[r.name] = r
    _ORDER.setdefault(r.name, len(_ORDER))
    for k in _latex_keys(r):
        _LATEX.setdefault(k, r.name)
    _version += 1
    for f in list(_listeners):
        f(r, True)
    return r


def unregister(name: str) -> None:
    """Remove a function (tests that register one clean up with this)."""
    global _version
    r = rule(name)
    for n in r.names:
        RULES.pop(n, None)
    _CANONICAL.pop(r.name, None)
    for k in [k for k, v in _LATEX.items() if v == r.name]:
        del _LATEX[k]
    _version += 1
    for f in list(_listeners):
        f(r, False)


def on_change(listener: Callable[[Rule, bool], None]) -> None:
    """Call ``listener(rule, added)`` whenever a function is registered or removed: for
    consumers that install per-function methods (Tensor.sin) or keep caches."""
    _listeners.append(listener)


def version() -> int:
    """Changes whenever the table does (for caches built from it)."""
    return _version


def rule(name: str) -> Rule:
    """Look up a function's rule by name or alias; a missing rule is an explicit error."""
    try:
        return RULES[name]
    except KeyError:
        raise error("error.unknown_function", UnknownFunctionError, name, name=name) from None


def rules() -> list[Rule]:
    """Every rule once, in registration order."""
    return list(_CANONICAL.values())


def order(name: str) -> int:
    """Position of a function in the table (printers order factors by it)."""
    return _ORDER.get(name, len(_ORDER))


def latex_function(command: str) -> str | None:
    """The function a LaTeX command or ``\\operatorname{…}`` name stands for."""
    return _LATEX.get(command.replace("\\_", "_"))


class _Names(Mapping[str, str]):
    """name or alias -> canonical name, live (a registered function is known at once)."""

    def __getitem__(self, key: str) -> str:
        return RULES[key].name

    def __contains__(self, key: object) -> bool:
        return key in RULES

    def __iter__(self) -> Iterator[str]:
        return iter(list(RULES))

    def __len__(self) -> int:
        return len(RULES)


NAMES: Mapping[str, str] = _Names()


class MissingRule(BibunError):
    """A face (a code backend, a printer, …) has no rule for a function."""

    def __init__(self, face: str, name: str, hint: str = ""):
        self.face, self.name = face, name
        super().__init__(f"{face} has no rule for the function '{name}'"
                         + (f": {hint}" if hint else ""))


def code_for(name: str, backend: str) -> str:
    """How ``backend`` writes ``name`` (see :class:`Code`); MissingRule if it cannot."""
    spec = rule(name).code.get(backend)
    if spec is None:
        raise MissingRule(f"the {backend} code backend", rule(name).name,
                          "use the numpy backend, or add the name to the rule's Code")
    return spec


# -- F namespaces -------------------------------------------------------------------------


class NumberOps:
    """Constants for an ``F`` namespace over numbers (NumPy arrays, floats)."""

    pi = math.pi
    e = math.e

    @staticmethod
    def const(value: Any) -> Any:
        return float(value) if isinstance(value, Fraction) else value


class NumpyOps(NumberOps):
    """The ``F`` namespace for NumPy arrays: ``F.cos(u)`` is ``np.cos(u)`` etc."""

    def __getattr__(self, name: str) -> Callable[[Any], Any]:
        try:
            return RULES[name].numpy
        except KeyError:
            raise AttributeError(name) from None


NUMPY_OPS = NumpyOps()


def numpy_derivative(name: str, u: Any, y: Any | None = None) -> Any:
    """f'(u) evaluated with NumPy, from the same table entry as everything else."""
    r = rule(name)
    if y is None:
        y = r.numpy(u)
    return r.deriv(u, y, NUMPY_OPS)


def vectorized(f: Callable[[float], float]) -> Callable[[Any], Any]:
    """A NumPy implementation from a float function (math.erf): arrays in, arrays out."""
    made: list[Any] = []  # np.vectorize(f), made at the first call (NumPy loads lazily)

    def impl(x: Any) -> Any:
        if not made:
            made.append(np.vectorize(f, otypes=[float]))
        out = made[0](np.asarray(x, dtype=float))
        return out if out.ndim else out[()]

    impl.__name__ = f.__name__
    return impl
