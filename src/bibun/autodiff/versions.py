"""Data the graph read in the forward pass, checked again before backward uses it.

PyTorch keeps a version counter on every tensor, bumped by each in-place op, and its
backward refuses a saved tensor whose version moved.  bibun's ``t.data`` is a plain
NumPy array, and NumPy has no counter and no hook: ``x.data[...] = v`` and
``x.data += 1`` change the array behind bibun's back.  So when an op is recorded, each
input that requires grad gets a snapshot ``(array, bytes or None, seq)`` in ``_snap``
(a leaf has one from its creation; an op's result gets its first when another op reads
it):

* the array object itself — ``x.data = new`` is seen at any size, for free;
* a copy of its bytes when it has at most :data:`SNAP_MAX` elements — an in-place change
  of a small array is seen by comparing (bytes, so NaN and -0.0 compare exactly);
* ``seq``, the creation number of the op that took the snapshot — an op recorded
  *before* a change read the old values, even if the forward pass was run again since.

``backward`` compares each input's snapshot before (or, on the hot path, right after)
running the op's vjp, and refuses a change with ``error.autodiff.changed_after_forward``.

Cost: an identity test per input for 0-d values (NumPy scalars are immutable) and for
arrays over :data:`SNAP_MAX` elements, a copy and a comparison of at most 32 KB
otherwise.  Limits: an in-place change of an array over :data:`SNAP_MAX` elements, of a
tensor that does not require grad, or of an op's own result before another op reads it,
is not seen; nor is a write that leaves every byte as it was (PyTorch's counter counts
the write itself) — the gradient is then still right (docs/autodiff.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: arrays up to this many elements are also kept as bytes, so an in-place change is seen
SNAP_MAX = 4096


def watch(p: Any, seq: int) -> None:
    """Note the data that op number ``seq`` (being recorded) reads from ``p``; a change
    since the last snapshot starts a new one."""
    d = p.data
    s = p._snap
    b = d.tobytes() if type(d) is np.ndarray and d.size <= SNAP_MAX else None
    if s is not None and s[0] is d and s[1] == b:
        return
    p._snap = (d, b, seq)


def changed_parent(node: Any) -> Any:
    """The first input of ``node`` whose data changed after ``node`` was recorded, or None."""
    for p in node._parents:
        s = p._snap
        if s is not None and (node._seq > s[2] or s[0] is not p.data
                              or (s[1] is not None and s[1] != p.data.tobytes())):
            return p
    return None
