"""The capstone's half of grading that runs beside the student's code: it builds tensors and models
from plain data, runs the student's optimizer classes and training loop on them, and hands back
plain data.

The checks of ``07-training-on-imagenet`` (:mod:`autograder.checks.capstone`) call these functions
with the student's ``Momentum``, ``Adam`` and ``train_one_epoch``: in the student's own process when the
student runs a self-check in Jupyter, and inside the grading sandbox (over the pipe, see
:mod:`autograder.grading.rpc`) when the notebook is graded. The grader sends initial weights, batches
and gradients as arrays, and reads the parameters back after every step; it computes the gradients
and runs the reference (torch's own optimizers) on its side, so nothing the student's process reports
needs to be trusted: it is compared with what the grader computed itself.

Inside the sandbox this module is a file of the runner's package ``cnn2_runner`` beside numpy and
torch, so it imports nothing of ``autograder``. :func:`prepare_sandbox` takes torch's own optimizers
away from the student's process: their Python modules are not in the sandbox at all (its
``torch.optim`` holds the base class ``Optimizer`` and ``lr_scheduler`` only, see
:mod:`autograder.grading.sandbox_torch_optim`), and the fused native kernels (``torch._fused_adam_``,
...) are replaced by kernels that refuse.
"""
from __future__ import annotations

import ctypes
import warnings
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

# torch's native optimizer kernels (each overload of each): one call would be a whole Adam or SGD step.
FUSED_OPTIMIZER_WORDS = ("adam", "sgd", "adagrad", "rmsprop")
NOT_AVAILABLE = "is not available when graded: the capstone's optimizers are yours to write"
MAX_ERROR_CHARS = 500
# The layers a model description may use, with the constructor arguments it gives them.
LAYERS = {"Linear": nn.Linear, "Conv2d": nn.Conv2d, "BatchNorm1d": nn.BatchNorm1d, "BatchNorm2d": nn.BatchNorm2d,
          "ReLU": nn.ReLU, "Tanh": nn.Tanh, "MaxPool2d": nn.MaxPool2d, "AdaptiveAvgPool2d": nn.AdaptiveAvgPool2d,
          "Flatten": nn.Flatten}


def prepare_sandbox() -> None:
    """In the sandbox, before the student's code runs: one torch thread (the sandbox's process limit
    counts threads), and torch's fused optimizer kernels replaced by ones that raise. The registration
    is kept alive by a reference no Python object holds, so the student's code cannot find and undo it."""
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)

    def refuse(*args, **kwargs):
        raise RuntimeError("torch's fused optimizer kernels are not available when graded: the capstone's "
                           "optimizers are yours to write")
    library = torch._C._dispatch_library("IMPL", "aten", "", "<cnn2 sandbox>", 0)
    with warnings.catch_warnings():  # "overriding a previously registered kernel": that is the point
        warnings.simplefilter("ignore")
        for name in fused_optimizer_ops():
            for key in ("CPU", "CompositeExplicitAutograd", "CompositeImplicitAutograd"):
                try:
                    library.impl(name, key, refuse)
                except RuntimeError:  # not an op that has a kernel for that key
                    pass
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(library))
    # The first Optimizer imports torch._dynamo (a second or two): here, not in the first test's time.
    torch.optim.Optimizer([torch.zeros(1, requires_grad=True)], defaults={})


def fused_optimizer_ops() -> list[str]:
    """Every overload of torch's fused optimizer kernels, as "name" or "name.overload" (from the
    dispatcher's registry: ``dir(torch.ops.aten)`` lists only the ops used so far)."""
    return sorted(name.removeprefix("aten::") for name in torch._C._dispatch_get_all_op_names()
                  if name.startswith("aten::_fused_") and any(word in name for word in FUSED_OPTIMIZER_WORDS))


def build_model(description: list) -> nn.Sequential:
    """A float32 ``nn.Sequential`` from a description: a list of [layer name, *arguments], e.g.
    ``[["Flatten"], ["Linear", 18, 8], ["BatchNorm1d", 8], ["ReLU"], ["Linear", 8, 3]]`` (names of
    :data:`LAYERS`; Conv2d takes [in, out, kernel, padding, bias]). Its weights are torch's default
    initialisation from the current random state."""
    layers = []
    for name, *arguments in description:
        if name == "Conv2d":
            c_in, c_out, kernel, padding, bias = arguments
            layers.append(nn.Conv2d(c_in, c_out, kernel, padding=padding, bias=bias))
        else:
            layers.append(LAYERS[name](*arguments))
    return nn.Sequential(*layers)


def model_state(model: nn.Module) -> dict[str, np.ndarray]:
    """The model's parameters and buffers (``state_dict``) as numpy arrays of their dtypes (copies)."""
    return {name: value.detach().cpu().numpy().copy() for name, value in model.state_dict().items()}


def load_model(description: list, state: dict[str, np.ndarray]) -> nn.Sequential:
    """:func:`build_model` with ``state`` (from :func:`model_state`) loaded, in float64 when the state
    is float64."""
    model = build_model(description)
    if any(value.dtype == np.float64 for value in state.values()):
        model = model.double()
    model.load_state_dict({name: torch.from_numpy(np.array(value)) for name, value in state.items()})
    return model


def _error(phase: str, error: BaseException, step: int | None = None) -> dict:
    try:
        message = str(error)[:MAX_ERROR_CHARS]
    except Exception:  # a student's exception whose __str__ fails
        message = ""
    return {"error": {"phase": phase, "step": step, "type": type(error).__name__[:100], "message": message}}


def _flat(parameters: list[torch.Tensor]) -> np.ndarray:
    """All parameters flattened into one float64 vector (P,)."""
    return torch.cat([p.detach().reshape(-1) for p in parameters]).to(torch.float64).numpy().copy()


def optimizer_trajectory(optimizer_class: Callable, initial: list[np.ndarray], groups: list[dict] | None,
                         options: dict, lr_factors: list[float],
                         gradient: Callable[[int, list[np.ndarray]], list]) -> dict:
    """Train parameters with ``optimizer_class``, taking the gradients from ``gradient``.

    initial: the parameters' starting values, float64 arrays of any shapes.
    groups: None for one group of all parameters, or parameter groups: dicts of "indices" (positions
        in ``initial``) and the group's own hyperparameters.
    options: the keyword arguments of ``optimizer_class(params, **options)``.
    lr_factors: (K,) floats: at step k every group's learning rate is its first one times lr_factors[k]
        (a schedule, set in ``param_groups`` as ``torch.optim.lr_scheduler`` does).
    gradient: ``gradient(k, parameters)`` -> one float64 array per parameter, or None (no gradient at
        that step), for the parameters as they are before step k.
    Returns {"rows": (K + 1, P) float64, all parameters flattened after 0 ... K steps}, or {"error":
    {"phase": "create" | "step", "step": k + 1, "type": name, "message": text}} when the optimizer raised.
    """
    if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, torch.optim.Optimizer)):
        kind = f"the class {optimizer_class.__name__}" if isinstance(optimizer_class, type) \
            else type(optimizer_class).__name__
        return {"error": {"phase": "type", "step": None, "type": "TypeError",
                          "message": f"expected a subclass of torch.optim.Optimizer, got {kind[:100]}."}}
    params = [torch.nn.Parameter(torch.from_numpy(np.array(value, dtype=np.float64))) for value in initial]
    chosen = params if groups is None else [
        {**{k: v for k, v in group.items() if k != "indices"}, "params": [params[i] for i in group["indices"]]}
        for group in groups]
    try:
        optimizer = optimizer_class(chosen, **options)
        base_lrs = [group["lr"] for group in optimizer.param_groups]
    except Exception as error:
        return _error("create", error)
    rows = [_flat(params)]
    for k, factor in enumerate(lr_factors):
        for group, lr in zip(optimizer.param_groups, base_lrs):
            group["lr"] = lr * factor
        grads = gradient(k, [p.detach().numpy().copy() for p in params])
        for p, g in zip(params, grads):
            p.grad = None if g is None else torch.from_numpy(np.array(g, dtype=np.float64))
        try:
            optimizer.step()
        except Exception as error:
            return _error("step", error, k + 1)
        rows.append(_flat(params))
    return {"rows": np.stack(rows)}


class StepTakenElsewhere(torch.optim.Optimizer):
    """The optimizer handed to the student's ``train_one_epoch`` when its check runs torch's own
    optimizer: ``step()`` sends the parameters and their gradients to ``take_step`` (the grader's,
    where torch's optimizer runs) and copies the parameters it returns in place. ``zero_grad()`` is the
    base class's: gradients set to None."""

    def __init__(self, params, take_step: Callable[[list, list], list]):
        super().__init__(params, defaults={})
        self.take_step = take_step

    @torch.no_grad()
    def step(self):
        params = [p for group in self.param_groups for p in group["params"]]
        new = self.take_step([p.detach().numpy().copy() for p in params],
                             [None if p.grad is None else p.grad.detach().numpy().copy() for p in params])
        for p, value in zip(params, new):
            p.copy_(torch.from_numpy(np.asarray(value, dtype=np.float64)).to(p.dtype))


def run_epochs(train_one_epoch: Callable, optimizer: dict, description: list, state: dict[str, np.ndarray],
               images: np.ndarray, labels: np.ndarray, batch_size: int, epochs: int) -> dict:
    """Train a model with ``train_one_epoch(model, optimizer, images, labels, batch_size)``, ``epochs``
    times, from ``state``, with the model handed over in evaluation mode.

    optimizer: {"class": an optimizer class, "options": its keyword arguments} (e.g. the student's
        Adam, built here on the model's parameters), or {"take_step": a function} for
        :class:`StepTakenElsewhere`.
    description, state: the model (:func:`build_model`, :func:`model_state`).
    images: (N, C, H, W) float32 or float64; labels: (N,) int64.
    Returns {"state": the model's state after training, "losses": what each epoch returned (a float,
    or None when it was not a number), "loss_types": the type names of those values,
    "inputs_modified": whether images or labels changed}, or {"error": {...}} (see
    :func:`optimizer_trajectory`; phase "create" or "epoch", step = the epoch, from 1).
    """
    model = load_model(description, state).eval()
    images_tensor, labels_tensor = torch.from_numpy(np.array(images)), torch.from_numpy(np.array(labels))
    before = images_tensor.clone(), labels_tensor.clone()
    try:
        if "take_step" in optimizer:
            chosen = StepTakenElsewhere(model.parameters(), optimizer["take_step"])
        else:
            chosen = optimizer["class"](model.parameters(), **optimizer["options"])
    except Exception as error:
        return _error("create", error)
    losses, loss_types = [], []
    for epoch in range(epochs):
        try:
            loss = train_one_epoch(model, chosen, images_tensor, labels_tensor, batch_size)
        except Exception as error:
            return _error("epoch", error, epoch + 1)
        loss_types.append(type(loss).__name__[:100])
        is_number = isinstance(loss, (int, float, np.floating, np.integer)) and not isinstance(loss, bool)
        is_scalar_tensor = isinstance(loss, torch.Tensor) and loss.numel() == 1
        losses.append(float(loss) if is_number or is_scalar_tensor else None)
    modified = not (torch.equal(images_tensor, before[0]) and torch.equal(labels_tensor, before[1]))
    return {"state": model_state(model), "losses": losses, "loss_types": loss_types, "inputs_modified": modified}


# What the runner lends the grader, by name.
FUNCTIONS = {"optimizer_trajectory": optimizer_trajectory, "run_epochs": run_epochs}
