"""The checks of the binary hinge loss of ``04-loss-functions``: ``binary_hinge_loss(scores, targets)``,
the mean of max(0, 1 - t y) for targets t in {-1, +1}, and ``binary_hinge_grad(scores, targets)``,
its gradient (N,) -> (N,) (subgradient 0 on the margin, as torch's autograd)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.reference import loss_functions as ref

from .value_check import FLOAT32, assert_value, gradient_mistakes


def _binary_problem(rng: np.random.Generator, n: int):
    """Scores (n,) float64 away from the margin (|1 - t y| > 0.05) and targets (n,) int64 in {-1, +1}."""
    targets = rng.choice(np.array([-1, 1]), size=n)
    scores = rng.normal(scale=1.5, size=n)
    near_margin = np.abs(1 - targets * scores) < 0.05
    scores[near_margin] += 0.2 * targets[near_margin]
    return scores, targets


def _on_margin_binary(which: str = HIDDEN):
    """Samples exactly on the margin (t y = 1, two of them), inside it and beyond it: (6,) and (6,).
    The VISIBLE variant: the samples reversed, scores and targets negated (t y unchanged)."""
    scores, targets = np.array([1.0, -1.0, 0.25, 3.0, -2.0, 1.0]), np.array([1, -1, 1, 1, 1, -1])
    return (-scores[::-1], -targets[::-1]) if which == VISIBLE else (scores, targets)


def _hinge_terms(scores, targets):
    return 1 - np.asarray(targets, dtype=np.float64) * np.asarray(scores, dtype=np.float64)


def _binary_loss_mistakes(scores, targets) -> dict:
    per_sample = ref.binary_hinge_loss(scores, targets, reduction="none")
    zero_one = 2 * np.asarray(targets) - 1
    return {"per-sample-loss": per_sample, "sum-instead-of-mean": per_sample.sum(),
            "hinge-no-clamp": _hinge_terms(scores, targets).mean(),
            "hinge-targets-01": ref.binary_hinge_loss(scores, zero_one),
            "hinge-embedding-loss": ref.hinge_embedding_loss(scores, targets)}


def _check_binary_loss_on(loss: Callable, scores, targets, what, **tolerance):
    assert_value(loss, (scores, targets), {}, ref.binary_hinge_loss(scores, targets), what,
                 _binary_loss_mistakes(scores, targets), **tolerance)


def check_binary_hinge_loss(binary_hinge_loss: Callable) -> None:
    """Visible check of ``binary_hinge_loss(scores, targets)``: mean of max(0, 1 - t y), a number."""
    scores, targets = _binary_problem(np.random.default_rng(VISIBLE_SEED), 8)
    _check_binary_loss_on(binary_hinge_loss, scores, targets,
                          "binary_hinge_loss on random scores (8,) and targets in {-1, +1}")
    _binary_hinge_loss_requirements(binary_hinge_loss, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _binary_hinge_loss_requirements(binary_hinge_loss: Callable, rng: np.random.Generator,
                                    which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    samples on the margin, every sample beyond it, a batch of one, float targets, float32."""
    scores, targets = _on_margin_binary(which)
    _check_binary_loss_on(binary_hinge_loss, scores, targets, "binary_hinge_loss with samples exactly on the margin")
    scores, targets = _binary_problem(rng, 6)
    _check_binary_loss_on(binary_hinge_loss, targets * (1.5 + np.abs(scores)), targets,
                          "binary_hinge_loss when every sample is beyond the margin (the loss is 0)")
    scores, targets = _binary_problem(rng, 1)
    _check_binary_loss_on(binary_hinge_loss, scores, targets, "binary_hinge_loss on a batch of one")
    scores, targets = _binary_problem(rng, 9)
    _check_binary_loss_on(binary_hinge_loss, scores, targets.astype(np.float64),
                          "binary_hinge_loss with float targets -1.0 / +1.0")
    _check_binary_loss_on(binary_hinge_loss, scores.astype(np.float32), targets,
                          "binary_hinge_loss on float32 scores", **FLOAT32)


def check_binary_hinge_loss_edge_cases(binary_hinge_loss: Callable, seed: int) -> None:
    """Hidden check: samples on the margin, every sample beyond it, a batch of one, float targets, float32."""
    _binary_hinge_loss_requirements(binary_hinge_loss, np.random.default_rng(seed), HIDDEN)


def _binary_grad_mistakes(scores, targets, expected) -> dict:
    n = len(targets)
    t = np.asarray(targets, dtype=np.float64)
    zero_one = 2 * t - 1
    s = np.asarray(scores, dtype=np.float64)
    return {**gradient_mistakes(expected, n),
            "hinge-no-clamp": -t / n,
            "hinge-subgradient-at-kink": -t * (_hinge_terms(scores, targets) >= 0) / n,
            "hinge-targets-01": -zero_one * (1 - zero_one * s > 0) / n,
            "hinge-embedding-loss": np.where(t > 0, 1.0, -1.0 * (1 - s > 0)) / n}


def _check_binary_grad_on(grad: Callable, scores, targets, what, **tolerance):
    expected = ref.binary_hinge_grad(scores, targets)
    assert_value(grad, (scores, targets), {}, expected, what,
                 _binary_grad_mistakes(scores, targets, expected), **tolerance)


def check_binary_hinge_grad(binary_hinge_grad: Callable) -> None:
    """Visible check of ``binary_hinge_grad(scores, targets)`` against autograd: (N,) -> (N,)."""
    scores, targets = _binary_problem(np.random.default_rng(VISIBLE_SEED), 8)
    _check_binary_grad_on(binary_hinge_grad, scores, targets,
                          "binary_hinge_grad on random scores (8,) and targets in {-1, +1}")
    _binary_hinge_grad_requirements(binary_hinge_grad, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _binary_hinge_grad_requirements(binary_hinge_grad: Callable, rng: np.random.Generator,
                                    which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    subgradient 0 on the margin, all beyond it, a batch of one, float targets, float32."""
    scores, targets = _on_margin_binary(which)
    _check_binary_grad_on(binary_hinge_grad, scores, targets,
                          "binary_hinge_grad with samples exactly on the margin (t y = 1: subgradient 0)")
    scores, targets = _binary_problem(rng, 6)
    _check_binary_grad_on(binary_hinge_grad, targets * (1.5 + np.abs(scores)), targets,
                          "binary_hinge_grad when every sample is beyond the margin (the gradient is 0)")
    scores, targets = _binary_problem(rng, 1)
    _check_binary_grad_on(binary_hinge_grad, scores, targets, "binary_hinge_grad on a batch of one")
    scores, targets = _binary_problem(rng, 9)
    _check_binary_grad_on(binary_hinge_grad, scores, targets.astype(np.float64),
                          "binary_hinge_grad with float targets -1.0 / +1.0")
    _check_binary_grad_on(binary_hinge_grad, scores.astype(np.float32), targets,
                          "binary_hinge_grad on float32 scores", **FLOAT32)


def check_binary_hinge_grad_edge_cases(binary_hinge_grad: Callable, seed: int) -> None:
    """Hidden check: subgradient 0 on the margin, all beyond it, a batch of one, float targets, float32."""
    _binary_hinge_grad_requirements(binary_hinge_grad, np.random.default_rng(seed), HIDDEN)
