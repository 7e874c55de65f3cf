"""The checks of the regression losses of ``04-loss-functions`` and their gradients: L1
(``F.l1_loss``), L2 (``F.mse_loss``) and smooth L1 (``F.smooth_l1_loss``, with ``beta``), each a loss
``<name>_loss(pred, target)`` (a number) and a gradient ``<name>_grad(pred, target)`` shaped like pred.

The six are checked alike, by one driver that knows each one's mistakes; their checks
(``check_l1_loss(l1_loss)``, ``check_l1_loss_edge_cases(l1_loss, seed)``, ...) are made from the
table :data:`REGRESSION_FUNCTIONS`."""
from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from autograder.reference import loss_functions as ref

from .seeds import VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from .value_check import FLOAT32, assert_value, gradient_mistakes


def _regression_problem(rng: np.random.Generator, shape: tuple[int, ...], beta: float = 1.0):
    """pred and target of ``shape`` whose residuals r = pred - target lie half inside (0.1 beta to
    0.9 beta) and half outside (1.1 beta to 4 beta) the quadratic zone of smooth L1, none at a kink."""
    size = int(np.prod(shape))
    magnitude = np.where(np.arange(size) % 2 == 0, rng.uniform(0.1, 0.9, size), rng.uniform(1.1, 4.0, size))
    residual = rng.permutation(magnitude * rng.choice(np.array([-1.0, 1.0]), size=size)) * beta
    target = rng.normal(size=size)
    return (target + residual).reshape(shape), target.reshape(shape)


def _with_zero_residuals(pred: np.ndarray, target: np.ndarray):
    """A copy of ``pred`` equal to ``target`` at every third entry (the kink of |r|)."""
    pred = pred.copy()
    pred.flat[::3] = target.flat[::3]
    return pred, target


def _residual(pred, target) -> np.ndarray:
    return np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)


def _regression_mistakes(name: str, pred, target, beta: float | None, expected) -> dict:
    """What the known mistakes return for ``name`` ("l1_loss", ..., "smooth_l1_grad") on this input."""
    r = _residual(pred, target)
    reference = getattr(ref, name)
    options = {} if beta is None else {"beta": beta}
    if name.endswith("_loss"):
        per_entry = reference(pred, target, reduction="none", **options)
        mistakes = {"sum-instead-of-mean": per_entry.sum(),
                    "regression-mean-over-rows-only": per_entry.sum() / len(per_entry)}
    else:
        mistakes = {**gradient_mistakes(expected, r.size),
                    "regression-mean-over-rows-only": expected * (r.size // len(r))}
    if r.ndim == 1:  # the mean over rows is the mean over entries
        del mistakes["regression-mean-over-rows-only"]
    if name == "l1_grad":
        mistakes["l1-subgradient-at-zero"] = np.where(r >= 0, 1.0, -1.0) / r.size
    if name == "l2_grad":
        mistakes["l2-grad-missing-2"] = expected / 2
    if name.startswith("smooth_l1") and beta not in (None, 1.0):
        mistakes["smooth-l1-beta-ignored"] = reference(pred, target)
        quadratic = np.abs(r) < beta
        mistakes["smooth-l1-not-divided-by-beta"] = (
            np.where(quadratic, 0.5 * r ** 2, np.abs(r) - 0.5 * beta).mean() if name.endswith("_loss")
            else np.where(quadratic, r, np.sign(r)) / r.size)
    return mistakes


def _check_regression_on(name: str, function: Callable, pred, target, what, beta=None, **tolerance):
    """Check the student's ``name`` ("l1_loss", ..., "smooth_l1_grad") on one input; ``beta`` None: the
    student's default is used."""
    options = {} if beta is None else {"beta": beta}
    expected = getattr(ref, name)(pred, target, **options)
    assert_value(function, (pred, target), options, expected, what,
                 _regression_mistakes(name, pred, target, beta, expected), **tolerance)


def _visible_regression_check(name: str, function: Callable) -> None:
    """Random pred and target of shape (8,) (for smooth L1 also with beta=2.0), then every requirement
    on inputs of the visible check's own."""
    rng = np.random.default_rng(VISIBLE_SEED)
    pred, target = _regression_problem(rng, (8,))
    _check_regression_on(name, function, pred, target, f"{name} on random pred and target of shape (8,)")
    if name.startswith("smooth_l1"):
        pred, target = _regression_problem(rng, (8,), beta=2.0)
        _check_regression_on(name, function, pred, target, f"{name} with beta=2.0", beta=2.0)
    _regression_requirements(name, function, np.random.default_rng(VISIBLE_REQUIREMENTS_SEED))


def _hidden_regression_check(name: str, function: Callable, seed: int) -> None:
    _regression_requirements(name, function, np.random.default_rng(seed))


def _regression_requirements(name: str, function: Callable, rng: np.random.Generator) -> None:
    """Every requirement on a regression loss or gradient ``name``, on random inputs from ``rng``: for
    smooth L1 first a small, a large and a zero beta; then residuals exactly 0, (N, Q) inputs (smooth L1
    with beta=0.5), a batch of one, float32 (smooth L1 with beta=2.0)."""
    smooth = name.startswith("smooth_l1")
    if smooth:
        pred, target = _regression_problem(rng, (10,), beta=0.3)
        _check_regression_on(name, function, pred, target, f"{name} with beta=0.3", beta=0.3)
        pred, target = _regression_problem(rng, (6,))
        _check_regression_on(name, function, pred, target,
                             f"{name} with beta=5.0 (every residual in the quadratic zone)", beta=5.0)
        _check_regression_on(name, function, pred, target, f"{name} with beta=0.0 (the L1 loss)", beta=0.0)
    pred, target = _with_zero_residuals(*_regression_problem(rng, (9,)))
    _check_regression_on(name, function, pred, target, f"{name} where pred equals target at every third entry"
                         + (" (subgradient 0 there)" if name == "l1_grad" else ""))
    beta = 0.5 if smooth else None
    pred, target = _regression_problem(rng, (5, 4), beta=beta or 1.0)
    _check_regression_on(name, function, pred, target, f"{name}{f' with beta={beta}' if beta else ''} on "
                         "pred and target of shape (5, 4): the mean over all 20 entries", beta=beta)
    pred, target = _regression_problem(rng, (1,))
    _check_regression_on(name, function, pred, target, f"{name} on a batch of one")
    beta = 2.0 if smooth else None
    pred, target = _regression_problem(rng, (7,), beta=beta or 1.0)
    _check_regression_on(name, function, pred.astype(np.float32), target.astype(np.float32),
                         f"{name}{f' with beta={beta}' if beta else ''} on float32 inputs", beta=beta, **FLOAT32)


# The regression functions the notebook defines: name -> (its arguments, what its visible check compares
# it with). Their checks, named and documented for the notebook, are made from it by _regression_checks.
REGRESSION_FUNCTIONS = {
    "l1_loss": ("pred, target", ": mean |pred - target| (``F.l1_loss``)"),
    "l1_grad": ("pred, target", " against autograd, shaped like pred"),
    "l2_loss": ("pred, target", ": mean (pred - target)^2 (``F.mse_loss``)"),
    "l2_grad": ("pred, target", " against autograd, shaped like pred"),
    "smooth_l1_loss": ("pred, target, beta=1.0", " (``F.smooth_l1_loss``), with the default beta and with beta=2.0"),
    "smooth_l1_grad": ("pred, target, beta=1.0", " against autograd, with the default beta and with beta=2.0"),
}


def _hidden_requirements(name: str) -> str:
    """What the hidden check of ``name`` tries (see :func:`_regression_requirements`), for its docstring."""
    betas = "small, large and zero beta, " if name.startswith("smooth_l1") else ""
    zeros = "subgradient 0 where pred == target" if name == "l1_grad" else "residuals exactly 0"
    return f"{betas}{zeros}, (N, Q) inputs, a batch of one, float32"


def _regression_checks(name: str) -> tuple[Callable, Callable]:
    """``check_<name>(<name>)`` and ``check_<name>_edge_cases(<name>, seed)``: the visible and the hidden
    check of the student's regression function ``name``, with the names, docstrings and signatures of
    hand-written checks (the student's function may be passed by its name, the seed as ``seed=``)."""
    arguments, compared_with = REGRESSION_FUNCTIONS[name]
    student = inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="Callable")
    seed = inspect.Parameter("seed", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="int")
    visible_signature = inspect.Signature([student], return_annotation="None")
    hidden_signature = inspect.Signature([student, seed], return_annotation="None")

    def visible(*args, **kwargs) -> None:
        _visible_regression_check(name, *visible_signature.bind(*args, **kwargs).args)

    def hidden(*args, **kwargs) -> None:
        _hidden_regression_check(name, *hidden_signature.bind(*args, **kwargs).args)

    visible.__name__ = visible.__qualname__ = f"check_{name}"
    hidden.__name__ = hidden.__qualname__ = f"check_{name}_edge_cases"
    visible.__doc__ = f"Visible check of ``{name}({arguments})``{compared_with}."
    hidden.__doc__ = f"Hidden check: {_hidden_requirements(name)}."
    visible.__signature__, hidden.__signature__ = visible_signature, hidden_signature
    return visible, hidden


check_l1_loss, check_l1_loss_edge_cases = _regression_checks("l1_loss")
check_l1_grad, check_l1_grad_edge_cases = _regression_checks("l1_grad")
check_l2_loss, check_l2_loss_edge_cases = _regression_checks("l2_loss")
check_l2_grad, check_l2_grad_edge_cases = _regression_checks("l2_grad")
check_smooth_l1_loss, check_smooth_l1_loss_edge_cases = _regression_checks("smooth_l1_loss")
check_smooth_l1_grad, check_smooth_l1_grad_edge_cases = _regression_checks("smooth_l1_grad")
