"""The known implementations of assignment 03 (back-propagation through layers): ``CORRECT_VARIANTS``
and ``WRONG``.

Each layer's functions are a (forward, backward) tuple, checked together; the network's broken-function
test is in tests/test_checks_backpropagation.py (``OWN_BROKEN_TESTS``).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

from check_harness import case, fails
from known_implementations import RoundTripStudent

NET = "two_layer_net_loss_and_grads"
OWN_BROKEN_TESTS = [NET]


# Correct alternatives -------------------------------------------------------------------------------

def relu_forward_mask_cache(x):
    mask = x > 0
    return np.where(mask, x, 0.0), mask


def relu_backward_mask_cache(dout, mask):
    return np.where(mask, dout, 0.0)


def sigmoid_forward_textbook(x):  # overflows to inf for x < -709, but 1 / (1 + inf) == 0 is right
    with np.errstate(over="ignore"):
        s = 1 / (1 + np.exp(-x))
    return s, s


def sigmoid_backward_textbook(dout, s):
    return dout * s * (1 - s)


def tanh_forward_via_sigmoid(x):
    with np.errstate(over="ignore"):
        t = 1 - 2 / (np.exp(2 * x) + 1)
    return t, t


def tanh_backward_via_cache(dout, t):
    return dout * (1 - t * t)


def _conv_forward(x, w, b, stride=1, padding=0, flip=False):
    """Loop over output positions; flip=True computes a true convolution (a mistake)."""
    if flip:
        w = w[..., ::-1, ::-1]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    kh, kw = w.shape[2:]
    out_h = (x_pad.shape[2] - kh) // stride + 1
    out_w = (x_pad.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x_pad[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, w) + b
    return out, (x_pad, w, stride, padding)


def conv2d_forward_einsum_windows(x, w, b, stride=1, padding=0):
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("ncijpq,fcpq->nfij", windows, w) + b[:, None, None], (x_pad, w, stride, padding)


def _conv_backward(dout, cache, *, flip_dx=True, flip_dw=False, db_axes=(0, 2, 3), crop="exact"):
    """dx as a full convolution of the stride-dilated dout with the flipped kernel, dw as a correlation
    of the padded input with dout; the keyword arguments switch in the mistakes."""
    x_pad, w, s, p = cache
    n, f, out_h, out_w = dout.shape
    kh, kw = w.shape[2:]
    dilated = np.zeros((n, f, (out_h - 1) * s + 1, (out_w - 1) * s + 1))
    dilated[:, :, ::s, ::s] = dout
    full = np.pad(dilated, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    kernel = w[..., ::-1, ::-1] if flip_dx else w
    dx_pad = np.zeros(x_pad.shape)
    for i in range(full.shape[2] - kh + 1):
        for j in range(full.shape[3] - kw + 1):
            dx_pad[:, :, i, j] = np.einsum("nfpq,fcpq->nc", full[:, :, i:i + kh, j:j + kw], kernel)
    dw = np.zeros(w.shape)
    for p_ in range(kh):
        for q in range(kw):
            rows = x_pad[:, :, p_:p_ + dilated.shape[2]:s, q:q + dilated.shape[3]:s]
            dw[:, :, p_, q] = np.einsum("nfij,ncij->fc", dout, rows)
    if flip_dw:
        dw = dw[..., ::-1, ::-1]
    h, width = x_pad.shape[2] - 2 * p, x_pad.shape[3] - 2 * p
    dx = {"exact": dx_pad[:, :, p:p + h, p:p + width], "minus": dx_pad[:, :, p:-p, p:-p],
          "none": dx_pad}[crop]
    return dx, dw, dout.sum(axis=db_axes)


def conv2d_backward_full_convolution(dout, cache):
    return _conv_backward(dout, cache)


def max_pool2d_forward_masks(x, kernel_size=2, stride=2):
    """Forward that records each window's winner; backward scatters dout through the saved masks."""
    n, c, h, w = x.shape
    k, s = kernel_size, stride
    out_h, out_w = (h - k) // s + 1, (w - k) // s + 1
    out = np.empty((n, c, out_h, out_w))
    masks = {}
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, c, -1)
            mask = np.zeros_like(window)
            np.put_along_axis(mask, window.argmax(axis=2)[..., None], 1.0, axis=2)
            masks[i, j] = mask.reshape(n, c, k, k)
            out[:, :, i, j] = window.max(axis=2)
    return out, (x.shape, k, s, masks)


def max_pool2d_backward_masks(dout, cache):
    shape, k, s, masks = cache
    dx = np.zeros(shape)
    for (i, j), mask in masks.items():
        dx[:, :, i * s:i * s + k, j * s:j * s + k] += mask * dout[:, :, i, j, None, None]
    return dx


def _two_layer_net(x, params, labels, *, relu_mask=lambda h: h > 0, shift="row", log_of_softmax=False,
                   mean=True, dW1_transposed=False, db1_summed=True, grads_as="dict",
                   predictions_into_labels=False):
    """A student's two-layer network written out in full; the keyword arguments switch in mistakes.

    shift: what is subtracted from the scores before exp(): "row" (each row's maximum), "batch" (one
    maximum for the whole batch) or None; log_of_softmax: the log taken of the probabilities;
    predictions_into_labels: the labels array reused to hold the predicted classes (for an accuracy)."""
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    n = len(labels)
    h = x @ W1.T + b1
    a = np.maximum(h, 0)
    scores = a @ W2.T + b2
    shifted = {"row": scores - scores.max(axis=1, keepdims=True), "batch": scores - scores.max(),
               None: scores}[shift]
    if log_of_softmax:  # the softmax from its formula, then its log
        log_probs = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True))
    else:
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    losses = -log_probs[np.arange(n), labels]
    dscores = probs.copy()
    dscores[np.arange(n), labels] -= 1
    if mean:
        dscores /= n
    dh = (dscores @ W2) * relu_mask(h)
    grads = {"W1": x.T @ dh if dW1_transposed else dh.T @ x, "b1": dh.sum(axis=0) if db1_summed else dh,
             "W2": dscores.T @ a, "b2": dscores.sum(axis=0)}
    loss = losses.mean() if mean else losses.sum()
    if predictions_into_labels:
        labels[:] = scores.argmax(axis=1)
    if grads_as == "list":
        return loss, [grads[k] for k in ("W1", "b1", "W2", "b2")]
    if grads_as == "d-prefixed":
        return loss, {f"d{k}": v for k, v in grads.items()}
    return loss, grads


def net(**mistakes) -> Callable:
    def two_layer_net_loss_and_grads(x, params, labels):
        with np.errstate(all="ignore"):
            return _two_layer_net(x, params, labels, **mistakes)
    return two_layer_net_loss_and_grads


# === wrong implementations, as a student might write them ===========================================
# linear

def linear_forward(x, W, b):
    return x @ W.T + b, (x, W)


def linear_forward_no_bias(x, W, b):
    return x @ W.T, (x, W)


def linear_forward_out_only(x, W, b):
    return x @ W.T + b


def linear_backward_transposed_dW(dout, cache):
    x, W = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)


def linear_backward_db_not_summed(dout, cache):
    x, W = cache
    return dout @ W, dout.T @ x, dout


def linear_backward_dx_with_W_transposed(dout, cache):
    x, W = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


def linear_backward_db_averaged(dout, cache):
    x, W = cache
    return dout @ W, dout.T @ x, dout.mean(axis=0)


def linear_backward_no_db(dout, cache):
    x, W = cache
    return dout @ W, dout.T @ x


# relu

def relu_forward(x):
    return np.maximum(x, 0), x


def relu_forward_in_place(x):
    x[x < 0] = 0
    return x, x


def relu_backward_not_masked(dout, x):
    return dout.copy()


def relu_backward_at_zero(dout, x):
    return dout * (x >= 0)


def relu_backward_in_place(dout, x):
    dout[x <= 0] = 0
    return dout


def relu_backward_local_only(dout, x):
    return (x > 0).astype(float)


# sigmoid

def sigmoid_forward_naive(x):
    s = np.exp(x) / (1 + np.exp(x))
    return s, s


def sigmoid_forward_stable(x):
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    return s, (x, s)


def sigmoid_backward_naive_derivative(dout, cache):
    x, _ = cache
    return dout * np.exp(-x) / (1 + np.exp(-x)) ** 2


def sigmoid_backward_at_input(dout, cache):
    x, _ = cache
    return dout * x * (1 - x)


def sigmoid_backward_local_only(dout, cache):
    _, s = cache
    return s * (1 - s)


def sigmoid_backward_plus(dout, cache):
    _, s = cache
    return dout * s * (1 + s)


# tanh

def tanh_forward_naive(x):
    t = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    return t, t


def tanh_forward_keep_x(x):
    return np.tanh(x), (x, np.tanh(x))


def tanh_backward_at_input(dout, cache):
    x, _ = cache
    return dout * (1 - x ** 2)


def tanh_backward_local_only(dout, cache):
    _, t = cache
    return 1 - t ** 2


def tanh_backward_derivative_of_sigmoid(dout, cache):
    _, t = cache
    return dout * t * (1 - t)


# conv2d

def conv2d_forward(x, w, b, stride=1, padding=0):
    return _conv_forward(x, w, b, stride, padding)


def conv2d_forward_true_convolution(x, w, b, stride=1, padding=0):
    out, (x_pad, _, s, p) = _conv_forward(x, w, b, stride, padding, flip=True)
    return out, (x_pad, w, s, p)


def conv2d_forward_no_bias(x, w, b, stride=1, padding=0):
    return _conv_forward(x, w, np.zeros_like(b), stride, padding)


def conv2d_forward_ignores_padding(x, w, b, stride=1, padding=0):
    return _conv_forward(x, w, b, stride, 0)


def conv2d_backward_dx_not_flipped(dout, cache):
    return _conv_backward(dout, cache, flip_dx=False)


def conv2d_backward_dw_flipped(dout, cache):
    return _conv_backward(dout, cache, flip_dw=True)


def conv2d_backward_db_over_batch_only(dout, cache):
    return _conv_backward(dout, cache, db_axes=0)


def conv2d_backward_crop_minus_p(dout, cache):
    return _conv_backward(dout, cache, crop="minus")


def conv2d_backward_padded_dx(dout, cache):
    return _conv_backward(dout, cache, crop="none")


def conv2d_backward_ignores_stride(dout, cache):
    x_pad, w, _, p = cache
    return _conv_backward(dout, (x_pad, w, 1, p))


# max_pool2d

def _windows(x, k, s):
    out_h, out_w = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
    for i in range(out_h):
        for j in range(out_w):
            yield i, j, (slice(None), slice(None), slice(i * s, i * s + k), slice(j * s, j * s + k))


def max_pool2d_forward(x, kernel_size=2, stride=2):
    out_h, out_w = (x.shape[2] - kernel_size) // stride + 1, (x.shape[3] - kernel_size) // stride + 1
    out = np.empty(x.shape[:2] + (out_h, out_w))
    for i, j, window in _windows(x, kernel_size, stride):
        out[:, :, i, j] = x[window].max(axis=(2, 3))
    return out, (x, kernel_size, stride)


def max_pool2d_backward_spread(dout, cache):
    x, k, s = cache
    dx = np.zeros(x.shape)
    for i, j, window in _windows(x, k, s):
        dx[window] += dout[:, :, i, j, None, None]
    return dx


def max_pool2d_backward_all_ties(dout, cache):
    x, k, s = cache
    dx = np.zeros(x.shape)
    for i, j, window in _windows(x, k, s):
        mask = x[window] == x[window].max(axis=(2, 3), keepdims=True)
        dx[window] += mask * dout[:, :, i, j, None, None]
    return dx


def _first_max(window):
    n, c, k, _ = window.shape
    mask = np.zeros((n, c, k * k))
    np.put_along_axis(mask, window.reshape(n, c, -1).argmax(axis=2)[..., None], 1.0, axis=2)
    return mask.reshape(window.shape)


def max_pool2d_backward_assigns(dout, cache):
    x, k, s = cache
    dx = np.zeros(x.shape)
    for i, j, window in _windows(x, k, s):
        dx[window] = _first_max(x[window]) * dout[:, :, i, j, None, None]
    return dx


def max_pool2d_backward_argmax_assigned(dout, cache):  # real students' code: dx[argmax] = dout
    x, k, s = cache
    dx = np.zeros(x.shape)
    for i, j, window in _windows(x, k, s):
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                p, q = np.unravel_index(np.argmax(x[window][n, c]), (k, k))
                dx[n, c, i * s + p, j * s + q] = dout[n, c, i, j]
    return dx


def max_pool2d_backward_local_only(dout, cache):
    x, k, s = cache
    dx = np.zeros(x.shape)
    for i, j, window in _windows(x, k, s):
        dx[window] += _first_max(x[window])
    return dx


def max_pool2d_forward_reshape(x, kernel_size=2, stride=2):
    """CS231n's fast path: only for square, non-overlapping windows that tile x exactly."""
    n, c, h, w = x.shape
    k = kernel_size
    blocks = x.reshape(n, c, h // k, k, w // k, k)
    out = blocks.max(axis=(3, 5))
    return out, (x, blocks, out, k)


def max_pool2d_backward_reshape(dout, cache):
    x, blocks, out, k = cache
    mask = blocks == out[:, :, :, None, :, None]
    return (mask * dout[:, :, :, None, :, None]).reshape(x.shape)


# avg_pool2d

def avg_pool2d_forward(x, kernel_size=2, stride=2):
    out_h, out_w = (x.shape[2] - kernel_size) // stride + 1, (x.shape[3] - kernel_size) // stride + 1
    out = np.empty(x.shape[:2] + (out_h, out_w))
    for i, j, window in _windows(x, kernel_size, stride):
        out[:, :, i, j] = x[window].mean(axis=(2, 3))
    return out, (x, kernel_size, stride)


def avg_pool2d_forward_sum(x, kernel_size=2, stride=2):
    out, cache = avg_pool2d_forward(x, kernel_size, stride)
    return out * kernel_size ** 2, cache


def _avg_pool_backward(dout, cache, divisor, accumulate=True):
    x, k, s = cache
    dx = np.zeros(x.shape)
    for i, j, window in _windows(x, k, s):
        g = np.ones(dx[window].shape) * dout[:, :, i, j, None, None] / divisor(k)
        if accumulate:
            dx[window] += g
        else:
            dx[window] = g
    return dx


def avg_pool2d_backward(dout, cache):
    return _avg_pool_backward(dout, cache, lambda k: k * k)


def avg_pool2d_backward_not_divided(dout, cache):
    return _avg_pool_backward(dout, cache, lambda k: 1)


def avg_pool2d_backward_divided_by_k(dout, cache):
    return _avg_pool_backward(dout, cache, lambda k: k)


def avg_pool2d_backward_assigns(dout, cache):
    return _avg_pool_backward(dout, cache, lambda k: k * k, accumulate=False)


def avg_pool2d_backward_local_only(dout, cache):
    return _avg_pool_backward(np.ones_like(dout), cache, lambda k: k * k)


# The checks pass on the correct alternatives (above, and the correct layers among the wrong ones)

CORRECT_VARIANTS = [
    pytest.param("relu", (relu_forward_mask_cache, relu_backward_mask_cache), id="relu-mask-in-cache"),
    pytest.param("sigmoid", (sigmoid_forward_textbook, sigmoid_backward_textbook),
                 id="sigmoid-1/(1+exp(-x))-is-right-in-float64"),
    pytest.param("tanh", (tanh_forward_via_sigmoid, tanh_backward_via_cache), id="tanh-as-1-2/(exp(2x)+1)"),
    pytest.param("conv2d", (_conv_forward, conv2d_backward_full_convolution),
                 id="conv2d-dx-as-full-convolution-with-flipped-kernel"),
    pytest.param("conv2d", (conv2d_forward_einsum_windows, conv2d_backward_full_convolution),
                 id="conv2d-forward-einsum-on-sliding-windows"),
    pytest.param("max_pool2d", (max_pool2d_forward_masks, max_pool2d_backward_masks),
                 id="max_pool2d-masks-in-cache"),
    pytest.param("avg_pool2d", (avg_pool2d_forward, avg_pool2d_backward), id="avg_pool2d-loop-over-windows"),
    pytest.param(NET, (net(),), id="two_layer_net-written-out"),
]


WRONG = [
    # linear
    case("linear", (linear_forward, linear_backward_transposed_dW),
         fails("transposed-gradient", "linear_backward on x (4, 5), W (3, 5), b (3,), dW: expected an array "
                                      "of shape (3, 5), got shape (5, 3)"),
         fails("transposed-gradient", "dW"), "linear-transposed-dW"),
    case("linear", (linear_forward, linear_backward_db_not_summed),
         fails("bias-gradient-not-summed", "db: expected an array of shape (3,), got shape (4, 3)"),
         fails("bias-gradient-not-summed", "got shape (1, 3)"), "linear-db-not-summed-over-batch"),
    case("linear", (linear_forward_no_bias, linear_backward_transposed_dW),
         fails("no-bias", "linear_forward on x (4, 5), W (3, 5), b (3,), out: values differ"),
         fails("no-bias"), "linear-forward-without-bias"),
    case("linear", (linear_forward, linear_backward_dx_with_W_transposed), fails(None, "raised ValueError"),
         fails(None, "raised ValueError"), "linear-dx-uses-W-transposed"),
    case("linear", (linear_forward, linear_backward_db_averaged), fails(None, "db: values differ"),
         fails(None, "db: values differ"), "linear-db-averaged-over-batch"),
    case("linear", (linear_forward_out_only, linear_backward_transposed_dW),
         fails(None, "must return a tuple (out, cache); got ndarray of shape (4, 3)"),
         fails(None, "must return a tuple (out, cache)"), "linear-forward-returns-out-only"),
    case("linear", (linear_forward, linear_backward_no_db),
         fails(None, "must return a tuple (dx, dW, db); got tuple of length 2"),
         fails(None, "got tuple of length 2"), "linear-backward-returns-two-gradients"),
    # relu
    case("relu", (relu_forward, relu_backward_not_masked),
         fails("relu-gradient-not-masked", "relu_backward on random x of shape (3, 4), dx: values differ"),
         fails("relu-gradient-not-masked"), "relu-gradient-passes-where-x-negative"),
    case("relu", (relu_forward, relu_backward_at_zero), fails("relu-subgradient-at-zero", "entries exactly 0"),
         fails("relu-subgradient-at-zero", "entries exactly 0"), "relu-gradient-1-at-zero"),
    case("relu", (relu_forward, relu_backward_in_place),
         fails("modified-input", "relu_backward on random x of shape (3, 4) (dout): modified its input"),
         fails("modified-input", "(dout)"), "relu-backward-modifies-dout"),
    case("relu", (relu_forward_in_place, relu_backward_mask_cache),
         fails("modified-input", "relu_forward on random x of shape (3, 4): modified its input"),
         fails("modified-input"), "relu-forward-modifies-x"),
    case("relu", (relu_forward, relu_backward_local_only), fails("upstream-gradient-ignored"),
         fails("upstream-gradient-ignored"), "relu-backward-ignores-dout"),
    # sigmoid
    case("sigmoid", (sigmoid_forward_naive, sigmoid_backward_textbook), fails("sigmoid-overflow", "NaN or infinity"),
         fails("sigmoid-overflow", "NaN or infinity"), "sigmoid-exp(x)/(1+exp(x))-overflows"),
    case("sigmoid", (sigmoid_forward_stable, sigmoid_backward_naive_derivative),
         fails("sigmoid-overflow", "sigmoid_backward on x with entries from -1000 to 1000"),
         fails("sigmoid-overflow", "sigmoid_backward on x with entries from -1000 to 1000"),
         "sigmoid-derivative-exp(-x)/(1+exp(-x))^2-overflows"),
    case("sigmoid", (sigmoid_forward_stable, sigmoid_backward_at_input), fails("derivative-at-input"),
         fails("derivative-at-input"), "sigmoid-derivative-of-x-not-of-sigma"),
    case("sigmoid", (sigmoid_forward_stable, sigmoid_backward_local_only), fails("upstream-gradient-ignored"),
         fails("upstream-gradient-ignored"), "sigmoid-backward-ignores-dout"),
    case("sigmoid", (sigmoid_forward_stable, sigmoid_backward_plus), fails(None, "dx: values differ"),
         fails(None, "dx: values differ"), "sigmoid-derivative-s(1+s)"),
    # tanh
    case("tanh", (tanh_forward_naive, tanh_backward_via_cache),
         fails("tanh-overflow", "tanh_forward on x with entries from -1000 to 1000"),
         fails("tanh-overflow", "tanh_forward on x with entries from -1000 to 1000"), "tanh-naive-exp-overflows"),
    case("tanh", (tanh_forward_keep_x, tanh_backward_at_input), fails("derivative-at-input"),
         fails("derivative-at-input"), "tanh-derivative-of-x-not-of-tanh"),
    case("tanh", (tanh_forward_keep_x, tanh_backward_local_only), fails("upstream-gradient-ignored"),
         fails("upstream-gradient-ignored"), "tanh-backward-ignores-dout"),
    case("tanh", (tanh_forward_keep_x, tanh_backward_derivative_of_sigmoid), fails(None, "values differ"),
         fails(None, "values differ"), "tanh-with-sigmoid's-derivative"),
    # conv2d
    case("conv2d", (conv2d_forward_true_convolution, conv2d_backward_full_convolution),
         fails("conv-as-convolution", "conv2d_forward on x (2, 3, 5, 5), w (4, 3, 3, 3), b (4,) "
                                      "(default stride and padding), out: values differ"),
         fails("conv-as-convolution"), "conv2d-forward-flips-the-kernel"),
    case("conv2d", (conv2d_forward, conv2d_backward_dx_not_flipped),
         fails("conv-dx-not-flipped", "dx: values differ"), fails("conv-dx-not-flipped", "stride=2, padding=1"),
         "conv2d-dx-full-convolution-without-flip"),
    case("conv2d", (conv2d_forward, conv2d_backward_dw_flipped),
         fails("conv-dw-flipped", "dw: values differ"), fails("conv-dw-flipped"), "conv2d-dw-flipped"),
    case("conv2d", (conv2d_forward, conv2d_backward_db_over_batch_only),
         fails("bias-gradient-not-summed", "db: expected an array of shape (4,), got shape (4, 3, 3)"),
         fails("bias-gradient-not-summed"), "conv2d-db-summed-over-batch-only"),
    case("conv2d", (conv2d_forward, conv2d_backward_crop_minus_p),
         fails("conv-dx-padding", "dx: expected an array of shape (2, 3, 5, 5), got shape (2, 3, 0, 0)"),
         fails("conv-dx-padding"), "conv2d-dx-cropped-with-p:-p"),
    case("conv2d", (conv2d_forward, conv2d_backward_padded_dx),
         fails("conv-dx-padding",
               "padding=1, dx: expected an array of shape (2, 2, 4, 4), got shape (2, 2, 6, 6)"),
         fails("conv-dx-padding"), "conv2d-dx-of-the-padded-input"),
    case("conv2d", (conv2d_forward_no_bias, conv2d_backward_full_convolution),
         fails("no-bias", "out: values differ"), fails("no-bias"), "conv2d-forward-without-bias"),
    case("conv2d", (conv2d_forward_ignores_padding, conv2d_backward_full_convolution),
         fails(None, "padding=1, out: expected an array of shape (2, 3, 4, 4), got shape (2, 3, 2, 2)"),
         fails(None, "out: expected an array of shape"), "conv2d-forward-ignores-padding"),
    case("conv2d", (conv2d_forward, conv2d_backward_ignores_stride),
         fails(None, "stride=2, padding=1, dx: values differ"),
         fails(None, "stride=2, padding=1, dx: values differ"), "conv2d-backward-ignores-stride"),
    # max_pool2d
    case("max_pool2d", (max_pool2d_forward, max_pool2d_backward_spread),
         fails("max-pool-gradient-spread", "max_pool2d_backward on random x (2, 3, 4, 6) (default kernel_size "
                                           "and stride), dx: values differ"),
         fails("max-pool-gradient-spread"), "max_pool2d-gradient-to-whole-window"),
    case("max_pool2d", (max_pool2d_forward, max_pool2d_backward_all_ties),
         fails("max-pool-ties", "x (2, 2, 4, 4) with tied maxima"),
         fails("max-pool-ties", "x (2, 2, 4, 4) with tied maxima"), "max_pool2d-gradient-to-every-tied-maximum"),
    case("max_pool2d", (max_pool2d_forward, max_pool2d_backward_assigns),
         fails("pool-gradient-overwritten", "maximum of two overlapping windows"),
         fails("pool-gradient-overwritten", "maximum of two overlapping windows"),
         "max_pool2d-overlapping-windows-assigned"),
    case("max_pool2d", (max_pool2d_forward, max_pool2d_backward_argmax_assigned),
         fails("max-pool-argmax-overwritten", "maximum of two overlapping windows"),
         fails("max-pool-argmax-overwritten", "maximum of two overlapping windows"),
         "max_pool2d-argmax-assigned"),
    case("max_pool2d", (max_pool2d_forward, max_pool2d_backward_local_only), fails("upstream-gradient-ignored"),
         fails("upstream-gradient-ignored"), "max_pool2d-backward-ignores-dout"),
    case("max_pool2d", (max_pool2d_forward_reshape, max_pool2d_backward_reshape), fails("max-pool-ties", "tied maxima"),
         fails("max-pool-ties", "tied maxima"), "max_pool2d-cs231n-reshape-trick"),
    # avg_pool2d
    case("avg_pool2d", (avg_pool2d_forward, avg_pool2d_backward_not_divided),
         fails("avg-pool-not-divided", "avg_pool2d_backward on random x (2, 3, 4, 6) (default kernel_size and "
                                       "stride), dx: values differ"),
         fails("avg-pool-not-divided"), "avg_pool2d-gradient-not-divided"),
    case("avg_pool2d", (avg_pool2d_forward_sum, avg_pool2d_backward_not_divided),
         fails("avg-pool-not-divided", "avg_pool2d_forward on random x (2, 3, 4, 6)"),
         fails("avg-pool-not-divided", "out"), "avg_pool2d-sum-pooling"),
    case("avg_pool2d", (avg_pool2d_forward, avg_pool2d_backward_assigns),
         fails("pool-gradient-overwritten", "kernel_size=3, stride=1"),
         fails("pool-gradient-overwritten", "kernel_size=3, stride=1"), "avg_pool2d-overlapping-windows-assigned"),
    case("avg_pool2d", (avg_pool2d_forward, avg_pool2d_backward_local_only), fails("upstream-gradient-ignored"),
         fails("upstream-gradient-ignored"), "avg_pool2d-backward-ignores-dout"),
    case("avg_pool2d", (avg_pool2d_forward, avg_pool2d_backward_divided_by_k), fails(None, "values differ"),
         fails(None, "values differ"), "avg_pool2d-divided-by-k-not-k-squared"),
    # two_layer_net_loss_and_grads
    case(NET, (net(relu_mask=lambda h: np.ones_like(h)),),
         fails("relu-gradient-not-masked", "dW1: values differ"), fails("relu-gradient-not-masked"),
         "net-relu-gradient-not-masked"),
    case(NET, (net(relu_mask=lambda h: h >= 0),), fails("relu-subgradient-at-zero", "hidden units are exactly 0"),
         fails("relu-subgradient-at-zero", "hidden units are exactly 0, db1"), "net-relu-gradient-1-at-zero"),
    case(NET, (net(dW1_transposed=True),),
         fails("transposed-gradient", "dW1: expected an array of shape (7, 6), got shape (6, 7)"),
         fails("transposed-gradient"), "net-transposed-dW1"),
    case(NET, (net(mean=False),), fails("sum-instead-of-mean", "the loss"),
         fails("sum-instead-of-mean", "the loss"), "net-sum-instead-of-mean"),
    case(NET, (net(shift=None, log_of_softmax=True),), fails("no-max-subtraction", "scores around +900"),
         fails("no-max-subtraction", "scores around +1000"),
         "net-softmax-without-max-subtraction"),
    case(NET, (net(shift=None),), fails("no-max-subtraction", "scores around +900"),
         fails("no-max-subtraction", "scores around +1000"),
         "net-log-sum-exp-without-max-subtraction"),
    # real students' code: one maximum for the whole batch, and the log of a probability
    case(NET, (net(shift="batch", log_of_softmax=True),), fails("global-max-subtraction", "x = [[999, 1000], [2, 1]]"),
         fails("global-max-subtraction", "x = [[1000, 999], [1, 2]]"), "net-batch-max-and-log-of-softmax"),
    case(NET, (net(shift="batch"),), fails("global-max-subtraction", "very different scales"),
         fails("global-max-subtraction", "very different scales"),
         "net-batch-max-subtraction"),
    case(NET, (net(log_of_softmax=True),), fails("log-of-softmax", "probability underflows"),
         fails("log-of-softmax", "probability underflows"),
         "net-log-of-softmax"),
    case(NET, (net(db1_summed=False),),
         fails("bias-gradient-not-summed", "db1: expected an array of shape (7,), got shape (5, 7)"),
         fails("bias-gradient-not-summed"), "net-db1-not-summed"),
    case(NET, (net(grads_as="list"),), fails(None, "gradients as a dict with keys W1, b1, W2, b2; got list"),
         fails(None, "got list"), "net-gradients-as-a-list"),
    case(NET, (net(grads_as="d-prefixed"),), fails(None, "the gradients dict has no key 'W1', 'b1', 'W2', 'b2'"),
         fails(None, "no key 'W1'"), "net-gradient-keys-dW1"),
    case(NET, (net(predictions_into_labels=True),),
         fails("modified-input", "x (5, 6), W1 (7, 6), W2 (3, 7) (labels): modified its input array in place"),
         fails("modified-input", "(labels): modified its input array in place"), "net-overwrites-labels"),
]


# The nbgrader round trip (tests/round_trips.py) ===================================================
# Each layer's cells are worth 1 visible + 2 hidden points but ReLU's (1 + 1); the two-layer network is
# checked with the reference's linear and ReLU layers in place of the student's, so a mistake in a layer
# costs that layer's points only.

LINEAR_TRANSPOSED_DW = '''
def linear_forward(x, W, b):
    return x @ W.T + b, (x, W)


def linear_backward(dout, cache):
    x, W = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)
'''
SIGMOID_NAIVE = '''
def sigmoid_forward(x):
    s = np.exp(x) / (1 + np.exp(x))
    return s, s


def sigmoid_backward(dout, s):
    return dout * s * (1 - s)
'''
# Both pooling mistakes share one backward: every position of a window gets its whole upstream gradient.
POOL_SPREADING_THE_GRADIENT = '''
def {layer}_forward(x, kernel_size=2, stride=2):
    n, c, h, w = x.shape
    k, s = kernel_size, stride
    out = np.empty((n, c, (h - k) // s + 1, (w - k) // s + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].{reduce}(axis=(2, 3))
    return out, (x.shape, k, s)


def {layer}_backward(dout, cache):
    shape, k, s = cache
    dx = np.zeros(shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * s:i * s + k, j * s:j * s + k] += dout[:, :, i, j, None, None]
    return dx
'''
AVG_POOL_NOT_DIVIDED = POOL_SPREADING_THE_GRADIENT.format(layer="avg_pool2d", reduce="mean")
MAX_POOL_SPREAD = POOL_SPREADING_THE_GRADIENT.format(layer="max_pool2d", reduce="max")
RELU_ONE_AT_ZERO = '''
def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, x):
    return dout * (x >= 0)
'''

ROUND_TRIP = [
    # the transposed dW fails the linear layer; the naive sigmoid overflows on |x| = 1000, which both
    # sigmoid tests probe
    RoundTripStudent("carol", 21.0, {"linear": LINEAR_TRANSPOSED_DW, "sigmoid": SIGMOID_NAIVE},
                     cells={"test_linear": 0, "test_linear_hidden": 0, "test_sigmoid": 0, "test_sigmoid_hidden": 0},
                     mistakes=("transposed-gradient", "sigmoid-overflow")),
    # average pooling forgets to divide, max pooling spreads the gradient, and ReLU passes the gradient at
    # x == 0, which both ReLU tests probe
    RoundTripStudent("dave", 18.0, {"avg_pool2d": AVG_POOL_NOT_DIVIDED, "max_pool2d": MAX_POOL_SPREAD,
                                    "relu": RELU_ONE_AT_ZERO},
                     cells={"test_avg_pool2d": 0, "test_avg_pool2d_hidden": 0, "test_max_pool2d": 0,
                            "test_max_pool2d_hidden": 0, "test_relu": 0, "test_relu_hidden": 0},
                     mistakes=("avg-pool-not-divided", "max-pool-gradient-spread", "relu-subgradient-at-zero")),
]
