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
from autograder.training.reference import COMPARED_SCHEDULES, REFERENCES, SWEEP, load_references, main, rounded

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


def test_the_runs_start_near_log_c_and_sgds_cnn_overshoots_at_once(committed):
    """Chapter 07's diagnostics: every run of a model starts from the same weights, a little above
    log C (the initial scores' spread), and the CNN with SGD leaves the figure's frame at step 2."""
    log_c = np.log(len(committed["data"]["class_names"]))
    for model in MODEL_NAMES:
        first = {committed["runs"][f"{model}-{o}"]["record"]["loss_per_step"][0] for o in OPTIMIZER_NAMES}
        assert len(first) == 1 and log_c < first.pop() < log_c + 0.5, model
    assert committed["runs"]["small_cnn-sgd"]["record"]["loss_per_step"][1] > 3.5


def test_the_linear_classifier_underfits_and_the_best_cnn_overfits_in_its_validation_loss(committed):
    def best(model):
        return max((e for e in committed["runs"].values() if e["model"] == model),
                   key=lambda e: e["final_val_accuracy"])["record"]["epochs"]

    linear, cnn = best("linear"), best("small_cnn")
    assert abs(linear[-1]["train_loss"] - linear[-1]["val_loss"]) < 0.05  # side by side, both high
    assert linear[-1]["val_loss"] > 1.5
    val_losses = [e["val_loss"] for e in cnn]
    lowest = int(np.argmin(val_losses))
    assert lowest < len(cnn) - 3 and val_losses[-1] > val_losses[lowest] + 0.05
    assert cnn[-1]["train_loss"] < val_losses[lowest]  # the training loss falls on, below it
    assert cnn[lowest]["val_accuracy"] >= cnn[-1]["val_accuracy"] - 0.01  # later epochs bought nothing
    for epochs in (linear, cnn):  # an epoch's mean over augmented batches starts above the validation loss
        assert epochs[0]["val_loss"] < epochs[0]["train_loss"]


def test_a_small_cnn_memorises_twenty_stand_in_images_whatever_their_labels():
    """The chapter's tiny-subset check: both curves reach 100 % and a loss near 0 within 25 steps."""
    from autograder.data import load_subset
    from autograder.training import TrainConfig, build_model, build_optimizer, train

    twenty = load_subset("train", size=32, source="synthetic", per_class=2, progress=False)
    config = TrainConfig(epochs=25, batch_size=20, pad=0, flip=False, progress=False, deterministic=True)
    for labels in (twenty.labels, np.random.default_rng(0).permutation(twenty.labels)):
        model = build_model("small_cnn", 32, 10)
        record = train(model, build_optimizer("adam", model.parameters(), lr=1e-3), (twenty.images, labels), None,
                       config, num_classes=10)
        assert [e["train_accuracy"] for e in record["epochs"]][5:] == [1.0] * 20
        assert record["loss_per_step"][-1] < 0.05


def test_the_update_to_weight_ratio_flags_the_rate_that_is_too_large():
    """The chapter's ratio figure: at SGD's largest swept rate the first steps change the weights by
    more than their size, then the ratio collapses and the loss stays at log C; the selected rate
    runs between 1e-3 and 1e-1."""
    from autograder.data import load_subset
    from autograder.training import TrainConfig, build_model, build_optimizer, train

    data = load_subset("train", size=32, source="synthetic", per_class=80, progress=False)
    results = {}
    for lr in (0.5, 2.5):
        model = build_model("small_cnn", 32, 10)
        optimizer = build_optimizer("sgd", model.parameters(), lr)
        weights = [p for p in model.parameters() if p.ndim > 1]
        before, ratios = [], []
        optimizer.register_step_pre_hook(lambda *_: before.__setitem__(slice(None), [w.detach().clone()
                                                                                     for w in weights]))
        optimizer.register_step_post_hook(lambda *_: ratios.append(
            np.median([((w.detach() - b).norm() / b.norm()).item() for w, b in zip(weights, before)])))
        record = train(model, optimizer, data, None, TrainConfig(epochs=1, batch_size=32, progress=False,
                                                                 deterministic=True))
        results[lr] = np.array(ratios), record["loss_per_step"]
    ratios, losses = results[2.5]
    assert ratios.max() > 1 and np.median(ratios[-10:]) < 1e-3 and abs(losses[-1] - np.log(10)) < 0.15
    assert 1e-3 < np.median(results[0.5][0][-10:]) < 1e-1
