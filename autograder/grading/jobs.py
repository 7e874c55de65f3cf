"""What a grading worker is given and what it does with it. Kept free of nbgrader and the gradebook:
worker processes import this module, and should start fast."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: A grading function: (source notebook, submitted notebook, seed=...) -> NotebookVerdict (a dataclass).
GradeFunction = Callable[..., object]

# What a verdict may hold of text, which can quote the student's code: each string (a reason, a test's
# message, a flag) is cut to MAX_TEXT_CHARS characters, and the flags to MAX_FLAGS.
MAX_TEXT_CHARS = 1000
MAX_FLAGS = 10


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
    return bounded_verdict(dataclasses.asdict(grade(job.source, job.submission, seed=job.seed)))


def bounded_verdict(verdict: dict) -> dict:
    """``verdict`` (JSON-ready) with at most MAX_FLAGS flags, the last saying how many were left out,
    and each string cut to MAX_TEXT_CHARS characters, ending with "..." where it was cut."""
    flags = list(verdict["flags"])
    if len(flags) > MAX_FLAGS:
        flags = flags[:MAX_FLAGS - 1] + [f"... and {len(flags) - MAX_FLAGS + 1} more flags"]
    return map_strings(dict(verdict, flags=flags), _cut)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS - 3] + "..."


def map_strings(value: Any, function: Callable[[str], str]) -> Any:
    """``value`` (JSON-ready data: dicts, lists, strings, numbers) with ``function`` applied to each of
    its strings (dict keys excepted)."""
    if isinstance(value, str):
        return function(value)
    if isinstance(value, list):
        return [map_strings(v, function) for v in value]
    if isinstance(value, dict):
        return {k: map_strings(v, function) for k, v in value.items()}
    return value
