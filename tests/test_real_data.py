"""Real photographs: a slice of Imagenette in ../shared/imagenette-160 (the project's copy) is
prepared, named and trained on, and the run must beat chance clearly. Skips where the folder is
absent (a user's machine)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.data import load_subset
from autograder.training import TrainConfig, build_model, build_optimizer, train

IMAGENETTE = Path(__file__).resolve().parents[1].parent / "shared" / "imagenette-160"
pytestmark = pytest.mark.skipif(not IMAGENETTE.is_dir(), reason=f"no Imagenette copy at {IMAGENETTE}")


@pytest.fixture(scope="module")
def photographs(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return tuple(load_subset(split, size=32, source="imagenette", root=IMAGENETTE, per_class=per_class,
                             cache_dir=cache, progress=False)
                 for split, per_class in (("train", 100), ("val", 30)))


def test_a_slice_of_imagenette_is_prepared_as_named_real_photographs(photographs):
    train_set, val_set = photographs
    assert (len(train_set), len(val_set)) == (1000, 300) and train_set.num_classes == 10
    assert not train_set.is_synthetic and train_set.flip_keeps_labels
    assert "real photographs" in train_set.describe()
    assert "parachute" in train_set.class_names and not any(name.startswith("n0") for name in train_set.class_names)
    assert np.bincount(train_set.labels).tolist() == [100] * 10
    assert train_set.images.dtype == np.uint8 and train_set.images.std() > 30  # photographs, not blanks


def test_a_short_run_on_photographs_beats_chance_clearly(photographs):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_set, val_set = photographs
        model = build_model("small_cnn", 32, 10)
        record = train(model, build_optimizer("adam", model.parameters(), 2e-3), train_set, val_set,
                       TrainConfig(epochs=6, batch_size=50, progress=False, deterministic=True))
    finally:
        torch.set_num_threads(threads)
    accuracy = record["epochs"][-1]["val_accuracy"]
    # chance is 0.10; with 300 images one standard error is under 0.03
    assert accuracy > 0.25, f"validation accuracy {accuracy:.3f} after 6 epochs on 1,000 photographs"
    assert record["data"]["is_synthetic"] is False and record["hyperparameters"]["flip"] is True
