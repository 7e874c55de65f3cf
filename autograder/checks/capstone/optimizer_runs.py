"""The optimizer checks' runs: a tiny float64 network trained by an optimizer class (the student's, torch's
or one built from a known mistake's per-parameter rule) for a few steps, its parameters after every step
compared with torch's to RTOL.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.checks.capstone.driver import (
    LOCAL,
    RTOL,
    UNUSABLE,
    crashed,
    driver_for,
    same_shapes,
    warning_if_torch_optimizers_used,
)
from autograder.compare import assert_trajectory
from autograder.torch_helpers import one_thread

VISIBLE_STEPS = 20
HIDDEN_STEPS = 30
ROWS = "(row k: all parameters, flattened, after k steps)"
FROZEN_STEPS = (1, 2, 3, 11, 12, 13, 14, 15)  # 1-based steps on which a frozen layer has no gradient


@dataclass(frozen=True)
class OptimizerCase:
    """One comparison: the optimizer's keyword arguments, per-group overrides (one dict per group: the
    first layer, then the second; an empty list for a single group), a parameter without gradient or
    not, the first layer frozen (its gradients None) on FROZEN_STEPS or not, and a learning-rate
    schedule (the factor each group's lr is multiplied by at step k)."""
    options: dict
    groups: list[dict] = field(default_factory=list)
    unused_parameter: bool = False
    frozen_layer: bool = False
    steps: int = VISIBLE_STEPS
    schedule: bool = False
    seed: int = 0

    def describe(self) -> str:
        options = ", ".join(f"{k}={v}" for k, v in self.options.items())
        text = f"({options}) for {self.steps} steps"
        if self.groups:
            text += f", two parameter groups, the first with {self.groups[0]}"
        if self.unused_parameter:
            text += ", one parameter without gradient"
        if self.frozen_layer:
            text += ", the first layer frozen (its .grad None) at steps 1-3 and 11-15"
        if self.schedule:
            text += f", lr multiplied by 0.25 from step {self.steps // 2 + 1} on (a schedule)"
        return text

    def lr_factor(self, step: int) -> float:
        return 0.25 if self.schedule and step >= self.steps // 2 else 1.0

    def frozen(self, step: int) -> bool:
        """Whether the first layer has no gradient at (0-based) ``step``."""
        return self.frozen_layer and step + 1 in FROZEN_STEPS


def _tiny_network(case: OptimizerCase) -> nn.Module:
    """4 -> 6 -> 3 with tanh, float64, weights from ``case.seed``; optionally an unused parameter."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case.seed)
        net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)).double()
    if case.unused_parameter:  # registered on the network, never used by forward(): its grad stays None
        net.unused = nn.Parameter(torch.ones(2, dtype=torch.float64))
    return net


def _batches(case: OptimizerCase) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``case.steps`` batches: x (8, 4) float64, t (8,) int64 in [0, 3)."""
    rng = np.random.default_rng([case.seed, 7])
    return [(torch.from_numpy(rng.normal(size=(8, 4))), torch.from_numpy(rng.integers(0, 3, size=8)))
            for _ in range(case.steps)]


def trajectory(optimizer_class, case: OptimizerCase, what: str | None = None) -> np.ndarray:
    """Train the tiny network with ``optimizer_class(groups, **case.options)``, the gradients computed
    here at the parameters it reports; returns the parameters after each step, (steps + 1, P) float64.
    With ``what`` (a student's class, run where it lives), a crash fails the check."""
    net = _tiny_network(case)
    params = list(net.parameters())
    initial = [p.detach().numpy().copy() for p in params]
    batches = _batches(case)

    def gradient(step: int, values: list) -> list:
        with torch.no_grad():
            for p, value in zip(params, same_shapes(values, initial)):
                p.copy_(torch.from_numpy(value))
        for p in params:
            p.grad = None
        x, t = batches[step]
        F.cross_entropy(net(x), t).backward()
        if case.frozen(step):
            for p in net[0].parameters():
                p.grad = None
        return [None if p.grad is None else p.grad.numpy().copy() for p in params]

    driver = driver_for(optimizer_class) if what else LOCAL
    lr_factors = [case.lr_factor(k) for k in range(case.steps)]
    result = driver["optimizer_trajectory"](optimizer_class, initial, _group_indices(case, net), case.options,
                                            lr_factors, gradient)
    if not isinstance(result, dict) or ("rows" not in result and not isinstance(result.get("error"), dict)):
        raise ValueError(UNUSABLE)
    if "error" in result:
        crashed(what, result["error"], lambda step: case.frozen(step - 1) or case.unused_parameter)
    return result["rows"]


def _group_indices(case: OptimizerCase, net: nn.Module) -> list[dict] | None:
    """The parameter groups as the driver takes them: positions in ``net.parameters()`` (the first
    layer; the second with the unused parameter) and each group's own hyperparameters."""
    if not case.groups:
        return None
    position = {id(p): i for i, p in enumerate(net.parameters())}
    second = [*net[2].parameters(), *([net.unused] if case.unused_parameter else [])]
    return [{"indices": [position[id(p)] for p in net[0].parameters()], **case.groups[0]},
            {"indices": [position[id(p)] for p in second], **case.groups[1]}]


class _RuleOptimizer(torch.optim.Optimizer):
    """An optimizer from a per-parameter rule ``rule(p, g, state, hyper)`` updating p and state in
    place; with ``use_defaults`` the rule gets the defaults instead of its group. A parameter whose grad
    is None is skipped, as torch skips it, or handed to ``without_gradient(p, state, hyper)``. It models
    the known mistakes, whose trajectories name a student's."""

    def __init__(self, params, rule, use_defaults=False, without_gradient=None, **defaults):
        self.rule, self.use_defaults, self.without_gradient = rule, use_defaults, without_gradient
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            hyper = self.defaults if self.use_defaults else group
            for p in group["params"]:
                if p.grad is not None:
                    self.rule(p, p.grad, self.state[p], hyper)
                elif self.without_gradient is not None:
                    self.without_gradient(p, self.state[p], hyper)


def variant(rule, use_defaults=False, without_gradient=None) -> type:
    """A class like the student's, built from a rule: ``cls(params, **options)``."""
    class Variant(_RuleOptimizer):
        def __init__(self, params, **options):
            super().__init__(params, rule, use_defaults, without_gradient, **options)
    return Variant


def none_as_zero(rule):
    """A class from ``rule`` that treats a gradient of None as zeros (its state decays, p moves)."""
    return variant(rule, without_gradient=lambda p, state, hyper: rule(p, torch.zeros_like(p), state, hyper))


def constant_trajectory(case: OptimizerCase) -> np.ndarray:
    """The trajectory of an optimizer that never changes the parameters: (steps + 1, P)."""
    flat = torch.cat([p.detach().reshape(-1) for p in _tiny_network(case).parameters()]).numpy()
    return np.repeat(flat[None], case.steps + 1, axis=0)


def compare_with_torch(student_class, torch_class, mistakes, case: OptimizerCase, name: str) -> None:
    what = f"{name}{case.describe()} on a tiny float64 network"
    with one_thread():
        with warning_if_torch_optimizers_used(student_class):
            actual = trajectory(student_class, case, what)
        expected = trajectory(torch_class, case)
        assert_trajectory(actual, expected, f"{what}: the parameters {ROWS}", lambda: mistakes(case), rtol=RTOL)
