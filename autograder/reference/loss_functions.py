"""PyTorch references for the loss functions of chapter 04: hinge losses and regression losses.

All take numpy arrays, compute in float64 with torch (gradients by autograd, never by the formulas the
students derive) and return numpy float64 arrays or Python floats. Symbols follow the book: scores
``scores`` (N,) for a binary classifier or (N, C) for C classes, targets ``targets`` in {-1, +1},
integer ``labels`` (N,), regression predictions ``pred`` and targets ``target`` of the same shape.

``reduction`` is torch's: "mean" (the default: the exercise's contract), "sum" (whose gradient is the
derivative of each sample's loss, used for plots) or "none" (one loss per sample or entry).

Subgradients at kinks are those of torch's autograd, which the book states and the checks test:
max(0, z) has derivative 0 at z = 0 (``torch.relu``; note that ``torch.clamp(z, min=0)`` would give 1),
|r| has derivative 0 at r = 0, and ``multi_margin_loss`` counts a class only when its margin term is
strictly positive.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from autograder.torch_helpers import float64_tensor, labels_tensor


def _reduce(per_sample: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


def _value(loss: torch.Tensor) -> float | np.ndarray:
    return loss.item() if loss.dim() == 0 else loss.detach().numpy()


def _grad(loss_of: Callable[[torch.Tensor], torch.Tensor], first: np.ndarray) -> np.ndarray:
    """Gradient of the scalar ``loss_of(tensor)`` with respect to ``first``, by autograd; shaped like it."""
    x = float64_tensor(first, requires_grad=True)
    loss_of(x).backward()
    return x.grad.numpy()


# --- binary hinge -----------------------------------------------------------------------------------

def _binary_hinge(scores: torch.Tensor, targets: np.ndarray, reduction: str) -> torch.Tensor:
    # relu, not clamp: its derivative at a sample exactly on the margin (t y = 1) is 0.
    return _reduce(torch.relu(1 - float64_tensor(targets) * scores), reduction)


def binary_hinge_loss(scores: np.ndarray, targets: np.ndarray, reduction: str = "mean"):
    """max(0, 1 - t y) of scores y (N,) and targets t (N,) in {-1, +1}; mean over the batch -> float."""
    return _value(_binary_hinge(float64_tensor(scores), targets, reduction))


def binary_hinge_grad(scores: np.ndarray, targets: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """dL/dscores of the binary hinge loss, by autograd: (N,) -> (N,) float64; 0 on the margin."""
    return _grad(lambda y: _binary_hinge(y, targets, reduction), scores)


def logistic_loss(scores: np.ndarray, targets: np.ndarray, reduction: str = "mean"):
    """log(1 + exp(-t y)) of scores (N,) and targets in {-1, +1}: ``F.soft_margin_loss``, which is binary
    cross-entropy on sigmoid(y) written for -1/+1 targets."""
    return _value(F.soft_margin_loss(float64_tensor(scores), float64_tensor(targets), reduction=reduction))


def hinge_embedding_loss(scores: np.ndarray, targets: np.ndarray, margin: float = 1.0,
                         reduction: str = "mean"):
    """torch's ``HingeEmbeddingLoss``, which is NOT the SVM hinge: y for t = +1, max(0, margin - y) for
    t = -1, meant for distances y >= 0 between pairs. Scores (N,), targets in {-1, +1}."""
    return _value(F.hinge_embedding_loss(float64_tensor(scores), float64_tensor(targets), margin=margin,
                                         reduction=reduction))


# --- multi-class hinge: Weston-Watkins (torch's multi_margin_loss) and Crammer-Singer ----------------

def _multi_margin(scores: torch.Tensor, labels: np.ndarray, margin: float, reduction: str) -> torch.Tensor:
    return F.multi_margin_loss(scores, labels_tensor(labels), margin=margin, reduction=reduction)


def multiclass_hinge_loss(scores: np.ndarray, labels: np.ndarray, margin: float = 1.0,
                          reduction: str = "mean"):
    """Weston-Watkins hinge as ``F.multi_margin_loss``: per sample, with c its true class and y its scores,
    the sum over j != c of max(0, margin - y_c + y_j), divided by the number of classes C.
    scores (N, C), labels (N,) int."""
    return _value(_multi_margin(float64_tensor(scores), labels, margin, reduction))


def multiclass_hinge_grad(scores: np.ndarray, labels: np.ndarray, margin: float = 1.0,
                          reduction: str = "mean") -> np.ndarray:
    """dL/dscores of ``multiclass_hinge_loss`` by autograd: (N, C) -> (N, C) float64. A class counts
    only when its term margin - y_c + y_j is strictly positive."""
    return _grad(lambda s: _multi_margin(s, labels, margin, reduction), scores)


def _crammer_singer(scores: torch.Tensor, labels: np.ndarray, reduction: str) -> torch.Tensor:
    labels = labels_tensor(labels)
    true_score = scores.gather(1, labels[:, None])[:, 0]
    is_true_class = F.one_hot(labels, scores.shape[1]).bool()
    # amax, not max: on a tie between wrong classes it splits the gradient equally among them.
    best_other = scores.masked_fill(is_true_class, -torch.inf).amax(dim=1)
    return _reduce(torch.relu(1 - true_score + best_other), reduction)


def crammer_singer_hinge_loss(scores: np.ndarray, labels: np.ndarray, reduction: str = "mean"):
    """Crammer-Singer hinge: per sample max(0, 1 - y_c + max over j != c of y_j), no 1/C.
    scores (N, C) with C >= 2, labels (N,) int; mean over the batch -> float."""
    return _value(_crammer_singer(float64_tensor(scores), labels, reduction))


def crammer_singer_hinge_grad(scores: np.ndarray, labels: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """dL/dscores of ``crammer_singer_hinge_loss`` by autograd: (N, C) -> (N, C) float64. Zero for a
    sample exactly on the margin; a tie for the best wrong class shares its +1 equally."""
    return _grad(lambda s: _crammer_singer(s, labels, reduction), scores)


# --- regression losses ------------------------------------------------------------------------------

def l1_loss(pred: np.ndarray, target: np.ndarray, reduction: str = "mean"):
    """mean |pred - target| over all entries (``F.l1_loss``); pred and target of the same shape."""
    return _value(F.l1_loss(float64_tensor(pred), float64_tensor(target), reduction=reduction))


def l1_grad(pred: np.ndarray, target: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """dL/dpred of ``l1_loss`` by autograd, shaped like pred: sign(pred - target) / pred.size (0 where equal)."""
    return _grad(lambda p: F.l1_loss(p, float64_tensor(target), reduction=reduction), pred)


def l2_loss(pred: np.ndarray, target: np.ndarray, reduction: str = "mean"):
    """mean (pred - target)^2 over all entries (``F.mse_loss``); pred and target of the same shape."""
    return _value(F.mse_loss(float64_tensor(pred), float64_tensor(target), reduction=reduction))


def l2_grad(pred: np.ndarray, target: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """dL/dpred of ``l2_loss`` by autograd, shaped like pred."""
    return _grad(lambda p: F.mse_loss(p, float64_tensor(target), reduction=reduction), pred)


def smooth_l1_loss(pred: np.ndarray, target: np.ndarray, beta: float = 1.0, reduction: str = "mean"):
    """``F.smooth_l1_loss``: per entry 0.5 r^2 / beta if |r| < beta else |r| - 0.5 beta, r = pred - target;
    beta = 0 gives the L1 loss. Mean over all entries."""
    return _value(F.smooth_l1_loss(float64_tensor(pred), float64_tensor(target), beta=beta, reduction=reduction))


def smooth_l1_grad(pred: np.ndarray, target: np.ndarray, beta: float = 1.0,
                   reduction: str = "mean") -> np.ndarray:
    """dL/dpred of ``smooth_l1_loss`` by autograd, shaped like pred."""
    return _grad(lambda p: F.smooth_l1_loss(p, float64_tensor(target), beta=beta, reduction=reduction), pred)


def huber_loss(pred: np.ndarray, target: np.ndarray, delta: float = 1.0, reduction: str = "mean"):
    """``F.huber_loss``: per entry 0.5 r^2 if |r| < delta else delta (|r| - 0.5 delta); equals
    delta * smooth_l1_loss(pred, target, beta=delta)."""
    return _value(F.huber_loss(float64_tensor(pred), float64_tensor(target), delta=delta, reduction=reduction))


def huber_grad(pred: np.ndarray, target: np.ndarray, delta: float = 1.0, reduction: str = "mean") -> np.ndarray:
    """dL/dpred of ``huber_loss`` by autograd, shaped like pred."""
    return _grad(lambda p: F.huber_loss(p, float64_tensor(target), delta=delta, reduction=reduction), pred)
