"""The nbgrader round trip of assignment 05-optimizers, in a temporary course directory:
generate_assignment, autograde several submissions, generate_feedback and export, with exact scores."""
from __future__ import annotations

import pytest

from autograder.assignments import BY_SLUG
from grading import grade, solution_submission, untouched_submission
from roundtrip_contract import RoundTripContract

ASSIGNMENT = "05-optimizers"
NOTEBOOK = "optimizers.ipynb"
MAX_SCORE = BY_SLUG[ASSIGNMENT].max_score  # read from the solution notebook

# Ruder's and CS231n's formulation: the learning rate inside the velocity.
MOMENTUM_LR_IN_VELOCITY = '''
def momentum_step(param, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + lr * grad
    if nesterov:
        return param - (momentum * velocity + lr * grad), velocity
    return param - velocity, velocity
'''
ADAM_WITHOUT_BIAS_CORRECTION = '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return param - lr * m / (np.sqrt(v) + eps), m, v
'''
RMSPROP_ALPHA_SWAPPED = '''
def rmsprop_step(param, grad, square_avg, lr=1e-2, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * square_avg + alpha * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg
'''
SGD_IN_PLACE = '''
def sgd_step(param, grad, lr):
    param -= lr * grad
    return param
'''
# Preallocated with x0's dtype: right for a float x0, truncated for an integer one.
MINIMIZE_WITH_X0_DTYPE = '''
def minimize(grad_fn, x0, step, num_steps):
    trajectory = np.zeros((num_steps + 1, len(x0)), dtype=x0.dtype)
    trajectory[0], state = x0, None
    for k in range(num_steps):
        trajectory[k + 1], state = step(trajectory[k], grad_fn(trajectory[k]), state)
    return trajectory
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return grade(tmp_path_factory.mktemp("roundtrip"), ASSIGNMENT, NOTEBOOK, {
        "alice": solution_submission(),
        "bob": untouched_submission,
        "carol": solution_submission({"momentum_step": MOMENTUM_LR_IN_VELOCITY}),
        "dave": solution_submission({"adam_step": ADAM_WITHOUT_BIAS_CORRECTION, "rmsprop_step": RMSPROP_ALPHA_SWAPPED}),
        "erin": solution_submission({"sgd_step": SGD_IN_PLACE, "minimize": MINIMIZE_WITH_X0_DTYPE}),
    })


class TestRoundTripContract(RoundTripContract):
    """The solution scores the maximum, the untouched release 0; export and feedback: tests/roundtrip_contract.py."""


def test_the_release_keeps_the_provided_step_rules(course):
    text = (course.root / "exercises" / ASSIGNMENT / NOTEBOOK).read_text()
    assert "def momentum_rule(" in text and "def rmsprop_rule(" in text  # the provided step rules stay


def test_exact_scores(course):
    # carol's velocity differs from torch's by the factor lr (visible and hidden tests of momentum_step
    # lost, 1 + 3); dave's Adam steps are too large at first and his RMSProp swaps alpha and 1 - alpha
    # (adam_step 2 + 2 and rmsprop_step 1 + 2 lost); erin's in-place sgd_step loses sgd_step (1 + 1), and her
    # minimize truncates an integer x0, which both minimize tests probe (1 + 2).
    assert course.scores() == {"alice": MAX_SCORE, "bob": 0.0, "carol": 12.0, "dave": 9.0, "erin": 11.0}


def test_typical_mistakes_lose_exactly_their_cells(course):
    assert course.cell_scores("carol")["test_momentum_step"] == 0
    assert course.cell_scores("carol")["test_momentum_step_hidden"] == 0
    assert course.cell_scores("dave")["test_adam_step_hidden"] == 0
    assert course.cell_scores("dave")["test_rmsprop_step"] == 0
    assert course.cell_scores("dave")["test_rmsprop_step_hidden"] == 0
    erin = course.cell_scores("erin")
    assert erin["test_sgd_step"] == 0 and erin["test_sgd_step_hidden"] == 0
    assert erin["test_minimize"] == 0 and erin["test_minimize_hidden"] == 0


def test_feedback_names_the_mistakes(course):
    assert "momentum-lr-in-velocity" in course.feedback_html("carol")
    assert "adam-no-bias-correction" in course.feedback_html("dave")
    assert "rmsprop-alpha-swapped" in course.feedback_html("dave")
    erin = course.feedback_html("erin")
    assert "modified-input" in erin
    assert "integer starting point" in erin
