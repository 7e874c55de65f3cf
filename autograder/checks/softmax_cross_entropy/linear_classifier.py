"""The checks of ``linear_softmax_loss_and_grads(x, W, b, labels)``: the loss of a linear softmax
classifier and its gradients dW (C, D) and db (C,), against PyTorch's autograd."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_SEED
from autograder.checks.softmax_cross_entropy.calls import on_its_own
from autograder.checks.softmax_cross_entropy.inputs import (
    ROWS_APART,
    SHIFTS,
    rows_apart_logits,
    shifted_logits,
    underflow_logits,
)
from autograder.checks.softmax_cross_entropy.mistakes import cross_entropy_mistakes, gradient_mistakes
from autograder.compare import assert_close, returned_tuple
from autograder.reference import softmax_cross_entropy as ref
from autograder.student_calls import call_unchanged


def _linear_loss_mistakes(scores: np.ndarray, labels: np.ndarray, expected_loss: float, no_bias_loss: float):
    """What known mistakes give as the loss for ``scores`` (N, C) and ``labels`` (N,)."""
    cross_entropy = cross_entropy_mistakes(scores, labels)
    # log-of-softmax before no-max-subtraction: both give inf when a probability underflows
    return {"log-of-softmax": cross_entropy["log-of-softmax"],
            "no-max-subtraction": cross_entropy["no-max-subtraction"], "no-bias": no_bias_loss,
            "sum-instead-of-mean": expected_loss * len(labels), "sign-flip": -expected_loss}


def _check_linear_on(function: Callable, x, W, b, labels, what, rtol=1e-7, atol=1e-12,
                     if_not_finite: str | None = None):
    loss, dW, db = returned_tuple(call_unchanged(function, what, x, W, b, labels), ("loss", "dW", "db"), what)
    expected_loss, expected_dW, expected_db = ref.linear_softmax_loss_and_grads(x, W, b, labels)
    n = len(labels)
    scores = x @ W.T + b
    assert_close(loss, expected_loss, f"{what}, the loss", rtol=rtol, atol=atol, if_not_finite=if_not_finite,
                 mistakes=_linear_loss_mistakes(scores, labels, expected_loss, ref.cross_entropy(x @ W.T, labels)))
    assert_close(dW, expected_dW, f"{what}, dW", rtol=rtol, atol=atol, if_not_finite=if_not_finite,
                 mistakes=gradient_mistakes(expected_dW, n))
    assert_close(db, expected_db, f"{what}, db", rtol=rtol, atol=atol, if_not_finite=if_not_finite,
                 mistakes=gradient_mistakes(expected_db, n))


def _linear_problem(rng: np.random.Generator, n: int, d: int, c: int, scale: float = 1.0):
    x = rng.normal(size=(n, d))
    return x, rng.normal(scale=scale, size=(c, d)), rng.normal(size=c), rng.integers(0, c, size=n)


def _linear_with_scores(logits: np.ndarray, labels: np.ndarray, bias: float = 0.0):
    """A fixed classifier whose scores are ``logits`` (N, C) + ``bias``: x = logits, W = I (C, C),
    b = bias in every class. Returns x, W, b, labels."""
    c = logits.shape[1]
    return logits.copy(), np.eye(c), np.full(c, bias), labels


def _linear_visible(function: Callable) -> None:
    rng = np.random.default_rng(VISIBLE_SEED)
    _check_linear_on(function, *_linear_problem(rng, 5, 6, 3),
                     "linear_softmax_loss_and_grads with x (5, 6), W (3, 6), b (3,)")
    _linear_requirements(function, rng, VISIBLE)


def check_linear_softmax_loss_and_grads(function: Callable) -> None:
    """Visible check of ``linear_softmax_loss_and_grads(x, W, b, labels)`` against autograd; a random
    problem, then every requirement on the self-check's own inputs."""
    on_its_own("linear_softmax_loss_and_grads", _linear_visible, function)


def _linear_requirements(function: Callable, rng: np.random.Generator, which: str) -> None:
    # Fixed scores, each failing one numerical mistake only, in an order that names it.
    logits, labels = shifted_logits(0.0, which)
    for bias, _ in SHIFTS[which]:
        _check_linear_on(function, *_linear_with_scores(logits, labels, bias),
                         f"linear_softmax_loss_and_grads with W = I and scores around {bias:+g} (b = {bias:g})",
                         if_not_finite="no-max-subtraction")
    _check_linear_on(function, *_linear_with_scores(*rows_apart_logits(which)),
                     f"linear_softmax_loss_and_grads with W = I and scores in {ROWS_APART[which]}",
                     if_not_finite="global-max-subtraction")
    logits, labels = underflow_logits(which)
    _check_linear_on(function, *_linear_with_scores(logits, labels),
                     "linear_softmax_loss_and_grads with W = I and a true class whose probability underflows "
                     f"(scores [{', '.join(f'{value:g}' for value in logits[0])}], label {labels[0]})",
                     if_not_finite="log-of-softmax")
    _check_linear_on(function, *_linear_problem(rng, 6, 4, 5, scale=400.0),
                     "linear_softmax_loss_and_grads with huge scores (|W| around 400)")
    x, W, b, labels = _linear_problem(rng, 5, 4, 3)
    _check_linear_on(function, x, W, b + 1000.0, labels,
                     "linear_softmax_loss_and_grads with random scores around +1000 (a bias of 1000)")
    _check_linear_on(function, *_linear_problem(rng, 1, 7, 3), "linear_softmax_loss_and_grads on a batch of one")
    _check_linear_on(function, *_linear_problem(rng, 8, 4, 4),
                     "linear_softmax_loss_and_grads with a square W (4, 4)")


def _linear_edge_cases(function: Callable, seed: int) -> None:
    _linear_requirements(function, np.random.default_rng(seed), HIDDEN)


def check_linear_softmax_loss_and_grads_edge_cases(function: Callable, seed: int) -> None:
    """Hidden check: scores around +1000 and -1000, rows at very different scales, a true class whose
    probability underflows, huge random scores, a batch of one, D == C, no mutation of x, W or b."""
    on_its_own("linear_softmax_loss_and_grads", _linear_edge_cases, function, seed)

