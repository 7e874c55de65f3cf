"""Assignment 03 (back-propagation through layers): what is special to its checks.

Its known implementations (tests/known_implementations/backpropagation.py) are data for
tests/test_assignment_contracts.py, which runs the checks on them as on every assignment's. Here:
PyTorch's convention for tied maxima, a wrong layer costs only its own tests, a network that relies on
its own caches passes, and broken forward or backward functions fail, named.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.assignments import BY_TOPIC
from check_harness import BROKEN, OTHER_SEEDS, TopicChecks, failure_message, not_implemented, returns_none
from known_implementations.backpropagation import NET, linear_backward_transposed_dW
from notebook_code import solution_functions

ASSIGNMENT = BY_TOPIC["backpropagation"]
LAYERS = [name for name in ASSIGNMENT.exercises if len(ASSIGNMENT.exercise(name).functions) == 2]
CHECKS = TopicChecks(ASSIGNMENT)
visible_check, hidden_check = CHECKS.visible, CHECKS.hidden


@pytest.fixture(scope="module")
def solution():
    return solution_functions(ASSIGNMENT.solution_path)


def student(solution, name: str) -> tuple:
    """What a check takes: (forward, backward) of a layer, (function,) of the network."""
    if name == NET:
        return (getattr(solution, NET),)
    return getattr(solution, f"{name}_forward"), getattr(solution, f"{name}_backward")


# === the convention the max-pooling checks rely on =================================================

def test_pytorch_routes_a_tied_max_pool_gradient_to_the_first_maximum_in_row_major_order():
    """The convention the max-pooling checks rely on, observed on PyTorch itself."""
    from autograder.reference import backpropagation as ref
    x = np.array([[[[1.0, 3.0, 0.0], [3.0, 3.0, 0.0], [0.0, 0.0, 0.0]]]])
    assert ref.max_pool2d_grad(x, np.ones((1, 1, 1, 1)), kernel_size=2, stride=2)[0, 0].tolist() == [
        [0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    flat_zeros = np.zeros((1, 1, 3, 3))  # four overlapping windows, each all ties: each picks its top-left
    assert ref.max_pool2d_grad(flat_zeros, np.ones((1, 1, 2, 2)), kernel_size=2, stride=1)[0, 0].tolist() == [
        [1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]


# === one mistake, one penalty =========================================================================

LINEAR_TRANSPOSED_DW = {"linear_backward": linear_backward_transposed_dW}
RELU_ONE_AT_ZERO = {"relu_backward": lambda dout, x: dout * (x >= 0)}


@pytest.mark.parametrize("mistakes", [
    pytest.param(LINEAR_TRANSPOSED_DW, id="linear-transposed-dW"),
    pytest.param(RELU_ONE_AT_ZERO, id="relu-gradient-1-at-zero"),
    pytest.param({"linear_forward": not_implemented, "relu_forward": not_implemented,
                  "relu_backward": not_implemented}, id="layers-not-implemented"),
])
def test_a_wrong_layer_costs_only_its_own_tests(mistakes):
    # the solution's network calls the student's layers: with wrong ones in the notebook, it is still
    # checked with the reference's, and the notebook is left as it was
    network = solution_functions(ASSIGNMENT.solution_path).two_layer_net_loss_and_grads
    network.__globals__.update(mistakes)
    visible_check(NET)(network)
    for seed in (None, *OTHER_SEEDS):
        hidden_check(NET, seed)(network)
    assert {name: network.__globals__[name] for name in mistakes} == mistakes


def test_a_network_that_relies_on_its_own_caches_passes_too():
    # this network reads its own layers' caches (dicts), which the reference's layers do not return:
    # checked again with the student's own layers, it passes
    namespace = {"np": np}
    exec('''
def linear_forward(x, W, b):
    return x @ W.T + b, {"x": x, "W": W}


def relu_forward(x):
    return np.maximum(x, 0), {"mask": x > 0}


def two_layer_net_loss_and_grads(x, params, labels):
    h, cache1 = linear_forward(x, params["W1"], params["b1"])
    a, relu_cache = relu_forward(h)
    scores, cache2 = linear_forward(a, params["W2"], params["b2"])
    n = len(labels)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dscores = np.exp(log_probs)
    dscores[np.arange(n), labels] -= 1
    dscores /= n
    dh = (dscores @ cache2["W"]) * relu_cache["mask"]
    return -log_probs[np.arange(n), labels].mean(), {"W1": dh.T @ cache1["x"], "b1": dh.sum(axis=0),
                                                     "W2": dscores.T @ cache2["x"], "b2": dscores.sum(axis=0)}
''', namespace)
    visible_check(NET)(namespace[NET])
    hidden_check(NET)(namespace[NET])


# === broken in ways that have nothing to do with the maths ===========================================

def returns_strings_and_cache(*args, **kwargs):
    return ["not", "a", "number"], None


BROKEN_FORWARD = [
    pytest.param(returns_none, "must return a tuple (out, cache); got NoneType", id="returns-None"),
    pytest.param(not_implemented, "not implemented", id="raises-NotImplementedError"),
    pytest.param(returns_strings_and_cache, "expected numbers", id="returns-list-of-strings"),
]
SINGLE_GRADIENT_LAYERS = ["relu", "sigmoid", "tanh", "max_pool2d", "avg_pool2d"]


@pytest.mark.parametrize("check_kind", ["visible", "hidden"])
@pytest.mark.parametrize("broken, says", BROKEN_FORWARD)
@pytest.mark.parametrize("name", LAYERS)
def test_checks_fail_on_broken_forward(solution, name, broken, says, check_kind):
    check = visible_check(name) if check_kind == "visible" else hidden_check(name)
    message = failure_message(check, broken, student(solution, name)[1])
    assert f"{name}_forward on" in message and says in message, message
    assert "Likely mistake" not in message, message


@pytest.mark.parametrize("check_kind", ["visible", "hidden"])
@pytest.mark.parametrize("broken, says", BROKEN)
@pytest.mark.parametrize("name", SINGLE_GRADIENT_LAYERS)
def test_checks_fail_on_broken_backward(solution, name, broken, says, check_kind):
    check = visible_check(name) if check_kind == "visible" else hidden_check(name)
    message = failure_message(check, student(solution, name)[0], broken)
    assert f"{name}_backward on" in message and says in message, message
    assert "Likely mistake" not in message, message


@pytest.mark.parametrize("broken, says", BROKEN)
def test_net_check_fails_on_broken_function(broken, says):
    for check in (visible_check(NET), hidden_check(NET)):
        message = failure_message(check, broken)
        assert says in message or "must return a tuple (loss, grads)" in message, message
        assert "Likely mistake" not in message, message

