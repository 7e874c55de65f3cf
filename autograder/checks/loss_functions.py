"""Checks for assignment ``04-loss-functions``: students' numpy losses and gradients against PyTorch.

``check_<function>`` is the visible self-check, ``check_<function>_edge_cases`` the hidden test. Both
probe every requirement the exercise states (samples exactly on a kink where the course states the
subgradient (0, as torch's autograd), losses that are all zero, a batch of one, two classes, other
margins and betas, (N, Q) regression targets, float32 inputs, inputs that must not be modified), each
on its own inputs: the self-check after random inputs, on the VISIBLE variants of the fixed inputs (the
hidden ones with rows reversed, classes rotated and a shift that keeps every kink exact) and random
ones from VISIBLE_REQUIREMENTS_SEED; the hidden test on the HIDDEN fixed inputs and the student's
seed. Each failure names a known mistake when it recognises one.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.compare import as_numeric_array, assert_close, assert_floating, call_unchanged
from autograder.reference import loss_functions as ref

VISIBLE_SEED = 0
VISIBLE_REQUIREMENTS_SEED = 1  # the self-check's random inputs for the requirement cases
# Which fixed inputs a requirement case uses: the self-check's or the hidden test's.
VISIBLE, HIDDEN = "visible", "hidden"
FLOAT32 = {"rtol": 1e-5, "atol": 1e-7}


def _check_value(function: Callable, args: tuple, kwargs: dict, expected, what: str, mistakes: dict,
                 rtol: float = 1e-7, atol: float = 1e-12) -> None:
    """Call the student's function on ``args``, then compare with ``expected`` (a loss or a gradient)."""
    result = as_numeric_array(call_unchanged(function, what, *args, **kwargs), what)
    assert_close(result, expected, what, rtol=rtol, atol=atol, mistakes=mistakes)
    if np.ndim(expected):  # a gradient of integers is right only by chance (e.g. all zeros)
        assert_floating(result, what)


def _grad_mistakes(expected: np.ndarray, n: int) -> dict[str, np.ndarray]:
    return {"sum-instead-of-mean": expected * n, "loss-gradient-sign": -expected}


# --- inputs -----------------------------------------------------------------------------------------

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


def _variant(scores: np.ndarray, labels: np.ndarray, which: str):
    """Multi-class scores (N, C) and labels (N,) as the hidden test uses them, or for VISIBLE the same
    problem written otherwise: rows reversed, classes rotated by one, every score raised by 0.5 (exact:
    the scores are multiples of 0.25), so that every margin term, kink and tie stays as it was."""
    if which == HIDDEN:
        return scores, labels
    return np.roll(scores[::-1], 1, axis=1) + 0.5, (labels[::-1] + 1) % scores.shape[1]


def _multiclass_problem(rng: np.random.Generator, n: int, c: int, scale: float = 1.0):
    """Scores (n, c) float64 and labels (n,) int64; the first third of the samples are classified with a
    wide margin (true score raised by 3 scale), so that some hinge terms are 0. Normal scores have no
    ties and no exact kinks."""
    scores, labels = rng.normal(scale=scale, size=(n, c)), rng.integers(0, c, size=n)
    confident = np.arange(n // 3)
    scores[confident, labels[confident]] += 3 * scale
    return scores, labels


def _on_margin_multiclass(which: str = HIDDEN):
    """Scores (4, 5) with margin terms exactly 0 (kinks) for margin 1, both for Weston-Watkins (c the
    true class; row 0: y_c - y_1 = 1; row 1: y_c - y_1 = 1; row 2: y_c - y_0 = 1) and Crammer-Singer (rows 0
    and 2: y_c minus the best wrong score is 1), with no tie for the best wrong class; labels (4,)."""
    scores = np.array([[3.0, 2.0, 0.0, -1.0, -3.0],
                       [0.0, 1.0, 4.0, 2.0, -3.0],
                       [1.0, -2.0, 2.0, 0.5, -3.0],
                       [5.0, 0.0, 1.0, 2.0, -3.0]])
    return _variant(scores, np.array([0, 3, 2, 0]), which)


def _active_only_for_wide_margin(which: str = HIDDEN):
    """Scores (2, 4) and labels (2,) whose margin terms are all negative for margin 1 but four of them
    positive for margin 2.5 (0.5, 1.0, 1.0, 1.25), none exactly 0 for either margin."""
    scores = np.array([[2.0, 0.0, 0.5, -4.0],
                       [0.0, 3.0, 1.5, 1.75]])
    return _variant(scores, np.array([0, 1]), which)


def _close_call_multiclass(which: str = HIDDEN):
    """Scores (2, 4) and labels (2,): in row 0 the true class scores highest but by less than 1, and two
    wrong classes are within the margin (1 - y_c + y_j = 0.5 and 0.25); in row 1 a wrong class scores
    highest. No ties, no term exactly 0."""
    scores = np.array([[1.0, 0.5, 0.25, -3.0],
                       [0.0, 2.0, -1.0, 1.5]])
    return _variant(scores, np.array([0, 3]), which)


def _regression_problem(rng: np.random.Generator, shape: tuple[int, ...], beta: float = 1.0):
    """pred and target of ``shape`` whose residuals r = pred - target lie half inside (0.1 beta to
    0.9 beta) and half outside (1.1 beta to 4 beta) the quadratic zone of smooth L1, none at a kink."""
    size = int(np.prod(shape))
    magnitude = np.where(np.arange(size) % 2 == 0, rng.uniform(0.1, 0.9, size), rng.uniform(1.1, 4.0, size))
    residual = rng.permutation(magnitude * rng.choice(np.array([-1.0, 1.0]), size=size)) * beta
    target = rng.normal(size=size)
    return (target + residual).reshape(shape), target.reshape(shape)


def _with_zero_residuals(pred: np.ndarray, target: np.ndarray):
    """A copy of ``pred`` equal to ``target`` at every third entry (the kink of |r|)."""
    pred = pred.copy()
    pred.flat[::3] = target.flat[::3]
    return pred, target


# --- binary hinge -----------------------------------------------------------------------------------

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
    _check_value(loss, (scores, targets), {}, ref.binary_hinge_loss(scores, targets), what,
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
    return {**_grad_mistakes(expected, n),
            "hinge-no-clamp": -t / n,
            "hinge-subgradient-at-kink": -t * (_hinge_terms(scores, targets) >= 0) / n,
            "hinge-targets-01": -zero_one * (1 - zero_one * s > 0) / n,
            "hinge-embedding-loss": np.where(t > 0, 1.0, -1.0 * (1 - s > 0)) / n}


def _check_binary_grad_on(grad: Callable, scores, targets, what, **tolerance):
    expected = ref.binary_hinge_grad(scores, targets)
    _check_value(grad, (scores, targets), {}, expected, what,
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


# --- Weston-Watkins multi-class hinge (torch's multi_margin_loss) -----------------------------------

def _ww_terms(scores, labels, margin):
    """margin - y_c + y_j for every class j (N, C), the true class's own entry set to 0."""
    s = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(labels))
    terms = margin - s[rows, labels][:, None] + s
    terms[rows, labels] = 0.0
    return terms


def check_binary_hinge_grad_edge_cases(binary_hinge_grad: Callable, seed: int) -> None:
    """Hidden check: subgradient 0 on the margin, all beyond it, a batch of one, float targets, float32."""
    _binary_hinge_grad_requirements(binary_hinge_grad, np.random.default_rng(seed), HIDDEN)


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
    _check_value(loss, (scores, labels), kwargs, ref.multiclass_hinge_loss(scores, labels, margin), what,
                 _ww_loss_mistakes(scores, labels, margin), **tolerance)


def check_multiclass_hinge_loss(multiclass_hinge_loss: Callable) -> None:
    """Visible check of ``multiclass_hinge_loss(scores, labels, margin=1.0)`` (torch's multi_margin_loss)."""
    rng = np.random.default_rng(VISIBLE_SEED)
    scores, labels = _multiclass_problem(rng, 6, 4)
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
    _check_ww_loss_on(multiclass_hinge_loss, *_variant(np.zeros((3, 5)), np.array([0, 4, 2]), which),
                      "multiclass_hinge_loss with all scores 0 (each sample costs (C - 1) / C)")
    scores, labels = _on_margin_multiclass(which)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels,
                      "multiclass_hinge_loss with margin terms exactly 0")
    _check_ww_loss_on(multiclass_hinge_loss, *_active_only_for_wide_margin(which),
                      "multiclass_hinge_loss with margin=2.5 on scores whose terms are positive only for "
                      "a margin above 1", margin=2.5)
    scores, labels = _multiclass_problem(rng, 5, 6, scale=2.0)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels, "multiclass_hinge_loss with margin=2.5",
                      margin=2.5)
    scores, labels = _multiclass_problem(rng, 7, 2)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels, "multiclass_hinge_loss with two classes")
    scores, labels = _multiclass_problem(rng, 1, 5)
    _check_ww_loss_on(multiclass_hinge_loss, scores, labels, "multiclass_hinge_loss on a batch of one")
    scores, labels = _multiclass_problem(rng, 6, 3)
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
    mistakes = {**_grad_mistakes(expected, n), "ww-no-divide-by-C": expected * c,
                "ww-includes-true-class": expected - true_class / (n * c),
                "hinge-subgradient-at-kink": at_kink / (n * c)}
    if margin != 1.0:
        mistakes["ww-margin-ignored"] = ref.multiclass_hinge_grad(scores, labels)
    return mistakes


def _check_ww_grad_on(grad: Callable, scores, labels, what, margin=None, **tolerance):
    kwargs = {} if margin is None else {"margin": margin}
    margin = 1.0 if margin is None else margin
    expected = ref.multiclass_hinge_grad(scores, labels, margin)
    _check_value(grad, (scores, labels), kwargs, expected, what,
                 _ww_grad_mistakes(scores, labels, margin, expected), **tolerance)


def check_multiclass_hinge_grad(multiclass_hinge_grad: Callable) -> None:
    """Visible check of ``multiclass_hinge_grad(scores, labels, margin=1.0)`` against autograd: (N, C)."""
    rng = np.random.default_rng(VISIBLE_SEED)
    scores, labels = _multiclass_problem(rng, 6, 4)
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
    scores, labels = _on_margin_multiclass(which)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels,
                      "multiclass_hinge_grad with margin terms exactly 0 (subgradient 0 there)")
    _check_ww_grad_on(multiclass_hinge_grad, *_variant(np.zeros((3, 5)), np.array([0, 4, 2]), which),
                      "multiclass_hinge_grad with all scores 0")
    _check_ww_grad_on(multiclass_hinge_grad, *_active_only_for_wide_margin(which),
                      "multiclass_hinge_grad with margin=2.5 on scores whose terms are positive only for "
                      "a margin above 1", margin=2.5)
    scores, labels = _multiclass_problem(rng, 5, 6, scale=2.0)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels, "multiclass_hinge_grad with margin=2.5",
                      margin=2.5)
    scores, labels = _multiclass_problem(rng, 7, 2)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels, "multiclass_hinge_grad with two classes")
    scores, labels = _multiclass_problem(rng, 1, 5)
    _check_ww_grad_on(multiclass_hinge_grad, scores, labels, "multiclass_hinge_grad on a batch of one")
    scores, labels = _multiclass_problem(rng, 6, 3)
    _check_ww_grad_on(multiclass_hinge_grad, scores.astype(np.float32), labels,
                      "multiclass_hinge_grad on float32 scores", **FLOAT32)


# --- Crammer-Singer multi-class hinge ---------------------------------------------------------------

def _cs_margins(scores, labels, include_true_class: bool = False):
    """1 - y_c + max_j y_j per sample (N,), the max over j != c (or over every j), and its argmax."""
    s = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(labels))
    others = s.copy()
    if not include_true_class:
        others[rows, labels] = -np.inf
    best = others.argmax(axis=1)
    return 1 - s[rows, labels] + others[rows, best], best


def check_multiclass_hinge_grad_edge_cases(multiclass_hinge_grad: Callable, seed: int) -> None:
    """Hidden check: subgradient 0 where a term is exactly 0, terms active only for margin 2.5 (fixed)
    and another margin on random scores, two classes, a batch of one, float32."""
    _multiclass_hinge_grad_requirements(multiclass_hinge_grad, np.random.default_rng(seed), HIDDEN)


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
    _check_value(loss, (scores, labels), {}, ref.crammer_singer_hinge_loss(scores, labels), what,
                 _cs_loss_mistakes(scores, labels), **tolerance)


def check_crammer_singer_hinge_loss(crammer_singer_hinge_loss: Callable) -> None:
    """Visible check of ``crammer_singer_hinge_loss(scores, labels)``: mean of
    max(0, 1 - y_c + max_{j != c} y_j), c the true class."""
    scores, labels = _multiclass_problem(np.random.default_rng(VISIBLE_SEED), 6, 4)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels,
                      "crammer_singer_hinge_loss on random scores (6, 4)")
    _crammer_singer_hinge_loss_requirements(crammer_singer_hinge_loss,
                                            np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _crammer_singer_hinge_loss_requirements(crammer_singer_hinge_loss: Callable, rng: np.random.Generator,
                                            which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    margins exactly 0, two wrong classes within the margin of a true class that scores
    highest (fixed), every sample beyond the margin, two classes, a batch of one, float32."""
    scores, labels = _on_margin_multiclass(which)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels,
                      "crammer_singer_hinge_loss with samples exactly on the margin")
    _check_cs_loss_on(crammer_singer_hinge_loss, *_close_call_multiclass(which),
                      "crammer_singer_hinge_loss with two wrong classes within the margin and a true class "
                      "that scores highest by less than 1")
    scores, labels = _multiclass_problem(rng, 5, 4)
    scores[np.arange(5), labels] += 10.0
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels,
                      "crammer_singer_hinge_loss when every sample is beyond the margin (the loss is 0)")
    scores, labels = _multiclass_problem(rng, 7, 2)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels, "crammer_singer_hinge_loss with two classes")
    scores, labels = _multiclass_problem(rng, 1, 5)
    _check_cs_loss_on(crammer_singer_hinge_loss, scores, labels, "crammer_singer_hinge_loss on a batch of one")
    scores, labels = _multiclass_problem(rng, 6, 3, scale=2.0)
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
    return {**_grad_mistakes(expected, n), "cs-divided-by-C": expected / c,
            "cs-max-includes-true-class": _cs_gradient(scores, labels, include_true_class=True),
            "hinge-subgradient-at-kink": _cs_gradient(scores, labels, at_kink=True),
            "cs-sums-every-wrong-class": ref.multiclass_hinge_grad(scores, labels) * c}


def _check_cs_grad_on(grad: Callable, scores, labels, what, **tolerance):
    expected = ref.crammer_singer_hinge_grad(scores, labels)
    _check_value(grad, (scores, labels), {}, expected, what, _cs_grad_mistakes(scores, labels, expected),
                 **tolerance)


def check_crammer_singer_hinge_grad(crammer_singer_hinge_grad: Callable) -> None:
    """Visible check of ``crammer_singer_hinge_grad(scores, labels)`` against autograd: (N, C)."""
    scores, labels = _multiclass_problem(np.random.default_rng(VISIBLE_SEED), 6, 4)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels,
                      "crammer_singer_hinge_grad on random scores (6, 4)")
    _crammer_singer_hinge_grad_requirements(crammer_singer_hinge_grad,
                                            np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _crammer_singer_hinge_grad_requirements(crammer_singer_hinge_grad: Callable, rng: np.random.Generator,
                                            which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    subgradient 0 on the margin, two wrong classes within the margin of a true class that
    scores highest (fixed), all beyond it, two classes, a batch of one, float32."""
    scores, labels = _on_margin_multiclass(which)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels,
                      "crammer_singer_hinge_grad with samples exactly on the margin (subgradient 0)")
    _check_cs_grad_on(crammer_singer_hinge_grad, *_close_call_multiclass(which),
                      "crammer_singer_hinge_grad with two wrong classes within the margin and a true class "
                      "that scores highest by less than 1")
    scores, labels = _multiclass_problem(rng, 5, 4)
    scores[np.arange(5), labels] += 10.0
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels,
                      "crammer_singer_hinge_grad when every sample is beyond the margin (the gradient is 0)")
    scores, labels = _multiclass_problem(rng, 7, 2)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels, "crammer_singer_hinge_grad with two classes")
    scores, labels = _multiclass_problem(rng, 1, 5)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores, labels, "crammer_singer_hinge_grad on a batch of one")
    scores, labels = _multiclass_problem(rng, 6, 3, scale=2.0)
    _check_cs_grad_on(crammer_singer_hinge_grad, scores.astype(np.float32), labels,
                      "crammer_singer_hinge_grad on float32 scores", **FLOAT32)


# --- regression losses: L1, L2, smooth L1 -----------------------------------------------------------

def _residual(pred, target) -> np.ndarray:
    return np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)


def check_crammer_singer_hinge_grad_edge_cases(crammer_singer_hinge_grad: Callable, seed: int) -> None:
    """Hidden check: subgradient 0 on the margin, two wrong classes within the margin of a true class that
    scores highest (fixed), all beyond it, two classes, a batch of one, float32."""
    _crammer_singer_hinge_grad_requirements(crammer_singer_hinge_grad, np.random.default_rng(seed), HIDDEN)


def _regression_mistakes(name: str, pred, target, beta: float | None, expected) -> dict:
    """What the known mistakes return for ``name`` ("l1_loss", ..., "smooth_l1_grad") on this input."""
    r = _residual(pred, target)
    reference = getattr(ref, name)
    options = {} if beta is None else {"beta": beta}
    if name.endswith("_loss"):
        per_entry = reference(pred, target, reduction="none", **options)
        mistakes = {"sum-instead-of-mean": per_entry.sum(),
                    "regression-mean-over-rows-only": per_entry.sum() / len(per_entry)}
    else:
        mistakes = {**_grad_mistakes(expected, r.size), "regression-mean-over-rows-only": expected * (r.size // len(r))}
    if r.ndim == 1:  # the mean over rows is the mean over entries
        del mistakes["regression-mean-over-rows-only"]
    if name == "l1_grad":
        mistakes["l1-subgradient-at-zero"] = np.where(r >= 0, 1.0, -1.0) / r.size
    if name == "l2_grad":
        mistakes["l2-grad-missing-2"] = expected / 2
    if name.startswith("smooth_l1") and beta not in (None, 1.0):
        mistakes["smooth-l1-beta-ignored"] = reference(pred, target)
        quadratic = np.abs(r) < beta
        mistakes["smooth-l1-not-divided-by-beta"] = (
            np.where(quadratic, 0.5 * r ** 2, np.abs(r) - 0.5 * beta).mean() if name.endswith("_loss")
            else np.where(quadratic, r, np.sign(r)) / r.size)
    return mistakes


def _check_regression_on(name: str, function: Callable, pred, target, what, beta=None, **tolerance):
    """Check the student's ``name`` ("l1_loss", ..., "smooth_l1_grad") on one input; ``beta`` None: the
    student's default is used."""
    options = {} if beta is None else {"beta": beta}
    expected = getattr(ref, name)(pred, target, **options)
    _check_value(function, (pred, target), options, expected, what,
                 _regression_mistakes(name, pred, target, beta, expected), **tolerance)


def _visible_regression_check(name: str, function: Callable) -> None:
    """Random pred and target of shape (8,) (for smooth L1 also with beta=2.0), then every requirement
    on inputs of the visible check's own."""
    rng = np.random.default_rng(VISIBLE_SEED)
    pred, target = _regression_problem(rng, (8,))
    _check_regression_on(name, function, pred, target, f"{name} on random pred and target of shape (8,)")
    if name.startswith("smooth_l1"):
        pred, target = _regression_problem(rng, (8,), beta=2.0)
        _check_regression_on(name, function, pred, target, f"{name} with beta=2.0", beta=2.0)
    _regression_requirements(name, function, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _hidden_regression_check(name: str, function: Callable, seed: int) -> None:
    _regression_requirements(name, function, np.random.default_rng(seed))


def _regression_requirements(name: str, function: Callable, rng: np.random.Generator) -> None:
    """Every requirement on a regression loss or gradient ``name``, on random inputs from ``rng``: for
    smooth L1 first a small, a large and a zero beta; then residuals exactly 0, (N, Q) inputs (smooth L1
    with beta=0.5), a batch of one, float32 (smooth L1 with beta=2.0)."""
    smooth = name.startswith("smooth_l1")
    if smooth:
        pred, target = _regression_problem(rng, (10,), beta=0.3)
        _check_regression_on(name, function, pred, target, f"{name} with beta=0.3", beta=0.3)
        pred, target = _regression_problem(rng, (6,))
        _check_regression_on(name, function, pred, target,
                             f"{name} with beta=5.0 (every residual in the quadratic zone)", beta=5.0)
        _check_regression_on(name, function, pred, target, f"{name} with beta=0.0 (the L1 loss)", beta=0.0)
    pred, target = _with_zero_residuals(*_regression_problem(rng, (9,)))
    _check_regression_on(name, function, pred, target, f"{name} where pred equals target at every third entry"
                         + (" (subgradient 0 there)" if name == "l1_grad" else ""))
    beta = 0.5 if smooth else None
    pred, target = _regression_problem(rng, (5, 4), beta=beta or 1.0)
    _check_regression_on(name, function, pred, target, f"{name}{f' with beta={beta}' if beta else ''} on "
                         "pred and target of shape (5, 4): the mean over all 20 entries", beta=beta)
    pred, target = _regression_problem(rng, (1,))
    _check_regression_on(name, function, pred, target, f"{name} on a batch of one")
    beta = 2.0 if smooth else None
    pred, target = _regression_problem(rng, (7,), beta=beta or 1.0)
    _check_regression_on(name, function, pred.astype(np.float32), target.astype(np.float32),
                         f"{name}{f' with beta={beta}' if beta else ''} on float32 inputs", beta=beta, **FLOAT32)


def check_l1_loss(l1_loss: Callable) -> None:
    """Visible check of ``l1_loss(pred, target)``: mean |pred - target| (``F.l1_loss``)."""
    _visible_regression_check("l1_loss", l1_loss)


def check_l1_loss_edge_cases(l1_loss: Callable, seed: int) -> None:
    """Hidden check: residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("l1_loss", l1_loss, seed)


def check_l1_grad(l1_grad: Callable) -> None:
    """Visible check of ``l1_grad(pred, target)`` against autograd, shaped like pred."""
    _visible_regression_check("l1_grad", l1_grad)


def check_l1_grad_edge_cases(l1_grad: Callable, seed: int) -> None:
    """Hidden check: subgradient 0 where pred == target, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("l1_grad", l1_grad, seed)


def check_l2_loss(l2_loss: Callable) -> None:
    """Visible check of ``l2_loss(pred, target)``: mean (pred - target)^2 (``F.mse_loss``)."""
    _visible_regression_check("l2_loss", l2_loss)


def check_l2_loss_edge_cases(l2_loss: Callable, seed: int) -> None:
    """Hidden check: residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("l2_loss", l2_loss, seed)


def check_l2_grad(l2_grad: Callable) -> None:
    """Visible check of ``l2_grad(pred, target)`` against autograd, shaped like pred."""
    _visible_regression_check("l2_grad", l2_grad)


def check_l2_grad_edge_cases(l2_grad: Callable, seed: int) -> None:
    """Hidden check: residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("l2_grad", l2_grad, seed)


def check_smooth_l1_loss(smooth_l1_loss: Callable) -> None:
    """Visible check of ``smooth_l1_loss(pred, target, beta=1.0)`` (``F.smooth_l1_loss``), with the
    default beta and with beta=2.0."""
    _visible_regression_check("smooth_l1_loss", smooth_l1_loss)


def check_smooth_l1_loss_edge_cases(smooth_l1_loss: Callable, seed: int) -> None:
    """Hidden check: small, large and zero beta, residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("smooth_l1_loss", smooth_l1_loss, seed)


def check_smooth_l1_grad(smooth_l1_grad: Callable) -> None:
    """Visible check of ``smooth_l1_grad(pred, target, beta=1.0)`` against autograd, with the default
    beta and with beta=2.0."""
    _visible_regression_check("smooth_l1_grad", smooth_l1_grad)


def check_smooth_l1_grad_edge_cases(smooth_l1_grad: Callable, seed: int) -> None:
    """Hidden check: small, large and zero beta, residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("smooth_l1_grad", smooth_l1_grad, seed)
