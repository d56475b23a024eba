# Cython declarations for the compiled build only (native/build.py; see node.pxd): the
# sum builders with a fixed number of arguments as C functions with typed Expr locals.
cimport cython
from bibun.expr.node cimport Expr, _make, _make_known, _norm, number

cpdef _union(fa, fb)

@cython.locals(t=Expr)
cpdef _like(t)

cpdef _unlike(key)

@cython.locals(a=Expr, b=Expr, ka=tuple, kb=tuple, like=bint)
cpdef add2(a, b)

@cython.locals(u=Expr, h=Expr, ta=tuple, terms=dict, out=list, n=Py_ssize_t, pending=bint)
cpdef _add_general(args)

@cython.locals(e=Expr)
cpdef scale(c, e)

cpdef _scaled(c, tuple key)
