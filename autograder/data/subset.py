"""The image subset the module trains on, and :func:`load_subset`, which chooses its source.

Sources: a local ILSVRC-2012 copy ("ilsvrc"), the Imagenette/Imagewoof archives ("imagenette"),
or the synthetic stand-in ("synthetic", generated offline; never ImageNet). The choice, in order:
the arguments, then the environment, then the stand-in:

- ``CNN2_DATA_SOURCE``: ``ilsvrc``, ``imagenette`` or ``synthetic``. When it is unset, a set
  ``CNN2_IMAGENET_ROOT`` selects "ilsvrc", else a set ``CNN2_IMAGENETTE_ARCHIVE`` "imagenette".
- ``CNN2_IMAGENET_ROOT``: the ILSVRC-2012 folder (``train/<synset>/*.JPEG``, ``val/``).
- ``CNN2_IMAGENETTE_ARCHIVE``: an archive name (``imagenette-160``, ``imagewoof-320``...), a URL,
  a local .tgz or an extracted folder (default ``imagenette-160``).
- ``CNN2_IMAGENETTE_CHECKSUM``: the archive's expected ``md5:<hex>`` or ``sha256:<hex>``.
- ``CNN2_SYNSETS``: comma-separated synsets (default: the lecture's ten; for an archive, its ten).
- ``CNN2_DATA_CACHE``: where prepared subsets and downloads go (default ``~/.cache/cnn2``).
"""
from __future__ import annotations

import os
import platform
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import PIL

from autograder.data import cache, imagenette, synthetic
from autograder.data.ilsvrc import SYNSET_MAPPING_NAME, LabelledFiles, find_class_folders, find_ilsvrc_files
from autograder.data.prepare import prepare_images
from autograder.data.synsets import LECTURE_SYNSETS, class_names, read_synset_mapping

SOURCES = ("ilsvrc", "imagenette", "synthetic")
SPLITS = ("train", "val")
ENV_SOURCE = "CNN2_DATA_SOURCE"
ENV_IMAGENET_ROOT = "CNN2_IMAGENET_ROOT"
ENV_IMAGENETTE_ARCHIVE = "CNN2_IMAGENETTE_ARCHIVE"
ENV_IMAGENETTE_CHECKSUM = "CNN2_IMAGENETTE_CHECKSUM"
ENV_SYNSETS = "CNN2_SYNSETS"


@dataclass(frozen=True, eq=False)  # arrays have no single truth value: compare fields yourself
class ImageSubset:
    """A prepared split of an image subset, held in memory.

    images: (N, S, S, 3) uint8 RGB; labels: (N,) int64 in [0, num_classes); synsets and
    class_names: class index -> WordNet id / readable name; source: "ilsvrc", "imagenette" or
    "synthetic"; split: "train" or "val"; size: S; manifest: where the images came from (location,
    counts, hashes, skipped files), as written next to the cached arrays, plus ``reused_cache``
    (whether this load found them already prepared).
    """
    images: np.ndarray
    labels: np.ndarray
    synsets: list[str]
    class_names: list[str]
    source: str
    split: str
    size: int
    manifest: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_synthetic(self) -> bool:
        """True for the generated stand-in, which is not ImageNet."""
        return self.source == "synthetic"

    @property
    def flip_keeps_labels(self) -> bool:
        """Whether a mirror image shows the same class, so that training may flip images at random.

        True for photographs (a mirrored fox is a fox). False for the synthetic stand-in: mirroring
        turns its 45-degree stripes into 135-degree ones, another class, so a flip would change what
        the label means. Augmentation must never do that.
        """
        return not self.is_synthetic

    @property
    def num_classes(self) -> int:
        return len(self.synsets)

    def __len__(self) -> int:
        return len(self.labels)

    def describe(self) -> str:
        """One line saying what this is, e.g. for figure titles and logs."""
        archive = Path(str(self.manifest.get("archive", "Imagenette"))).name
        what = {"ilsvrc": "ImageNet (ILSVRC-2012) subset, real photographs",
                "imagenette": f"Imagenette subset of ImageNet ({archive}), real photographs",
                "synthetic": "synthetic stand-in (generated textures, not ImageNet)"}[self.source]
        return f"{what}, {self.split}: {len(self)} images of {self.num_classes} classes at {self.size} px"


def resolve_source(source: str | None = None, root: str | Path | None = None) -> str:
    """The source to use: ``source``, else ``$CNN2_DATA_SOURCE``, else "ilsvrc" when a root is
    given or ``$CNN2_IMAGENET_ROOT`` is set, else "imagenette" when ``$CNN2_IMAGENETTE_ARCHIVE``
    is set, else "synthetic"."""
    source = source or os.environ.get(ENV_SOURCE) or None
    if source is None:
        if root is not None or os.environ.get(ENV_IMAGENET_ROOT):
            source = "ilsvrc"
        elif os.environ.get(ENV_IMAGENETTE_ARCHIVE):
            source = "imagenette"
        else:
            source = "synthetic"
    if source not in SOURCES:
        raise ValueError(f"unknown data source {source!r}: expected one of {list(SOURCES)}")
    return source


def requested_synsets(synsets: list[str] | str | None) -> list[str] | None:
    """``synsets``, else ``$CNN2_SYNSETS`` (comma-separated), else None (the source's default)."""
    if synsets is None:
        synsets = os.environ.get(ENV_SYNSETS) or None
    if isinstance(synsets, str):
        synsets = [s.strip() for s in synsets.split(",") if s.strip()]
    if synsets is not None and len(set(synsets)) != len(synsets):
        raise ValueError(f"synsets must not repeat: {synsets}")
    return None if synsets is None else list(synsets)


def load_subset(split: str = "train", size: int = 64, source: str | None = None,
                synsets: list[str] | str | None = None, root: str | Path | None = None,
                cache_dir: str | Path | None = None, workers: int | None = None,
                progress: bool = True, per_class: int | None = None, checksum: str | None = None,
                seed: int = 0) -> ImageSubset:
    """Load one split of the image subset at ``size`` x ``size`` pixels, preparing it if needed.

    source, root, synsets: see :func:`resolve_source` and the module docstring; root is the
    ILSVRC folder for "ilsvrc" and the archive (name, URL, .tgz or folder) for "imagenette".
    Default classes: the lecture's ten (:data:`LECTURE_SYNSETS`); for an archive, all of its own.
    per_class: at most this many images per class (the first by file name); for the synthetic
    stand-in the count (default 260 train, 50 val). workers: decoding processes (default one
    per core). checksum: the archive's expected "md5:<hex>"/"sha256:<hex>". seed: the synthetic
    stand-in's seed. Prepared subsets are cached in ``cache_dir`` (default
    ``$CNN2_DATA_CACHE`` or ``~/.cache/cnn2``) and reused while the files are unchanged.
    Raises :class:`~autograder.data.ilsvrc.DataSourceError` for a missing or incomplete source.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, not {split!r}")
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"size must be an integer of at least 8 pixels, not {size!r}")
    source = resolve_source(source, root)
    synsets = requested_synsets(synsets)
    if source == "synthetic":
        if root is not None:
            raise ValueError("the synthetic stand-in is generated, it takes no root")
        return synthetic_subset(split, size, synsets or LECTURE_SYNSETS, per_class, seed)
    cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else cache.default_cache_dir()
    if source == "ilsvrc":
        root = root if root is not None else os.environ.get(ENV_IMAGENET_ROOT)
        if not root:
            raise ValueError(f"source 'ilsvrc' needs root= or ${ENV_IMAGENET_ROOT}: the folder "
                             f"holding train/<synset>/*.JPEG and val/")
        base = Path(root).expanduser().resolve()
        synsets = synsets or list(LECTURE_SYNSETS)
        files = find_ilsvrc_files(base, split, synsets, per_class)
        mapping = base / SYNSET_MAPPING_NAME
        names = class_names(synsets, read_synset_mapping(mapping) if mapping.is_file() else None)
        location = {"root": str(base)}
    else:
        spec = root if root is not None else os.environ.get(ENV_IMAGENETTE_ARCHIVE)
        spec = spec or imagenette.DEFAULT_ARCHIVE
        checksum = checksum or os.environ.get(ENV_IMAGENETTE_CHECKSUM) or None
        if str(spec) in imagenette.ARCHIVES:  # check the classes before downloading
            known = list(imagenette.ARCHIVES[str(spec)].synsets)
            imagenette.select_synsets(known, synsets, f"archive {spec}")
        base = imagenette.locate_archive(spec, cache_dir, checksum, progress)
        synsets = imagenette.select_synsets(imagenette.folder_synsets(base), synsets,
                                            f"the archive at {base}")
        files = find_class_folders(base / split, synsets, per_class)
        names = class_names(synsets)
        location = {"archive": str(spec), "folder": str(base)}
    return prepared_subset(source, location, base, files, synsets, names, split, size, per_class,
                           cache_dir, workers, progress)


def prepared_subset(source: str, location: dict, base: Path, files: LabelledFiles, synsets: list[str],
                    names: list[str], split: str, size: int, per_class: int | None, cache_dir: Path,
                    workers: int | None, progress: bool) -> ImageSubset:
    """The subset of ``files`` from the cache, or prepared (decoded in parallel) and cached."""
    files_sha256 = cache.files_digest(files.paths, files.labels, base)
    inputs = {"format": cache.CACHE_FORMAT, "source": source, **location, "split": split, "size": size,
              "synsets": synsets, "per_class": per_class, "draft": True, "files_sha256": files_sha256}
    fingerprint = cache.sha256_text(repr(sorted(inputs.items())))
    npz_path, manifest_path = cache.cache_paths(cache_dir, source, split, size, synsets, per_class)
    cached = cache.load_cached(npz_path, manifest_path, fingerprint)
    if cached is not None:
        images, labels, manifest = cached
        return ImageSubset(images, labels, synsets, names, source, split, size,
                           {**manifest, "reused_cache": True})
    start = time.perf_counter()
    prepared = prepare_images(files.paths, files.labels, size, workers, progress=progress,
                              description=f"{source} {split} {size}px")
    skipped = [{"file": str(Path(path).relative_to(base)), "reason": reason}
               for path, reason in prepared.skipped]
    manifest = {
        **inputs, "fingerprint": fingerprint, "class_names": names,
        "ground_truth": str(files.ground_truth) if files.ground_truth else None,
        "counts": dict(zip(synsets, np.bincount(prepared.labels, minlength=len(synsets)).tolist())),
        "num_images": len(prepared.labels), "num_files": len(files.paths),
        "originals": prepared.originals, "skipped": skipped,
        "images_sha256": cache.array_digest(prepared.images),
        "labels_sha256": cache.array_digest(prepared.labels),
        "seconds": round(time.perf_counter() - start, 2),
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "pillow": PIL.__version__},
        "cache": {"arrays": str(npz_path), "manifest": str(manifest_path)},
    }
    cache.save_cached(npz_path, manifest_path, prepared.images, prepared.labels, manifest)
    if skipped:
        shown = "; ".join(f"{s['file']} ({s['reason']})" for s in skipped[:3])
        warnings.warn(f"{len(skipped)} of {len(files.paths)} image files could not be decoded and "
                      f"were skipped (all listed in {manifest_path}): {shown}", stacklevel=3)
    return ImageSubset(prepared.images, prepared.labels, synsets, names, source, split, size,
                       {**manifest, "reused_cache": False})


def synthetic_subset(split: str, size: int, synsets: list[str], per_class: int | None, seed: int
                     ) -> ImageSubset:
    """The synthetic stand-in for ``synsets`` (at most 10): generated, not cached (it is fast)."""
    per_class = per_class or synthetic.DEFAULT_PER_CLASS[split]
    images, labels = synthetic.generate_synthetic(len(synsets), split, size, per_class, seed)
    names = synthetic.synthetic_class_names(class_names(synsets))
    manifest = {
        "source": "synthetic", "description": "generated textures standing in for the classes; not ImageNet",
        "generator": f"autograder.data.synthetic v{synthetic.GENERATOR_VERSION}", "seed": seed,
        "split": split, "size": size, "synsets": synsets, "class_names": names,
        "patterns": dict(zip(names, synthetic.PATTERNS)),
        "counts": dict(zip(synsets, np.bincount(labels, minlength=len(synsets)).tolist())),
        "num_images": len(labels), "skipped": [],
        "images_sha256": cache.array_digest(images), "labels_sha256": cache.array_digest(labels),
    }
    return ImageSubset(images, labels, list(synsets), names, "synthetic", split, size, manifest)
