"""Grades per student, assignment and test, as CSV: a real zero is told apart from "could not be graded".

One row per student of the gradebook, assignment, notebook and grade cell:

    student_id, assignment, notebook, test, points, max_points, status, reason, mistake, flags

``status`` is "graded"; "ungradable" (corrupt notebook, crash, timeout, missing notebook: ``reason``
says which, and ``points`` is empty unless a grader scored the cell by hand); "not graded yet"
(collected since the last autograde, or changed since it was graded); or "not submitted" (0 points).
``points`` come from nbgrader's gradebook, so a score a grader set in formgrader counts.
``mistake`` is the known mistake a failed test recognised; ``flags`` what the grader asks an instructor
to review (e.g. a solution cell importing torch). Text cells are neutralised against CSV injection
(see :func:`inert`); points are numbers and stay as they are.
"""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder.grading.collect import escaped
from autograder.grading.course import Course, file_sha256
from autograder.grading.records import GRADED, verdict_records

COLUMNS = ["student_id", "assignment", "notebook", "test", "points", "max_points", "status", "reason",
           "mistake", "flags"]
NOT_SUBMITTED, NOT_GRADED_YET = "not submitted", "not graded yet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def grade_rows(course: Course, gradebook: Gradebook, assignments: list[str]) -> list[dict]:
    """The export's rows (dicts keyed by :data:`COLUMNS`), sorted by student, assignment, notebook, test."""
    rows = []
    students = sorted(s.id for s in gradebook.students)
    for assignment in assignments:
        records = {(r.student, r.notebook): r for r in verdict_records(gradebook, assignment)}
        for notebook in gradebook.find_assignment(assignment).notebooks:
            cells = sorted((c.name, c.max_score) for c in notebook.grade_cells)
            for student in students:
                rows += _notebook_rows(course, gradebook, assignment, notebook.name, student, cells,
                                       records.get((student, notebook.name)))
    return sorted(rows, key=lambda r: (r["student_id"], r["assignment"], r["notebook"], r["test"]))


def _notebook_rows(course: Course, gradebook: Gradebook, assignment: str, notebook: str, student: str,
                   cells: list[tuple[str, float]], record) -> list[dict]:
    folder = course.submitted_folder(student, assignment)
    path = folder / f"{notebook}.ipynb"
    if record is None and not folder.is_dir():
        return [_row(student, assignment, notebook, name, 0.0, top, NOT_SUBMITTED) for name, top in cells]
    if record is None or (path.is_file() and file_sha256(path) != record.sha256):
        return [_row(student, assignment, notebook, name, "", top, NOT_GRADED_YET) for name, top in cells]
    details = record.details
    mistakes = {t["grade_id"]: t["mistake"] or "" for t in details["tests"]}
    scores = _scores(gradebook, assignment, notebook, student)
    return [_row(student, assignment, notebook, name, scores.get(name, ""), max_score, record.status,
                 record.reason or "", mistakes.get(name, "") if record.status == GRADED else "",
                 "; ".join(details["flags"]))
            for name, max_score in cells]


def _scores(gradebook: Gradebook, assignment: str, notebook: str, student: str) -> dict[str, float]:
    """grade_id -> score, for the grade cells that have an automatic or a manual score."""
    try:
        grades = gradebook.find_submission_notebook(notebook, assignment, student).grades
    except MissingEntry:
        return {}
    return {g.name: g.score for g in grades if g.auto_score is not None or g.manual_score is not None}


def _row(student, assignment, notebook, test, points, max_points, status, reason="", mistake="", flags="") -> dict:
    return dict(zip(COLUMNS, [student, assignment, notebook, test, points, max_points, status, reason,
                              mistake, flags]))


def write_csv(rows: list[dict], path: Path) -> None:
    """The rows as CSV, each text cell made :func:`inert`."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: inert(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows)


def inert(text: str) -> str:
    """A text cell no spreadsheet evaluates and no terminal interprets: a leading ``= + - @``, tab or CR
    gets a ``'`` in front (OWASP's rule against CSV injection), control characters are escaped."""
    return "'" + escaped(text) if text[:1] in FORMULA_STARTS else escaped(text)
