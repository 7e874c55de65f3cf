"""PyTorch references for the image-classification chapter: images as vectors, the scores of one FC
layer, parameter counts, and top-k accuracy.

All take numpy arrays and return numpy float64 arrays or Python numbers, so they can be compared with
students' numpy code. Symbols follow the book: images (N, H, V, K) uint8 (height H, width V, K = 3
channels), inputs x (N, D) with D = H*V*K, weights W (C, D), bias b (C,), scores (N, C), labels (N,) ints.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from autograder.torch_helpers import float64_tensor, labels_tensor


def flatten_images(images: np.ndarray) -> np.ndarray:
    """(N, H, V, 3) uint8 -> (N, H*V*3) float64 in [0, 1].

    Each row is ``torch``'s ``images.reshape(N, -1)`` of one image (row-major: the pixel in row h and
    column v, channel k, lands at column (h * V + v) * 3 + k), divided by 255 so that 0 maps to 0.0 and
    255 to 1.0.
    """
    pixels = torch.from_numpy(np.ascontiguousarray(images))
    return (pixels.reshape(pixels.shape[0], -1).to(torch.float64) / 255).numpy()


def linear_scores(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Scores of one fully-connected layer: x (N, D), W (C, D), b (C,) -> x W^T + b, (N, C) float64."""
    return F.linear(float64_tensor(x), float64_tensor(W), float64_tensor(b)).numpy()


def _parameter_count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def fc_parameter_count(height: int, width: int, channels: int, num_classes: int, bias: bool = True) -> int:
    """Weights (and biases) of ``torch.nn.Linear(height * width * channels, num_classes)``.

    Built on the ``meta`` device, which allocates nothing: the ImageNet-sized layer would need 602 MB.
    """
    layer = torch.nn.Linear(height * width * channels, num_classes, bias=bias, device="meta")
    return _parameter_count(layer)


def conv_parameter_count(in_channels: int, out_channels: int, kernel_size: int, bias: bool = True) -> int:
    """Weights (and biases) of ``torch.nn.Conv2d(in_channels, out_channels, kernel_size)``: the same
    for any image size, because each filter is shared across all positions."""
    layer = torch.nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias, device="meta")
    return _parameter_count(layer)


def top_k_accuracy(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Fraction of rows of scores (N, C) whose label (N,) is among the k highest, by ``torch.topk``.

    Which of several tied scores ``torch.topk`` returns is not specified: use this only on scores
    without ties at the k-th place (see :func:`top_k_accuracy_with_ties`).
    """
    top = torch.topk(float64_tensor(scores), k, dim=1).indices
    return (top == labels_tensor(labels)[:, None]).any(dim=1).to(torch.float64).mean().item()


def top_k_accuracy_with_ties(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Top-k accuracy under the course's rule for ties: a row counts only when its label is among the
    k highest however ties are broken, i.e. when at most k classes (the label included) score at least
    as much as the label. Equal to :func:`top_k_accuracy` when there are no ties."""
    scores = float64_tensor(scores)
    true_scores = scores.gather(1, labels_tensor(labels)[:, None])
    at_least_as_high = (scores >= true_scores).sum(dim=1)
    return (at_least_as_high <= k).to(torch.float64).mean().item()
