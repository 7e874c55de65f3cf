"""The trainer on the CPU: deterministic, it learns, its record follows the schema, checkpoints reload.

The images are made here (random uint8 with a colour and a stripe per class), small (16 px), and the
CNN is a narrow SmallCNN, so that every run takes about a second.
"""
from __future__ import annotations

import copy
import json

import jsonschema
import numpy as np
import pytest
import torch

from autograder.training import (
    SmallCNN,
    StepRuleOptimizer,
    TrainConfig,
    build_model,
    build_optimizer,
    load_checkpoint,
    read_run,
    save_checkpoint,
    train,
    validate_run,
)
from autograder.training.metrics import write_json
from autograder.training.schedules import lr_factor

SIZE, CLASSES = 16, 4


def learnable_images(n: int, seed: int, size: int = SIZE,
                     classes: int = CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """(n, size, size, 3) uint8 images whose class shows in their mean colour and a horizontal
    stripe position, under heavy noise; labels (n,) int64."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    colours = np.random.default_rng(1234).integers(60, 196, (classes, 3))
    images = colours[labels][:, None, None, :] + rng.normal(0, 50, (n, size, size, 3))
    for c in range(classes):
        row = (c * size) // classes
        images[labels == c, row:row + 2] += 60
    return np.clip(images, 0, 255).astype(np.uint8), labels


TRAIN = learnable_images(256, seed=0)
VAL = learnable_images(128, seed=1)
QUICK = TrainConfig(epochs=2, batch_size=32, progress=False)


pytestmark = pytest.mark.usefixtures("torch_on_one_thread")


def small_model(model_name: str) -> torch.nn.Module:
    """The linear classifier, or a narrow CNN (two blocks of 8 and 16 channels) for speed."""
    torch.manual_seed(3)
    if model_name == "small_cnn":
        return SmallCNN(CLASSES, widths=(8, 16))
    return build_model(model_name, SIZE, CLASSES)


def run(model_name="small_cnn", optimizer_name="momentum", lr=0.05, config=QUICK):
    model = small_model(model_name)
    optimizer = build_optimizer(optimizer_name, model.parameters(), lr)
    record = train(model, optimizer, TRAIN, VAL, config, model_name=model_name, optimizer_name=optimizer_name)
    return model, optimizer, record


def test_deterministic_mode_gives_identical_runs_and_the_seed_matters():
    config = TrainConfig(epochs=2, batch_size=32, progress=False, deterministic=True, seed=5)
    first, _, first_record = run(config=config)
    second, _, second_record = run(config=config)
    assert first_record["deterministic"] and first_record["device"].startswith("cpu")
    assert first_record["loss_per_step"] == second_record["loss_per_step"]
    for a, b in zip(first.state_dict().values(), second.state_dict().values()):
        assert torch.equal(a, b)
    assert not torch.are_deterministic_algorithms_enabled(), "the global setting must be restored"
    _, _, other_seed = run(config=TrainConfig(epochs=2, batch_size=32, progress=False,
                                              deterministic=True, seed=6))
    assert other_seed["loss_per_step"] != first_record["loss_per_step"]


@pytest.mark.parametrize("model_name, optimizer, lr", [("linear", "sgd", 0.01), ("small_cnn", "adam", 3e-3)])
def test_a_short_run_clearly_decreases_the_loss(model_name, optimizer, lr):
    config = TrainConfig(epochs=4, batch_size=32, progress=False)
    _, _, record = run(model_name, optimizer, lr, config)
    losses = record["loss_per_step"]
    assert len(losses) == 4 * (256 // 32)
    assert np.mean(losses[-4:]) < 0.5 * np.mean(losses[:2])
    assert record["epochs"][-1]["val_accuracy"] > 0.6  # chance is 0.25


def test_float64_models_train_in_float64_with_a_step_rule():
    def sgd_step(param, grad, lr):
        return param - lr * grad

    model = build_model("linear", SIZE, CLASSES).double()
    record = train(model, StepRuleOptimizer(model.parameters(), sgd_step, lr=0.01), TRAIN, VAL, QUICK)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert record["optimizer"] == "StepRuleOptimizer" and record["autocast"] is None
    assert record["loss_per_step"][-1] < record["loss_per_step"][0]


def test_the_record_follows_the_schema_and_survives_json(tmp_path):
    _, _, record = run()
    assert record["data"] == {"source": "arrays", "description": "arrays given to train()",
                              "train_images_sha256": None, "is_synthetic": None, "image_size": SIZE,
                              "class_names": ["0", "1", "2", "3"], "synsets": [],
                              "num_train": 256, "num_val": 128}
    assert record["hyperparameters"]["lr"] == 0.05 and record["hyperparameters"]["pad"] == SIZE // 8
    assert record["hyperparameters"]["optimizer_settings"]["momentum"] == 0.9
    assert len(record["epochs"]) == 2 and record["epochs"][0]["images_per_s"] > 0
    confusion = np.array(record["val_confusion"])
    assert confusion.shape == (CLASSES, CLASSES) and confusion.sum() == 128
    assert np.trace(confusion) / 128 == pytest.approx(record["epochs"][-1]["val_accuracy"])
    assert set(record["versions"]) == {"python", "torch", "numpy"}
    assert read_run(write_json(record, tmp_path / "run.json")) == json.loads(json.dumps(record))


@pytest.mark.parametrize("damage", [
    lambda r: r.pop("loss_per_step"),
    lambda r: r["data"].pop("is_synthetic"),
    lambda r: r["epochs"][0].update(val_accuracy=1.5),
    lambda r: r["versions"].pop("torch"),
    lambda r: r.update(schema="something else"),
])
def test_the_schema_rejects_incomplete_or_wrong_records(damage):
    _, _, record = run(model_name="linear", config=TrainConfig(epochs=1, batch_size=64, progress=False))
    damaged = copy.deepcopy(record)
    damage(damaged)
    with pytest.raises(jsonschema.ValidationError):
        validate_run(damaged)


def test_checkpoints_reload_the_trained_model(tmp_path):
    model = build_model("small_cnn", SIZE, CLASSES)
    optimizer = build_optimizer("sgd", model.parameters(), 0.1)
    record = train(model, optimizer, TRAIN, VAL, TrainConfig(epochs=1, batch_size=64, progress=False),
                   model_name="small_cnn", optimizer_name="sgd")
    model.eval()
    path = save_checkpoint(tmp_path / "small_cnn.pt", model, optimizer, record)
    loaded, loaded_record = load_checkpoint(path)
    x = torch.randn(5, 3, SIZE, SIZE)
    torch.testing.assert_close(loaded(x), model(x))
    assert loaded_record == record


def test_impossible_settings_are_refused():
    with pytest.raises(ValueError, match="deterministic mode runs on the CPU"):
        run(config=TrainConfig(deterministic=True, device="cuda", progress=False))
    with pytest.raises(ValueError, match="fewer than one batch"):
        run(config=TrainConfig(batch_size=512, progress=False))


def test_flips_only_where_a_mirror_image_keeps_its_label():
    """Mirroring turns the stand-in's 45-degree stripes into its 135-degree class: the trainer must
    not flip it unless told to; photographs (and plain arrays) are flipped."""
    from autograder.data import load_subset

    stand_in = load_subset("train", size=SIZE, source="synthetic", per_class=8)
    assert stand_in.flip_keeps_labels is False
    quick = TrainConfig(epochs=1, batch_size=16, progress=False)
    model = build_model("linear", SIZE, 10)
    record = train(model, build_optimizer("sgd", model.parameters(), 0.01), stand_in, None, quick)
    assert record["hyperparameters"]["flip"] is False
    assert run(config=quick)[2]["hyperparameters"]["flip"] is True
    forced = TrainConfig(epochs=1, batch_size=16, progress=False, flip=False)
    assert run(config=forced)[2]["hyperparameters"]["flip"] is False


@pytest.mark.parametrize("schedule, expected", [
    ("constant", [1, 1, 1, 1, 1]),
    ("step", [1, 1, 0.1, 0.01, 0.01]),
    ("cosine", [1, 0.8535534, 0.5, 0.1464466, 0]),
])
def test_schedules_multiply_the_rate_as_documented(schedule, expected):
    factors = [lr_factor(schedule, step, 9) for step in (0, 2, 4, 6, 8)]
    assert factors == pytest.approx(expected, abs=1e-6)


def test_one_cycle_warms_up_then_decays_to_zero():
    factors = [lr_factor("one-cycle", step, 100) for step in range(100)]
    peak = int(np.argmax(factors))
    assert factors[0] < 0.1 and factors[peak] == pytest.approx(1.0) and factors[-1] == pytest.approx(0)
    assert 20 <= peak <= 30 and np.all(np.diff(factors[:peak + 1]) >= 0) and np.all(np.diff(factors[peak:]) <= 0)
    with pytest.raises(ValueError, match="unknown schedule"):
        lr_factor("linear-warmup", 0, 10)


def test_a_scheduled_run_records_its_decaying_rate_and_its_base_rate():
    config = TrainConfig(epochs=4, batch_size=32, progress=False, schedule="cosine", label_smoothing=0.1)
    _, optimizer, record = run(lr=0.05, config=config)
    rates = [e["lr"] for e in record["epochs"]]
    assert rates[0] == pytest.approx(0.05) and all(a > b for a, b in zip(rates, rates[1:]))
    assert optimizer.param_groups[0]["lr"] < 1e-3
    assert record["hyperparameters"]["lr"] == 0.05 and record["hyperparameters"]["schedule"] == "cosine"
    assert record["hyperparameters"]["label_smoothing"] == 0.1
