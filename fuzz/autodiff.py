"""The autodiff mode: random compositions of bibun.autodiff ops against PyTorch.

A case is a small program over one input vector ``x`` — elementwise functions of the rule
table, arithmetic, powers, softmax and log-softmax, reductions (sum, mean, max, min,
logsumexp) and the fused losses (cross-entropy, MSE, BCE on logits) — with inputs drawn
from every scale (0, ±1e-300, 1, 1e8, 1e16, 1e300, now and then NaN or inf), run in
float64 (the corpus also keeps float32 cases).  bibun's value and reverse-mode gradient
are compared with PyTorch's (a test dependency, the outside oracle); the promise:

* where PyTorch's value or a gradient entry is finite, bibun's is finite and equal within
  the dtype's tolerance — or bibun refuses with one of its own errors; where they differ,
  the exact answer (:mod:`fuzz.autodiff_truth`, 40 digits) decides: a finding is bibun
  missing it by more than 4x PyTorch's error (PyTorch rounds at the edges too);
* an input that is ill-conditioned (PyTorch's own answer moves more than the difference
  when ``x`` moves by a few ulps) is not judged, and bibun may miss the exact answer by 4x
  its achievable accuracy (the conditioning bound of :mod:`fuzz.autodiff_truth`);
* ``"mutate": true`` changes ``x.data`` in place between the forward and the backward
  pass: bibun must refuse (PyTorch raises for the same change made by an in-place op),
  not return the gradient of a function that was never evaluated.

A case is JSON, ``{"f": tree, "x": [...], "dtype": "float64"}`` with ``tree`` a nested
list (``["x"]``, ``["c", 2.0]``, ``["sin", tree]``, ``["mul", tree, tree]``,
``["ce", tree, k]`` ...), so a finding is kept in the corpus as it was found and
minimised by :func:`minimise` (a node replaced by a subtree, inputs dropped).
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import numpy as np

from fuzz.autodiff_truth import truth_and_accuracy

#: elementwise functions: bibun.autodiff name -> the torch expression
UNARY = {
    "sin": "torch.sin", "cos": "torch.cos", "tan": "torch.tan", "exp": "torch.exp",
    "log": "torch.log", "sqrt": "torch.sqrt", "abs": "torch.abs", "tanh": "torch.tanh",
    "sigmoid": "torch.sigmoid", "softplus": "F.softplus", "relu": "torch.relu",
    "arctan": "torch.atan", "erf": "torch.erf", "log1p": "torch.log1p",
    "expm1": "torch.expm1", "sinh": "torch.sinh", "cosh": "torch.cosh",
    "arcsinh": "torch.asinh", "logsigmoid": "F.logsigmoid", "gelu": "F.gelu",
    "silu": "F.silu", "elu": "F.elu", "square": "torch.square",
}
BINARY = ("add", "sub", "mul", "div", "maximum", "minimum")
VECTOR = ("softmax", "log_softmax")
REDUCE = ("sum", "mean", "max", "min", "logsumexp")
LOSSES = ("ce", "mse", "bce")
POWERS = (2.0, 3.0, 0.5, -1.0, 1.5)
SCALES = (1.0, 1.0, 1.0, 10.0, 1e3, 1e6, 1e8, 1e16, 1e150, 1e300)
SPECIAL = (0.0, -0.0, 1e-300, -1e-300, 5e-324, 1.0, -1.0, 1e308, -1e308)
#: relative tolerance of a value and of a gradient entry, per dtype
TOL = {"float64": 1e-9, "float32": 2e-5}


class Broken(Exception):
    """bibun and PyTorch disagree; the message starts with what makes it one bug (the
    outermost op of the smallest case, the kind of disagreement)."""


# -- generation -------------------------------------------------------------------------

def _vec(rng: random.Random, depth: int) -> list[Any]:
    """A tree whose value is a vector the length of x."""
    if depth <= 0 or rng.random() < 0.2:
        return ["x"]
    r = rng.random()
    if r < 0.45:
        return [rng.choice(sorted(UNARY)), _vec(rng, depth - 1)]
    if r < 0.75:
        a = _vec(rng, depth - 1)
        b = _vec(rng, depth - 1) if rng.random() < 0.6 else _scalar(rng, depth - 1)
        return [rng.choice(BINARY), *((a, b) if rng.random() < 0.5 else (b, a))]
    if r < 0.85:
        return ["pow", _vec(rng, depth - 1), rng.choice(POWERS)]
    return [rng.choice(VECTOR), _vec(rng, depth - 1)]


def _scalar(rng: random.Random, depth: int) -> list[Any]:
    """A tree whose value is one number."""
    r = rng.random()
    if depth <= 0 or r < 0.2:
        return ["c", rng.choice((2.0, 0.5, -1.0, 3.0, 1e8, 1e-8))]
    if r < 0.75:
        return [rng.choice(REDUCE), _vec(rng, depth - 1)]
    loss = rng.choice(LOSSES)
    if loss == "ce":
        return ["ce", _vec(rng, depth - 1), rng.randrange(5)]
    if loss == "mse":
        return ["mse", _vec(rng, depth - 1), [rng.choice((0.0, 1.0, -2.0, 1e8)) for _ in range(5)]]
    return ["bce", _vec(rng, depth - 1), [rng.choice((0.0, 1.0, 0.5)) for _ in range(5)]]


def _value(rng: random.Random) -> float | str:
    r = rng.random()
    if r < 0.15:
        return rng.choice(SPECIAL)
    if r < 0.17:
        return rng.choice(("nan", "inf", "-inf"))
    return rng.gauss(0.0, 1.0) * rng.choice(SCALES)


def case(rng: random.Random) -> str:
    """One random case as JSON text (what the ``autodiff`` target reads)."""
    n = rng.randint(1, 5)
    big = rng.random() < 0.3  # all entries at one large scale: logits near each other
    scale = rng.choice(SCALES)
    xs = [rng.gauss(0.0, 1.0) * scale if big else _value(rng) for _ in range(n)]
    if big and rng.random() < 0.5 and n > 1:
        xs[1] = xs[0]  # a tie: max, softmax, cross-entropy at equal logits
    tree = _scalar(rng, rng.randint(1, 4))
    while "x" not in json.dumps(tree):  # a constant has no gradient to compare
        tree = _scalar(rng, rng.randint(1, 4))
    c: dict[str, Any] = {"f": tree, "x": xs, "dtype": "float64"}
    if rng.random() < 0.02:
        c["mutate"] = True
    return json.dumps(c)


# -- evaluation -------------------------------------------------------------------------

def _floats(xs: list[Any]) -> list[float]:
    return [float(v) for v in xs]  # "nan", "inf" and "-inf" are float() spellings


def _eval(tree: list[Any], x: Any, lib: Any, n: int, dtype: str) -> Any:
    """The tree's value with ``lib`` (bibun's ops or torch's), x the input."""
    op = tree[0]
    if op == "x":
        return x
    if op == "c":
        return lib.const(float(tree[1]))
    if op == "pow":
        out = _eval(tree[1], x, lib, n, dtype) ** float(tree[2])
    elif op in ("ce", "mse", "bce"):
        z = _eval(tree[1], x, lib, n, dtype)
        out = lib.loss(op, z, tree[2], n)
    else:
        out = lib.op(op, *[_eval(t, x, lib, n, dtype) for t in tree[1:]])
    return lib._checked(out) if hasattr(lib, "_checked") else out


class _Bibun:
    def __init__(self, dtype: str):
        import bibun.autodiff as ad

        self.ad, self.dtype = ad, np.dtype(dtype)

    def const(self, v: float) -> Any:
        return self.ad.Tensor(np.asarray(v, dtype=self.dtype))

    def op(self, name: str, *a: Any) -> Any:
        ad = self.ad
        if name in ("add", "sub", "mul", "div"):
            x, y = a
            return {"add": x.__add__, "sub": x.__sub__, "mul": x.__mul__,
                    "div": x.__truediv__}[name](y)
        if name in ("maximum", "minimum"):
            return getattr(ad, name)(*a)
        if name in ("softmax", "log_softmax"):
            return getattr(a[0], name)(-1)
        if name in REDUCE:
            return getattr(a[0], name)()
        return getattr(ad, name)(a[0])

    def loss(self, name: str, z: Any, arg: Any, n: int) -> Any:
        ad = self.ad
        z = z if z.shape else z.reshape((1,)).broadcast_to((n,))
        if name == "ce":
            return ad.cross_entropy(z.reshape((1, -1)), np.array([int(arg) % n]))
        t = np.resize(np.asarray(arg, dtype=self.dtype), (n,))
        return ad.mse_loss(z, t) if name == "mse" else ad.bce_with_logits(z, t)


class _Torch:
    def __init__(self, dtype: str):
        import torch

        torch.set_num_threads(1)
        self.torch, self.F = torch, torch.nn.functional
        self.dtype = getattr(torch, dtype)
        #: the largest finite magnitude that met a sum or difference written as ops: a
        #: result near 0 after it has that many ulps of absolute error in any library
        self.scale = 0.0
        #: an op overflowed to ±inf or went subnormal on the way: the chain rule then
        #: meets inf·0 (1/x of a subnormal overflows), which PyTorch's divisions and
        #: masks avoid in some ops and IEEE makes NaN in others
        self.overflow = False
        #: every intermediate result, its gradient kept (see :func:`_torch_run`)
        self.seen: list[Any] = []

    def _checked(self, out: Any) -> Any:
        if out.requires_grad:
            out.retain_grad()
            self.seen.append(out)
        a = out.detach().abs()
        if bool(a.isinf().any()) or bool(((a > 0) & (a < self.torch.finfo(a.dtype).tiny)).any()):
            self.overflow = True
        return out

    def _meets(self, *a: Any) -> None:
        for v in a:
            v = v.detach().abs()
            v = v[v.isfinite()]
            if v.numel():
                self.scale = max(self.scale, float(v.max()))

    def const(self, v: float) -> Any:
        return self.torch.tensor(v, dtype=self.dtype)

    def op(self, name: str, *a: Any) -> Any:
        torch, F = self.torch, self.F
        if name in ("add", "sub", "sum", "mean"):
            self._meets(*a)
            if name in ("sum", "mean") and self.scale * a[0].numel() > torch.finfo(
                    self.dtype).max:
                self.overflow = True  # partial sums may overflow, in some order
        if name in ("add", "sub", "mul", "div"):
            x, y = a
            return {"add": torch.add, "sub": torch.sub, "mul": torch.mul,
                    "div": torch.div}[name](x, y)
        if name in ("maximum", "minimum"):
            x, y = torch.broadcast_tensors(*a)
            return getattr(torch, name)(x, y)
        if name == "softmax":
            return torch.softmax(a[0], -1)
        if name == "log_softmax":
            return torch.log_softmax(a[0], -1)
        if name == "logsumexp":
            return torch.logsumexp(a[0].reshape(-1), 0)
        if name in REDUCE:
            return getattr(a[0], name)()
        where, attr = UNARY[name].split(".")
        return getattr(torch if where == "torch" else F, attr)(a[0])

    def loss(self, name: str, z: Any, arg: Any, n: int) -> Any:
        torch, F = self.torch, self.F
        z = z.reshape(1).expand(n) if z.dim() == 0 else z
        if name != "ce":  # pred − target: the cancellation is in the input and the target
            self._meets(z, torch.tensor(np.asarray(arg, dtype=np.float64)))
        if name == "ce":
            return F.cross_entropy(z.reshape(1, -1), torch.tensor([int(arg) % n]))
        t = torch.tensor(np.resize(np.asarray(arg, dtype=np.float64), (n,)), dtype=self.dtype)
        return F.mse_loss(z, t) if name == "mse" else F.binary_cross_entropy_with_logits(z, t)


def _torch_run(tree: list[Any], xs: np.ndarray, dtype: str
               ) -> tuple[float, np.ndarray, float, bool, bool]:
    """PyTorch's value, gradient, cancellation scale (:attr:`_Torch.scale`), whether
    an op overflowed on the way (:attr:`_Torch.overflow`) and whether an adjoint did
    (an intermediate gradient is ±inf, or NaN from sqrt′(0) = inf times a 0: the chain
    rule meets inf·0, which PyTorch's masked backward of maximum, minimum and relu keeps
    from the inputs and a multiplying one does not)."""
    t = _Torch(dtype)
    x = t.torch.tensor(xs, dtype=t.dtype, requires_grad=True)
    out = _eval(tree, x, t, len(xs), dtype)
    if out.dim():
        t._meets(out)
        out = out.sum()
    out.backward()
    g = x.grad if x.grad is not None else t.torch.zeros_like(x)
    adjoint_inf = any(s.grad is not None and not bool(s.grad.isfinite().all()) for s in t.seen)
    return (float(out.detach()), g.detach().numpy().astype(np.float64), t.scale, t.overflow,
            adjoint_inf)


def _bibun_run(tree: list[Any], xs: np.ndarray, dtype: str, mutate: bool
               ) -> tuple[float, np.ndarray]:
    b = _Bibun(dtype)
    x = b.ad.Tensor(xs.copy(), requires_grad=True)
    out = _eval(tree, x, b, len(xs), dtype)
    out = out.sum() if out.shape else out
    if mutate:
        x.data[...] = x.data * 2 + 1  # in place, after the forward pass
    out.backward()
    g = x.grad if x.grad is not None else np.zeros(len(xs))
    return float(np.asarray(out.data)), np.asarray(g, dtype=np.float64)


def _mutated(tree: list[Any], xs: np.ndarray, dtype: str) -> None:
    """x changed in place between forward and backward: where PyTorch's version counter
    refuses (the backward needs the old x), bibun must refuse too; where PyTorch
    answers (the backward does not need x), bibun's gradient must be PyTorch's."""
    import torch

    t = _Torch(dtype)
    x = torch.tensor(xs, dtype=t.dtype, requires_grad=True)
    out = _eval(tree, x, t, len(xs), dtype)
    out = out.sum() if out.dim() else out
    with torch.no_grad():
        x.mul_(2).add_(1)
    try:
        out.backward()
        refused = False
    except RuntimeError:
        refused = True
    value, grad = _bibun_run(tree, xs, dtype, True)  # bibun's errors pass through
    if refused and np.array_equal(np.asarray(xs * 2 + 1, dtype=dtype), xs, equal_nan=True):
        # the change left x as it was (x = -1 and NaN are fixed points of 2x + 1): PyTorch's
        # version counter refuses any in-place op, but the gradient of the unchanged data
        # is the right one, so an answer is judged against PyTorch's before the change
        _, want, _, _, _ = _torch_run(tree, xs, dtype)
        if not np.allclose(grad, want, rtol=TOL[dtype], equal_nan=True):
            raise Broken(f"autodiff in place: {tree[0]}'s gradient {grad.tolist()} after a "
                         f"change that left x as it was, PyTorch {want.tolist()}")
        return
    if refused:
        raise Broken(f"autodiff in place: x.data changed after the forward pass of "
                     f"{tree[0]}, and backward still gave a gradient {grad.tolist()}; "
                     "PyTorch refuses")
    want = x.grad.numpy() if x.grad is not None else np.zeros(len(xs))
    if not np.allclose(grad, want, rtol=TOL[dtype], equal_nan=True):
        raise Broken(f"autodiff in place: {tree[0]}'s gradient {grad.tolist()}, "
                     f"PyTorch {want.tolist()}")


def _differs(got: float, want: float, tol: float, slack: float) -> bool:
    """``got`` is not ``want``: PyTorch's finite answer missed (NaN, inf, or off by more
    than the relative tolerance and more than ``slack``, the absolute error the case
    allows any library: its spread under tiny moves of x, its cancellations)."""
    if not math.isfinite(want):
        return False  # not judged: PyTorch has no number either
    if not math.isfinite(got):
        return True
    return abs(got - want) > max(tol * max(1.0, abs(want)), slack)


def run_autodiff(text: str) -> None:
    """The ``autodiff`` target: one case (JSON), judged against PyTorch; raises
    :class:`Broken` on a disagreement, bibun's errors pass through (a refusal)."""
    c = json.loads(text)
    tree, dtype, mutate = c["f"], c.get("dtype", "float64"), bool(c.get("mutate"))
    xs = np.asarray(_floats(c["x"]), dtype=dtype)
    if mutate:
        _mutated(tree, xs, dtype)
        return
    with np.errstate(all="ignore"):
        value, grad = _bibun_run(tree, xs, dtype, False)
    try:
        want, wgrad, scale, overflow, adjoint_inf = _torch_run(tree, xs, dtype)
    except (RuntimeError, ValueError, IndexError):
        return  # PyTorch has no answer to compare with
    tol = TOL[dtype]
    # the answer's spread: PyTorch at x moved by a few ulps (an ill-conditioned case
    # is not judged by the digits it cannot have)
    eps = np.finfo(dtype).eps
    spread_v, spread_g = 0.0, np.zeros_like(wgrad)
    for k in (1, 2):
        moved = np.asarray(xs * (1 + (-1) ** k * 4 * eps * k), dtype=dtype)
        try:
            v2, g2, _, _, _ = _torch_run(tree, moved, dtype)
        except (RuntimeError, ValueError, IndexError):
            return
        spread_v = max(spread_v, abs(v2 - want) if math.isfinite(v2 - want) else math.inf)
        with np.errstate(all="ignore"):
            d = np.abs(g2 - wgrad)
        spread_g = np.maximum(spread_g, np.where(np.isfinite(d), d, np.inf))
    exact: list[Any] = []  # the exact answer, asked for only when PyTorch disagrees

    def missed(got: float, want: float, tol: float, slack: float, i: int) -> bool:
        if not _differs(got, want, tol, slack):
            return False
        if not exact:
            try:
                v, g, e, ge = truth_and_accuracy(tree, xs.astype(np.float64).tolist())
                exact.append([v, *g])
                exact.append([e, *ge])
            except Exception:  # noqa: BLE001 - no exact answer: PyTorch alone judges
                exact.append(None)
        if exact[0] is None:
            return True
        # bibun misses the exact answer by more than PyTorch does (4x): where both round
        # a cancellation the same way, neither is judged wrong; nor by less than 4x the
        # achievable accuracy (the conditioning bound of autodiff_truth: an engine
        # rounding each op once may be that far off; where it is small, digits count)
        right = exact[0][i]
        achievable = exact[1][i]
        if math.isinf(achievable):
            return False  # no digit is decided here (not even "a number"): not judged
        return math.isfinite(right) and _differs(
            got, right, tol, max(slack, 4 * abs(want - right), 4 * achievable))

    slack_v = max(10 * spread_v, 16 * eps * scale)
    if overflow and math.isinf(value):
        return  # an overflow on the way (a sum of terms near 1e308 in another order)
    if missed(value, want, tol, slack_v, 0):
        raise Broken(f"autodiff {tree[0]} value: {value!r}, PyTorch {want!r}")
    tiny = np.finfo(dtype).tiny
    if overflow or ((np.abs(xs) < tiny) & (xs != 0)).any():
        return  # an op overflowed: its gradient is inf·0 somewhere, NaN or masked
    if math.isnan(want) and not np.isnan(xs).any():
        return  # a function undefined here (log of a negative): no gradient to judge
    if np.isinf(wgrad).any():
        return  # the backward pass overflowed (1/x² at 1e-300): inf − inf and inf·0 follow
    finite = np.abs(wgrad[np.isfinite(wgrad)])
    gscale = max(1.0, float(finite.max())) if finite.size else 1.0  # as tests' close()
    for i, (g, w) in enumerate(zip(grad.tolist(), wgrad.tolist(), strict=True)):
        if adjoint_inf and math.isnan(g):
            # an adjoint beyond float range on the way (d/db of a/b is 4e315 at b = 1e-8,
            # a = 4e299; sqrt′(0) = inf times a 0 of max's backward): a NaN entry is inf·0
            # of the chain rule, visible, not a wrong number; a finite entry is judged
            continue
        # a gradient entry's cancellations are in its conditioning bound (the exact
        # answer's achievable accuracy); the value's largest summand is no measure of
        # them (a sum of -4e299 and 0.6 has a gradient known to every digit)
        slack = 10 * float(spread_g[i])
        if missed(g, w, tol * gscale, slack, i + 1):
            raise Broken(f"autodiff {tree[0]} gradient: {grad.tolist()}, "
                         f"PyTorch {wgrad.tolist()}")


# -- minimisation -----------------------------------------------------------------------

def _subtrees(tree: list[Any], path: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    out = [path]
    if tree[0] not in ("x", "c"):
        for i, t in enumerate(tree[1:], 1):
            if isinstance(t, list) and t and isinstance(t[0], str):
                out += _subtrees(t, (*path, i))
    return out


def _get(tree: list[Any], path: tuple[int, ...]) -> list[Any]:
    for i in path:
        tree = tree[i]
    return tree


def _put(tree: list[Any], path: tuple[int, ...], sub: list[Any]) -> list[Any]:
    if not path:
        return sub
    tree = list(tree)
    tree[path[0]] = _put(tree[path[0]], path[1:], sub)
    return tree


def _is_vector(tree: list[Any]) -> bool:
    return tree[0] not in ("c", *REDUCE, *LOSSES)


def minimise(fails: Any, text: str, tries: int = 80) -> str:
    """A smaller case that still ``fails`` (a predicate on JSON text): each inner node
    replaced by one of its subtrees of the same kind (vector or number) or by x, then
    input entries dropped one by one."""
    c = json.loads(text)
    changed = True
    while changed and tries > 0:
        changed = False
        for path in _subtrees(c["f"])[1:] + [()]:
            node = _get(c["f"], path)
            kind = _is_vector(node)
            options = [_get(node, sub) for sub in _subtrees(node)[1:]
                       if _is_vector(_get(node, sub)) == kind]
            if kind and node != ["x"]:
                options.append(["x"])
            for sub in options:
                tries -= 1
                cand = {**c, "f": _put(c["f"], path, sub)}
                if tries >= 0 and fails(json.dumps(cand)):
                    c, changed = cand, True
                    break
            if changed:
                break
    i = 0
    while i < len(c["x"]) and len(c["x"]) > 1 and tries > 0:
        tries -= 1
        cand = {**c, "x": c["x"][:i] + c["x"][i + 1:]}
        if fails(json.dumps(cand)):
            c = cand
        else:
            i += 1
    return json.dumps(c)
