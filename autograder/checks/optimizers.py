"""Checks for assignment ``05-optimizers``: students' numpy step rules against ``torch.optim``.

A step rule is checked by running it, as an optimizer runs, for 100 steps or more on a random quadratic
(its gradient feeding back into the next step) and comparing the whole trajectory of the parameters and
of the returned state (velocity; RMSprop's square_avg; Adam's m and v) with ``torch.optim.SGD`` /
``torch.optim.RMSprop`` / ``torch.optim.Adam`` in
float64, to a relative error of 1e-10. Every call must leave its input arrays unchanged.
``check_<function>`` is the visible self-check; ``check_<function>_edge_cases`` the hidden test. Both run
every requirement case (learning rates that change between steps, matrix-shaped parameters, other
hyper-parameters, tiny gradients, the defaults; for ``minimize``: a state that is not an array, zero
steps, an integer x0), each on its own inputs: the self-check after its first run, on quadratics drawn
from VISIBLE_REQUIREMENTS_SEED (and its own integer x0); the hidden test from the student's seed.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograder.compare import (
    CheckFailure,
    as_numeric_array,
    assert_close,
    assert_shape,
    assert_unchanged,
    call_student,
    returned_tuple,
)
from autograder.optim_problems import random_quadratic
from autograder.reference import optimizers as ref

VISIBLE_SEED = 0
VISIBLE_REQUIREMENTS_SEED = 1  # the self-check's random problems for the requirement cases
# Which fixed inputs a requirement case uses: the self-check's or the hidden test's.
VISIBLE, HIDDEN = "visible", "hidden"
RTOL = 1e-10          # relative to the largest entry of the compared trajectory
VISIBLE_STEPS = 100
HIDDEN_STEPS = 150
ROWS = "(row k: after k steps)"


def _quadratic_problem(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0):
    """A random quadratic over parameters of ``shape`` (curvatures from ``scale`` to 10 * ``scale``).

    Returns (grad_fn, x0): grad_fn maps parameters of ``shape`` to the gradient there, same shape;
    x0 (``shape``) float64 lies about 3 units from the minimum.
    """
    dim = int(np.prod(shape))
    quadratic = random_quadratic(rng, dim, condition=10.0, scale=scale)
    x0 = (quadratic.x_star + 3.0 * rng.normal(size=dim)).reshape(shape)
    return (lambda x: quadratic.grad(np.reshape(x, -1)).reshape(shape)), x0


def _step_schedule(num_steps: int, lr: float) -> np.ndarray:
    """A learning-rate schedule that changes between steps: lr, then lr / 4 from the middle on, (num_steps,)."""
    return np.where(np.arange(num_steps) < num_steps // 2, lr, lr / 4)


def _call_rule(function: Callable, what: str | None, names: Sequence[str], *args, **kwargs):
    """Call a step rule and return what it returned as float64 copies, one per name in ``names``.

    With ``what`` (a student's function): fail unless it returns len(names) arrays shaped like args[0]
    and leaves every array argument unchanged. Without (one of the known mistakes below): just call it.
    """
    if what is None:
        result = function(*args, **kwargs)
        values = (result,) if len(names) == 1 else result
        return [np.array(value, dtype=np.float64) for value in values]
    before = [(arg, arg.copy()) for arg in args if isinstance(arg, np.ndarray)]
    result = call_student(function, what, *args, **kwargs)
    for after, original in before:
        if not np.array_equal(after, original, equal_nan=True):  # a trajectory that went NaN stays NaN
            assert_unchanged(original, after, what)
    values = (result,) if len(names) == 1 else returned_tuple(result, names, what)
    arrays = []
    for name, value in zip(names, values):
        label = f"{what}, {name}" if len(names) > 1 else what
        array = as_numeric_array(value, label)
        assert_shape(array, args[0].shape, label)
        arrays.append(np.array(array, dtype=np.float64))  # a copy, so later calls cannot change it
    return arrays


def _assert_trajectory(actual, expected: np.ndarray, what: str,
                       mistakes: Callable[[], dict[str, np.ndarray]] = dict) -> None:
    """Compare two trajectories to RTOL relative to the largest entry of ``expected``.

    mistakes: returns {mistake key: the trajectory that mistake gives}; called only when the comparison
    fails, as each of those trajectories costs a run.
    """
    atol = RTOL * (float(np.max(np.abs(expected), initial=0.0)) or 1.0)
    try:
        assert_close(actual, expected, what, rtol=RTOL, atol=atol)
        return
    except CheckFailure:
        pass
    # outside the except block: the failure that names the mistake is raised alone, not chained to the first
    assert_close(actual, expected, what, rtol=RTOL, atol=atol, mistakes=mistakes())


# --- sgd_step --------------------------------------------------------------------------------------

def _sgd_trajectory(sgd_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, what: str | None = None):
    """Run ``sgd_step`` from x0 with learning rate lrs[k] at step k; returns (len(lrs) + 1, *x0.shape)."""
    params = [np.array(x0, dtype=np.float64)]
    with np.errstate(all="ignore"):
        for k, lr in enumerate(lrs):
            x = params[-1]
            step_what = None if what is None else f"{what}, step {k + 1}"
            params.append(_call_rule(sgd_step, step_what, ("param",), x, grad_fn(x), float(lr))[0])
    return np.stack(params)


def _sgd_ascent(param, grad, lr):
    return param + lr * grad


def _check_sgd_on(sgd_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, what: str) -> None:
    actual = _sgd_trajectory(sgd_step, grad_fn, x0, lrs, what)
    expected = ref.trajectory(grad_fn, x0, "sgd", len(lrs), lrs)
    _assert_trajectory(actual, expected, f"{what}: the parameters {ROWS}",
                       lambda: {"gradient-ascent": _sgd_trajectory(_sgd_ascent, grad_fn, x0, lrs)})


def check_sgd_step(sgd_step: Callable) -> None:
    """Visible check of ``sgd_step(param, grad, lr)``: 100 steps against ``torch.optim.SGD``."""
    grad_fn, x0 = _quadratic_problem(np.random.default_rng(VISIBLE_SEED), (5,))
    lrs = np.full(VISIBLE_STEPS, 0.05)
    _check_sgd_on(sgd_step, grad_fn, x0, lrs, "sgd_step(param, grad, lr=0.05) on a random quadratic, D = 5")
    _sgd_step_requirements(sgd_step, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _sgd_step_requirements(sgd_step: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on problems from ``rng``:
    a (3, 4) matrix of parameters and a learning rate that changes between steps."""
    grad_fn, x0 = _quadratic_problem(rng, (3, 4))
    _check_sgd_on(sgd_step, grad_fn, x0, _step_schedule(HIDDEN_STEPS, 0.08),
                  "sgd_step on a (3, 4) matrix of parameters, lr 0.08 then 0.02 from step 76")


def check_sgd_step_edge_cases(sgd_step: Callable, seed: int) -> None:
    """Hidden check: a (3, 4) matrix of parameters and a learning rate that changes between steps."""
    _sgd_step_requirements(sgd_step, np.random.default_rng(seed))


# --- momentum_step ---------------------------------------------------------------------------------

def _momentum_trajectory(momentum_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, momentum: float,
                         nesterov: bool, what: str | None = None):
    """Run ``momentum_step`` from x0 and velocity 0; returns (params (T + 1, ...), velocities (T, ...))."""
    params, velocities = [np.array(x0, dtype=np.float64)], [np.zeros(np.shape(x0))]
    with np.errstate(all="ignore"):
        for k, lr in enumerate(lrs):
            x = params[-1]
            step_what = None if what is None else f"{what}, step {k + 1}"
            x, velocity = _call_rule(momentum_step, step_what, ("param", "velocity"),
                                     x, grad_fn(x), velocities[-1], float(lr), momentum, nesterov)
            params.append(x)
            velocities.append(velocity)
    return np.stack(params), np.stack(velocities[1:])


def _momentum_ascent(param, grad, velocity, lr, momentum, nesterov):
    velocity = momentum * velocity + grad
    return param + lr * (grad + momentum * velocity if nesterov else velocity), velocity


def _momentum_dampened(param, grad, velocity, lr, momentum, nesterov):
    velocity = momentum * velocity + (1 - momentum) * grad
    return param - lr * ((1 - momentum) * grad + momentum * velocity if nesterov else velocity), velocity


def _velocity_updated_after_step(param, grad, velocity, lr, momentum, nesterov):
    return param - lr * velocity, momentum * velocity + grad


def _signed_like(actual: np.ndarray, velocities: np.ndarray) -> np.ndarray:
    """``velocities`` with the sign of the student's: Ruder's overview stores +v, CS231n -v."""
    return -velocities if np.sum(actual * velocities) < 0 else velocities


def _check_momentum_on(momentum_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, momentum: float,
                       nesterov: bool, what: str) -> None:
    actual_x, actual_v = _momentum_trajectory(momentum_step, grad_fn, x0, lrs, momentum, nesterov, what)
    expected_x, states = ref.run_optimizer(grad_fn, x0, "sgd", len(lrs), lrs, momentum=momentum,
                                           nesterov=nesterov)

    def lr_in_velocity():
        return ref.lr_in_velocity_momentum(grad_fn, x0, len(lrs), lrs, momentum, nesterov)

    def mistakes():
        def run(rule):
            return _momentum_trajectory(rule, grad_fn, x0, lrs, momentum, nesterov)[0]
        found = {"gradient-ascent": run(_momentum_ascent), "momentum-lr-in-velocity": lr_in_velocity()[0]}
        if nesterov:
            found["nesterov-ignored"] = ref.trajectory(grad_fn, x0, "sgd", len(lrs), lrs, momentum=momentum)
        found["momentum-dampened"] = run(_momentum_dampened)
        found["velocity-updated-after-step"] = run(_velocity_updated_after_step)
        return found

    _assert_trajectory(actual_x, expected_x, f"{what}: the parameters {ROWS}", mistakes)
    _assert_trajectory(actual_v, states["momentum_buffer"],
                       f"{what}: the velocity returned (row k: after step k + 1; torch's momentum_buffer)",
                       lambda: {"momentum-lr-in-velocity": _signed_like(actual_v, lr_in_velocity()[1])})


def check_momentum_step(momentum_step: Callable) -> None:
    """Visible check of ``momentum_step``: 100 steps of momentum, then of Nesterov momentum, against
    ``torch.optim.SGD(momentum=0.9)``, from velocity = zeros."""
    grad_fn, x0 = _quadratic_problem(np.random.default_rng(VISIBLE_SEED), (5,))
    lrs = np.full(VISIBLE_STEPS, 0.05)
    for nesterov in (False, True):
        _check_momentum_on(momentum_step, grad_fn, x0, lrs, 0.9, nesterov,
                           f"momentum_step(param, grad, velocity, lr=0.05, momentum=0.9, nesterov={nesterov})"
                           " on a random quadratic, D = 5")
    _momentum_step_requirements(momentum_step, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _momentum_step_requirements(momentum_step: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on problems from ``rng``:
    learning rates that change between steps, a (3, 4) matrix, momentum 0.5 and 0.99."""
    grad_fn, x0 = _quadratic_problem(rng, (4,))
    lrs = _step_schedule(HIDDEN_STEPS, 0.05)
    for nesterov in (False, True):
        _check_momentum_on(momentum_step, grad_fn, x0, lrs, 0.9, nesterov,
                           f"momentum_step(..., momentum=0.9, nesterov={nesterov}) with a learning rate that "
                           "changes between steps (0.05, then 0.0125 from step 76)")
    grad_fn, x0 = _quadratic_problem(rng, (3, 4))
    _check_momentum_on(momentum_step, grad_fn, x0, np.full(HIDDEN_STEPS, 0.1), 0.5, True,
                       "momentum_step(..., lr=0.1, momentum=0.5, nesterov=True) on a (3, 4) matrix of parameters")
    _check_momentum_on(momentum_step, grad_fn, x0, np.full(HIDDEN_STEPS, 0.01), 0.99, False,
                       "momentum_step(..., lr=0.01, momentum=0.99) on a (3, 4) matrix of parameters")


def check_momentum_step_edge_cases(momentum_step: Callable, seed: int) -> None:
    """Hidden check: learning rates that change between steps, a (3, 4) matrix, momentum 0.5 and 0.99."""
    _momentum_step_requirements(momentum_step, np.random.default_rng(seed))


# --- rmsprop_step ----------------------------------------------------------------------------------

def _rmsprop_problem(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0):
    """A quadratic with its axes along the coordinates (curvatures from ``scale`` to 10 * ``scale``), over
    parameters of ``shape``, started 20 to about 35 units from its minimum in every coordinate.

    RMSProp divides each gradient entry by the root of its decaying mean square: where an entry passes
    through zero, its steps become about gamma * sign(g) and the trajectory chaotic, so differences of
    rounding (1e-16) grow to 1e-3 within tens of steps. Here no entry changes sign within the checks'
    150 steps (each step moves a coordinate by at most gamma / sqrt(1 - alpha)), so right code matches
    torch to rounding. Returns (grad_fn, x0) as :func:`_quadratic_problem`.
    """
    curvatures = scale * rng.permutation(np.geomspace(1.0, 10.0, int(np.prod(shape)))).reshape(shape)
    x_star = rng.normal(size=shape)
    x0 = x_star + rng.choice([-1.0, 1.0], size=shape) * (20.0 + 5.0 * np.abs(rng.normal(size=shape)))
    return (lambda x: curvatures * (np.asarray(x) - x_star)), x0


def _rmsprop_trajectory(rmsprop_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, hyper: dict,
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
            x, square_avg = _call_rule(rmsprop_step, step_what, ("param", "square_avg"),
                                       x, grad_fn(x), square_avgs[-1], **keywords)
            params.append(x)
            square_avgs.append(square_avg)
    return np.stack(params), np.stack(square_avgs[1:])


def _rmsprop_ascent(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param + lr * grad / (np.sqrt(square_avg) + eps), square_avg


def _rmsprop_eps_inside_sqrt(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param - lr * grad / np.sqrt(square_avg + eps), square_avg


def _rmsprop_alpha_swapped(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * square_avg + alpha * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def _rmsprop_no_average(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


RMSPROP_MISTAKES = {"gradient-ascent": _rmsprop_ascent, "rmsprop-eps-inside-sqrt": _rmsprop_eps_inside_sqrt,
                    "rmsprop-alpha-swapped": _rmsprop_alpha_swapped, "rmsprop-no-average": _rmsprop_no_average}
RMSPROP_DEFAULTS = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}


def _check_rmsprop_on(rmsprop_step: Callable, grad_fn, x0: np.ndarray, lrs: np.ndarray, hyper: dict | None,
                      what: str) -> None:
    """``hyper``: alpha and eps passed to the student's function, or None for all its defaults (lrs then
    holds torch's default learning rate at every step)."""
    actual_x, actual_avg = _rmsprop_trajectory(rmsprop_step, grad_fn, x0, lrs, hyper, what)
    h = {**RMSPROP_DEFAULTS, **(hyper or {})}
    expected_x, states = ref.run_optimizer(grad_fn, x0, "rmsprop", len(lrs), lrs, alpha=h["alpha"], eps=h["eps"])

    def run(rule):
        return _rmsprop_trajectory(rule, grad_fn, x0, lrs, hyper)

    _assert_trajectory(actual_x, expected_x, f"{what}: the parameters {ROWS}",
                       lambda: {key: run(rule)[0] for key, rule in RMSPROP_MISTAKES.items()})
    _assert_trajectory(actual_avg, states["square_avg"],
                       f"{what}: square_avg (row k: after step k + 1; torch's square_avg)",
                       lambda: {key: run(RMSPROP_MISTAKES[key])[1]
                                for key in ("rmsprop-alpha-swapped", "rmsprop-no-average")})


def check_rmsprop_step(rmsprop_step: Callable) -> None:
    """Visible check of ``rmsprop_step``: 100 steps against ``torch.optim.RMSprop(lr=0.01, alpha=0.99)``,
    from square_avg = zeros."""
    grad_fn, x0 = _rmsprop_problem(np.random.default_rng(VISIBLE_SEED), (5,))
    _check_rmsprop_on(rmsprop_step, grad_fn, x0, np.full(VISIBLE_STEPS, 0.01), {"alpha": 0.99},
                      "rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99) on a quadratic, D = 5")
    _rmsprop_step_requirements(rmsprop_step, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _rmsprop_step_requirements(rmsprop_step: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on problems from ``rng``:
    tiny gradients (where eps matters), a learning rate that changes between steps, other
    alpha and eps on a (3, 4) matrix, the default hyper-parameters."""
    grad_fn, x0 = _rmsprop_problem(rng, (4,), scale=1e-6)
    _check_rmsprop_on(rmsprop_step, grad_fn, x0, np.full(HIDDEN_STEPS, 0.02), {"alpha": 0.99},
                      "rmsprop_step(..., lr=0.02, alpha=0.99) on a quadratic with tiny gradients (about 1e-5)")
    grad_fn, x0 = _rmsprop_problem(rng, (3, 4))
    _check_rmsprop_on(rmsprop_step, grad_fn, x0, _step_schedule(HIDDEN_STEPS, 0.02), {"alpha": 0.9, "eps": 1e-4},
                      "rmsprop_step(..., alpha=0.9, eps=1e-4) on a (3, 4) matrix of parameters, with a learning "
                      "rate that changes between steps (0.02, then 0.005 from step 76)")
    _check_rmsprop_on(rmsprop_step, grad_fn, x0, np.full(HIDDEN_STEPS, RMSPROP_DEFAULTS["lr"]), None,
                      "rmsprop_step(param, grad, square_avg) with its default lr, alpha and eps")


def check_rmsprop_step_edge_cases(rmsprop_step: Callable, seed: int) -> None:
    """Hidden check: tiny gradients (where eps matters), a learning rate that changes between steps, other
    alpha and eps on a (3, 4) matrix, the default hyper-parameters."""
    _rmsprop_step_requirements(rmsprop_step, np.random.default_rng(seed))


# --- adam_step -------------------------------------------------------------------------------------

def _adam_trajectory(adam_step: Callable, grad_fn, x0: np.ndarray, num_steps: int, hyper: dict,
                     what: str | None = None):
    """Run ``adam_step`` from x0 and m = v = 0 with t = 1, 2, ...; ``hyper``: the keyword arguments
    (lr, beta1, beta2, eps; absent ones take the function's defaults).
    Returns (params (num_steps + 1, ...), m (num_steps, ...), v (num_steps, ...))."""
    params, ms, vs = [np.array(x0, dtype=np.float64)], [np.zeros(np.shape(x0))], [np.zeros(np.shape(x0))]
    with np.errstate(all="ignore"):
        for t in range(1, num_steps + 1):
            x = params[-1]
            step_what = None if what is None else f"{what}, step t = {t}"
            x, m, v = _call_rule(adam_step, step_what, ("param", "m", "v"), x, grad_fn(x), ms[-1], vs[-1], t,
                                 **hyper)
            params.append(x)
            ms.append(m)
            vs.append(v)
    return np.stack(params), np.stack(ms[1:]), np.stack(vs[1:])


def _adam_moments(grad, m, v, beta1, beta2):
    return beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad ** 2


def _adam_ascent(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _adam_moments(grad, m, v, beta1, beta2)
    return param + lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


def _adam_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _adam_moments(grad, m, v, beta1, beta2)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def _adam_t_from_zero(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _adam_moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1 ** (t + 1))) / (np.sqrt(v / (1 - beta2 ** (t + 1))) + eps), m, v


def _adam_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _adam_moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps), m, v


def _adam_returns_corrected_moments(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _adam_moments(grad, m, v, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


ADAM_MISTAKES = {"gradient-ascent": _adam_ascent, "adam-no-bias-correction": _adam_no_bias_correction,
                 "adam-t-from-zero": _adam_t_from_zero, "adam-eps-inside-sqrt": _adam_eps_inside_sqrt,
                 "adam-returns-corrected-moments": _adam_returns_corrected_moments}
ADAM_DEFAULTS = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def _check_adam_on(adam_step: Callable, grad_fn, x0: np.ndarray, num_steps: int, hyper: dict, what: str) -> None:
    actual_x, actual_m, actual_v = _adam_trajectory(adam_step, grad_fn, x0, num_steps, hyper, what)
    h = {**ADAM_DEFAULTS, **hyper}
    expected_x, states = ref.run_optimizer(grad_fn, x0, "adam", num_steps, h["lr"],
                                           betas=(h["beta1"], h["beta2"]), eps=h["eps"])

    def run(rule):
        return _adam_trajectory(rule, grad_fn, x0, num_steps, hyper)

    _assert_trajectory(actual_x, expected_x, f"{what}: the parameters {ROWS}",
                       lambda: {key: run(rule)[0] for key, rule in ADAM_MISTAKES.items()})
    _assert_trajectory(actual_m, states["exp_avg"], f"{what}: m (row k: after step t = k + 1; torch's exp_avg)",
                       lambda: {"adam-returns-corrected-moments": run(_adam_returns_corrected_moments)[1]})
    _assert_trajectory(actual_v, states["exp_avg_sq"],
                       f"{what}: v (row k: after step t = k + 1; torch's exp_avg_sq)",
                       lambda: {"adam-returns-corrected-moments": run(_adam_returns_corrected_moments)[2]})


def check_adam_step(adam_step: Callable) -> None:
    """Visible check of ``adam_step``: 100 steps against ``torch.optim.Adam(lr=0.05)``, from m = v = 0, t = 1."""
    grad_fn, x0 = _quadratic_problem(np.random.default_rng(VISIBLE_SEED), (5,))
    _check_adam_on(adam_step, grad_fn, x0, VISIBLE_STEPS, {"lr": 0.05},
                   "adam_step(param, grad, m, v, t, lr=0.05) on a random quadratic, D = 5")
    _adam_step_requirements(adam_step, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _adam_step_requirements(adam_step: Callable, rng: np.random.Generator) -> None:
    """Every requirement, on problems from ``rng``:
    tiny gradients (where eps matters), other betas and eps on a (3, 4) matrix, defaults."""
    grad_fn, x0 = _quadratic_problem(rng, (4,), scale=1e-6)
    _check_adam_on(adam_step, grad_fn, x0, HIDDEN_STEPS, {"lr": 0.05},
                   "adam_step(..., lr=0.05) on a quadratic with tiny gradients (about 1e-6)")
    grad_fn, x0 = _quadratic_problem(rng, (3, 4))
    _check_adam_on(adam_step, grad_fn, x0, HIDDEN_STEPS, {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4},
                   "adam_step(..., lr=0.02, beta1=0.8, beta2=0.99, eps=1e-4) on a (3, 4) matrix of parameters")
    _check_adam_on(adam_step, grad_fn, x0, HIDDEN_STEPS, {},
                   "adam_step(param, grad, m, v, t) with its default lr, beta1, beta2 and eps")


def check_adam_step_edge_cases(adam_step: Callable, seed: int) -> None:
    """Hidden check: tiny gradients (where eps matters), other betas and eps on a (3, 4) matrix, defaults."""
    _adam_step_requirements(adam_step, np.random.default_rng(seed))


# --- minimize --------------------------------------------------------------------------------------

def _with_state_reset(grad_fn, x0: np.ndarray, step: Callable, num_steps: int) -> np.ndarray:
    """The trajectory a ``minimize`` gives that passes state=None at every step (num_steps + 1, D)."""
    params = [np.array(x0, dtype=np.float64)]
    for _ in range(num_steps):
        params.append(step(params[-1], grad_fn(params[-1]), None)[0])
    return np.stack(params)


def _check_minimize_on(minimize: Callable, grad_fn, x0: np.ndarray, step: Callable, num_steps: int,
                       expected: np.ndarray, what: str) -> None:
    """``expected``: the right trajectory (num_steps + 1, D), computed by torch."""
    original = x0.copy()
    result = call_student(minimize, what, grad_fn, x0, step, num_steps)
    assert_unchanged(original, x0, what)
    _assert_trajectory(result, expected, f"{what}: the trajectory {ROWS}",
                       lambda: {"minimize-missing-x0": expected[1:],
                                "minimize-state-reset": _with_state_reset(grad_fn, x0, step, num_steps)})


def check_minimize(minimize: Callable) -> None:
    """Visible check of ``minimize(grad_fn, x0, step, num_steps)`` with a momentum step rule (its state:
    the velocity) for 100 steps: the trajectory must be torch.optim.SGD(momentum=0.9)'s, x0 included."""
    grad_fn, x0 = _quadratic_problem(np.random.default_rng(VISIBLE_SEED), (4,))
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
    grad_fn, x0 = _quadratic_problem(rng, (3,))
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
