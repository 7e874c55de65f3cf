"""The known implementations of assignment 05 (optimizers): ``CORRECT_VARIANTS`` and ``WRONG``.

``BROKEN``: this topic's broken functions (a step returns a tuple, so a string may fail as one);
``every_seed_speedup``: the every-seed sweep's memoised references.
"""
from __future__ import annotations

import contextlib
from typing import Callable

import numpy as np
import pytest

from autograder.checks.optimizers import step_rules as checks
from autograder.reference import optimizers as ref
from check_harness import case, fails, not_implemented, returns_none
from known_implementations import RoundTripStudent

# === other correct implementations (the contract test checks that they pass) =======================

def sgd_subtract(param, grad, lr):
    return np.subtract(param, np.multiply(lr, grad))


def momentum_on_copies(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = velocity.copy()
    velocity *= momentum
    velocity += grad
    step = grad + momentum * velocity if nesterov else velocity
    param = param.copy()
    param -= lr * step
    return param, velocity


def momentum_expanded_nesterov(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    new_velocity = momentum * velocity + grad
    if nesterov:
        return param - lr * grad - lr * momentum * new_velocity, new_velocity
    return param - lr * new_velocity, new_velocity


def rmsprop_as_torch_writes_it(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = square_avg * alpha + grad * grad * (1 - alpha)      # torch's mul_(alpha).addcmul_(...)
    return param + (-lr) * grad / (np.sqrt(square_avg) + eps), square_avg


def adam_as_torch_writes_it(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = m + (1 - beta1) * (grad - m)                      # torch's exp_avg.lerp_(grad, 1 - beta1)
    v = beta2 * v + (1 - beta2) * grad * grad
    denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps
    return param - (lr / (1 - beta1 ** t)) * m / denom, m, v


def minimize_preallocated(grad_fn, x0, step, num_steps):
    trajectory = np.zeros((num_steps + 1, len(x0)))
    trajectory[0] = x0
    state = None
    for k in range(num_steps):
        trajectory[k + 1], state = step(trajectory[k], grad_fn(trajectory[k]), state)
    return trajectory


def minimize_vstack(grad_fn, x0, step, num_steps):
    x, state, rows = np.asarray(x0, dtype=float), None, [np.asarray(x0, dtype=float)]
    for _ in range(num_steps):
        x, state = step(x, grad_fn(x), state)
        rows.append(x)
    return np.vstack(rows)


CORRECT_VARIANTS = [
    pytest.param("sgd_step", sgd_subtract, id="sgd_step-np-subtract"),
    pytest.param("momentum_step", momentum_on_copies, id="momentum_step-in-place-on-copies"),
    pytest.param("momentum_step", momentum_expanded_nesterov, id="momentum_step-expanded-nesterov"),
    pytest.param("rmsprop_step", rmsprop_as_torch_writes_it, id="rmsprop_step-as-torch-writes-it"),
    pytest.param("adam_step", adam_as_torch_writes_it, id="adam_step-as-torch-writes-it"),
    pytest.param("minimize", minimize_preallocated, id="minimize-preallocated"),
    pytest.param("minimize", minimize_vstack, id="minimize-vstack"),
]


# === wrong implementations, as a student might write them ===========================================
# sgd_step

def sgd_ascent(param, grad, lr):
    return param + lr * grad


def sgd_in_place(param, grad, lr):
    param -= lr * grad
    return param


def sgd_ignores_lr(param, grad, lr):
    return param - grad


def sgd_returns_tuple(param, grad, lr):
    return param - lr * grad, None


# momentum_step

def momentum_ruder(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + lr * grad
    return param - (momentum * velocity + lr * grad if nesterov else velocity), velocity


def momentum_cs231n(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    new_velocity = momentum * velocity - lr * grad
    if nesterov:
        return param - momentum * velocity + (1 + momentum) * new_velocity, new_velocity
    return param + new_velocity, new_velocity


def momentum_nesterov_ignored(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + grad
    return param - lr * velocity, velocity


def momentum_nesterov_with_old_velocity(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    new_velocity = momentum * velocity + grad
    return param - lr * (grad + momentum * velocity if nesterov else new_velocity), new_velocity


def momentum_nesterov_swapped(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + grad
    return param - lr * (velocity + momentum * grad if nesterov else velocity), velocity


def momentum_in_place(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity *= momentum
    velocity += grad
    return param - lr * (grad + momentum * velocity if nesterov else velocity), velocity


def momentum_ascent(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + grad
    return param + lr * (grad + momentum * velocity if nesterov else velocity), velocity


def momentum_dampened(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + (1 - momentum) * grad
    return param - lr * velocity, velocity


def momentum_velocity_after_step(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    return param - lr * velocity, momentum * velocity + grad


def momentum_returns_param_only(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    return param - lr * (momentum * velocity + grad)


# rmsprop_step

def rmsprop_eps_inside_sqrt(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param - lr * grad / np.sqrt(square_avg + eps), square_avg


def rmsprop_alpha_swapped(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * square_avg + alpha * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_no_average(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = grad ** 2   # "the mean square": of this step's gradient only
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_returns_old_average(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    new_average = alpha * square_avg + (1 - alpha) * grad ** 2
    return param - lr * grad / (np.sqrt(new_average) + eps), square_avg


def rmsprop_in_place(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg *= alpha
    square_avg += (1 - alpha) * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_ascent(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param + lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_with_bias_correction(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg / (1 - alpha)) + eps), square_avg


def rmsprop_wrong_default_alpha(param, grad, square_avg, lr=1e-2, alpha=0.9, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


# adam_step

def _moments(grad, m, v, beta1, beta2):
    return beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad ** 2


def adam_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_t_from_zero(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t += 1  # "the first step is step 0"
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


def adam_t_minus_one(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1 ** (t - 1))) / (np.sqrt(v / (1 - beta2 ** (t - 1))) + eps), m, v


def adam_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps), m, v


def adam_returns_corrected(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _moments(grad, m, v, beta1, beta2)
    m, v = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_in_place(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad ** 2
    return param - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


def adam_ascent(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _moments(grad, m, v, beta1, beta2)
    return param + lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


def adam_gradient_not_squared(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad
    return param - lr * (m / (1 - beta1 ** t)) / (np.sqrt(np.abs(v) / (1 - beta2 ** t)) + eps), m, v


def adam_wrong_default_lr(param, grad, m, v, t, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


# minimize

def minimize_without_x0(grad_fn, x0, step, num_steps):
    x, state, trajectory = x0, None, []
    for _ in range(num_steps):
        x, state = step(x, grad_fn(x), state)
        trajectory.append(x)
    return np.array(trajectory)


def minimize_state_reset(grad_fn, x0, step, num_steps):
    x, trajectory = x0, [x0]
    for _ in range(num_steps):
        x, _ = step(x, grad_fn(x), None)
        trajectory.append(x)
    return np.array(trajectory)


def minimize_gradient_at_x0(grad_fn, x0, step, num_steps):
    x, state, trajectory, g = x0, None, [x0], grad_fn(x0)
    for _ in range(num_steps):
        x, state = step(x, g, state)
        trajectory.append(x)
    return np.array(trajectory)


def minimize_x0_dtype(grad_fn, x0, step, num_steps):
    trajectory = np.zeros((num_steps + 1, len(x0)), dtype=x0.dtype)  # int for an integer x0: truncates
    trajectory[0], state = x0, None
    for k in range(num_steps):
        trajectory[k + 1], state = step(trajectory[k], grad_fn(trajectory[k]), state)
    return trajectory


def minimize_list_of_arrays(grad_fn, x0, step, num_steps):
    x, state, trajectory = x0, None, [x0]
    for _ in range(num_steps):
        x, state = step(x, grad_fn(x), state)
        trajectory.append(x)
    return trajectory


# With a constant lr the two momentum formulations give the same parameters (their velocities differ);
# with a schedule the parameters differ too.
SCHEDULE_CHANGES_THE_PARAMETERS = "changes between steps (0.05, then 0.0125 from step 76): the parameters"

WRONG = [
    # sgd_step
    case("sgd_step", sgd_ascent, fails("gradient-ascent", "the parameters (row k: after k steps)"),
         fails("gradient-ascent", "(3, 4) matrix"), "sgd_step-gradient-ascent"),
    case("sgd_step", sgd_in_place, fails("modified-input", "step 1: modified its input array in place"),
         fails("modified-input"), "sgd_step-modifies-param-in-place"),
    case("sgd_step", sgd_ignores_lr, fails(None, "values differ"), fails(None, "values differ"),
         "sgd_step-ignores-lr"),
    case("sgd_step", sgd_returns_tuple, fails(None, "returned a tuple of arrays"),
         fails(None, "returned a tuple of arrays"), "sgd_step-returns-a-tuple"),
    # momentum_step
    case("momentum_step", momentum_ruder,
         fails("momentum-lr-in-velocity", "the velocity returned"),
         fails("momentum-lr-in-velocity", SCHEDULE_CHANGES_THE_PARAMETERS),
         "momentum_step-ruder-lr-in-velocity"),
    case("momentum_step", momentum_cs231n,
         fails("momentum-lr-in-velocity", "the velocity returned"),
         fails("momentum-lr-in-velocity", SCHEDULE_CHANGES_THE_PARAMETERS),
         "momentum_step-cs231n-convention"),
    case("momentum_step", momentum_nesterov_ignored, fails("nesterov-ignored", "nesterov=True"),
         fails("nesterov-ignored", "nesterov=True"), "momentum_step-nesterov-as-plain-momentum"),
    # g + mu * v_old is the new velocity itself: this "Nesterov" is plain momentum
    case("momentum_step", momentum_nesterov_with_old_velocity, fails("nesterov-ignored", "nesterov=True"),
         fails("nesterov-ignored", "nesterov=True"), "momentum_step-nesterov-with-old-velocity"),
    case("momentum_step", momentum_nesterov_swapped, fails(None, "nesterov=True"),
         fails(None, "nesterov=True"), "momentum_step-nesterov-velocity-and-gradient-swapped"),
    case("momentum_step", momentum_in_place, fails("modified-input", "step 1: modified its input array in place"),
         fails("modified-input"), "momentum_step-modifies-velocity-in-place"),
    case("momentum_step", momentum_ascent, fails("gradient-ascent"), fails("gradient-ascent"),
         "momentum_step-gradient-ascent"),
    case("momentum_step", momentum_dampened, fails("momentum-dampened"), fails("momentum-dampened"),
         "momentum_step-dampened-velocity"),
    case("momentum_step", momentum_velocity_after_step, fails("velocity-updated-after-step"),
         fails("velocity-updated-after-step"), "momentum_step-velocity-updated-after-the-step"),
    case("momentum_step", momentum_returns_param_only,
         fails(None, "must return a tuple (param, velocity); got ndarray"),
         fails(None, "must return a tuple (param, velocity)"), "momentum_step-returns-param-only"),
    # rmsprop_step
    case("rmsprop_step", rmsprop_eps_inside_sqrt, fails("rmsprop-eps-inside-sqrt", "tiny gradients"),
         fails("rmsprop-eps-inside-sqrt", "tiny gradients"), "rmsprop_step-eps-inside-sqrt"),
    case("rmsprop_step", rmsprop_alpha_swapped, fails("rmsprop-alpha-swapped"), fails("rmsprop-alpha-swapped"),
         "rmsprop_step-alpha-and-1-minus-alpha-swapped"),
    case("rmsprop_step", rmsprop_no_average, fails("rmsprop-no-average"), fails("rmsprop-no-average"),
         "rmsprop_step-squared-average-not-kept"),
    case("rmsprop_step", rmsprop_returns_old_average, fails(None, "the parameters"), fails(None, "the parameters"),
         "rmsprop_step-returns-the-old-average"),
    case("rmsprop_step", rmsprop_in_place, fails("modified-input", "step 1: modified its input array in place"),
         fails("modified-input"), "rmsprop_step-modifies-square-avg-in-place"),
    case("rmsprop_step", rmsprop_ascent, fails("gradient-ascent"), fails("gradient-ascent"),
         "rmsprop_step-gradient-ascent"),
    case("rmsprop_step", rmsprop_with_bias_correction, fails(None, "values differ"), fails(None, "values differ"),
         "rmsprop_step-adam-like-bias-correction"),
    case("rmsprop_step", rmsprop_wrong_default_alpha, fails(None, "default lr, alpha and eps"),
         fails(None, "default lr, alpha and eps"),
         "rmsprop_step-wrong-default-alpha"),
    # adam_step
    case("adam_step", adam_no_bias_correction, fails("adam-no-bias-correction"),
         fails("adam-no-bias-correction"), "adam_step-no-bias-correction"),
    case("adam_step", adam_t_from_zero, fails("adam-t-from-zero"), fails("adam-t-from-zero"),
         "adam_step-t-counted-from-zero"),
    case("adam_step", adam_t_minus_one, fails(None, "NaN or infinity"), fails(None, "NaN or infinity"),
         "adam_step-bias-correction-with-t-minus-one"),
    case("adam_step", adam_eps_inside_sqrt, fails("adam-eps-inside-sqrt"),
         fails("adam-eps-inside-sqrt", "tiny gradients"), "adam_step-eps-inside-sqrt"),
    case("adam_step", adam_returns_corrected, fails("adam-returns-corrected-moments"),
         fails("adam-returns-corrected-moments"), "adam_step-returns-corrected-moments"),
    case("adam_step", adam_in_place, fails("modified-input", "step t = 1: modified its input array in place"),
         fails("modified-input"), "adam_step-modifies-m-and-v-in-place"),
    case("adam_step", adam_ascent, fails("gradient-ascent"), fails("gradient-ascent"),
         "adam_step-gradient-ascent"),
    case("adam_step", adam_gradient_not_squared, fails(None, "values differ"), fails(None, "values differ"),
         "adam_step-v-averages-g-not-g-squared"),
    case("adam_step", adam_wrong_default_lr, fails(None, "default lr"), fails(None, "default lr"),
         "adam_step-wrong-default-lr"),
    # minimize
    case("minimize", minimize_without_x0,
         fails("minimize-missing-x0", "expected an array of shape (101, 4), got shape (100, 4)"),
         fails("minimize-missing-x0"), "minimize-without-x0"),
    case("minimize", minimize_state_reset, fails("minimize-state-reset"), fails("minimize-state-reset"),
         "minimize-state-reset-every-step"),
    case("minimize", minimize_gradient_at_x0, fails(None, "values differ"), fails(None, "values differ"),
         "minimize-gradient-always-at-x0"),
    case("minimize", minimize_x0_dtype, fails(None, "integer starting point"), fails(None, "integer starting point"),
         "minimize-trajectory-with-x0-dtype"),
    case("minimize", minimize_list_of_arrays, fails(None, "returned a list of arrays"),
         fails(None, "returned a list of arrays"), "minimize-returns-a-list"),
]


# The every-seed test runs each hidden check 200 times per wrong implementation. The torch references, the
# torch steps minimize is given and the trajectories of the known mistakes do not depend on the function
# checked, so it computes each of them once (on the same arguments they are the same) and runs only the
# wrong implementation's own trajectories every time: 75 s instead of 150 s on one core.
# (module, function, position of grad_fn among its arguments); a check's trajectory is memoised only
# for its own step rules, the known mistakes, never for the function under test.
MEMOISED = [(ref, "run_optimizer", 0), (ref, "lr_in_velocity_momentum", 0), (checks, "sgd_trajectory", 1),
            (checks, "momentum_trajectory", 1), (checks, "rmsprop_trajectory", 1), (checks, "adam_trajectory", 1)]


def _fingerprint(value) -> object:
    """A hashable stand-in for an argument: an array by dtype, shape and bytes, a dict item by item."""
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.shape, value.tobytes()
    if isinstance(value, dict):
        return tuple(sorted((key, _fingerprint(item)) for key, item in value.items()))
    return value


def _memoised(function: Callable, grad_position: int, memo: dict) -> Callable:
    """``function(*args)`` memoised on its arguments, ``args[grad_position]`` (the gradient function) by
    its values at x0 (the next argument) and at x0 + 1."""
    def call(*args, **kwargs):
        if grad_position and getattr(args[0], "__module__", None) != checks.__name__:
            return function(*args, **kwargs)  # the function under test
        grad_fn, x0 = args[grad_position], np.asarray(args[grad_position + 1], dtype=np.float64)
        key = (function.__name__, *map(_fingerprint, args[:grad_position]), _fingerprint(grad_fn(x0)),
               _fingerprint(grad_fn(x0 + 1.0)), *map(_fingerprint, args[grad_position + 1:]),
               _fingerprint(kwargs))
        if key not in memo:
            memo[key] = function(*args, **kwargs)
        return memo[key]
    return call


def _memoised_step_rule(step_rule: Callable, memo: dict) -> Callable:
    """``ref.step_rule``, whose steps (torch's, which ``minimize`` is given) are memoised on x, g and the
    state (a dict of tensors)."""
    def make(*rule_args, **rule_kwargs):
        step = step_rule(*rule_args, **rule_kwargs)

        def call(x, g, state):
            tensors = None if state is None else {name: value.numpy() for name, value in state.items()}
            key = ("step", rule_args, _fingerprint(rule_kwargs), _fingerprint(np.asarray(x)),
                   _fingerprint(np.asarray(g)), _fingerprint(tensors))
            if key not in memo:
                memo[key] = step(x, g, state)
            return memo[key]
        return call
    return make


@contextlib.contextmanager
def every_seed_speedup():
    """The references' trajectories and torch's steps memoised (see above) while the sweep runs."""
    memo = {}
    with pytest.MonkeyPatch.context() as patch:
        for module, name, grad_position in MEMOISED:
            patch.setattr(module, name, _memoised(getattr(module, name), grad_position, memo))
        patch.setattr(ref, "step_rule", _memoised_step_rule(ref.step_rule, memo))
        yield


# === broken in ways that have nothing to do with the maths ===========================================

def returns_text(*args, **kwargs):
    return "not a number"


BROKEN = [
    pytest.param(returns_none, ("returned None",), id="returns-None"),
    pytest.param(not_implemented, ("not implemented",), id="raises-NotImplementedError"),
    pytest.param(returns_text, ("expected numbers", "must return a tuple"), id="returns-a-string"),
]


# The nbgrader round trip (tests/round_trips.py) ===================================================

# Ruder's and CS231n's formulation: the learning rate inside the velocity.
MOMENTUM_LR_IN_VELOCITY = '''
def momentum_step(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + lr * grad
    if nesterov:
        return param - (momentum * velocity + lr * grad), velocity
    return param - velocity, velocity
'''
ADAM_WITHOUT_BIAS_CORRECTION = '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return param - lr * m / (np.sqrt(v) + eps), m, v
'''
RMSPROP_ALPHA_SWAPPED = '''
def rmsprop_step(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * square_avg + alpha * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg
'''
SGD_IN_PLACE = '''
def sgd_step(param, grad, lr):
    param -= lr * grad
    return param
'''
# Preallocated with x0's dtype: right for a float x0, truncated for an integer one.
MINIMIZE_WITH_X0_DTYPE = '''
def minimize(grad_fn, x0, step, num_steps):
    trajectory = np.zeros((num_steps + 1, len(x0)), dtype=x0.dtype)
    trajectory[0], state = x0, None
    for k in range(num_steps):
        trajectory[k + 1], state = step(trajectory[k], grad_fn(trajectory[k]), state)
    return trajectory
'''

ROUND_TRIP = [
    # the velocity differs from torch's by the factor lr: both momentum_step tests lost (1 + 3)
    RoundTripStudent("carol", 12.0, {"momentum_step": MOMENTUM_LR_IN_VELOCITY},
                     cells={"test_momentum_step": 0, "test_momentum_step_hidden": 0},
                     mistakes=("momentum-lr-in-velocity",)),
    # Adam's first steps too large, RMSProp swaps alpha and 1 - alpha (adam_step 2 + 2, rmsprop_step 1 + 2)
    RoundTripStudent("dave", 9.0, {"adam_step": ADAM_WITHOUT_BIAS_CORRECTION, "rmsprop_step": RMSPROP_ALPHA_SWAPPED},
                     cells={"test_adam_step": 0, "test_adam_step_hidden": 0,
                            "test_rmsprop_step": 0, "test_rmsprop_step_hidden": 0},
                     mistakes=("adam-no-bias-correction", "rmsprop-alpha-swapped")),
    # the in-place sgd_step loses sgd_step (1 + 1); minimize truncates an integer x0, which both its tests
    # probe (1 + 2)
    RoundTripStudent("erin", 11.0, {"sgd_step": SGD_IN_PLACE, "minimize": MINIMIZE_WITH_X0_DTYPE},
                     cells={"test_sgd_step": 0, "test_sgd_step_hidden": 0,
                            "test_minimize": 0, "test_minimize_hidden": 0},
                     mistakes=("modified-input",), messages=("integer starting point",)),
]
