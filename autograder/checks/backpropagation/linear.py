"""The check of the linear layer of ``03-backpropagation``: ``linear_forward(x, W, b) -> (out, cache)``
with out = x @ W.T + b, and ``linear_backward(dout, cache) -> (dx, dW, db)``."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.reference import backpropagation as ref

from .layer_pair import LayerPair, assert_bias_gradient, written_shape


def _check_linear_on(forward, backward, x, W, b, rng):
    pair = LayerPair("linear", forward, backward, f"x {written_shape(x)}, W {written_shape(W)}, b {written_shape(b)}")
    dout, (dx, dW, db) = pair.run((x, W, b), {}, ref.linear(x, W, b), rng,
                                  out_mistakes={"no-bias": x @ W.T},
                                  gradients=("dx", "dW", "db"))
    expected_dx, expected_dW, expected_db = ref.linear_grads(x, W, b, dout)
    pair.assert_gradient(dx, expected_dx, "dx")
    pair.assert_gradient(dW, expected_dW, "dW", {"transposed-gradient": expected_dW.T})
    assert_bias_gradient(pair, db, expected_db, dout, summed_axes=(0,))


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

