"""The check of the convolution of ``03-backpropagation`` (as ``torch.nn.functional.conv2d``):
``conv2d_forward(x, w, b, stride=1, padding=0) -> (out, cache)`` and ``conv2d_backward(dout, cache)
-> (dx, dw, db)``."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.reference import backpropagation as ref

from .layer_pair import LayerPair, assert_bias_gradient, written_shape


def _flip(w: np.ndarray) -> np.ndarray:
    """w (..., KH, KW) turned by 180 degrees in its two spatial axes."""
    return w[..., ::-1, ::-1]


def _check_conv2d_on(forward, backward, x, w, b, rng, stride=None, padding=None):
    """stride/padding None: the student's defaults are used (and must be 1 and 0)."""
    kwargs = {k: v for k, v in (("stride", stride), ("padding", padding)) if v is not None}
    s, p = kwargs.get("stride", 1), kwargs.get("padding", 0)
    about = f"x {written_shape(x)}, w {written_shape(w)}, b {written_shape(b)}"
    about += "".join(f", {k}={v}" for k, v in kwargs.items()) or " (default stride and padding)"
    pair = LayerPair("conv2d", forward, backward, about)
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
    assert_bias_gradient(pair, db, expected_db, dout, summed_axes=(0, 2, 3))


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

