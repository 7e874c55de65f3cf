"""The checks of the student's ``train_one_epoch(model, optimizer, images, labels, batch_size)``: one epoch
of theirs and of the reference loop (:mod:`autograder.reference.capstone`), both with torch's optimizer
run on this side (:class:`~autograder.grading.torch_driver.StepTakenElsewhere`), from the same weights;
the parameters and the returned loss must agree to RTOL."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from autograder.checks.capstone.driver import (
    LOCAL,
    RTOL,
    UNUSABLE,
    driver_for,
    same_shapes,
    state_after,
    warning_if_torch_optimizers_used,
)
from autograder.compare import assert_trajectory, fail
from autograder.grading import torch_driver
from autograder.reference import capstone as ref
from autograder.torch_helpers import one_thread


@dataclass(frozen=True)
class LoopCase:
    """One epoch of N images (N, 2, 3, 3) in batches of ``batch_size``, with torch's ``optimizer``."""
    n: int
    batch_size: int
    optimizer: str  # "momentum" (SGD, lr 0.1, momentum 0.9) or "adam" (lr 0.01)
    seed: int = 0

    def describe(self) -> str:
        last = f", the last of {self.n % self.batch_size}" if self.n % self.batch_size else ""
        name = "torch.optim.SGD(lr=0.1, momentum=0.9)" if self.optimizer == "momentum" \
            else "torch.optim.Adam(lr=0.01)"
        return (f"train_one_epoch on {self.n} images (N, 2, 3, 3) float64 in batches of {self.batch_size}"
                f"{last}, with {name}, a network with batch norm handed over in eval mode")


LOOP_MODEL = [["Flatten"], ["Linear", 18, 8], ["BatchNorm1d", 8], ["ReLU"], ["Linear", 8, 3]]


def _loop_setup(case: LoopCase) -> tuple[dict, np.ndarray, np.ndarray]:
    """The float64 network's state (LOOP_MODEL, weights from ``case.seed``), images (N, 2, 3, 3) float64
    and labels (N,) int64 for ``case``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case.seed)
        state = torch_driver.model_state(torch_driver.build_model(LOOP_MODEL).double())
    rng = np.random.default_rng([case.seed, 11])
    return state, rng.normal(size=(case.n, 2, 3, 3)), rng.integers(0, 3, size=case.n)


def _torch_steps(case: LoopCase, state: dict) -> Callable[[list, list], list]:
    """``take_step(parameters, gradients) -> parameters``: one step of the case's torch optimizer on this
    side's copy of the parameters, for :class:`~autograder.grading.torch_driver.StepTakenElsewhere`."""
    params = list(torch_driver.load_model(LOOP_MODEL, state).parameters())
    shapes = [p.detach().numpy() for p in params]
    optimizer = (torch.optim.SGD(params, lr=0.1, momentum=0.9) if case.optimizer == "momentum"
                 else torch.optim.Adam(params, lr=0.01))

    def take_step(values: list, grads: list) -> list:
        if not (isinstance(grads, list) and len(grads) == len(params)):
            raise ValueError(UNUSABLE)
        present = same_shapes([g for g in grads if g is not None],
                               [w for w, g in zip(shapes, grads) if g is not None])
        with torch.no_grad():
            for p, value in zip(params, same_shapes(values, shapes)):
                p.copy_(torch.from_numpy(value))
        given = iter(present)
        for p, g in zip(params, grads):
            p.grad = None if g is None else torch.from_numpy(next(given))
        optimizer.step()
        return [p.detach().numpy().copy() for p in params]
    return take_step


def _mistaken_loop(zero=True, step=True, train=True, reduction="mean", drop_last=False, report="weighted"):
    """A training loop with one of the known mistakes; same signature as ``train_one_epoch``."""
    def loop(model, optimizer, images, labels, batch_size):
        if train:
            model.train()
        n = len(labels) - (len(labels) % batch_size if drop_last else 0)
        losses, sizes = [], []
        for start in range(0, n, batch_size):
            x, t = images[start:start + batch_size], labels[start:start + batch_size]
            if zero:
                optimizer.zero_grad()
            loss = F.cross_entropy(model(x), t, reduction=reduction)
            loss.backward()
            if step:
                optimizer.step()
            losses.append(loss.item())
            sizes.append(len(t))
        if report == "last":
            return losses[-1]
        if report == "unweighted" or reduction == "sum":
            return float(np.mean(losses)) if reduction == "mean" else float(np.sum(losses) / len(labels))
        return float(np.dot(losses, sizes) / len(labels))
    return loop


def _run_loop(loop, case: LoopCase, what: str | None = None) -> tuple[np.ndarray, object]:
    """Parameters after one epoch (P,) float64 and the epoch's loss as a float (None when the loop
    returned no number), run where ``loop`` lives. With ``what`` (the student's loop), a crash, a loss
    that is not a float and changed inputs fail the check."""
    state, images, labels = _loop_setup(case)
    driver = driver_for(loop) if what else LOCAL
    result = driver["run_epochs"](loop, {"take_step": _torch_steps(case, state)}, LOOP_MODEL, state, images,
                                  labels, case.batch_size, 1)
    after = state_after(result, state, what)
    names = [name for name, _ in torch_driver.build_model(LOOP_MODEL).named_parameters()]
    params = np.concatenate([after[name].reshape(-1) for name in names])
    loss, loss_type = result["losses"][0], result["loss_types"][0]
    if what is not None and result["inputs_modified"] is True:
        fail(what, "modified the images or labels it was given.", "modified-input")
    return params, (loss, loss_type)


def _loop_mistakes(case: LoopCase) -> dict[str, tuple[np.ndarray, float]]:
    kinds = {"gradients-not-zeroed": {"zero": False}, "optimizer-step-missing": {"step": False},
             "model-not-in-train-mode": {"train": False}, "sum-instead-of-mean": {"reduction": "sum"},
             "last-batch-dropped": {"drop_last": True}, "epoch-loss-unweighted": {"report": "unweighted"},
             "epoch-loss-last-batch": {"report": "last"}}
    results = {key: _run_loop(_mistaken_loop(**kind), case) for key, kind in kinds.items()}
    return {key: (params, loss) for key, (params, (loss, _)) in results.items()}


def _check_loop(train_one_epoch: Callable, case: LoopCase) -> None:
    if not callable(train_one_epoch):
        fail("train_one_epoch", f"expected a function, got {type(train_one_epoch).__name__}.",
             requirement="expected a function.")
    what = case.describe()
    with one_thread():
        with warning_if_torch_optimizers_used(train_one_epoch):
            params, (loss, loss_type) = _run_loop(train_one_epoch, case, what)
        expected_params, (expected_loss, _) = _run_loop(ref.train_one_epoch, case)
        cache: dict = {}

        def mistakes(index: int) -> Callable[[], dict]:
            def compute():
                if not cache:
                    cache.update(_loop_mistakes(case))
                return {key: result[index] for key, result in cache.items()}
            return compute

        assert_trajectory(params, expected_params, f"{what}: the parameters after the epoch", mistakes(0),
                          rtol=RTOL)
        about_loss = f"{what}: the returned loss"
        if loss_type == "Tensor":  # the right number, as a tensor
            fail(about_loss, f"returned a torch.Tensor ({loss}); expected a float (loss.item()).",
                 "loss-not-float" if loss is not None and np.isclose(loss, expected_loss, rtol=1e-6) else None,
                 requirement="returned a torch.Tensor; expected a float.")
        if loss is None or loss_type not in ("float", "int") and not loss_type.startswith("float"):
            fail(about_loss, f"returned {loss_type}; expected a float.", requirement="did not return a float.")
        assert_trajectory(float(loss), expected_loss, f"{what}: the returned mean loss of the epoch",
                          mistakes(1), rtol=RTOL)


def check_train_one_epoch(train_one_epoch: Callable) -> None:
    """Visible check: 24 images in 3 batches of 8 with torch's SGD with momentum, against the
    reference loop; parameters and returned loss."""
    _check_loop(train_one_epoch, LoopCase(24, 8, "momentum"))


def check_train_one_epoch_edge_cases(train_one_epoch: Callable, seed: int) -> None:
    """Hidden check: a last batch smaller than the others (30 = 3 x 8 + 6) with SGD with momentum, and
    one batch holding all 20 images with Adam."""
    _check_loop(train_one_epoch, LoopCase(30, 8, "momentum", seed))
    _check_loop(train_one_epoch, LoopCase(20, 20, "adam", seed + 1))

