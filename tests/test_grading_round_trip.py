"""The nbgrader round trip of assignment 02-softmax-cross-entropy, in a temporary course directory:
generate_assignment, autograde several submissions, generate_feedback and export, with exact scores."""
from __future__ import annotations

import pytest

from grading import grade, solution_submission, untouched_submission

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy.ipynb"
MAX_SCORE = 21.0

SOFTMAX_WITHOUT_MAX = '''
def softmax(y):
    e = np.exp(y)
    return e / e.sum(axis=1, keepdims=True)
'''
UNIFORM_SOFTMAX = '''
def softmax(y):
    return np.full(y.shape, 1.0 / y.shape[1])
'''
CROSS_ENTROPY_SUM = '''
def cross_entropy(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].sum()
'''


def _without_softmax_tests(release, source):
    nb = solution_submission({"softmax": UNIFORM_SOFTMAX, "cross_entropy": CROSS_ENTROPY_SUM})(release, source)
    nb.cells = [c for c in nb.cells if c.id not in ("test_softmax", "test_softmax_hidden")]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return grade(tmp_path_factory.mktemp("roundtrip"), ASSIGNMENT, NOTEBOOK, {
        "alice": solution_submission(),
        "bob": untouched_submission,
        "carol": solution_submission({"softmax": SOFTMAX_WITHOUT_MAX}),
        "dave": '{"cells": [',                       # corrupt JSON
        "erin": _without_softmax_tests,              # deleted test cells, wrong softmax, summed loss
    })


def test_release_has_stubs_and_no_hidden_tests(course):
    text = (course.root / "exercises" / ASSIGNMENT / NOTEBOOK).read_text()
    assert "raise NotImplementedError()" in text
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "_edge_cases(softmax, seed", "np.exp(z)"):
        assert secret not in text


def test_exact_scores(course):
    assert course.max_score() == MAX_SCORE
    scores = course.scores()
    del scores["dave"]  # not gradable: see test_corrupt_notebook_is_reported_and_others_are_graded
    # carol's softmax without max-subtraction fails its self-check and its hidden test (both probe logits
    # around 1000: 3 points); the functions that call it are checked with the reference softmax, so it
    # costs nothing more. erin's uniform softmax and summed loss cost their own two functions' tests
    # (2 x 3 points).
    assert scores == {"alice": MAX_SCORE, "bob": 0.0, "carol": 18.0, "erin": 15.0}


def test_typical_mistake_fails_its_own_tests_only(course):
    cells = course.cell_scores("carol")
    assert cells["test_softmax"] == 0 and cells["test_softmax_hidden"] == 0
    assert cells["test_one_hot"] == 1 and cells["test_one_hot_hidden"] == 2


def test_deleted_test_cells_are_restored_and_run(course):
    cells = course.cell_scores("erin")
    assert cells["test_softmax"] == 0 and cells["test_softmax_hidden"] == 0
    assert cells["test_cross_entropy"] == 0


def test_a_mistake_costs_only_the_tests_of_the_function_that_has_it(course):
    # in nbgrader's own kernel too: the later functions run with the reference softmax and cross_entropy
    hidden_points = {"cross_entropy_grad": 2, "softmax_jacobian": 1, "linear_softmax_loss_and_grads": 3}
    for student in ("carol", "erin"):
        cells = course.cell_scores(student)
        for name, points in hidden_points.items():
            assert cells[f"test_{name}"] == 1 and cells[f"test_{name}_hidden"] == points, (student, name)


def test_corrupt_notebook_is_reported_and_others_are_graded(course):
    assert course.autograde.returncode != 0
    assert "dave" in course.autograde.stdout + course.autograde.stderr
    # nbgrader records the submission with no automatic score at all (a real zero has 0.0 in every cell):
    # the CSV shows 0.0 for both, only the gradebook tells "could not be graded" apart.
    assert set(course.cell_scores("dave").values()) == {None}
    assert (course.root / "autograded" / "alice").exists()
    assert not (course.root / "autograded" / "dave").exists()


def test_export_csv_matches_gradebook(course):
    rows = course.exported()
    for student, score in course.scores().items():
        assert float(rows[student]["raw_score"]) == score
        assert float(rows[student]["max_score"]) == MAX_SCORE


def test_feedback_names_the_mistake_and_hides_hidden_tests(course):
    html = course.feedback_html("carol")
    assert "no-max-subtraction" in html
    assert "BEGIN HIDDEN TESTS" not in html
    assert "seed=20261" not in html
    assert "Score: 0.0 / 21.0" in course.feedback_html("bob")
    assert "Score: 21.0 / 21.0" in course.feedback_html("alice")
