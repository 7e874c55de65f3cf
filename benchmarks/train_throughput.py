"""Benchmark: training images/s of the course's trainer vs a naive per-sample JPEG DataLoader.

Both train the same model (default the small CNN, channels-last) with the same optimizer (SGD with
momentum), batch size and number of images per epoch; only the input pipeline differs:

- naive: a ``torch.utils.data.DataLoader`` whose dataset opens, decodes, resizes and crops one JPEG
  per sample with PIL, then pads, randomly crops, flips and normalises it in numpy;
- trainer: ``autograder.training.train`` on the same JPEGs prepared once into uint8 arrays (the
  preparation is not timed: it is cached in real use), batches cut and augmented on the device.

Each figure is the median images/s of several epochs after a warm-up epoch; ratios are trainer over
naive. JPEGs: the real photographs in ../shared/imagenet-sample/images (relative to the repository
root), or, when that folder is absent, JPEGs made in a temporary folder from the synthetic stand-in.
On Linux the script re-runs itself with glibc's allocator tuned (MALLOC_MMAP_MAX_=0,
MALLOC_TRIM_THRESHOLD_): at 64 px that made the CPU trainer 1.7-1.9x faster here.

With a GPU it also times the whole reference run (``autograder.training.reference``, both models,
three optimizers and the learning-rate sweep) on the configured subset at 64 px: the target is
under 30 s on one H200. Run it on an otherwise idle machine:

    python benchmarks/train_throughput.py [--sizes 32 64] [--repeats 5] [--workers 0] [--limit 1000]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from autograder.data.images import load_image
from autograder.data.prepare import prepare_images
from autograder.training import TrainConfig, build_model, build_optimizer, pick_device, train
from autograder.training.metrics import device_name

SAMPLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "imagenet-sample" / "images"
ALLOCATOR = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "17179869184"}
CLASSES = 10
LR = 0.01


class JpegDataset(torch.utils.data.Dataset):
    """The naive pipeline: every __getitem__ decodes one JPEG and augments it.

    Returns (x (3, S, S) float32 normalised, label int); label = file index mod 10.
    """

    def __init__(self, paths: list[Path], size: int, mean: np.ndarray, std: np.ndarray):
        self.paths, self.size, self.pad = paths, size, size // 8
        self.mean = mean.astype(np.float32).reshape(1, 1, 3)
        self.std = std.astype(np.float32).reshape(1, 1, 3)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        image, _ = load_image(self.paths[i], self.size, draft=False)
        padded = np.pad(image, ((self.pad, self.pad), (self.pad, self.pad), (0, 0)))
        row, col = np.random.randint(0, 2 * self.pad + 1, size=2)
        crop = padded[row:row + self.size, col:col + self.size]
        if np.random.rand() < 0.5:
            crop = crop[:, ::-1]
        x = (crop.astype(np.float32) - self.mean) / self.std
        return torch.from_numpy(x.transpose(2, 0, 1).copy()), i % CLASSES


def naive_images_per_s(paths: list[Path], size: int, batch_size: int, workers: int, epochs: int,
                       mean: np.ndarray, std: np.ndarray, device: torch.device) -> list[float]:
    """Images/s of each epoch after the first, training through the per-sample DataLoader."""
    loader = torch.utils.data.DataLoader(JpegDataset(paths, size, mean, std), batch_size=batch_size,
                                         shuffle=True, drop_last=True, num_workers=workers,
                                         persistent_workers=workers > 0)
    model = build_model("small_cnn", size, CLASSES).to(device, memory_format=torch.channels_last)
    optimizer = build_optimizer("momentum", model.parameters(), LR)
    autocast = device.type == "cuda"
    rates = []
    for _ in range(epochs + 1):
        start, count = time.perf_counter(), 0
        for x, t in loader:
            x = x.to(device, non_blocking=True).contiguous(memory_format=torch.channels_last)
            t = t.to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                loss = F.cross_entropy(model(x), t)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            count += len(t)
        loss.item()  # waits for the GPU
        rates.append(count / (time.perf_counter() - start))
    return rates[1:]


def trainer_images_per_s(images: np.ndarray, labels: np.ndarray, size: int, batch_size: int,
                         epochs: int) -> tuple[list[float], str]:
    """Images/s of each epoch after the first, training with ``autograder.training.train``."""
    model = build_model("small_cnn", size, CLASSES)
    record = train(model, build_optimizer("momentum", model.parameters(), LR), (images, labels),
                   config=TrainConfig(epochs=epochs + 1, batch_size=batch_size, progress=False),
                   num_classes=CLASSES)
    return [e["images_per_s"] for e in record["epochs"][1:]], record["device"]


def jpeg_files(limit: int | None) -> tuple[list[Path], str, tempfile.TemporaryDirectory | None]:
    """The sample photographs, or JPEGs made from the synthetic stand-in in a temporary folder."""
    paths = sorted(SAMPLE.glob("*.JPEG"))[:limit]
    if paths:
        return paths, f"{len(paths)} ImageNet photographs from {SAMPLE.resolve()}", None
    from autograder.data.synthetic import generate_synthetic

    folder = tempfile.TemporaryDirectory(prefix="train-throughput-")
    count = limit or 1000
    images, _ = generate_synthetic(CLASSES, "train", 256, -(-count // CLASSES))
    for i, image in enumerate(images[:count]):
        Image.fromarray(image).save(Path(folder.name) / f"{i:05d}.JPEG", quality=90)
    paths = sorted(Path(folder.name).glob("*.JPEG"))
    return paths, f"{len(paths)} synthetic 256 px JPEGs made in {folder.name} (no ImageNet sample here)", folder


def time_reference_run(size: int, device: torch.device) -> None:
    """Print the wall time of the whole reference run (no files written) on the configured subset,
    and the small CNN's images/s and seconds per epoch in it."""
    from autograder.data import load_subset
    from autograder.training.reference import EPOCHS, reference_runs

    train_set, val_set = load_subset("train", size=size), load_subset("val", size=size)
    start = time.perf_counter()
    records, _ = reference_runs(train_set, val_set, TrainConfig(epochs=EPOCHS, progress=False), checkpoints=None)
    seconds = time.perf_counter() - start
    cnn = records["small_cnn-adam"]["epochs"]
    print(f"data: {train_set.describe()}")
    print(f"small CNN (Adam) at {size} px: {statistics.median(e['images_per_s'] for e in cnn):.0f} images/s, "
          f"{statistics.median(e['train_time_s'] for e in cnn):.2f} s per epoch of the subset")
    print(f"whole reference run (2 models x 3 optimizers + lr sweep, {EPOCHS} epochs each) at {size} px on "
          f"{device_name(device)}: {seconds:.1f} s (target: under 30 s on one H200)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per pipeline (after a warm-up)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--workers", type=int, nargs="+", default=[0], help="DataLoader worker counts")
    parser.add_argument("--limit", type=int, help="use only the first LIMIT JPEGs")
    parser.add_argument("--default-allocator", action="store_true", help="leave glibc's allocator as it is")
    args = parser.parse_args()
    if sys.platform.startswith("linux") and not args.default_allocator and \
            any(os.environ.get(k) != v for k, v in ALLOCATOR.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ALLOCATOR})

    device = pick_device()
    paths, described, folder = jpeg_files(args.limit)
    print(f"Training throughput, small CNN, SGD with momentum, batch {args.batch_size}, "
          f"{len(paths) // args.batch_size * args.batch_size} images per epoch; median of {args.repeats} "
          f"epochs after a warm-up")
    print(f"JPEGs: {described}")
    print("allocator: " + (", ".join(f"{k}={os.environ[k]}" for k in ALLOCATOR if k in os.environ) or "default"))
    naive_columns = [f"naive {w} workers" for w in args.workers]
    print(f"{'size':>4} {'trainer img/s':>14} " + " ".join(f"{c:>17} {'ratio':>6}" for c in naive_columns))
    for size in args.sizes:
        prepared = prepare_images(paths, np.arange(len(paths)) % CLASSES, size, progress=False)
        as_float = prepared.images.reshape(-1, 3).astype(np.float64)
        mean, std = as_float.mean(axis=0), as_float.std(axis=0)
        rates, device_label = trainer_images_per_s(prepared.images, prepared.labels, size, args.batch_size,
                                                   args.repeats)
        ours = statistics.median(rates)
        row = f"{size:>4} {ours:>14.0f} "
        for workers in args.workers:
            naive = statistics.median(naive_images_per_s(paths, size, args.batch_size, workers, args.repeats,
                                                         mean, std, device))
            row += f"{naive:>17.0f} {ours / naive:>5.1f}x "
        print(row, flush=True)
    print(f"device: {device_label}")
    if folder is not None:
        folder.cleanup()

    if device.type == "cuda":
        time_reference_run(64, device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
