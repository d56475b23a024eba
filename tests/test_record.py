"""``bibun.record`` behaves as ``dataclasses.dataclass`` for the records bibun defines with
it (the rule table, parse results): same constructor, defaults, repr, equality, hashing
and frozen errors, checked side by side on twin classes.  That a ``bibun diff`` run imports
neither dataclasses nor inspect is pinned in ``tests/test_cli_startup.py``."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bibun.record import FrozenInstanceError, field, record


class _Slot:
    """A data descriptor as a field's class attribute (as ``Rule.numpy``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            raise AttributeError(self.slot)
        return obj.__dict__[self.slot]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value


def _twins(frozen: bool) -> tuple[type, type]:
    def body() -> dict[str, Any]:
        return {"__annotations__": {"name": "str", "impl": "Any", "count": "int",
                                    "tags": "list[str]", "note": "str | None"},
                "impl": _Slot(), "count": 0, "note": None}

    ours = dict(body(), tags=field(default_factory=list))
    theirs = dict(body(), tags=dataclasses.field(default_factory=list))
    a = record(frozen=frozen)(type("Thing", (), ours))
    b = dataclasses.dataclass(frozen=frozen)(type("Thing", (), theirs))
    for cls in (a, b):  # __set_name__ runs at class creation only via the class statement
        cls.__dict__["impl"].__set_name__(cls, "impl")
    return a, b


@pytest.mark.parametrize("frozen", [False, True])
def test_a_record_behaves_as_the_same_dataclass(frozen):
    ours, theirs = _twins(frozen)
    for args, kwargs in [(("x", len), {}), (("x", len, 3), {"note": "n"}),
                         ((), {"name": "y", "impl": abs, "tags": ["a"]})]:
        a, b = ours(*args, **kwargs), theirs(*args, **kwargs)
        assert repr(a) == repr(b)
        assert [getattr(a, n) for n in ("name", "impl", "count", "tags", "note")] == \
            [getattr(b, n) for n in ("name", "impl", "count", "tags", "note")]
        assert a == ours(*args, **kwargs) and a != ours("other", len)
        assert (a == b) is False  # another class: NotImplemented both ways
    assert ours("x", len).tags is not ours("x", len).tags  # a fresh list each time
    assert ours.__match_args__ == theirs.__match_args__
    with pytest.raises(TypeError):
        ours()  # name and impl have no default
    with pytest.raises(TypeError):
        theirs()
    if frozen:
        a, b = ours("x", len), theirs("x", len, tags=("t",))
        assert hash(ours("x", len, tags=("t",))) == hash(b)
        with pytest.raises(FrozenInstanceError):
            a.name = "z"
        with pytest.raises(AttributeError):  # dataclasses' error is an AttributeError too
            a.other = 1
        with pytest.raises(dataclasses.FrozenInstanceError):
            b.name = "z"
    else:
        assert ours.__hash__ is None and theirs.__hash__ is None
        a = ours("x", len)
        a.name = "z"
        assert a.name == "z"


def test_what_a_record_cannot_do_is_refused():
    with pytest.raises(TypeError, match="follows default"):
        record(type("Bad", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))
    base = record(type("Base", (), {"__annotations__": {"a": "int"}}))
    with pytest.raises(TypeError, match="inherit"):
        record(type("Sub", (base,), {"__annotations__": {"b": "int"}}))
    with pytest.raises(TypeError, match="ClassVar"):
        record(type("C", (), {"__annotations__": {"a": "ClassVar[int]"}}))

