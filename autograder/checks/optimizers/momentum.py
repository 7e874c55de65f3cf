"""The checks of ``momentum_step(param, grad, velocity, lr, momentum=0.9, nesterov=False)``: its
parameters and velocity against ``torch.optim.SGD(momentum=...)``, with and without Nesterov."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.optimizers import step_rules
from autograder.checks.optimizers.problems import (
    HIDDEN_STEPS,
    ROWS,
    RTOL,
    VISIBLE_STEPS,
    quadratic_problem,
    step_schedule,
)
from autograder.checks.seeds import VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.compare import assert_trajectory
from autograder.reference import optimizers as ref


def _signed_like(actual: np.ndarray, velocities: np.ndarray) -> np.ndarray:
    """``velocities`` with the sign of the student's: Ruder's overview stores +v, CS231n -v."""
    return -velocities if np.sum(actual * velocities) < 0 else velocities


def _check_momentum_on(momentum_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, momentum: float,
                       nesterov: bool, what: str) -> None:
    actual_x, actual_v = step_rules.momentum_trajectory(momentum_step, grad_fn, x0, lrs, momentum, nesterov, what)
    expected_x, states = ref.run_optimizer(grad_fn, x0, "sgd", len(lrs), lrs, momentum=momentum,
                                           nesterov=nesterov)

    def lr_in_velocity():
        return ref.lr_in_velocity_momentum(grad_fn, x0, len(lrs), lrs, momentum, nesterov)

    def mistakes():
        def run(rule):
            return step_rules.momentum_trajectory(rule, grad_fn, x0, lrs, momentum, nesterov)[0]
        found = {"gradient-ascent": run(step_rules.momentum_ascent), "momentum-lr-in-velocity": lr_in_velocity()[0]}
        if nesterov:
            found["nesterov-ignored"] = ref.trajectory(grad_fn, x0, "sgd", len(lrs), lrs, momentum=momentum)
        found["momentum-dampened"] = run(step_rules.momentum_dampened)
        found["velocity-updated-after-step"] = run(step_rules.velocity_updated_after_step)
        return found

    assert_trajectory(actual_x, expected_x, f"{what}: the parameters {ROWS}", mistakes, rtol=RTOL)
    assert_trajectory(actual_v, states["momentum_buffer"],
                      f"{what}: the velocity returned (row k: after step k + 1; torch's momentum_buffer)",
                      lambda: {"momentum-lr-in-velocity": _signed_like(actual_v, lr_in_velocity()[1])}, rtol=RTOL)


def check_momentum_step(momentum_step: Callable) -> None:
    """Visible check of ``momentum_step``: 100 steps of momentum, then of Nesterov momentum, against
    ``torch.optim.SGD(momentum=0.9)``, from velocity = zeros."""
    grad_fn, x0 = quadratic_problem(np.random.default_rng(VISIBLE_SEED), (5,))
    lrs = np.full(VISIBLE_STEPS, 0.05)
    for nesterov in (False, True):
        _check_momentum_on(momentum_step, grad_fn, x0, lrs, 0.9, nesterov,
                           f"momentum_step(param, grad, velocity, lr=0.05, momentum=0.9, nesterov={nesterov})"
                           " on a random quadratic, D = 5")
    _momentum_step_requirements(momentum_step, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _momentum_step_requirements(momentum_step: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on problems from ``rng``:
    learning rates that change between steps, a (3, 4) matrix, momentum 0.5 and 0.99."""
    grad_fn, x0 = quadratic_problem(rng, (4,))
    lrs = step_schedule(HIDDEN_STEPS, 0.05)
    for nesterov in (False, True):
        _check_momentum_on(momentum_step, grad_fn, x0, lrs, 0.9, nesterov,
                           f"momentum_step(..., momentum=0.9, nesterov={nesterov}) with a learning rate that "
                           "changes between steps (0.05, then 0.0125 from step 76)")
    grad_fn, x0 = quadratic_problem(rng, (3, 4))
    _check_momentum_on(momentum_step, grad_fn, x0, np.full(HIDDEN_STEPS, 0.1), 0.5, True,
                       "momentum_step(..., lr=0.1, momentum=0.5, nesterov=True) on a (3, 4) matrix of parameters")
    _check_momentum_on(momentum_step, grad_fn, x0, np.full(HIDDEN_STEPS, 0.01), 0.99, False,
                       "momentum_step(..., lr=0.01, momentum=0.99) on a (3, 4) matrix of parameters")


def check_momentum_step_edge_cases(momentum_step: Callable, seed: int) -> None:
    """Hidden check: learning rates that change between steps, a (3, 4) matrix, momentum 0.5 and 0.99."""
    _momentum_step_requirements(momentum_step, np.random.default_rng(seed))
