"""The checks of the regression losses of ``04-loss-functions`` and their gradients: L1
(``F.l1_loss``), L2 (``F.mse_loss``) and smooth L1 (``F.smooth_l1_loss``, with ``beta``), each a loss
``<name>_loss(pred, target)`` (a number) and a gradient ``<name>_grad(pred, target)`` shaped like pred.

The six are checked alike, by one driver that knows each one's mistakes; each public check names the
function it hands to it."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED
from autograder.reference import loss_functions as ref

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


def check_l1_loss(l1_loss: Callable) -> None:
    """Visible check of ``l1_loss(pred, target)``: mean |pred - target| (``F.l1_loss``)."""
    _visible_regression_check("l1_loss", l1_loss)


def check_l1_loss_edge_cases(l1_loss: Callable, seed: int) -> None:
    """Hidden check: residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("l1_loss", l1_loss, seed)


def check_l1_grad(l1_grad: Callable) -> None:
    """Visible check of ``l1_grad(pred, target)`` against autograd, shaped like pred."""
    _visible_regression_check("l1_grad", l1_grad)


def check_l1_grad_edge_cases(l1_grad: Callable, seed: int) -> None:
    """Hidden check: subgradient 0 where pred == target, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("l1_grad", l1_grad, seed)


def check_l2_loss(l2_loss: Callable) -> None:
    """Visible check of ``l2_loss(pred, target)``: mean (pred - target)^2 (``F.mse_loss``)."""
    _visible_regression_check("l2_loss", l2_loss)


def check_l2_loss_edge_cases(l2_loss: Callable, seed: int) -> None:
    """Hidden check: residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("l2_loss", l2_loss, seed)


def check_l2_grad(l2_grad: Callable) -> None:
    """Visible check of ``l2_grad(pred, target)`` against autograd, shaped like pred."""
    _visible_regression_check("l2_grad", l2_grad)


def check_l2_grad_edge_cases(l2_grad: Callable, seed: int) -> None:
    """Hidden check: residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("l2_grad", l2_grad, seed)


def check_smooth_l1_loss(smooth_l1_loss: Callable) -> None:
    """Visible check of ``smooth_l1_loss(pred, target, beta=1.0)`` (``F.smooth_l1_loss``), with the
    default beta and with beta=2.0."""
    _visible_regression_check("smooth_l1_loss", smooth_l1_loss)


def check_smooth_l1_loss_edge_cases(smooth_l1_loss: Callable, seed: int) -> None:
    """Hidden check: small, large and zero beta, residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("smooth_l1_loss", smooth_l1_loss, seed)


def check_smooth_l1_grad(smooth_l1_grad: Callable) -> None:
    """Visible check of ``smooth_l1_grad(pred, target, beta=1.0)`` against autograd, with the default
    beta and with beta=2.0."""
    _visible_regression_check("smooth_l1_grad", smooth_l1_grad)


def check_smooth_l1_grad_edge_cases(smooth_l1_grad: Callable, seed: int) -> None:
    """Hidden check: small, large and zero beta, residuals exactly 0, (N, Q) inputs, a batch of one, float32."""
    _hidden_regression_check("smooth_l1_grad", smooth_l1_grad, seed)
