"""Assignment 05 (optimizers): what is special to its checks.

Its known implementations (tests/known_implementations/optimizers.py) are data for
tests/test_assignment_contracts.py, which runs the checks on them as on every assignment's. Here: the
test problems' gradients agree with autograd, and the reference of the other momentum formulation agrees
with torch exactly while the learning rate is constant.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pytest
import torch

from autograder import optim_problems as problems
from autograder.reference import optimizers as ref

# === the test problems and the references ===========================================================

def rosenbrock_in_torch(v: torch.Tensor) -> torch.Tensor:
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def _autograd(loss: Callable, x: np.ndarray) -> np.ndarray:
    w = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    loss(w).backward()
    return w.grad.numpy()


def test_problem_gradients_match_autograd():
    rng = np.random.default_rng(3)
    quadratic = problems.random_quadratic(rng, 4, condition=30.0)
    A, x_star = torch.from_numpy(quadratic.A), torch.from_numpy(quadratic.x_star)
    x = rng.normal(size=4)
    np.testing.assert_allclose(quadratic.grad(x), _autograd(lambda w: 0.5 * (w - x_star) @ A @ (w - x_star), x),
                               rtol=1e-12)
    assert quadratic.loss(x) == pytest.approx(0.5 * (x - quadratic.x_star) @ quadratic.A @ (x - quadratic.x_star))
    assert quadratic.condition_number == pytest.approx(30.0)

    rosenbrock, w = problems.Rosenbrock(), np.array([-1.2, 1.0])
    np.testing.assert_allclose(rosenbrock.grad(w), _autograd(rosenbrock_in_torch, w), rtol=1e-12)
    assert rosenbrock.loss(rosenbrock.x_star) == 0.0

    well = problems.DoubleWell()
    np.testing.assert_allclose(well.grad(np.array([0.7])), _autograd(lambda v: v[0] ** 4 - 3 * v[0] ** 2 + v[0],
                                                                    np.array([0.7])), rtol=1e-12)
    np.testing.assert_allclose(well.grad(well.x_star), 0.0, atol=1e-12)
    assert well.loss(well.x_star) < well.loss(well.stationary_points()[2:]).item()

    regression = problems.least_squares(rng, num_samples=50)
    X, y = torch.from_numpy(regression.X), torch.from_numpy(regression.y)
    w = rng.normal(size=2)
    np.testing.assert_allclose(regression.grad(w), _autograd(lambda v: 0.5 * ((X @ v - y) ** 2).mean(), w),
                               rtol=1e-12)
    np.testing.assert_allclose(regression.grad(regression.x_star), 0.0, atol=1e-12)
    batch = np.array([3, 7, 11])
    np.testing.assert_allclose(regression.grad(w, batch),
                               _autograd(lambda v: 0.5 * ((X[batch] @ v - y[batch]) ** 2).mean(), w), rtol=1e-12)


def test_noisy_gradients_are_unbiased_with_the_stated_spread():
    rng, w = np.random.default_rng(4), np.array([-3.0, 1.0])
    valley = problems.ill_conditioned_quadratic()
    noisy_grad = problems.with_gradient_noise(valley.grad, rng, 0.5)
    noise = np.array([noisy_grad(w) for _ in range(4000)]) - valley.grad(w)
    np.testing.assert_allclose(noise.mean(axis=0), 0.0, atol=0.05)
    np.testing.assert_allclose(noise.std(axis=0), 0.5, rtol=0.05)
    regression = problems.least_squares(rng)
    minibatch_grad = regression.minibatch_grad(rng, batch_size=10)
    mean = np.mean([minibatch_grad(w) for _ in range(4000)], axis=0)
    np.testing.assert_allclose(mean, regression.grad(w), rtol=0.05)


def test_loss_takes_a_grid_of_points():
    valley = problems.ill_conditioned_quadratic()
    grid = np.random.default_rng(0).normal(size=(5, 7, 2))
    expected = [[valley.loss(point) for point in row] for row in grid]
    np.testing.assert_allclose(valley.loss(grid), expected, rtol=1e-14)
    np.testing.assert_allclose(problems.Rosenbrock().loss(grid),
                               [[problems.Rosenbrock().loss(point) for point in row] for row in grid], rtol=1e-14)


def test_the_other_momentum_formulation_matches_torch_only_while_the_learning_rate_is_constant():
    valley, x0 = problems.ill_conditioned_quadratic(), np.array([-9.0, 2.0])
    constant = np.full(60, 0.1)
    for nesterov in (False, True):
        torch_x, states = ref.run_optimizer(valley.grad, x0, "sgd", 60, constant, momentum=0.9, nesterov=nesterov)
        other_x, other_v = ref.lr_in_velocity_momentum(valley.grad, x0, 60, constant, 0.9, nesterov)
        np.testing.assert_allclose(other_x, torch_x, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(other_v, 0.1 * states["momentum_buffer"], rtol=1e-12, atol=1e-14)
    schedule = np.where(np.arange(60) < 30, 0.1, 0.01)
    torch_x = ref.trajectory(valley.grad, x0, "sgd", 60, schedule, momentum=0.9)
    other_x, _ = ref.lr_in_velocity_momentum(valley.grad, x0, 60, schedule, 0.9)
    np.testing.assert_allclose(other_x[:31], torch_x[:31], rtol=1e-12, atol=1e-14)
    assert np.abs(other_x[31] - torch_x[31]).max() > 1e-3


def test_torch_momentum_buffer_starts_at_the_first_gradient():
    """What ``momentum_step``'s zero velocity reproduces: torch's buffer after step 1 is g_1 itself."""
    quadratic = problems.random_quadratic(np.random.default_rng(1), 3)
    x0 = np.ones(3)
    _, states = ref.run_optimizer(quadratic.grad, x0, "sgd", 1, 0.1, momentum=0.9)
    np.testing.assert_array_equal(states["momentum_buffer"][0], quadratic.grad(x0))


def test_step_rule_carries_torch_state_through_minimize_protocol():
    quadratic = problems.random_quadratic(np.random.default_rng(2), 3)
    x0 = np.array([1.0, -2.0, 0.5])
    for optimizer, options in [("sgd", {"momentum": 0.9, "nesterov": True}), ("adam", {})]:
        step, x, state, path = ref.step_rule(optimizer, 0.05, **options), x0, None, [x0]
        for _ in range(40):
            x, state = step(x, quadratic.grad(x), state)
            path.append(x)
        np.testing.assert_allclose(path, ref.trajectory(quadratic.grad, x0, optimizer, 40, 0.05, **options),
                                   rtol=1e-13, atol=1e-15)

