"""Grades as CSV: one row per test (a real zero told apart from "could not be graded"), or one row per
student with a total per assignment in the shape an LMS gradebook imports.

**Per test** (:func:`grade_rows`): one row per student of the gradebook, assignment, notebook and grade cell:

    student_id, assignment, notebook, test, points, max_points, status, reason, mistake, flags, extra_credit

``status`` is "graded" (by the autograder); "graded by hand" (a grader's score in formgrader, which
overrides the automatic one); "to grade by hand" (a written answer, or any cell a person still has to
score: ``points`` empty); "ungradable" (corrupt notebook, crash, timeout, missing notebook: ``reason``
says which, ``points`` empty until a grader scores the cell); "not graded yet" (collected since the
last autograde, or changed since it was graded); or "not submitted" (0 points). ``points`` come from
nbgrader's gradebook, extra credit included (``extra_credit`` says how much of it is). ``mistake`` is
the known mistake a failed test recognised; ``flags`` what the grader asks an instructor to review
(e.g. a solution cell importing torch).

**Totals** (:func:`total_rows`, ``cnn2 export --totals``): one row per student, one column per
assignment holding nbgrader's total (manual scores and extra credit included), empty where something
is still to grade (autograde, by hand, or an ungradable notebook not scored by hand) so that an import
never records a partial score as final; 0 for an assignment not submitted. Formats (``--format``):

- ``canvas``: Canvas's gradebook import: ``Student`` ("Last, First"), ``ID`` (the Canvas user id, the
  roster's ``lms_user_id``), ``SIS User ID`` (the student id), ``SIS Login ID``, ``Section``, then one
  column per assignment, and a "Points Possible" row first. Canvas matches a column to an existing
  assignment by its "name (Canvas id)" header; a plain name makes a new assignment on import;
- ``moodle``: Moodle's "Import grades from CSV": ``ID number`` (the student id), ``Email address``,
  ``First name``, ``Last name``, then one column per assignment (mapped to grade items on import);
- ``plain``: ``student_id``, names, ``email``, ``lms_user_id``, per assignment its total, then ``total``
  and ``max_score``, and ``still_to_grade`` (which assignments have an empty cell, and why).

Text cells are neutralised against CSV injection (see :func:`inert`); points are numbers and stay as
they are.
"""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.grading.course import Course, file_sha256
from autograder.grading.printable import escaped
from autograder.grading.records import GRADED, cell_grades, verdict_records

COLUMNS = ["student_id", "assignment", "notebook", "test", "points", "max_points", "status", "reason",
           "mistake", "flags", "extra_credit"]
NOT_SUBMITTED, NOT_GRADED_YET = "not submitted", "not graded yet"
BY_HAND, TO_GRADE_BY_HAND = "graded by hand", "to grade by hand"
TOTALS_FORMATS = ("plain", "canvas", "moodle")
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
    grades = cell_grades(gradebook, assignment, student, notebook)
    rows = []
    for name, max_score in cells:
        cell = grades.get(name)
        status, points = record.status, ""
        if cell is not None and cell.by_hand:
            status, points = BY_HAND, cell.score
        elif cell is not None and cell.waiting:
            status = TO_GRADE_BY_HAND if record.status == GRADED else record.status
        elif cell is not None and cell.score is not None:
            points = cell.score
        rows.append(_row(student, assignment, notebook, name, points, max_score, status, record.reason or "",
                         mistakes.get(name, "") if record.status == GRADED else "", "; ".join(details["flags"]),
                         cell.extra_credit if cell is not None and cell.extra_credit is not None else ""))
    return rows


def _row(student, assignment, notebook, test, points, max_points, status, reason="", mistake="", flags="",
         extra_credit="") -> dict:
    return dict(zip(COLUMNS, [student, assignment, notebook, test, points, max_points, status, reason,
                              mistake, flags, extra_credit]))


def write_csv(rows: list[dict], path: Path, columns: list[str] | None = None) -> None:
    """The rows as CSV (in ``columns``, default :data:`COLUMNS`), each text cell made :func:`inert`."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns or COLUMNS)
        writer.writeheader()
        writer.writerows({k: inert(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows)


def inert(text: str) -> str:
    """A text cell no spreadsheet evaluates and no terminal interprets: a leading ``= + - @``, tab or CR
    gets a ``'`` in front (OWASP's rule against CSV injection), control characters are escaped."""
    return "'" + escaped(text) if text[:1] in FORMULA_STARTS else escaped(text)


def total_rows(per_test: list[dict], gradebook: Gradebook, assignments: list[str],
               fmt: str = "plain") -> tuple[list[str], list[dict]]:
    """The totals view of the per-test rows ``per_test`` (see the module docstring): its columns and its
    rows, one per student of the gradebook sorted by id (after Canvas's "Points Possible" row)."""
    max_scores = {a: gradebook.find_assignment(a).max_score for a in assignments}
    by_student: dict[str, dict[str, list[dict]]] = {}
    for row in per_test:
        by_student.setdefault(row["student_id"], {}).setdefault(row["assignment"], []).append(row)
    rows = []
    for student in sorted(gradebook.students, key=lambda s: s.id):
        totals, why_empty = {}, []
        for assignment in assignments:
            totals[assignment], why = _total(by_student.get(student.id, {}).get(assignment, []))
            if why:
                why_empty.append(f"{assignment}: {why}")
        rows.append(_total_row(fmt, student, totals, why_empty, max_scores))
    columns = list(_total_row(fmt, None, {a: "" for a in assignments}, [], max_scores))
    if fmt == "canvas":
        rows.insert(0, {**{c: "" for c in columns}, "Student": "Points Possible", **max_scores})
    return columns, rows


def _total(rows: list[dict]) -> tuple[float | str, str]:
    """An assignment's total from its per-test rows, or "" and why it is not final yet."""
    statuses = {row["status"] for row in rows}
    if statuses <= {NOT_SUBMITTED}:
        return 0.0, ""
    waiting = [what for status, what in [(NOT_GRADED_YET, "not autograded yet"), (TO_GRADE_BY_HAND, "to grade by hand"),
                                         ("ungradable", "ungradable, not scored by hand")] if status in statuses]
    if waiting:
        return "", ", ".join(waiting)
    return float(sum(row["points"] for row in rows if row["points"] != "")), ""


def _total_row(fmt: str, student, totals: dict, why_empty: list[str], max_scores: dict) -> dict:
    """One student's row of the totals view; ``student`` None gives the columns."""
    sid, first, last, email, lms = ((student.id, student.first_name or "", student.last_name or "",
                                     student.email or "", student.lms_user_id or "") if student else [""] * 5)
    if fmt == "canvas":
        name = f"{last}, {first}" if last and first else (last or first or sid)
        return {"Student": name, "ID": lms, "SIS User ID": sid, "SIS Login ID": "", "Section": "", **totals}
    if fmt == "moodle":
        return {"ID number": sid, "Email address": email, "First name": first, "Last name": last, **totals}
    final = all(value != "" for value in totals.values())
    return {"student_id": sid, "first_name": first, "last_name": last, "email": email, "lms_user_id": lms,
            **totals, "total": sum(totals.values()) if final else "", "max_score": sum(max_scores.values()),
            "still_to_grade": "; ".join(why_empty)}
