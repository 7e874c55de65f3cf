"""The checks of ``sgd_step(param, grad, lr)``: its trajectory against ``torch.optim.SGD``."""
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


def _check_sgd_on(sgd_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, what: str) -> None:
    actual = step_rules.sgd_trajectory(sgd_step, grad_fn, x0, lrs, what)
    expected = ref.trajectory(grad_fn, x0, "sgd", len(lrs), lrs)

    def mistakes():
        return {"gradient-ascent": step_rules.sgd_trajectory(step_rules.sgd_ascent, grad_fn, x0, lrs)}

    assert_trajectory(actual, expected, f"{what}: the parameters {ROWS}", mistakes, rtol=RTOL)


def check_sgd_step(sgd_step: Callable) -> None:
    """Visible check of ``sgd_step(param, grad, lr)``: 100 steps against ``torch.optim.SGD``."""
    grad_fn, x0 = quadratic_problem(np.random.default_rng(VISIBLE_SEED), (5,))
    lrs = np.full(VISIBLE_STEPS, 0.05)
    _check_sgd_on(sgd_step, grad_fn, x0, lrs, "sgd_step(param, grad, lr=0.05) on a random quadratic, D = 5")
    _sgd_step_requirements(sgd_step, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _sgd_step_requirements(sgd_step: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on problems from ``rng``:
    a (3, 4) matrix of parameters and a learning rate that changes between steps."""
    grad_fn, x0 = quadratic_problem(rng, (3, 4))
    _check_sgd_on(sgd_step, grad_fn, x0, step_schedule(HIDDEN_STEPS, 0.08),
                  "sgd_step on a (3, 4) matrix of parameters, lr 0.08 then 0.02 from step 76")


def check_sgd_step_edge_cases(sgd_step: Callable, seed: int) -> None:
    """Hidden check: a (3, 4) matrix of parameters and a learning rate that changes between steps."""
    _sgd_step_requirements(sgd_step, np.random.default_rng(seed))
