"""The nbgrader round trip of assignment 02-softmax-cross-entropy, in a temporary course directory:
generate_assignment, autograde several submissions, generate_feedback and export, with exact scores."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.nbgrader_app import run_nbgrader
from notebook_code import ROOT, filled_release

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


def _write(nb, course: Path, student: str) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / NOTEBOOK)


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A course directory with five submissions, autograded, with feedback and a CSV export."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    run_nbgrader(course, "generate_assignment", ASSIGNMENT)
    release, source = course / "exercises" / ASSIGNMENT / NOTEBOOK, course / "solutions" / ASSIGNMENT / NOTEBOOK

    _write(filled_release(release, source), course, "alice")                      # the solution
    _write(nbformat.read(release, as_version=4), course, "bob")                   # untouched stubs
    _write(filled_release(release, source, {"softmax": SOFTMAX_WITHOUT_MAX}), course, "carol")
    (course / "submitted" / "dave" / ASSIGNMENT).mkdir(parents=True)              # corrupt JSON
    (course / "submitted" / "dave" / ASSIGNMENT / NOTEBOOK).write_text('{"cells": [')
    erin = filled_release(release, source, {"softmax": UNIFORM_SOFTMAX, "cross_entropy": CROSS_ENTROPY_SUM})
    erin.cells = [c for c in erin.cells if c.id not in ("test_softmax", "test_softmax_hidden")]
    _write(erin, course, "erin")                                                  # deleted test cells

    autograde = run_nbgrader(course, "autograde", ASSIGNMENT, check=False)
    run_nbgrader(course, "generate_feedback", ASSIGNMENT)
    run_nbgrader(course, "export")
    return course, autograde


def _scores(course: Path) -> dict[str, float]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}


def _cell_scores(course: Path, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(NOTEBOOK[:-6], ASSIGNMENT, student)
        return {grade.name: grade.score for grade in notebook.grades}


def test_release_has_stubs_and_no_hidden_tests(graded_course):
    course, _ = graded_course
    text = (course / "exercises" / ASSIGNMENT / NOTEBOOK).read_text()
    assert "raise NotImplementedError()" in text
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "_edge_cases(softmax, seed", "np.exp(z)"):
        assert secret not in text


def test_exact_scores(graded_course):
    course, _ = graded_course
    scores = _scores(course)
    del scores["dave"]  # not gradable: see test_corrupt_notebook_is_reported_and_others_are_graded
    # carol's softmax without max-subtraction also breaks cross_entropy_grad, softmax_jacobian and the
    # classifier, which call it (hidden tests lost: 4 x 2 points); erin's uniform softmax and summed
    # loss fail everything but one_hot and numerical_gradient.
    assert scores == {"alice": MAX_SCORE, "bob": 0.0, "carol": 13.0, "erin": 6.0}


def test_typical_mistake_passes_visible_and_fails_hidden(graded_course):
    course, _ = graded_course
    cells = _cell_scores(course, "carol")
    assert cells["test_softmax"] == 1 and cells["test_softmax_hidden"] == 0
    assert cells["test_one_hot"] == 1 and cells["test_one_hot_hidden"] == 2


def test_deleted_test_cells_are_restored_and_run(graded_course):
    course, _ = graded_course
    cells = _cell_scores(course, "erin")
    assert cells["test_softmax"] == 0 and cells["test_softmax_hidden"] == 0
    assert cells["test_cross_entropy"] == 0


def test_corrupt_notebook_is_reported_and_others_are_graded(graded_course):
    course, autograde = graded_course
    assert autograde.returncode != 0
    assert "dave" in autograde.stdout + autograde.stderr
    # nbgrader records the submission with no automatic score at all (a real zero has 0.0 in every cell):
    # the CSV shows 0.0 for both, only the gradebook tells "could not be graded" apart.
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(NOTEBOOK[:-6], ASSIGNMENT, "dave")
        assert all(grade.auto_score is None for grade in notebook.grades)
        assert notebook.needs_manual_grade
    assert (course / "autograded" / "alice").exists() and not (course / "autograded" / "dave").exists()


def test_export_csv_matches_gradebook(graded_course):
    course, _ = graded_course
    with open(course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT}
    scores = _scores(course)
    for student, score in scores.items():
        assert float(rows[student]["raw_score"]) == score
        assert float(rows[student]["max_score"]) == MAX_SCORE


def test_feedback_names_the_mistake_and_hides_hidden_tests(graded_course):
    course, _ = graded_course
    html = (course / "feedback" / "carol" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "no-max-subtraction" in html
    assert "BEGIN HIDDEN TESTS" not in html
    assert "seed=20261" not in html
    assert (course / "feedback" / "alice" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).exists()
