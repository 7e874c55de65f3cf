"""The nbgrader round trip of assignment 04-loss-functions, in a temporary course directory:
generate_assignment, autograde several submissions, generate_feedback and export, with exact scores."""
from __future__ import annotations

import pytest

from autograder.assignments import BY_SLUG
from grading import grade, solution_submission, untouched_submission
from roundtrip_contract import RoundTripContract

ASSIGNMENT = "04-loss-functions"
NOTEBOOK = "loss_functions.ipynb"
# Points follow effort: 1 visible point per function, and hidden points 1 for the one-line losses and
# gradients (binary hinge, L1, L2), 2 for the multi-class losses and smooth L1, 3 for the multi-class gradients.
MAX_SCORE = BY_SLUG[ASSIGNMENT].max_score  # read from the solution notebook

WW_INCLUDES_TRUE_CLASS = '''
def multiclass_hinge_loss(scores, labels, margin=1.0):
    n, num_classes = scores.shape
    correct = scores[np.arange(n), labels][:, None]
    return np.maximum(0.0, margin - correct + scores).sum() / (n * num_classes)
'''
L2_GRAD_WITHOUT_2 = '''
def l2_grad(pred, target):
    return (pred - target) / pred.size
'''
HINGE_GRAD_ON_THE_MARGIN = '''
def binary_hinge_grad(scores, targets):
    return -targets * (1.0 - targets * scores >= 0) / len(scores)
'''
SMOOTH_L1_BETA_IGNORED = '''
def smooth_l1_loss(pred, target, beta=1.0):
    r = np.abs(pred - target)
    return np.where(r < 1.0, 0.5 * r ** 2, r - 0.5).mean()
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return grade(tmp_path_factory.mktemp("roundtrip"), ASSIGNMENT, NOTEBOOK, {
        "alice": solution_submission(),
        "bob": untouched_submission,
        # four typical mistakes in one submission (each autograded submission costs seconds)
        "carol": solution_submission({"multiclass_hinge_loss": WW_INCLUDES_TRUE_CLASS,
                                      "l2_grad": L2_GRAD_WITHOUT_2,
                                      "binary_hinge_grad": HINGE_GRAD_ON_THE_MARGIN,
                                      "smooth_l1_loss": SMOOTH_L1_BETA_IGNORED}),
    })


class TestRoundTripContract(RoundTripContract):
    """The solution scores the maximum, the untouched release 0; export and feedback: tests/roundtrip_contract.py."""


def test_exact_scores(course):
    # carol loses both cells of three functions (Weston-Watkins loss 3, l2_grad 2, smooth L1 loss 3 points);
    # her hinge gradient on the margin fails both its tests (the margin is in the self-check too: 2 points).
    assert course.scores() == {"alice": MAX_SCORE, "bob": 0.0, "carol": 22.0}


def test_each_mistake_costs_only_its_own_cells(course):
    carol = course.cell_scores("carol")
    lost = {cell for cell, points in carol.items() if points == 0}
    assert lost == {"test_multiclass_hinge_loss", "test_multiclass_hinge_loss_hidden",
                    "test_l2_grad", "test_l2_grad_hidden", "test_smooth_l1_loss", "test_smooth_l1_loss_hidden",
                    "test_binary_hinge_grad", "test_binary_hinge_grad_hidden"}


def test_feedback_names_the_mistakes(course):
    carol = course.feedback_html("carol")
    assert "Likely mistake: ww-includes-true-class" in carol
    assert "Likely mistake: l2-grad-missing-2" in carol
    assert "Likely mistake: smooth-l1-beta-ignored" in carol
    assert "Likely mistake: hinge-subgradient-at-kink" in carol  # from a hidden test
