"""The reference runs: the command works end to end (tiny), and the committed results in
references/ load, follow the schemas, say they come from the synthetic stand-in, and hold together."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.training import load_checkpoint
from autograder.training.models import MODEL_NAMES
from autograder.training.optimizers import OPTIMIZER_NAMES
from autograder.training.reference import REFERENCES, load_references, main, rounded


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny runs: one thread is as fast, and not slowed down by other processes' load."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def committed():
    return load_references(REFERENCES)


def test_the_command_writes_loadable_results_and_checkpoints(tmp_path):
    main(["--source", "synthetic", "--size", "16", "--per-class", "8", "--epochs", "1", "--batch-size", "16",
          "--out", str(tmp_path / "refs"), "--checkpoints", str(tmp_path / "checkpoints"), "--no-progress"])
    summary = load_references(tmp_path / "refs")
    assert summary["data"]["num_train"] == 80 and summary["data"]["is_synthetic"] is True
    assert "--per-class 8" in summary["command"]
    model, record = load_checkpoint(tmp_path / "checkpoints" / f"{summary['best_run']}.pt")
    assert record["model"] == summary["runs"][summary["best_run"]]["model"]
    assert model(torch.zeros(2, 3, 16, 16)).shape == (2, 10)


def test_committed_results_are_labelled_synthetic(committed):
    data = committed["data"]
    assert data["source"] == "synthetic" and data["is_synthetic"] is True
    assert "not ImageNet" in data["description"]
    assert all(name.endswith("(synthetic)") for name in data["class_names"])
    for entry in [*committed["runs"].values(), *committed["sweep"]["runs"]]:
        assert entry["record"]["data"] == data


def test_committed_results_cover_every_model_and_optimizer(committed):
    assert {(e["model"], e["optimizer"]) for e in committed["runs"].values()} == \
        {(m, o) for m in MODEL_NAMES for o in OPTIMIZER_NAMES}
    sweep = committed["sweep"]["runs"]
    assert len({e["lr"] for e in sweep}) >= 3
    assert {(e["model"], e["optimizer"]) for e in sweep} == {(committed["sweep"]["model"],
                                                              committed["sweep"]["optimizer"])}
    for entry in [*committed["runs"].values(), *sweep]:
        record = entry["record"]
        assert len(record["loss_per_step"]) > 0 and len(record["epochs"]) == entry["epochs"]
        assert entry["final_val_accuracy"] == record["epochs"][-1]["val_accuracy"]


def test_committed_confusion_matrix_is_the_best_runs(committed):
    best = max(committed["runs"], key=lambda name: committed["runs"][name]["final_val_accuracy"])
    assert committed["best_run"] == best
    matrix = np.array(committed["confusion"]["matrix"])
    classes = len(committed["data"]["class_names"])
    assert matrix.shape == (classes, classes) and matrix.sum() == committed["data"]["num_val"]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(committed["runs"][best]["final_val_accuracy"])


def test_on_the_stand_in_the_cnn_beats_the_linear_classifier(committed):
    """What the stand-in is built for, and what the capstone chapter says about the runs."""
    def best(model):
        return max(e["final_val_accuracy"] for e in committed["runs"].values() if e["model"] == model)
    assert best("small_cnn") > best("linear") + 0.2


def test_rounded_keeps_significant_digits():
    values = rounded({"a": [123456.7, 0.000123456, 0.0, 3], "b": float("nan")}, 3)
    assert values["a"] == [123000.0, 0.000123, 0.0, 3] and np.isnan(values["b"])
