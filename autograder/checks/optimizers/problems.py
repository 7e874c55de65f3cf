"""The problems the step rules of ``05-optimizers`` are checked on, and the checks' shared settings.

A problem is a gradient function and a starting point: a random quadratic (:func:`quadratic_problem`),
or for RMSProp one whose gradient keeps its signs (:func:`rmsprop_problem`).
"""
from __future__ import annotations

import numpy as np

from autograder.optim_problems import random_quadratic

RTOL = 1e-10          # relative to the largest entry of the compared trajectory
VISIBLE_STEPS = 100
HIDDEN_STEPS = 150
ROWS = "(row k: after k steps)"


def quadratic_problem(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0):
    """A random quadratic over parameters of ``shape`` (curvatures from ``scale`` to 10 * ``scale``).

    Returns (grad_fn, x0): grad_fn maps parameters of ``shape`` to the gradient there, same shape;
    x0 (``shape``) float64 lies about 3 units from the minimum.
    """
    dim = int(np.prod(shape))
    quadratic = random_quadratic(rng, dim, condition=10.0, scale=scale)
    x0 = (quadratic.x_star + 3.0 * rng.normal(size=dim)).reshape(shape)
    return (lambda x: quadratic.grad(np.reshape(x, -1)).reshape(shape)), x0


def rmsprop_problem(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0):
    """A quadratic with its axes along the coordinates (curvatures from ``scale`` to 10 * ``scale``), over
    parameters of ``shape``, started 20 to about 35 units from its minimum in every coordinate.

    RMSProp divides each gradient entry by the root of its decaying mean square: where an entry passes
    through zero, its steps become about gamma * sign(g) and the trajectory chaotic, so differences of
    rounding (1e-16) grow to 1e-3 within tens of steps. Here no entry changes sign within the checks'
    150 steps (each step moves a coordinate by at most gamma / sqrt(1 - alpha)), so right code matches
    torch to rounding. Returns (grad_fn, x0) as :func:`quadratic_problem`.
    """
    curvatures = scale * rng.permutation(np.geomspace(1.0, 10.0, int(np.prod(shape)))).reshape(shape)
    x_star = rng.normal(size=shape)
    x0 = x_star + rng.choice([-1.0, 1.0], size=shape) * (20.0 + 5.0 * np.abs(rng.normal(size=shape)))
    return (lambda x: curvatures * (np.asarray(x) - x_star)), x0


def step_schedule(num_steps: int, lr: float) -> np.ndarray:
    """A learning-rate schedule that changes between steps: lr, then lr / 4 from the middle on, (num_steps,)."""
    return np.where(np.arange(num_steps) < num_steps // 2, lr, lr / 4)
