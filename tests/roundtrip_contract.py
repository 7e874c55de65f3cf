"""What every assignment's nbgrader round trip shows, written once.

A round-trip module whose ``course`` fixture grades the solution as ``alice`` and the untouched release as
``bob`` (tests/grading.py) runs these tests on it by subclassing: ``class TestRoundTripContract(RoundTripContract)``.
The maximum score and the hidden tests' seeds come from the registry (``autograder.assignments``), read
from the solution notebook; what the release holds is checked by tests/test_assignment_contracts.py.
"""
from __future__ import annotations

from autograder.assignments import BY_SLUG


class RoundTripContract:
    """Tests run on the module's ``course`` (a ``GradedCourse``); its typical mistakes stay in the module."""

    def test_the_solution_scores_the_maximum_and_the_untouched_release_nothing(self, course):
        max_score = BY_SLUG[course.assignment].max_score
        assert course.max_score() == max_score
        scores = course.scores()
        assert (scores["alice"], scores["bob"]) == (max_score, 0.0)

    def test_export_csv_matches_gradebook(self, course):
        rows = course.exported()
        for student, score in course.scores().items():
            assert float(rows[student]["raw_score"]) == score
            assert float(rows[student]["max_score"]) == course.max_score()

    def test_feedback_shows_the_score_and_hides_the_hidden_tests(self, course):
        assignment = BY_SLUG[course.assignment]
        seeds = [assignment.exercise(name).seed for name in assignment.exercises]
        for student in course.scores():
            html = course.feedback_html(student)
            assert "BEGIN HIDDEN TESTS" not in html
            assert not [seed for seed in seeds if f"seed={seed}" in html], student
        assert f"Score: {assignment.max_score} / {assignment.max_score}" in course.feedback_html("alice")
        assert f"Score: 0.0 / {assignment.max_score}" in course.feedback_html("bob")
