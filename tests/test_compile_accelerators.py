"""``bibun.compile(..., backend="jax" | "torch")``: the path to accelerators.

The generated source calls JAX's or PyTorch's own functions, so what comes out is an
ordinary JAX or PyTorch function: ``jax.grad``, ``jax.jit`` and ``jax.vmap`` transform it,
``torch.autograd``, ``torch.func`` and ``torch.compile`` trace it, and it runs on whatever
device its inputs live on.  These tests hold both backends to the numpy backend (the rule
table's own implementations) on every function of the table and on generated expressions:
values, and derivatives taken by JAX and by torch against bibun's symbolic ones, in float64
(JAX's x64 switch is turned on only inside each test, never left on for others).

Cost: the whole table is one compiled function of 44 variables (one per function), so JAX
compiles one program instead of 44.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bibun
from bibun.codegen import compile, compile_gradient
from bibun.errors import BibunError
from bibun.expr import core
from bibun.functions import RULES

jax = pytest.importorskip("jax")
torch = pytest.importorskip("torch")
jnp = jax.numpy
x64 = jax.enable_x64  # a context manager
NAMES = sorted({r.name for r in RULES.values()})
VARS = [f"v{i}" for i in range(len(NAMES))]
TABLE = [core.fn(n, core.symbol(v)) for n, v in zip(NAMES, VARS)]


def _grid(name: str) -> np.ndarray:
    """16 points inside the function's domain, away from its non-differentiable points:
    the typical interval and its mirror image where the domain allows."""
    r = RULES[name]
    lo, hi = r.typical
    pts = np.concatenate([np.linspace(lo, hi, 8), -np.linspace(lo, hi, 8)])
    good = [(r.domain is None or bool(r.domain(p))) and all(abs(p - c) > 1e-3 for c in r.nondiff)
            for p in pts]
    spare = iter(np.linspace(lo, hi, 19)[1:-1:2])  # points of the typical interval between
    return np.array([p if ok else next(spare) for p, ok in zip(pts, good)])


GRIDS = [_grid(n) for n in NAMES]
WANT = compile(TABLE, VARS)(*GRIDS)  # the rule table's own implementations
DWANT = [np.broadcast_to(compile(bibun.diff(e), [v])(x), x.shape)  # bibun's derivatives
         for e, v, x in zip(TABLE, VARS, GRIDS)]


def _disagreements(got: list, want: list, rtol: float) -> list[str]:
    """The table functions whose values differ (names, so a failure says which)."""
    bad = []
    for name, g, w in zip(NAMES, got, want):
        g = np.asarray(g, dtype=float)
        ok = np.isfinite(w)
        assert ok.sum() >= 8, name  # enough points compared for the test to mean something
        if not np.allclose(g[ok], w[ok], rtol=rtol, atol=1e-12):
            bad.append(f"{name}: {g[ok][:3]} vs {w[ok][:3]}")
    return bad


def _total(f):
    """The sum of all outputs: its gradient holds each function's own derivative, since
    output i depends on variable i only."""
    return lambda *xs: sum(o for o in f(*xs))


def test_every_table_function_in_jax_has_the_tables_values_and_derivatives():
    f = compile(TABLE, VARS, backend="jax")
    with x64():
        xs = [jnp.asarray(x) for x in GRIDS]
        # reverse mode, one point at a time, batched by vmap, all under one jit; XLA's
        # optimizer off (ahead-of-time compile options): it saves a third of the time
        grad = jax.vmap(jax.grad(_total(f), argnums=tuple(range(len(xs)))))
        program = jax.jit(lambda *xs: (f(*xs), grad(*xs))).lower(*xs)
        values, grad = program.compile({"xla_backend_optimization_level": 0})(*xs)
    assert values[0].dtype == jnp.float64
    assert _disagreements(values, WANT, 1e-12) == []
    assert _disagreements(grad, DWANT, 1e-9) == []


def test_every_table_function_in_torch_has_the_tables_values_and_derivatives():
    f = compile(TABLE, VARS, backend="torch")
    xs = [torch.tensor(x, requires_grad=True) for x in GRIDS]
    values = f(*xs)
    grads = torch.autograd.grad(sum(v.sum() for v in values), xs)
    assert _disagreements([v.detach() for v in values], WANT, 1e-12) == []
    assert _disagreements(grads, DWANT, 1e-9) == []
    # the same derivatives through torch.func: grad of the scalar function, vmapped
    vgrad = torch.func.vmap(torch.func.grad(_total(f), argnums=tuple(range(len(xs)))))
    assert _disagreements(vgrad(*(torch.tensor(x) for x in GRIDS)), DWANT, 1e-9) == []


def test_step_differentiates_to_zero_in_torch_inside_a_product():
    """torch.heaviside has no backward; the rule table's torch form must have one."""
    f = compile("x step(x - 1)", "x", backend="torch")
    x = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    assert g.tolist() == [0.0, 1.0]


# -- generated expressions ----------------------------------------------------------------

x_, y_ = core.symbol("x"), core.symbol("y")
leaves = st.one_of(st.sampled_from([x_, y_, x_, core.PI]),
                   st.integers(-4, 4).map(core.number),
                   st.sampled_from([0.5, 1.5]).map(core.number))


def _maybe(build, *args):
    try:
        return build(*args)
    except BibunError:
        return None


def _extend(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: core.add(*t)),
        st.tuples(children, children).map(lambda t: core.mul(*t)),
        st.tuples(children, st.one_of(st.integers(-2, 3).map(core.number), st.just(core.HALF),
                                      children))
        .map(lambda t: _maybe(core.power, *t)).filter(lambda e: e is not None),
        st.tuples(st.sampled_from(NAMES), children)
        .map(lambda t: _maybe(core.fn, *t)).filter(lambda e: e is not None),
    )


exprs = st.recursive(leaves, _extend, max_leaves=8)
POINT = {"x": 0.7, "y": -0.4}
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
JAX_SETTINGS = settings(SETTINGS, max_examples=25)  # JAX compiles each new primitive shape


def _reference(e):
    """Value and gradient of e at POINT from the numpy backend, or None where either is
    not a finite number (outside the domain, at a corner)."""
    with np.errstate(all="ignore"):
        try:
            value = float(compile(e, ["x", "y"])(**POINT))
            grad = [float(g) for g in compile_gradient(e, ["x", "y"])(**POINT)]
        except BibunError:
            return None
    if not all(np.isfinite([value, *grad])) or max(map(abs, [value, *grad])) > 1e6:
        return None
    return value, grad


@JAX_SETTINGS
@given(exprs)
def test_generated_expressions_agree_in_jax_values_and_jax_grad(e):
    ref = _reference(e)
    if ref is None:
        return
    f = compile(e, ["x", "y"], backend="jax")
    with x64():
        value, grad = jax.value_and_grad(f, argnums=(0, 1))(0.7, -0.4)
    np.testing.assert_allclose(float(value), ref[0], rtol=1e-10, atol=1e-12, err_msg=str(e))
    np.testing.assert_allclose(np.asarray(grad, dtype=float), ref[1], rtol=1e-8, atol=1e-10,
                               err_msg=str(e))


@SETTINGS
@given(exprs)
def test_generated_expressions_agree_in_torch_values_and_autograd(e):
    ref = _reference(e)
    if ref is None:
        return
    f = compile(e, ["x", "y"], backend="torch")
    x, y = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.7, -0.4))
    out = f(x, y)
    if not out.requires_grad:  # a constant expression: torch records nothing, ∇ is 0
        assert ref[1] == [0.0, 0.0] and out.item() == pytest.approx(ref[0], rel=1e-12)
        return
    grad = torch.autograd.grad(out, (x, y), allow_unused=True)
    grad = [0.0 if g is None else float(g) for g in grad]
    np.testing.assert_allclose(out.item(), ref[0], rtol=1e-10, atol=1e-12, err_msg=str(e))
    np.testing.assert_allclose(grad, ref[1], rtol=1e-8, atol=1e-10, err_msg=str(e))


# -- jit, vmap, torch.compile, devices -------------------------------------------------------

FORMULA = "2x sin(xy) + y(x^2+y^2)cos(xy)"


def test_a_compiled_gradient_runs_under_jax_jit_and_vmap_as_in_numpy():
    g = compile_gradient(FORMULA, "x y", backend="jax")
    x, y = np.linspace(-2, 2, 7), np.linspace(-1, 3, 7)
    want = compile_gradient(FORMULA, "x y")(x, y)
    with x64():
        batched = jax.jit(jax.vmap(g))(jnp.asarray(x), jnp.asarray(y))
    np.testing.assert_allclose(np.asarray(batched), want, rtol=1e-12)
    # and the gradient of the compiled function is jax's own: the two agree
    f = compile(FORMULA, "x y", backend="jax")
    with x64():
        auto = jax.vmap(jax.grad(f, argnums=(0, 1)))(jnp.asarray(x), jnp.asarray(y))
    np.testing.assert_allclose(np.asarray(auto), want, rtol=1e-10)


def test_constant_components_keep_shape_and_dtype_under_jax_and_torch():
    """∂(3x + y²)/∂x = 3 is a number in the source; it comes out as an array of the inputs'
    shape and float dtype, so vmap maps it and a float32 program stays float32."""
    g = compile_gradient("3x + y^2", "x y", backend="jax")
    gx, gy = jax.vmap(g)(jnp.zeros(4, jnp.float32), jnp.arange(4.0, dtype=jnp.float32))
    assert gx.shape == gy.shape == (4,) and gx.dtype == gy.dtype == jnp.float32
    assert gx.tolist() == [3.0] * 4
    h = compile_gradient("3x + y^2", "x y", backend="torch")
    tx, ty = torch.func.vmap(h)(torch.zeros(4), torch.arange(4.0))
    assert tx.shape == ty.shape == (4,) and tx.dtype == ty.dtype == torch.float32
    assert tx.tolist() == [3.0] * 4


def test_integers_become_floats_in_jax_and_torch_as_in_numpy():
    assert compile("x^2/2", "x", backend="jax")(3).dtype.kind == "f"
    assert compile("x^2/2", "x", backend="torch")(torch.tensor([3])).tolist() == [4.5]


def test_torch_outputs_stay_on_the_inputs_device():
    """Constants are made on the inputs' device (``meta`` stands in for an accelerator)."""
    g = compile_gradient("3x + y^2 + sigmoid(x)", "x y", backend="torch")
    outs = g(torch.zeros(3, device="meta"), torch.zeros(3, device="meta"))
    assert [o.device.type for o in outs] == ["meta", "meta"]
    c = compile_gradient("3x + y", "x y", backend="torch")
    assert {o.device.type for o in c(*(torch.zeros(2, device="meta"),) * 2)} == {"meta"}


def test_torch_compile_traces_a_compiled_gradient_as_one_graph():
    """torch.compile with fullgraph=True fails on any graph break, so this proves the
    generated source is traceable as a whole, forward and backward.  The "aot_eager"
    backend stops before code generation: inductor's C++ build took 100 s here on 2 cores
    (it is torch's own code generator, not ours, and needs a C compiler)."""
    f = compile("sigmoid(a x + b) tanh(x) + 3a", "a b x", backend="torch")
    compiled = torch.compile(f, backend="aot_eager", fullgraph=True)
    a, b, x = (torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
               for _ in range(3))
    out = compiled(a, b, x)
    np.testing.assert_allclose(out.detach().numpy(), f(a, b, x).detach().numpy(), rtol=1e-14)
    grads = torch.autograd.grad(out.sum(), (a, b, x))
    want = compile_gradient("sigmoid(a x + b) tanh(x) + 3a", "a b x")(*(t.detach().numpy()
                                                                       for t in (a, b, x)))
    np.testing.assert_allclose(torch.stack(grads).numpy(), want, rtol=1e-12)


def test_functions_of_constants_compile_for_torch():
    """torch.abs(3.14) is a TypeError: constant arguments become tensors in the source."""
    f = compile("x + abs(pi) + elu(-1.5) + sqrt(2)", "x", backend="torch")
    want = 1 + np.pi + np.expm1(-1.5) + np.sqrt(2)
    assert f(torch.tensor([1.0], dtype=torch.float64)).item() == pytest.approx(want, rel=1e-15)
    assert f(torch.tensor([1.0])).dtype == torch.float32  # the input's dtype wins


def test_the_first_jax_and_torch_call_of_a_process_can_be_a_compiled_function():
    """jaxlib imports lazily on its first call, looking ``__import__`` up in the calling
    frame's builtins: the generated function's.  Only a fresh process shows it."""
    code = ("from bibun.codegen import compile\n"
            "print(float(compile('sin(x)', 'x', backend='jax')(0.5)))\n"
            "print(float(compile('sin(x)', 'x', backend='torch')(0.5)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [float(v) for v in done.stdout.split()] == pytest.approx([np.sin(0.5)] * 2)


def test_non_numbers_are_refused_clearly_by_the_jax_backend():
    f = compile("x + 1", "x", backend="jax")
    with pytest.raises(BibunError, match="number"):
        f("two")
