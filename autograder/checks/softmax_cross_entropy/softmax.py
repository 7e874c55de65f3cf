"""The checks of ``softmax(y)`` ((N, C) -> (N, C), each row's probabilities) and of
``softmax_jacobian(y)`` ((C,) -> (C, C)) against PyTorch."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_SEED
from autograder.checks.softmax_cross_entropy.calls import on_its_own
from autograder.checks.softmax_cross_entropy.inputs import (
    ROWS_APART,
    SHIFTS,
    huge_logits,
    logits_and_labels,
    rows_apart_logits,
    shifted_logits,
    underflow_logits,
)
from autograder.checks.softmax_cross_entropy.mistakes import softmax_global_max, softmax_over_batch, softmax_without_max
from autograder.compare import as_numeric_array, assert_close, assert_floating, fail
from autograder.reference import softmax_cross_entropy as ref
from autograder.student_calls import call_unchanged


def _check_softmax_on(softmax: Callable, y: np.ndarray, what: str, rtol: float, atol: float,
                      if_not_finite: str | None = None):
    result = as_numeric_array(call_unchanged(softmax, what, y), what)
    assert_floating(result, what, at_least=y.dtype)
    assert_close(result, ref.softmax(y), what, rtol=rtol, atol=atol, if_not_finite=if_not_finite,
                 mistakes={"no-max-subtraction": softmax_without_max(y),
                           "global-max-subtraction": softmax_global_max(y),
                           "softmax-wrong-axis": softmax_over_batch(y, result)})
    row_sums = result.astype(np.float64).sum(axis=1)
    if not np.allclose(row_sums, 1.0, atol=max(atol, 1e-6) * y.shape[1]):
        fail(what, f"rows must sum to 1; row sums are {row_sums}.")


def _softmax_requirements(softmax: Callable, rng: np.random.Generator, which: str) -> None:
    """Every requirement on ``softmax``, on the ``which`` fixed inputs and random ones from ``rng``:
    rows at very different scales, huge and very negative logits, underflowing probabilities, a batch
    of one, float32, no mutation."""
    y, _ = rows_apart_logits(which)
    _check_softmax_on(softmax, y, f"softmax(y) on {ROWS_APART[which]}",
                      1e-7, 1e-12, if_not_finite="global-max-subtraction")
    for offset, about in SHIFTS[which]:
        y, _ = shifted_logits(offset, which)
        _check_softmax_on(softmax, y, f"softmax(y) on {about}", 1e-7, 1e-12, if_not_finite="no-max-subtraction")
    y, _ = huge_logits(rng, 3, 6)
    _check_softmax_on(softmax, y, "softmax(y) on random huge logits (around +1000)", 1e-7, 1e-12)
    _check_softmax_on(softmax, -y, "softmax(y) on random very negative logits (around -1000)", 1e-7, 1e-12)
    y, _ = underflow_logits(which)
    _check_softmax_on(softmax, y, "softmax(y) with a probability that underflows to 0", 1e-7, 1e-12)
    y, _ = logits_and_labels(rng, 1, 7)
    _check_softmax_on(softmax, y, "softmax(y) on a batch of one, shape (1, 7)", 1e-7, 1e-12)
    y, _ = logits_and_labels(rng, 5, 4)
    _check_softmax_on(softmax, y.astype(np.float32), "softmax(y) on float32 logits", 1e-5, 1e-7)


def check_softmax(softmax: Callable) -> None:
    """Visible check of ``softmax(y)``: (N, C) float -> (N, C), rows summing to 1; random logits, then
    every requirement on the self-check's own inputs."""
    rng = np.random.default_rng(VISIBLE_SEED)
    y, _ = logits_and_labels(rng, 4, 5)
    _check_softmax_on(softmax, y, "softmax(y) on random logits of shape (4, 5)", 1e-7, 1e-12)
    _softmax_requirements(softmax, rng, VISIBLE)


def check_softmax_edge_cases(softmax: Callable, seed: int) -> None:
    """Hidden check: every requirement of :func:`_softmax_requirements` on the hidden inputs."""
    _softmax_requirements(softmax, np.random.default_rng(seed), HIDDEN)


# --- softmax_jacobian ------------------------------------------------------------------------------

def _check_jacobian_on(softmax_jacobian: Callable, y: np.ndarray, what: str, rtol=1e-7, atol=1e-12):
    result = as_numeric_array(call_unchanged(softmax_jacobian, what, y), what)
    expected = ref.softmax_jacobian(y)
    sigma = ref.softmax(y[None].astype(np.float64))[0]
    assert_close(result, expected, what, rtol=rtol, atol=atol,
                 mistakes={"jacobian-diagonal-only": np.diag(sigma), "sign-flip": -expected,
                           "no-max-subtraction": np.full_like(expected, np.nan)})


def _softmax_jacobian_visible(softmax_jacobian: Callable) -> None:
    rng = np.random.default_rng(VISIBLE_SEED)
    _check_jacobian_on(softmax_jacobian, rng.normal(size=4), "softmax_jacobian on a random y of shape (4,)")
    _softmax_jacobian_requirements(softmax_jacobian, rng, VISIBLE)


def check_softmax_jacobian(softmax_jacobian: Callable) -> None:
    """Visible check of ``softmax_jacobian(y)``: (C,) -> (C, C), J[i, j] = dsigma_i/dy_j; a random y,
    then every requirement on the self-check's own inputs."""
    on_its_own("softmax_jacobian", _softmax_jacobian_visible, softmax_jacobian)


def _softmax_jacobian_requirements(softmax_jacobian: Callable, rng: np.random.Generator, which: str) -> None:
    for offset, about in SHIFTS[which]:
        _check_jacobian_on(softmax_jacobian, shifted_logits(offset, which)[0][0], f"softmax_jacobian on {about}")
    y = underflow_logits(which)[0][0]
    _check_jacobian_on(softmax_jacobian, y, "softmax_jacobian when a probability underflows, y = "
                       f"[{', '.join(f'{value:g}' for value in y)}]")
    _check_jacobian_on(softmax_jacobian, np.array([2.5 if which == HIDDEN else -1.5]),
                       "softmax_jacobian of a single class (C = 1)")
    _check_jacobian_on(softmax_jacobian, rng.normal(size=5) + 1000.0,
                       "softmax_jacobian on random huge logits (around +1000)")
    _check_jacobian_on(softmax_jacobian, rng.normal(size=3).astype(np.float32),
                       "softmax_jacobian on float32 logits", rtol=1e-5, atol=1e-7)


def _softmax_jacobian_edge_cases(softmax_jacobian: Callable, seed: int) -> None:
    _softmax_jacobian_requirements(softmax_jacobian, np.random.default_rng(seed), HIDDEN)


def check_softmax_jacobian_edge_cases(softmax_jacobian: Callable, seed: int) -> None:
    """Hidden check: huge and very negative logits, an underflowing probability, a single class,
    float32, no mutation."""
    on_its_own("softmax_jacobian", _softmax_jacobian_edge_cases, softmax_jacobian, seed)

