"""Where the capstone's checks run the student's code, and what they accept back.

:mod:`autograder.grading.torch_driver` runs the student's classes and loop on models and tensors it
builds from plain data, and hands back plain data (parameters after every step, a model's state after an
epoch). In a self-check in Jupyter it runs in the student's process; when the notebook is graded the
student's code arrives here as a handle of the sandbox's, and the same functions run in the sandbox
(:func:`driver_for`). What comes back is checked for its shapes (:func:`same_shapes`) and, when the
student's code raised, turned into a failed check (:func:`crashed`).
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np
import torch

from autograder.compare import fail
from autograder.grading import torch_driver
from autograder.grading.rpc import RemoteFunction
from autograder.student_calls import NOT_IMPLEMENTED

RTOL = 1e-10  # the parameters and losses that come back, relative to the largest reference entry

LOCAL = torch_driver.FUNCTIONS
UNUSABLE = "did not give back what the grader asked for (parameters of the wrong number or shapes)."


def driver_for(student: object) -> dict[str, Callable]:
    """The torch driver's functions where ``student`` (a class or function of the student's) lives: the
    sandbox's when it is a handle of the sandbox's (the notebook is being graded), this process's
    otherwise (a self-check in Jupyter)."""
    if not isinstance(student, RemoteFunction):
        return LOCAL
    lent = {name: student.lent(name) for name in LOCAL}
    if None in lent.values():
        raise RuntimeError("the sandbox has no torch driver: grade this notebook in a sandbox with torch")
    return lent


@contextlib.contextmanager
def warning_if_torch_optimizers_used(student: object) -> Iterator[None]:
    """In a self-check (not when graded): print a warning when torch's own optimizers are created
    meanwhile (in the student's code, or as a base class of theirs): they are not available when
    graded, and the notebook would fail there."""
    if isinstance(student, RemoteFunction):
        yield
        return
    used = []
    original = torch.optim.Optimizer.__init__

    def recording(self, *args, **kwargs):
        used.extend(c.__name__ for c in type(self).__mro__
                    if c.__module__.startswith("torch.optim.") and c is not torch.optim.Optimizer)
        original(self, *args, **kwargs)
    torch.optim.Optimizer.__init__ = recording
    try:
        yield
    finally:
        torch.optim.Optimizer.__init__ = original
    if used:
        print(f"Warning: your code uses torch.optim.{used[0]}, which is not available when graded "
              "(only the base class torch.optim.Optimizer is): this will fail when graded.")


def same_shapes(values: object, like: list[np.ndarray]) -> list[np.ndarray]:
    """``values`` as float64 arrays when they are arrays of ``like``'s shapes; else a CheckFailure-free
    ValueError (a tampered driver: the grader's own words)."""
    if not (isinstance(values, list) and len(values) == len(like)
            and all(isinstance(v, np.ndarray) and v.shape == w.shape and v.dtype.kind in "biuf"
                    for v, w in zip(values, like))):
        raise ValueError(UNUSABLE)
    return [np.asarray(v, dtype=np.float64) for v in values]


def crashed(what: str, error: dict, none_at_step: Callable[[int], bool] = lambda step: False) -> None:
    """Fail for a student's class or loop that raised (``error`` as the driver reports it)."""
    kind, message = error.get("type"), error.get("message")
    phase, step = error.get("phase"), error.get("step")
    if phase == "type":
        fail(what, message, requirement="expected a subclass of torch.optim.Optimizer.")
    if kind == "NotImplementedError":
        part = "step()" if phase == "step" else "it"
        fail(what, f"{part} {NOT_IMPLEMENTED}", requirement=NOT_IMPLEMENTED)
    if phase == "create":
        fail(what, f"could not be created: {kind}: {message}", requirement="could not be created (it raised).")
    if phase == "step":
        fail(f"{what}, step {step}", f"step() raised {kind}: {message}",
             "grad-none-not-skipped" if none_at_step(step) else None, requirement="step() raised an exception.")
    fail(what, f"raised {kind}: {message}", requirement="raised an exception.")


def state_after(result: object, before: dict, what: str | None) -> dict:
    """The model's state the driver gave back, checked against ``before``'s names and shapes; a crash
    of the student's code fails the check."""
    if isinstance(result, dict) and isinstance(result.get("error"), dict):
        crashed(what, result["error"])
    if not (isinstance(result, dict) and isinstance(result.get("state"), dict)
            and isinstance(result.get("losses"), list) and isinstance(result.get("loss_types"), list)
            and len(result["losses"]) == len(result["loss_types"]) >= 1):
        raise ValueError(UNUSABLE)
    names = list(before)
    arrays = same_shapes([result["state"].get(name) for name in names], [before[name] for name in names])
    return dict(zip(names, arrays))

