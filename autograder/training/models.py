"""The two reference models: the lecture's one-FC-layer softmax classifier and a small CNN.

Both take a batch of normalised images x (N, 3, S, S) float and return logits y (N, C) float; the
softmax lives in the loss (``torch.nn.functional.cross_entropy``), as in the book.
"""
from __future__ import annotations

import torch
from torch import nn

MODEL_NAMES = ("linear", "small_cnn")


class LinearClassifier(nn.Module):
    """The lecture's softmax classifier: y = W x + b on the flattened image.

    x (N, 3, S, S) float -> y (N, C) float; W (C, 3 S S), b (C,).
    """

    def __init__(self, image_size: int, num_classes: int):
        super().__init__()
        self.fc = nn.Linear(3 * image_size * image_size, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """3x3 convolution, batch norm, ReLU, 2x2 max pooling: (N, in, H, W) -> (N, out, H/2, W/2)."""
    return nn.Sequential(
        # No conv bias: the batch norm's shift right after it would cancel it.
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class SmallCNN(nn.Module):
    """Four conv blocks (32, 64, 128, 256 channels), global average pooling, one linear layer.

    x (N, 3, S, S) float -> y (N, C) float, for any S divisible by 16 (32, 64, 128). About 0.39 M
    parameters with the default widths: small enough to train on a CPU at 32 px, big enough to beat
    the linear classifier clearly. Average pooling makes the parameter count independent of S.
    """

    def __init__(self, num_classes: int, widths: tuple[int, ...] = (32, 64, 128, 256)):
        super().__init__()
        channels = (3, *widths)
        self.features = nn.Sequential(*(conv_block(c_in, c_out)
                                        for c_in, c_out in zip(channels, channels[1:])))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.features(x)).flatten(1))


def build_model(name: str, image_size: int, num_classes: int, seed: int = 0) -> nn.Module:
    """A freshly initialised reference model, ``"linear"`` or ``"small_cnn"``.

    The initial weights depend only on ``seed`` (torch's global random state is left untouched), so
    two runs, two processes or a student's run and the reference start from the same weights.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if name == "linear":
            return LinearClassifier(image_size, num_classes)
        if name == "small_cnn":
            return SmallCNN(num_classes)
    raise ValueError(f"unknown model {name!r}; expected one of {MODEL_NAMES}")


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
