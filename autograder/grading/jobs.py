"""What a grading worker is given and what it does with it. Kept free of nbgrader and the gradebook:
worker processes import this module, and should start fast."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: A grading function: (source notebook, submitted notebook, seed=...) -> NotebookVerdict (a dataclass).
GradeFunction = Callable[..., object]


@dataclass(frozen=True)
class SubmissionKey:
    """One submitted notebook: what a verdict is recorded under."""

    assignment: str
    student: str
    notebook: str


@dataclass(frozen=True)
class Job:
    """One submitted notebook to grade. ``submission`` is None when the student did not submit it."""

    key: SubmissionKey
    source: Path
    submission: Path | None
    sha256: str
    seed: int
    max_score: float
    flags: tuple[str, ...] = ()


def grade_job(grade: GradeFunction, job: Job) -> dict:
    """Run in a worker: grade one submitted notebook and return its verdict as a JSON-ready dict."""
    return dataclasses.asdict(grade(job.source, job.submission, seed=job.seed))
