"""The checks of the elementwise activations of ``03-backpropagation``: ReLU, the sigmoid and tanh, each a
pair ``<name>_forward(x) -> (out, cache)`` and ``<name>_backward(dout, cache) -> dx``; the sigmoid and
tanh also on |x| up to 1000 (:data:`EXTREMES`), where exp overflows."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.reference import backpropagation as ref

from .layer_pair import LayerPair, written_shape


def _check_activation_on(layer, forward, backward, x, reference, reference_grad, about, out_mistakes,
                         grad_mistakes, rng):
    """Check an elementwise activation; ``grad_mistakes(x, dout)`` -> {mistake: wrong dx}."""
    pair = LayerPair(layer, forward, backward, about)
    dout, dx = pair.run((x,), {}, reference(x), rng, out_mistakes=out_mistakes)
    pair.assert_gradient(dx, reference_grad(x, dout), "dx", grad_mistakes(x, dout))


def _relu_mistakes(x, dout):
    return {"relu-gradient-not-masked": dout, "upstream-gradient-ignored": (x > 0).astype(float),
            "relu-subgradient-at-zero": dout * (x >= 0)}


def _check_relu_on(forward, backward, x, about, rng):
    _check_activation_on("relu", forward, backward, x, ref.relu, ref.relu_grad, about, None,
                         _relu_mistakes, rng)


def check_relu(relu_forward: Callable, relu_backward: Callable) -> None:
    """Visible check of ReLU: out = max(0, x), backward -> dx."""
    rng = np.random.default_rng(VISIBLE_SEED)
    x = rng.normal(size=(3, 4))
    _check_relu_on(relu_forward, relu_backward, x, f"random x of shape {written_shape(x)}", rng)
    _relu_requirements(relu_forward, relu_backward, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _relu_requirements(relu_forward: Callable, relu_backward: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on random inputs from ``rng``:
    exact zeros (PyTorch's subgradient there is 0), a 4-D input, no mutation of x or dout."""
    x = rng.normal(size=(2, 3, 4, 5))
    x[rng.random(x.shape) < 0.3] = 0.0
    _check_relu_on(relu_forward, relu_backward, x, "a 4-D x (2, 3, 4, 5) with entries exactly 0", rng)
    x = -np.abs(rng.normal(size=(2, 3)))
    _check_relu_on(relu_forward, relu_backward, x, "an x (2, 3) with only negative entries", rng)


def check_relu_edge_cases(relu_forward: Callable, relu_backward: Callable, seed: int) -> None:
    """Hidden check: exact zeros (PyTorch's subgradient there is 0), a 4-D input, no mutation of x or dout."""
    _relu_requirements(relu_forward, relu_backward, np.random.default_rng(seed))


def _naive_sigmoid(x):
    """exp(x) / (1 + exp(x)): right on paper, NaN (inf / inf) for x > 709."""
    with np.errstate(all="ignore"):
        return np.exp(x) / (1 + np.exp(x))


def _sigmoid_mistakes(x, dout):
    s = ref.sigmoid(x)
    with np.errstate(all="ignore"):
        naive_derivative = np.exp(-x) / (1 + np.exp(-x)) ** 2  # NaN for x < -709
    return {"upstream-gradient-ignored": s * (1 - s), "derivative-at-input": dout * x * (1 - x),
            "sigmoid-overflow": dout * naive_derivative}


def _check_sigmoid_on(forward, backward, x, about, rng):
    _check_activation_on("sigmoid", forward, backward, x, ref.sigmoid, ref.sigmoid_grad, about,
                         {"sigmoid-overflow": _naive_sigmoid(x)}, _sigmoid_mistakes, rng)


EXTREMES = np.array([-1000.0, -720.0, -40.0, -1e-3, 0.0, 1e-3, 40.0, 720.0, 1000.0])


def _extremes(which: str, divisor: float) -> np.ndarray:
    """x (2, 9) from -1000 to 1000: EXTREMES and, reversed, EXTREMES / -divisor; for VISIBLE the rows
    swapped and each reversed (the same values, other positions)."""
    x = np.stack([EXTREMES, -EXTREMES[::-1] / divisor])
    return x[::-1, ::-1] if which == VISIBLE else x


def check_sigmoid(sigmoid_forward: Callable, sigmoid_backward: Callable) -> None:
    """Visible check of the sigmoid: out = 1 / (1 + exp(-x)), backward -> dx."""
    rng = np.random.default_rng(VISIBLE_SEED)
    x = rng.normal(scale=3.0, size=(3, 4))
    _check_sigmoid_on(sigmoid_forward, sigmoid_backward, x, f"random x of shape {written_shape(x)}", rng)
    _sigmoid_requirements(sigmoid_forward, sigmoid_backward,
                          np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _sigmoid_requirements(sigmoid_forward: Callable, sigmoid_backward: Callable,
                          rng: np.random.Generator, which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    |x| up to 1000, where exp overflows; a 4-D input; no mutation of x or dout."""
    _check_sigmoid_on(sigmoid_forward, sigmoid_backward, _extremes(which, 2),
                      "x with entries from -1000 to 1000 (exp(1000) overflows)", rng)
    x = rng.normal(scale=5.0, size=(2, 2, 3, 3))
    _check_sigmoid_on(sigmoid_forward, sigmoid_backward, x, "a 4-D x (2, 2, 3, 3)", rng)


def check_sigmoid_edge_cases(sigmoid_forward: Callable, sigmoid_backward: Callable, seed: int) -> None:
    """Hidden check: |x| up to 1000, where exp overflows; a 4-D input; no mutation of x or dout."""
    _sigmoid_requirements(sigmoid_forward, sigmoid_backward, np.random.default_rng(seed), HIDDEN)


def _naive_tanh(x):
    with np.errstate(all="ignore"):
        return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def _tanh_mistakes(x, dout):
    t = ref.tanh(x)
    return {"upstream-gradient-ignored": 1 - t ** 2, "derivative-at-input": dout * (1 - x ** 2),
            "tanh-overflow": dout * (1 - _naive_tanh(x) ** 2)}


def _check_tanh_on(forward, backward, x, about, rng):
    _check_activation_on("tanh", forward, backward, x, ref.tanh, ref.tanh_grad, about,
                         {"tanh-overflow": _naive_tanh(x)}, _tanh_mistakes, rng)


def check_tanh(tanh_forward: Callable, tanh_backward: Callable) -> None:
    """Visible check of tanh: out = tanh(x), backward -> dx."""
    rng = np.random.default_rng(VISIBLE_SEED)
    x = rng.normal(scale=2.0, size=(3, 4))
    _check_tanh_on(tanh_forward, tanh_backward, x, f"random x of shape {written_shape(x)}", rng)
    _tanh_requirements(tanh_forward, tanh_backward, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _tanh_requirements(tanh_forward: Callable, tanh_backward: Callable,
                       rng: np.random.Generator, which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    |x| up to 1000, where exp overflows; a 4-D input; no mutation of x or dout."""
    _check_tanh_on(tanh_forward, tanh_backward, _extremes(which, -3),
                   "x with entries from -1000 to 1000 (exp(1000) overflows)", rng)
    x = rng.normal(scale=2.0, size=(2, 2, 3, 3))
    _check_tanh_on(tanh_forward, tanh_backward, x, "a 4-D x (2, 2, 3, 3)", rng)


def check_tanh_edge_cases(tanh_forward: Callable, tanh_backward: Callable, seed: int) -> None:
    """Hidden check: |x| up to 1000, where exp overflows; a 4-D input; no mutation of x or dout."""
    _tanh_requirements(tanh_forward, tanh_backward, np.random.default_rng(seed), HIDDEN)

