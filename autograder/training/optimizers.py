"""The optimizers of the reference runs, and students' numpy step rules wrapped as torch optimizers.

``build_optimizer("sgd" | "momentum" | "adam", params, lr)`` gives torch's own optimizers.
``StepRuleOptimizer(params, rule, lr=..., **hyper)`` runs a numpy step rule from the optimizers chapter
(``sgd_step``, ``momentum_step``, ``adam_step``) on every parameter tensor, so a student's rule can
train the same model with the same trainer as ``torch.optim``.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable

import numpy as np
import torch

OPTIMIZER_NAMES = ("sgd", "momentum", "adam")
STEP_COUNT = "t"  # the step rules' name for the 1-based step number (Adam's bias correction)


def build_optimizer(name: str, params: Iterable[torch.nn.Parameter], lr: float,
                    momentum: float = 0.9, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """``torch.optim.SGD`` (``"sgd"``), SGD with heavy-ball momentum (``"momentum"``) or
    ``torch.optim.Adam`` (``"adam"``, default betas and eps) with learning rate ``lr``;
    ``weight_decay`` adds ``weight_decay * W`` to every gradient (L2 regularisation)."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; expected one of {OPTIMIZER_NAMES}")


class StepRuleOptimizer(torch.optim.Optimizer):
    """A ``torch.optim.Optimizer`` that updates each parameter with a numpy step rule.

    ``rule(param, grad, *state, **hyper)`` takes float64 numpy arrays param and grad of the same
    shape, the parameter's state, and the hyperparameters (``lr`` and the rule's keyword
    arguments), and returns the new param, or a tuple (new param, *new state). Which arguments are
    state is read from the rule's signature: those after ``grad`` that have no default and are not
    given as hyperparameters. State arrays start as zeros of the parameter's shape; an argument
    named ``t`` is the step number instead, 1 at the first step. For example::

        sgd_step(param, grad, lr) -> param                                  # no state
        momentum_step(param, grad, velocity, lr, momentum=0.9) -> (param, velocity)
        adam_step(param, grad, m, v, t, lr=1e-3, ...) -> (param, m, v)

        StepRuleOptimizer(model.parameters(), momentum_step, lr=0.01, momentum=0.9)

    Each step copies parameters and gradients to float64 numpy on the CPU and the result back to
    the parameter's dtype and device: slow, but exactly the student's arithmetic. The state is kept
    as float64 CPU tensors, so ``state_dict()`` saves and loads like torch's optimizers.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], rule: Callable, **hyper):
        if "lr" not in hyper:
            raise TypeError("StepRuleOptimizer needs the learning rate: "
                            "StepRuleOptimizer(params, rule, lr=...)")
        signature = inspect.signature(rule)
        arguments = list(signature.parameters.values())[2:]  # after (param, grad)
        unknown = set(hyper) - {a.name for a in arguments}
        if unknown:
            raise TypeError(f"{rule.__name__} has no argument(s) {sorted(unknown)}; "
                            f"its signature is {rule.__name__}{signature}")
        self.rule = rule
        self.state_names = [a.name for a in arguments
                            if a.default is inspect.Parameter.empty and a.name not in hyper]
        self.array_state_names = [name for name in self.state_names if name != STEP_COUNT]
        super().__init__(params, defaults=hyper)

    @torch.no_grad()
    def step(self, closure: Callable | None = None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyper = {k: v for k, v in group.items() if k in self.defaults}
            for p in group["params"]:
                if p.grad is None:
                    continue
                self._update(p, hyper)
        return loss

    def _update(self, p: torch.nn.Parameter, hyper: dict) -> None:
        state = self.state[p]
        if not state:
            state[STEP_COUNT] = 0
            for name in self.array_state_names:
                state[name] = torch.zeros(p.shape, dtype=torch.float64)
        state[STEP_COUNT] += 1
        # Copies, so that a rule updating its inputs in place cannot touch p, p.grad or the state.
        param = p.detach().cpu().to(torch.float64).numpy().copy()
        grad = p.grad.detach().cpu().to(torch.float64).numpy().copy()
        args = [state[STEP_COUNT] if name == STEP_COUNT else state[name].numpy().copy()
                for name in self.state_names]
        result = self.rule(param, grad, *args, **hyper)
        new_param, *new_state = result if isinstance(result, tuple) else (result,)
        if len(new_state) != len(self.array_state_names):
            expected = ", ".join(["param", *self.array_state_names])
            raise ValueError(f"{self.rule.__name__} returned {1 + len(new_state)} value(s); "
                             f"expected ({expected})")
        for name, value in zip(self.array_state_names, new_state):
            state[name] = torch.from_numpy(_same_shape(value, p, f"{self.rule.__name__}'s {name}"))
        p.copy_(torch.from_numpy(_same_shape(new_param, p, f"{self.rule.__name__}'s param")))


def _same_shape(value, p: torch.Tensor, what: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != tuple(p.shape):
        raise ValueError(f"{what} has shape {array.shape}; expected {tuple(p.shape)}")
    return array
