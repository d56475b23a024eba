"""bibun.nn: small neural networks on top of bibun.autodiff.

>>> from bibun import nn
>>> model = nn.MLP([2, 64, 3], activation="tanh", rng=0)
>>> opt = nn.Adam(model.parameters(), lr=0.01)
>>> # loss = nn.cross_entropy(model(X), y); loss.backward(); opt.step()
"""

from bibun.nn.attention import Embedding, MultiHeadAttention, scaled_dot_product_attention
from bibun.nn.conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from bibun.nn.data import DataLoader
from bibun.nn.init import he_normal, he_uniform, xavier_normal, xavier_uniform
from bibun.nn.layers import (
    ACTIVATIONS,
    GRU,
    LSTM,
    MLP,
    RNN,
    Activation,
    Linear,
    ReLU,
    SequenceModel,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from bibun.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    mse_loss,
)
from bibun.nn.module import Module, Parameter
from bibun.nn.norm import BatchNorm1d, BatchNorm2d, Dropout, LayerNorm
from bibun.nn.optim import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from bibun.nn.tools import (
    AdamW,
    CosineAnnealingLR,
    StepLR,
    accuracy,
    clip_grad_norm,
    summary,
)

__all__ = [
    "ACTIVATIONS", "LSTM", "MLP", "RNN", "Activation", "AdaGrad", "Adam", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "DataLoader", "Linear", "MSELoss", "Module", "Momentum", "Nesterov",
    "Parameter", "RMSprop", "ReLU", "SGD", "SequenceModel", "Sequential", "Sigmoid", "Softmax",
    "Tanh", "bce_with_logits", "cross_entropy", "he_normal", "he_uniform", "mse_loss",
    "xavier_normal", "xavier_uniform",
    "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "Dropout", "Flatten", "GRU",
    "LayerNorm", "MaxPool2d",
    "AdamW", "BCELoss", "CosineAnnealingLR", "Embedding", "MultiHeadAttention", "StepLR",
    "accuracy", "binary_cross_entropy", "clip_grad_norm", "scaled_dot_product_attention",
    "summary",
]
