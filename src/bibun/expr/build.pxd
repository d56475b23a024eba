# Cython declarations for the compiled build only (native/build.py; see node.pxd): the
# builders with a fixed number of arguments become C functions whose Expr locals are
# typed, so reading node.op or node.args is a pointer load.  add(*args) and mul(*args)
# stay Python-callable functions (Cython has no C function with *args).
cimport cython
from bibun.expr.node cimport Expr, _make, _make_known, _norm, number
from bibun.expr.sums cimport _add_general, _like, _union, _unlike, add2, scale

@cython.locals(e=Expr)
cpdef coeff_rest(e)

@cython.locals(e=Expr)
cpdef times(c, e)

@cython.locals(e=Expr)
cpdef neg(e)

@cython.locals(p=Expr, f=Expr, g=Expr, pa=tuple, at=Py_ssize_t, i=Py_ssize_t)
cpdef _mul_into(p, f)

@cython.locals(a=Expr, f=Expr, factors=list, seen=set, exps=Py_ssize_t)
cpdef _mul_general(args)

@cython.locals(p=Expr, a=Expr, f=Expr, pa=tuple, lo=Py_ssize_t, i=Py_ssize_t, n=Py_ssize_t,
               k=Py_ssize_t, start=Py_ssize_t, size=Py_ssize_t, at=Py_ssize_t, new=list,
               places=list, bases=list, serials=list)
cpdef _insert(p, args, at)

@cython.locals(factors=list)
cpdef _mul_make(coeff, factors, bint ordered=*)

@cython.locals(a=Expr, f=Expr, factors=list, exps=list, bases=dict, flat=list)
cpdef _mul_collect(coeff, flat)

@cython.locals(b=Expr, x=Expr)
cpdef power(b, x)

@cython.locals(arg=Expr, known=dict)
cpdef fn(name, arg)

@cython.locals(x=Expr, xs=list)
cpdef _exponent_sum(xs)

@cython.locals(a=Expr, b=Expr, r=Expr)
cpdef mul2(a, b)

@cython.locals(a=Expr, r=Expr, i=Py_ssize_t)
cpdef _mul_rest(args)
