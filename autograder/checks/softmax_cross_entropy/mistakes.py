"""What the known mistakes of ``02-softmax-cross-entropy`` return on the same input as a student's function: used to
name a mistake, never to grade."""
from __future__ import annotations

import numpy as np

from autograder.reference import softmax_cross_entropy as ref


def softmax_without_max(y: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(y, dtype=np.float64))
        return e / e.sum(axis=-1, keepdims=True)


def softmax_global_max(y: np.ndarray) -> np.ndarray:
    """Softmax of y (N, C) shifted by the batch's maximum instead of each row's: NaN rows far below it."""
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(y, dtype=np.float64) - np.max(y))
        return e / e.sum(axis=-1, keepdims=True)


def softmax_over_batch(y: np.ndarray, result: np.ndarray) -> np.ndarray:
    """Softmax of y (N, C) normalised over the batch (axis 0) instead of each row's classes, written
    the two ways students write it (exp shifted by each column's maximum, or by each row's): the one
    closer to ``result`` (N, C), so that either is recognised."""
    with np.errstate(all="ignore"):
        y = np.asarray(y, dtype=np.float64)
        by_column = np.exp(y - y.max(axis=0, keepdims=True))
        by_row = np.exp(y - y.max(axis=1, keepdims=True))
        candidates = [by_column / by_column.sum(axis=0, keepdims=True), by_row / by_row.sum(axis=0, keepdims=True)]
        if np.shape(result) != y.shape:
            return candidates[0]
        return min(candidates, key=lambda wrong: np.nan_to_num(np.max(np.abs(wrong - result)), nan=np.inf))


def cross_entropy_mistakes(logits: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    rows = np.arange(len(labels))
    per_sample = ref.cross_entropy_per_sample(logits, labels)
    with np.errstate(all="ignore"):
        naive = -np.log(softmax_without_max(logits)[rows, labels])
        log_of_softmax = -np.log(ref.softmax(logits)[rows, labels])
    # log-of-softmax before no-max-subtraction: both give inf when a probability underflows, and a
    # student without max-subtraction already fails (NaN) on huge logits, checked before underflow.
    return {"per-sample-loss": per_sample, "log-of-softmax": log_of_softmax.mean(),
            "no-max-subtraction": naive.mean(), "sum-instead-of-mean": per_sample.sum(),
            "sign-flip": -per_sample.mean()}


def gradient_mistakes(expected: np.ndarray, n: int, naive: np.ndarray | None = None) -> dict:
    mistakes = {"sum-instead-of-mean": expected * n, "sign-flip": -expected}
    if expected.ndim == 2:
        mistakes["transposed-gradient"] = expected.T
    if naive is not None:
        mistakes["no-max-subtraction"] = naive
    return mistakes

