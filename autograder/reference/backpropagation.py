"""PyTorch references for the layers of the back-propagation chapter: forward passes and their gradients.

All take numpy arrays and return numpy float64 arrays, computed in float64 with torch. Gradients come from
autograd (never from the formulas the students derive): ``*_grads(inputs..., dout)`` returns the gradients
of ``sum(out * dout)`` with respect to the inputs, which is exactly what a layer's backward pass returns
when ``dout`` is the upstream gradient dL/dout.

Layouts are PyTorch's: images x (N, K, H, V) (K channels of H x V pixels, the book's symbols), convolution
weights w (F, K, KH, KV), linear weights W (out, in), so a linear layer computes ``out = x @ W.T + b``.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from autograder.torch_helpers import float64_tensor, one_thread


def _forward(function: Callable, *inputs: np.ndarray, **kwargs) -> np.ndarray:
    with torch.no_grad(), one_thread():
        return function(*map(float64_tensor, inputs), **kwargs).numpy()


def _grads(function: Callable, inputs: tuple[np.ndarray, ...], dout: np.ndarray, **kwargs):
    """Gradients of sum(function(*inputs, **kwargs) * dout) with respect to each input, by autograd.

    Returns a tuple of float64 arrays, one per input, each shaped like its input.
    """
    tensors = [float64_tensor(a, requires_grad=True) for a in inputs]
    with one_thread():
        function(*tensors, **kwargs).backward(float64_tensor(dout))
    return tuple(t.grad.numpy() for t in tensors)


# --- fully-connected layer -------------------------------------------------------------------------

def linear(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (N, D), W (M, D), b (M,) -> out = x @ W.T + b, (N, M) float64 (``F.linear``)."""
    return _forward(F.linear, x, W, b)


def linear_grads(x, W, b, dout):
    """dout (N, M) = dL/dout -> (dx (N, D), dW (M, D), db (M,)), by autograd."""
    return _grads(F.linear, (x, W, b), dout)


# --- activation functions --------------------------------------------------------------------------

def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), elementwise, any shape, float64 (``torch.relu``)."""
    return _forward(torch.relu, x)


def relu_grad(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """dL/dx of relu for dout = dL/dout shaped like x; PyTorch's subgradient at x == 0 is 0."""
    return _grads(torch.relu, (x,), dout)[0]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigmoid(x) = 1 / (1 + exp(-x)), elementwise, any shape, float64 (``torch.sigmoid``)."""
    return _forward(torch.sigmoid, x)


def sigmoid_grad(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """dL/dx of the sigmoid for dout = dL/dout shaped like x, by autograd."""
    return _grads(torch.sigmoid, (x,), dout)[0]


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x), elementwise, any shape, float64 (``torch.tanh``)."""
    return _forward(torch.tanh, x)


def tanh_grad(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """dL/dx of tanh for dout = dL/dout shaped like x, by autograd."""
    return _grads(torch.tanh, (x,), dout)[0]


# --- convolution -----------------------------------------------------------------------------------

def conv2d_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output height (or width) of a convolution or pooling window: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Cross-correlation as ``F.conv2d``: x (N, K, H, V), w (F, K, KH, KV), b (F,) -> (N, F, OH, OV)."""
    return _forward(F.conv2d, x, w, b, stride=stride, padding=padding)


def conv2d_grads(x, w, b, dout, stride: int = 1, padding: int = 0):
    """dout (N, F, OH, OV) -> (dx (N, K, H, V), dw (F, K, KH, KV), db (F,)), by autograd."""
    return _grads(F.conv2d, (x, w, b), dout, stride=stride, padding=padding)


# --- pooling ---------------------------------------------------------------------------------------

def max_pool2d(x: np.ndarray, kernel_size: int = 2, stride: int = 2) -> np.ndarray:
    """Maximum over kernel_size x kernel_size windows: x (N, K, H, V) -> (N, K, OH, OV) (``F.max_pool2d``)."""
    return _forward(F.max_pool2d, x, kernel_size=kernel_size, stride=stride)


def max_pool2d_grad(x, dout, kernel_size: int = 2, stride: int = 2) -> np.ndarray:
    """dL/dx (N, K, H, V) of max pooling for dout (N, K, OH, OV), by autograd (ties: PyTorch's choice)."""
    return _grads(F.max_pool2d, (x,), dout, kernel_size=kernel_size, stride=stride)[0]


def avg_pool2d(x: np.ndarray, kernel_size: int = 2, stride: int = 2) -> np.ndarray:
    """Mean over kernel_size x kernel_size windows: x (N, K, H, V) -> (N, K, OH, OV) (``F.avg_pool2d``)."""
    return _forward(F.avg_pool2d, x, kernel_size=kernel_size, stride=stride)


def avg_pool2d_grad(x, dout, kernel_size: int = 2, stride: int = 2) -> np.ndarray:
    """dL/dx (N, K, H, V) of average pooling for dout (N, K, OH, OV), by autograd."""
    return _grads(F.avg_pool2d, (x,), dout, kernel_size=kernel_size, stride=stride)[0]


# --- a two-layer network ---------------------------------------------------------------------------

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")


def two_layer_net_scores(x: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """Scores relu(x W1^T + b1) W2^T + b2: x (N, D), W1 (M, D), b1 (M,), W2 (C, M), b2 (C,) -> (N, C)."""
    with torch.no_grad(), one_thread():
        return _two_layer_net(float64_tensor(x), {k: float64_tensor(params[k]) for k in PARAMETER_NAMES}).numpy()


def two_layer_net_loss_and_grads(x: np.ndarray, params: dict[str, np.ndarray],
                                 labels: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Mean softmax cross-entropy of the two-layer net's scores and its gradients, by autograd.

    x (N, D), params {"W1": (M, D), "b1": (M,), "W2": (C, M), "b2": (C,)} (M hidden units, C classes),
    labels (N,) int.
    Returns (loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}), each gradient shaped like its parameter.
    """
    tensors = {k: float64_tensor(params[k], requires_grad=True) for k in PARAMETER_NAMES}
    with one_thread():
        scores = _two_layer_net(float64_tensor(x), tensors)
        loss = F.cross_entropy(scores, torch.as_tensor(np.asarray(labels), dtype=torch.int64))
        loss.backward()
    return loss.item(), {k: t.grad.numpy() for k, t in tensors.items()}


def _two_layer_net(x: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
    return F.linear(torch.relu(F.linear(x, p["W1"], p["b1"])), p["W2"], p["b2"])
