"""The optional compiled core (``make compiled``, :mod:`bibun.native`): loaded only when
built from the sources as they are, never when ``BIBUN_PURE`` is set, and giving the very
same results as the pure-Python core -- the same DAG, node for node, for generated
expressions differentiated once and twice, by the rules and as users call ``diff``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibun import native

# what each side computes, in a fresh process: for each formula, the DAG of its first and
# second derivatives (rules only) and of bibun.diff's answer, written node by node
# (kind, payload, argument positions), or the class of the error it raised
WORKER = r"""
import json, sys, warnings
from fractions import Fraction
warnings.simplefilter("ignore")
import bibun, bibun.native
from bibun.expr import core, node
from bibun.symbolic import diff

def dump(e):
    order = core.postorder(e)
    at = {n: i for i, n in enumerate(order)}
    return [[n.op, repr(n.value), [at[a] for a in n.args]] for n in order]

out = {"compiled": bibun.native.compiled(), "results": []}
held = []
for text in json.loads(sys.stdin.read()):
    try:
        e = bibun.parse(text)
        d1 = diff(e, "x", tidy=False, method="rules")
        d2 = diff(e, "x", 2, tidy=False, method="rules")
        out["results"].append([dump(d1), dump(d2), dump(diff(e, "x"))])
        held.append((text, e, d1))
    except bibun.BibunError as exc:
        out["results"].append(type(exc).__name__)
# the table's refcount sweep must keep every node still held: building them again after
# it gives the very same objects (a is b), in either build
node.sweep()
out["stable"] = all(bibun.parse(t) is e and diff(e, "x", tidy=False, method="rules") is d1
                    for t, e, d1 in held) and core.number(Fraction(8, 2)) is core.number(4)
print(json.dumps(out))
"""


def _run(texts: list[str], pure: bool) -> dict:
    env = {**os.environ, "BIBUN_PURE": "1" if pure else "0"}
    proc = subprocess.run([sys.executable, "-c", WORKER],
                          input=json.dumps(texts), capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


needs_build = pytest.mark.skipif(
    native.fresh_build() is None,
    reason=f"no compiled core to compare with ({native.status()}; make compiled builds it)")

leaf = st.sampled_from(["x", "x", "y", "2", "3", "1/3", "0.5", "pi", "e", "10"])


def _grow(inner):
    return st.one_of(
        st.tuples(inner, inner).map(lambda t: f"({t[0]} + {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} - {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})*({t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})/({t[1]})"),
        st.tuples(inner, st.sampled_from(["2", "3", "-1", "1/2", "x", "0.5"]))
        .map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(["sin", "cos", "exp", "log", "tanh", "sigmoid", "atan",
                                   "sqrt", "f"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
    )


formulas = st.recursive(leaf, _grow, max_leaves=10)


@needs_build
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(formulas, min_size=25, max_size=40))
def test_compiled_and_pure_cores_build_the_same_dags(texts):
    pure, compiled = _run(texts, pure=True), _run(texts, pure=False)
    assert not pure["compiled"] and compiled["compiled"]
    assert pure["stable"] and compiled["stable"]
    for text, a, b in zip(texts, pure["results"], compiled["results"]):
        assert a == b, text


@needs_build
def test_textbook_seeds_agree_between_builds():
    seeds = ["(x^3+1)^2", "1/(x^3+1)", "log(sin(x^3-2))", "1/(1+e^-x)", "x^x",
             "(x^2+y^2)sin(xy)", "0.01x^2+0.1x", "2^x", "9^9^9^9 + x", "1e300^2 x",
             "sin(sin(sin(sin(sin(sin(x))))))"]
    pure, compiled = _run(seeds, pure=True), _run(seeds, pure=False)
    assert pure["results"] == compiled["results"]


def test_pure_is_forced_by_the_environment():
    proc = subprocess.run([sys.executable, "-c", "import bibun, bibun.native as n;"
                           "bibun.diff('x^2'); print(n.compiled(), n.status())"],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "BIBUN_PURE": "1"})
    assert proc.stdout.startswith("False pure Python (BIBUN_PURE is set)")


def _fake_build(root: Path, digest_of=native.digest) -> None:
    for m in native.MODULES:
        f = root.joinpath(*m.split("."))
        f = f.with_name(f.name + EXTENSION_SUFFIXES[0])
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"")
    (root / native.MANIFEST).write_text(
        "".join(f"{m} {digest_of(native.source_of(m))}\n" for m in native.MODULES))


def test_a_build_is_used_only_while_every_source_is_unchanged(tmp_path):
    _fake_build(tmp_path)
    assert set(native.fresh_build(tmp_path)) == set(native.MODULES)
    _fake_build(tmp_path, digest_of=lambda p: "0" * 64)  # compiled from other source
    assert native.fresh_build(tmp_path) is None
    _fake_build(tmp_path)
    next(tmp_path.rglob("node.*.so")).unlink()  # one module missing: none is used
    assert native.fresh_build(tmp_path) is None
    (tmp_path / native.MANIFEST).unlink()
    assert native.fresh_build(tmp_path) is None


def test_a_failed_compile_leaves_the_pure_core_with_one_line(tmp_path):
    """No Cython on the path (an empty site): the build says so in one line, exit 0,
    and writes no manifest, so the pure core stays in use."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "BIBUN_NATIVE_DIR": str(tmp_path), "PYTHONNOUSERSITE": "1"}
    proc = subprocess.run([sys.executable, "-S", str(root / "native" / "build.py")],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and "not built" in lines[0] and "pure Python" in lines[0], lines
    assert not (tmp_path / native.MANIFEST).exists()
