"""The cache of prepared subsets: one ``.npz`` (images, labels) and one JSON manifest per
(source, classes, size, split), reused while the inputs are unchanged.

The inputs are summarised by a fingerprint: the source's location, the preparation settings and,
for each image file, its relative path, byte size, modification time and label. A file added,
removed, replaced or relabelled changes the fingerprint and the subset is prepared again, into
the same file names (the old cache is overwritten). File contents are not hashed: reading every
JPEG again would cost as much as a large part of preparing them.
"""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np

CACHE_FORMAT = 1  # bump when the preparation changes, so that older caches are prepared again
ENV_CACHE_DIR = "CNN2_DATA_CACHE"


def default_cache_dir() -> Path:
    """``$CNN2_DATA_CACHE``, else ``$XDG_CACHE_HOME/cnn2``, else ``~/.cache/cnn2``."""
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnn2"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def files_digest(paths: list[Path], labels: np.ndarray, base: Path) -> str:
    """sha256 over one line per file: path relative to ``base``, byte size, mtime (ns), label."""
    lines = []
    for path, label in zip(paths, labels):
        stat = path.stat()
        lines.append(f"{path.relative_to(base).as_posix()}\t{stat.st_size}\t{stat.st_mtime_ns}\t{label}\n")
    return sha256_text("".join(lines))


def cache_paths(cache_dir: Path, source: str, split: str, size: int, synsets: list[str],
                per_class: int | None) -> tuple[Path, Path]:
    """The (.npz, .json) files of a subset, e.g. ``ilsvrc-train-64px-10classes-3f2a9c1b.npz``;
    the short hash tells subsets of different classes apart."""
    classes = sha256_text(" ".join(synsets) + f" per_class={per_class}")[:8]
    stem = f"{source}-{split}-{size}px-{len(synsets)}classes-{classes}"
    return cache_dir / f"{stem}.npz", cache_dir / f"{stem}.json"


def load_cached(npz_path: Path, manifest_path: Path, fingerprint: str
                ) -> tuple[np.ndarray, np.ndarray, dict] | None:
    """(images, labels, manifest) from the cache if its manifest has this fingerprint, else None
    (no cache, other inputs, or unreadable files: the caller prepares the subset again)."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != fingerprint:
            return None
        with np.load(npz_path) as arrays:
            return arrays["images"], arrays["labels"], manifest
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def save_cached(npz_path: Path, manifest_path: Path, images: np.ndarray, labels: np.ndarray,
                manifest: dict) -> None:
    """Write the arrays, then the manifest, each to a temporary file renamed into place: an
    interrupted run never leaves a manifest that vouches for a half-written array file."""
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.unlink(missing_ok=True)
    partial = npz_path.with_name(npz_path.name + f".{os.getpid()}.tmp")
    with open(partial, "wb") as f:
        np.savez(f, images=images, labels=labels)
    partial.replace(npz_path)
    partial = manifest_path.with_name(manifest_path.name + f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(manifest_path)


def array_digest(array: np.ndarray) -> str:
    """sha256 of an array's bytes (C order): records what a subset held, for reproducibility."""
    return hashlib.sha256(np.ascontiguousarray(array).data).hexdigest()
