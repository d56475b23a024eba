"""Record classes for the modules every ``bibun diff`` imports, without :mod:`dataclasses`.

``@record`` (and ``@record(frozen=True)``) is ``@dataclass`` for the plain records bibun
needs — the rule table's entries, a parse result, a derivative operator — with the same
``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__match_args__`` and frozen
behaviour.  Why not dataclasses: it imports :mod:`inspect` (and with it ``ast``, ``dis``
and ``tokenize``, which compiles a large regular expression), about 10–15 ms of every
start of the command line, for one call that only classes without a docstring need.
Modules off that path keep using dataclasses.

Supported: annotated fields, plain defaults, ``field(default_factory=...)``, a data
descriptor as the class attribute of a field (the field then has no default, as with
dataclasses); not supported (refused, never silently different): inheritance between
records, ``ClassVar`` fields.  ``tests/test_record.py`` compares each behaviour with
dataclasses'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING = object()


class FrozenInstanceError(AttributeError):
    """An assignment to a field of a frozen record (as dataclasses' error of that name)."""


class _Factory:
    __slots__ = ("factory",)

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A field whose default is made fresh for each record (``default_factory=list``)."""
    return _Factory(default_factory)


def record(cls: type[T] | None = None, /, *, frozen: bool = False) -> Any:
    """Add ``__init__``, ``__repr__``, ``__eq__`` (and ``__hash__`` when frozen, else
    none: unhashable, like a dataclass with ``eq=True``) built from the annotations."""

    def wrap(c: type[T]) -> type[T]:
        return _build(c, frozen)

    return wrap if cls is None else wrap(cls)


def _build(c: type[T], frozen: bool) -> type[T]:
    if any(getattr(b, "__record_fields__", None) is not None for b in c.__mro__[1:]):
        raise TypeError(f"{c.__name__}: records do not inherit fields")
    names = list(c.__dict__.get("__annotations__", {}))
    if any(str(c.__annotations__[n]).startswith(("ClassVar", "typing.ClassVar"))
           for n in names):
        raise TypeError(f"{c.__name__}: ClassVar fields are not supported")
    params, body, env = [], [], {"_MISSING": _MISSING, "_object_setattr": object.__setattr__}
    seen_default = False
    for n in names:
        default = getattr(c, n, _MISSING)  # a descriptor that refuses the class: no default
        if isinstance(default, _Factory):
            env[f"_factory_{n}"] = default.factory
            params.append(f"{n}=_MISSING")
            value = f"_factory_{n}() if {n} is _MISSING else {n}"
            delattr(c, n)
        elif default is _MISSING:
            if seen_default:
                raise TypeError(f"non-default argument {n!r} follows default argument")
            params.append(n)
            value = n
        else:
            env[f"_default_{n}"] = default
            params.append(f"{n}=_default_{n}")
            value = n
        seen_default = seen_default or default is not _MISSING
        body.append(f"_object_setattr(self, {n!r}, {value})" if frozen
                    else f"self.{n} = {value}")
    source = f"def __init__(self, {', '.join(params)}):\n    " + \
        "\n    ".join(body or ["pass"]) + "\n"
    exec(source, env)  # noqa: S102 - our own generated __init__, as dataclasses does
    init = env["__init__"]
    init.__qualname__ = f"{c.__qualname__}.__init__"
    c.__init__ = init  # type: ignore[misc]
    fields = tuple(names)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in fields)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return tuple(getattr(self, n) for n in fields) == \
            tuple(getattr(other, n) for n in fields)

    c.__repr__ = __repr__  # type: ignore[method-assign]
    c.__eq__ = __eq__  # type: ignore[method-assign]
    if frozen:
        def __hash__(self: Any) -> int:
            return hash(tuple(getattr(self, n) for n in fields))

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if type(self) is c or name in fields:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(c, self).__setattr__(name, value)

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is c or name in fields:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(c, self).__delattr__(name)

        c.__hash__ = __hash__  # type: ignore[method-assign]
        c.__setattr__ = __setattr__  # type: ignore[method-assign]
        c.__delattr__ = __delattr__  # type: ignore[method-assign]
    else:
        c.__hash__ = None  # type: ignore[assignment]
    c.__match_args__ = fields  # type: ignore[attr-defined]
    c.__record_fields__ = fields  # type: ignore[attr-defined]
    if c.__doc__ is None:
        c.__doc__ = f"{c.__name__}({', '.join(fields)})"
    return c


__all__ = ["FrozenInstanceError", "field", "record"]
