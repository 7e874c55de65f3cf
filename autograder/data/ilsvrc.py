"""Finding the image files of a subset in the ILSVRC-2012 folder layout (Imagenette's too).

The layout: ``<root>/train/<synset>/*.JPEG``; validation either per synset in
``<root>/val/<synset>/*.JPEG``, or flat in ``<root>/val/*.JPEG`` with a ground-truth CSV in the
``LOC_val_solution.csv`` layout (header ``ImageId,PredictionString``; the PredictionString starts
with the synset: ``ILSVRC2012_val_00008726,n02119789 255 142 454 329 n02119789 44 21 322 295``).
Kaggle's copy nests the folders as ``<root>/ILSVRC/Data/CLS-LOC/{train,val}`` with the CSV and
``LOC_synset_mapping.txt`` in ``<root>``: both layouts are recognised. A wrong or incomplete root
raises :class:`DataSourceError` saying what was expected and what was found.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".jpeg", ".jpg")  # compared lower-case: ILSVRC and Imagenette use *.JPEG
VAL_CSV_NAME = "LOC_val_solution.csv"
SYNSET_MAPPING_NAME = "LOC_synset_mapping.txt"
KAGGLE_DATA_DIR = Path("ILSVRC/Data/CLS-LOC")


class DataSourceError(Exception):
    """A data source that is missing, incomplete or laid out differently than expected."""


@dataclass
class LabelledFiles:
    """The files of a subset: paths (N) with labels (N,) int64 in [0, len(synsets)), sorted by
    class, then by file name; ``ground_truth`` is the validation CSV used, if any."""
    paths: list[Path]
    labels: np.ndarray
    ground_truth: Path | None = None


def data_dir(root: Path) -> Path:
    """The folder that holds ``train/`` and ``val/``: ``root`` itself, or Kaggle's nested folder."""
    if not root.is_dir():
        raise DataSourceError(f"ImageNet root {root} does not exist or is not a folder; expected a "
                              f"folder holding train/<synset>/*.JPEG and val/")
    if not (root / "train").is_dir() and not (root / "val").is_dir() and (root / KAGGLE_DATA_DIR).is_dir():
        return root / KAGGLE_DATA_DIR
    return root


def image_files(folder: Path) -> list[Path]:
    """The image files directly in ``folder`` (by suffix, case-insensitive), sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def listing(folder: Path, limit: int = 12) -> str:
    """What ``folder`` contains, for error messages: up to ``limit`` names and the total count."""
    if not folder.is_dir():
        return f"{folder} does not exist"
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f"{folder} holds {len(names)} entries: [{shown}]"


def find_class_folders(split_dir: Path, synsets: list[str], per_class: int | None = None
                       ) -> LabelledFiles:
    """The files of ``<split_dir>/<synset>/*.JPEG`` for each synset (at most ``per_class`` each)."""
    expected = f"expected {split_dir}/<synset>/*.JPEG for synsets {synsets}"
    if not split_dir.is_dir():
        raise DataSourceError(f"{expected}; found no {split_dir}: {listing(split_dir.parent)}")
    found = sorted(p.name for p in split_dir.iterdir() if p.is_dir())
    missing = [s for s in synsets if s not in found]
    files = {s: image_files(split_dir / s)[:per_class] for s in synsets if s not in missing}
    empty = [s for s, paths in files.items() if not paths]
    if missing or empty:
        shown = found[:12] + (["..."] if len(found) > 12 else [])
        raise DataSourceError(f"{expected}; found {len(found)} folders: {shown}; missing: {missing}"
                              + (f"; folders without *.JPEG files: {empty}" if empty else ""))
    return _labelled([files[s] for s in synsets])


def read_ground_truth(csv_path: Path) -> dict[str, str]:
    """A ``LOC_val_solution.csv`` as ImageId -> synset (the first word of the PredictionString)."""
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"ImageId", "PredictionString"} <= set(reader.fieldnames):
            raise DataSourceError(f"{csv_path}: expected the header ImageId,PredictionString "
                                  f"(the {VAL_CSV_NAME} layout); found {reader.fieldnames}")
        return {row["ImageId"]: row["PredictionString"].split()[0]
                for row in reader if row["PredictionString"].strip()}


def find_flat_val(val_dir: Path, csv_path: Path, synsets: list[str], per_class: int | None = None
                  ) -> LabelledFiles:
    """The files of a flat ``val/`` folder whose ground truth in ``csv_path`` is one of ``synsets``."""
    truth = read_ground_truth(csv_path)
    by_synset = {s: [] for s in synsets}
    for image_id, synset in sorted(truth.items()):
        if synset in by_synset:
            by_synset[synset].append(val_dir / f"{image_id}.JPEG")
    absent = [s for s, paths in by_synset.items() if not paths]
    if absent:
        raise DataSourceError(f"{csv_path} lists no validation images of synsets {absent}")
    per_synset = [paths[:per_class] for paths in by_synset.values()]
    lost = [p.name for paths in per_synset for p in paths if not p.is_file()]
    if lost:
        raise DataSourceError(f"{csv_path} lists {len(lost)} images that are not in {val_dir}, "
                              f"e.g. {lost[:5]}; expected <ImageId>.JPEG files there")
    return _labelled(per_synset, ground_truth=csv_path)


def find_ilsvrc_files(root: Path, split: str, synsets: list[str], per_class: int | None = None
                      ) -> LabelledFiles:
    """The files of ``split`` ("train" or "val") for ``synsets`` in an ILSVRC-2012 copy at ``root``."""
    base = data_dir(root)
    split_dir = base / split
    if split == "train":
        return find_class_folders(split_dir, synsets, per_class)
    if split_dir.is_dir() and all((split_dir / s).is_dir() for s in synsets):
        return find_class_folders(split_dir, synsets, per_class)
    csv_folders = list(dict.fromkeys([root, base, split_dir]))
    csv_path = next((d / VAL_CSV_NAME for d in csv_folders if (d / VAL_CSV_NAME).is_file()), None)
    if split_dir.is_dir() and csv_path is not None and image_files(split_dir):
        return find_flat_val(split_dir, csv_path, synsets, per_class)
    found = listing(split_dir) if split_dir.is_dir() else f"no {split_dir}; {listing(base)}"
    missing = [s for s in synsets if not (split_dir / s).is_dir()]
    raise DataSourceError(
        f"expected either {split_dir}/<synset>/*.JPEG for synsets {synsets}, or the validation "
        f"images flat in {split_dir}/*.JPEG with their ground truth in {VAL_CSV_NAME} (looked in "
        f"{', '.join(map(str, csv_folders))}); found: {found}; ground-truth CSV: "
        f"{csv_path or 'none'}; missing synset folders: {missing}")


def _labelled(per_class_files: list[list[Path]], ground_truth: Path | None = None) -> LabelledFiles:
    paths = [p for files in per_class_files for p in files]
    labels = np.repeat(np.arange(len(per_class_files)), [len(f) for f in per_class_files])
    return LabelledFiles(paths, labels.astype(np.int64), ground_truth)
