"""Loading a subset from an ILSVRC-2012 folder: real ImageNet JPEGs, both validation layouts, the
cache and its manifest, broken files, and the errors for wrong or incomplete roots.

The real photographs come from ../shared/imagenet-sample (one per class, some greyscale), linked
into the ILSVRC layout inside a temporary folder; those tests skip when the folder is absent.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

import autograder.data.subset as subset_module
from autograder.data import LECTURE_SYNSETS, DataSourceError, load_subset
from autograder.data.__main__ import main as cli
from autograder.data.images import load_image
from autograder.data.synsets import KNOWN_NAMES

SAMPLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "imagenet-sample" / "images"
GREYSCALE = ["n03417042", "n02096051", "n04254680"]  # garbage truck, Airedale, soccer ball: mode "L"
SYNSETS = LECTURE_SYNSETS + GREYSCALE

needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"no ImageNet sample at {SAMPLE}")


def sample_file(synset: str) -> Path:
    return next(SAMPLE.glob(f"{synset}_*.JPEG"))


def link(target: Path, link_path: Path) -> None:
    link_path.parent.mkdir(parents=True, exist_ok=True)
    link_path.symlink_to(target)


def write_jpeg(path: Path, seed: int, size: tuple[int, int] = (60, 80)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(path, "JPEG")
    return path


def load(root: Path, cache_dir: Path, split: str = "train", synsets=SYNSETS, **kwargs):
    return load_subset(split, 64, "ilsvrc", synsets, root, cache_dir, workers=2, progress=False, **kwargs)


@pytest.fixture(scope="module")
def ilsvrc(tmp_path_factory) -> Path:
    """An ILSVRC-layout root: train/<synset>/, a flat val/ with LOC_val_solution.csv, and the same
    validation images per synset in val_folders/val/<synset>/ (a second root)."""
    if not SAMPLE.is_dir():
        pytest.skip(f"no ImageNet sample at {SAMPLE}")
    root = tmp_path_factory.mktemp("ilsvrc")
    rows = ["ImageId,PredictionString"]
    for i, synset in enumerate(SYNSETS):
        source = sample_file(synset)
        link(source, root / "train" / synset / f"{synset}_{i}.JPEG")
        image_id = f"ILSVRC2012_val_{i + 1:08d}"
        link(source, root / "val" / f"{image_id}.JPEG")
        rows.append(f"{image_id},{synset} 1 2 30 40 {synset} 5 6 70 80 ")
        link(source, root / "val_folders" / "val" / synset / f"{image_id}.JPEG")
    (root / "LOC_val_solution.csv").write_text("\n".join(rows) + "\n")
    return root


@needs_sample
def test_real_jpegs_become_a_labelled_subset(ilsvrc, tmp_path):
    subset = load(ilsvrc, tmp_path)
    assert subset.images.shape == (13, 64, 64, 3) and subset.images.dtype == np.uint8
    assert subset.labels.tolist() == list(range(13)) and subset.labels.dtype == np.int64
    assert subset.synsets == SYNSETS and subset.source == "ilsvrc" and not subset.is_synthetic
    assert subset.class_names[:10] == ["kit fox", "English setter", "Australian terrier", "grey whale",
                                       "lesser panda", "Egyptian cat", "ibex", "Persian cat", "cougar",
                                       "gazelle"]
    assert "ImageNet" in subset.describe() and subset.split == "train" and subset.size == 64
    assert subset.manifest["originals"] == {"JPEG/L": 3, "JPEG/RGB": 10}
    for image in subset.images[10:]:  # the greyscale photographs, now RGB with equal channels
        assert np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 0], image[..., 2])
    assert not np.array_equal(subset.images[0, ..., 0], subset.images[0, ..., 1])


@needs_sample
def test_each_image_is_its_photograph_resized_and_centre_cropped(ilsvrc, tmp_path):
    """Compared with PIL's own resize-and-crop (ImageOps.fit) of the full-size decode: the draft
    decode differs by a few grey levels on average, a wrong crop or class order by far more."""
    subset = load(ilsvrc, tmp_path)
    for synset, image in zip(SYNSETS, subset.images):
        with Image.open(sample_file(synset)) as im:
            expected = np.asarray(ImageOps.fit(im.convert("RGB"), (64, 64), Image.Resampling.BILINEAR))
        assert np.abs(image.astype(int) - expected).mean() < 8, synset
        assert np.array_equal(image, load_image(sample_file(synset), 64)[0])


@needs_sample
def test_both_validation_layouts_give_the_same_subset(ilsvrc, tmp_path):
    flat = load(ilsvrc, tmp_path / "a", split="val")
    folders = load(ilsvrc / "val_folders", tmp_path / "b", split="val")
    train = load(ilsvrc, tmp_path / "c")
    assert flat.manifest["ground_truth"] == str(ilsvrc / "LOC_val_solution.csv")
    assert folders.manifest["ground_truth"] is None
    for subset in (flat, folders):
        assert subset.split == "val"
        assert np.array_equal(subset.labels, train.labels) and np.array_equal(subset.images, train.images)


@needs_sample
def test_per_class_and_class_order_follow_the_request(ilsvrc, tmp_path):
    reordered = [SYNSETS[3], SYNSETS[0]]
    subset = load(ilsvrc, tmp_path, synsets=reordered, per_class=1)
    full = load(ilsvrc, tmp_path)
    assert subset.synsets == reordered and subset.class_names == ["grey whale", "kit fox"]
    assert np.array_equal(subset.images, full.images[[3, 0]]) and subset.labels.tolist() == [0, 1]


@needs_sample
def test_the_cache_is_reused_until_an_input_changes(ilsvrc, tmp_path, monkeypatch):
    root = tmp_path / "root"
    for synset in LECTURE_SYNSETS:
        link(sample_file(synset), root / "train" / synset / f"{synset}.JPEG")
    first = load(root, tmp_path / "cache", synsets=LECTURE_SYNSETS)
    assert not first.manifest["reused_cache"]

    def no_decoding(*args, **kwargs):
        raise AssertionError("the subset was prepared again although nothing changed")
    with monkeypatch.context() as patch:
        patch.setattr(subset_module, "prepare_images", no_decoding)
        second = load(root, tmp_path / "cache", synsets=LECTURE_SYNSETS)
    assert second.manifest["reused_cache"]
    assert np.array_equal(first.images, second.images) and np.array_equal(first.labels, second.labels)
    assert {k: v for k, v in first.manifest.items() if k != "reused_cache"} == \
           {k: v for k, v in second.manifest.items() if k != "reused_cache"}
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1

    # A replaced photograph (same name, other content and time stamp) invalidates the cache.
    replaced = root / "train" / LECTURE_SYNSETS[0] / f"{LECTURE_SYNSETS[0]}.JPEG"
    replaced.unlink()
    link(sample_file(GREYSCALE[0]), replaced)
    os.utime(replaced, ns=(1, 1), follow_symlinks=False)
    third = load(root, tmp_path / "cache", synsets=LECTURE_SYNSETS)
    assert not third.manifest["reused_cache"]
    assert not np.array_equal(third.images[0], first.images[0])
    assert np.array_equal(third.images[1:], first.images[1:])
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1  # overwritten, one file per subset
    # An added file, too.
    link(sample_file(GREYSCALE[1]), root / "train" / LECTURE_SYNSETS[1] / "extra.JPEG")
    fourth = load(root, tmp_path / "cache", synsets=LECTURE_SYNSETS)
    assert not fourth.manifest["reused_cache"] and len(fourth) == 11


@needs_sample
def test_the_manifest_says_what_the_cache_holds(ilsvrc, tmp_path):
    subset = load(ilsvrc, tmp_path)
    [manifest_path] = tmp_path.glob("ilsvrc-train-64px-13classes-*.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["source"] == "ilsvrc" and manifest["root"] == str(ilsvrc.resolve())
    assert manifest["split"] == "train" and manifest["size"] == 64
    assert manifest["synsets"] == SYNSETS and manifest["class_names"] == subset.class_names
    assert manifest["counts"] == {s: 1 for s in SYNSETS} and manifest["num_images"] == 13
    assert manifest["skipped"] == [] and len(manifest["files_sha256"]) == 64
    assert manifest["images_sha256"] == hashlib.sha256(subset.images.tobytes()).hexdigest()
    assert manifest["labels_sha256"] == hashlib.sha256(subset.labels.tobytes()).hexdigest()
    with np.load(manifest_path.with_suffix(".npz")) as arrays:
        assert np.array_equal(arrays["images"], subset.images)
        assert np.array_equal(arrays["labels"], subset.labels)


@pytest.fixture
def broken_root(tmp_path) -> Path:
    """Two classes of small JPEGs the test makes, with broken files among them."""
    root = tmp_path / "broken"
    for k, synset in enumerate(LECTURE_SYNSETS[:2]):
        for i in range(3):
            write_jpeg(root / "train" / synset / f"{synset}_{i}.JPEG", seed=10 * k + i)
    folder = root / "train" / LECTURE_SYNSETS[0]
    data = (folder / f"{LECTURE_SYNSETS[0]}_0.JPEG").read_bytes()
    (folder / "cut.JPEG").write_bytes(data[:len(data) // 3])
    (folder / "empty.JPEG").write_bytes(b"")
    (root / "train" / LECTURE_SYNSETS[1] / "notes.JPEG").write_text("not a photograph")
    (root / "train" / LECTURE_SYNSETS[1] / "readme.txt").write_text("ignored: not *.JPEG")
    return root


def test_broken_files_are_skipped_and_reported(broken_root, tmp_path):
    with pytest.warns(UserWarning, match="3 of 9 image files could not be decoded"):
        subset = load(broken_root, tmp_path / "cache", synsets=LECTURE_SYNSETS[:2])
    assert len(subset) == 6 and subset.labels.tolist() == [0, 0, 0, 1, 1, 1]
    skipped = {s["file"]: s["reason"] for s in subset.manifest["skipped"]}
    assert set(skipped) == {f"train/{LECTURE_SYNSETS[0]}/cut.JPEG", f"train/{LECTURE_SYNSETS[0]}/empty.JPEG",
                            f"train/{LECTURE_SYNSETS[1]}/notes.JPEG"}
    assert "truncated" in skipped[f"train/{LECTURE_SYNSETS[0]}/cut.JPEG"]
    assert "cannot identify" in skipped[f"train/{LECTURE_SYNSETS[1]}/notes.JPEG"]
    assert subset.manifest["counts"] == {LECTURE_SYNSETS[0]: 3, LECTURE_SYNSETS[1]: 3}
    assert subset.manifest["num_files"] == 9


def test_the_command_line_prints_what_it_did_and_the_skipped_files(broken_root, tmp_path, capsys):
    args = ["prepare", "--source", "ilsvrc", "--root", str(broken_root), "--size", "32", "--split",
            "train", "--synsets", ",".join(LECTURE_SYNSETS[:2]), "--cache-dir", str(tmp_path / "cache"),
            "--workers", "1"]
    assert cli(args) == 0
    out = capsys.readouterr().out
    assert "ImageNet (ILSVRC-2012) subset, real photographs, train: 6 images of 2 classes at 32 px" in out
    assert "(prepared;" in out and "kit fox 3, English setter 3" in out
    assert "skipped files: 3" in out
    assert f"train/{LECTURE_SYNSETS[0]}/cut.JPEG: OSError: image file is truncated" in out
    assert cli(args) == 0
    assert "reused from cache" in capsys.readouterr().out


def test_the_command_line_reports_a_wrong_root(tmp_path, capsys):
    assert cli(["prepare", "--source", "ilsvrc", "--root", str(tmp_path / "nowhere"),
                "--cache-dir", str(tmp_path)]) == 1
    assert "error: ImageNet root" in capsys.readouterr().err


def wrong_root_message(root: Path, tmp_path: Path, split: str = "train", synsets=LECTURE_SYNSETS[:3]) -> str:
    with pytest.raises(DataSourceError) as info:
        load(root, tmp_path / "cache", split, synsets)
    return str(info.value)


def test_a_missing_root_says_what_was_expected(tmp_path):
    message = wrong_root_message(tmp_path / "nowhere", tmp_path)
    assert f"ImageNet root {tmp_path / 'nowhere'} does not exist" in message
    assert "train/<synset>/*.JPEG" in message


def test_a_root_without_train_lists_what_it_holds(tmp_path):
    write_jpeg(tmp_path / "root" / "images" / "a.JPEG", 0)
    (tmp_path / "root" / "README.txt").write_text("")
    message = wrong_root_message(tmp_path / "root", tmp_path)
    train = tmp_path / "root" / "train"
    assert f"expected {train}/<synset>/*.JPEG for synsets {LECTURE_SYNSETS[:3]}" in message
    assert "holds 2 entries: [README.txt, images/]" in message


def test_an_incomplete_root_names_the_missing_and_empty_classes(tmp_path):
    root = tmp_path / "root"
    write_jpeg(root / "train" / LECTURE_SYNSETS[0] / "a.JPEG", 0)
    (root / "train" / LECTURE_SYNSETS[1]).mkdir()
    (root / "train" / "n99999999").mkdir()
    message = wrong_root_message(root, tmp_path)
    assert f"found 3 folders: {sorted([LECTURE_SYNSETS[0], LECTURE_SYNSETS[1], 'n99999999'])}" in message
    assert f"missing: {[LECTURE_SYNSETS[2]]}" in message
    assert f"folders without *.JPEG files: {[LECTURE_SYNSETS[1]]}" in message


def test_a_flat_validation_folder_needs_its_ground_truth(tmp_path):
    root = tmp_path / "root"
    write_jpeg(root / "val" / "ILSVRC2012_val_00000001.JPEG", 0)
    message = wrong_root_message(root, tmp_path, split="val")
    assert "flat in" in message and "LOC_val_solution.csv" in message
    assert "ground-truth CSV: none" in message
    assert "holds 1 entries: [ILSVRC2012_val_00000001.JPEG]" in message

    (root / "LOC_val_solution.csv").write_text("ImageId,Label\nILSVRC2012_val_00000001,n02119789\n")
    assert "expected the header ImageId,PredictionString" in wrong_root_message(root, tmp_path, split="val")

    (root / "LOC_val_solution.csv").write_text(
        f"ImageId,PredictionString\nILSVRC2012_val_00000001,{LECTURE_SYNSETS[0]} 1 2 3 4\n"
        f"ILSVRC2012_val_00000002,{LECTURE_SYNSETS[0]} 1 2 3 4\n")
    message = wrong_root_message(root, tmp_path, split="val", synsets=LECTURE_SYNSETS[:2])
    assert f"lists no validation images of synsets {[LECTURE_SYNSETS[1]]}" in message
    message = wrong_root_message(root, tmp_path, split="val", synsets=LECTURE_SYNSETS[:1])
    assert "lists 1 images that are not in" in message and "ILSVRC2012_val_00000002.JPEG" in message


def test_kaggles_nested_layout_and_synset_mapping_are_recognised(tmp_path):
    root = tmp_path / "kaggle"
    data = root / "ILSVRC" / "Data" / "CLS-LOC"
    write_jpeg(data / "train" / "n01440764" / "n01440764_1.JPEG", 0)
    write_jpeg(data / "train" / "n99999999" / "n99999999_1.JPEG", 1)
    write_jpeg(data / "val" / "ILSVRC2012_val_00000001.JPEG", 2)
    (root / "LOC_val_solution.csv").write_text("ImageId,PredictionString\n"
                                               "ILSVRC2012_val_00000001,n99999999 1 2 3 4\n")
    (root / "LOC_synset_mapping.txt").write_text("n01440764 tench, Tinca tinca\nn99999999 made-up class\n")
    train = load(root, tmp_path / "cache", synsets=["n01440764", "n99999999"])
    val = load(root, tmp_path / "cache", split="val", synsets=["n99999999"])
    assert train.class_names == ["tench", "made-up class"] and len(train) == 2
    assert val.labels.tolist() == [0] and val.manifest["ground_truth"] == str(root / "LOC_val_solution.csv")
    assert KNOWN_NAMES.get("n99999999") is None
