"""PyTorch references for softmax, cross-entropy and the one-FC-layer softmax classifier.

All take numpy arrays, compute in float64 with torch (gradients by autograd, never by the formulas the
students derive) and return numpy float64 arrays, so they can be compared with students' numpy code.
Symbols follow the book: logits y (N, C), labels (N,) ints, one-hot targets t, inputs x (N, D),
weights W (C, D), bias b (C,). Torch runs on one thread here (see :func:`autograder.torch_helpers.one_thread`).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from autograder.torch_helpers import float64_tensor, labels_tensor, one_thread


def softmax(y: np.ndarray) -> np.ndarray:
    """Row-wise softmax: y (N, C) float -> (N, C) float64, rows sum to 1 (``torch.softmax``)."""
    with one_thread():
        return torch.softmax(float64_tensor(y), dim=1).numpy()


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """labels (N,) int -> (N, num_classes) float64 one-hot rows (``torch.nn.functional.one_hot``)."""
    with one_thread():
        return F.one_hot(labels_tensor(labels), num_classes).to(torch.float64).numpy()


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of softmax(logits (N, C)) against labels (N,) (``F.cross_entropy``)."""
    with one_thread():
        return F.cross_entropy(float64_tensor(logits), labels_tensor(labels)).item()


def cross_entropy_per_sample(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cross-entropy of each sample: logits (N, C), labels (N,) -> (N,) float64."""
    with one_thread():
        return F.cross_entropy(float64_tensor(logits), labels_tensor(labels), reduction="none").numpy()


def cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """dL/dlogits of the mean cross-entropy, by autograd: (N, C) -> (N, C) float64."""
    y = float64_tensor(logits, requires_grad=True)
    with one_thread():
        F.cross_entropy(y, labels_tensor(labels)).backward()
    return y.grad.numpy()


def softmax_jacobian(y: np.ndarray) -> np.ndarray:
    """J[i, j] = dsigma_i / dy_j of the softmax of one logit vector, by autograd: (C,) -> (C, C) float64."""
    with one_thread():
        jacobian = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), float64_tensor(y))
    return jacobian.numpy()


def linear_softmax_loss_and_grads(x: np.ndarray, W: np.ndarray, b: np.ndarray,
                                  labels: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss and gradients of a linear softmax classifier, by autograd.

    x (N, D), W (C, D), b (C,), labels (N,) int. Scores are x @ W.T + b (``torch.nn.functional.linear``).
    Returns (loss, dW (C, D), db (C,)), loss being the mean cross-entropy.
    """
    Wt, bt = float64_tensor(W, requires_grad=True), float64_tensor(b, requires_grad=True)
    with one_thread():
        loss = F.cross_entropy(F.linear(float64_tensor(x), Wt, bt), labels_tensor(labels))
        loss.backward()
    return loss.item(), Wt.grad.numpy(), bt.grad.numpy()
