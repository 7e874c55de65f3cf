"""StepRuleOptimizer runs numpy step rules exactly as torch.optim does the same update, and says
clearly when a rule or its hyperparameters do not fit.

The rules below are tiny numpy versions of the optimizers chapter's ``sgd_step``, ``momentum_step``
and ``adam_step`` (same signatures), written in torch's conventions, so that the parameters after
K steps must equal torch's in float64 up to rounding.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from autograder.training import StepRuleOptimizer, build_model, build_optimizer

STEPS = 12


pytestmark = pytest.mark.usefixtures("torch_on_one_thread")


def sgd_step(param, grad, lr):
    return param - lr * grad


def momentum_step(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + grad
    direction = grad + momentum * velocity if nesterov else velocity
    return param - lr * direction, velocity


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def momentum_step_forgetting_velocity(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    """A typical student bug: the new velocity is computed but the old one is returned."""
    new_velocity = momentum * velocity + grad
    return param - lr * new_velocity, velocity


CASES = [
    (sgd_step, {"lr": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1)),
    (momentum_step, {"lr": 0.05, "momentum": 0.9}, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    (momentum_step, {"lr": 0.05, "momentum": 0.8, "nesterov": True},
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    (adam_step, {"lr": 0.01}, lambda p: torch.optim.Adam(p, lr=0.01)),
    (adam_step, {"lr": 0.003, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
     lambda p: torch.optim.Adam(p, lr=0.003, betas=(0.8, 0.99), eps=1e-6)),
]


def small_model(seed: int = 0) -> nn.Module:
    """A model with matrices, biases and batch norm (whose parameters get gradients too).

    No conv bias: before batch norm its gradient is zero up to rounding, which Adam would divide
    by its own tiny RMS and so turn into steps of size lr made of rounding noise."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 6 * 6, 5)).double()


def run_steps(model: nn.Module, optimizer: torch.optim.Optimizer, steps: int = STEPS) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(16, 3, 8, 8, generator=generator, dtype=torch.float64)
        t = torch.randint(0, 5, (16,), generator=generator)
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), t).backward()
        optimizer.step()
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("rule, hyper, torch_optimizer", CASES,
                         ids=["sgd", "momentum", "nesterov", "adam", "adam-settings"])
def test_step_rule_matches_torch_optim(rule, hyper, torch_optimizer):
    start = small_model()
    ours, theirs = small_model(), small_model()
    expected = run_steps(theirs, torch_optimizer(theirs.parameters()))
    actual = run_steps(ours, StepRuleOptimizer(ours.parameters(), rule, **hyper))
    moved = max((a - s).abs().max().item() for a, s in zip(actual, start.parameters()))
    assert moved > 1e-3, "the parameters barely moved: the comparison would prove nothing"
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e, rtol=1e-10, atol=1e-12)


def test_a_wrong_rule_is_caught_by_the_same_comparison():
    ours, theirs = small_model(), small_model()
    expected = run_steps(theirs, torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9))
    actual = run_steps(ours, StepRuleOptimizer(ours.parameters(), momentum_step_forgetting_velocity, lr=0.05))
    assert max((a - e).abs().max().item() for a, e in zip(actual, expected)) > 1e-3


def test_state_is_read_from_the_signature_and_saved_in_state_dict():
    model = small_model()
    optimizer = StepRuleOptimizer(model.parameters(), adam_step, lr=0.01)
    assert optimizer.state_names == ["m", "v", "t"] and optimizer.array_state_names == ["m", "v"]
    run_steps(model, optimizer, steps=3)
    first = next(iter(model.parameters()))
    assert optimizer.state[first]["t"] == 3
    assert optimizer.state[first]["m"].shape == first.shape and optimizer.state[first]["m"].abs().sum() > 0

    # Resuming from a state_dict continues exactly like an uninterrupted run.
    resumed_model = small_model()
    resumed_model.load_state_dict(model.state_dict())
    resumed = StepRuleOptimizer(resumed_model.parameters(), adam_step, lr=0.01)
    resumed.load_state_dict(optimizer.state_dict())
    for a, b in zip(run_steps(model, optimizer, 2), run_steps(resumed_model, resumed, 2)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_float32_parameters_are_updated_in_their_own_dtype():
    model = nn.Linear(3, 2)
    optimizer = StepRuleOptimizer(model.parameters(), sgd_step, lr=0.5)
    model(torch.ones(1, 3)).sum().backward()
    before = model.weight.detach().clone()
    optimizer.step()
    assert model.weight.dtype == torch.float32
    torch.testing.assert_close(model.weight.detach(), before - 0.5 * torch.ones(2, 3))


def test_misfits_are_explained():
    params = list(nn.Linear(3, 2).parameters())
    with pytest.raises(TypeError, match="learning rate"):
        StepRuleOptimizer(params, sgd_step)
    with pytest.raises(TypeError, match="no argument"):
        StepRuleOptimizer(params, sgd_step, lr=0.1, momentum=0.9)
    optimizer = StepRuleOptimizer(params, lambda param, grad, velocity, lr: param - lr * grad, lr=0.1)
    nn.functional.mse_loss(params[0], torch.zeros(2, 3)).backward()
    with pytest.raises(ValueError, match=r"expected \(param, velocity\)"):
        optimizer.step()


def test_build_optimizer_gives_torch_optimizers():
    model = build_model("linear", image_size=4, num_classes=3)
    assert type(build_optimizer("sgd", model.parameters(), 0.1)) is torch.optim.SGD
    momentum = build_optimizer("momentum", model.parameters(), 0.1)
    assert momentum.defaults["momentum"] == 0.9
    assert type(build_optimizer("adam", model.parameters(), 1e-3)) is torch.optim.Adam
    with pytest.raises(ValueError, match="unknown optimizer"):
        build_optimizer("rmsprop", model.parameters(), 0.1)
