"""bibun.autodiff Tensors to and from NumPy, PyTorch and JAX arrays (issue 20, item 4).

Values and dtypes cross both ways; what arrives is a leaf of the receiving library's
graph; memory is shared through DLPack unless a copy is asked for; and what cannot cross
correctly (complex numbers, traced values, float64 into 32-bit JAX) is refused with the
way out, in English and Japanese.
"""

from __future__ import annotations

import numpy as np
import pytest

from bibun import autodiff as ad
from bibun import i18n
from bibun.autodiff import AutodiffError, Tensor, from_array, to_jax, to_numpy, to_torch

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jnp = jax.numpy


def _is_leaf(t: Tensor) -> bool:
    return isinstance(t, Tensor) and t.op == "leaf" and t._parents == ()


# -- NumPy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_arrays_cross_both_ways_sharing_memory_and_keeping_dtype(dtype):
    a = np.linspace(-1, 1, 5, dtype=dtype)
    t = from_array(a, requires_grad=True)
    assert _is_leaf(t) and t.requires_grad and t.dtype == dtype
    assert np.shares_memory(t.data, a) and np.shares_memory(to_numpy(t), a)
    c = from_array(a, copy=True)
    assert not np.shares_memory(c.data, a) and np.array_equal(c.data, a)
    assert not np.shares_memory(to_numpy(t, copy=True), a)


def test_integers_become_float64_and_lists_and_numbers_are_taken():
    assert from_array(np.arange(3)).dtype == np.float64
    assert from_array([1, 2]).data.tolist() == [1.0, 2.0]
    assert to_numpy(from_array(2.5)).shape == ()


# -- PyTorch --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_tensors_become_leaves_with_their_values_dtype_and_flag(dtype):
    w = torch.linspace(-2, 2, 6, dtype=dtype, requires_grad=True)
    y = w * 3  # not a leaf in torch's graph
    t = from_array(y)
    assert _is_leaf(t) and t.requires_grad  # the flag comes along, the graph stays behind
    assert t.dtype == np.dtype(str(dtype).removeprefix("torch."))
    np.testing.assert_array_equal(t.data, y.detach().numpy())
    assert t.data.ctypes.data == y.data_ptr()  # DLPack: the same memory, no copy
    assert from_array(y, copy=True).data.ctypes.data != y.data_ptr()
    assert not from_array(y, requires_grad=False).requires_grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tensors_become_torch_leaves_whose_gradients_match_bibuns(dtype):
    x = Tensor(np.array([0.3, -1.2, 2.0], dtype=dtype), requires_grad=True)
    ad.tanh(x * x).sum().backward()
    tx = to_torch(x)
    assert tx.is_leaf and tx.requires_grad and tx.dtype == getattr(torch, np.dtype(dtype).name)
    assert tx.data_ptr() == x.data.ctypes.data  # shared through DLPack
    torch.tanh(tx * tx).sum().backward()
    tol = 1e-6 if dtype == np.float32 else 1e-14  # 1 − tanh² cancels in float32
    np.testing.assert_allclose(tx.grad.numpy(), x.grad, rtol=tol, atol=tol)
    assert not to_torch(Tensor([1.0])).requires_grad
    assert to_torch(x, copy=True).data_ptr() != x.data.ctypes.data


def test_a_zero_dim_tensor_crosses_to_torch_and_jax():
    t = Tensor(2.5)
    assert to_torch(t).shape == () and to_torch(t).item() == 2.5
    assert to_jax(t, dtype="float32").shape == ()


def test_torch_bfloat16_widens_exactly_to_float32():
    b = torch.tensor([1.5, -0.0078125, 3e38], dtype=torch.bfloat16)
    t = from_array(b)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, b.float().numpy())


# -- JAX ------------------------------------------------------------------------------------


def test_jax_arrays_become_leaves_that_differentiate_as_usual():
    j = jnp.linspace(-1.0, 1.0, 4, dtype=jnp.float32)
    t = from_array(j, requires_grad=True)
    assert _is_leaf(t) and t.dtype == np.float32
    assert not t.data.flags.writeable  # JAX arrays are immutable: the view is read-only
    ad.sigmoid(t).sum().backward()
    want = jax.grad(lambda v: jax.nn.sigmoid(v).sum())(j)
    np.testing.assert_allclose(t.grad, np.asarray(want), rtol=1e-6)
    assert from_array(j, copy=True).data.flags.writeable


def test_tensors_become_jax_arrays_keeping_float32_and_float64_under_x64():
    t32 = Tensor(np.array([0.5, 1.5], dtype=np.float32))
    j = to_jax(t32)
    assert j.dtype == jnp.float32 and np.asarray(j).tolist() == [0.5, 1.5]
    with jax.enable_x64():
        j64 = to_jax(Tensor([0.1, 0.2]))
        assert j64.dtype == jnp.float64 and float(j64[0]) == 0.1
        assert jax.grad(lambda v: (v * v).sum())(j64).tolist() == [0.2, 0.4]


def test_float64_into_32_bit_jax_is_refused_with_both_ways_out():
    with jax.enable_x64(False), pytest.raises(AutodiffError) as exc:
        to_jax(Tensor([0.1]))
    assert "jax_enable_x64" in str(exc.value) and 'dtype="float32"' in str(exc.value)
    assert "丸め" in i18n.message(exc.value, "ja")
    with jax.enable_x64(False):
        assert to_jax(Tensor([0.1]), dtype="float32").dtype == jnp.float32


# -- what cannot cross ----------------------------------------------------------------------


def test_traced_values_are_refused_inside_jit_and_torch_func():
    def inside_jax(v):
        from_array(v)
        return v

    with pytest.raises(AutodiffError, match="jax") as exc:
        jax.jit(inside_jax)(jnp.ones(2))
    assert "トレース中" in i18n.message(exc.value, "ja")

    def inside_torch(v):
        from_array(v)
        return v

    with pytest.raises(AutodiffError, match="torch.func"):
        torch.func.vmap(inside_torch)(torch.ones(2, 3))


@pytest.mark.parametrize("value", [np.array([1 + 2j]), torch.tensor([1 + 2j]),
                                   jnp.array([1 + 2j])], ids=["numpy", "torch", "jax"])
def test_complex_arrays_are_refused_naming_the_dtype(value):
    with pytest.raises(AutodiffError, match="complex") as exc:
        from_array(value)
    assert "実数" in i18n.message(exc.value, "ja")


def test_non_numbers_are_refused_clearly():
    with pytest.raises(AutodiffError, match="needs numbers"):
        from_array(["a", "b"])


# -- the DLPack protocol ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_from_dlpack_of_a_tensor_shares_its_memory_both_ways(dtype):
    t = Tensor(np.arange(6, dtype=dtype).reshape(2, 3))
    assert t.__dlpack_device__() == (1, 0)  # kDLCPU
    tt = torch.from_dlpack(t)
    assert tt.dtype == getattr(torch, np.dtype(dtype).name) and tt.shape == (2, 3)
    tt[0, 0] = 42  # a write through torch is seen by bibun: no copy was made
    assert t.data[0, 0] == 42
    back = ad.from_dlpack(tt)
    assert _is_leaf(back) and np.shares_memory(back.data, t.data)
    assert not np.shares_memory(ad.from_dlpack(tt, copy=True).data, t.data)


def test_np_from_dlpack_and_a_zero_dim_tensor():
    t = Tensor([1.5, 2.5])
    assert np.shares_memory(np.from_dlpack(t), t.data)
    assert torch.from_dlpack(Tensor(2.5)).item() == 2.5


def test_jax_round_trip_through_dlpack_keeps_values_and_dtype():
    t = Tensor(np.array([0.25, -1.0, 3.0], dtype=np.float32))
    j = jax.dlpack.from_dlpack(t)
    assert j.dtype == jnp.float32 and np.asarray(j).tolist() == [0.25, -1.0, 3.0]
    back = ad.from_dlpack(j, requires_grad=True)
    assert _is_leaf(back) and back.requires_grad and not back.data.flags.writeable
    assert np.shares_memory(back.data, np.asarray(j))
    # read-only data goes on to JAX (a copy: the old protocol cannot flag read-only) and
    # to torch, with the values intact
    assert np.asarray(jax.dlpack.from_dlpack(back.detach())).tolist() == [0.25, -1.0, 3.0]
    assert torch.from_dlpack(back.detach()).tolist() == [0.25, -1.0, 3.0]


def test_torch_requires_grad_comes_along_through_from_dlpack():
    w = torch.linspace(0, 1, 3, requires_grad=True)
    assert ad.from_dlpack(w).requires_grad and not ad.from_dlpack(w.detach()).requires_grad


def test_a_tensor_that_requires_grad_is_not_exported_silently_without_it():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ad.DLPackError, match="detach") as exc:
        torch.from_dlpack(x)
    assert isinstance(exc.value, BufferError)
    assert "勾配" in i18n.message(exc.value, "ja")
    assert torch.from_dlpack(x.detach()).tolist() == [1.0, 2.0]


def test_from_dlpack_refuses_what_has_no_dlpack_with_the_way_out():
    with pytest.raises(AutodiffError, match="from_array") as exc:
        ad.from_dlpack([1.0, 2.0])
    assert "from_array" in i18n.message(exc.value, "ja")
