"""Code generation: expressions become Python source over NumPy, math, JAX or torch,
with shared subexpressions computed once."""

from bibun.codegen.compile import BACKENDS, Compiled, compile, compile_gradient

__all__ = ["BACKENDS", "Compiled", "compile", "compile_gradient"]
