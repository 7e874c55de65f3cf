"""The nbgrader round trip of assignment 07-training-on-imagenet, in a temporary course directory:
generate_assignment, autograde several submissions, generate_feedback and export, with exact scores."""
from __future__ import annotations

import pytest

from autograder.assignments import BY_SLUG
from grading import grade, solution_submission, untouched_submission
from known_implementations.capstone import (
    ADAM_T_FROM_ZERO,
    LOOP_DROPPING_LAST_BATCH,
    LOOP_WITHOUT_ZERO_GRAD,
    MOMENTUM_LR_IN_VELOCITY,
)
from roundtrip_contract import RoundTripContract

ASSIGNMENT = "07-training-on-imagenet"
NOTEBOOK = "training.ipynb"
MAX_SCORE = BY_SLUG[ASSIGNMENT].max_score  # read from the solution notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return grade(tmp_path_factory.mktemp("roundtrip"), ASSIGNMENT, NOTEBOOK, {
        "alice": solution_submission(),
        "bob": untouched_submission,
        "carol": solution_submission({"Momentum": MOMENTUM_LR_IN_VELOCITY}),
        "dave": solution_submission({"Adam": ADAM_T_FROM_ZERO}),
        "erin": solution_submission({"train_one_epoch": LOOP_WITHOUT_ZERO_GRAD}),
        "frank": solution_submission({"train_one_epoch": LOOP_DROPPING_LAST_BATCH}),
    })


class TestRoundTripContract(RoundTripContract):
    """The solution scores the maximum, the untouched release 0; export and feedback: tests/roundtrip_contract.py."""


def test_the_release_keeps_the_given_init(course):
    text = (course.root / "exercises" / ASSIGNMENT / NOTEBOOK).read_text()
    assert "super().__init__(params, defaults={" in text  # the given __init__ stays in the student version


def test_exact_scores(course):
    # Points follow effort: Momentum 1 + 1, Adam 2 + 2, the loop 1 + 2, the run 2. carol passes the
    # self-check (constant lr) and loses the hidden Momentum test (1); dave's Adam divides by zero: both
    # Adam tests (4) and the training run (2) lost; erin's loop accumulates gradients: both loop tests (3)
    # and the run (2) lost; frank's loop loses only the hidden test (2) (the run's 240 images in batches
    # of 20 leave no partial batch).
    assert course.scores() == {"alice": MAX_SCORE, "bob": 0.0, "carol": 10.0, "dave": 5.0, "erin": 6.0,
                               "frank": 9.0}


def test_typical_mistakes_lose_exactly_their_cells(course):
    carol = course.cell_scores("carol")
    assert carol["test_Momentum"] == 1 and carol["test_Momentum_hidden"] == 0
    dave = course.cell_scores("dave")
    assert dave["test_Adam"] == 0 and dave["test_Adam_hidden"] == 0 and dave["test_training_run"] == 0
    erin = course.cell_scores("erin")
    assert erin["test_train_one_epoch"] == 0 and erin["test_training_run"] == 0
    assert course.cell_scores("frank")["test_train_one_epoch_hidden"] == 0
    assert course.cell_scores("frank")["test_training_run"] == 2


def test_feedback_names_the_mistakes(course):
    assert "momentum-lr-in-velocity" in course.feedback_html("carol")
    assert "adam-step-count-from-zero" in course.feedback_html("dave")
    assert "gradients-not-zeroed" in course.feedback_html("erin")
    assert "last-batch-dropped" in course.feedback_html("frank")
