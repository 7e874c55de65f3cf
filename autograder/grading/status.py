"""Where each assignment stands: collected, graded, ungradable, waiting to be (re)graded."""
from __future__ import annotations

from nbgrader.api import Gradebook

from autograder.grading.course import Course
from autograder.grading.pipeline import plan_jobs
from autograder.grading.records import GRADED, create_table, verdict_records
from autograder.grading.table import format_table

HEADERS = ["assignment", "students submitted", "not submitted", "notebooks graded", "ungradable", "flagged",
           "to grade", "mean score"]


def status_rows(course: Course, gradebook: Gradebook, assignments: list[str]) -> list[list]:
    """One row per assignment, in the columns of :data:`HEADERS`. "to grade" counts notebooks collected
    but not graded yet, or changed since they were graded: what the next ``cnn2 autograde`` grades.
    "mean score" is nbgrader's total (manual scores included) over the students whose notebooks were
    all graded."""
    create_table(gradebook)
    everyone = {s.id for s in gradebook.students}
    rows = []
    for assignment in assignments:
        submitted = set(course.submitted_students(assignment))
        records = verdict_records(gradebook, assignment)
        graded = [r for r in records if r.status == GRADED]
        max_score = gradebook.find_assignment(assignment).max_score
        fully_graded = {r.student for r in graded} - {r.student for r in records if r.status != GRADED}
        totals = [s.score for s in gradebook.assignment_submissions(assignment) if s.student.id in fully_graded]
        mean = sum(totals) / len(totals) if totals else None
        to_grade = len(plan_jobs(course, gradebook, assignment)[0])
        rows.append([assignment, len(submitted), len(everyone - submitted), len(graded),
                     len(records) - len(graded), sum(bool(r.details["flags"]) for r in records), to_grade,
                     f"{mean:.2f} / {max_score:g}" if mean is not None else "-"])
    return rows


def status_table(course: Course, gradebook: Gradebook, assignments: list[str]) -> str:
    return format_table(HEADERS, status_rows(course, gradebook, assignments))
