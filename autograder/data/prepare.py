"""Preparing many image files in parallel worker processes into one preallocated uint8 array."""
from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from autograder.data.images import load_image_or_reason


@dataclass
class PreparedImages:
    """The result of :func:`prepare_images`.

    images: (M, S, S, 3) uint8, the decodable files in input order (M <= number of files);
    labels: (M,) int64, their labels; kept: (M,) int64, their positions in the input list;
    skipped: one ``(path, reason)`` per file that could not be decoded;
    originals: how many files had each ``"<format>/<mode>"`` before conversion to RGB.
    """
    images: np.ndarray
    labels: np.ndarray
    kept: np.ndarray
    skipped: list[tuple[str, str]] = field(default_factory=list)
    originals: dict[str, int] = field(default_factory=dict)


def default_workers() -> int:
    """The number of CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def prepare_images(paths: list[Path], labels: np.ndarray, size: int, workers: int | None = None,
                   draft: bool = True, progress: bool = True, description: str = "preparing images"
                   ) -> PreparedImages:
    """Decode, resize and centre-crop ``paths`` (see :func:`autograder.data.images.load_image`).

    paths: N files; labels: (N,) ints, one per file. ``workers`` processes decode in parallel
    (default: one per core; 1 decodes in this process). Files that cannot be decoded are skipped
    and reported, never raised. The output array is allocated once, before decoding, and filled
    in place: a list of arrays stacked at the end would need twice the memory.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) != len(paths):
        raise ValueError(f"{len(paths)} paths but {len(labels)} labels")
    workers = max(1, min(workers or default_workers(), len(paths)))
    images = np.empty((len(paths), size, size, 3), dtype=np.uint8)
    kept = np.empty(len(paths), dtype=np.int64)
    skipped, originals = [], Counter()
    decode = partial(load_image_or_reason, size=size, draft=draft)
    files = [str(p) for p in paths]
    with tqdm(total=len(files), desc=description, unit="img", disable=not progress) as bar:
        if workers == 1:
            results = map(decode, files)
            _collect(results, files, images, kept, skipped, originals, bar)
        else:
            chunksize = max(1, min(64, len(files) // (8 * workers)))
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = pool.map(decode, files, chunksize=chunksize)
                _collect(results, files, images, kept, skipped, originals, bar)
    count = len(files) - len(skipped)
    # Slices are views of the preallocated arrays: no copy even when files were skipped.
    return PreparedImages(images[:count], labels[kept[:count]], kept[:count], skipped,
                          dict(sorted(originals.items())))


def _collect(results, files, images, kept, skipped, originals, bar) -> None:
    """Write each decoded image to the next free row, in input order; record the failures."""
    row = 0
    for index, (image, note) in enumerate(results):
        if image is None:
            skipped.append((files[index], note))
        else:
            images[row], kept[row] = image, index
            originals[note] += 1
            row += 1
        bar.update(1)
