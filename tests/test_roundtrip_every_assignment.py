"""The nbgrader round trip of every assignment that declares one (``ROUND_TRIP`` in
tests/known_implementations/<topic>.py, see tests/round_trips.py), in a temporary course directory:
generate_assignment, autograde, generate_feedback and export, with exact scores cell by cell.

``alice`` submits the solution, ``bob`` the untouched release; each declared student's typical mistakes
must cost exactly the cells the declaration names, and their feedback must name the mistakes.
"""
from __future__ import annotations

import pytest

from autograder.hints import HINTS
from round_trips import ROUND_TRIPS, declared_students

STUDENTS = [pytest.param(assignment, student, id=f"{assignment.slug}-{student.name}")
            for assignment in ROUND_TRIPS for student in declared_students(assignment)]
GRADABLE = [param for param in STUDENTS if param.values[1].text is None]
UNGRADABLE = [param for param in STUDENTS if param.values[1].text is not None]
EVERY_ROUND_TRIP = pytest.mark.parametrize("assignment", ROUND_TRIPS, ids=lambda assignment: assignment.slug)


@EVERY_ROUND_TRIP
def test_the_solution_scores_the_maximum_and_the_untouched_release_nothing(round_trip, assignment):
    course = round_trip(assignment)
    assert course.max_score() == assignment.max_score
    scores = course.scores()
    assert (scores["alice"], scores["bob"]) == (assignment.max_score, 0.0)


@EVERY_ROUND_TRIP
def test_export_matches_the_gradebook(round_trip, assignment):
    course = round_trip(assignment)
    rows = course.exported()
    assert set(rows) == set(course.scores())
    for student, score in course.scores().items():
        assert float(rows[student]["raw_score"]) == score
        assert float(rows[student]["max_score"]) == assignment.max_score


@EVERY_ROUND_TRIP
def test_feedback_shows_the_score_and_hides_the_hidden_tests(round_trip, assignment):
    course = round_trip(assignment)
    seeds = [assignment.exercise(name).seed for name in assignment.exercises]
    ungradable = {student.name for student in declared_students(assignment) if student.text is not None}
    for student in set(course.scores()) - ungradable:
        html = course.feedback_html(student)
        assert "BEGIN HIDDEN TESTS" not in html
        assert not [seed for seed in seeds if f"seed={seed}" in html], student
    assert f"Score: {assignment.max_score} / {assignment.max_score}" in course.feedback_html("alice")
    assert f"Score: 0.0 / {assignment.max_score}" in course.feedback_html("bob")


@pytest.mark.parametrize("assignment, student", GRADABLE)
def test_typical_mistakes_cost_exactly_the_declared_cells(round_trip, assignment, student):
    course = round_trip(assignment)
    full_points = course.cell_scores("alice")  # the solution's cells: each at its full points
    assert set(student.cells) <= set(full_points), "a declared cell is not a graded cell of the notebook"
    assert course.cell_scores(student.name) == {cell: student.cells.get(cell, points)
                                                for cell, points in full_points.items()}
    assert course.scores()[student.name] == student.score


@pytest.mark.parametrize("assignment, student", GRADABLE)
def test_feedback_names_the_mistakes(round_trip, assignment, student):
    html = round_trip(assignment).feedback_html(student.name)
    for mistake in student.mistakes:
        assert mistake in HINTS and f"Likely mistake: {mistake}." in html, mistake
    for message in student.messages:
        assert message in html, message


@pytest.mark.parametrize("assignment, student", UNGRADABLE)
def test_an_ungradable_notebook_is_reported_and_the_others_are_graded(round_trip, assignment, student):
    course = round_trip(assignment)
    assert course.autograde.returncode != 0
    assert student.name in course.autograde.stdout + course.autograde.stderr
    # nbgrader records the submission with no automatic score at all (a real zero has 0.0 in every cell):
    # the export shows 0.0 for both, only the gradebook tells "could not be graded" apart.
    assert set(course.cell_scores(student.name).values()) == {None}
    assert course.scores()[student.name] == student.score == 0.0
    assert (course.root / "autograded" / "alice").exists()
    assert not (course.root / "autograded" / student.name).exists()
