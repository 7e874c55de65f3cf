"""PyTorch references for the capstone exercise: one epoch of the textbook training loop, and accuracy.

The loop is written with ``torch.utils.data.DataLoader`` (in order, no shuffling, the last smaller
batch kept), the way PyTorch's tutorials write it; the grader runs it with ``torch.optim``'s own
optimizers to get what a student's ``train_one_epoch`` and optimizers must reproduce.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train_one_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, images: torch.Tensor,
                    labels: torch.Tensor, batch_size: int) -> float:
    """One pass over the data in order, in batches of ``batch_size`` (the last one smaller when
    batch_size does not divide N), with the mean cross-entropy loss of each batch.

    images: (N, C, H, W) float, already normalised; labels: (N,) int64. Puts ``model`` in training
    mode and updates it in place. Returns the mean loss per image over the epoch, a float: each
    batch's mean loss weighted by its size.
    """
    model.train()
    total = 0.0
    for x, t in DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=False):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(t)
    return total / len(labels)


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy of ``model`` in evaluation mode: images (N, C, H, W) float, labels (N,) int64."""
    model.eval()
    return (model(images).argmax(dim=1) == labels).double().mean().item()
