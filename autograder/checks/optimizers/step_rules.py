"""The step rules of ``05-optimizers`` run as an optimizer runs them: from a starting point, each step's
gradient taken where the last step ended, for as many steps as a check asks.

A trajectory runs either a student's rule (``what`` given: each call must return arrays shaped like the
parameters and leave its inputs unchanged) or one of the known mistakes' rules below, whose trajectories
name a student's mistake. The checks call the trajectories through this module
(``step_rules.sgd_trajectory``): the every-seed sweep (tests/known_implementations/optimizers.py)
memoises the known mistakes' runs by replacing them here.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograder.compare import returned_arrays
from autograder.student_calls import call_unchanged


def call_rule(function: Callable, what: str | None, names: Sequence[str], *args, **kwargs) -> list[np.ndarray]:
    """Call a step rule and return what it returned as float64 copies, one per name in ``names``.

    With ``what`` (a student's function): fail unless it returns len(names) arrays shaped like args[0]
    and leaves every array argument unchanged. Without (one of the known mistakes below): just call it.
    """
    if what is None:
        result = function(*args, **kwargs)
        values = (result,) if len(names) == 1 else result
        return [np.array(value, dtype=np.float64) for value in values]
    return returned_arrays(call_unchanged(function, what, *args, **kwargs), names, args[0].shape, what)


def sgd_trajectory(sgd_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, what: str | None = None):
    """Run ``sgd_step`` from x0 with learning rate lrs[k] at step k; returns (len(lrs) + 1, *x0.shape)."""
    params = [np.array(x0, dtype=np.float64)]
    with np.errstate(all="ignore"):
        for k, lr in enumerate(lrs):
            x = params[-1]
            step_what = None if what is None else f"{what}, step {k + 1}"
            params.append(call_rule(sgd_step, step_what, ("param",), x, grad_fn(x), float(lr))[0])
    return np.stack(params)


def momentum_trajectory(momentum_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, momentum: float,
                         nesterov: bool, what: str | None = None):
    """Run ``momentum_step`` from x0 and velocity 0; returns (params (T + 1, ...), velocities (T, ...))."""
    params, velocities = [np.array(x0, dtype=np.float64)], [np.zeros(np.shape(x0))]
    with np.errstate(all="ignore"):
        for k, lr in enumerate(lrs):
            x = params[-1]
            step_what = None if what is None else f"{what}, step {k + 1}"
            x, velocity = call_rule(momentum_step, step_what, ("param", "velocity"),
                                     x, grad_fn(x), velocities[-1], float(lr), momentum, nesterov)
            params.append(x)
            velocities.append(velocity)
    return np.stack(params), np.stack(velocities[1:])


def rmsprop_trajectory(rmsprop_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, hyper: dict,
                        what: str | None = None):
    """Run ``rmsprop_step`` from x0 and square_avg = 0 with learning rate lrs[k] at step k; ``hyper``: the
    keyword arguments alpha and eps (absent ones take the function's defaults), or None to leave the
    learning rate to the function's default as well.
    Returns (params (T + 1, ...), square_avgs (T, ...))."""
    params, square_avgs = [np.array(x0, dtype=np.float64)], [np.zeros(np.shape(x0))]
    with np.errstate(all="ignore"):
        for k, lr in enumerate(lrs):
            x = params[-1]
            step_what = None if what is None else f"{what}, step {k + 1}"
            keywords = {} if hyper is None else {"lr": float(lr), **hyper}
            x, square_avg = call_rule(rmsprop_step, step_what, ("param", "square_avg"),
                                       x, grad_fn(x), square_avgs[-1], **keywords)
            params.append(x)
            square_avgs.append(square_avg)
    return np.stack(params), np.stack(square_avgs[1:])


def adam_trajectory(adam_step: Callable, grad_fn, x0: np.ndarray, num_steps: int, hyper: dict,
                     what: str | None = None):
    """Run ``adam_step`` from x0 and m = v = 0 with t = 1, 2, ...; ``hyper``: the keyword arguments
    (lr, beta1, beta2, eps; absent ones take the function's defaults).
    Returns (params (num_steps + 1, ...), m (num_steps, ...), v (num_steps, ...))."""
    params, ms, vs = [np.array(x0, dtype=np.float64)], [np.zeros(np.shape(x0))], [np.zeros(np.shape(x0))]
    with np.errstate(all="ignore"):
        for t in range(1, num_steps + 1):
            x = params[-1]
            step_what = None if what is None else f"{what}, step t = {t}"
            x, m, v = call_rule(adam_step, step_what, ("param", "m", "v"), x, grad_fn(x), ms[-1], vs[-1], t,
                                 **hyper)
            params.append(x)
            ms.append(m)
            vs.append(v)
    return np.stack(params), np.stack(ms[1:]), np.stack(vs[1:])


# --- the known mistakes' step rules (same signatures as the students') ------------------------------

def sgd_ascent(param, grad, lr):
    return param + lr * grad


def momentum_ascent(param, grad, velocity, lr, momentum, nesterov):
    velocity = momentum * velocity + grad
    return param + lr * (grad + momentum * velocity if nesterov else velocity), velocity


def momentum_dampened(param, grad, velocity, lr, momentum, nesterov):
    velocity = momentum * velocity + (1 - momentum) * grad
    return param - lr * ((1 - momentum) * grad + momentum * velocity if nesterov else velocity), velocity


def velocity_updated_after_step(param, grad, velocity, lr, momentum, nesterov):
    return param - lr * velocity, momentum * velocity + grad


def rmsprop_ascent(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param + lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_eps_inside_sqrt(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param - lr * grad / np.sqrt(square_avg + eps), square_avg


def rmsprop_alpha_swapped(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * square_avg + alpha * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_no_average(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


RMSPROP_MISTAKES = {"gradient-ascent": rmsprop_ascent, "rmsprop-eps-inside-sqrt": rmsprop_eps_inside_sqrt,
                    "rmsprop-alpha-swapped": rmsprop_alpha_swapped, "rmsprop-no-average": rmsprop_no_average}


def adam_moments(grad, m, v, beta1, beta2):
    return beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad ** 2


def adam_ascent(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = adam_moments(grad, m, v, beta1, beta2)
    return param + lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


def adam_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = adam_moments(grad, m, v, beta1, beta2)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_t_from_zero(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = adam_moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1 ** (t + 1))) / (np.sqrt(v / (1 - beta2 ** (t + 1))) + eps), m, v


def adam_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = adam_moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps), m, v


def adam_returns_corrected_moments(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = adam_moments(grad, m, v, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


ADAM_MISTAKES = {"gradient-ascent": adam_ascent, "adam-no-bias-correction": adam_no_bias_correction,
                 "adam-t-from-zero": adam_t_from_zero, "adam-eps-inside-sqrt": adam_eps_inside_sqrt,
                 "adam-returns-corrected-moments": adam_returns_corrected_moments}
