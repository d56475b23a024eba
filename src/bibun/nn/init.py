"""Weight initialisation: keep each layer's output variance near its input's.

* Xavier/Glorot (for sigmoid and tanh): Var(W) = 2 / (fan_in + fan_out).
* He/Kaiming (for ReLU, which zeroes half its inputs): Var(W) = 2 / fan_in.

Too small and the signal (and the gradient) fades layer by layer; too large and sigmoid
and tanh saturate, where their derivative is ~0: the vanishing gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator,
                   dtype: Any = np.float64) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator,
                  dtype: Any = np.float64) -> np.ndarray:
    return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))
            ).astype(dtype)


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator,
              dtype: Any = np.float64) -> np.ndarray:
    return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator,
               dtype: Any = np.float64) -> np.ndarray:
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


INITS = {"xavier": xavier_uniform, "xavier_uniform": xavier_uniform,
         "xavier_normal": xavier_normal, "he": he_normal, "he_normal": he_normal,
         "he_uniform": he_uniform}


def for_activation(activation: str) -> str:
    """The customary initialisation for an activation: He for ReLU, Xavier otherwise."""
    return "he" if activation == "relu" else "xavier"
