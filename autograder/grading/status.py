"""Where each assignment stands: collected, graded, ungradable, waiting to be (re)graded, by the
autograder or by a person, and who is behind each count."""
from __future__ import annotations

from nbgrader.api import Gradebook

from autograder.grading.course import Course
from autograder.grading.pipeline import plan_jobs
from autograder.grading.printable import shown
from autograder.grading.records import GRADED, create_table, verdict_records, waiting_for_a_person
from autograder.grading.table import format_table

HEADERS = ["assignment", "students submitted", "not submitted", "notebooks graded", "ungradable", "flagged",
           "to autograde", "cells to grade by hand", "students to grade by hand", "mean score"]


def status_rows(course: Course, gradebook: Gradebook, assignments: list[str]) -> list[list]:
    """One row per assignment, in the columns of :data:`HEADERS`. "to autograde" counts notebooks
    collected but not graded yet, or changed since they were graded: what the next ``cnn2 autograde``
    grades. "to grade by hand" counts the grade cells a person has to score in formgrader (written
    answers, every cell of a notebook that could not be graded) and their students. "mean score" is
    nbgrader's total (manual scores and extra credit included) out of the assignment's points, over
    the students whose notebooks were all graded automatically."""
    return [_assignment_status(course, gradebook, assignment)[0] for assignment in assignments]


def _assignment_status(course: Course, gradebook: Gradebook, assignment: str) -> tuple[list, list[str]]:
    """The assignment's row and the lines that name who is behind its counts."""
    create_table(gradebook)
    everyone = {s.id for s in gradebook.students}
    submitted = set(course.submitted_students(assignment))
    records = verdict_records(gradebook, assignment)
    graded = [r for r in records if r.status == GRADED]
    ungradable = [r for r in records if r.status != GRADED]
    max_score = gradebook.find_assignment(assignment).max_score
    fully_graded = {r.student for r in graded} - {r.student for r in ungradable}
    totals = [s.score for s in gradebook.assignment_submissions(assignment) if s.student.id in fully_graded]
    mean = sum(totals) / len(totals) if totals else None
    to_autograde = plan_jobs(course, gradebook, assignment)[0]
    waiting = waiting_for_a_person(gradebook, assignment)
    row = [assignment, len(submitted), len(everyone - submitted), len(graded), len(ungradable),
           sum(bool(r.details["flags"]) for r in records), len(to_autograde),
           sum(len(cells) for cells in waiting.values()), len(waiting),
           f"{mean:.2f} / {max_score:g}" if mean is not None else "-"]
    lines = []
    if ungradable:
        lines.append("ungradable: " + "; ".join(
            f"{shown(r.student)} ({r.notebook}: {shown(r.reason or '', 200)})" for r in ungradable))
    if everyone - submitted:
        lines.append("not submitted: " + ", ".join(shown(s) for s in sorted(everyone - submitted)))
    if to_autograde:
        students = sorted({job.key.student for job in to_autograde})
        lines.append("to autograde: " + ", ".join(shown(s) for s in students))
    if waiting:
        lines.append("to grade by hand (formgrader, Manual Grading): " + "; ".join(
            f"{shown(student)} ({_cells(cells)}: {sum(cell.max_score for _, cell in cells):g} points)"
            for student, cells in sorted(waiting.items())))
    return row, [f"{assignment}, {line}" for line in lines]


def _cells(cells: list) -> str:
    """The cells' names, or their number when there are many (a notebook that could not be graded)."""
    return ", ".join(cell.grade_id for _, cell in cells) if len(cells) <= 6 else f"{len(cells)} cells"


def status_table(course: Course, gradebook: Gradebook, assignments: list[str]) -> str:
    """The table, then a line per list of students behind a count (ungradable, not submitted, to
    autograde, to grade by hand)."""
    rows, lines = [], []
    for assignment in assignments:
        row, names = _assignment_status(course, gradebook, assignment)
        rows.append(row)
        lines += names
    return format_table(HEADERS, rows) + ("\n\n" + "\n".join(lines) if lines else "")
