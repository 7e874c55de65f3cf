"""PyTorch references for the optimizers: ``torch.optim.SGD``, ``Adagrad``, ``RMSprop``, ``Adam`` and
``AdamW`` run on float64 tensors, driven by a numpy gradient function.

- :func:`run_optimizer` runs one optimizer for ``num_steps`` steps from x0 and returns the trajectory of
  the parameters and of the optimizer's state (momentum buffer, RMSprop's squared average, Adam's
  moments).
- :func:`trajectory` is the same, parameters only.
- :func:`step_rule` wraps one optimizer step as a step rule for ``minimize`` (see below).
- :func:`lr_in_velocity_momentum` is the other momentum formulation (Ruder's overview, CS231n), which
  PyTorch does not implement, computed with torch tensors for comparison.

The learning rate gamma may change between steps: pass ``lr`` as a sequence with one value per step.
A step rule is a function ``step(x, g, state) -> (x_new, state_new)``: x the parameters, g the gradient
at x, state whatever the rule carries from one step to the next (None before the first step).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

OPTIMIZERS = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
              "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
# The state torch keeps per parameter, in the order the exercise's functions return it.
STATE_NAMES = {"sgd": ("momentum_buffer",), "adagrad": ("sum",), "rmsprop": ("square_avg",),
               "adam": ("exp_avg", "exp_avg_sq"), "adamw": ("exp_avg", "exp_avg_sq")}

GradFn = Callable[[np.ndarray], np.ndarray]


def _learning_rates(lr: float | Sequence[float], num_steps: int) -> np.ndarray:
    """One learning rate per step, (num_steps,) float64."""
    return np.broadcast_to(np.asarray(lr, dtype=np.float64), (num_steps,))


def run_optimizer(grad_fn: GradFn, x0: np.ndarray, optimizer: str, num_steps: int,
                  lr: float | Sequence[float], **options) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run ``torch.optim.SGD`` (``optimizer="sgd"``), ``Adagrad`` (``"adagrad"``), ``RMSprop``
    (``"rmsprop"``), ``Adam`` (``"adam"``) or ``AdamW`` (``"adamw"``) from x0.

    grad_fn: x (same shape as x0) float64 -> the gradient there, same shape.
    x0: the starting parameters, any shape, converted to float64.
    lr: the learning rate gamma, one number or one per step (shape (num_steps,)).
    options: the optimizer's other arguments (momentum, nesterov, alpha, betas, eps, weight_decay, ...).
    Returns (params, states): params (num_steps + 1, *x0.shape) float64, row k the parameters after
    k steps; states maps each of torch's per-parameter state tensors (``momentum_buffer`` for SGD with
    momentum, ``sum`` for Adagrad, ``square_avg`` for RMSprop, ``exp_avg`` and ``exp_avg_sq`` for Adam) to
    (num_steps, *x0.shape), row k after step k + 1.
    """
    param = torch.tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    rates = _learning_rates(lr, num_steps)
    torch_optimizer = OPTIMIZERS[optimizer]([param], lr=0.0, **options)  # lr is set before each step
    names = STATE_NAMES[optimizer] if optimizer != "sgd" or options.get("momentum", 0) else ()
    params = [param.detach().numpy().copy()]
    states = {name: [] for name in names}
    for rate in rates:
        torch_optimizer.param_groups[0]["lr"] = float(rate)
        param.grad = torch.from_numpy(np.asarray(grad_fn(param.detach().numpy().copy()), dtype=np.float64))
        torch_optimizer.step()
        params.append(param.detach().numpy().copy())
        for name in names:
            states[name].append(torch_optimizer.state[param][name].numpy().copy())
    empty = np.empty((0, *np.shape(x0)))
    return np.stack(params), {name: np.stack(rows) if rows else empty for name, rows in states.items()}


def trajectory(grad_fn: GradFn, x0: np.ndarray, optimizer: str, num_steps: int,
               lr: float | Sequence[float], **options) -> np.ndarray:
    """The parameters only of :func:`run_optimizer`: (num_steps + 1, *x0.shape) float64."""
    return run_optimizer(grad_fn, x0, optimizer, num_steps, lr, **options)[0]


def step_rule(optimizer: str, lr: float, **options) -> Callable:
    """One step of ``torch.optim.SGD``, ``RMSprop`` or ``Adam`` as a step rule ``step(x, g, state)``.

    x, g: float64 arrays of one shape. state: None before the first step, then what the previous call
    returned (a dict of torch's per-parameter state tensors, including Adam's step count).
    Returns (x_new, state_new); nothing it is given is modified.
    """
    def step(x: np.ndarray, g: np.ndarray, state: dict | None):
        param = torch.tensor(np.array(x, dtype=np.float64), requires_grad=True)
        torch_optimizer = OPTIMIZERS[optimizer]([param], lr=lr, **options)
        if state is not None:
            torch_optimizer.state[param] = {name: value.clone() for name, value in state.items()}
        param.grad = torch.tensor(np.array(g, dtype=np.float64))
        torch_optimizer.step()
        new_state = {name: value.clone() for name, value in torch_optimizer.state[param].items()}
        return param.detach().numpy().copy(), new_state
    return step


def lr_in_velocity_momentum(grad_fn: GradFn, x0: np.ndarray, num_steps: int, lr: float | Sequence[float],
                            momentum: float = 0.9, nesterov: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Momentum as Ruder's overview and CS231n write it: the learning rate inside the velocity.

    v <- mu v + gamma g, then x <- x - v (Nesterov: x <- x - (mu v + gamma g)), from v = 0, on float64
    torch tensors. (CS231n stores -v and adds it; the parameters are the same.)
    Returns (params (num_steps + 1, *x0.shape), velocities (num_steps, *x0.shape)), float64.
    """
    x = torch.tensor(np.array(x0, dtype=np.float64))
    v = torch.zeros_like(x)
    params, velocities = [x.numpy().copy()], []
    for rate in _learning_rates(lr, num_steps):
        g = torch.from_numpy(np.asarray(grad_fn(x.numpy().copy()), dtype=np.float64))
        v = momentum * v + float(rate) * g
        x = x - (momentum * v + float(rate) * g if nesterov else v)
        params.append(x.numpy().copy())
        velocities.append(v.numpy().copy())
    return np.stack(params), np.stack(velocities) if velocities else np.empty((0, *np.shape(x0)))
