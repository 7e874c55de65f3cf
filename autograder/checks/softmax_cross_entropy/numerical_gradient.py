"""The checks of ``numerical_gradient(f, x, h=1e-5)``: centred differences, against gradients known
in closed form."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import VISIBLE_SEED
from autograder.compare import assert_close
from autograder.student_calls import call_unchanged


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
