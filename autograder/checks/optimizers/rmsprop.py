"""The checks of ``rmsprop_step(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8)``: its parameters
and square_avg against ``torch.optim.RMSprop``."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.optimizers import step_rules
from autograder.checks.optimizers.problems import (
    HIDDEN_STEPS,
    ROWS,
    RTOL,
    VISIBLE_STEPS,
    rmsprop_problem,
    step_schedule,
)
from autograder.checks.seeds import VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.compare import assert_trajectory
from autograder.reference import optimizers as ref

RMSPROP_DEFAULTS = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}


def _check_rmsprop_on(rmsprop_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, hyper: dict | None,
                      what: str) -> None:
    """``hyper``: alpha and eps passed to the student's function, or None for all its defaults (lrs then
    holds torch's default learning rate at every step)."""
    actual_x, actual_avg = step_rules.rmsprop_trajectory(rmsprop_step, grad_fn, x0, lrs, hyper, what)
    h = {**RMSPROP_DEFAULTS, **(hyper or {})}
    expected_x, states = ref.run_optimizer(grad_fn, x0, "rmsprop", len(lrs), lrs, alpha=h["alpha"], eps=h["eps"])

    def run(rule):
        return step_rules.rmsprop_trajectory(rule, grad_fn, x0, lrs, hyper)

    assert_trajectory(actual_x, expected_x, f"{what}: the parameters {ROWS}",
                      lambda: {key: run(rule)[0] for key, rule in step_rules.RMSPROP_MISTAKES.items()}, rtol=RTOL)
    assert_trajectory(actual_avg, states["square_avg"],
                      f"{what}: square_avg (row k: after step k + 1; torch's square_avg)",
                      lambda: {key: run(step_rules.RMSPROP_MISTAKES[key])[1]
                               for key in ("rmsprop-alpha-swapped", "rmsprop-no-average")}, rtol=RTOL)


def check_rmsprop_step(rmsprop_step: Callable) -> None:
    """Visible check of ``rmsprop_step``: 100 steps against ``torch.optim.RMSprop(lr=0.01, alpha=0.99)``,
    from square_avg = zeros."""
    grad_fn, x0 = rmsprop_problem(np.random.default_rng(VISIBLE_SEED), (5,))
    _check_rmsprop_on(rmsprop_step, grad_fn, x0, np.full(VISIBLE_STEPS, 0.01), {"alpha": 0.99},
                      "rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99) on a quadratic, D = 5")
    _rmsprop_step_requirements(rmsprop_step, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _rmsprop_step_requirements(rmsprop_step: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on problems from ``rng``:
    tiny gradients (where eps matters), a learning rate that changes between steps, other
    alpha and eps on a (3, 4) matrix, the default hyper-parameters."""
    grad_fn, x0 = rmsprop_problem(rng, (4,), scale=1e-6)
    _check_rmsprop_on(rmsprop_step, grad_fn, x0, np.full(HIDDEN_STEPS, 0.02), {"alpha": 0.99},
                      "rmsprop_step(..., lr=0.02, alpha=0.99) on a quadratic with tiny gradients (about 1e-5)")
    grad_fn, x0 = rmsprop_problem(rng, (3, 4))
    _check_rmsprop_on(rmsprop_step, grad_fn, x0, step_schedule(HIDDEN_STEPS, 0.02), {"alpha": 0.9, "eps": 1e-4},
                      "rmsprop_step(..., alpha=0.9, eps=1e-4) on a (3, 4) matrix of parameters, with a learning "
                      "rate that changes between steps (0.02, then 0.005 from step 76)")
    _check_rmsprop_on(rmsprop_step, grad_fn, x0, np.full(HIDDEN_STEPS, RMSPROP_DEFAULTS["lr"]), None,
                      "rmsprop_step(param, grad, square_avg) with its default lr, alpha and eps")


def check_rmsprop_step_edge_cases(rmsprop_step: Callable, seed: int) -> None:
    """Hidden check: tiny gradients (where eps matters), a learning rate that changes between steps, other
    alpha and eps on a (3, 4) matrix, the default hyper-parameters."""
    _rmsprop_step_requirements(rmsprop_step, np.random.default_rng(seed))
