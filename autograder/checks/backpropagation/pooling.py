"""The checks of max and average pooling of ``03-backpropagation`` (as ``torch.nn.functional.max_pool2d``
and ``avg_pool2d``): ``<name>_forward(x, kernel_size=2, stride=2) -> (out, cache)`` and
``<name>_backward(dout, cache) -> dx``, with the gradients a student's window-by-window loop gets wrong."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.reference import backpropagation as ref

from .layer_pair import LayerPair, written_shape


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
    pair = LayerPair(layer, forward, backward, about)
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
    _check_pool_on("max_pool2d", max_pool2d_forward, max_pool2d_backward, x, f"random x {written_shape(x)}", rng)
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
    _check_pool_on("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward, x, f"random x {written_shape(x)}", rng)
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

