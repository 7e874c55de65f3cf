"""The checks of ``minimize(grad_fn, x0, step, num_steps)``: the trajectory (num_steps + 1, D), x0
included, that a step rule given to it takes, against torch's, whatever state the rule keeps."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.optimizers.problems import HIDDEN_STEPS, ROWS, RTOL, VISIBLE_STEPS, quadratic_problem
from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.compare import assert_trajectory
from autograder.reference import optimizers as ref
from autograder.student_calls import call_unchanged


def _with_state_reset(grad_fn, x0: np.ndarray, step: Callable, num_steps: int) -> np.ndarray:
    """The trajectory a ``minimize`` gives that passes state=None at every step (num_steps + 1, D)."""
    params = [np.array(x0, dtype=np.float64)]
    for _ in range(num_steps):
        params.append(step(params[-1], grad_fn(params[-1]), None)[0])
    return np.stack(params)


def _check_minimize_on(minimize: Callable, grad_fn, x0: np.ndarray, step: Callable, num_steps: int,
                       expected: np.ndarray, what: str) -> None:
    """``expected``: the right trajectory (num_steps + 1, D), computed by torch."""
    result = call_unchanged(minimize, what, grad_fn, x0, step, num_steps)
    assert_trajectory(result, expected, f"{what}: the trajectory {ROWS}",
                      lambda: {"minimize-missing-x0": expected[1:],
                               "minimize-state-reset": _with_state_reset(grad_fn, x0, step, num_steps)}, rtol=RTOL)


def check_minimize(minimize: Callable) -> None:
    """Visible check of ``minimize(grad_fn, x0, step, num_steps)`` with a momentum step rule (its state:
    the velocity) for 100 steps: the trajectory must be torch.optim.SGD(momentum=0.9)'s, x0 included."""
    grad_fn, x0 = quadratic_problem(np.random.default_rng(VISIBLE_SEED), (4,))
    _check_minimize_on(minimize, grad_fn, x0, ref.step_rule("sgd", 0.05, momentum=0.9), VISIBLE_STEPS,
                       ref.trajectory(grad_fn, x0, "sgd", VISIBLE_STEPS, 0.05, momentum=0.9),
                       "minimize(grad_fn, x0, step=<torch's SGD step, lr=0.05, momentum=0.9>, num_steps=100)")
    _minimize_requirements(minimize, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED), VISIBLE)


def _decaying_lr_rule(lr: float) -> Callable:
    """A step rule whose state is the number of steps taken so far, an int: x <- x - lr / (k + 1) * g."""
    def step(x, g, steps_taken):
        k = 0 if steps_taken is None else steps_taken
        return x - lr / (k + 1) * g, k + 1
    return step


def _minimize_requirements(minimize: Callable, rng: np.random.Generator, which: str) -> None:
    """Every requirement, on problems from ``rng`` (and the ``which`` fixed inputs):
    Adam's state, a state that is an int, zero steps, an integer x0."""
    grad_fn, x0 = quadratic_problem(rng, (3,))
    _check_minimize_on(minimize, grad_fn, x0, ref.step_rule("adam", 0.1), HIDDEN_STEPS,
                       ref.trajectory(grad_fn, x0, "adam", HIDDEN_STEPS, 0.1),
                       f"minimize with torch's Adam step (lr=0.1) as the rule, num_steps={HIDDEN_STEPS}")
    decaying = 0.15 / np.arange(1, HIDDEN_STEPS + 1)
    _check_minimize_on(minimize, grad_fn, x0, _decaying_lr_rule(0.15), HIDDEN_STEPS,
                       ref.trajectory(grad_fn, x0, "sgd", HIDDEN_STEPS, decaying),
                       "minimize with a rule whose state is an int (the step count; lr 0.15 / (k + 1))")
    _check_minimize_on(minimize, grad_fn, x0, ref.step_rule("sgd", 0.05, momentum=0.9), 0,
                       x0[None, :], "minimize(..., num_steps=0): the trajectory is x0 alone, shape (1, 3)")
    integer_x0 = np.array([3, -2, 1]) if which == HIDDEN else np.array([-1, 4, 2])
    _check_minimize_on(minimize, grad_fn, integer_x0, ref.step_rule("sgd", 0.05, momentum=0.9), HIDDEN_STEPS,
                       ref.trajectory(grad_fn, integer_x0, "sgd", HIDDEN_STEPS, 0.05, momentum=0.9),
                       f"minimize from an integer starting point x0 = np.array({integer_x0.tolist()})")


def check_minimize_edge_cases(minimize: Callable, seed: int) -> None:
    """Hidden check: Adam's state, a state that is an int, zero steps, an integer x0."""
    _minimize_requirements(minimize, np.random.default_rng(seed), HIDDEN)
