"""The known implementations of assignment 04 (loss functions): ``CORRECT_VARIANTS`` and ``WRONG``.
"""
from __future__ import annotations

import numpy as np
import pytest

from check_harness import case, fails
from known_implementations import RoundTripStudent

# === other correct implementations (the contract test checks that they pass) =======================

def binary_hinge_loss_loop(scores, targets):
    total = 0.0
    for y, t in zip(scores, targets):
        total += max(0.0, 1.0 - t * y)
    return total / len(scores)


def binary_hinge_grad_where(scores, targets):
    return np.where(targets * scores < 1, -targets, 0) / scores.shape[0]


def multiclass_hinge_loss_loop(scores, labels, margin=1.0):
    n, c = scores.shape
    total = 0.0
    for i in range(n):
        for j in range(c):
            if j != labels[i]:
                total += max(0.0, margin - scores[i, labels[i]] + scores[i, j])
    return total / (n * c)


def crammer_singer_hinge_grad_loop(scores, labels):
    n, c = scores.shape
    grad = np.zeros((n, c))
    for i in range(n):
        others = [j for j in range(c) if j != labels[i]]
        best = max(others, key=lambda j: scores[i, j])
        if 1 - scores[i, labels[i]] + scores[i, best] > 0:
            grad[i, labels[i]] -= 1 / n
            grad[i, best] += 1 / n
    return grad


def smooth_l1_loss_where(pred, target, beta=1.0):
    r = np.abs(pred - target)
    with np.errstate(divide="ignore", invalid="ignore"):  # beta == 0: the quadratic branch is never taken
        return np.mean(np.where(r < beta, 0.5 * r ** 2 / beta, r - 0.5 * beta))


def smooth_l1_grad_clip(pred, target, beta=1.0):
    r = pred - target
    if beta == 0:
        return np.sign(r) / r.size
    return np.clip(r / beta, -1, 1) / r.size


CORRECT_VARIANTS = [
    pytest.param("binary_hinge_loss", binary_hinge_loss_loop, id="binary_hinge_loss-loop"),
    pytest.param("binary_hinge_grad", binary_hinge_grad_where, id="binary_hinge_grad-np-where"),
    pytest.param("multiclass_hinge_loss", multiclass_hinge_loss_loop, id="multiclass_hinge_loss-loops"),
    pytest.param("crammer_singer_hinge_grad", crammer_singer_hinge_grad_loop, id="crammer_singer_hinge_grad-loop"),
    pytest.param("smooth_l1_loss", smooth_l1_loss_where, id="smooth_l1_loss-np-where"),
    pytest.param("smooth_l1_grad", smooth_l1_grad_clip, id="smooth_l1_grad-clip"),
]


# === wrong implementations, as a student might write them ===========================================
# binary hinge

def binary_loss_sum(scores, targets):
    return np.maximum(0, 1 - targets * scores).sum()


def binary_loss_no_clamp(scores, targets):
    return np.mean(1 - targets * scores)


def binary_loss_per_sample(scores, targets):
    return np.maximum(0, 1 - targets * scores)


def binary_loss_targets_01(scores, targets):
    t = 2 * targets - 1  # as if the targets were 0/1
    return np.maximum(0, 1 - t * scores).mean()


def binary_loss_hinge_embedding(scores, targets):
    return np.where(targets == 1, scores, np.maximum(0, 1 - scores)).mean()


def binary_loss_in_place(scores, targets):
    scores *= targets
    return np.maximum(0, 1 - scores).mean()


def binary_grad_sum(scores, targets):
    return -targets * (1 - targets * scores > 0)


def binary_grad_sign_flip(scores, targets):
    return targets * (1 - targets * scores > 0) / len(scores)


def binary_grad_no_clamp(scores, targets):
    return -targets / len(scores)


def binary_grad_at_kink(scores, targets):
    return -targets * (1 - targets * scores >= 0) / len(scores)


def binary_grad_targets_01(scores, targets):
    t = 2 * targets - 1
    return -t * (1 - t * scores > 0) / len(scores)


# Weston-Watkins

def _ww_terms(scores, labels, margin=1.0):
    rows = np.arange(len(labels))
    return margin - scores[rows, labels][:, None] + scores


def ww_loss_includes_true_class(scores, labels, margin=1.0):
    return np.maximum(0, _ww_terms(scores, labels, margin)).sum() / scores.size


def ww_loss_cs231n(scores, labels, margin=1.0):  # the textbook form: no 1/C
    terms = np.maximum(0, _ww_terms(scores, labels, margin))
    terms[np.arange(len(labels)), labels] = 0
    return terms.sum() / len(labels)


def ww_loss_margin_ignored(scores, labels, margin=1.0):
    terms = np.maximum(0, _ww_terms(scores, labels, 1.0))
    terms[np.arange(len(labels)), labels] = 0
    return terms.sum() / scores.size


def ww_loss_sum(scores, labels, margin=1.0):
    terms = np.maximum(0, _ww_terms(scores, labels, margin))
    terms[np.arange(len(labels)), labels] = 0
    return terms.sum() / scores.shape[1]


def ww_loss_no_clamp(scores, labels, margin=1.0):
    terms = _ww_terms(scores, labels, margin)
    terms[np.arange(len(labels)), labels] = 0
    return terms.sum() / scores.size


def _ww_grad(scores, labels, margin=1.0, zero_true_class=True, strict=True):
    terms = _ww_terms(scores, labels, margin)
    active = (terms > 0 if strict else terms >= 0).astype(float)
    rows = np.arange(len(labels))
    if zero_true_class:
        active[rows, labels] = 0
    active[rows, labels] = -active.sum(axis=1)
    return active


def ww_grad_includes_true_class(scores, labels, margin=1.0):
    return _ww_grad(scores, labels, margin, zero_true_class=False) / scores.size


def ww_grad_cs231n(scores, labels, margin=1.0):
    return _ww_grad(scores, labels, margin) / len(labels)


def ww_grad_at_kink(scores, labels, margin=1.0):
    return _ww_grad(scores, labels, margin, strict=False) / scores.size


def ww_grad_sign_flip(scores, labels, margin=1.0):
    return -_ww_grad(scores, labels, margin) / scores.size


def ww_grad_margin_ignored(scores, labels, margin=1.0):
    return _ww_grad(scores, labels, 1.0) / scores.size


def ww_grad_sum(scores, labels, margin=1.0):
    return _ww_grad(scores, labels, margin) / scores.shape[1]


# Crammer-Singer

def _cs_parts(scores, labels, mask_true_class=True):
    rows = np.arange(len(labels))
    others = scores.astype(float)
    if mask_true_class:
        others[rows, labels] = -np.inf
    best = others.argmax(axis=1)
    return rows, best, 1 - scores[rows, labels] + others[rows, best]


def cs_loss_max_includes_true_class(scores, labels):
    _, _, margins = _cs_parts(scores, labels, mask_true_class=False)
    return np.maximum(0, margins).mean()


def cs_loss_divided_by_c(scores, labels):
    _, _, margins = _cs_parts(scores, labels)
    return np.maximum(0, margins).mean() / scores.shape[1]


def cs_loss_sum(scores, labels):
    _, _, margins = _cs_parts(scores, labels)
    return np.maximum(0, margins).sum()


def cs_loss_no_clamp(scores, labels):
    _, _, margins = _cs_parts(scores, labels)
    return margins.mean()


def cs_loss_weston_watkins_sum(scores, labels):  # sums over every wrong class instead of the best one
    terms = np.maximum(0, _ww_terms(scores, labels))
    terms[np.arange(len(labels)), labels] = 0
    return terms.sum() / len(labels)


def _cs_grad(scores, labels, mask_true_class=True, strict=True):
    rows, best, margins = _cs_parts(scores, labels, mask_true_class)
    active = margins > 0 if strict else margins >= 0
    grad = np.zeros(scores.shape)
    grad[rows, labels] -= active
    grad[rows, best] += active
    return grad / len(labels)


def cs_grad_max_includes_true_class(scores, labels):
    return _cs_grad(scores, labels, mask_true_class=False)


def cs_grad_divided_by_c(scores, labels):
    return _cs_grad(scores, labels) / scores.shape[1]


def cs_grad_sign_flip(scores, labels):
    return -_cs_grad(scores, labels)


def cs_grad_at_kink(scores, labels):
    return _cs_grad(scores, labels, strict=False)


def cs_grad_weston_watkins_sum(scores, labels):  # a +1 for every wrong class within the margin
    return _ww_grad(scores, labels) / len(labels)


def cs_grad_forgets_best_class(scores, labels):
    rows, _, margins = _cs_parts(scores, labels)
    grad = np.zeros(scores.shape)
    grad[rows, labels] = -1.0 * (margins > 0) / len(labels)
    return grad


# L1 and L2

def l1_loss_sum(pred, target):
    return np.abs(pred - target).sum()


def l1_loss_rows_only(pred, target):
    return np.abs(pred - target).sum() / len(pred)


def l1_loss_squared(pred, target):
    return np.mean((pred - target) ** 2)


def l1_grad_sign_flip(pred, target):
    return np.sign(target - pred) / pred.size


def l1_grad_at_zero(pred, target):
    return np.where(pred >= target, 1.0, -1.0) / pred.size


def l1_grad_rows_only(pred, target):
    return np.sign(pred - target) / len(pred)


def l1_grad_sum(pred, target):
    return np.sign(pred - target)


def l2_loss_sum(pred, target):
    return np.sum((pred - target) ** 2)


def l2_loss_rows_only(pred, target):
    return np.sum((pred - target) ** 2) / pred.shape[0]


def l2_loss_root(pred, target):
    return np.sqrt(np.mean((pred - target) ** 2))


def l2_grad_missing_2(pred, target):
    return (pred - target) / pred.size


def l2_grad_sign_flip(pred, target):
    return 2 * (target - pred) / pred.size


def l2_grad_sum(pred, target):
    return 2 * (pred - target)


def l2_grad_rows_only(pred, target):
    return 2 * (pred - target) / len(pred)


# smooth L1

def smooth_loss_beta_ignored(pred, target, beta=1.0):
    r = np.abs(pred - target)
    return np.mean(np.where(r < 1, 0.5 * r ** 2, r - 0.5))


def smooth_loss_not_divided(pred, target, beta=1.0):
    r = np.abs(pred - target)
    return np.mean(np.where(r < beta, 0.5 * r ** 2, r - 0.5 * beta))


def smooth_loss_sum(pred, target, beta=1.0):
    r = np.abs(pred - target)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(np.where(r < beta, 0.5 * r ** 2 / beta, r - 0.5 * beta))


def smooth_loss_in_place(pred, target, beta=1.0):
    pred -= target
    r = np.abs(pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mean(np.where(r < beta, 0.5 * r ** 2 / beta, r - 0.5 * beta))


def smooth_loss_huber(pred, target, beta=1.0):  # torch's huber_loss with delta = beta
    r = np.abs(pred - target)
    return np.mean(np.where(r < beta, 0.5 * r ** 2, beta * (r - 0.5 * beta)))


def smooth_grad_beta_ignored(pred, target, beta=1.0):
    r = pred - target
    return np.clip(r, -1, 1) / r.size


def smooth_grad_not_divided(pred, target, beta=1.0):
    r = pred - target
    return np.where(np.abs(r) < beta, r, np.sign(r)) / r.size


def smooth_grad_sign_flip(pred, target, beta=1.0):
    r = target - pred
    return np.where(np.abs(r) < beta, r / max(beta, 1e-300), np.sign(r)) / r.size


def smooth_grad_rows_only(pred, target, beta=1.0):
    r = pred - target
    return np.where(np.abs(r) < beta, r / max(beta, 1e-300), np.sign(r)) / len(r)


# === the table: which check must fail, and what the message must say ================================

WRONG = [
    # binary_hinge_loss
    case("binary_hinge_loss", binary_loss_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"),
         "binary_hinge_loss-sum-instead-of-mean"),
    case("binary_hinge_loss", binary_loss_no_clamp, fails("hinge-no-clamp"), fails("hinge-no-clamp"),
         "binary_hinge_loss-no-max-with-0"),
    case("binary_hinge_loss", binary_loss_per_sample, fails("per-sample-loss", "got shape (8,)"),
         fails("per-sample-loss"), "binary_hinge_loss-per-sample"),
    case("binary_hinge_loss", binary_loss_targets_01, fails("hinge-targets-01"), fails("hinge-targets-01"),
         "binary_hinge_loss-targets-as-0-1"),
    case("binary_hinge_loss", binary_loss_hinge_embedding, fails("hinge-embedding-loss"),
         fails("hinge-embedding-loss"), "binary_hinge_loss-torch-HingeEmbeddingLoss"),
    case("binary_hinge_loss", binary_loss_in_place, fails("modified-input"), fails("modified-input"),
         "binary_hinge_loss-modifies-scores"),
    # binary_hinge_grad
    case("binary_hinge_grad", binary_grad_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"),
         "binary_hinge_grad-sum-instead-of-mean"),
    case("binary_hinge_grad", binary_grad_sign_flip, fails("loss-gradient-sign"), fails("loss-gradient-sign"),
         "binary_hinge_grad-sign-flip"),
    case("binary_hinge_grad", binary_grad_no_clamp, fails("hinge-no-clamp"), fails("hinge-no-clamp"),
         "binary_hinge_grad-no-max-with-0"),
    case("binary_hinge_grad", binary_grad_at_kink, fails("hinge-subgradient-at-kink", "exactly on the margin"),
         fails("hinge-subgradient-at-kink", "exactly on the margin"), "binary_hinge_grad-1-on-the-margin"),
    case("binary_hinge_grad", binary_grad_targets_01, fails("hinge-targets-01"), fails("hinge-targets-01"),
         "binary_hinge_grad-targets-as-0-1"),
    # multiclass_hinge_loss
    case("multiclass_hinge_loss", ww_loss_includes_true_class, fails("ww-includes-true-class"),
         fails("ww-includes-true-class"), "multiclass_hinge_loss-includes-j-equal-y"),
    case("multiclass_hinge_loss", ww_loss_cs231n, fails("ww-no-divide-by-C"), fails("ww-no-divide-by-C"),
         "multiclass_hinge_loss-no-1-over-C"),
    case("multiclass_hinge_loss", ww_loss_margin_ignored, fails("ww-margin-ignored", "margin=0.5"),
         fails("ww-margin-ignored", "positive only for a margin above 1"), "multiclass_hinge_loss-margin-ignored"),
    case("multiclass_hinge_loss", ww_loss_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"),
         "multiclass_hinge_loss-sum-instead-of-mean"),
    case("multiclass_hinge_loss", ww_loss_no_clamp, fails("hinge-no-clamp"), fails("hinge-no-clamp"),
         "multiclass_hinge_loss-no-max-with-0"),
    # multiclass_hinge_grad
    case("multiclass_hinge_grad", ww_grad_includes_true_class, fails("ww-includes-true-class"),
         fails("ww-includes-true-class"), "multiclass_hinge_grad-includes-j-equal-y"),
    case("multiclass_hinge_grad", ww_grad_cs231n, fails("ww-no-divide-by-C"), fails("ww-no-divide-by-C"),
         "multiclass_hinge_grad-no-1-over-C"),
    case("multiclass_hinge_grad", ww_grad_at_kink, fails("hinge-subgradient-at-kink", "margin terms exactly 0"),
         fails("hinge-subgradient-at-kink", "exactly 0"), "multiclass_hinge_grad-counts-terms-equal-to-0"),
    case("multiclass_hinge_grad", ww_grad_sign_flip, fails("loss-gradient-sign"), fails("loss-gradient-sign"),
         "multiclass_hinge_grad-sign-flip"),
    case("multiclass_hinge_grad", ww_grad_margin_ignored, fails("ww-margin-ignored", "margin=0.5"),
         fails("ww-margin-ignored", "positive only for a margin above 1"), "multiclass_hinge_grad-margin-ignored"),
    case("multiclass_hinge_grad", ww_grad_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"),
         "multiclass_hinge_grad-sum-instead-of-mean"),
    # crammer_singer_hinge_loss
    case("crammer_singer_hinge_loss", cs_loss_max_includes_true_class, fails("cs-max-includes-true-class"),
         fails("cs-max-includes-true-class"), "crammer_singer_hinge_loss-max-over-all-classes"),
    case("crammer_singer_hinge_loss", cs_loss_divided_by_c, fails("cs-divided-by-C"), fails("cs-divided-by-C"),
         "crammer_singer_hinge_loss-divided-by-C"),
    case("crammer_singer_hinge_loss", cs_loss_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"),
         "crammer_singer_hinge_loss-sum-instead-of-mean"),
    case("crammer_singer_hinge_loss", cs_loss_no_clamp, fails("hinge-no-clamp"), fails("hinge-no-clamp"),
         "crammer_singer_hinge_loss-no-max-with-0"),
    case("crammer_singer_hinge_loss", cs_loss_weston_watkins_sum, fails("cs-sums-every-wrong-class"),
         fails("cs-sums-every-wrong-class", "two wrong classes within the margin"),
         "crammer_singer_hinge_loss-sums-every-wrong-class"),
    # crammer_singer_hinge_grad
    case("crammer_singer_hinge_grad", cs_grad_max_includes_true_class, fails("cs-max-includes-true-class"),
         fails("cs-max-includes-true-class", "scores highest by less than 1"),
         "crammer_singer_hinge_grad-max-over-all-classes"),
    case("crammer_singer_hinge_grad", cs_grad_weston_watkins_sum, fails("cs-sums-every-wrong-class"),
         fails("cs-sums-every-wrong-class", "two wrong classes within the margin"),
         "crammer_singer_hinge_grad-sums-every-wrong-class"),
    case("crammer_singer_hinge_grad", cs_grad_divided_by_c, fails("cs-divided-by-C"), fails("cs-divided-by-C"),
         "crammer_singer_hinge_grad-divided-by-C"),
    case("crammer_singer_hinge_grad", cs_grad_sign_flip, fails("loss-gradient-sign"),
         fails("loss-gradient-sign"), "crammer_singer_hinge_grad-sign-flip"),
    case("crammer_singer_hinge_grad", cs_grad_at_kink, fails("hinge-subgradient-at-kink", "exactly on the margin"),
         fails("hinge-subgradient-at-kink", "exactly on the margin"), "crammer_singer_hinge_grad-1-on-the-margin"),
    case("crammer_singer_hinge_grad", cs_grad_forgets_best_class, fails(None, "values differ"),
         fails(None, "values differ"), "crammer_singer_hinge_grad-only-the-true-class"),
    # l1_loss
    case("l1_loss", l1_loss_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"), "l1_loss-sum"),
    case("l1_loss", l1_loss_rows_only, fails("regression-mean-over-rows-only", "shape (5, 4)"),
         fails("regression-mean-over-rows-only", "shape (5, 4)"),
         "l1_loss-divides-by-N-only"),
    case("l1_loss", l1_loss_squared, fails(None, "values differ"), fails(None, "values differ"),
         "l1_loss-squares-the-residual"),
    # l1_grad
    case("l1_grad", l1_grad_sign_flip, fails("loss-gradient-sign"), fails("loss-gradient-sign"),
         "l1_grad-sign-flip"),
    case("l1_grad", l1_grad_at_zero, fails("l1-subgradient-at-zero", "subgradient 0 there"),
         fails("l1-subgradient-at-zero", "subgradient 0 there"),
         "l1_grad-plus-1-at-zero-residual"),
    case("l1_grad", l1_grad_rows_only, fails("regression-mean-over-rows-only", "shape (5, 4)"),
         fails("regression-mean-over-rows-only", "shape (5, 4)"),
         "l1_grad-divides-by-N-only"),
    case("l1_grad", l1_grad_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"), "l1_grad-sum"),
    # l2_loss
    case("l2_loss", l2_loss_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"), "l2_loss-sum"),
    case("l2_loss", l2_loss_rows_only, fails("regression-mean-over-rows-only", "shape (5, 4)"),
         fails("regression-mean-over-rows-only", "shape (5, 4)"),
         "l2_loss-divides-by-N-only"),
    case("l2_loss", l2_loss_root, fails(None, "values differ"), fails(None, "values differ"),
         "l2_loss-root-mean-square"),
    # l2_grad
    case("l2_grad", l2_grad_missing_2, fails("l2-grad-missing-2"), fails("l2-grad-missing-2"),
         "l2_grad-missing-factor-2"),
    case("l2_grad", l2_grad_sign_flip, fails("loss-gradient-sign"), fails("loss-gradient-sign"),
         "l2_grad-sign-flip"),
    case("l2_grad", l2_grad_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"), "l2_grad-sum"),
    case("l2_grad", l2_grad_rows_only, fails("regression-mean-over-rows-only", "shape (5, 4)"),
         fails("regression-mean-over-rows-only", "shape (5, 4)"),
         "l2_grad-divides-by-N-only"),
    # smooth_l1_loss
    case("smooth_l1_loss", smooth_loss_beta_ignored, fails("smooth-l1-beta-ignored", "beta=2.0"),
         fails("smooth-l1-beta-ignored", "beta=0.3"), "smooth_l1_loss-beta-ignored"),
    case("smooth_l1_loss", smooth_loss_not_divided, fails("smooth-l1-not-divided-by-beta", "beta=2.0"),
         fails("smooth-l1-not-divided-by-beta", "beta=0.3"), "smooth_l1_loss-quadratic-not-divided-by-beta"),
    case("smooth_l1_loss", smooth_loss_sum, fails("sum-instead-of-mean"), fails("sum-instead-of-mean"),
         "smooth_l1_loss-sum"),
    case("smooth_l1_loss", smooth_loss_in_place, fails("modified-input"), fails("modified-input"),
         "smooth_l1_loss-modifies-pred"),
    case("smooth_l1_loss", smooth_loss_huber, fails(None, "beta=2.0"), fails(None, "beta=0.3"),
         "smooth_l1_loss-huber-instead"),
    # smooth_l1_grad
    case("smooth_l1_grad", smooth_grad_beta_ignored, fails("smooth-l1-beta-ignored", "beta=2.0"),
         fails("smooth-l1-beta-ignored", "beta=0.3"), "smooth_l1_grad-beta-ignored"),
    case("smooth_l1_grad", smooth_grad_not_divided, fails("smooth-l1-not-divided-by-beta", "beta=2.0"),
         fails("smooth-l1-not-divided-by-beta", "beta=0.3"), "smooth_l1_grad-quadratic-not-divided-by-beta"),
    case("smooth_l1_grad", smooth_grad_sign_flip, fails("loss-gradient-sign"), fails("loss-gradient-sign"),
         "smooth_l1_grad-sign-flip"),
    case("smooth_l1_grad", smooth_grad_rows_only, fails("regression-mean-over-rows-only", "shape (5, 4)"),
         fails("regression-mean-over-rows-only", "shape (5, 4)"),
         "smooth_l1_grad-divides-by-N-only"),
]


# The nbgrader round trip (tests/round_trips.py) ===================================================
# Points follow effort: 1 visible point per function, and hidden points 1 for the one-line losses and
# gradients (binary hinge, L1, L2), 2 for the multi-class losses and smooth L1, 3 for the multi-class gradients.

WW_INCLUDES_TRUE_CLASS = '''
def multiclass_hinge_loss(scores, labels, margin=1.0):
    n, num_classes = scores.shape
    correct = scores[np.arange(n), labels][:, None]
    return np.maximum(0.0, margin - correct + scores).sum() / (n * num_classes)
'''
L2_GRAD_WITHOUT_2 = '''
def l2_grad(pred, target):
    return (pred - target) / pred.size
'''
HINGE_GRAD_ON_THE_MARGIN = '''
def binary_hinge_grad(scores, targets):
    return -targets * (1.0 - targets * scores >= 0) / len(scores)
'''
SMOOTH_L1_BETA_IGNORED = '''
def smooth_l1_loss(pred, target, beta=1.0):
    r = np.abs(pred - target)
    return np.where(r < 1.0, 0.5 * r ** 2, r - 0.5).mean()
'''

ROUND_TRIP = [
    # four typical mistakes in one submission (each autograded submission costs seconds): each loses
    # both cells of its function (the hinge gradient's margin is in the self-check too)
    RoundTripStudent("carol", 22.0, {"multiclass_hinge_loss": WW_INCLUDES_TRUE_CLASS, "l2_grad": L2_GRAD_WITHOUT_2,
                                     "binary_hinge_grad": HINGE_GRAD_ON_THE_MARGIN,
                                     "smooth_l1_loss": SMOOTH_L1_BETA_IGNORED},
                     cells={"test_multiclass_hinge_loss": 0, "test_multiclass_hinge_loss_hidden": 0,
                            "test_l2_grad": 0, "test_l2_grad_hidden": 0,
                            "test_smooth_l1_loss": 0, "test_smooth_l1_loss_hidden": 0,
                            "test_binary_hinge_grad": 0, "test_binary_hinge_grad_hidden": 0},
                     mistakes=("ww-includes-true-class", "l2-grad-missing-2", "smooth-l1-beta-ignored",
                               "hinge-subgradient-at-kink")),
]
