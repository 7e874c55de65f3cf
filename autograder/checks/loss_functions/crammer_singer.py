"""The checks of the Crammer-Singer multi-class hinge loss of ``04-loss-functions``:
``crammer_singer_hinge_loss(scores, labels)``, the mean of max(0, 1 - y_c + max_{j != c} y_j), c the
true class, and ``crammer_singer_hinge_grad``, its gradient (N, C)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.reference import loss_functions as ref

from .multiclass_inputs import close_call_multiclass, multiclass_problem, on_margin_multiclass
from .value_check import FLOAT32, assert_value, gradient_mistakes


def _cs_margins(scores, labels, include_true_class: bool = False):
    """1 - y_c + max_j y_j per sample (N,), the max over j != c (or over every j), and its argmax."""
    s = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(labels))
    others = s.copy()
    if not include_true_class:
        others[rows, labels] = -np.inf
    best = others.argmax(axis=1)
    return 1 - s[rows, labels] + others[rows, best], best


def _cs_loss_mistakes(scores, labels) -> dict:
    per_sample = ref.crammer_singer_hinge_loss(scores, labels, reduction="none")
    expected = per_sample.mean()
    margins, _ = _cs_margins(scores, labels)
    with_true, _ = _cs_margins(scores, labels, include_true_class=True)
    return {"per-sample-loss": per_sample, "sum-instead-of-mean": per_sample.sum(),
            "cs-max-includes-true-class": np.maximum(with_true, 0).mean(),
            "cs-divided-by-C": expected / scores.shape[1], "hinge-no-clamp": margins.mean(),
            "cs-sums-every-wrong-class": ref.multiclass_hinge_loss(scores, labels) * scores.shape[1]}


def _check_cs_loss_on(loss: Callable, scores, labels, what, **tolerance):
    assert_value(loss, (scores, labels), {}, ref.crammer_singer_hinge_loss(scores, labels), what,
                 _cs_loss_mistakes(scores, labels), **tolerance)


def check_crammer_singer_hinge_loss(crammer_singer_hinge_loss: Callable) -> None:
    """Visible check of ``crammer_singer_hinge_loss(scores, labels)``: mean of
    max(0, 1 - y_c + max_{j != c} y_j), c the true class."""
    scores, labels = multiclass_problem(np.random.default_rng(VISIBLE_SEED), 6, 4)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels,
                      "crammer_singer_hinge_loss on random scores (6, 4)")
    _crammer_singer_hinge_loss_requirements(crammer_singer_hinge_loss,
                                            np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _crammer_singer_hinge_loss_requirements(crammer_singer_hinge_loss: Callable, rng: np.random.Generator,
                                            which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    margins exactly 0, two wrong classes within the margin of a true class that scores
    highest (fixed), every sample beyond the margin, two classes, a batch of one, float32."""
    scores, labels = on_margin_multiclass(which)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels,
                      "crammer_singer_hinge_loss with samples exactly on the margin")
    _check_cs_loss_on(crammer_singer_hinge_loss, *close_call_multiclass(which),
                      "crammer_singer_hinge_loss with two wrong classes within the margin and a true class "
                      "that scores highest by less than 1")
    scores, labels = multiclass_problem(rng, 5, 4)
    scores[np.arange(5), labels] += 10.0
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels,
                      "crammer_singer_hinge_loss when every sample is beyond the margin (the loss is 0)")
    scores, labels = multiclass_problem(rng, 7, 2)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels, "crammer_singer_hinge_loss with two classes")
    scores, labels = multiclass_problem(rng, 1, 5)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels, "crammer_singer_hinge_loss on a batch of one")
    scores, labels = multiclass_problem(rng, 6, 3, scale=2.0)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores.astype(np.float32), labels,
                      "crammer_singer_hinge_loss on float32 scores", **FLOAT32)


def check_crammer_singer_hinge_loss_edge_cases(crammer_singer_hinge_loss: Callable, seed: int) -> None:
    """Hidden check: margins exactly 0, two wrong classes within the margin of a true class that scores
    highest (fixed), every sample beyond the margin, two classes, a batch of one, float32."""
    _crammer_singer_hinge_loss_requirements(crammer_singer_hinge_loss, np.random.default_rng(seed), HIDDEN)


def _cs_gradient(scores, labels, include_true_class=False, at_kink=False) -> np.ndarray:
    """The per-batch-mean Crammer-Singer gradient as a mistaken student might compute it."""
    n, c = scores.shape
    margins, best = _cs_margins(scores, labels, include_true_class)
    active = (margins >= 0) if at_kink else (margins > 0)
    grad = np.zeros((n, c))
    rows = np.arange(n)
    np.add.at(grad, (rows, labels), -active.astype(np.float64))
    np.add.at(grad, (rows, best), active.astype(np.float64))
    return grad / n


def _cs_grad_mistakes(scores, labels, expected) -> dict:
    n, c = scores.shape
    return {**gradient_mistakes(expected, n), "cs-divided-by-C": expected / c,
            "cs-max-includes-true-class": _cs_gradient(scores, labels, include_true_class=True),
            "hinge-subgradient-at-kink": _cs_gradient(scores, labels, at_kink=True),
            "cs-sums-every-wrong-class": ref.multiclass_hinge_grad(scores, labels) * c}


def _check_cs_grad_on(grad: Callable, scores, labels, what, **tolerance):
    expected = ref.crammer_singer_hinge_grad(scores, labels)
    assert_value(grad, (scores, labels), {}, expected, what, _cs_grad_mistakes(scores, labels, expected),
                 **tolerance)


def check_crammer_singer_hinge_grad(crammer_singer_hinge_grad: Callable) -> None:
    """Visible check of ``crammer_singer_hinge_grad(scores, labels)`` against autograd: (N, C)."""
    scores, labels = multiclass_problem(np.random.default_rng(VISIBLE_SEED), 6, 4)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels,
                      "crammer_singer_hinge_grad on random scores (6, 4)")
    _crammer_singer_hinge_grad_requirements(crammer_singer_hinge_grad,
                                            np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _crammer_singer_hinge_grad_requirements(crammer_singer_hinge_grad: Callable, rng: np.random.Generator,
                                            which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    subgradient 0 on the margin, two wrong classes within the margin of a true class that
    scores highest (fixed), all beyond it, two classes, a batch of one, float32."""
    scores, labels = on_margin_multiclass(which)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels,
                      "crammer_singer_hinge_grad with samples exactly on the margin (subgradient 0)")
    _check_cs_grad_on(crammer_singer_hinge_grad, *close_call_multiclass(which),
                      "crammer_singer_hinge_grad with two wrong classes within the margin and a true class "
                      "that scores highest by less than 1")
    scores, labels = multiclass_problem(rng, 5, 4)
    scores[np.arange(5), labels] += 10.0
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels,
                      "crammer_singer_hinge_grad when every sample is beyond the margin (the gradient is 0)")
    scores, labels = multiclass_problem(rng, 7, 2)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels, "crammer_singer_hinge_grad with two classes")
    scores, labels = multiclass_problem(rng, 1, 5)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels, "crammer_singer_hinge_grad on a batch of one")
    scores, labels = multiclass_problem(rng, 6, 3, scale=2.0)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores.astype(np.float32), labels,
                      "crammer_singer_hinge_grad on float32 scores", **FLOAT32)


def check_crammer_singer_hinge_grad_edge_cases(crammer_singer_hinge_grad: Callable, seed: int) -> None:
    """Hidden check: subgradient 0 on the margin, two wrong classes within the margin of a true class that
    scores highest (fixed), all beyond it, two classes, a batch of one, float32."""
    _crammer_singer_hinge_grad_requirements(crammer_singer_hinge_grad, np.random.default_rng(seed), HIDDEN)
