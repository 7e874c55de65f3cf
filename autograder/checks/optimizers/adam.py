"""The checks of ``adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)``: its
parameters, m and v against ``torch.optim.Adam``."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.optimizers import step_rules
from autograder.checks.optimizers.problems import HIDDEN_STEPS, ROWS, RTOL, VISIBLE_STEPS, quadratic_problem
from autograder.checks.seeds import VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.compare import assert_trajectory
from autograder.reference import optimizers as ref

ADAM_DEFAULTS = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def _check_adam_on(adam_step: Callable, grad_fn, x0: np.ndarray, num_steps: int, hyper: dict, what: str) -> None:
    actual_x, actual_m, actual_v = step_rules.adam_trajectory(adam_step, grad_fn, x0, num_steps, hyper, what)
    h = {**ADAM_DEFAULTS, **hyper}
    expected_x, states = ref.run_optimizer(grad_fn, x0, "adam", num_steps, h["lr"],
                                           betas=(h["beta1"], h["beta2"]), eps=h["eps"])

    def run(rule):
        return step_rules.adam_trajectory(rule, grad_fn, x0, num_steps, hyper)

    def corrected_moments():
        return run(step_rules.adam_returns_corrected_moments)

    assert_trajectory(actual_x, expected_x, f"{what}: the parameters {ROWS}",
                      lambda: {key: run(rule)[0] for key, rule in step_rules.ADAM_MISTAKES.items()}, rtol=RTOL)
    assert_trajectory(actual_m, states["exp_avg"], f"{what}: m (row k: after step t = k + 1; torch's exp_avg)",
                      lambda: {"adam-returns-corrected-moments": corrected_moments()[1]}, rtol=RTOL)
    assert_trajectory(actual_v, states["exp_avg_sq"],
                      f"{what}: v (row k: after step t = k + 1; torch's exp_avg_sq)",
                      lambda: {"adam-returns-corrected-moments": corrected_moments()[2]}, rtol=RTOL)


def check_adam_step(adam_step: Callable) -> None:
    """Visible check of ``adam_step``: 100 steps against ``torch.optim.Adam(lr=0.05)``, from m = v = 0, t = 1."""
    grad_fn, x0 = quadratic_problem(np.random.default_rng(VISIBLE_SEED), (5,))
    _check_adam_on(adam_step, grad_fn, x0, VISIBLE_STEPS, {"lr": 0.05},
                   "adam_step(param, grad, m, v, t, lr=0.05) on a random quadratic, D = 5")
    _adam_step_requirements(adam_step, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _adam_step_requirements(adam_step: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on problems from ``rng``:
    tiny gradients (where eps matters), other betas and eps on a (3, 4) matrix, defaults."""
    grad_fn, x0 = quadratic_problem(rng, (4,), scale=1e-6)
    _check_adam_on(adam_step, grad_fn, x0, HIDDEN_STEPS, {"lr": 0.05},
                   "adam_step(..., lr=0.05) on a quadratic with tiny gradients (about 1e-6)")
    grad_fn, x0 = quadratic_problem(rng, (3, 4))
    _check_adam_on(adam_step, grad_fn, x0, HIDDEN_STEPS, {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4},
                   "adam_step(..., lr=0.02, beta1=0.8, beta2=0.99, eps=1e-4) on a (3, 4) matrix of parameters")
    _check_adam_on(adam_step, grad_fn, x0, HIDDEN_STEPS, {},
                   "adam_step(param, grad, m, v, t) with its default lr, beta1, beta2 and eps")


def check_adam_step_edge_cases(adam_step: Callable, seed: int) -> None:
    """Hidden check: tiny gradients (where eps matters), other betas and eps on a (3, 4) matrix, defaults."""
    _adam_step_requirements(adam_step, np.random.default_rng(seed))
