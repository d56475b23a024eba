# Cython declarations for the compiled build only (native/build.py; see
# bibun/expr/node.pxd): the derivative walk's per-node functions as C functions with
# typed Expr locals.  The .py source stays the one truth and runs unchanged without it.
cimport cython
from bibun.expr.node cimport Expr as CExpr

@cython.locals(node=CExpr, a=CExpr, b=CExpr, k=CExpr, da=CExpr, db=CExpr, dk=CExpr, du=CExpr,
               args=tuple, i=Py_ssize_t, terms=list)
cpdef node_derivative(node, d)

@cython.locals(node=CExpr, a=CExpr)
cpdef _plain(node, name, d)
