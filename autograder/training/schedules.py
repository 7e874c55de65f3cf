"""Learning-rate schedules: the factor the base learning rate is multiplied by at each step.

The optimizers chapter shows why a constant learning rate leaves SGD bouncing at a noise floor
(the noise of the mini-batch gradient is scaled by the step size) and why decaying it fixes that.
The trainer applies a schedule per optimizer step with ``torch.optim.lr_scheduler.LambdaLR``:

- ``constant``: 1 at every step;
- ``step``: 1, then 0.1 from half of the run, 0.01 from three quarters (the classic ImageNet recipe,
  scaled to the run's length);
- ``cosine``: (1 + cos(pi s / T)) / 2, from 1 at the first step s = 0 to 0 at the last step T;
- ``one-cycle``: a linear warm-up over the first ``WARMUP`` of the steps from 0 to 1, then the
  cosine decay to 0 (for fast training of deeper networks: large rates once the weights settle).
"""
from __future__ import annotations

import math

import torch

SCHEDULES = ("constant", "step", "cosine", "one-cycle")
STEP_MILESTONES = (0.5, 0.75)  # fractions of the run after which the step schedule divides by 10
WARMUP = 0.25                   # fraction of the run the one-cycle schedule warms up for


def lr_factor(schedule: str, step: int, total_steps: int) -> float:
    """The learning-rate multiplier at optimizer step ``step`` (0-based) of ``total_steps``."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; expected one of {SCHEDULES}")
    progress = step / max(total_steps - 1, 1)  # 0 at the first step, 1 at the last
    if schedule == "constant":
        return 1.0
    if schedule == "step":
        return 0.1 ** sum(progress >= milestone for milestone in STEP_MILESTONES)
    if schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * progress))
    if progress < WARMUP:
        return min(1.0, (step + 1) / (WARMUP * total_steps))
    return 0.5 * (1 + math.cos(math.pi * (progress - WARMUP) / (1 - WARMUP)))


def build_scheduler(optimizer: torch.optim.Optimizer, schedule: str,
                    total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """A scheduler that sets every parameter group's rate to its base rate times
    :func:`lr_factor` at each step; call its ``step()`` after each ``optimizer.step()``."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; expected one of {SCHEDULES}")
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(schedule, step, total_steps))
