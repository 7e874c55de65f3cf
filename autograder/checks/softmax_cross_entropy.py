"""Checks for assignment ``02-softmax-cross-entropy``: students' numpy code against PyTorch.

``check_<function>`` is the visible self-check, ``check_<function>_edge_cases`` the hidden test. Both
probe every requirement the exercise states (logits around +1000 and -1000, rows at very different
scales in one batch, a true class whose probability underflows, a batch of one, float32, inputs that
must not be modified), each on its own inputs: the self-check first on random logits, then on the
VISIBLE fixed inputs and random ones from VISIBLE_SEED; the hidden test on the HIDDEN fixed inputs and
random ones from the student's seed. So a function that passes its self-check meets every stated
requirement on some input, and the hidden test sees other inputs. The fixed inputs come first and are
built so that each known numerical mistake fails on its own one (see
:func:`autograder.compare.assert_close`'s ``if_not_finite``), so the mistake named does not depend on
the seed. Each failure names a known mistake when it recognises one.

One mistake, one penalty: a function that may call the student's earlier functions (the classifier calls
``cross_entropy``, ``cross_entropy_grad`` calls ``softmax``) is checked with the reference's versions of
those in their place (:func:`autograder.compare.run_with_reference_helpers`), so a wrong ``softmax``
costs only ``softmax``'s tests.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from autograder.compare import (
    as_numeric_array,
    assert_close,
    assert_floating,
    assert_shape,
    call_unchanged,
    fail,
    returned_tuple,
    run_with_reference_helpers,
)
from autograder.reference import softmax_cross_entropy as ref

VISIBLE_SEED = 0
# Which fixed inputs a requirement case uses: the self-check's or the hidden test's.
VISIBLE, HIDDEN = "visible", "hidden"

# The reference's versions of the functions a student's later function may call, by name.
REFERENCE_FUNCTIONS = {"softmax": ref.softmax, "one_hot": ref.one_hot, "cross_entropy": ref.cross_entropy,
                       "cross_entropy_grad": ref.cross_entropy_grad}
# The earlier functions each function may call: it is checked with the reference's versions of them.
CALLS = {"cross_entropy": ("softmax", "one_hot"),
         "cross_entropy_grad": ("softmax", "one_hot", "cross_entropy"),
         "softmax_jacobian": ("softmax",),
         "linear_softmax_loss_and_grads": ("softmax", "one_hot", "cross_entropy", "cross_entropy_grad")}


def _on_its_own(name: str, check: Callable, function: Callable, *args) -> None:
    """``check(function, *args)`` with the reference's versions of the functions ``name`` may call."""
    run_with_reference_helpers(check, function, {f: REFERENCE_FUNCTIONS[f] for f in CALLS[name]}, *args)


def _logits_and_labels(rng: np.random.Generator, n: int, c: int, scale: float = 3.0):
    """Random logits (n, c) float64 and labels (n,) int64."""
    return rng.normal(scale=scale, size=(n, c)), rng.integers(0, c, size=n)


def _huge_logits(rng: np.random.Generator, n: int, c: int, offset: float = 1000.0):
    """Logits near +offset, where exp() overflows: (n, c) float64, labels (n,) int64."""
    logits, labels = _logits_and_labels(rng, n, c)
    return logits + offset, labels


def _underflow_logits(which: str = HIDDEN):
    """Logits whose softmax has a probability below the smallest float64 (exp(-790) == 0.0).

    Returns logits (2, 3) float64 and labels (2,) whose true-class probability underflows in row 0.
    """
    if which == VISIBLE:
        return np.array([[0.5, 790.0, 0.0], [3.0, 1.0, 2.0]]), np.array([0, 2])
    return np.array([[800.0, 0.0, 1.0], [1.0, 2.0, 3.0]]), np.array([1, 2])


def _rows_apart_logits(which: str = HIDDEN):
    """Rows at very different scales in one batch: logits (2, 3) float64 around 700 and around -50,
    labels (2,). Each row shifted by its own maximum is harmless, and even unshifted exp() stays finite
    (exp(705) < the largest float64); shifted by the batch's maximum, row 1 underflows to 0 / 0 = NaN
    (exp(-746) == 0). So only a shift by one maximum for the whole batch fails here."""
    if which == VISIBLE:
        return np.array([[704.0, 705.0, 703.0], [-44.0, -43.0, -45.0]]), np.array([0, 1])
    return np.array([[700.0, 699.0, 698.0], [-50.0, -49.0, -48.0]]), np.array([2, 0])


# How the checks describe _rows_apart_logits.
ROWS_APART = {VISIBLE: "rows at very different scales (around 704 and -44)",
              HIDDEN: "rows at very different scales (around 700 and -50)"}
# The offsets of _shifted_logits, and how the checks describe them.
SHIFTS = {VISIBLE: ((900.0, "huge logits (around +900)"), (-900.0, "very negative logits (around -900)")),
          HIDDEN: ((1000.0, "huge logits (around +1000)"), (-1000.0, "very negative logits (around -1000)"))}


def _shifted_logits(offset: float, which: str = HIDDEN):
    """Fixed logits (3, 4) float64 around ``offset`` (+-900 or +-1000, where exp() overflows or
    underflows), each row's probabilities far from uniform, and labels (3,)."""
    if which == VISIBLE:
        base = np.array([[1.0, -2.0, 3.0, 0.0], [0.0, 4.0, 1.0, -1.0], [2.0, 0.5, -3.0, 1.5]])
        return base + offset, np.array([1, 2, 0])
    base = np.array([[0.0, 2.0, -1.0, 4.0], [3.0, -2.0, 0.5, 1.0], [-3.0, 1.0, 2.0, 0.0]])
    return base + offset, np.array([3, 0, 1])


# --- what the known mistakes return on the same input (used to name a mistake, not to grade) -------

def _softmax_without_max(y: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(y, dtype=np.float64))
        return e / e.sum(axis=-1, keepdims=True)


def _softmax_global_max(y: np.ndarray) -> np.ndarray:
    """Softmax of y (N, C) shifted by the batch's maximum instead of each row's: NaN rows far below it."""
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(y, dtype=np.float64) - np.max(y))
        return e / e.sum(axis=-1, keepdims=True)


def _softmax_over_batch(y: np.ndarray, result: np.ndarray) -> np.ndarray:
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


def _cross_entropy_mistakes(logits: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    rows = np.arange(len(labels))
    per_sample = ref.cross_entropy_per_sample(logits, labels)
    with np.errstate(all="ignore"):
        naive = -np.log(_softmax_without_max(logits)[rows, labels])
        log_of_softmax = -np.log(ref.softmax(logits)[rows, labels])
    # log-of-softmax before no-max-subtraction: both give inf when a probability underflows, and a
    # student without max-subtraction already fails (NaN) on huge logits, checked before underflow.
    return {"per-sample-loss": per_sample, "log-of-softmax": log_of_softmax.mean(),
            "no-max-subtraction": naive.mean(), "sum-instead-of-mean": per_sample.sum(),
            "sign-flip": -per_sample.mean()}


def _gradient_mistakes(expected: np.ndarray, n: int, naive: np.ndarray | None = None) -> dict:
    mistakes = {"sum-instead-of-mean": expected * n, "sign-flip": -expected}
    if expected.ndim == 2:
        mistakes["transposed-gradient"] = expected.T
    if naive is not None:
        mistakes["no-max-subtraction"] = naive
    return mistakes


# --- softmax ---------------------------------------------------------------------------------------

def _check_softmax_on(softmax: Callable, y: np.ndarray, what: str, rtol: float, atol: float,
                      if_not_finite: str | None = None):
    result = as_numeric_array(call_unchanged(softmax, what, y), what)
    assert_floating(result, what, at_least=y.dtype)
    assert_close(result, ref.softmax(y), what, rtol=rtol, atol=atol, if_not_finite=if_not_finite,
                 mistakes={"no-max-subtraction": _softmax_without_max(y),
                           "global-max-subtraction": _softmax_global_max(y),
                           "softmax-wrong-axis": _softmax_over_batch(y, result)})
    row_sums = result.astype(np.float64).sum(axis=1)
    if not np.allclose(row_sums, 1.0, atol=max(atol, 1e-6) * y.shape[1]):
        fail(what, f"rows must sum to 1; row sums are {row_sums}.")


def _softmax_requirements(softmax: Callable, rng: np.random.Generator, which: str) -> None:
    """Every requirement on ``softmax``, on the ``which`` fixed inputs and random ones from ``rng``:
    rows at very different scales, huge and very negative logits, underflowing probabilities, a batch
    of one, float32, no mutation."""
    y, _ = _rows_apart_logits(which)
    _check_softmax_on(softmax, y, f"softmax(y) on {ROWS_APART[which]}",
                      1e-7, 1e-12, if_not_finite="global-max-subtraction")
    for offset, about in SHIFTS[which]:
        y, _ = _shifted_logits(offset, which)
        _check_softmax_on(softmax, y, f"softmax(y) on {about}", 1e-7, 1e-12, if_not_finite="no-max-subtraction")
    y, _ = _huge_logits(rng, 3, 6)
    _check_softmax_on(softmax, y, "softmax(y) on random huge logits (around +1000)", 1e-7, 1e-12)
    _check_softmax_on(softmax, -y, "softmax(y) on random very negative logits (around -1000)", 1e-7, 1e-12)
    y, _ = _underflow_logits(which)
    _check_softmax_on(softmax, y, "softmax(y) with a probability that underflows to 0", 1e-7, 1e-12)
    y, _ = _logits_and_labels(rng, 1, 7)
    _check_softmax_on(softmax, y, "softmax(y) on a batch of one, shape (1, 7)", 1e-7, 1e-12)
    y, _ = _logits_and_labels(rng, 5, 4)
    _check_softmax_on(softmax, y.astype(np.float32), "softmax(y) on float32 logits", 1e-5, 1e-7)


def check_softmax(softmax: Callable) -> None:
    """Visible check of ``softmax(y)``: (N, C) float -> (N, C), rows summing to 1; random logits, then
    every requirement on the self-check's own inputs."""
    rng = np.random.default_rng(VISIBLE_SEED)
    y, _ = _logits_and_labels(rng, 4, 5)
    _check_softmax_on(softmax, y, "softmax(y) on random logits of shape (4, 5)", 1e-7, 1e-12)
    _softmax_requirements(softmax, rng, VISIBLE)


def check_softmax_edge_cases(softmax: Callable, seed: int) -> None:
    """Hidden check: every requirement of :func:`_softmax_requirements` on the hidden inputs."""
    _softmax_requirements(softmax, np.random.default_rng(seed), HIDDEN)


# --- one_hot ---------------------------------------------------------------------------------------

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
                 mistakes=_cross_entropy_mistakes(logits, labels), if_not_finite=if_not_finite)


def _cross_entropy_visible(cross_entropy: Callable) -> None:
    rng = np.random.default_rng(VISIBLE_SEED)
    logits, labels = _logits_and_labels(rng, 6, 4)
    _check_cross_entropy_on(cross_entropy, logits, labels, "cross_entropy on random logits (6, 4)")
    _cross_entropy_requirements(cross_entropy, rng, VISIBLE)


def check_cross_entropy(cross_entropy: Callable) -> None:
    """Visible check of ``cross_entropy(logits, labels)``: the batch mean, a single number; random
    logits, then every requirement on the self-check's own inputs."""
    _on_its_own("cross_entropy", _cross_entropy_visible, cross_entropy)


def _fixed_stability_cases(name: str, underflow_mistake: str | None, which: str) -> Iterator[tuple]:
    """The fixed inputs every cross-entropy function of the exercise must survive, whatever the seed:
    (logits, labels, what, the mistake a non-finite result reveals). Rows at very different scales
    catch one maximum for the whole batch, shifted rows a missing maximum, the last input the log of
    a probability that underflows (row 0's loss is about 800). ``which``: the self-check's inputs or
    the hidden test's."""
    logits, labels = _rows_apart_logits(which)
    yield logits, labels, f"{name} on {ROWS_APART[which]}", "global-max-subtraction"
    for offset, about in SHIFTS[which]:
        logits, labels = _shifted_logits(offset, which)
        yield logits, labels, f"{name} on {about}", "no-max-subtraction"
    logits, labels = _underflow_logits(which)
    yield logits, labels, f"{name} when the true class's probability underflows", underflow_mistake


def _cross_entropy_requirements(cross_entropy: Callable, rng: np.random.Generator, which: str) -> None:
    for logits, labels, what, mistake in _fixed_stability_cases("cross_entropy", "log-of-softmax", which):
        _check_cross_entropy_on(cross_entropy, logits, labels, what, if_not_finite=mistake)
    logits, labels = _huge_logits(rng, 4, 5)
    _check_cross_entropy_on(cross_entropy, logits, labels, "cross_entropy on random huge logits (around +1000)")
    logits, labels = _logits_and_labels(rng, 1, 5)
    _check_cross_entropy_on(cross_entropy, logits, labels, "cross_entropy on a batch of one")
    logits, labels = _logits_and_labels(rng, 8, 3)
    _check_cross_entropy_on(cross_entropy, logits.astype(np.float32), labels,
                            "cross_entropy on float32 logits", rtol=1e-5, atol=1e-6)


def _cross_entropy_edge_cases(cross_entropy: Callable, seed: int) -> None:
    _cross_entropy_requirements(cross_entropy, np.random.default_rng(seed), HIDDEN)


def check_cross_entropy_edge_cases(cross_entropy: Callable, seed: int) -> None:
    """Hidden check: rows at very different scales, huge and very negative logits, a true-class
    probability that underflows, a batch of one, float32."""
    _on_its_own("cross_entropy", _cross_entropy_edge_cases, cross_entropy, seed)


# --- cross_entropy_grad ----------------------------------------------------------------------------

def _check_cross_entropy_grad_on(grad: Callable, logits, labels, what, rtol=1e-7, atol=1e-12,
                                 if_not_finite: str | None = None):
    result = as_numeric_array(call_unchanged(grad, what, logits, labels), what)
    expected = ref.cross_entropy_grad(logits, labels)
    naive = (_softmax_without_max(logits) - ref.one_hot(labels, logits.shape[1])) / len(labels)
    assert_close(result, expected, what, rtol=rtol, atol=atol, if_not_finite=if_not_finite,
                 mistakes=_gradient_mistakes(expected, len(labels), naive))


def _cross_entropy_grad_visible(cross_entropy_grad: Callable) -> None:
    rng = np.random.default_rng(VISIBLE_SEED)
    logits, labels = _logits_and_labels(rng, 6, 4)
    _check_cross_entropy_grad_on(cross_entropy_grad, logits, labels,
                                 "cross_entropy_grad on random logits (6, 4)")
    _cross_entropy_grad_requirements(cross_entropy_grad, rng, VISIBLE)


def check_cross_entropy_grad(cross_entropy_grad: Callable) -> None:
    """Visible check of ``cross_entropy_grad(logits, labels)`` against autograd: (N, C); random logits,
    then every requirement on the self-check's own inputs."""
    _on_its_own("cross_entropy_grad", _cross_entropy_grad_visible, cross_entropy_grad)


def _cross_entropy_grad_requirements(cross_entropy_grad: Callable, rng: np.random.Generator, which: str) -> None:
    # the gradient takes no logarithm: an underflowing probability points to no particular mistake
    for logits, labels, what, mistake in _fixed_stability_cases("cross_entropy_grad", None, which):
        _check_cross_entropy_grad_on(cross_entropy_grad, logits, labels, what, if_not_finite=mistake)
    logits, labels = _huge_logits(rng, 4, 5)
    _check_cross_entropy_grad_on(cross_entropy_grad, logits, labels,
                                 "cross_entropy_grad on random huge logits (around +1000)")
    logits, labels = _logits_and_labels(rng, 1, 6)
    _check_cross_entropy_grad_on(cross_entropy_grad, logits, labels, "cross_entropy_grad on a batch of one")
    logits, labels = _logits_and_labels(rng, 7, 3)
    _check_cross_entropy_grad_on(cross_entropy_grad, logits.astype(np.float32), labels,
                                 "cross_entropy_grad on float32 logits", rtol=1e-5, atol=1e-7)


def _cross_entropy_grad_edge_cases(cross_entropy_grad: Callable, seed: int) -> None:
    _cross_entropy_grad_requirements(cross_entropy_grad, np.random.default_rng(seed), HIDDEN)


def check_cross_entropy_grad_edge_cases(cross_entropy_grad: Callable, seed: int) -> None:
    """Hidden check: rows at very different scales, huge and very negative logits, underflow, a batch
    of one, float32, no mutation."""
    _on_its_own("cross_entropy_grad", _cross_entropy_grad_edge_cases, cross_entropy_grad, seed)


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
    _on_its_own("softmax_jacobian", _softmax_jacobian_visible, softmax_jacobian)


def _softmax_jacobian_requirements(softmax_jacobian: Callable, rng: np.random.Generator, which: str) -> None:
    for offset, about in SHIFTS[which]:
        _check_jacobian_on(softmax_jacobian, _shifted_logits(offset, which)[0][0], f"softmax_jacobian on {about}")
    y = _underflow_logits(which)[0][0]
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
    _on_its_own("softmax_jacobian", _softmax_jacobian_edge_cases, softmax_jacobian, seed)


# --- linear_softmax_loss_and_grads -----------------------------------------------------------------

def _linear_loss_mistakes(scores: np.ndarray, labels: np.ndarray, expected_loss: float, no_bias_loss: float):
    """What known mistakes give as the loss for ``scores`` (N, C) and ``labels`` (N,)."""
    cross_entropy = _cross_entropy_mistakes(scores, labels)
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
                 mistakes=_gradient_mistakes(expected_dW, n))
    assert_close(db, expected_db, f"{what}, db", rtol=rtol, atol=atol, if_not_finite=if_not_finite,
                 mistakes=_gradient_mistakes(expected_db, n))


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
    _on_its_own("linear_softmax_loss_and_grads", _linear_visible, function)


def _linear_requirements(function: Callable, rng: np.random.Generator, which: str) -> None:
    # Fixed scores, each failing one numerical mistake only, in an order that names it.
    logits, labels = _shifted_logits(0.0, which)
    for bias, _ in SHIFTS[which]:
        _check_linear_on(function, *_linear_with_scores(logits, labels, bias),
                         f"linear_softmax_loss_and_grads with W = I and scores around {bias:+g} (b = {bias:g})",
                         if_not_finite="no-max-subtraction")
    _check_linear_on(function, *_linear_with_scores(*_rows_apart_logits(which)),
                     f"linear_softmax_loss_and_grads with W = I and scores in {ROWS_APART[which]}",
                     if_not_finite="global-max-subtraction")
    logits, labels = _underflow_logits(which)
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
    _on_its_own("linear_softmax_loss_and_grads", _linear_edge_cases, function, seed)


# --- numerical_gradient ----------------------------------------------------------------------------

def _check_numerical_gradient_on(numerical_gradient, f, x, expected, what, rtol, atol, mistakes=None, **kw):
    result = call_unchanged(numerical_gradient, what, f, x, **kw)
    assert_close(result, expected, what, rtol=rtol, atol=atol, mistakes=mistakes)


def _numerical_gradient_requirements(numerical_gradient: Callable, rng: np.random.Generator,
                                     cube_shape: tuple[int, ...], h: float) -> None:
    """Every requirement on ``numerical_gradient``: centred (not forward) differences with the given
    step ``h`` on x of ``cube_shape``, f called with x's shape (a matrix X), a vector, x restored."""
    x = rng.normal(size=cube_shape)
    # sum(x**3): the centred difference is exactly 3 x**2 + h**2, the forward one 3 x**2 + 3 x h + h**2
    _check_numerical_gradient_on(
        numerical_gradient, lambda v: np.sum(v ** 3), x, 3 * x ** 2 + h ** 2,
        f"numerical_gradient of sum(x**3) with h={h:g} on x of shape {cube_shape}", rtol=1e-9, atol=1e-10,
        mistakes={"forward-difference": 3 * x ** 2 + 3 * x * h + h ** 2}, h=h)
    M = rng.normal(size=(3, 3))
    X = rng.normal(size=(3, 2))
    _check_numerical_gradient_on(
        numerical_gradient, lambda v: np.sum(np.tanh(M @ v)), X, M.T @ (1 - np.tanh(M @ X) ** 2),
        "numerical_gradient of sum(tanh(M @ X)) for a matrix X (3, 2)", rtol=1e-6, atol=1e-8)
    v = rng.normal(size=5)
    _check_numerical_gradient_on(numerical_gradient, lambda u: float(u @ u), v, 2 * v,
                                 "numerical_gradient of u @ u for a vector u (5,)", rtol=1e-6, atol=1e-8)


def check_numerical_gradient(numerical_gradient: Callable) -> None:
    """Visible check of ``numerical_gradient(f, x, h=1e-5)`` on f(x) = sum(x sin x), x (3, 4), then
    every requirement on the self-check's own inputs."""
    rng = np.random.default_rng(VISIBLE_SEED)
    x = rng.normal(size=(3, 4))
    _check_numerical_gradient_on(numerical_gradient, lambda v: np.sum(v * np.sin(v)), x,
                                 np.sin(x) + x * np.cos(x), "numerical_gradient of sum(x * sin(x))",
                                 rtol=1e-6, atol=1e-8)
    _numerical_gradient_requirements(numerical_gradient, rng, (3, 2, 2), 2e-3)


def check_numerical_gradient_edge_cases(numerical_gradient: Callable, seed: int) -> None:
    """Hidden check: centred (not forward) differences, any shape, f sees x's shape, x restored."""
    _numerical_gradient_requirements(numerical_gradient, np.random.default_rng(seed), (2, 3, 2), 1e-3)
