"""The reference models: the lecture's one-FC-layer softmax classifier, a small CNN, and a ResNet.

The linear classifier and the small CNN are the reference runs' (CPU-sized); the ResNet is the
stronger network of the GPU run (``python -m autograder.training.gpu_check``).

Both take a batch of normalised images x (N, 3, S, S) float and return logits y (N, C) float; the
softmax lives in the loss (``torch.nn.functional.cross_entropy``), as in the book.
"""
from __future__ import annotations

import torch
from torch import nn

MODEL_NAMES = ("linear", "small_cnn")  # the reference runs' models
ALL_MODEL_NAMES = (*MODEL_NAMES, "resnet")


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


class ResidualBlock(nn.Module):
    """relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)), with 3x3 convolutions.

    x (N, in, S, S) -> (N, out, S / stride, S / stride). The shortcut is the identity, or a strided
    1x1 convolution with batch norm where the shape changes. The second batch norm starts with a
    zero scale, so that every block starts as (nearly) its shortcut: a deep network starts shallow.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels))
        nn.init.zeros_(self.body[-1].weight)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet(nn.Module):
    """A ResNet-18-style network: a stem of three 3x3 convolutions (the first with stride 2) and
    max pooling, four stages of two residual blocks (64, 128, 256, 512 channels; each stage after
    the first halves the resolution), global average pooling, one linear layer.

    x (N, 3, S, S) float -> y (N, C) float, for S of 32 or more (made for 128). About 11 M
    parameters: the size of network the published Imagenette results use, for the GPU run.
    """

    def __init__(self, num_classes: int, widths: tuple[int, ...] = (64, 128, 256, 512)):
        super().__init__()
        stem = widths[0]

        def conv_bn_relu(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                    nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]

        layers = [*conv_bn_relu(3, stem // 2, 2), *conv_bn_relu(stem // 2, stem // 2),
                  *conv_bn_relu(stem // 2, stem), nn.MaxPool2d(3, stride=2, padding=1)]
        channels = stem
        for stage, width in enumerate(widths):
            layers += [ResidualBlock(channels, width, 1 if stage == 0 else 2), ResidualBlock(width, width)]
            channels = width
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.features(x)).flatten(1))


def build_model(name: str, image_size: int, num_classes: int, seed: int = 0) -> nn.Module:
    """A freshly initialised model: ``"linear"``, ``"small_cnn"`` or ``"resnet"``.

    The initial weights depend only on ``seed`` (torch's global random state is left untouched), so
    two runs, two processes or a student's run and the reference start from the same weights.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if name == "linear":
            return LinearClassifier(image_size, num_classes)
        if name == "small_cnn":
            return SmallCNN(num_classes)
        if name == "resnet":
            return ResNet(num_classes)
    raise ValueError(f"unknown model {name!r}; expected one of {ALL_MODEL_NAMES}")


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
