"""The training data held on the device as uint8, and batches cut, augmented and normalised there.

A prepared subset is small (ten classes at 64 px: about 150 MiB of uint8), so it lives on the
device for the whole run: no per-sample ``DataLoader``, no decoding, no host-to-device copy per batch.
Each batch is gathered by index, randomly cropped (with zero padding) and flipped in one indexing
operation, then converted to float and normalised, all on the device.

Memory layout: the subset arrives as (N, S, S, 3) uint8 (height, width, channel). Viewed as
(N, 3, S, S) that is already PyTorch's ``channels_last`` format, which convolutions on CPU and GPU run
fastest in, so no copy is ever made to change it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

AUGMENTATIONS = ("crop", "resized-crop")
RESIZED_CROP_SCALE = (0.35, 1.0)  # fraction of the image's area a resized crop keeps
RESIZED_CROP_RATIO = (3 / 4, 4 / 3)


@dataclass(frozen=True)
class DeviceImages:
    """A labelled image set on one device.

    images: (N, 3, S, S) uint8, channels-last; labels: (N,) int64; both on the same device.
    """
    images: torch.Tensor
    labels: torch.Tensor

    @classmethod
    def from_arrays(cls, images: np.ndarray, labels: np.ndarray,
                    device: torch.device | str = "cpu") -> DeviceImages:
        """images (N, S, S, 3) uint8 RGB, labels (N,) ints -> a ``DeviceImages`` on ``device``."""
        images = np.asarray(images)
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] != 3:
            raise ValueError(f"expected images of shape (N, S, S, 3) and dtype uint8, "
                             f"got shape {images.shape} and dtype {images.dtype}")
        if len(labels) != len(images):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        nhwc = torch.from_numpy(np.ascontiguousarray(images)).to(device)
        return cls(images=nhwc.permute(0, 3, 1, 2),
                   labels=torch.as_tensor(np.asarray(labels), dtype=torch.int64).to(device))

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def image_size(self) -> int:
        return self.images.shape[-1]


def channel_stats(images: torch.Tensor, chunk: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation of uint8 images (N, 3, S, S), on the 0..255 scale.

    Returns two float32 tensors of shape (3,) on the images' device. Sums are accumulated in
    float64 chunk by chunk: converting the whole set to float at once would need 4x its memory.
    """
    total = torch.zeros(3, dtype=torch.float64, device=images.device)
    squares = torch.zeros(3, dtype=torch.float64, device=images.device)
    for part in images.split(chunk):
        part = part.to(torch.float64)
        total += part.sum(dim=(0, 2, 3))
        squares += (part * part).sum(dim=(0, 2, 3))
    count = images.shape[0] * images.shape[2] * images.shape[3]
    mean = total / count
    std = (squares / count - mean * mean).clamp_min(1e-12).sqrt()
    return mean.float(), std.float()


def draw_augmentation(batch_size: int, pad: int, generator: torch.Generator,
                      device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Random crop offsets (batch_size, 2) int64 in [0, 2 pad] (row, column) and flips (batch_size,) bool."""
    offsets = torch.randint(0, 2 * pad + 1, (batch_size, 2), generator=generator, device=device)
    flips = torch.rand(batch_size, generator=generator, device=device) < 0.5
    return offsets, flips


def crop_and_flip(images: torch.Tensor, offsets: torch.Tensor, flips: torch.Tensor,
                  pad: int) -> torch.Tensor:
    """Random crop with zero padding and horizontal flip of a batch, in one gather.

    images (B, 3, S, S) uint8 channels-last; offsets (B, 2) int64 in [0, 2 pad]: where the S x S
    window starts in the image padded by ``pad`` pixels on each side; flips (B,) bool. Returns
    (B, 3, S, S) uint8 channels-last: image i cropped at offsets[i], mirrored left-right if flips[i].
    """
    size = images.shape[-1]
    padded = torch.nn.functional.pad(images.permute(0, 2, 3, 1), (0, 0, pad, pad, pad, pad))
    steps = torch.arange(size, device=images.device)
    rows = offsets[:, 0, None] + steps                                        # (B, S)
    cols = offsets[:, 1, None] + torch.where(flips[:, None], size - 1 - steps, steps)  # (B, S)
    batch = torch.arange(len(images), device=images.device)[:, None, None]
    return padded[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)  # (B, S, S, 3) -> NCHW view


def draw_resized_crops(batch_size: int, generator: torch.Generator, device: torch.device,
                       scale: tuple[float, float] = RESIZED_CROP_SCALE,
                       ratio: tuple[float, float] = RESIZED_CROP_RATIO) -> torch.Tensor:
    """Random crop windows as affine maps (batch_size, 2, 3) float32 for ``F.affine_grid``.

    Each window covers a fraction of the image's area drawn uniformly from ``scale``, with an
    aspect ratio (width / height) drawn log-uniformly from ``ratio``, sides at most the image's,
    at a uniformly random position inside the image. Coordinates are torch's: the image spans
    [-1, 1] on both axes, so window i maps output pixels to [cx - w, cx + w] x [cy - h, cy + h].
    """
    area = torch.empty(batch_size, device=device).uniform_(*scale, generator=generator)
    log_ratio = torch.empty(batch_size, device=device).uniform_(*np.log(ratio), generator=generator)
    half_width = (area * log_ratio.exp()).sqrt().clamp(max=1)
    half_height = (area / log_ratio.exp()).sqrt().clamp(max=1)
    centre = (torch.rand(batch_size, 2, generator=generator, device=device) * 2 - 1) \
        * (1 - torch.stack([half_width, half_height], dim=1))
    theta = torch.zeros(batch_size, 2, 3, device=device)
    theta[:, 0, 0], theta[:, 1, 1] = half_width, half_height
    theta[:, :, 2] = centre
    return theta


def resized_crop_and_flip(x: torch.Tensor, theta: torch.Tensor, flips: torch.Tensor) -> torch.Tensor:
    """Cut the window ``theta`` (B, 2, 3) out of each image of x (B, 3, S, S) float, resize it to
    S x S (bilinear) and mirror it where flips (B,) is True. Returns (B, 3, S, S), x's dtype."""
    theta = theta.clone()
    theta[:, 0, 0] = torch.where(flips, -theta[:, 0, 0], theta[:, 0, 0])  # mirror: read the row backwards
    grid = torch.nn.functional.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="reflection",
                                           align_corners=False)


def normalize(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
              dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 images (B, 3, S, S) -> (images - mean) / std as ``dtype``, memory format kept.

    mean, std: (3,) per-channel statistics on the 0..255 scale (see :func:`channel_stats`).
    """
    mean = mean.to(dtype).view(1, 3, 1, 1)
    std = std.to(dtype).view(1, 3, 1, 1)
    return (images.to(dtype) - mean) / std


def epoch_batches(data: DeviceImages, batch_size: int, generator: torch.Generator, pad: int, flip: bool,
                  mean: torch.Tensor, std: torch.Tensor, dtype: torch.dtype = torch.float32,
                  rank: int = 0, world_size: int = 1,
                  augment: str = "crop") -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch of shuffled, augmented, normalised training batches, cut on the device.

    Yields len(data) // batch_size pairs (x (b, 3, S, S) ``dtype`` channels-last, t (b,) int64),
    b = batch_size / world_size: this rank's slice of each global batch (the last incomplete batch
    is dropped). Every rank draws the same order and augmentation of the whole global batch from
    ``generator`` (seeded alike on all ranks) and keeps its slice, so that the ranks together see
    exactly what one process would. ``augment``: "crop" cuts random S x S crops of the image padded
    by ``pad`` pixels; "resized-crop" cuts windows of random size and shape and resizes them to
    S x S (:func:`draw_resized_crops`, stronger: for deeper networks). ``flip`` mirrors half the
    images; mean, std: see :func:`normalize`.
    """
    if augment not in AUGMENTATIONS:
        raise ValueError(f"unknown augmentation {augment!r}; expected one of {AUGMENTATIONS}")
    share = batch_size // world_size
    mine = slice(rank * share, (rank + 1) * share)
    order = torch.randperm(len(data), generator=generator, device=data.images.device)
    for start in range(0, len(data) - batch_size + 1, batch_size):
        index = order[start:start + batch_size][mine]
        offsets, flips = draw_augmentation(batch_size, pad, generator, data.images.device)
        flips = flips[mine] if flip else torch.zeros_like(flips[mine])
        if augment == "crop":
            images = crop_and_flip(data.images[index], offsets[mine], flips, pad)
            yield normalize(images, mean, std, dtype), data.labels[index]
        else:
            windows = draw_resized_crops(batch_size, generator, data.images.device)[mine]
            x = normalize(data.images[index], mean, std, dtype)
            yield resized_crop_and_flip(x, windows, flips), data.labels[index]
