"""Compile expressions to fast Python functions over arrays.

:func:`compile` turns one or more expressions into Python source and then into a
function.  Because expressions are hash-consed DAGs, a subexpression shared anywhere
(inside one formula, or between the components of a gradient) is one node, so it is
computed once and kept in a temporary; everything used once is written inline, so the
``source`` reads like code a person would write::

    >>> f = compile(["2x sin(xy) + y(x^2+y^2)cos(xy)"], ["x", "y"])
    >>> print(f.source)
    def f(x, y):
        t0 = x*y
        return [2*x*np.sin(t0) + y*(x*x + y*y)*np.cos(t0)]

Functions come from the rule table (``bibun.functions``): the NumPy backend calls exactly
the implementations every other part of bibun uses (stable sigmoid, softplus, ...).
The source is generated from our own DAG by our own printer below and never contains
user text other than variable names, which are checked to be identifiers.
"""

from __future__ import annotations

import builtins
import importlib
import keyword
import math
import numbers
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from bibun import i18n
from bibun.errors import DomainError, LimitError
from bibun.expr.core import ADD, CALL, CONST, FN, MUL, NUM, POW, SYM, Expr, as_expr, postorder
from bibun.expr.numbers import to_float
from bibun.functions import code_for, rule
from bibun.i18n import Msg, error
from bibun.symbolic import gradient, variables_of
from bibun.text import shorten

__all__ = ["Compiled", "compile", "compile_gradient", "BACKENDS"]

BACKENDS = ("numpy", "math", "jax", "torch")

#: inline nesting deeper than this goes into a temporary (Python's parser has limits)
_MAX_INLINE_DEPTH = 40

# precedence of a printed piece: what it needs parentheses against
_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5

class Compiled:
    """A compiled function: call it with arrays (or numbers) in ``variables`` order.

    ``source`` is the generated Python; ``variables`` the argument order; ``backend``
    the array library.  A single expression gives one array; a list gives a list.
    Outputs that do not depend on every variable (a constant derivative, say) are
    broadcast to the common shape of the inputs, so every output has the same shape.
    """

    def __init__(self, fn: Callable[..., Any], source: str, variables: list[str],
                 backend: str, single: bool, partial: list[int], text: str = "f"):
        self._fn, self.source, self.variables = fn, source, variables
        self.backend, self._single, self._partial = backend, single, partial
        self.text = text  # the formula(s), for error messages

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            args = self._from_keywords(args, kwargs)
        if len(args) != len(self.variables):
            raise error("error.compile.arg_count", n=len(self.variables),
                        variables=', '.join(self.variables), got=len(args))
        if self.backend == "numpy":
            args = tuple(_as_array(v, a) for v, a in zip(self.variables, args))
            try:
                with np.errstate(all="ignore"):
                    out = self._fn(*args)
            except ValueError:
                self._broadcast_shape(args)  # a clear error if the shapes are the cause
                raise
            except (OverflowError, ZeroDivisionError):  # a constant part computed with
                # Python floats: e/10^400 is written 0.0, so (e/10^400)^(-pi) is 0.0 ** -pi
                raise i18n.error("error.compile.overflow", LimitError,
                                 formula=shorten(self.text, 80)) from None
            if self._partial:  # outputs that miss an input take the broadcast shape
                shape = self._broadcast_shape(args)
                for i in self._partial:
                    out[i] = np.broadcast_to(np.asarray(out[i], dtype=np.result_type(
                        out[i], float)), shape)
        elif self.backend == "math":
            out = self._call_math(tuple(self._as_float(v, a) for v, a in
                                        zip(self.variables, args)))
        elif self.backend == "torch":
            args = tuple(_as_tensor(v, a) for v, a in zip(self.variables, args))
            out = self._fn(*args)
            if self._partial:
                _fill_torch(out, self._partial, args)
        else:
            args = tuple(_as_jax(v, a) for v, a in zip(self.variables, args))
            out = self._fn(*args)
            if self._partial:
                _fill_jax(out, self._partial, args)
        return out[0] if self._single else out

    def _broadcast_shape(self, args: tuple[Any, ...]) -> tuple[int, ...]:
        try:
            return np.broadcast_shapes(*(np.shape(a) for a in args))
        except ValueError:
            items = ", ".join(f"{v} {np.shape(a)}" for v, a in zip(self.variables, args))
            raise error("error.compile.broadcast", items=items) from None

    def _where(self, args: tuple[float, ...]) -> str:
        return ", ".join(f"{v} = {a:.15g}" for v, a in zip(self.variables, args))

    def _as_float(self, name: str, a: Any) -> float:
        """One argument of the math backend: a real number (numpy scalars and 0-d arrays
        too), else a clear error pointing to the numpy backend."""
        if isinstance(a, str | bytes) or np.ndim(a) != 0:
            shape = Msg("error.compile.array_of_shape", {"shape": str(np.shape(a))}) \
                if not isinstance(a, str | bytes) else \
                Msg("error.compile.the_text", {"text": repr(a)})
            raise error("error.compile.math_one_number", name=name, shape=shape)
        if isinstance(a, np.ndarray):
            a = a[()]
        if not isinstance(a, numbers.Real):
            raise error("error.compile.math_real", name=name, a=repr(a))
        try:
            return float(a)
        except OverflowError:
            raise error("error.compile.int_too_large", LimitError, name=name) from None

    def _call_math(self, args: tuple[float, ...]) -> list[float]:
        try:
            out = self._fn(*args)
        except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
            raise error("error.compile.undefined_at_why", DomainError, text=self.text,
                        where=self._where(args), exc=exc) from None
        except OverflowError as exc:
            raise error("error.compile.too_large_at_why", LimitError, text=self.text,
                        where=self._where(args), exc=exc) from None
        except TypeError as exc:  # a power of a negative number gone complex, say
            raise error("error.compile.not_real_at_why", DomainError, text=self.text,
                        where=self._where(args), exc=exc) from None
        for v in out:
            if isinstance(v, complex):
                raise error("error.compile.not_real_at", DomainError, text=self.text,
                            where=self._where(args))
            if math.isinf(v):
                raise error("error.compile.overflows_at", LimitError, text=self.text,
                            where=self._where(args))
            if math.isnan(v):
                raise error("error.compile.undefined_at", DomainError, text=self.text,
                            where=self._where(args))
        return out

    def _from_keywords(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        values = dict(zip(self.variables, args))
        values.update(kwargs)
        missing = [v for v in self.variables if v not in values]
        unknown = sorted(set(values) - set(self.variables))
        if missing or unknown:
            gone = Msg("error.compile.args_missing", {"names": ", ".join(missing)}) \
                if missing else ""
            extra = Msg("error.compile.args_unknown", {"names": ", ".join(unknown)}) \
                if unknown else ""
            raise error("error.compile.arguments", variables=', '.join(self.variables),
                        missing=gone, unknown=extra)
        return tuple(values[v] for v in self.variables)

    def __repr__(self) -> str:
        return f"<compiled {self.backend} function of ({', '.join(self.variables)})>"


def _math_rule(impl: Callable[[Any], Any]) -> Callable[[float], float]:
    """A rule-table (NumPy) implementation as a float function that raises at a pole
    (1/tan(0) for cot), as the math module's own functions do."""

    def g(u: float) -> float:
        with np.errstate(divide="raise"):
            return float(impl(u))

    return g


def _as_tensor(name: str, a: Any) -> Any:
    """A torch backend argument as a tensor: float tensors pass through (on their device,
    with their dtype), numbers and NumPy arrays are converted; integers become float64,
    as in the numpy backend, so ``x^2`` of an integer tensor is not integer arithmetic."""
    import torch

    if isinstance(a, torch.Tensor):
        if a.is_floating_point() or a.is_complex():
            return a
        return a.to(torch.float64)
    arr = np.asarray(a)
    if arr.dtype.kind in "iub":
        arr = arr.astype(float)
    if arr.dtype.kind not in "fc":
        raise error("error.compile.torch_argument", name=name, a=repr(a))
    return torch.as_tensor(arr)


def _as_jax(name: str, a: Any) -> Any:
    """A JAX backend argument: arrays, tracers (inside ``jax.jit``/``vmap``/``grad``) and
    numbers pass through; integers become JAX's default float (float32, or float64 with
    ``jax_enable_x64``), as the numpy backend turns them into floats."""
    import jax.numpy as jnp

    if a is None or isinstance(a, str | bytes):
        raise error("error.compile.not_numbers", name=name, a=_short(a))
    try:
        dtype = jnp.result_type(a)
    except TypeError:
        raise error("error.compile.not_numbers", name=name, a=_short(a)) from None
    if jnp.issubdtype(dtype, jnp.inexact):
        return a
    if jnp.issubdtype(dtype, jnp.integer) or dtype == jnp.bool_:
        return jnp.asarray(a, dtype=jnp.result_type(float))
    raise error("error.compile.not_numbers", name=name, a=_short(a))


def _fill_jax(out: list[Any], partial: list[int], args: tuple[Any, ...]) -> None:
    """Outputs that miss an input (a constant derivative) take the broadcast shape and
    float dtype of the inputs, as in the numpy backend: ``jax.vmap`` then maps every
    output, and a gradient's components stack."""
    import jax.numpy as jnp

    shape = jnp.broadcast_shapes(*(jnp.shape(a) for a in args))
    dtype = jnp.result_type(*args, float)
    for i in partial:
        out[i] = jnp.broadcast_to(jnp.asarray(out[i], dtype=dtype), shape)


def _fill_torch(out: list[Any], partial: list[int], args: tuple[Any, ...]) -> None:
    """The torch form of :func:`_fill_jax`; constants go on the inputs' device, so a
    derivative computed on an accelerator stays there."""
    import torch

    shape = torch.broadcast_shapes(*(a.shape for a in args))
    computed = [o for i, o in enumerate(out) if i not in partial and isinstance(o, torch.Tensor)]
    if computed:  # the dtype torch's own promotion gave the other outputs
        dtype = computed[0].dtype
    else:
        dtype = torch.get_default_dtype()
        for a in args:
            dtype = torch.promote_types(dtype, a.dtype)
    device = args[0].device if args else None
    for i in partial:
        out[i] = torch.as_tensor(out[i], dtype=dtype, device=device).expand(shape)


def _as_array(name: str, a: Any) -> Any:
    """A numpy backend argument as a float (or complex) array, or a clear error."""
    try:
        arr = np.asarray(a)
        if arr.dtype == object and any(v is None or not isinstance(v, numbers.Number)
                                       for v in arr.flat):
            raise TypeError
        if arr.dtype.kind in "iub" or arr.dtype == object:
            arr = arr.astype(float)
    except OverflowError:
        raise error("error.compile.holds_int_too_large", LimitError, name=name) from None
    except (TypeError, ValueError):
        raise error("error.compile.not_numbers", name=name, a=_short(a)) from None
    if arr.dtype.kind not in "fc":
        raise error("error.compile.not_numbers", name=name, a=_short(a))
    return arr


def _short(a: Any) -> str:

    return shorten(repr(a), 60)


def compile(exprs: Any, variables: Sequence[str] | str | None = None,
            backend: str = "numpy") -> Compiled:
    """Compile an expression (or a list of them) into a function of ``variables``.

    ``variables`` defaults to the free symbols, sorted.  ``backend`` is "numpy" (arrays;
    NaN outside the domain), "math" (Python floats; domain errors raise), "jax" or
    "torch" (imported only when asked for).
    """
    if backend not in BACKENDS:
        raise error("error.compile.unknown_backend", backend=repr(backend),
                    backends=', '.join(BACKENDS))
    single = not isinstance(exprs, list | tuple)
    roots = [as_expr(e) for e in ([exprs] if single else exprs)]
    if isinstance(variables, str):
        variables = variables.replace(",", " ").split()
    if variables is None:
        free: set[str] = set()
        for r in roots:
            free |= r.free
        variables = sorted(free)
    variables = list(variables)
    extra = sorted(set().union(*(r.free for r in roots)) - set(variables)) if roots else []
    if extra:
        raise error("error.compile.not_a_variable", extra=', '.join(extra),
                    variables=', '.join(variables) or 'none')
    namespace = _namespace(backend)
    gen = _Generator(roots, variables, backend, namespace)
    source = gen.source()
    code = builtins.compile(source, f"<bibun.compile {backend}>", "exec")
    exec(code, namespace)  # our own generated source (see module docstring)
    everyone = set(variables)
    partial = [i for i, r in enumerate(roots) if r.free != everyone]
    text = ", ".join(str(r) for r in roots)
    return Compiled(namespace["f"], source, variables, backend, single, partial,
                    text if single else f"[{text}]")


def compile_gradient(expr: Any, variables: Sequence[str] | str | None = None,
                     backend: str = "numpy") -> Compiled:
    """The gradient [∂f/∂v1, ∂f/∂v2, ...] compiled into one function.

    The partial derivatives share most of their subexpressions (the DAG stores them
    once), so the compiled code evaluates each shared piece a single time.
    """
    e = as_expr(expr)
    names = variables_of(e, variables)
    return compile(gradient(e, names), names, backend)


# -- namespaces per backend ----------------------------------------------------------------


def _namespace(backend: str) -> dict[str, Any]:
    ns: dict[str, Any] = {"math": math, "__builtins__": {}}
    if backend == "numpy":
        ns["np"] = np
    elif backend in ("jax", "torch"):
        # C code that imports (jaxlib on the first call of a process) looks __import__ up
        # in the builtins of the calling Python frame, which is the generated function
        ns["__builtins__"] = {"__import__": builtins.__import__}
        try:
            if backend == "jax":
                ns["jax"] = importlib.import_module("jax")
                ns["jnp"] = importlib.import_module("jax.numpy")
                importlib.import_module("jax.nn")
                importlib.import_module("jax.scipy.special")
            else:
                ns["torch"] = importlib.import_module("torch")
                importlib.import_module("torch.nn.functional")
        except ImportError:
            raise error("error.compile.backend_missing", backend=repr(backend),
                        package=backend) from None
    return ns


def _function_text(name: str, backend: str, ns: dict[str, Any]) -> str:
    """How the backend calls the rule table's function ``name``: the NumPy backend calls
    the table's own implementation (stable sigmoid, softplus, …); math, JAX and torch use
    the names in the rule's :class:`~bibun.functions.Code` (a template becomes a lambda),
    and a backend without the function is a clear error, never a made-up name."""
    r = rule(name)
    impl = r.numpy
    if backend == "numpy":
        if isinstance(impl, np.ufunc) and getattr(np, impl.__name__, None) is impl:
            return f"np.{impl.__name__}"
        ns[f"_{r.name}"] = impl  # the rule table's own implementation
        return f"_{r.name}"
    if backend == "math" and r.code.math is None:
        ns[f"_{r.name}"] = _math_rule(impl)
        return f"_{r.name}"
    spec = code_for(r.name, backend)
    if "{u}" in spec:
        return f"(lambda u: {spec.format(u='u')})"
    return spec


# -- code generation -----------------------------------------------------------------------


def _walk(roots: list[Expr]) -> list[Expr]:
    """Distinct nodes of all roots, children first: :func:`bibun.expr.core.postorder` of
    each root in turn, a node shared with an earlier root kept at its first place."""
    seen: set[Expr] = set()
    order: list[Expr] = []
    for root in roots:
        for node in postorder(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


class _Generator:
    """Prints the DAG as straight-line code: shared nodes become temporaries."""

    def __init__(self, roots: list[Expr], variables: list[str], backend: str,
                 ns: dict[str, Any]):
        self.roots, self.backend, self.ns = roots, backend, ns
        self.mod = {"numpy": "np", "math": "math", "jax": "jnp", "torch": "torch"}[backend]
        self.names = {v: _identifier(v, i) for i, v in enumerate(variables)}
        taken = set(self.names.values())
        self.prefix = "t"
        while any(n.startswith(self.prefix) for n in taken):
            self.prefix = "_" + self.prefix
        self.text: dict[Expr, tuple[str, int]] = {}
        self.depth: dict[Expr, int] = {}

    def source(self) -> str:
        order = _walk(self.roots)
        uses: dict[Expr, int] = {}
        for node in order:
            for a in node.args:
                uses[a] = uses.get(a, 0) + 1
        for r in self.roots:
            uses[r] = uses.get(r, 0) + 1
        lines: list[str] = []
        for node in order:
            text, prec = self.node(node)
            depth = 1 + max((self.depth[a] for a in node.args), default=0)
            shared = uses.get(node, 0) > 1 and node.op not in (NUM, SYM, CONST)
            if shared or (depth > _MAX_INLINE_DEPTH and node.op not in (NUM, SYM, CONST)):
                name = f"{self.prefix}{len(lines)}"
                lines.append(f"    {name} = {text}")
                text, prec, depth = name, _ATOM, 0
            self.text[node] = (text, prec)
            self.depth[node] = depth
        outs = ", ".join(self.text[r][0] for r in self.roots)
        args = ", ".join(self.names.values())
        body = "\n".join(lines + [f"    return [{outs}]"])
        return f"def f({args}):\n{body}\n"

    # -- pieces --------------------------------------------------------------------------

    def wrap(self, node: Expr, above: int) -> str:
        text, prec = self.text[node]
        return f"({text})" if prec < above else text

    def number(self, v: Any) -> tuple[str, int]:
        if isinstance(v, int) and not isinstance(v, bool):
            if abs(v) > 2**53:
                try:
                    v = float(v)
                except OverflowError:
                    raise error("error.compile.number_too_large") \
                        from None
                return repr(v), (_ATOM if v >= 0 else _UNARY)
            return str(v), (_ATOM if v >= 0 else _UNARY)
        f = to_float(v) if isinstance(v, Fraction) else v
        return repr(f), (_ATOM if f >= 0 else _UNARY)

    def node(self, e: Expr) -> tuple[str, int]:
        op = e.op
        if op == NUM:
            return self.number(e.value)
        if op == SYM:
            return self.names[e.value], _ATOM
        if op == CONST:
            return f"{'math' if self.backend in ('jax', 'torch') else self.mod}.{e.value}", _ATOM
        if op == ADD:
            return self.add(e)
        if op == MUL:
            return self.product(e, negate=False)
        if op == POW:
            return self.power(e.args[0], e.args[1])
        if op == FN:
            return f"{_function_text(e.value, self.backend, self.ns)}({self.arg(e.args[0])})", \
                _ATOM
        if op == CALL:
            raise error("error.compile.unknown_function", name=e.value[0])
        raise AssertionError(op)  # pragma: no cover

    def arg(self, node: Expr) -> str:
        """The argument of a function call.  torch's functions take tensors only, so a
        constant argument (``abs(π)``, ``sqrt(2)``) becomes a float64 0-d tensor there,
        which torch combines with tensors on any device and of any float dtype."""
        text = self.text[node][0]
        if self.backend == "torch" and not node.free:
            return f"torch.as_tensor({text}, dtype=torch.float64)"
        return text

    def add(self, e: Expr) -> tuple[str, int]:
        terms = [a for a in e.args if a.op != NUM] + [a for a in e.args if a.op == NUM]
        out = ""
        for t in terms:
            neg = self._negative(t)
            if neg:
                piece = self.product(t, negate=True)[0] if t.op == MUL else \
                    self.number(-t.value)[0]
                out += f" - {piece}" if out else f"-{piece}"
            else:
                piece = self.wrap(t, _ADD + 1) if self.text[t][1] == _UNARY else \
                    self.text[t][0]
                out += f" + {piece}" if out else piece
        return out, _ADD

    def _negative(self, t: Expr) -> bool:
        """Is t printed inline as -(something)?  (Only inline products and numbers.)"""
        if self.text[t][0].startswith(self.prefix) and self.text[t][1] == _ATOM:
            return False  # a temporary: use its name
        if t.op == NUM:
            return t.value < 0
        return t.op == MUL and t.args[0].op == NUM and t.args[0].value < 0

    def product(self, e: Expr, negate: bool) -> tuple[str, int]:
        args = list(e.args)
        coeff: Any = 1
        if args and args[0].op == NUM:
            coeff = args.pop(0).value
        if negate:
            coeff = -coeff
        num: list[str] = []
        den: list[str] = []
        for a in args:
            if a.op == POW and self._inline(a) and a.args[1].op == NUM and a.args[1].value < 0:
                text, prec = self.power(a.args[0], None, -a.args[1].value)
                den.append(f"({text})" if prec < _MUL + 1 else text)
            else:
                num.append(self.wrap(a, _MUL))
        minus = ""
        if coeff == -1 and not isinstance(coeff, float) and (num or den):
            minus, coeff = "-", 1
        if coeff != 1 or isinstance(coeff, float) or not num:
            ctext, _ = self.number(coeff)
            if ctext.startswith("-"):
                minus, ctext = "-", ctext[1:]
            num.insert(0, ctext)
        text = "*".join(num)
        if den:
            d = den[0] if len(den) == 1 else f"({'*'.join(den)})"
            text = f"{text}/{d}"
        return minus + text, (_UNARY if minus else _MUL)

    def _inline(self, node: Expr) -> bool:
        text, prec = self.text[node]
        return not (prec == _ATOM and text.startswith(self.prefix))

    def power(self, base: Expr, exp: Expr | None, value: Any = None) -> tuple[str, int]:
        """base**exp; with ``value`` given, base**value for a number value > 0."""
        v = exp.value if exp is not None and exp.op == NUM else value
        b = self.wrap(base, _POW + 1)
        m = self.mod
        if v is None:  # symbolic exponent, a^x
            e = self.wrap(exp, _POW + 1)
            if self.backend == "math":
                return f"math.pow({self.text[base][0]}, {self.text[exp][0]})", _ATOM
            if base.op == NUM and isinstance(base.value, int):
                b = f"{to_float(base.value)!r}"  # NumPy refuses integers to negative integer powers
            return f"{b}**{e}", _POW
        if v == 1:
            return self.text[base]
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 0:
                t, p = self.power(base, None, -v)
                return f"1/{t if p > _MUL else f'({t})'}", _MUL
            plain = self.text[base][1] == _ATOM and v in (2, 3)
            if plain:  # x*x is as exact as x**2 and avoids the general power routine
                return "*".join([b] * v), _MUL
            return f"{b}**{v}", _POW
        fv = to_float(v)
        if fv == 0.5:
            return f"{m}.sqrt({self.arg(base)})", _ATOM
        if fv < 0:
            t, p = self.power(base, None, Fraction(-v) if isinstance(v, Fraction) else -fv)
            return f"1/{t if p > _MUL else f'({t})'}", _MUL
        if self.backend == "math":
            return f"math.pow({self.text[base][0]}, {fv!r})", _ATOM
        return f"{b}**{fv!r}", _POW


def _identifier(name: str, i: int) -> str:
    """Variable names become Python parameters; anything else gets a safe stand-in."""
    if name.isidentifier() and not keyword.iskeyword(name) and name not in (
            "np", "math", "jnp", "jax", "torch", "f") and not name.startswith("_"):
        return name
    return f"v{i}_"
