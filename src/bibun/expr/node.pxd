# Cython declarations for the compiled build only (native/build.py): Expr becomes an
# extension type whose fields are C struct members, so compiled code that knows a value
# is an Expr reads node.op with one pointer load instead of a descriptor lookup, and the
# functions declared here are called as C functions from the other compiled modules.
# The .py source stays the one truth and runs unchanged without this file.
cimport cython

cdef class Expr:
    cdef public object op
    cdef public tuple args
    cdef public object value
    cdef public object serial
    cdef public object free
    cdef public Py_ssize_t size
    cdef public object _cr
    cdef public object _pows
    cdef object __weakref__

@cython.locals(node=Expr, tab=dict)
cpdef Expr _make(op, args, value=*)

@cython.locals(node=Expr, tab=dict)
cpdef Expr _make_known(op, args, free, Py_ssize_t size)

@cython.locals(node=Expr, a=Expr, b=Expr, n=Py_ssize_t)
cpdef Expr _create(op, args, value, key, free=*, Py_ssize_t size=*)

@cython.locals(ints=dict, node=Expr)
cpdef Expr number(v)

@cython.locals(node=Expr)
cpdef Expr _int_leaf(v)

cpdef _norm(v)
