"""The reference runs: the command works end to end (tiny), and the committed results in
references/ load, follow the schemas, say they come from real photographs, follow the stated
selection rule, and hold together with their figures."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from autograder.training import load_checkpoint
from autograder.training.figures import FIGURES, most_confident_mistakes
from autograder.training.models import MODEL_NAMES
from autograder.training.optimizers import OPTIMIZER_NAMES
from autograder.training.reference import (COMPARED_SCHEDULES, REFERENCES, SWEEP, load_references, main,
                                           rounded)


pytestmark = pytest.mark.usefixtures("torch_on_one_thread")


@pytest.fixture(scope="module")
def committed():
    return load_references(REFERENCES)


def test_the_command_writes_loadable_results_checkpoints_and_figures(tmp_path):
    main(["--source", "synthetic", "--size", "16", "--per-class", "8", "--epochs", "1", "--batch-size", "16",
          "--out", str(tmp_path / "refs"), "--checkpoints", str(tmp_path / "checkpoints"), "--no-progress"])
    summary = load_references(tmp_path / "refs")
    assert summary["data"]["num_train"] == 80 and summary["data"]["is_synthetic"] is True
    assert summary["flip"] is False, "mirroring changes the stand-in's stripe classes: no flips"
    assert "--per-class 8" in summary["command"]
    best = summary["runs"][summary["best_run"]]
    model, record = load_checkpoint(tmp_path / "checkpoints" / f"{best['name']}.pt")
    assert record["model"] == best["model"]
    assert model(torch.zeros(2, 3, 16, 16)).shape == (2, 10)
    for relative in FIGURES.values():
        assert Image.open(tmp_path / "refs" / relative).format == "PNG"


def test_committed_results_are_real_photographs_and_say_so(committed):
    data = committed["data"]
    assert data["source"] in ("imagenette", "ilsvrc") and data["is_synthetic"] is False
    assert "real photographs" in data["description"] and "ImageNet" in data["description"]
    assert len(data["class_names"]) == 10 and not any(name.startswith("n0") for name in data["class_names"])
    assert committed["flip"] is True
    for entry in [*committed["runs"].values(), *committed["sweep"], *committed["schedules"]["runs"]]:
        assert entry["record"]["data"] == data and entry["record"]["device"] == committed["device"]


def test_the_sweep_covers_every_model_and_optimizer_and_the_stated_rule_picks_the_main_runs(committed):
    assert "highest validation accuracy" in committed["selection_rule"]
    sweep = committed["sweep"]
    assert {(e["model"], e["optimizer"]) for e in sweep} == {(m, o) for m in MODEL_NAMES for o in OPTIMIZER_NAMES}
    for (model, optimizer), lrs in SWEEP.items():
        tried = sorted((e for e in sweep if (e["model"], e["optimizer"]) == (model, optimizer)),
                       key=lambda e: e["lr"])
        assert [e["lr"] for e in tried] == sorted(lrs) and len(lrs) >= 3
        best = max(tried, key=lambda e: e["final_val_accuracy"])  # max keeps the first: the smaller rate
        main_run = committed["runs"][f"{model}-{optimizer}"]
        assert main_run["name"] == best["name"] and main_run["lr"] == best["lr"]
        assert [e["selected"] for e in tried] == [e is best for e in tried]
    for entry in [*committed["runs"].values(), *sweep]:
        record = entry["record"]
        assert entry["final_val_accuracy"] == record["epochs"][-1]["val_accuracy"]
        assert len(record["epochs"]) == committed["epochs"] and record["hyperparameters"]["schedule"] == "constant"


def test_the_schedules_decay_the_selected_rate_of_the_same_run(committed):
    schedules = committed["schedules"]
    main_run = committed["runs"][f"{schedules['model']}-{schedules['optimizer']}"]
    assert [e["schedule"] for e in schedules["runs"]] == ["constant", *COMPARED_SCHEDULES]
    assert schedules["runs"][0]["name"] == main_run["name"]
    for entry in schedules["runs"][1:]:
        rates = [e["lr"] for e in entry["record"]["epochs"]]
        assert entry["lr"] == main_run["lr"] and rates[0] == pytest.approx(main_run["lr"])
        assert rates[-1] < 0.1 * rates[0] and all(a >= b for a, b in zip(rates, rates[1:]))


def test_committed_confusion_matrix_is_the_best_runs(committed):
    best = max(committed["runs"], key=lambda name: committed["runs"][name]["final_val_accuracy"])
    assert committed["best_run"] == best
    matrix = np.array(committed["confusion"]["matrix"])
    classes = len(committed["data"]["class_names"])
    assert matrix.shape == (classes, classes) and matrix.sum() == committed["data"]["num_val"]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(committed["runs"][best]["final_val_accuracy"], abs=1e-4)


def test_on_photographs_the_cnn_beats_the_linear_classifier(committed):
    """What the capstone chapter says about the runs."""
    def best(model):
        return max(e["final_val_accuracy"] for e in committed["runs"].values() if e["model"] == model)
    assert best("small_cnn") > best("linear") + 0.2


def test_committed_figures_are_small_pngs(committed):
    total = 0
    for relative in FIGURES.values():
        path = REFERENCES / relative
        assert Image.open(path).format == "PNG", relative
        total += path.stat().st_size
    assert total < 600_000, f"the committed figures take {total:,} bytes"


def test_the_gallery_shows_confident_mistakes_and_at_most_two_per_class():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55], [0.1, 0.9]])
    labels = np.array([1, 1, 1, 0, 0, 0])
    chosen = most_confident_mistakes(probabilities, labels, 10)
    assert chosen.tolist() == [0, 5, 3, 2]  # confidence 0.9, 0.9, 0.7, 0.6; each class at most twice
    assert most_confident_mistakes(probabilities, labels, 2).tolist() == [0, 5]


def test_rounded_keeps_significant_digits():
    values = rounded({"a": [123456.7, 0.000123456, 0.0, 3], "b": float("nan")}, 3)
    assert values["a"] == [123000.0, 0.000123, 0.0, 3] and np.isnan(values["b"])


def test_resume_reuses_runs_trained_exactly_as_asked_and_retrains_the_others(tmp_path, monkeypatch):
    from autograder.training import reference

    arguments = ["--source", "synthetic", "--size", "16", "--per-class", "8", "--epochs", "1", "--batch-size", "16",
                 "--out", str(tmp_path / "refs"), "--checkpoints", str(tmp_path / "checkpoints"), "--no-progress"]
    main(arguments)
    first = load_references(tmp_path / "refs")
    trained = []
    real_train = reference.train
    monkeypatch.setattr(reference, "train", lambda *a, **k: trained.append(k["model_name"]) or real_train(*a, **k))
    main([*arguments, "--resume"])
    assert trained == [], "every run was already trained exactly so"
    again = load_references(tmp_path / "refs")
    assert again["sweep"] == first["sweep"] and "--resume" in again["command"]
    main([*arguments, "--epochs", "2", "--resume"])  # another number of epochs: nothing is reusable
    assert len(trained) == sum(len(lrs) for lrs in SWEEP.values()) + len(COMPARED_SCHEDULES)


def test_what_the_capstone_chapter_says_about_the_committed_runs(committed):
    """Chapter 07's claims, checked against the results it shows."""
    def se_of_difference(a: float, b: float) -> float:
        return np.sqrt((a * (1 - a) + b * (1 - b)) / committed["data"]["num_val"])

    for (model, optimizer), lrs in SWEEP.items():  # every selected rate lies inside its grid
        assert min(lrs) < committed["runs"][f"{model}-{optimizer}"]["lr"] < max(lrs), (model, optimizer)
    linear = [committed["runs"][f"linear-{o}"]["final_val_accuracy"] for o in OPTIMIZER_NAMES]
    assert max(linear) - min(linear) < 2 * se_of_difference(max(linear), min(linear))
    by_schedule = {e["schedule"]: e["final_val_accuracy"] for e in committed["schedules"]["runs"]}
    assert by_schedule["cosine"] > by_schedule["step"] > by_schedule["constant"]
    assert by_schedule["cosine"] - by_schedule["constant"] > 3 * se_of_difference(by_schedule["cosine"],
                                                                                  by_schedule["constant"])
    assert by_schedule["cosine"] > max(e["final_val_accuracy"] for e in committed["runs"].values())
