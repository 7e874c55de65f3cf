"""The checks of ``one_hot(labels, num_classes)``, ``cross_entropy(logits, labels)`` (the batch mean)
and ``cross_entropy_grad(logits, labels)`` ((N, C)) against PyTorch."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_SEED
from autograder.checks.softmax_cross_entropy.calls import on_its_own
from autograder.checks.softmax_cross_entropy.inputs import fixed_stability_cases, huge_logits, logits_and_labels
from autograder.checks.softmax_cross_entropy.mistakes import (
    cross_entropy_mistakes,
    gradient_mistakes,
    softmax_without_max,
)
from autograder.compare import as_numeric_array, assert_close, assert_floating, assert_shape
from autograder.reference import softmax_cross_entropy as ref
from autograder.student_calls import call_unchanged


def _check_one_hot_on(one_hot: Callable, labels: np.ndarray, num_classes: int, what: str):
    result = as_numeric_array(call_unchanged(one_hot, what, labels, num_classes), what)
    expected = ref.one_hot(labels, num_classes)
    wrong_width = ref.one_hot(labels, int(labels.max()) + 1)
    assert_shape(result, expected.shape, what, {"num-classes-ignored": wrong_width})
    assert_floating(result, what)
    assert_close(result, expected, what, rtol=0, atol=0)


def _one_hot_requirements(one_hot: Callable, rng: np.random.Generator, size: int, num_classes: int) -> None:
    """Every requirement on ``one_hot``: classes absent from the batch (labels 0-3 of ``num_classes``,
    ``size`` of them from ``rng``), a batch of one, int32 labels, no mutation."""
    labels = rng.integers(0, 4, size=size)
    _check_one_hot_on(one_hot, labels, num_classes,
                      f"one_hot(labels, {num_classes}) when the batch holds only classes 0-3")
    _check_one_hot_on(one_hot, np.array([num_classes - 4]), num_classes - 3,
                      "one_hot on a batch of one label, the last class")
    _check_one_hot_on(one_hot, labels.astype(np.int32), 5, "one_hot on int32 labels")


def check_one_hot(one_hot: Callable) -> None:
    """Visible check of ``one_hot(labels, num_classes)``: (N,) int -> (N, C) float; a small batch, then
    every requirement on the self-check's own inputs."""
    _check_one_hot_on(one_hot, np.array([0, 2, 1, 2]), 3, "one_hot([0, 2, 1, 2], 3)")
    _one_hot_requirements(one_hot, np.random.default_rng(VISIBLE_SEED), 6, 8)


def check_one_hot_edge_cases(one_hot: Callable, seed: int) -> None:
    """Hidden check: classes absent from the batch, a batch of one, int32 labels, no mutation."""
    _one_hot_requirements(one_hot, np.random.default_rng(seed), 9, 10)


# --- cross_entropy ---------------------------------------------------------------------------------

def _check_cross_entropy_on(cross_entropy: Callable, logits, labels, what, rtol=1e-7, atol=1e-10,
                            if_not_finite: str | None = None):
    result = as_numeric_array(call_unchanged(cross_entropy, what, logits, labels), what)
    assert_close(result, ref.cross_entropy(logits, labels), what, rtol=rtol, atol=atol,
                 mistakes=cross_entropy_mistakes(logits, labels), if_not_finite=if_not_finite)


def _cross_entropy_visible(cross_entropy: Callable) -> None:
    rng = np.random.default_rng(VISIBLE_SEED)
    logits, labels = logits_and_labels(rng, 6, 4)
    _check_cross_entropy_on(cross_entropy, logits, labels, "cross_entropy on random logits (6, 4)")
    _cross_entropy_requirements(cross_entropy, rng, VISIBLE)


def check_cross_entropy(cross_entropy: Callable) -> None:
    """Visible check of ``cross_entropy(logits, labels)``: the batch mean, a single number; random
    logits, then every requirement on the self-check's own inputs."""
    on_its_own("cross_entropy", _cross_entropy_visible, cross_entropy)


def _stability_requirements(check_on: Callable, function: Callable, name: str, rng: np.random.Generator,
                            which: str, underflow_mistake: str | None, sizes: tuple[int, int],
                            float32_atol: float) -> None:
    """Every requirement on ``name`` (``cross_entropy`` or ``cross_entropy_grad``), ``function`` checked by
    ``check_on``: the ``which`` fixed stability cases (an underflowing probability revealing
    ``underflow_mistake``), then from ``rng`` huge logits (4, 5), a batch of one (1, sizes[0]) and float32
    logits (sizes[1], 3) held to rtol 1e-5 and ``float32_atol``."""
    for logits, labels, what, mistake in fixed_stability_cases(name, underflow_mistake, which):
        check_on(function, logits, labels, what, if_not_finite=mistake)
    logits, labels = huge_logits(rng, 4, 5)
    check_on(function, logits, labels, f"{name} on random huge logits (around +1000)")
    logits, labels = logits_and_labels(rng, 1, sizes[0])
    check_on(function, logits, labels, f"{name} on a batch of one")
    logits, labels = logits_and_labels(rng, sizes[1], 3)
    check_on(function, logits.astype(np.float32), labels, f"{name} on float32 logits", rtol=1e-5, atol=float32_atol)


def _cross_entropy_requirements(cross_entropy: Callable, rng: np.random.Generator, which: str) -> None:
    _stability_requirements(_check_cross_entropy_on, cross_entropy, "cross_entropy", rng, which, "log-of-softmax",
                            (5, 8), 1e-6)


def _cross_entropy_edge_cases(cross_entropy: Callable, seed: int) -> None:
    _cross_entropy_requirements(cross_entropy, np.random.default_rng(seed), HIDDEN)


def check_cross_entropy_edge_cases(cross_entropy: Callable, seed: int) -> None:
    """Hidden check: rows at very different scales, huge and very negative logits, a true-class
    probability that underflows, a batch of one, float32."""
    on_its_own("cross_entropy", _cross_entropy_edge_cases, cross_entropy, seed)


# --- cross_entropy_grad ----------------------------------------------------------------------------

def _check_cross_entropy_grad_on(grad: Callable, logits, labels, what, rtol=1e-7, atol=1e-12,
                                 if_not_finite: str | None = None):
    result = as_numeric_array(call_unchanged(grad, what, logits, labels), what)
    expected = ref.cross_entropy_grad(logits, labels)
    naive = (softmax_without_max(logits) - ref.one_hot(labels, logits.shape[1])) / len(labels)
    assert_close(result, expected, what, rtol=rtol, atol=atol, if_not_finite=if_not_finite,
                 mistakes=gradient_mistakes(expected, len(labels), naive))


def _cross_entropy_grad_visible(cross_entropy_grad: Callable) -> None:
    rng = np.random.default_rng(VISIBLE_SEED)
    logits, labels = logits_and_labels(rng, 6, 4)
    _check_cross_entropy_grad_on(cross_entropy_grad, logits, labels,
                                 "cross_entropy_grad on random logits (6, 4)")
    _cross_entropy_grad_requirements(cross_entropy_grad, rng, VISIBLE)


def check_cross_entropy_grad(cross_entropy_grad: Callable) -> None:
    """Visible check of ``cross_entropy_grad(logits, labels)`` against autograd: (N, C); random logits,
    then every requirement on the self-check's own inputs."""
    on_its_own("cross_entropy_grad", _cross_entropy_grad_visible, cross_entropy_grad)


def _cross_entropy_grad_requirements(cross_entropy_grad: Callable, rng: np.random.Generator, which: str) -> None:
    # the gradient takes no logarithm: an underflowing probability points to no particular mistake
    _stability_requirements(_check_cross_entropy_grad_on, cross_entropy_grad, "cross_entropy_grad", rng, which, None,
                            (6, 7), 1e-7)


def _cross_entropy_grad_edge_cases(cross_entropy_grad: Callable, seed: int) -> None:
    _cross_entropy_grad_requirements(cross_entropy_grad, np.random.default_rng(seed), HIDDEN)


def check_cross_entropy_grad_edge_cases(cross_entropy_grad: Callable, seed: int) -> None:
    """Hidden check: rows at very different scales, huge and very negative logits, underflow, a batch
    of one, float32, no mutation."""
    on_its_own("cross_entropy_grad", _cross_entropy_grad_edge_cases, cross_entropy_grad, seed)

