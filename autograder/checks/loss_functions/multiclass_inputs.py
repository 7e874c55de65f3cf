"""The multi-class inputs that the Weston-Watkins and Crammer-Singer checks of ``04-loss-functions``
share: random scores, and fixed ones with margin terms exactly 0, terms active only for a wide margin and
a close call, each in its HIDDEN variant or, for the self-check, the same problem written otherwise."""
from __future__ import annotations

import numpy as np

from autograder.checks.seeds import HIDDEN


def variant(scores: np.ndarray, labels: np.ndarray, which: str):
    """Multi-class scores (N, C) and labels (N,) as the hidden test uses them, or for VISIBLE the same
    problem written otherwise: rows reversed, classes rotated by one, every score raised by 0.5 (exact:
    the scores are multiples of 0.25), so that every margin term, kink and tie stays as it was."""
    if which == HIDDEN:
        return scores, labels
    return np.roll(scores[::-1], 1, axis=1) + 0.5, (labels[::-1] + 1) % scores.shape[1]


def multiclass_problem(rng: np.random.Generator, n: int, c: int, scale: float = 1.0):
    """Scores (n, c) float64 and labels (n,) int64; the first third of the samples are classified with a
    wide margin (true score raised by 3 scale), so that some hinge terms are 0. Normal scores have no
    ties and no exact kinks."""
    scores, labels = rng.normal(scale=scale, size=(n, c)), rng.integers(0, c, size=n)
    confident = np.arange(n // 3)
    scores[confident, labels[confident]] += 3 * scale
    return scores, labels


def on_margin_multiclass(which: str = HIDDEN):
    """Scores (4, 5) with margin terms exactly 0 (kinks) for margin 1, both for Weston-Watkins (c the
    true class; row 0: y_c - y_1 = 1; row 1: y_c - y_1 = 1; row 2: y_c - y_0 = 1) and Crammer-Singer (rows 0
    and 2: y_c minus the best wrong score is 1), with no tie for the best wrong class; labels (4,)."""
    scores = np.array([[3.0, 2.0, 0.0, -1.0, -3.0],
                       [0.0, 1.0, 4.0, 2.0, -3.0],
                       [1.0, -2.0, 2.0, 0.5, -3.0],
                       [5.0, 0.0, 1.0, 2.0, -3.0]])
    return variant(scores, np.array([0, 3, 2, 0]), which)


def active_only_for_wide_margin(which: str = HIDDEN):
    """Scores (2, 4) and labels (2,) whose margin terms are all negative for margin 1 but four of them
    positive for margin 2.5 (0.5, 1.0, 1.0, 1.25), none exactly 0 for either margin."""
    scores = np.array([[2.0, 0.0, 0.5, -4.0],
                       [0.0, 3.0, 1.5, 1.75]])
    return variant(scores, np.array([0, 1]), which)


def close_call_multiclass(which: str = HIDDEN):
    """Scores (2, 4) and labels (2,): in row 0 the true class scores highest but by less than 1, and two
    wrong classes are within the margin (1 - y_c + y_j = 0.5 and 0.25); in row 1 a wrong class scores
    highest. No ties, no term exactly 0."""
    scores = np.array([[1.0, 0.5, 0.25, -3.0],
                       [0.0, 2.0, -1.0, 1.5]])
    return variant(scores, np.array([0, 3]), which)
