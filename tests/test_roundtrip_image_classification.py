"""The nbgrader round trip of assignment 01-image-classification, in a temporary course directory:
generate_assignment, autograde the solution, the untouched notebook and typical mistakes,
generate_feedback and export, with exact scores."""
from __future__ import annotations

import pytest

from autograder.assignments import BY_SLUG
from grading import grade, solution_submission, untouched_submission
from roundtrip_contract import RoundTripContract

ASSIGNMENT = "01-image-classification"
NOTEBOOK = "image_classification.ipynb"
MAX_SCORE = BY_SLUG[ASSIGNMENT].max_score  # read from the solution notebook

FLATTEN_DIVIDE_BY_256 = '''
def flatten_images(images):
    return images.reshape(len(images), -1) / 256
'''
TOP_K_BY_ARGSORT = '''
def top_k_accuracy(scores, labels, k):
    top = np.argsort(scores, axis=1)[:, -k:]
    return np.mean((top == labels[:, None]).any(axis=1))
'''
COUNT_WITHOUT_BIAS = '''
def fc_parameter_count(height, width, channels, num_classes, bias=True):
    return height * width * channels * num_classes
'''
SCORES_X_AT_W = '''
def linear_scores(x, W, b):
    return x @ W + b
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return grade(tmp_path_factory.mktemp("roundtrip01"), ASSIGNMENT, NOTEBOOK, {
        "alice": solution_submission(),
        "bob": untouched_submission,
        "carol": solution_submission({"flatten_images": FLATTEN_DIVIDE_BY_256,
                                      "top_k_accuracy": TOP_K_BY_ARGSORT}),
        "dave": solution_submission({"fc_parameter_count": COUNT_WITHOUT_BIAS,
                                     "linear_scores": SCORES_X_AT_W}),
    })


class TestRoundTripContract(RoundTripContract):
    """The solution scores the maximum, the untouched release 0; export and feedback: tests/roundtrip_contract.py."""


def test_exact_scores(course):
    # Points follow effort: flatten_images, linear_scores and fc_parameter_count 1 + 1, top_k_accuracy 2 + 4.
    # carol: flatten divided by 256 fails both its tests (2 points); argsort top-k breaks ties the
    # wrong way, which both its tests probe (6). dave: the count without bias fails both (2); x @ W
    # crashes the visible test and is named by the hidden square case (2).
    assert course.scores() == {"alice": MAX_SCORE, "bob": 0.0, "carol": 4.0, "dave": 8.0}


def test_cell_scores_of_typical_mistakes(course):
    carol = course.cell_scores("carol")
    assert carol["test_flatten_images"] == 0 and carol["test_flatten_images_hidden"] == 0
    assert carol["test_top_k_accuracy"] == 0 and carol["test_top_k_accuracy_hidden"] == 0
    assert carol["test_linear_scores_hidden"] == 1
    dave = course.cell_scores("dave")
    assert dave["test_fc_parameter_count"] == 0 and dave["test_linear_scores_hidden"] == 0


def test_feedback_names_the_mistakes(course):
    carol, dave = course.feedback_html("carol"), course.feedback_html("dave")
    assert "divide-by-256" in carol and "top-k-ties" in carol
    assert "fc-count-no-bias" in dave and "weights-not-transposed" in dave
