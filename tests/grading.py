"""Run nbgrader's whole round trip for one assignment in a temporary course directory, for tests.

``grade(tmp_path, assignment, notebook, submissions)`` copies the course configuration and the
assignment's source, runs ``generate_assignment``, writes each submission, runs ``autograde``,
``generate_feedback`` and ``export``, and returns a :class:`GradedCourse` to assert on.
A submission is a notebook (``nbformat.NotebookNode``), raw text (``str``, e.g. corrupt JSON), or a
function of the release and source notebook paths returning either.
"""
from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import nbformat
from nbgrader.api import Gradebook

from autograder.nbgrader_app import run_nbgrader
from benchmarks.grading_runs import cnn2
from notebook_code import ROOT, filled_release

Submission = nbformat.NotebookNode | str | Callable[[Path, Path], "nbformat.NotebookNode | str"]


@dataclass
class GradedCourse:
    root: Path
    assignment: str
    notebook: str
    autograde: CompletedProcess

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def scores(self) -> dict[str, float]:
        """Student id -> total score, for every submission in the gradebook."""
        with Gradebook(self.gradebook_url) as gradebook:
            return {s.student.id: s.score for s in gradebook.assignment_submissions(self.assignment)}

    def max_score(self) -> float:
        with Gradebook(self.gradebook_url) as gradebook:
            return gradebook.find_assignment(self.assignment).max_score

    def cell_scores(self, student: str) -> dict[str, float | None]:
        """grade_id -> points of each graded cell (None where it could not be graded)."""
        with Gradebook(self.gradebook_url) as gradebook:
            notebook = gradebook.find_submission_notebook(Path(self.notebook).stem, self.assignment, student)
            return {grade.name: grade.auto_score for grade in notebook.grades}

    def feedback_html(self, student: str) -> str:
        return (self.root / "feedback" / student / self.assignment / self.notebook).with_suffix(".html").read_text()

    def exported(self) -> dict[str, dict[str, str]]:
        """Rows of ``grades.csv`` for this assignment, by student id."""
        with open(self.root / "grades.csv", newline="") as f:
            return {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == self.assignment}


def solution_submission(overrides: dict[str, str] | None = None) -> Callable:
    """The release notebook filled with the source's solutions, or ``overrides[grade_id]`` code."""
    return lambda release, source: filled_release(release, source, overrides)


def untouched_submission(release: Path, source: Path) -> nbformat.NotebookNode:
    return nbformat.read(release, as_version=4)


def grade(tmp_path: Path, assignment: str, notebook: str, submissions: dict[str, Submission]) -> GradedCourse:
    """Generate, submit, autograde, give feedback and export one assignment; see the module docstring."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
    run_nbgrader(course, "generate_assignment", assignment)
    release = course / "exercises" / assignment / notebook
    source = course / "solutions" / assignment / notebook
    for student, submission in submissions.items():
        if callable(submission):
            submission = submission(release, source)
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        if isinstance(submission, str):
            (folder / notebook).write_text(submission)
        else:
            nbformat.write(submission, folder / notebook)
    autograde = run_nbgrader(course, "autograde", assignment, check=False)
    run_nbgrader(course, "generate_feedback", assignment)
    run_nbgrader(course, "export")
    return GradedCourse(course, assignment, notebook, autograde)


EXAM = "06-exam-practice"
EXAM_NOTEBOOK = "exam_practice"
EXAM_SUBMISSIONS = {  # student -> what the submission is
    "ada": "all answers, answer_2 wrong, short_1 and long_1 written, submitted with a timestamp.txt",
    "bob": "the release untouched: no written answer",
    "cy": "a corrupt notebook",
}
ADA_TIMESTAMP = "2026-11-30 17:05:00.000000 UTC"
# What both formgrader tests grade by hand for ada (short_1 2.5, long_1 6 + 1 extra credit, the automatic
# test_answer_2 overridden to 2, short_2 left) as ``cnn2 export`` must show it: test -> columns
ADA_EXPORTED = {
    "short_1": {"status": "graded by hand", "points": "2.5"},
    "long_1": {"points": "7.0", "extra_credit": "1.0"},
    "test_answer_2": {"status": "graded by hand", "points": "2.0"},
    "short_2": {"status": "to grade by hand", "points": ""},
}


def exported_columns(course: Path, student: str, wanted: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The columns of ``wanted`` (test -> columns) in ``student``'s rows of ``cnn2 export`` in ``course``."""
    assert cnn2(course, "export", "-o", "grades.csv").returncode == 0
    with open(course / "grades.csv", newline="") as f:
        rows = {row["test"]: row for row in csv.DictReader(f) if row["student_id"] == student}
    return {test: {column: rows[test][column] for column in columns} for test, columns in wanted.items()}


def exam_practice_course(folder: Path) -> Path:
    """A course with 06-exam-practice released (``cnn2 release``) and the :data:`EXAM_SUBMISSIONS` in
    ``submitted/``, not graded yet. 06 has 16 automatic points (8 hidden multiple-choice tests) and 17
    written ones (short_1, short_2, short_3: 3 each; long_1: 8)."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / EXAM, folder / "solutions" / EXAM)
    run_nbgrader(folder, "generate_assignment", EXAM)
    release = folder / "exercises" / EXAM / f"{EXAM_NOTEBOOK}.ipynb"
    source = folder / "solutions" / EXAM / f"{EXAM_NOTEBOOK}.ipynb"
    ada = filled_release(release, source, {
        "answer_2": 'answer_2 = "b"',
        "short_1": "About 150 M weights (600 MB); locality and weight sharing fix it.",
        "long_1": "dL/dW1 = ((W2^T (sigma - t)) * 1[z > 0]) x^T",
    })
    notebooks = {"ada": ada, "bob": nbformat.read(release, as_version=4), "cy": '{"cells": ['}
    for student, notebook in notebooks.items():
        target = folder / "submitted" / student / EXAM
        target.mkdir(parents=True)
        if isinstance(notebook, str):
            (target / f"{EXAM_NOTEBOOK}.ipynb").write_text(notebook)
        else:
            nbformat.write(notebook, target / f"{EXAM_NOTEBOOK}.ipynb")
    (folder / "submitted" / "ada" / EXAM / "timestamp.txt").write_text(ADA_TIMESTAMP)
    return folder
