"""Checks for assignment ``07-training-on-imagenet``: students' torch optimizers and training loop.

- ``check_momentum(Momentum)``, ``check_adam(Adam)``: the student's optimizer and torch's
  (``torch.optim.SGD(momentum=...)``, ``torch.optim.Adam``) each train a copy of the same tiny float64
  network on the CPU, from the same initial weights, on the same batches, for K steps; the parameters
  after every step must agree to a relative error of 1e-10 (of the largest parameter). The hidden
  versions add two parameter groups with their own hyperparameters, a learning rate changed between
  steps (a schedule, as ``torch.optim.lr_scheduler`` does), a parameter without gradient (skipped, as
  torch skips it), a layer frozen on some steps (its ``.grad`` None then: torch neither moves it nor
  advances its state on those steps) and the default hyperparameters.
- ``check_train_one_epoch(train_one_epoch)``: one epoch of the student's loop and of the reference loop
  (:mod:`autograder.reference.capstone`), both with torch's optimizer, from the same weights: the
  parameters and the returned loss must agree to 1e-10. The network has batch normalisation and is
  handed over in evaluation mode. Hidden: a last batch smaller than the others, Adam.
- ``check_training_run(train_one_epoch, Adam)``: a short float32 run of the student's loop and Adam on
  four classes of the synthetic stand-in at 16 px must reach the validation accuracy of the reference
  loop with ``torch.optim.Adam`` within ``ACCURACY_MARGIN``.

Where the student's code runs: :mod:`autograder.grading.torch_driver` runs the student's classes and
loop on models and tensors it builds from plain data, and hands back plain data (parameters after every
step, a model's state after an epoch). In a self-check in Jupyter it runs in the student's process;
when the notebook is graded the student's ``Momentum`` arrives here as a handle of the sandbox's, and
the same functions run in the sandbox (:func:`_driver`), where torch has no optimizers of its own.
Either way the gradients come from this side (the optimizer checks), torch's own optimizer runs on this
side (the loop checks: :class:`~autograder.grading.torch_driver.StepTakenElsewhere`), and the reference
and the accuracy are computed here from what came back.

Everything runs on one CPU thread: torch's second thread only slows operations this small.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.compare import CheckFailure, assert_close, fail
from autograder.grading import torch_driver
from autograder.grading.rpc import RemoteFunction
from autograder.reference import capstone as ref
from autograder.torch_helpers import one_thread

RTOL = 1e-10
VISIBLE_STEPS = 20
HIDDEN_STEPS = 30
ROWS = "(row k: all parameters, flattened, after k steps)"
FROZEN_STEPS = (1, 2, 3, 11, 12, 13, 14, 15)  # 1-based steps on which a frozen layer has no gradient
ACCURACY_MARGIN = 0.05


LOCAL = torch_driver.FUNCTIONS
UNUSABLE = "did not give back what the grader asked for (parameters of the wrong number or shapes)."


def _driver(student: object) -> dict[str, Callable]:
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
def _warning_if_torch_optimizers_used(student: object) -> Iterator[None]:
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


def _same_shapes(values: object, like: list[np.ndarray]) -> list[np.ndarray]:
    """``values`` as float64 arrays when they are arrays of ``like``'s shapes; else a CheckFailure-free
    ValueError (a tampered driver: the grader's own words)."""
    if not (isinstance(values, list) and len(values) == len(like)
            and all(isinstance(v, np.ndarray) and v.shape == w.shape and v.dtype.kind in "biuf"
                    for v, w in zip(values, like))):
        raise ValueError(UNUSABLE)
    return [np.asarray(v, dtype=np.float64) for v in values]


def _crashed(what: str, error: dict, none_at_step: Callable[[int], bool] = lambda step: False) -> None:
    """Fail for a student's class or loop that raised (``error`` as the driver reports it)."""
    kind, message = error.get("type"), error.get("message")
    phase, step = error.get("phase"), error.get("step")
    if phase == "type":
        fail(what, message, requirement="expected a subclass of torch.optim.Optimizer.")
    if kind == "NotImplementedError":
        part = "step()" if phase == "step" else "it"
        fail(what, f"{part} is not implemented yet (it raised NotImplementedError).",
             requirement="is not implemented yet (it raised NotImplementedError).")
    if phase == "create":
        fail(what, f"could not be created: {kind}: {message}", requirement="could not be created (it raised).")
    if phase == "step":
        fail(f"{what}, step {step}", f"step() raised {kind}: {message}",
             "grad-none-not-skipped" if none_at_step(step) else None, requirement="step() raised an exception.")
    fail(what, f"raised {kind}: {message}", requirement="raised an exception.")


def _assert_close_lazy(actual, expected: np.ndarray, what: str, mistakes: Callable[[], dict], rtol=RTOL):
    """``assert_close`` to ``rtol`` relative to the largest entry of ``expected``; ``mistakes()`` (known
    mistake -> its result) is computed only when the comparison fails, as each costs a run."""
    atol = rtol * (float(np.max(np.abs(expected), initial=0.0)) or 1.0)
    try:
        assert_close(actual, expected, what, rtol=rtol, atol=atol)
    except CheckFailure:
        assert_close(actual, expected, what, rtol=rtol, atol=atol, mistakes=mistakes())


# --- the optimizers: a tiny network trained by the student's optimizer and by torch's ---------------

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


def _trajectory(optimizer_class, case: OptimizerCase, what: str | None = None) -> np.ndarray:
    """Train the tiny network with ``optimizer_class(groups, **case.options)``, the gradients computed
    here at the parameters it reports; returns the parameters after each step, (steps + 1, P) float64.
    With ``what`` (a student's class, run where it lives), a crash fails the check."""
    net = _tiny_network(case)
    params = list(net.parameters())
    initial = [p.detach().numpy().copy() for p in params]
    batches = _batches(case)

    def gradient(step: int, values: list) -> list:
        with torch.no_grad():
            for p, value in zip(params, _same_shapes(values, initial)):
                p.copy_(torch.from_numpy(value))
        for p in params:
            p.grad = None
        x, t = batches[step]
        F.cross_entropy(net(x), t).backward()
        if case.frozen(step):
            for p in net[0].parameters():
                p.grad = None
        return [None if p.grad is None else p.grad.numpy().copy() for p in params]

    driver = _driver(optimizer_class) if what else LOCAL
    lr_factors = [case.lr_factor(k) for k in range(case.steps)]
    result = driver["optimizer_trajectory"](optimizer_class, initial, _group_indices(case, net), case.options,
                                            lr_factors, gradient)
    if not isinstance(result, dict) or ("rows" not in result and not isinstance(result.get("error"), dict)):
        raise ValueError(UNUSABLE)
    if "error" in result:
        _crashed(what, result["error"], lambda step: case.frozen(step - 1) or case.unused_parameter)
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


def _variant(rule, use_defaults=False, without_gradient=None) -> type:
    """A class like the student's, built from a rule: ``cls(params, **options)``."""
    class Variant(_RuleOptimizer):
        def __init__(self, params, **options):
            super().__init__(params, rule, use_defaults, without_gradient, **options)
    return Variant


def _none_as_zero(rule):
    """A class from ``rule`` that treats a gradient of None as zeros (its state decays, p moves)."""
    return _variant(rule, without_gradient=lambda p, state, hyper: rule(p, torch.zeros_like(p), state, hyper))


def _constant(case: OptimizerCase) -> np.ndarray:
    """The trajectory of an optimizer that never changes the parameters: (steps + 1, P)."""
    flat = torch.cat([p.detach().reshape(-1) for p in _tiny_network(case).parameters()]).numpy()
    return np.repeat(flat[None], case.steps + 1, axis=0)


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
    run = lambda **kind: _trajectory(_variant(_momentum_rule(**kind)), case)  # noqa: E731
    return {
        "gradient-ascent": run(ascent=True),
        "momentum-lr-in-velocity": run(lr_inside=True),
        "momentum-dampened": run(dampened=True),
        "velocity-updated-after-step": run(after_step=True),
        "optimizer-state-not-kept": run(keep_state=False),
        "group-hyperparameters-ignored": _trajectory(_variant(_momentum_rule(), use_defaults=True), case),
        "parameters-not-updated-in-place": _constant(case),
        "grad-none-as-zero": _trajectory(_none_as_zero(_momentum_rule()), case),
    }


def _check_optimizer(student_class, torch_class, mistakes, case: OptimizerCase, name: str) -> None:
    what = f"{name}{case.describe()} on a tiny float64 network"
    with one_thread():
        with _warning_if_torch_optimizers_used(student_class):
            actual = _trajectory(student_class, case, what)
        expected = _trajectory(torch_class, case)
        _assert_close_lazy(actual, expected, f"{what}: the parameters {ROWS}", lambda: mistakes(case))


class _TorchMomentum(torch.optim.SGD):
    """torch's SGD with the student's signature: ``(params, lr, momentum=0.9)``."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, lr=lr, momentum=momentum)


def check_momentum(Momentum) -> None:
    """Visible check: ``Momentum(params, lr=0.1, momentum=0.9)`` against ``torch.optim.SGD``, 20 steps."""
    _check_optimizer(Momentum, _TorchMomentum, _momentum_mistakes,
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
        _check_optimizer(Momentum, _TorchMomentum, _momentum_mistakes, case, "Momentum")


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
    run = lambda **kind: _trajectory(_variant(_adam_rule(**kind)), case)  # noqa: E731
    with np.errstate(all="ignore"):
        return {
            "adam-no-bias-correction": run(bias_correction=False),
            "adam-step-count-from-zero": run(t_from_zero=True),
            "adam-eps-inside-sqrt": run(eps_inside=True),
            "adam-step-count-shared": run(shared=[0]),
            "optimizer-state-not-kept": run(keep_state=False),
            "group-hyperparameters-ignored": _trajectory(_variant(_adam_rule(), use_defaults=True), case),
            "parameters-not-updated-in-place": _constant(case),
            "grad-none-as-zero": _trajectory(_none_as_zero(_adam_rule()), case),
            "adam-step-count-global": _trajectory(_variant(_adam_rule(), without_gradient=_count_step), case),
        }


def check_adam(Adam) -> None:
    """Visible check: ``Adam(params, lr=0.01)`` against ``torch.optim.Adam``, 20 steps."""
    _check_optimizer(Adam, torch.optim.Adam, _adam_mistakes, OptimizerCase({"lr": 0.01}), "Adam")


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
        _check_optimizer(Adam, torch.optim.Adam, _adam_mistakes, case, "Adam")


# --- train_one_epoch ------------------------------------------------------------------------------

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
        present = _same_shapes([g for g in grads if g is not None],
                               [w for w, g in zip(shapes, grads) if g is not None])
        with torch.no_grad():
            for p, value in zip(params, _same_shapes(values, shapes)):
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
    driver = _driver(loop) if what else LOCAL
    result = driver["run_epochs"](loop, {"take_step": _torch_steps(case, state)}, LOOP_MODEL, state, images,
                                  labels, case.batch_size, 1)
    after = _state_after(result, state, what)
    names = [name for name, _ in torch_driver.build_model(LOOP_MODEL).named_parameters()]
    params = np.concatenate([after[name].reshape(-1) for name in names])
    loss, loss_type = result["losses"][0], result["loss_types"][0]
    if what is not None and result["inputs_modified"] is True:
        fail(what, "modified the images or labels it was given.", "modified-input")
    return params, (loss, loss_type)


def _state_after(result: object, before: dict, what: str | None) -> dict:
    """The model's state the driver gave back, checked against ``before``'s names and shapes; a crash
    of the student's code fails the check."""
    if isinstance(result, dict) and isinstance(result.get("error"), dict):
        _crashed(what, result["error"])
    if not (isinstance(result, dict) and isinstance(result.get("state"), dict)
            and isinstance(result.get("losses"), list) and isinstance(result.get("loss_types"), list)
            and len(result["losses"]) == len(result["loss_types"]) >= 1):
        raise ValueError(UNUSABLE)
    names = list(before)
    arrays = _same_shapes([result["state"].get(name) for name in names], [before[name] for name in names])
    return dict(zip(names, arrays))


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
        with _warning_if_torch_optimizers_used(train_one_epoch):
            params, (loss, loss_type) = _run_loop(train_one_epoch, case, what)
        expected_params, (expected_loss, _) = _run_loop(ref.train_one_epoch, case)
        cache: dict = {}

        def mistakes(index: int) -> Callable[[], dict]:
            def compute():
                if not cache:
                    cache.update(_loop_mistakes(case))
                return {key: result[index] for key, result in cache.items()}
            return compute

        _assert_close_lazy(params, expected_params, f"{what}: the parameters after the epoch", mistakes(0))
        about_loss = f"{what}: the returned loss"
        if loss_type == "Tensor":  # the right number, as a tensor
            fail(about_loss, f"returned a torch.Tensor ({loss}); expected a float (loss.item()).",
                 "loss-not-float" if loss is not None and np.isclose(loss, expected_loss, rtol=1e-6) else None,
                 requirement="returned a torch.Tensor; expected a float.")
        if loss is None or loss_type not in ("float", "int") and not loss_type.startswith("float"):
            fail(about_loss, f"returned {loss_type}; expected a float.", requirement="did not return a float.")
        _assert_close_lazy(float(loss), expected_loss, f"{what}: the returned mean loss of the epoch",
                           mistakes(1))


def check_train_one_epoch(train_one_epoch: Callable) -> None:
    """Visible check: 24 images in 3 batches of 8 with torch's SGD with momentum, against the
    reference loop; parameters and returned loss."""
    _check_loop(train_one_epoch, LoopCase(24, 8, "momentum"))


def check_train_one_epoch_edge_cases(train_one_epoch: Callable, seed: int) -> None:
    """Hidden check: a last batch smaller than the others (30 = 3 x 8 + 6) with SGD with momentum, and
    one batch holding all 20 images with Adam."""
    _check_loop(train_one_epoch, LoopCase(30, 8, "momentum", seed))
    _check_loop(train_one_epoch, LoopCase(20, 20, "adam", seed + 1))


# --- a short training run on the synthetic stand-in -----------------------------------------------

RUN_CLASSES, RUN_SIZE, RUN_PER_CLASS, RUN_VAL_PER_CLASS = 4, 16, 60, 25
RUN_EPOCHS, RUN_BATCH, RUN_LR, RUN_WIDTHS = 4, 20, 1e-2, (16, 32)


def run_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The run's data: four classes of the synthetic stand-in (stripes at four orientations) at 16 px,
    normalised with the training set's channel statistics, the training images shuffled once.

    Returns x (240, 3, 16, 16) float32, t (240,) int64, x_val (100, 3, 16, 16) float32, t_val (100,)
    int64. Always the stand-in, whatever source is configured, so the check is the same everywhere.
    """
    from autograder.data import LECTURE_SYNSETS, load_subset

    def load(split: str, per_class: int):
        subset = load_subset(split, RUN_SIZE, source="synthetic", synsets=LECTURE_SYNSETS[:RUN_CLASSES],
                             per_class=per_class, progress=False)
        return torch.from_numpy(subset.images).permute(0, 3, 1, 2).float(), torch.from_numpy(subset.labels)

    x, t = load("train", RUN_PER_CLASS)
    x_val, t_val = load("val", RUN_VAL_PER_CLASS)
    mean, std = x.mean(dim=(0, 2, 3), keepdim=True), x.std(dim=(0, 2, 3), keepdim=True)
    order = torch.randperm(len(t), generator=torch.Generator().manual_seed(0))  # the subset is sorted by class
    return ((x[order] - mean) / std).contiguous(), t[order], (x_val - mean) / std, t_val


def run_model() -> list:
    """The run's network as the torch driver builds it (:func:`~autograder.grading.torch_driver.build_model`):
    ``SmallCNN(RUN_CLASSES, RUN_WIDTHS)``'s layers in order (conv-batch norm-ReLU-pool blocks, global
    average pooling, one linear layer), which the sandbox can build without ``autograder``."""
    blocks = []
    for c_in, c_out in zip((3, *RUN_WIDTHS), RUN_WIDTHS):
        blocks += [["Conv2d", c_in, c_out, 3, 1, False], ["BatchNorm2d", c_out], ["ReLU"], ["MaxPool2d", 2]]
    return [*blocks, ["AdaptiveAvgPool2d", 1], ["Flatten"], ["Linear", RUN_WIDTHS[-1], RUN_CLASSES]]


def training_run(train_one_epoch: Callable, optimizer_class, x, t, x_val, t_val, what: str | None = None) -> float:
    """Train the run's network (:func:`run_model`, seed 0) for RUN_EPOCHS epochs with ``train_one_epoch``
    and ``optimizer_class(params, lr=RUN_LR)``, where they live; returns the validation accuracy,
    computed here from the weights that came back. With ``what`` (the student's), a crash fails."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        state = torch_driver.model_state(torch_driver.build_model(run_model()))
    driver = _driver(train_one_epoch) if what else LOCAL
    result = driver["run_epochs"](train_one_epoch, {"class": optimizer_class, "options": {"lr": RUN_LR}},
                                  run_model(), state, x.numpy(), t.numpy(), RUN_BATCH, RUN_EPOCHS)
    after = _state_after(result, state, what)
    model = torch_driver.load_model(run_model(), {name: value.astype(state[name].dtype)
                                                  for name, value in after.items()})
    return ref.accuracy(model, x_val, t_val)


def check_training_run(train_one_epoch: Callable, Adam) -> None:
    """Your loop and your Adam train a small CNN for 4 epochs on 240 synthetic images; the validation
    accuracy must be within ACCURACY_MARGIN of the reference loop's with ``torch.optim.Adam``."""
    what = (f"{RUN_EPOCHS} epochs of your train_one_epoch with your Adam(lr={RUN_LR}) on "
            f"{RUN_CLASSES * RUN_PER_CLASS} images of the synthetic stand-in ({RUN_CLASSES} classes, "
            f"{RUN_SIZE} px, batches of {RUN_BATCH})")
    with one_thread():
        data = run_data()
        with _warning_if_torch_optimizers_used(train_one_epoch):
            accuracy = training_run(train_one_epoch, Adam, *data, what=what)
        expected = training_run(ref.train_one_epoch, torch.optim.Adam, *data)
    if not abs(accuracy - expected) <= ACCURACY_MARGIN:
        fail(what, f"reached a validation accuracy of {accuracy:.2f} on {len(data[3])} images; the "
                   f"reference loop with torch.optim.Adam reaches {expected:.2f}, and the two must agree "
                   f"within {ACCURACY_MARGIN}. The checks above say which part differs.",
             requirement=f"the validation accuracy is not within {ACCURACY_MARGIN} of the reference's.")
    print(f"validation accuracy after {RUN_EPOCHS} epochs: yours {accuracy:.2f}, "
          f"reference {expected:.2f} (chance {1 / RUN_CLASSES:.2f})")
