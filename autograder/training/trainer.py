"""The one trainer of the course: the book, the reference runs and the grader all train with it.

``train(model, optimizer, train_set, val_set, TrainConfig(...))`` trains for a number of epochs and
returns the run's record (see :mod:`autograder.training.metrics`). What it does, and why:

- device: the GPU when CUDA is available, else the CPU (always the CPU in deterministic mode);
- data: the whole prepared subset is copied to the device once, as uint8 (:mod:`.batches`); each
  step gathers a batch there, crops/flips it and normalises it, so no per-sample loading slows it;
- memory format: channels-last images and weights (faster convolutions on CPU and GPU);
- precision: bf16 autocast on a GPU (tensor cores), the parameters' own dtype on the CPU, so a
  float64 model trains in float64 (the grader compares optimizers that way);
- randomness: the shuffling and augmentation come from one generator seeded with ``config.seed``,
  so two runs with the same seed and initial weights see the same batches;
- deterministic mode: CPU, ``torch.use_deterministic_algorithms``, for grading: two runs give
  bit-identical results;
- several processes: under ``torchrun`` the model is wrapped in DistributedDataParallel and each rank
  trains on its slice of every global batch (:mod:`.distributed`);
- progress: one tqdm bar per epoch (``progress=False`` turns them off).
"""
from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from . import distributed
from .batches import DeviceImages, channel_stats, epoch_batches, normalize
from .distributed import World
from .metrics import SCHEMA_ID, device_name, validate_run, versions
from .models import build_model, count_parameters
from .schedules import build_scheduler


@dataclass(frozen=True)
class TrainConfig:
    """How to train. ``pad=None`` pads by image_size // 8 for the random crops (4 px at 32 px);
    ``flip=None`` mirrors images only where that keeps their label (the subset's
    ``flip_keeps_labels``: photographs yes, the synthetic stand-in no); ``augment``: "crop" or
    "resized-crop" (see :func:`.batches.epoch_batches`); ``schedule``: the
    learning-rate schedule (:mod:`.schedules`); ``label_smoothing``: as ``F.cross_entropy`` takes it;
    ``device=None`` picks CUDA when available, else the CPU; ``batch_size`` is the global batch
    (split over the ranks under torchrun)."""
    epochs: int = 5
    batch_size: int = 128
    seed: int = 0
    pad: int | None = None
    flip: bool | None = None
    augment: str = "crop"
    schedule: str = "constant"
    label_smoothing: float = 0.0
    deterministic: bool = False
    device: str | None = None
    progress: bool = True
    eval_batch_size: int = 1024


def pick_device(deterministic: bool = False) -> torch.device:
    """CUDA (this rank's GPU under torchrun) when available and not ``deterministic``, else the CPU."""
    return distributed.device_for_rank(torch.cuda.is_available() and not deterministic)


@contextlib.contextmanager
def deterministic_algorithms(enabled: bool = True) -> Iterator[None]:
    """Within the block, torch raises on any operation that has no deterministic implementation;
    the previous setting is restored afterwards."""
    previous = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(enabled or previous, warn_only=warn_only)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous, warn_only=warn_only)


def to_device_images(subset, device: torch.device) -> DeviceImages:
    """An ``ImageSubset`` (from ``autograder.data.load_subset``), an ``(images, labels)`` pair of
    arrays (N, S, S, 3) uint8 and (N,) ints, or a ``DeviceImages`` -> a ``DeviceImages`` on ``device``."""
    if isinstance(subset, DeviceImages):
        return DeviceImages(subset.images.to(device), subset.labels.to(device))
    images, labels = (subset.images, subset.labels) if hasattr(subset, "images") else subset
    return DeviceImages.from_arrays(images, labels, device)


def flip_keeps_labels(subset) -> bool:
    """Whether mirroring an image of ``subset`` leaves its class unchanged: the subset says so
    (``ImageSubset.flip_keeps_labels``); plain arrays are taken to be photographs."""
    return getattr(subset, "flip_keeps_labels", True)


def describe_data(train_set, val_set, num_classes: int) -> dict:
    """The ``data`` part of a run record, read from the subsets' attributes where they have them."""
    images = train_set.images if hasattr(train_set, "images") else train_set[0]
    manifest = getattr(train_set, "manifest", {})
    return {
        "source": getattr(train_set, "source", "arrays"),
        "description": train_set.describe() if hasattr(train_set, "describe") else "arrays given to train()",
        "train_images_sha256": manifest.get("images_sha256"),
        "is_synthetic": getattr(train_set, "is_synthetic", None),
        "image_size": int(images.shape[-1] if isinstance(train_set, DeviceImages) else images.shape[1]),
        "class_names": list(getattr(train_set, "class_names", [str(c) for c in range(num_classes)])),
        "synsets": list(getattr(train_set, "synsets", [])),
        "num_train": len(images),
        "num_val": 0 if val_set is None else len(_labels(val_set)),
    }


def _labels(subset) -> np.ndarray | torch.Tensor:
    return subset.labels if hasattr(subset, "labels") else subset[1]


def train(model: nn.Module, optimizer: torch.optim.Optimizer, train_set, val_set=None,
          config: TrainConfig = TrainConfig(), *, num_classes: int | None = None,
          model_name: str | None = None, optimizer_name: str | None = None) -> dict:
    """Train ``model`` in place with ``optimizer`` and return the run's record (a JSON-ready dict).

    train_set, val_set: ``ImageSubset``, ``(images (N, S, S, 3) uint8, labels (N,) int)`` or
    ``DeviceImages``; val_set may be None (no validation). ``num_classes`` defaults to the largest
    training label + 1. The model is moved to the chosen device; the optimizer must hold its
    parameters. The last incomplete batch of each epoch is dropped, so that every step (and every
    rank's share of it) has the same size.
    """
    start = time.perf_counter()
    world = distributed.current()
    if config.device is not None and config.deterministic and torch.device(config.device).type != "cpu":
        raise ValueError("deterministic mode runs on the CPU only")
    device = torch.device(config.device) if config.device is not None else pick_device(config.deterministic)
    if config.batch_size % world.size:
        raise ValueError(f"batch size {config.batch_size} is not divisible by the {world.size} ranks")
    with deterministic_algorithms(config.deterministic):
        data = to_device_images(train_set, device)
        val = None if val_set is None else to_device_images(val_set, device)
        num_classes = num_classes or int(data.labels.max()) + 1
        mean, std = channel_stats(data.images)
        model.to(device=device, memory_format=torch.channels_last)
        net = _wrap_for_ranks(model, device, world)
        dtype = next(model.parameters()).dtype
        autocast = device.type == "cuda" and dtype == torch.float32
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # try the convolution algorithms once, keep the fastest
        pad = config.pad if config.pad is not None else data.image_size // 8
        flip = config.flip if config.flip is not None else flip_keeps_labels(train_set)
        generator = torch.Generator(device=device).manual_seed(config.seed)
        steps = len(data) // config.batch_size
        if steps == 0:
            raise ValueError(f"{len(data)} training images are fewer than one batch of {config.batch_size}")
        scheduler = build_scheduler(optimizer, config.schedule, steps * config.epochs)
        name = model_name or type(model).__name__
        losses, epochs = [], []
        for epoch in range(1, config.epochs + 1):
            model.train()
            epoch_lr = optimizer.param_groups[0]["lr"]
            epoch_start = time.perf_counter()
            step_losses = torch.zeros(steps, dtype=torch.float64, device=device)
            correct = torch.zeros((), dtype=torch.int64, device=device)
            bar = tqdm(total=steps, desc=f"{name} epoch {epoch}/{config.epochs}", unit="batch",
                       disable=not (config.progress and world.is_main))
            batches = epoch_batches(data, config.batch_size, generator, pad, flip, mean, std, dtype,
                                    world.rank, world.size, config.augment)
            for step, (x, t) in enumerate(batches):
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                    y = net(x)
                    loss = F.cross_entropy(y, t, label_smoothing=config.label_smoothing)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                step_losses[step] = loss.detach()
                correct += (y.argmax(dim=1) == t).sum()
                bar.update()
            # One synchronisation per epoch: the per-step values stay on the device until here.
            distributed.all_reduce_sum(step_losses, world)
            distributed.all_reduce_sum(correct, world)
            epoch_losses = (step_losses / world.size).tolist()
            train_time = time.perf_counter() - epoch_start
            record = {"epoch": epoch, "lr": epoch_lr, "train_loss": float(np.mean(epoch_losses)),
                      "train_accuracy": correct.item() / (steps * config.batch_size),
                      "val_loss": None, "val_accuracy": None, "train_time_s": train_time,
                      "images_per_s": steps * config.batch_size / train_time}
            confusion = None
            if val is not None:
                distributed.broadcast_buffers(model, world)
                record["val_loss"], confusion = evaluate(model, val, mean, std, num_classes,
                                                         config.eval_batch_size, world)
                record["val_accuracy"] = accuracy(confusion)
            bar.set_postfix(loss=f"{record['train_loss']:.3f}", train_acc=f"{record['train_accuracy']:.3f}",
                            val_acc="-" if val is None else f"{record['val_accuracy']:.3f}")
            bar.close()
            losses += epoch_losses
            epochs.append(record)
    wall_time = time.perf_counter() - start
    return validate_run({
        "schema": SCHEMA_ID,
        "model": name,
        "optimizer": optimizer_name or type(optimizer).__name__,
        "num_parameters": count_parameters(model),
        "seed": config.seed,
        "hyperparameters": {"lr": float(scheduler.base_lrs[0]), "batch_size": config.batch_size,
                            "epochs": config.epochs, "pad": pad, "flip": flip, "augment": config.augment,
                            "schedule": config.schedule,
                            "label_smoothing": config.label_smoothing,
                            "optimizer_settings": _json_settings(optimizer.defaults)},
        "data": describe_data(train_set, val_set, num_classes),
        "loss_per_step": losses,
        "epochs": epochs,
        "val_confusion": None if confusion is None else confusion.tolist(),
        "wall_time_s": wall_time,
        "images_per_s": sum(e["train_time_s"] * e["images_per_s"] for e in epochs)
        / sum(e["train_time_s"] for e in epochs),
        "device": device_name(device),
        "world_size": world.size,
        "autocast": "bfloat16" if autocast else None,
        "deterministic": config.deterministic,
        "versions": versions(),
        "normalization": {"mean": mean.tolist(), "std": std.tolist()},
    })


@torch.no_grad()
def evaluate(model: nn.Module, data: DeviceImages, mean: torch.Tensor, std: torch.Tensor,
             num_classes: int, batch_size: int = 1024, world: World = World()) -> tuple[float, np.ndarray]:
    """Mean cross-entropy and confusion matrix of ``model`` on ``data`` (no augmentation).

    mean, std: (3,) normalisation statistics of the training set. Returns (loss, confusion), the
    confusion matrix (num_classes, num_classes) int64 counting true class (row) against predicted
    class (column). Under torchrun each rank evaluates a contiguous share and the counts are summed.
    """
    model.eval()
    device = data.images.device
    dtype = next(model.parameters()).dtype
    share = math.ceil(len(data) / world.size)
    mine = slice(world.rank * share, min((world.rank + 1) * share, len(data)))
    images, labels = data.images[mine], data.labels[mine]
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    confusion = torch.zeros(num_classes * num_classes, dtype=torch.int64, device=device)
    autocast = device.type == "cuda" and dtype == torch.float32
    for part, t in zip(images.split(batch_size), labels.split(batch_size)):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            y = model(normalize(part, mean, std, dtype))
        loss_sum += F.cross_entropy(y.float(), t, reduction="sum").double()
        confusion += torch.bincount(t * num_classes + y.argmax(dim=1), minlength=num_classes ** 2)
    distributed.all_reduce_sum(loss_sum, world)
    distributed.all_reduce_sum(confusion, world)
    return loss_sum.item() / len(data), confusion.view(num_classes, num_classes).cpu().numpy()


@torch.no_grad()
def predict_probabilities(model: nn.Module, images: np.ndarray, normalization: dict,
                          batch_size: int = 1024) -> np.ndarray:
    """The softmax probabilities a trained model gives each image, without augmentation.

    images (N, S, S, 3) uint8; normalization: the run record's ``{"mean": [3], "std": [3]}``.
    Returns (N, C) float64. Runs on the model's device, in eval mode.
    """
    model.eval()
    parameter = next(model.parameters())
    data = DeviceImages.from_arrays(images, np.zeros(len(images)), parameter.device)
    mean = torch.tensor(normalization["mean"], device=parameter.device)
    std = torch.tensor(normalization["std"], device=parameter.device)
    parts = [F.softmax(model(normalize(part, mean, std, parameter.dtype)).double(), dim=1)
             for part in data.images.split(batch_size)]
    return torch.cat(parts).cpu().numpy()


def accuracy(confusion: np.ndarray) -> float:
    """Fraction of correct predictions: the trace of the confusion matrix over its sum."""
    return float(np.trace(confusion) / np.sum(confusion))


def _wrap_for_ranks(model: nn.Module, device: torch.device, world: World) -> nn.Module:
    """The model itself in one process; under torchrun, a DDP wrapper around it.

    On GPUs batch norm is made synchronous (statistics over the whole global batch, as in one
    process); torch's SyncBatchNorm does not run on the CPU, where each rank normalises its slice.
    """
    if world.size == 1:
        return model
    if device.type == "cuda":
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        return nn.parallel.DistributedDataParallel(model, device_ids=[device])
    return nn.parallel.DistributedDataParallel(model)


def _json_settings(settings: dict) -> dict:
    """The optimizer's settings that JSON can hold (numbers, booleans, strings, tuples of numbers)."""
    plain = (bool, int, float, str, type(None))
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()
            if isinstance(v, plain) or (isinstance(v, tuple) and all(isinstance(i, plain) for i in v))}


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer,
                    record: dict) -> Path:
    """Save the weights, the optimizer state and the run record (for the model's name, image size,
    classes and normalisation) to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "record": record}, path)
    return path


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu") -> tuple[nn.Module, dict]:
    """Rebuild a reference model (``linear`` or ``small_cnn``) saved by :func:`save_checkpoint`.

    Returns (model in eval mode on ``device``, its run record).
    """
    saved = torch.load(path, map_location=device, weights_only=True)
    record = saved["record"]
    data = record["data"]
    model = build_model(record["model"], data["image_size"], len(data["class_names"]))
    model.load_state_dict(saved["model"])
    return model.to(device).eval(), record
