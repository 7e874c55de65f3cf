"""Benchmark: training images/s of the course's trainer vs a naive per-sample JPEG DataLoader, and
the trainer's overhead over the model alone.

All three train the same model (default the small CNN, channels-last) with the same optimizer (SGD
with momentum) and batch size on the same images; only the input pipeline differs:

- naive: a ``torch.utils.data.DataLoader`` whose dataset opens, decodes, resizes and crops one JPEG
  per sample with PIL, then pads, randomly crops, flips and normalises it in numpy;
- trainer: ``autograder.training.train`` on the same JPEGs prepared once into uint8 arrays (the
  preparation is not timed: it is cached in real use), batches cut and augmented on the device;
- model alone: the same training steps on batches made beforehand (normalised, channels-last, on
  the device, no augmentation): the ceiling any input pipeline can reach. The trainer's overhead
  is model-alone images/s over trainer images/s, minus 1 (target: at most 5 %).

Each figure is the median images/s of several epochs after a warm-up epoch. JPEGs: the real
photographs of Imagenette in ../shared/imagenette-160/train (relative to the repository root; the
first ``--per-class`` of each class), else the 1,000 ImageNet photographs of
../shared/imagenet-sample/images, else JPEGs made in a temporary folder from the synthetic stand-in.
On Linux the script re-runs itself with glibc's allocator tuned (MALLOC_MMAP_MAX_=0,
MALLOC_TRIM_THRESHOLD_): at 64 px that made the CPU trainer 1.7-1.9x faster here. Run it on an
otherwise idle machine:

    python benchmarks/train_throughput.py [--sizes 32 64] [--repeats 5] [--workers 0] [--per-class 100]

The GPU figures (reference runs at 64 px, a ResNet at 128 px) come from ``make gpu-check``.
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
from autograder.training.batches import DeviceImages, channel_stats, normalize

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
IMAGENETTE = SHARED / "imagenette-160" / "train"
SAMPLE = SHARED / "imagenet-sample" / "images"
ALLOCATOR = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "17179869184"}
CLASSES = 10
LR = 0.01


class JpegDataset(torch.utils.data.Dataset):
    """The naive pipeline: every __getitem__ decodes one JPEG and augments it.

    Returns (x (3, S, S) float32 normalised, label int).
    """

    def __init__(self, paths: list[Path], labels: np.ndarray, size: int, mean: np.ndarray, std: np.ndarray):
        self.paths, self.labels, self.size, self.pad = paths, labels, size, size // 8
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
        return torch.from_numpy(x.transpose(2, 0, 1).copy()), int(self.labels[i])


def naive_images_per_s(paths: list[Path], labels: np.ndarray, size: int, batch_size: int, workers: int,
                       epochs: int, mean: np.ndarray, std: np.ndarray, device: torch.device) -> list[float]:
    """Images/s of each epoch after the first, training through the per-sample DataLoader."""
    loader = torch.utils.data.DataLoader(JpegDataset(paths, labels, size, mean, std), batch_size=batch_size,
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


def model_alone_images_per_s(images: np.ndarray, labels: np.ndarray, size: int, batch_size: int,
                             epochs: int) -> list[float]:
    """Images/s of each epoch after the first, for the trainer's own steps (same model, optimizer,
    precision and memory format) on batches made before timing: the model's speed with no input
    pipeline at all. images (N, S, S, 3) uint8, labels (N,) ints."""
    device = pick_device()
    data = DeviceImages.from_arrays(images, labels, device)
    mean, std = channel_stats(data.images)
    batches = [(normalize(x, mean, std), t)
               for x, t in zip(data.images.split(batch_size), data.labels.split(batch_size))
               if len(t) == batch_size]
    model = build_model("small_cnn", size, CLASSES).to(device, memory_format=torch.channels_last)
    optimizer = build_optimizer("momentum", model.parameters(), LR)
    autocast = device.type == "cuda"
    rates = []
    for _ in range(epochs + 1):
        start = time.perf_counter()
        for x, t in batches:
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                loss = F.cross_entropy(model(x), t)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        loss.item()  # waits for the GPU
        rates.append(len(batches) * batch_size / (time.perf_counter() - start))
    return rates[1:]


def jpeg_files(per_class: int) -> tuple[list[Path], np.ndarray, str, tempfile.TemporaryDirectory | None]:
    """(paths, labels, description, temporary folder or None): Imagenette's photographs, the ImageNet
    sample, or JPEGs made from the synthetic stand-in in a temporary folder."""
    folders = sorted(p for p in IMAGENETTE.glob("n*") if p.is_dir())[:CLASSES]
    if folders:
        paths = [path for folder in folders for path in sorted(folder.glob("*.JPEG"))[:per_class]]
        labels = np.array([k for k, folder in enumerate(folders) for _ in sorted(folder.glob("*.JPEG"))[:per_class]])
        return paths, labels, f"{len(paths)} Imagenette photographs from {IMAGENETTE.resolve()}", None
    paths = sorted(SAMPLE.glob("*.JPEG"))[:per_class * CLASSES]
    if paths:
        described = f"{len(paths)} ImageNet photographs from {SAMPLE.resolve()}"
        return paths, np.arange(len(paths)) % CLASSES, described, None
    from autograder.data.synthetic import generate_synthetic

    folder = tempfile.TemporaryDirectory(prefix="train-throughput-")
    images, labels = generate_synthetic(CLASSES, "train", 256, per_class)
    for i, image in enumerate(images):
        Image.fromarray(image).save(Path(folder.name) / f"{i:05d}.JPEG", quality=90)
    paths = sorted(Path(folder.name).glob("*.JPEG"))
    return paths, labels, f"{len(paths)} synthetic 256 px JPEGs made in {folder.name} (no photographs here)", folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per pipeline (after a warm-up)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--workers", type=int, nargs="+", default=[0], help="DataLoader worker counts")
    parser.add_argument("--per-class", type=int, default=100, help="JPEGs per class (default: %(default)s)")
    parser.add_argument("--default-allocator", action="store_true", help="leave glibc's allocator as it is")
    args = parser.parse_args()
    if sys.platform.startswith("linux") and not args.default_allocator and \
            any(os.environ.get(k) != v for k, v in ALLOCATOR.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ALLOCATOR})

    paths, labels, described, folder = jpeg_files(args.per_class)
    print(f"Training throughput, small CNN, SGD with momentum, batch {args.batch_size}, "
          f"{len(paths) // args.batch_size * args.batch_size} images per epoch; median of {args.repeats} "
          f"epochs after a warm-up")
    print(f"JPEGs: {described}")
    print("allocator: " + (", ".join(f"{k}={os.environ[k]}" for k in ALLOCATOR if k in os.environ) or "default"))
    naive_columns = [f"naive {w} workers" for w in args.workers]
    print(f"{'size':>4} {'model alone':>12} {'trainer':>8} {'overhead':>9} "
          + " ".join(f"{c:>17} {'trainer/naive':>13}" for c in naive_columns) + "   (images/s)")
    device = pick_device()
    for size in args.sizes:
        prepared = prepare_images(paths, labels, size, progress=False)
        as_float = prepared.images.reshape(-1, 3).astype(np.float64)
        mean, std = as_float.mean(axis=0), as_float.std(axis=0)
        alone = statistics.median(model_alone_images_per_s(prepared.images, prepared.labels, size,
                                                           args.batch_size, args.repeats))
        rates, device_label = trainer_images_per_s(prepared.images, prepared.labels, size, args.batch_size,
                                                   args.repeats)
        ours = statistics.median(rates)
        row = f"{size:>4} {alone:>12.0f} {ours:>8.0f} {alone / ours - 1:>8.1%} "
        for workers in args.workers:
            naive = statistics.median(naive_images_per_s(paths, labels, size, args.batch_size, workers,
                                                         args.repeats, mean, std, device))
            row += f"{naive:>17.0f} {ours / naive:>12.1f}x "
        print(row, flush=True)
    print(f"device: {device_label}")
    if folder is not None:
        folder.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
