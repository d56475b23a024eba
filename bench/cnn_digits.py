"""A small CNN on the shipped 8×8 digits: Conv2d → BatchNorm2d → ReLU → MaxPool2d →
Dropout → Linear, trained with Adam on bibun's autodiff, CPU only, one thread.

    python -m bench.cnn_digits            # prints test accuracy and seconds
    python -m bench.cnn_digits --seeds 3  # the same with three seeds (split and weights)

The split is ``bibun train``'s: 20 % of each class held out (``datasets.train_test_split``
with seed 0), pixels scaled to 0..1.  The model sees the test set only after training.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from bibun import datasets, nn  # noqa: E402
from bibun.autodiff import no_grad  # noqa: E402
from bibun.autodiff.memory import tune_malloc  # noqa: E402


def make_cnn(rng: int, dtype: type = np.float32) -> nn.Module:
    """32 filters of 3×3 (padding 1) keep the 8×8 size; pooling halves it to 4×4."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, rng=rng, dtype=dtype),
        nn.BatchNorm2d(32, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.25, rng=rng),
        nn.Linear(32 * 4 * 4, 10, init="he", rng=rng, dtype=dtype),
    )


def run(seed: int = 0, epochs: int = 40, batch_size: int = 32, lr: float = 0.003,
        dtype: type = np.float32) -> tuple[float, float, float]:
    """Train and return (test accuracy, CPU seconds, wall-clock seconds) of training.
    CPU time is the fair number on a shared machine: wall time grows with the load."""
    X, y = datasets.load_digits()
    X = (X.astype(dtype) / 16.0).reshape(-1, 1, 8, 8)
    Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, 0.2, seed)
    model = make_cnn(seed, dtype)
    opt = nn.Adam(model.parameters(), lr=lr)
    start, cpu = time.perf_counter(), time.process_time()
    for epoch in range(epochs):
        model.train()
        for xb, yb in nn.DataLoader(Xtr, ytr, batch_size=batch_size, seed=epoch + 1000 * seed):
            nn.cross_entropy(model(xb), yb).backward()
            opt.step()
    cpu, seconds = time.process_time() - cpu, time.perf_counter() - start
    model.eval()
    with no_grad():
        pred = np.argmax(model(Xte).data, axis=1)
    return float((pred == yte).mean()), cpu, seconds


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=40)
    args = ap.parse_args(argv)
    tune_malloc()
    for seed in range(args.seeds):
        acc, cpu, wall = run(seed, args.epochs)
        print(f"seed {seed}: test accuracy {100 * acc:.2f} % (359 of 1,797 digits held out);"
              f" training {cpu:.1f} s CPU, {wall:.1f} s wall clock")


if __name__ == "__main__":
    main()
