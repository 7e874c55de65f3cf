"""Every assignment's nbgrader round trip, declared as data and graded once per test session.

A topic's ``tests/known_implementations/<topic>.py`` declares ``ROUND_TRIP``: the students graded besides
``alice`` (the solution) and ``bob`` (the untouched release), each a ``RoundTripStudent`` that says what
the student changed and what that must cost, cell by cell. tests/test_roundtrip_every_assignment.py
grades every declaring assignment once (:func:`graded_round_trip`, through the session fixture
``round_trip`` of tests/conftest.py) and checks the declarations, the export and the feedback; a topic's
own round-trip tests ask the same fixture for the same graded course.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

import known_implementations
from autograder.assignments import ASSIGNMENTS, Assignment
from grading import GradedCourse, grade, solution_submission, untouched_submission
from known_implementations import RoundTripStudent


def submission(student: RoundTripStudent):
    """What tests/grading.py's ``grade`` writes as ``student``'s notebook."""
    if student.text is not None:
        return student.text
    fill = solution_submission(student.replaced)

    def notebook(release: Path, source: Path) -> nbformat.NotebookNode:
        nb = fill(release, source)
        nb.cells = [cell for cell in nb.cells if cell.get("id") not in student.deleted_cells]
        return nb
    return notebook


def declared_students(assignment: Assignment) -> list[RoundTripStudent]:
    """The students ``ROUND_TRIP`` declares for ``assignment`` (empty when it declares none)."""
    return list(getattr(known_implementations.of(assignment), "ROUND_TRIP", ()))


ROUND_TRIPS = [assignment for assignment in ASSIGNMENTS if declared_students(assignment)]


def graded_round_trip(folder: Path, assignment: Assignment) -> GradedCourse:
    """nbgrader's whole round trip of ``assignment`` in ``folder``: alice, bob and the declared students."""
    submissions = {"alice": solution_submission(), "bob": untouched_submission}
    submissions.update({student.name: submission(student) for student in declared_students(assignment)})
    return grade(folder, assignment.slug, assignment.notebook, submissions)
