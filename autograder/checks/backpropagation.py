"""Checks for assignment ``03-backpropagation``: students' numpy layers against PyTorch autograd.

A layer is a pair ``<layer>_forward(inputs...) -> (out, cache)`` and ``<layer>_backward(dout, cache)``,
and the pair is checked together: the check calls the student's forward, compares ``out`` with PyTorch,
then hands the student's own cache (opaque to the check) and a random upstream gradient ``dout`` to the
student's backward and compares the gradients with autograd's, all in float64.

``check_<layer>(forward, backward)`` is the visible self-check, ``check_<layer>_edge_cases(forward,
backward, seed)`` the hidden test. Both probe every requirement the exercise states (strides and paddings
other than the defaults, non-square inputs and kernels, overlapping windows, ties in max pooling, exact
zeros at the ReLU's kink, extreme values for sigmoid and tanh, a batch of one, and inputs and ``dout``
that must not be modified), each on its own inputs: the self-check after a first plain case, on the
VISIBLE variants of the fixed inputs and random ones from VISIBLE_REQUIREMENTS_SEED; the hidden test on
the HIDDEN fixed inputs and the student's seed. The two-layer network has
``check_two_layer_net_loss_and_grads(fn)`` and its ``_edge_cases``, whose fixed inputs come first (scores
around +-1000 (+-900 in the self-check), rows at very different scales, a true class whose probability
underflows), each failing one numerical mistake only, so that the mistake named does not depend on the
seed. Each failure names a known mistake when it recognises one.

One mistake, one penalty: the network is checked with the reference's linear and ReLU layers in place of
the student's (:func:`autograder.compare.run_with_reference_helpers`), so a wrong layer costs only that
layer's tests.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograder.compare import (
    as_numeric_array,
    assert_close,
    assert_floating,
    assert_unchanged,
    call_student,
    fail,
    returned_tuple,
    run_with_reference_helpers,
)
from autograder.reference import backpropagation as ref

VISIBLE_SEED = 0
VISIBLE_REQUIREMENTS_SEED = 1  # the self-check's random inputs for the requirement cases
# Which fixed inputs a requirement case uses: the self-check's or the hidden test's.
VISIBLE, HIDDEN = "visible", "hidden"


def _shape(array: np.ndarray) -> str:
    return str(tuple(array.shape))


def _flip(w: np.ndarray) -> np.ndarray:
    """w (..., KH, KW) turned by 180 degrees in its two spatial axes."""
    return w[..., ::-1, ::-1]


# --- calling a forward/backward pair ---------------------------------------------------------------

def _assert_unchanged_inputs(before: Sequence[np.ndarray], inputs: Sequence[np.ndarray], what: str):
    for original, after in zip(before, inputs):
        assert_unchanged(original, after, what)


class _Pair:
    """A student's forward/backward pair applied to one set of inputs, checked step by step."""

    def __init__(self, layer: str, forward: Callable, backward: Callable, about: str):
        self.layer, self.forward, self.backward, self.about = layer, forward, backward, about

    @property
    def forward_what(self) -> str:
        return f"{self.layer}_forward on {self.about}"

    def backward_what(self, gradient: str | None = None) -> str:
        what = f"{self.layer}_backward on {self.about}"
        return f"{what}, {gradient}" if gradient else what

    def run(self, args: tuple, kwargs: dict, expected_out: np.ndarray, rng: np.random.Generator,
            out_mistakes: dict | None = None, gradients: tuple[str, ...] = ("dx",)):
        """Check the forward's out, then call the backward with the student's cache and a random dout.

        gradients: the names of what the backward returns, e.g. ("dx", "dW", "db") for a tuple.
        Returns (dout, what the backward returned: one array, or a tuple when several gradients).
        """
        inputs = [a for a in args if isinstance(a, np.ndarray)]
        before = [a.copy() for a in inputs]
        result = call_student(self.forward, self.forward_what, *args, **kwargs)
        out, cache = returned_tuple(result, ("out", "cache"), self.forward_what)
        out = as_numeric_array(out, f"{self.forward_what}, out")
        assert_floating(out, f"{self.forward_what}, out")
        assert_close(out, expected_out, f"{self.forward_what}, out", mistakes=out_mistakes)
        _assert_unchanged_inputs(before, inputs, self.forward_what)

        dout = rng.normal(size=expected_out.shape)
        dout_before = dout.copy()
        grads = call_student(self.backward, self.backward_what(), dout, cache)
        assert_unchanged(dout_before, dout, f"{self.backward_what()} (dout)")
        _assert_unchanged_inputs(before, inputs, self.backward_what())
        if len(gradients) > 1:
            grads = returned_tuple(grads, gradients, self.backward_what())
        return dout_before, grads

    def assert_gradient(self, actual, expected: np.ndarray, name: str, mistakes: dict | None = None,
                        rtol: float = 1e-7, atol: float = 1e-10) -> None:
        what = self.backward_what(name)
        actual = as_numeric_array(actual, what)
        assert_floating(actual, what)
        assert_close(actual, expected, what, rtol=rtol, atol=atol, mistakes=mistakes)


def _assert_bias_gradient(pair: _Pair, db, expected: np.ndarray, dout: np.ndarray,
                          summed_axes: tuple[int, ...]) -> None:
    """db must be dout summed over ``summed_axes``; a sum over only some of them (or none) is named."""
    what = pair.backward_what("db")
    db = as_numeric_array(db, what)
    if db.shape != expected.shape:
        partial_sums = {dout.shape} | {np.sum(dout, axis=axis).shape for axis in summed_axes}
        partial_sums |= {np.sum(dout, axis=tuple(a for a in summed_axes if a != kept)).shape
                         for kept in summed_axes}
        mistake = "bias-gradient-not-summed" if db.shape in partial_sums else None
        fail(what, f"expected an array of shape {expected.shape}, got shape {db.shape}.", mistake)
    pair.assert_gradient(db, expected, "db")


# --- linear_forward / linear_backward -------------------------------------------------------------

def _check_linear_on(forward, backward, x, W, b, rng):
    pair = _Pair("linear", forward, backward, f"x {_shape(x)}, W {_shape(W)}, b {_shape(b)}")
    dout, (dx, dW, db) = pair.run((x, W, b), {}, ref.linear(x, W, b), rng,
                                  out_mistakes={"no-bias": x @ W.T},
                                  gradients=("dx", "dW", "db"))
    expected_dx, expected_dW, expected_db = ref.linear_grads(x, W, b, dout)
    pair.assert_gradient(dx, expected_dx, "dx")
    pair.assert_gradient(dW, expected_dW, "dW", {"transposed-gradient": expected_dW.T})
    _assert_bias_gradient(pair, db, expected_db, dout, summed_axes=(0,))


def _linear_inputs(rng, n, d, m):
    return rng.normal(size=(n, d)), rng.normal(size=(m, d)), rng.normal(size=m)


def check_linear(linear_forward: Callable, linear_backward: Callable) -> None:
    """Visible check of the linear layer: out = x @ W.T + b, backward -> (dx, dW, db)."""
    rng = np.random.default_rng(VISIBLE_SEED)
    _check_linear_on(linear_forward, linear_backward, *_linear_inputs(rng, 4, 5, 3), rng)
    _linear_requirements(linear_forward, linear_backward,
                         np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _linear_requirements(linear_forward: Callable, linear_backward: Callable,
                         rng: np.random.Generator) -> None:
    """Every requirement, on random inputs from ``rng``:
    a batch of one, a square W (a transposed dW has the right shape), no mutation."""
    _check_linear_on(linear_forward, linear_backward, *_linear_inputs(rng, 1, 6, 3), rng)
    _check_linear_on(linear_forward, linear_backward, *_linear_inputs(rng, 3, 5, 5), rng)
    _check_linear_on(linear_forward, linear_backward, *_linear_inputs(rng, 7, 2, 4), rng)


def check_linear_edge_cases(linear_forward: Callable, linear_backward: Callable, seed: int) -> None:
    """Hidden check: a batch of one, a square W (a transposed dW has the right shape), no mutation."""
    _linear_requirements(linear_forward, linear_backward, np.random.default_rng(seed))


# --- activation functions --------------------------------------------------------------------------

def _check_activation_on(layer, forward, backward, x, reference, reference_grad, about, out_mistakes,
                         grad_mistakes, rng):
    """Check an elementwise activation; ``grad_mistakes(x, dout)`` -> {mistake: wrong dx}."""
    pair = _Pair(layer, forward, backward, about)
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
    _check_relu_on(relu_forward, relu_backward, x, f"random x of shape {_shape(x)}", rng)
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
    _check_sigmoid_on(sigmoid_forward, sigmoid_backward, x, f"random x of shape {_shape(x)}", rng)
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
    _check_tanh_on(tanh_forward, tanh_backward, x, f"random x of shape {_shape(x)}", rng)
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


# --- conv2d_forward / conv2d_backward -------------------------------------------------------------

def _check_conv2d_on(forward, backward, x, w, b, rng, stride=None, padding=None):
    """stride/padding None: the student's defaults are used (and must be 1 and 0)."""
    kwargs = {k: v for k, v in (("stride", stride), ("padding", padding)) if v is not None}
    s, p = kwargs.get("stride", 1), kwargs.get("padding", 0)
    about = f"x {_shape(x)}, w {_shape(w)}, b {_shape(b)}"
    about += "".join(f", {k}={v}" for k, v in kwargs.items()) or " (default stride and padding)"
    pair = _Pair("conv2d", forward, backward, about)
    dout, (dx, dw, db) = pair.run(
        (x, w, b), kwargs, ref.conv2d(x, w, b, s, p), rng, gradients=("dx", "dw", "db"),
        out_mistakes={"conv-as-convolution": ref.conv2d(x, _flip(w), b, s, p),
                      "no-bias": ref.conv2d(x, w, np.zeros_like(b), s, p)})
    expected_dx, expected_dw, expected_db = ref.conv2d_grads(x, w, b, dout, s, p)
    n, c, h, width = x.shape
    padded_shape = (n, c, 0, 0) if p == 0 else (n, c, h + 2 * p, width + 2 * p)
    pair.assert_gradient(dx, expected_dx, "dx", {
        "conv-dx-padding": np.zeros(padded_shape),
        "conv-dx-not-flipped": ref.conv2d_grads(x, _flip(w), b, dout, s, p)[0]})
    pair.assert_gradient(dw, expected_dw, "dw", {"conv-dw-flipped": _flip(expected_dw)})
    _assert_bias_gradient(pair, db, expected_db, dout, summed_axes=(0, 2, 3))


def _conv_inputs(rng, n, c, h, w, f, kh, kw):
    return rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)


def check_conv2d(conv2d_forward: Callable, conv2d_backward: Callable) -> None:
    """Visible check of the convolution (as torch.nn.functional.conv2d): defaults, then padding=1."""
    rng = np.random.default_rng(VISIBLE_SEED)
    _check_conv2d_on(conv2d_forward, conv2d_backward, *_conv_inputs(rng, 2, 3, 5, 5, 4, 3, 3), rng)
    _check_conv2d_on(conv2d_forward, conv2d_backward, *_conv_inputs(rng, 2, 2, 4, 4, 3, 3, 3), rng,
                     stride=1, padding=1)
    _conv2d_requirements(conv2d_forward, conv2d_backward,
                         np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _conv2d_requirements(conv2d_forward: Callable, conv2d_backward: Callable,
                         rng: np.random.Generator) -> None:
    """Every requirement, on random inputs from ``rng``:
    stride 2 with padding, non-square inputs and kernels, input rows a stride skips,
    padding wider than half the kernel, a 1x1 kernel on a batch of one; no mutation."""
    check = _check_conv2d_on
    check(conv2d_forward, conv2d_backward, *_conv_inputs(rng, 2, 2, 7, 5, 3, 3, 2), rng, stride=2, padding=1)
    check(conv2d_forward, conv2d_backward, *_conv_inputs(rng, 1, 2, 6, 4, 2, 3, 3), rng, stride=2, padding=0)
    check(conv2d_forward, conv2d_backward, *_conv_inputs(rng, 2, 1, 3, 4, 2, 3, 3), rng, stride=1, padding=2)
    check(conv2d_forward, conv2d_backward, *_conv_inputs(rng, 1, 3, 4, 3, 2, 1, 1), rng, stride=1, padding=0)


def check_conv2d_edge_cases(conv2d_forward: Callable, conv2d_backward: Callable, seed: int) -> None:
    """Hidden check: stride 2 with padding, non-square inputs and kernels, input rows a stride skips,
    padding wider than half the kernel, a 1x1 kernel on a batch of one; no mutation."""
    _conv2d_requirements(conv2d_forward, conv2d_backward, np.random.default_rng(seed))


# --- pooling ---------------------------------------------------------------------------------------

def _window_gradient(x, dout, k, s, window_grad, accumulate=True):
    """dx shaped like x, built window by window, the way a student's loop would.

    window_grad(window (N, K, k, k), dout (N, K)) -> that window's gradient (N, K, k, k); it is added
    into dx, or assigned with ``accumulate=False`` (then where windows overlap the last one wins).
    """
    dx = np.zeros(x.shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = (slice(None), slice(None), slice(i * s, i * s + k), slice(j * s, j * s + k))
            g = window_grad(x[window], dout[:, :, i, j])
            if accumulate:
                dx[window] += g
            else:
                dx[window] = g
    return dx


def _first_max_mask(window):
    """1 at the first maximum of each (k, k) window in row-major order, 0 elsewhere: (N, K, k, k)."""
    n, c, k, _ = window.shape
    flat = window.reshape(n, c, k * k)
    mask = np.zeros_like(flat)
    np.put_along_axis(mask, flat.argmax(axis=2)[..., None], 1.0, axis=2)
    return mask.reshape(window.shape)


def _max_pool_mistakes(x, dout, k, s):
    def whole_window(window, d):
        return np.ones_like(window) * d[..., None, None]

    def all_tied_maxima(window, d):
        return d[..., None, None] * (window == window.max(axis=(2, 3), keepdims=True))

    def first_maximum(window, d):
        return _first_max_mask(window) * d[..., None, None]
    return {
        "upstream-gradient-ignored": ref.max_pool2d_grad(x, np.ones_like(dout), k, s),
        "max-pool-gradient-spread": _window_gradient(x, dout, k, s, whole_window),
        "max-pool-ties": _window_gradient(x, dout, k, s, all_tied_maxima),
        "pool-gradient-overwritten": _window_gradient(x, dout, k, s, first_maximum, accumulate=False),
        "max-pool-argmax-overwritten": _argmax_assigned(x, dout, k, s),
    }


def _argmax_assigned(x, dout, k, s):
    """dx of ``dx[argmax of each window] = dout``: an entry that is the maximum of several overlapping
    windows keeps the last window's gradient instead of their sum. x (N, K, H, V) -> (N, K, H, V)."""
    n, c = x.shape[:2]
    dx = np.zeros(x.shape)
    samples, channels = np.ogrid[:n, :c]
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, c, k * k)
            rows, cols = np.unravel_index(window.argmax(axis=2), (k, k))
            dx[samples, channels, i * s + rows, j * s + cols] = dout[:, :, i, j]
    return dx


def _avg_pool_mistakes(x, dout, k, s):
    def share(window, d):
        return np.ones_like(window) * d[..., None, None] / (k * k)
    return {
        "upstream-gradient-ignored": ref.avg_pool2d_grad(x, np.ones_like(dout), k, s),
        "avg-pool-not-divided": ref.avg_pool2d_grad(x, dout, k, s) * k * k,
        "pool-gradient-overwritten": _window_gradient(x, dout, k, s, share, accumulate=False),
    }


def _check_pool_on(layer, forward, backward, x, about, rng, kernel_size=None, stride=None):
    """kernel_size/stride None: the student's defaults are used (and must be 2 and 2)."""
    kwargs = {k: v for k, v in (("kernel_size", kernel_size), ("stride", stride)) if v is not None}
    k, s = kwargs.get("kernel_size", 2), kwargs.get("stride", 2)
    about += "".join(f", {name}={v}" for name, v in kwargs.items()) or " (default kernel_size and stride)"
    pair = _Pair(layer, forward, backward, about)
    if layer == "max_pool2d":
        expected, out_mistakes = ref.max_pool2d(x, k, s), None
    else:
        expected = ref.avg_pool2d(x, k, s)
        out_mistakes = {"avg-pool-not-divided": expected * k * k}
    dout, dx = pair.run((x,), kwargs, expected, rng, out_mistakes=out_mistakes)
    if layer == "max_pool2d":
        pair.assert_gradient(dx, ref.max_pool2d_grad(x, dout, k, s), "dx", _max_pool_mistakes(x, dout, k, s))
    else:
        pair.assert_gradient(dx, ref.avg_pool2d_grad(x, dout, k, s), "dx", _avg_pool_mistakes(x, dout, k, s))


def check_max_pool2d(max_pool2d_forward: Callable, max_pool2d_backward: Callable) -> None:
    """Visible check of max pooling (as torch.nn.functional.max_pool2d) with the default 2x2 windows."""
    rng = np.random.default_rng(VISIBLE_SEED)
    x = rng.normal(size=(2, 3, 4, 6))
    _check_pool_on("max_pool2d", max_pool2d_forward, max_pool2d_backward, x, f"random x {_shape(x)}", rng)
    _max_pool2d_requirements(max_pool2d_forward, max_pool2d_backward,
                             np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _max_pool2d_requirements(max_pool2d_forward: Callable, max_pool2d_backward: Callable,
                             rng: np.random.Generator, which: str) -> None:
    """Every requirement, on the ``which`` fixed inputs and random ones from ``rng``:
    one entry the maximum of several overlapping windows (its gradient is their sum),
    ties (PyTorch routes the gradient to the first maximum in row-major order), overlapping windows
    (stride < kernel_size), sizes the windows do not divide; no mutation."""
    check = _check_pool_on
    ties = rng.integers(0, 3, size=(2, 2, 4, 4)).astype(float)
    check("max_pool2d", max_pool2d_forward, max_pool2d_backward, ties, "x (2, 2, 4, 4) with tied maxima", rng)
    # 9 is the maximum of two overlapping windows, 5 of one only (a window assigned whole zeroes it)
    shared_maximum = np.array([[[[1.0, 5.0, 9.0, 2.0, 3.0], [0.0, 0.5, 1.5, 2.5, 0.2]]]])
    if which == VISIBLE:  # the same pattern: 8 the maximum of two windows, 6 of the one before them only
        shared_maximum = np.array([[[[2.0, 6.0, 8.0, 1.0, 4.0], [0.5, 0.0, 1.0, 3.0, 0.25]]]])
    check("max_pool2d", max_pool2d_forward, max_pool2d_backward, shared_maximum,
          "x (1, 1, 2, 5) whose largest entry is the maximum of two overlapping windows", rng,
          kernel_size=2, stride=1)
    check("max_pool2d", max_pool2d_forward, max_pool2d_backward, rng.normal(size=(1, 2, 5, 6)),
          "random x (1, 2, 5, 6)", rng, kernel_size=3, stride=1)
    ties = rng.integers(0, 2, size=(1, 2, 4, 5)).astype(float)
    check("max_pool2d", max_pool2d_forward, max_pool2d_backward, ties,
          "x (1, 2, 4, 5) with tied maxima", rng, kernel_size=2, stride=1)
    check("max_pool2d", max_pool2d_forward, max_pool2d_backward, rng.normal(size=(2, 1, 5, 7)),
          "random x (2, 1, 5, 7)", rng, kernel_size=3, stride=2)


def check_max_pool2d_edge_cases(max_pool2d_forward: Callable, max_pool2d_backward: Callable,
                                seed: int) -> None:
    """Hidden check: one entry the maximum of several overlapping windows (its gradient is their sum),
    ties (PyTorch routes the gradient to the first maximum in row-major order), overlapping windows
    (stride < kernel_size), sizes the windows do not divide; no mutation."""
    _max_pool2d_requirements(max_pool2d_forward, max_pool2d_backward, np.random.default_rng(seed), HIDDEN)


def check_avg_pool2d(avg_pool2d_forward: Callable, avg_pool2d_backward: Callable) -> None:
    """Visible check of average pooling (as torch.nn.functional.avg_pool2d) with the default 2x2 windows."""
    rng = np.random.default_rng(VISIBLE_SEED)
    x = rng.normal(size=(2, 3, 4, 6))
    _check_pool_on("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward, x, f"random x {_shape(x)}", rng)
    _avg_pool2d_requirements(avg_pool2d_forward, avg_pool2d_backward,
                             np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _avg_pool2d_requirements(avg_pool2d_forward: Callable, avg_pool2d_backward: Callable,
                             rng: np.random.Generator) -> None:
    """Every requirement, on random inputs from ``rng``:
    overlapping windows (stride < kernel_size), sizes the windows do not divide,
    3x3 windows; no mutation."""
    check = _check_pool_on
    check("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward, rng.normal(size=(1, 2, 5, 6)),
          "random x (1, 2, 5, 6)", rng, kernel_size=3, stride=1)
    check("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward, rng.normal(size=(2, 2, 5, 7)),
          "random x (2, 2, 5, 7)", rng)
    check("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward, rng.normal(size=(2, 1, 7, 5)),
          "random x (2, 1, 7, 5)", rng, kernel_size=3, stride=2)


def check_avg_pool2d_edge_cases(avg_pool2d_forward: Callable, avg_pool2d_backward: Callable,
                                seed: int) -> None:
    """Hidden check: overlapping windows (stride < kernel_size), sizes the windows do not divide,
    3x3 windows; no mutation."""
    _avg_pool2d_requirements(avg_pool2d_forward, avg_pool2d_backward, np.random.default_rng(seed))


# --- two_layer_net_loss_and_grads ------------------------------------------------------------------

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
