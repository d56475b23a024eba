"""``bibun train --model cnn`` (digits) and ``--model gru`` (sine): the models are built,
learn, and evaluation runs in evaluation mode (Dropout off, BatchNorm's running
averages) without leaving the model there."""

from __future__ import annotations

import numpy as np
import pytest

from bibun import nn
from bibun.cli import main
from bibun.errors import BibunError
from bibun.nn.train import CNN, build_model, evaluate, load_task, task_for_model, train


def test_cnn_task_defaults_and_model_shape():
    task = task_for_model(load_task("digits", dtype=np.float32), "cnn")
    assert (task.lr, task.epochs, task.hidden) == (0.003, 40, 32)
    model = build_model(task, "cnn", seed=0, dtype=np.float32)
    assert isinstance(model, CNN)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten", "Dropout",
                     "Linear"]
    # the MLP's defaults are untouched
    assert task_for_model(load_task("digits"), "mlp").lr == load_task("digits").lr


def test_cnn_learns_digits_in_a_few_epochs():
    task = task_for_model(load_task("digits", dtype=np.float32), "cnn")
    model = build_model(task, "cnn", seed=0, dtype=np.float32)
    hist = train(task, model, epochs=3, seed=0)
    assert hist.test_metric[-1] >= 0.9  # 98-99 % after the default 40 epochs (README)
    assert model.training  # evaluation switched to eval mode and back


def test_evaluation_uses_eval_mode_so_dropout_does_not_change_the_answer():
    task = task_for_model(load_task("digits"), "cnn")
    model = build_model(task, "cnn", seed=0)
    model.layers[5].p = 0.9  # a Dropout this strong would scramble a training-mode answer
    a = evaluate(model, task, task.X_test, task.y_test)
    b = evaluate(model, task, task.X_test, task.y_test)
    assert a == b and model.training
    model.eval()
    with pytest.raises(Exception):  # noqa: B017  (any error: mode must be restored)
        evaluate(model, task, task.X_test[:, :3], task.y_test)
    assert not model.training


def test_cnn_needs_images():
    with pytest.raises(BibunError, match="digits"):
        task_for_model(load_task("sine"), "cnn")


def test_gru_learns_sine_wave():
    task = load_task("sine", seed=0)
    model = build_model(task, "gru", seed=0)
    assert isinstance(model, nn.SequenceModel) and isinstance(model.rnn, nn.GRU)
    hist = train(task, model, epochs=10, seed=0)
    assert hist.test_metric[-1] < 0.005  # target variance 0.5: > 99 % explained


def test_cli_trains_gru_and_cnn_and_refuses_bad_combinations(capsys):
    assert main(["train", "--data", "sine", "--model", "gru", "--epochs", "1", "--quiet"]) == 0
    assert "gru" in capsys.readouterr().out
    assert main(["train", "--data", "digits", "--model", "cnn", "--epochs", "1",
                 "--dtype", "float32", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "cnn" in out and "test accuracy" in out
    assert main(["train", "--data", "iris", "--model", "cnn"]) != 0
    assert "--data digits" in capsys.readouterr().err
    assert main(["train", "--data", "digits", "--model", "cnn", "--activation", "relu"]) != 0
    assert "ReLU" in capsys.readouterr().err
