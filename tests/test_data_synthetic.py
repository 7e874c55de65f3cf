"""The synthetic stand-in (deterministic, labelled synthetic everywhere, not linearly trivial) and
how the source is chosen from arguments and environment variables."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.data import LECTURE_SYNSETS, load_subset, resolve_source
from autograder.data.cache import default_cache_dir
from autograder.data.synthetic import PATTERNS, generate_synthetic

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = ["CNN2_DATA_SOURCE", "CNN2_IMAGENET_ROOT", "CNN2_IMAGENETTE_ARCHIVE",
               "CNN2_IMAGENETTE_CHECKSUM", "CNN2_SYNSETS", "CNN2_DATA_CACHE", "XDG_CACHE_HOME"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def test_by_default_the_synthetic_stand_in_is_loaded_and_labelled_so():
    subset = load_subset("train", 32, per_class=20)
    assert subset.source == "synthetic" and subset.is_synthetic
    assert subset.images.shape == (200, 32, 32, 3) and subset.images.dtype == np.uint8
    assert subset.labels.dtype == np.int64 and np.bincount(subset.labels).tolist() == [20] * 10
    assert subset.synsets == LECTURE_SYNSETS
    assert subset.class_names[0] == "kit fox (synthetic)"
    assert all(name.endswith("(synthetic)") for name in subset.class_names)
    assert "synthetic" in subset.describe() and "not ImageNet" in subset.describe()
    text = json.dumps(subset.manifest)
    assert "not ImageNet" in text and "ImageNet" not in text.replace("not ImageNet", "")
    assert subset.manifest["patterns"]["kit fox (synthetic)"] == PATTERNS[0]


def test_default_sizes_and_other_sizes():
    assert len(load_subset("train", 32)) == 2600 and len(load_subset("val", 32)) == 500
    for size in (64, 128):
        assert load_subset("val", size, per_class=2).images.shape == (20, size, size, 3)


def test_the_same_seed_gives_the_same_images_and_other_seeds_or_splits_do_not():
    a, labels = generate_synthetic(10, "train", 32, 5, seed=0)
    b, _ = generate_synthetic(10, "train", 32, 5, seed=0)
    assert np.array_equal(a, b) and labels.tolist() == np.repeat(np.arange(10), 5).tolist()
    assert not np.array_equal(a, generate_synthetic(10, "train", 32, 5, seed=1)[0])
    assert not np.array_equal(a, generate_synthetic(10, "val", 32, 5, seed=0)[0])
    # A class's images do not depend on how many classes were asked for.
    assert np.array_equal(a[:10], generate_synthetic(2, "train", 32, 5, seed=0)[0])
    assert np.array_equal(load_subset("val", 32, seed=3).images, load_subset("val", 32, seed=3).images)


def test_fewer_classes_and_the_limit_of_ten():
    subset = load_subset("val", 32, synsets=["n01440764", "n02979186"], per_class=4)
    assert subset.class_names == ["tench (synthetic)", "cassette player (synthetic)"] and len(subset) == 8
    with pytest.raises(ValueError, match="10 texture classes; 11 classes were asked for"):
        load_subset("val", 32, synsets=[f"n{i:08d}" for i in range(11)])


def test_pixels_alone_say_little_but_translation_invariant_features_say_more():
    """The class mean images are nearly alike (objects move, colours vary), so the nearest class
    mean on pixels stays far from perfect; the magnitude spectrum, which ignores where a texture
    is, separates the classes better. (A small CNN beats a linear classifier by far more: see
    the data pipeline's notes in the README.)"""
    train, train_labels = generate_synthetic(10, "train", 32, 100)
    val, val_labels = generate_synthetic(10, "val", 32, 50)

    def pixels(x):
        return x.reshape(len(x), -1) / 255

    def spectrum(x):
        grey = x.mean(-1) / 255
        return np.log1p(np.abs(np.fft.rfft2(grey - grey.mean((1, 2), keepdims=True)))).reshape(len(x), -1)

    def nearest_mean_accuracy(features):
        f_train, f_val = features(train), features(val)
        mean, scale = f_train.mean(0), f_train.std(0) + 1e-6
        f_train, f_val = (f_train - mean) / scale, (f_val - mean) / scale
        centres = np.stack([f_train[train_labels == k].mean(0) for k in range(10)])
        distances = ((f_val[:, None] - centres[None]) ** 2).sum(-1)
        return (distances.argmin(1) == val_labels).mean()

    on_pixels, on_spectrum = nearest_mean_accuracy(pixels), nearest_mean_accuracy(spectrum)
    assert 0.12 < on_pixels < 0.35
    assert on_spectrum > on_pixels + 0.05


def test_the_source_comes_from_arguments_then_environment_then_the_stand_in(monkeypatch, tmp_path):
    assert resolve_source() == "synthetic"
    assert resolve_source(root=tmp_path) == "ilsvrc"
    monkeypatch.setenv("CNN2_IMAGENETTE_ARCHIVE", "imagenette-160")
    assert resolve_source() == "imagenette"
    monkeypatch.setenv("CNN2_IMAGENET_ROOT", str(tmp_path))
    assert resolve_source() == "ilsvrc"
    monkeypatch.setenv("CNN2_DATA_SOURCE", "synthetic")
    assert resolve_source() == "synthetic" and resolve_source("imagenette") == "imagenette"
    monkeypatch.setenv("CNN2_DATA_SOURCE", "imagenet")
    with pytest.raises(ValueError, match="unknown data source 'imagenet'"):
        resolve_source()


def test_environment_variables_set_classes_root_and_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("CNN2_SYNSETS", "n01440764, n02979186")
    names = load_subset("val", 16, per_class=1).class_names
    assert names == ["tench (synthetic)", "cassette player (synthetic)"]
    monkeypatch.setenv("CNN2_DATA_SOURCE", "ilsvrc")
    with pytest.raises(ValueError, match="needs root= or \\$CNN2_IMAGENET_ROOT"):
        load_subset("val", 16)
    monkeypatch.setenv("CNN2_IMAGENET_ROOT", str(tmp_path / "imagenet"))
    with pytest.raises(Exception, match=f"ImageNet root {tmp_path / 'imagenet'} does not exist"):
        load_subset("val", 16)
    assert default_cache_dir() == Path.home() / ".cache" / "cnn2"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "cnn2"
    monkeypatch.setenv("CNN2_DATA_CACHE", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="split must be one of"):
        load_subset("test")
    with pytest.raises(ValueError, match="size must be an integer of at least 8"):
        load_subset("train", 4)
    with pytest.raises(ValueError, match="takes no root"):
        load_subset("train", 32, "synthetic", root="/data")
    with pytest.raises(ValueError, match="must not repeat"):
        load_subset("train", 32, synsets=["n01440764", "n01440764"])


def test_the_command_line_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "autograder.data", "prepare", "--size", "16",
                             "--split", "val", "--per-class", "3"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert ("synthetic stand-in (generated textures, not ImageNet), val: 30 images of 10 classes "
            "at 16 px") in result.stdout
    assert "skipped files: 0" in result.stdout
