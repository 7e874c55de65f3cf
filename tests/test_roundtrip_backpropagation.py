"""The nbgrader round trip of assignment 03-backpropagation, in a temporary course directory:
generate_assignment, autograde several submissions, generate_feedback and export, with exact scores.

Eight cells of 3 points (1 visible + 2 hidden): seven forward/backward pairs and the two-layer network,
which is checked with the reference's linear and ReLU layers in place of the student's, so a mistake in a
layer costs that layer's points only.
"""
from __future__ import annotations

import pytest

from autograder.assignments import BY_SLUG
from grading import grade, solution_submission, untouched_submission
from roundtrip_contract import RoundTripContract

ASSIGNMENT = "03-backpropagation"
NOTEBOOK = "backpropagation.ipynb"
MAX_SCORE = BY_SLUG[ASSIGNMENT].max_score  # read from the solution notebook

LINEAR_TRANSPOSED_DW = '''
def linear_forward(x, W, b):
    return x @ W.T + b, (x, W)


def linear_backward(dout, cache):
    x, W = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)
'''
SIGMOID_NAIVE = '''
def sigmoid_forward(x):
    s = np.exp(x) / (1 + np.exp(x))
    return s, s


def sigmoid_backward(dout, s):
    return dout * s * (1 - s)
'''
AVG_POOL_NOT_DIVIDED = '''
def avg_pool2d_forward(x, kernel_size=2, stride=2):
    n, c, h, w = x.shape
    k, s = kernel_size, stride
    out = np.empty((n, c, (h - k) // s + 1, (w - k) // s + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].mean(axis=(2, 3))
    return out, (x.shape, k, s)


def avg_pool2d_backward(dout, cache):
    shape, k, s = cache
    dx = np.zeros(shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * s:i * s + k, j * s:j * s + k] += dout[:, :, i, j, None, None]
    return dx
'''
MAX_POOL_SPREAD = '''
def max_pool2d_forward(x, kernel_size=2, stride=2):
    n, c, h, w = x.shape
    k, s = kernel_size, stride
    out = np.empty((n, c, (h - k) // s + 1, (w - k) // s + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
    return out, (x.shape, k, s)


def max_pool2d_backward(dout, cache):
    shape, k, s = cache
    dx = np.zeros(shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * s:i * s + k, j * s:j * s + k] += dout[:, :, i, j, None, None]
    return dx
'''
RELU_ONE_AT_ZERO = '''
def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, x):
    return dout * (x >= 0)
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return grade(tmp_path_factory.mktemp("roundtrip"), ASSIGNMENT, NOTEBOOK, {
        "alice": solution_submission(),
        "bob": untouched_submission,
        "carol": solution_submission({"linear": LINEAR_TRANSPOSED_DW, "sigmoid": SIGMOID_NAIVE}),
        "dave": solution_submission({"avg_pool2d": AVG_POOL_NOT_DIVIDED, "max_pool2d": MAX_POOL_SPREAD,
                                     "relu": RELU_ONE_AT_ZERO}),
    })


class TestRoundTripContract(RoundTripContract):
    """The solution scores the maximum, the untouched release 0; export and feedback: tests/roundtrip_contract.py."""


def test_exact_scores(course):
    # carol's transposed dW fails the linear layer (3 points; the network, built on it, gets the reference's
    # layers), and her sigmoid overflows on |x| = 1000, which both sigmoid tests probe (3 points); dave's average
    # pooling forgets to divide (3 points) and his max pooling spreads the gradient (4 points), and his ReLU
    # passes the gradient at x == 0, which both ReLU tests probe (2 points).
    assert course.scores() == {"alice": MAX_SCORE, "bob": 0.0, "carol": 21.0, "dave": 18.0}


def test_mistakes_cost_the_expected_cells(course):
    carol = course.cell_scores("carol")
    assert carol["test_linear"] == 0 and carol["test_two_layer_net_loss_and_grads"] == 1
    assert carol["test_two_layer_net_loss_and_grads_hidden"] == 3
    assert carol["test_sigmoid"] == 0 and carol["test_sigmoid_hidden"] == 0
    assert carol["test_relu"] == 1 and carol["test_relu_hidden"] == 1
    dave = course.cell_scores("dave")
    assert dave["test_avg_pool2d"] == 0 and dave["test_avg_pool2d_hidden"] == 0
    assert dave["test_max_pool2d"] == 0 and dave["test_max_pool2d_hidden"] == 0
    assert dave["test_relu"] == 0 and dave["test_relu_hidden"] == 0
    assert dave["test_two_layer_net_loss_and_grads"] == 1 and dave["test_two_layer_net_loss_and_grads_hidden"] == 3


@pytest.mark.parametrize("student, mistakes", [
    ("carol", ["transposed-gradient", "sigmoid-overflow"]),
    ("dave", ["avg-pool-not-divided", "max-pool-gradient-spread", "relu-subgradient-at-zero"]),
])
def test_feedback_names_the_mistakes(course, student, mistakes):
    html = course.feedback_html(student)
    for mistake in mistakes:
        assert f"Likely mistake: {mistake}." in html, mistake
