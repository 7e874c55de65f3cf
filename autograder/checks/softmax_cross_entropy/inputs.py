"""The inputs the checks of ``02-softmax-cross-entropy`` are run on: random logits and labels, and the fixed inputs
built so that each known numerical mistake fails on its own one (see
:func:`autograder.compare.assert_close`'s ``if_not_finite``), in a VISIBLE set for the self-checks and a
HIDDEN one for the hidden tests.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE


def logits_and_labels(rng: np.random.Generator, n: int, c: int, scale: float = 3.0):
    """Random logits (n, c) float64 and labels (n,) int64."""
    return rng.normal(scale=scale, size=(n, c)), rng.integers(0, c, size=n)


def huge_logits(rng: np.random.Generator, n: int, c: int, offset: float = 1000.0):
    """Logits near +offset, where exp() overflows: (n, c) float64, labels (n,) int64."""
    logits, labels = logits_and_labels(rng, n, c)
    return logits + offset, labels


def underflow_logits(which: str = HIDDEN):
    """Logits whose softmax has a probability below the smallest float64 (exp(-790) == 0.0).

    Returns logits (2, 3) float64 and labels (2,) whose true-class probability underflows in row 0.
    """
    if which == VISIBLE:
        return np.array([[0.5, 790.0, 0.0], [3.0, 1.0, 2.0]]), np.array([0, 2])
    return np.array([[800.0, 0.0, 1.0], [1.0, 2.0, 3.0]]), np.array([1, 2])


def rows_apart_logits(which: str = HIDDEN):
    """Rows at very different scales in one batch: logits (2, 3) float64 around 700 and around -50,
    labels (2,). Each row shifted by its own maximum is harmless, and even unshifted exp() stays finite
    (exp(705) < the largest float64); shifted by the batch's maximum, row 1 underflows to 0 / 0 = NaN
    (exp(-746) == 0). So only a shift by one maximum for the whole batch fails here."""
    if which == VISIBLE:
        return np.array([[704.0, 705.0, 703.0], [-44.0, -43.0, -45.0]]), np.array([0, 1])
    return np.array([[700.0, 699.0, 698.0], [-50.0, -49.0, -48.0]]), np.array([2, 0])


# How the checks describe rows_apart_logits.
ROWS_APART = {VISIBLE: "rows at very different scales (around 704 and -44)",
              HIDDEN: "rows at very different scales (around 700 and -50)"}
# The offsets of shifted_logits, and how the checks describe them.
SHIFTS = {VISIBLE: ((900.0, "huge logits (around +900)"), (-900.0, "very negative logits (around -900)")),
          HIDDEN: ((1000.0, "huge logits (around +1000)"), (-1000.0, "very negative logits (around -1000)"))}


def shifted_logits(offset: float, which: str = HIDDEN):
    """Fixed logits (3, 4) float64 around ``offset`` (+-900 or +-1000, where exp() overflows or
    underflows), each row's probabilities far from uniform, and labels (3,)."""
    if which == VISIBLE:
        base = np.array([[1.0, -2.0, 3.0, 0.0], [0.0, 4.0, 1.0, -1.0], [2.0, 0.5, -3.0, 1.5]])
        return base + offset, np.array([1, 2, 0])
    base = np.array([[0.0, 2.0, -1.0, 4.0], [3.0, -2.0, 0.5, 1.0], [-3.0, 1.0, 2.0, 0.0]])
    return base + offset, np.array([3, 0, 1])


def fixed_stability_cases(name: str, underflow_mistake: str | None, which: str) -> Iterator[tuple]:
    """The fixed inputs every cross-entropy function of the exercise must survive, whatever the seed:
    (logits, labels, what, the mistake a non-finite result reveals). Rows at very different scales
    catch one maximum for the whole batch, shifted rows a missing maximum, the last input the log of
    a probability that underflows (row 0's loss is about 800). ``which``: the self-check's inputs or
    the hidden test's."""
    logits, labels = rows_apart_logits(which)
    yield logits, labels, f"{name} on {ROWS_APART[which]}", "global-max-subtraction"
    for offset, about in SHIFTS[which]:
        logits, labels = shifted_logits(offset, which)
        yield logits, labels, f"{name} on {about}", "no-max-subtraction"
    logits, labels = underflow_logits(which)
    yield logits, labels, f"{name} when the true class's probability underflows", underflow_mistake

