"""The check of the two-layer network of ``03-backpropagation``: ``two_layer_net_loss_and_grads(x, params,
labels) -> (loss, grads)``, linear-ReLU-linear-softmax cross-entropy against autograd.

Its fixed inputs (:data:`NET_CASES`) come first, each failing one numerical mistake only, so that the
mistake named does not depend on the seed. One mistake, one penalty: the network is checked with the
reference's linear and ReLU layers (:data:`REFERENCE_LAYERS`) in place of the student's."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.compare import as_numeric_array, assert_close, assert_floating, assert_unchanged, fail, returned_tuple
from autograder.reference import backpropagation as ref
from autograder.student_calls import call_student, run_with_reference_helpers


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax by log-sum-exp: (N, C) -> (N, C)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _two_layer_net_mistakes(x, params, labels):
    """{mistake: {name: gradient}} of the ReLU mistakes, which change dW1 and db1."""
    h = x @ params["W1"].T + params["b1"]
    scores = np.maximum(h, 0) @ params["W2"].T + params["b2"]
    dscores = np.exp(_log_softmax(scores))
    dscores[np.arange(len(labels)), labels] -= 1
    da = dscores / len(labels) @ params["W2"]
    wrong = {}
    for mistake, dh in (("relu-gradient-not-masked", da), ("relu-subgradient-at-zero", da * (h >= 0))):
        wrong[mistake] = {"W1": dh.T @ x, "b1": dh.sum(axis=0)}
    return wrong


def _loss_mistakes(scores, labels, expected_loss, no_bias_scores):
    rows = np.arange(len(labels))
    with np.errstate(all="ignore"):
        naive_softmax = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        naive = -np.log(naive_softmax[rows, labels]).mean()
        log_of_softmax = -np.log(np.exp(_log_softmax(scores))[rows, labels]).mean()
    # log-of-softmax first: both give inf when a probability underflows (as in chapter 02's checks)
    return {"log-of-softmax": log_of_softmax, "no-max-subtraction": naive,
            "sum-instead-of-mean": expected_loss * len(labels), "sign-flip": -expected_loss,
            "no-bias": -_log_softmax(no_bias_scores)[rows, labels].mean()}


def _check_two_layer_net_on(function, x, params, labels, about, if_not_finite: str | None = None):
    """if_not_finite: the mistake to name when the loss or a gradient is NaN or infinite (for fixed
    inputs that only that mistake overflows or underflows on)."""
    what = f"two_layer_net_loss_and_grads on {about}"
    inputs = {"x": x, "labels": labels, **{k: params[k] for k in ref.PARAMETER_NAMES}}
    before = {name: array.copy() for name, array in inputs.items()}
    result = call_student(function, what, x, dict(params), labels)
    for name, original in before.items():
        assert_unchanged(original, inputs[name], f"{what} ({name})")
    loss, grads = returned_tuple(result, ("loss", "grads"), what)
    expected_loss, expected_grads = ref.two_layer_net_loss_and_grads(x, params, labels)
    n = len(labels)
    scores = ref.two_layer_net_scores(x, params)
    no_bias = ref.two_layer_net_scores(x, {**params, "b2": np.zeros_like(params["b2"])})
    assert_close(loss, expected_loss, f"{what}, the loss", if_not_finite=if_not_finite,
                 mistakes=_loss_mistakes(scores, labels, expected_loss, no_bias))
    if not isinstance(grads, dict):
        fail(what, f"must return its gradients as a dict with keys {', '.join(ref.PARAMETER_NAMES)}; "
                   f"got {type(grads).__name__}.")
    missing = [k for k in ref.PARAMETER_NAMES if k not in grads]
    if missing:
        fail(what, f"the gradients dict has no key {', '.join(map(repr, missing))} "
                   f"(keys: {', '.join(map(repr, grads))}).")
    wrong = _two_layer_net_mistakes(x, params, labels)
    for name in ref.PARAMETER_NAMES:
        grad_what = f"{what}, d{name}"
        expected = expected_grads[name]
        mistakes = {m: g[name] for m, g in wrong.items() if name in g}
        mistakes.update({"sum-instead-of-mean": expected * n, "sign-flip": -expected})
        if name.startswith("W"):
            mistakes["transposed-gradient"] = expected.T
        else:
            wrong_shape = (n, len(params[name]))  # the per-sample gradients, not summed
            mistakes["bias-gradient-not-summed"] = np.zeros(wrong_shape)
        actual = as_numeric_array(grads[name], grad_what)
        assert_floating(actual, grad_what)
        assert_close(actual, expected, grad_what, mistakes=mistakes, if_not_finite=if_not_finite)


def _two_layer_net_problem(rng, n, d, hidden, c, w2_scale=1.0):
    x = rng.normal(size=(n, d))
    params = {"W1": rng.normal(size=(hidden, d)) / np.sqrt(d), "b1": rng.normal(scale=0.1, size=hidden),
              "W2": rng.normal(scale=w2_scale, size=(c, hidden)) / np.sqrt(hidden),
              "b2": rng.normal(scale=0.1, size=c)}
    return x, params, rng.integers(0, c, size=n)


def _identity_net(x: list, labels: list, b2: float = 0.0):
    """A fixed two-layer net whose hidden units and scores are relu(x) (+ b2): W1 = W2 = I (2, 2),
    b1 = 0. x: two rows of two numbers. Returns x (2, 2), params, labels (2,)."""
    params = {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.eye(2), "b2": np.full(2, b2)}
    return np.array(x, dtype=np.float64), params, np.array(labels)


# The reference's linear and ReLU layers, with the solution's caches, lent to the student's network.
def _reference_linear_forward(x, W, b):
    return ref.linear(x, W, b), (x, W)


def _reference_linear_backward(dout, cache):
    x, W = cache
    return ref.linear_grads(x, W, np.zeros(len(W)), dout)


def _reference_relu_forward(x):
    return ref.relu(x), x


def _reference_relu_backward(dout, cache):
    return ref.relu_grad(cache, dout)


REFERENCE_LAYERS = {"linear_forward": _reference_linear_forward, "linear_backward": _reference_linear_backward,
                    "relu_forward": _reference_relu_forward, "relu_backward": _reference_relu_backward}


def _two_layer_net_visible(function: Callable) -> None:
    rng = np.random.default_rng(VISIBLE_SEED)
    _check_two_layer_net_on(function, *_two_layer_net_problem(rng, 5, 6, 7, 3),
                            "x (5, 6), W1 (7, 6), W2 (3, 7)")
    _two_layer_net_requirements(function, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def check_two_layer_net_loss_and_grads(function: Callable) -> None:
    """Visible check of linear-ReLU-linear-softmax cross-entropy: loss and gradients against autograd,
    with the reference's linear and ReLU layers in place of the student's."""
    run_with_reference_helpers(_two_layer_net_visible, function, REFERENCE_LAYERS)


# The fixed inputs of the two-layer network's requirement cases (x and labels of _identity_net): scores
# shifted by b2 = +-offset, rows at very different scales, a true class whose probability underflows.
NET_CASES = {VISIBLE: {"offset": 900.0, "shifted": ([[2.0, -1.0], [1.0, 3.0]], [1, 0]),
                       "apart": ([[999.0, 1000.0], [2.0, 1.0]], [1, 0]),
                       "underflow": ([[1.0, 790.0], [2.0, 1.0]], [0, 0])},
             HIDDEN: {"offset": 1000.0, "shifted": ([[1.0, -2.0], [3.0, 1.0]], [0, 1]),
                      "apart": ([[1000.0, 999.0], [1.0, 2.0]], [0, 1]),
                      "underflow": ([[800.0, 1.0], [1.0, 2.0]], [1, 1])}}


def _written(x: list) -> str:
    """A nested list of numbers as the checks quote it: [[1000, 999], [1, 2]]."""
    return "[" + ", ".join("[" + ", ".join(f"{value:g}" for value in row) + "]" for row in x) + "]"


def _two_layer_net_requirements(function: Callable, rng: np.random.Generator, which: str) -> None:
    """Every requirement on the two-layer network, on the ``which`` fixed inputs and random ones from
    ``rng``; the fixed inputs first, each failing one numerical mistake only, in an order that names it."""
    cases = NET_CASES[which]
    offset = cases["offset"]
    for b2 in (offset, -offset):
        _check_two_layer_net_on(function, *_identity_net(*cases["shifted"], b2),
                                f"W1 = W2 = I and scores around {b2:+g} (b2 = {b2:g})",
                                if_not_finite="no-max-subtraction")
    x, labels = cases["apart"]
    _check_two_layer_net_on(function, *_identity_net(x, labels),
                            f"W1 = W2 = I and rows of scores at very different scales, x = {_written(x)}",
                            if_not_finite="global-max-subtraction")
    x, labels = cases["underflow"]
    _check_two_layer_net_on(function, *_identity_net(x, labels),
                            f"W1 = W2 = I and a true class whose probability underflows, x = {_written(x)}, "
                            f"labels {labels}", if_not_finite="log-of-softmax")
    x, params, labels = _two_layer_net_problem(rng, 4, 5, 6, 3)
    x[0] = 0.0
    params["b1"][:3] = 0.0  # sample 0's first three hidden units are exactly 0
    _check_two_layer_net_on(function, x, params, labels, "a sample whose hidden units are exactly 0")
    x, params, labels = _two_layer_net_problem(rng, 6, 4, 5, 4, w2_scale=20.0)
    params["b2"] += 1000.0  # exp(score) overflows; the probabilities stay far from uniform
    _check_two_layer_net_on(function, x, params, labels, "random huge scores (b2 around 1000)")
    _check_two_layer_net_on(function, *_two_layer_net_problem(rng, 1, 3, 4, 2), "a batch of one")
    _check_two_layer_net_on(function, *_two_layer_net_problem(rng, 5, 4, 4, 4),
                            "square weights W1 (4, 4), W2 (4, 4)")


def _two_layer_net_edge_cases(function: Callable, seed: int) -> None:
    _two_layer_net_requirements(function, np.random.default_rng(seed), HIDDEN)


def check_two_layer_net_loss_and_grads_edge_cases(function: Callable, seed: int) -> None:
    """Hidden check: scores around +1000 and -1000, rows at very different scales, a true class whose
    probability underflows, hidden units exactly at the ReLU's kink, random huge scores, a batch of one,
    square weights (a transposed gradient has the right shape); x, params and labels left unchanged. The
    reference's linear and ReLU layers stand in for the student's."""
    run_with_reference_helpers(_two_layer_net_edge_cases, function, REFERENCE_LAYERS, seed)
