"""The checks of the student's ``Momentum`` and ``Adam`` classes against ``torch.optim.SGD(momentum=...)``
and ``torch.optim.Adam``, with the per-parameter rules of their known mistakes."""
from __future__ import annotations

import numpy as np
import torch

from autograder.checks.capstone.optimizer_runs import (
    HIDDEN_STEPS,
    OptimizerCase,
    compare_with_torch,
    constant_trajectory,
    none_as_zero,
    trajectory,
    variant,
)

# --- Momentum -------------------------------------------------------------------------------------

MOMENTUM_DEFAULTS = {"momentum": 0.9}


def _momentum_rule(lr_inside=False, dampened=False, after_step=False, ascent=False, keep_state=True):
    def rule(p, g, state, hyper):
        lr, mu = hyper["lr"], hyper.get("momentum", 0.9)
        v = state.get("v", torch.zeros_like(p)) if keep_state else torch.zeros_like(p)
        new_v = mu * v + (lr * g if lr_inside else (1 - mu) * g if dampened else g)
        step = v if after_step else new_v
        p.add_(-step if lr_inside else -lr * step if not ascent else lr * step)
        state["v"] = new_v
    return rule


def _momentum_mistakes(case: OptimizerCase) -> dict[str, np.ndarray]:
    run = lambda **kind: trajectory(variant(_momentum_rule(**kind)), case)  # noqa: E731
    return {
        "gradient-ascent": run(ascent=True),
        "momentum-lr-in-velocity": run(lr_inside=True),
        "momentum-dampened": run(dampened=True),
        "velocity-updated-after-step": run(after_step=True),
        "optimizer-state-not-kept": run(keep_state=False),
        "group-hyperparameters-ignored": trajectory(variant(_momentum_rule(), use_defaults=True), case),
        "parameters-not-updated-in-place": constant_trajectory(case),
        "grad-none-as-zero": trajectory(none_as_zero(_momentum_rule()), case),
    }


class _TorchMomentum(torch.optim.SGD):
    """torch's SGD with the student's signature: ``(params, lr, momentum=0.9)``."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, lr=lr, momentum=momentum)


def check_momentum(Momentum) -> None:
    """Visible check: ``Momentum(params, lr=0.1, momentum=0.9)`` against ``torch.optim.SGD``, 20 steps."""
    compare_with_torch(Momentum, _TorchMomentum, _momentum_mistakes,
                     OptimizerCase({"lr": 0.1, "momentum": 0.9}), "Momentum")


def check_momentum_edge_cases(Momentum, seed: int) -> None:
    """Hidden check: two parameter groups (lr 0.2 and momentum 0.5 in the first), a schedule, a
    parameter without gradient, momentum 0.99; then the default momentum; then the first layer frozen
    on some steps."""
    cases = [OptimizerCase({"lr": 0.05, "momentum": 0.99}, [{"lr": 0.2, "momentum": 0.5}, {}],
                           unused_parameter=True, steps=HIDDEN_STEPS, schedule=True, seed=seed),
             OptimizerCase({"lr": 0.1}, steps=HIDDEN_STEPS, schedule=True, seed=seed + 1),
             OptimizerCase({"lr": 0.1, "momentum": 0.9}, frozen_layer=True, steps=HIDDEN_STEPS,
                           seed=seed + 2)]
    for case in cases:
        compare_with_torch(Momentum, _TorchMomentum, _momentum_mistakes, case, "Momentum")


# --- Adam -----------------------------------------------------------------------------------------

def _adam_rule(bias_correction=True, t_from_zero=False, eps_inside=False, keep_state=True, shared=None):
    def rule(p, g, state, hyper):
        lr, eps = hyper["lr"], hyper.get("eps", 1e-8)
        beta1, beta2 = hyper.get("betas", (0.9, 0.999))
        if not keep_state:
            state.clear()
        m, v = state.get("m", torch.zeros_like(p)), state.get("v", torch.zeros_like(p))
        if shared is not None:
            shared[0] += 1
            t = shared[0]
        else:
            t = state.get("t", 0) + (0 if t_from_zero else 1)
            state["t"] = t + (1 if t_from_zero else 0)
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t) if bias_correction else m
        v_hat = v / (1 - beta2 ** t) if bias_correction else v
        p.sub_(lr * m_hat / ((v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps))
        state["m"], state["v"] = m, v
    return rule


def _count_step(p, state, hyper):
    """``without_gradient`` of an Adam whose step count advances on every step() call."""
    state["t"] = state.get("t", 0) + 1


def _adam_mistakes(case: OptimizerCase) -> dict[str, np.ndarray]:
    run = lambda **kind: trajectory(variant(_adam_rule(**kind)), case)  # noqa: E731
    with np.errstate(all="ignore"):
        return {
            "adam-no-bias-correction": run(bias_correction=False),
            "adam-step-count-from-zero": run(t_from_zero=True),
            "adam-eps-inside-sqrt": run(eps_inside=True),
            "adam-step-count-shared": run(shared=[0]),
            "optimizer-state-not-kept": run(keep_state=False),
            "group-hyperparameters-ignored": trajectory(variant(_adam_rule(), use_defaults=True), case),
            "parameters-not-updated-in-place": constant_trajectory(case),
            "grad-none-as-zero": trajectory(none_as_zero(_adam_rule()), case),
            "adam-step-count-global": trajectory(variant(_adam_rule(), without_gradient=_count_step), case),
        }


def check_adam(Adam) -> None:
    """Visible check: ``Adam(params, lr=0.01)`` against ``torch.optim.Adam``, 20 steps."""
    compare_with_torch(Adam, torch.optim.Adam, _adam_mistakes, OptimizerCase({"lr": 0.01}), "Adam")


def check_adam_edge_cases(Adam, seed: int) -> None:
    """Hidden check: two parameter groups (lr 0.03, betas (0.8, 0.99), eps 1e-6 in the first), a
    schedule, a parameter without gradient; then all of torch's defaults; then the first layer frozen on
    some steps."""
    cases = [OptimizerCase({"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8},
                           [{"lr": 0.03, "betas": (0.8, 0.99), "eps": 1e-6}, {}],
                           unused_parameter=True, steps=HIDDEN_STEPS, schedule=True, seed=seed),
             OptimizerCase({}, steps=HIDDEN_STEPS, seed=seed + 1),
             OptimizerCase({"lr": 0.01}, frozen_layer=True, steps=HIDDEN_STEPS, seed=seed + 2)]
    for case in cases:
        compare_with_torch(Adam, torch.optim.Adam, _adam_mistakes, case, "Adam")
