"""Verdicts in nbgrader's gradebook: the scores in nbgrader's own tables, the details beside them.

nbgrader's schema has a score per grade cell (``grade.auto_score``) but nowhere to say *why*: whether a
notebook could not be graded and for what reason, the plain-words message of each test, the hint for a
known mistake, the flags for review. Those go into one extra table of the same database,
``cnn2_verdict``: a row per (assignment, student, notebook) holding the SHA-256 of the file that was
graded, the status, the reason and the whole verdict as JSON. nbgrader ignores tables it does not know,
so its formgrader, ``nbgrader export`` and database upgrades keep working.

A verdict's grades and its row are committed in one transaction: after a crash either both are there or
neither, which is what lets an interrupted run resume without losing or repeating anything.

Texts are recorded printable and short: a message or reason may quote the student's code, whose
control characters (terminal escape sequences, bidirectional overrides) would otherwise reach the
terminal, the CSV export and the feedback of whoever reads them, and whose megabytes of text would
swell the gradebook and the export (each text is cut to ``jobs.MAX_TEXT_CHARS`` characters, the flags
to ``jobs.MAX_FLAGS``).
"""
from __future__ import annotations

import datetime
import json
import math
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import Column, DateTime, Float, String, Text, select
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import declarative_base

from autograder.grading.autograded import Autograded
from autograder.grading.jobs import SubmissionKey, bounded_verdict, map_strings

Base = declarative_base()

GRADED = "graded"
UNGRADABLE = "ungradable"


class VerdictRecord(Base):
    """The verdict on one submitted notebook, beside nbgrader's tables.

    ``verdict`` is the JSON of the whole verdict: status, reason, tests (grade_id, points, max_points,
    passed, message, mistake, hint), flags, score, max_score, seconds.
    """

    __tablename__ = "cnn2_verdict"

    assignment = Column(String(128), primary_key=True)
    student = Column(String(128), primary_key=True)
    notebook = Column(String(128), primary_key=True)
    sha256 = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False)
    reason = Column(Text)
    score = Column(Float, nullable=False)
    max_score = Column(Float, nullable=False)
    verdict = Column(Text, nullable=False)
    graded_at = Column(DateTime, nullable=False)

    @property
    def details(self) -> dict:
        return json.loads(self.verdict)


def create_table(gradebook: Gradebook) -> None:
    """Add the ``cnn2_verdict`` table to the gradebook's database if it is not there yet."""
    Base.metadata.create_all(bind=gradebook.engine)


def graded_hashes(gradebook: Gradebook, assignment: str) -> dict[SubmissionKey, str]:
    """The SHA-256 of the file each recorded verdict of ``assignment`` was given on."""
    rows = gradebook.db.execute(select(VerdictRecord.student, VerdictRecord.notebook, VerdictRecord.sha256)
                                .where(VerdictRecord.assignment == assignment))
    return {SubmissionKey(assignment, student, notebook): sha for student, notebook, sha in rows}


def verdict_records(gradebook: Gradebook, assignment: str | None = None) -> list[VerdictRecord]:
    """Recorded verdicts (of one assignment, or all), sorted by assignment, student and notebook."""
    query = select(VerdictRecord).order_by(VerdictRecord.assignment, VerdictRecord.student, VerdictRecord.notebook)
    if assignment is not None:
        query = query.where(VerdictRecord.assignment == assignment)
    return list(gradebook.db.scalars(query))


REPLACEMENT = "\ufffd"


def printable(value: Any) -> Any:
    """``value`` (a verdict's JSON-ready data) with each control or format character of its strings,
    other than a newline or tab, replaced by U+FFFD."""
    return map_strings(value, _printable_text)


def _printable_text(text: str) -> str:
    return "".join(REPLACEMENT if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t" else c
                   for c in text)


def record_verdict(gradebook: Gradebook, key: SubmissionKey, sha256: str, verdict: dict,
                   autograded: Autograded | None = None, timestamp: datetime.datetime | None = None) -> None:
    """Write a verdict (the JSON-ready dict of a ``NotebookVerdict``) into the gradebook and commit.

    Each test's points become the ``auto_score`` of the grade cell with its ``grade_id``. An ungradable
    notebook gets no automatic score (NULL, as nbgrader leaves a notebook it could not run) and so
    ``needs_manual_grade``; so does a cell a human already scored, as nbgrader does. A grade cell no
    test covers (a manually graded answer) gets what nbgrader's ``SaveAutoGrades`` gives it from the
    ``autograded`` notebook (0 when left as released, else NULL: a person grades it), and the solution
    cells its "No response." comments. ``timestamp`` is the submission's (``timestamp.txt``), which
    formgrader compares with the submitted folder's. A manual score is never overwritten. On an error
    (the database refused the row, or a score is NaN or infinite) nothing of the verdict is kept and the
    error is raised.
    """
    verdict = printable(bounded_verdict(verdict))
    autograded = autograded or Autograded(None)
    numbers = [verdict["score"], verdict["max_score"]] + [
        t[key] for t in verdict["tests"] for key in ("points", "max_points")]
    if not all(isinstance(n, (int, float)) and math.isfinite(n) for n in numbers):
        raise ValueError("a score of the verdict is not a finite number")  # SQLite would refuse it, PostgreSQL not
    try:
        _ensure_submission(gradebook, key)
        gradebook.find_submission(key.assignment, key.student).timestamp = timestamp
        points = {t["grade_id"]: t["points"] for t in verdict["tests"]} if verdict["status"] == GRADED else {}
        submitted = gradebook.find_submission_notebook(key.notebook, key.assignment, key.student)
        for grade in submitted.grades:
            grade.auto_score = points.get(grade.name, autograded.auto_scores.get(grade.name))
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        for comment in submitted.comments:
            comment.auto_comment = autograded.auto_comments.get(comment.name)
        row = gradebook.db.get(VerdictRecord, (key.assignment, key.student, key.notebook)) or VerdictRecord(
            assignment=key.assignment, student=key.student, notebook=key.notebook)
        row.sha256 = sha256
        row.status = verdict["status"]
        row.reason = verdict["reason"]
        row.score = verdict["score"]
        row.max_score = verdict["max_score"]
        row.verdict = json.dumps(verdict)
        row.graded_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        gradebook.db.add(row)
        gradebook.db.commit()
    except Exception:
        gradebook.db.rollback()
        raise


def _ensure_submission(gradebook: Gradebook, key: SubmissionKey) -> None:
    """The student and the submission rows nbgrader needs before grades can be set (each commits)."""
    try:
        gradebook.find_student(key.student)
    except MissingEntry:
        gradebook.add_student(key.student)
    try:
        gradebook.find_submission(key.assignment, key.student)
    except MissingEntry:
        with warnings.catch_warnings():  # nbgrader 0.9.6 builds the rows in an order SQLAlchemy 2 warns about
            warnings.simplefilter("ignore", SAWarning)
            gradebook.add_submission(key.assignment, key.student)


@dataclass(frozen=True)
class CellGrade:
    """One grade cell of a submitted notebook as nbgrader's gradebook holds it (formgrader writes the
    manual score, extra credit and comment)."""

    grade_id: str
    max_score: float
    auto_score: float | None
    manual_score: float | None
    extra_credit: float | None
    needs_manual_grade: bool
    comment: str  # the grader's comment for the student, or ""

    @property
    def score(self) -> float | None:
        """nbgrader's score (a manual score wins over the automatic one), extra credit included; None
        when neither is set."""
        base = self.manual_score if self.manual_score is not None else self.auto_score
        return None if base is None else base + (self.extra_credit or 0.0)

    @property
    def by_hand(self) -> bool:
        return self.manual_score is not None

    @property
    def waiting(self) -> bool:
        """A person has to grade it: no score a grader gave, and nbgrader says it needs one (a written
        answer, or any cell of a notebook that could not be graded)."""
        return self.needs_manual_grade and self.manual_score is None


def cell_grades(gradebook: Gradebook, assignment: str, student: str, notebook: str) -> dict[str, CellGrade]:
    """grade_id -> :class:`CellGrade` of one submitted notebook; empty when it is not in the gradebook."""
    try:
        submitted = gradebook.find_submission_notebook(notebook, assignment, student)
    except MissingEntry:
        return {}
    comments = {c.name: _printable_text(c.manual_comment or "") for c in submitted.comments}
    return {g.name: CellGrade(g.name, g.max_score, g.auto_score, g.manual_score, g.extra_credit,
                              g.needs_manual_grade, comments.get(g.name, ""))
            for g in submitted.grades}


def waiting_for_a_person(gradebook: Gradebook, assignment: str) -> dict[str, list[tuple[str, CellGrade]]]:
    """student -> (notebook, cell) of each grade cell a person has to grade (:attr:`CellGrade.waiting`),
    for the submissions of ``assignment`` in the gradebook; students with none are left out."""
    waiting: dict[str, list[tuple[str, CellGrade]]] = {}
    for submission in gradebook.assignment_submissions(assignment):
        for notebook in submission.notebooks:
            for cell in cell_grades(gradebook, assignment, submission.student.id, notebook.name).values():
                if cell.waiting:
                    waiting.setdefault(submission.student.id, []).append((notebook.name, cell))
    return waiting
