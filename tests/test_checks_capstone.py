"""The checks of assignment 07-training-on-imagenet fail, naming the mistake, on realistic wrong
implementations of ``Momentum``, ``Adam`` and ``train_one_epoch``, and the training run reaches the
reference accuracy with the solution. That the visible and hidden checks pass on the solution (with the
notebook's seeds and ``SEED``) is tests/test_assignment_contracts.py's part."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.checks import capstone as checks
from autograder.checks.capstone.optimizer_classes import _TorchMomentum
from autograder.checks.capstone.optimizer_runs import trajectory
from autograder.compare import CheckFailure
from known_implementations import capstone as known
from known_implementations.capstone import SEED
from notebook_code import ROOT, solution_functions

SOLUTION = solution_functions(ROOT / "solutions" / "07-training-on-imagenet" / "training.ipynb")


def define(source: str, name: str):
    """The class or function ``name`` defined by ``source`` (run with torch, F and np imported)."""
    namespace = {"torch": torch, "F": F, "np": np}
    exec(source, namespace)
    return namespace[name]


def momentum(step_body: str):
    """A student's Momentum class with the given body of step() (indented 8 spaces)."""
    return define(known.MOMENTUM_HEAD + step_body, "Momentum")


def adam(step_body: str, extra_init: str = ""):
    """A student's Adam class with the given body of step() and lines added to __init__."""
    head = known.ADAM_HEAD.replace("\n    @torch.no_grad()", extra_init + "\n    @torch.no_grad()")
    return define(head + step_body, "Adam")


MOMENTUM_LR_IN_VELOCITY = define(known.MOMENTUM_LR_IN_VELOCITY, "Momentum")
MOMENTUM_STATE_NOT_STORED = momentum('''
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                velocity = self.state[p].get("velocity", torch.zeros_like(p))
                velocity = group["momentum"] * velocity + p.grad   # a new tensor, never stored
                p -= group["lr"] * velocity
''')
MOMENTUM_REBINDS_P = momentum('''
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                state.setdefault("velocity", torch.zeros_like(p))
                state["velocity"].mul_(group["momentum"]).add_(p.grad)
                p = p - group["lr"] * state["velocity"]
''')
MOMENTUM_DEFAULTS = momentum('''
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                state.setdefault("velocity", torch.zeros_like(p))
                state["velocity"].mul_(self.defaults["momentum"]).add_(p.grad)
                p.sub_(self.defaults["lr"] * state["velocity"])
''')
MOMENTUM_NO_SKIP = momentum('''
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state.setdefault("velocity", torch.zeros_like(p))
                state["velocity"].mul_(group["momentum"]).add_(p.grad)
                p.sub_(group["lr"] * state["velocity"])
''')
MOMENTUM_NONE_AS_ZERO = momentum('''
        for group in self.param_groups:
            for p in group["params"]:
                g = torch.zeros_like(p) if p.grad is None else p.grad
                state = self.state[p]
                state.setdefault("velocity", torch.zeros_like(p))
                state["velocity"].mul_(group["momentum"]).add_(g)
                p.sub_(group["lr"] * state["velocity"])
''')
MOMENTUM_DAMPENED = momentum('''
        for group in self.param_groups:
            mu = group["momentum"]
            for p in group["params"]:
                if p.grad is not None:
                    v = self.state[p].setdefault("velocity", torch.zeros_like(p))
                    v.mul_(mu).add_((1 - mu) * p.grad)
                    p.sub_(group["lr"] * v)
''')

ADAM_BODY = '''
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                state["t"] += 1
                t, g = state["t"], p.grad
                state["m"] = beta1 * state["m"] + (1 - beta1) * g
                state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
                m_hat = state["m"] / (1 - beta1 ** t)
                v_hat = state["v"] / (1 - beta2 ** t)
                p -= group["lr"] * m_hat / (v_hat.sqrt() + group["eps"])
'''
ADAM_NO_BIAS_CORRECTION = adam(ADAM_BODY.replace(" / (1 - beta1 ** t)", "").replace(" / (1 - beta2 ** t)", ""))
ADAM_T_FROM_ZERO = adam(ADAM_BODY.replace('                state["t"] += 1\n', "").replace(
    "p -= group", 'state["t"] += 1\n                p -= group'))
ADAM_EPS_INSIDE_SQRT = adam(ADAM_BODY.replace('(v_hat.sqrt() + group["eps"])', '(v_hat + group["eps"]).sqrt()'))
ADAM_SHARED_T = adam(ADAM_BODY.replace('state["t"] += 1', 'self.t += 1').replace('t, g = state["t"], p.grad',
                                                                                't, g = self.t, p.grad'),
                     extra_init="        self.t = 0\n")
ADAM_SKIP = '''                if p.grad is None:
                    continue
'''
ADAM_NONE_AS_ZERO = adam(ADAM_BODY.replace(ADAM_SKIP, "").replace(
    't, g = state["t"], p.grad', 't, g = state["t"], torch.zeros_like(p) if p.grad is None else p.grad'))
ADAM_GLOBAL_T = adam(ADAM_BODY.replace("        for group", "        self.t += 1\n        for group").replace(
    '                state["t"] += 1\n', "").replace('t, g = state["t"], p.grad', "t, g = self.t, p.grad"),
    extra_init="        self.t = 0\n")
ADAM_T_BEFORE_SKIP = adam(ADAM_BODY.replace(ADAM_SKIP, "").replace(
    '                state["t"] += 1\n', '                state["t"] += 1\n' + ADAM_SKIP))
ADAM_NO_GROUP = adam(ADAM_BODY.replace('group["lr"]', 'self.defaults["lr"]')
                     .replace('group["betas"]', 'self.defaults["betas"]')
                     .replace('group["eps"]', 'self.defaults["eps"]'))


def loop(body: str):
    return define(known.LOOP_HEAD + body, "train_one_epoch")


LOOP_BODY = known.LOOP_BODY
LOOP_NO_ZERO_GRAD = loop(LOOP_BODY.replace("        optimizer.zero_grad()\n", ""))
LOOP_NO_STEP = loop(LOOP_BODY.replace("        optimizer.step()\n", ""))
LOOP_ZERO_AFTER_BACKWARD = loop(LOOP_BODY.replace("        optimizer.zero_grad()\n", "").replace(
    "        optimizer.step()\n", "        optimizer.zero_grad()\n        optimizer.step()\n"))
LOOP_NO_TRAIN = loop(LOOP_BODY.replace("    model.train()\n", ""))
LOOP_SUM = loop(LOOP_BODY.replace("F.cross_entropy(model(x), t)", "F.cross_entropy(model(x), t, reduction='sum')")
                .replace("loss.item() * len(t)", "loss.item()"))
LOOP_DROP_LAST = loop(LOOP_BODY.replace("range(0, len(labels), batch_size)",
                                        "range(0, len(labels) - batch_size + 1, batch_size)"))
LOOP_UNWEIGHTED = loop(LOOP_BODY.replace("loss.item() * len(t)", "loss.item()").replace(
    "total / len(labels)", "total / -(-len(labels) // batch_size)"))
LOOP_TENSOR = loop(LOOP_BODY.replace("loss.item() * len(t)", "loss.detach() * len(t)"))
LOOP_SHUFFLED = loop(LOOP_BODY.replace("    total = 0.0\n", "    total = 0.0\n    order = torch.randperm(len(labels))\n"
                                       "    images, labels = images[order], labels[order]\n"))


def fails(check, *args, mistake: str | None = None, match: str | None = None) -> str:
    with pytest.raises(CheckFailure) as info:
        check(*args)
    message = str(info.value)
    if mistake is not None:
        assert f"Likely mistake: {mistake}." in message, message
    if match is not None:
        assert match in message, message
    return message


# --- the solution passes everything --------------------------------------------------------------

def test_solution_reaches_reference_accuracy(capsys):
    checks.check_training_run(SOLUTION.train_one_epoch, SOLUTION.Adam)
    assert "reference 0.9" in capsys.readouterr().out  # the check is meaningful: far above chance 0.25


# --- Momentum, Adam and train_one_epoch: each mistake named by the check that sees it -------------

EPOCH_OF_24 = "train_one_epoch on 24 images"
FROZEN = "the first layer frozen (its .grad None) at steps 1-3 and 11-15"


@pytest.mark.parametrize("name, wrong, mistake, match", [
    pytest.param("momentum", MOMENTUM_STATE_NOT_STORED, "optimizer-state-not-kept", "Momentum(", id="momentum-state"),
    pytest.param("momentum", MOMENTUM_REBINDS_P, "parameters-not-updated-in-place", "Momentum(", id="momentum-rebinds"),
    pytest.param("momentum", MOMENTUM_DAMPENED, "momentum-dampened", "Momentum(", id="momentum-dampened"),
    pytest.param("adam", ADAM_NO_BIAS_CORRECTION, "adam-no-bias-correction", "Adam(", id="adam-no-bias-correction"),
    pytest.param("adam", ADAM_T_FROM_ZERO, "adam-step-count-from-zero", "Adam(", id="adam-t-from-zero"),
    pytest.param("adam", ADAM_EPS_INSIDE_SQRT, "adam-eps-inside-sqrt", "Adam(", id="adam-eps-inside-sqrt"),
    pytest.param("adam", ADAM_SHARED_T, "adam-step-count-shared", "Adam(", id="adam-shared-t"),
    pytest.param("train_one_epoch", LOOP_NO_ZERO_GRAD, "gradients-not-zeroed", EPOCH_OF_24, id="loop-no-zero-grad"),
    pytest.param("train_one_epoch", LOOP_NO_STEP, "optimizer-step-missing", EPOCH_OF_24, id="loop-no-step"),
    pytest.param("train_one_epoch", LOOP_ZERO_AFTER_BACKWARD, "optimizer-step-missing", EPOCH_OF_24,
                 id="loop-zero-after-backward"),
    pytest.param("train_one_epoch", LOOP_NO_TRAIN, "model-not-in-train-mode", EPOCH_OF_24, id="loop-no-train"),
    pytest.param("train_one_epoch", LOOP_SUM, "sum-instead-of-mean", EPOCH_OF_24, id="loop-sum"),
    pytest.param("train_one_epoch", LOOP_TENSOR, "loss-not-float", EPOCH_OF_24, id="loop-tensor"),
])
def test_mistakes_fail_visible_check(name, wrong, mistake, match):
    fails(getattr(checks, f"check_{name}"), wrong, mistake=mistake, match=match)


@pytest.mark.parametrize("name, wrong, mistake, match", [
    # same parameters while lr is constant: the hidden check's schedule catches it
    pytest.param("momentum", MOMENTUM_LR_IN_VELOCITY, "momentum-lr-in-velocity", None, id="momentum-lr-in-velocity"),
    # the groups, the parameter without gradient and the frozen layer are the hidden check's
    pytest.param("momentum", MOMENTUM_DEFAULTS, "group-hyperparameters-ignored", None, id="momentum-defaults"),
    pytest.param("momentum", MOMENTUM_NO_SKIP, "grad-none-not-skipped", None, id="momentum-no-skip"),
    pytest.param("momentum", MOMENTUM_NONE_AS_ZERO, "grad-none-as-zero", FROZEN, id="momentum-none-as-zero"),
    pytest.param("adam", ADAM_NONE_AS_ZERO, "grad-none-as-zero", FROZEN, id="adam-none-as-zero"),
    pytest.param("adam", ADAM_GLOBAL_T, "adam-step-count-global", FROZEN, id="adam-global-t"),
    pytest.param("adam", ADAM_T_BEFORE_SKIP, "adam-step-count-global", FROZEN, id="adam-t-before-skip"),
    pytest.param("adam", ADAM_NO_GROUP, "group-hyperparameters-ignored", None, id="adam-defaults"),
    # 24 = 3 x 8: no partial batch in the self-check
    pytest.param("train_one_epoch", LOOP_DROP_LAST, "last-batch-dropped", "the last of 6", id="loop-drop-last"),
    pytest.param("train_one_epoch", LOOP_UNWEIGHTED, "epoch-loss-unweighted", "the last of 6", id="loop-unweighted"),
])
def test_mistakes_pass_visible_check_and_fail_hidden_check(name, wrong, mistake, match):
    getattr(checks, f"check_{name}")(wrong)
    fails(getattr(checks, f"check_{name}_edge_cases"), wrong, SEED, mistake=mistake, match=match)


def test_not_an_optimizer_fails():
    fails(checks.check_momentum, lambda params, lr, momentum=0.9: None, match="subclass of torch.optim.Optimizer")
    fails(checks.check_adam, SOLUTION.train_one_epoch, match="subclass of torch.optim.Optimizer")


def test_unimplemented_step_fails():
    stub = momentum("        raise NotImplementedError()\n")
    fails(checks.check_momentum, stub, match="not implemented")


@pytest.mark.parametrize("torch_optimizer, options", [
    (_TorchMomentum, {"lr": 0.1, "momentum": 0.9}),
    (torch.optim.Adam, {"lr": 0.01}),
])
def test_torch_leaves_the_frozen_layer_where_it_is(torch_optimizer, options):
    case = checks.OptimizerCase(options, frozen_layer=True, steps=checks.HIDDEN_STEPS)
    rows = trajectory(torch_optimizer, case)
    first_layer = 6 * 4 + 6  # W (6, 4) and b (6,) come first in the flattened parameters
    moved = [k for k in range(1, case.steps + 1)
             if not np.array_equal(rows[k, :first_layer], rows[k - 1, :first_layer])]
    assert moved == [k for k in range(1, case.steps + 1) if k not in checks.FROZEN_STEPS]


def test_shuffling_loop_fails():
    fails(checks.check_train_one_epoch, LOOP_SHUFFLED, match="the parameters after the epoch")


# --- the training run ----------------------------------------------------------------------------

@pytest.mark.parametrize("wrong_loop, wrong_adam", [
    (LOOP_NO_ZERO_GRAD, None),
    (None, ADAM_T_FROM_ZERO),
])
def test_training_run_fails_far_from_reference(wrong_loop, wrong_adam):
    message = fails(checks.check_training_run, wrong_loop or SOLUTION.train_one_epoch, wrong_adam or SOLUTION.Adam,
                    match="reference loop with torch.optim.Adam reaches 0.9")
    assert "within 0.05" in message
