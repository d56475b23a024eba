# Cython declarations for the compiled build only (native/build.py; see node.pxd).
cimport cython
from bibun.expr.node cimport Expr
from bibun.expr.build cimport _exponent_sum, _mul_make, power

@cython.locals(f=Expr, a=Expr, da=Expr, k=Py_ssize_t, i=Py_ssize_t, expj=Py_ssize_t,
               index=dict, terms=list, combined=dict)
cpdef list product_terms(tuple args, get, bint pairs=*)

@cython.locals(da=Expr, a0=Expr, g=Expr, f=Expr, c=Expr, e=Expr, dexp=Expr, xf=Expr, xg=Expr,
               i=Py_ssize_t, j=Py_ssize_t, k=Py_ssize_t, expj=Py_ssize_t, new=list,
               early=list, late=list, done=dict, factors=list, extras=list, redo=bint,
               both_exp=bint, late_at=dict, fresh=list)
cpdef _term(tuple args, Py_ssize_t i, da, dict index, Py_ssize_t expj, dict combined,
            bint as_pair=*)

cpdef _made(coeff, list factors, bint as_pair)

@cython.locals(f=Expr, g=Expr, k=Py_ssize_t, p=Py_ssize_t, m=Py_ssize_t, out=list)
cpdef list _merged(tuple args, Py_ssize_t i, Py_ssize_t expj, dict done, list extras)

@cython.locals(node=Expr, a=Expr, needed=set)
cpdef dict lazy_products(list nodes, root, dict d)

@cython.locals(a=Expr)
cpdef bint _sums_a_product(Expr s)
