"""The checks of the Weston-Watkins multi-class hinge loss of ``04-loss-functions`` (torch's
``multi_margin_loss``): ``multiclass_hinge_loss(scores, labels, margin=1.0)``, the mean over samples of
the sum over wrong classes j of max(0, margin - y_c + y_j) / C, and ``multiclass_hinge_grad``, its
gradient (N, C)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.reference import loss_functions as ref

from .multiclass_inputs import active_only_for_wide_margin, multiclass_problem, on_margin_multiclass, variant
from .value_check import FLOAT32, assert_value, gradient_mistakes


def _ww_terms(scores, labels, margin):
    """margin - y_c + y_j for every class j (N, C), the true class's own entry set to 0."""
    s = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(labels))
    terms = margin - s[rows, labels][:, None] + s
    terms[rows, labels] = 0.0
    return terms


def _ww_loss_mistakes(scores, labels, margin) -> dict:
    per_sample = ref.multiclass_hinge_loss(scores, labels, margin, reduction="none")
    c = scores.shape[1]
    expected = per_sample.mean()
    mistakes = {"per-sample-loss": per_sample, "sum-instead-of-mean": per_sample.sum(),
                "ww-includes-true-class": expected + margin / c, "ww-no-divide-by-C": expected * c,
                "hinge-no-clamp": _ww_terms(scores, labels, margin).sum(axis=1).mean() / c}
    if margin != 1.0:
        mistakes["ww-margin-ignored"] = ref.multiclass_hinge_loss(scores, labels)
    return mistakes


def _check_ww_loss_on(loss: Callable, scores, labels, what, margin=None, **tolerance):
    kwargs = {} if margin is None else {"margin": margin}
    margin = 1.0 if margin is None else margin
    assert_value(loss, (scores, labels), kwargs, ref.multiclass_hinge_loss(scores, labels, margin), what,
                 _ww_loss_mistakes(scores, labels, margin), **tolerance)


def check_multiclass_hinge_loss(multiclass_hinge_loss: Callable) -> None:
    """Visible check of ``multiclass_hinge_loss(scores, labels, margin=1.0)`` (torch's multi_margin_loss)."""
    rng = np.random.default_rng(VISIBLE_SEED)
    scores, labels = multiclass_problem(rng, 6, 4)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels, "multiclass_hinge_loss on random scores (6, 4)")
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels,
                      "multiclass_hinge_loss on random scores (6, 4) with margin=0.5", margin=0.5)
    _multiclass_hinge_loss_requirements(multiclass_hinge_loss,
                                        np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _multiclass_hinge_loss_requirements(multiclass_hinge_loss: Callable, rng: np.random.Generator,
                                        which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    equal scores, terms exactly 0, terms active only for margin 2.5 (fixed) and another
    margin on random scores, two classes, a batch of one, float32."""
    _check_ww_loss_on(multiclass_hinge_loss, *variant(np.zeros((3, 5)), np.array([0, 4, 2]), which),
                      "multiclass_hinge_loss with all scores 0 (each sample costs (C - 1) / C)")
    scores, labels = on_margin_multiclass(which)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels,
                      "multiclass_hinge_loss with margin terms exactly 0")
    _check_ww_loss_on(multiclass_hinge_loss, *active_only_for_wide_margin(which),
                      "multiclass_hinge_loss with margin=2.5 on scores whose terms are positive only for "
                      "a margin above 1", margin=2.5)
    scores, labels = multiclass_problem(rng, 5, 6, scale=2.0)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels, "multiclass_hinge_loss with margin=2.5",
                      margin=2.5)
    scores, labels = multiclass_problem(rng, 7, 2)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels, "multiclass_hinge_loss with two classes")
    scores, labels = multiclass_problem(rng, 1, 5)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels, "multiclass_hinge_loss on a batch of one")
    scores, labels = multiclass_problem(rng, 6, 3)
    _check_ww_loss_on(multiclass_hinge_loss, scores.astype(np.float32), labels,
                      "multiclass_hinge_loss on float32 scores", **FLOAT32)


def check_multiclass_hinge_loss_edge_cases(multiclass_hinge_loss: Callable, seed: int) -> None:
    """Hidden check: equal scores, terms exactly 0, terms active only for margin 2.5 (fixed) and another
    margin on random scores, two classes, a batch of one, float32."""
    _multiclass_hinge_loss_requirements(multiclass_hinge_loss, np.random.default_rng(seed), HIDDEN)


def _ww_grad_mistakes(scores, labels, margin, expected) -> dict:
    n, c = scores.shape
    terms = _ww_terms(scores, labels, margin)
    at_kink = (terms >= 0).astype(np.float64)
    at_kink[np.arange(n), labels] = 0.0
    at_kink[np.arange(n), labels] = -at_kink.sum(axis=1)
    true_class = np.zeros((n, c))
    true_class[np.arange(n), labels] = 1.0
    mistakes = {**gradient_mistakes(expected, n), "ww-no-divide-by-C": expected * c,
                "ww-includes-true-class": expected - true_class / (n * c),
                "hinge-subgradient-at-kink": at_kink / (n * c)}
    if margin != 1.0:
        mistakes["ww-margin-ignored"] = ref.multiclass_hinge_grad(scores, labels)
    return mistakes


def _check_ww_grad_on(grad: Callable, scores, labels, what, margin=None, **tolerance):
    kwargs = {} if margin is None else {"margin": margin}
    margin = 1.0 if margin is None else margin
    expected = ref.multiclass_hinge_grad(scores, labels, margin)
    assert_value(grad, (scores, labels), kwargs, expected, what,
                 _ww_grad_mistakes(scores, labels, margin, expected), **tolerance)


def check_multiclass_hinge_grad(multiclass_hinge_grad: Callable) -> None:
    """Visible check of ``multiclass_hinge_grad(scores, labels, margin=1.0)`` against autograd: (N, C)."""
    rng = np.random.default_rng(VISIBLE_SEED)
    scores, labels = multiclass_problem(rng, 6, 4)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels, "multiclass_hinge_grad on random scores (6, 4)")
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels,
                      "multiclass_hinge_grad on random scores (6, 4) with margin=0.5", margin=0.5)
    _multiclass_hinge_grad_requirements(multiclass_hinge_grad,
                                        np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _multiclass_hinge_grad_requirements(multiclass_hinge_grad: Callable, rng: np.random.Generator,
                                        which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    subgradient 0 where a term is exactly 0, terms active only for margin 2.5 (fixed)
    and another margin on random scores, two classes, a batch of one, float32."""
    scores, labels = on_margin_multiclass(which)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels,
                      "multiclass_hinge_grad with margin terms exactly 0 (subgradient 0 there)")
    _check_ww_grad_on(multiclass_hinge_grad, *variant(np.zeros((3, 5)), np.array([0, 4, 2]), which),
                      "multiclass_hinge_grad with all scores 0")
    _check_ww_grad_on(multiclass_hinge_grad, *active_only_for_wide_margin(which),
                      "multiclass_hinge_grad with margin=2.5 on scores whose terms are positive only for "
                      "a margin above 1", margin=2.5)
    scores, labels = multiclass_problem(rng, 5, 6, scale=2.0)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels, "multiclass_hinge_grad with margin=2.5",
                      margin=2.5)
    scores, labels = multiclass_problem(rng, 7, 2)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels, "multiclass_hinge_grad with two classes")
    scores, labels = multiclass_problem(rng, 1, 5)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels, "multiclass_hinge_grad on a batch of one")
    scores, labels = multiclass_problem(rng, 6, 3)
    _check_ww_grad_on(multiclass_hinge_grad, scores.astype(np.float32), labels,
                      "multiclass_hinge_grad on float32 scores", **FLOAT32)


def check_multiclass_hinge_grad_edge_cases(multiclass_hinge_grad: Callable, seed: int) -> None:
    """Hidden check: subgradient 0 where a term is exactly 0, terms active only for margin 2.5 (fixed)
    and another margin on random scores, two classes, a batch of one, float32."""
    _multiclass_hinge_grad_requirements(multiclass_hinge_grad, np.random.default_rng(seed), HIDDEN)
