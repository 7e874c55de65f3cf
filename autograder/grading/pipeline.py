"""Autograde: every collected submission graded in parallel, each verdict committed as it arrives.

The plan: one job per (assignment, student, notebook) whose file is not yet graded under its current
SHA-256 (all of them with ``force``). Worker processes grade (``verdict.grade_notebook``: the student's
code in a sandbox, the score from a pristine grader) and send back plain verdicts; only this process
writes to the gradebook, one transaction per verdict (:func:`records.record_verdict`). A run killed at
any point and started again therefore resumes: what was committed is skipped, what was not is graded,
and a submission that changed since it was graded is graded again.
"""
from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass, field

from nbgrader.api import Gradebook

from autograder.grading.autograded import autograded_notebook, write_notebook
from autograder.grading.course import Course, file_sha256, student_seed
from autograder.grading.jobs import GradeFunction, Job, SubmissionKey, grade_job
from autograder.grading.records import (
    GRADED,
    UNGRADABLE,
    create_table,
    graded_hashes,
    record_verdict,
    waiting_for_a_person,
)
from autograder.grading.table import format_table
from autograder.grading.workers import WORKER_MEMORY_BYTES, GradingPool, Outcome, ProgressBar

MISSING = "missing"  # the "hash" recorded for a notebook that was not submitted


@dataclass
class Tally:
    """What one run did for one assignment."""

    assignment: str
    submissions: int = 0
    up_to_date: int = 0
    graded: int = 0
    ungradable: int = 0
    flagged: int = 0
    errors: int = 0
    scores: list[float] = field(default_factory=list)
    max_score: float = 0.0
    cells_by_hand: int = 0  # after the run: grade cells a person has to score (written answers, ungradable)
    students_by_hand: int = 0


@dataclass
class AutogradeRun:
    tallies: list[Tally]
    seconds: float
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return sum(t.graded + t.ungradable for t in self.tallies)


def plan_jobs(course: Course, gradebook: Gradebook, assignment: str, *,
              force: bool = False) -> tuple[list[Job], int]:
    """The jobs of one assignment and how many notebooks are already graded under their current hash.

    A notebook missing from a student's folder is a job without a file, unless the folder holds exactly
    one unexpected ``.ipynb`` and exactly one notebook is missing: that file is graded in its place and
    flagged "renamed notebook".
    """
    recorded = graded_hashes(gradebook, assignment)
    max_scores = {nb.name: nb.max_score for nb in gradebook.find_assignment(assignment).notebooks}
    expected = sorted(max_scores)
    jobs, up_to_date = [], 0
    for student in course.submitted_students(assignment):
        folder = course.submitted_folder(student, assignment)
        files = {p.stem: p for p in folder.glob("*.ipynb") if p.is_file()}
        missing = [nb for nb in expected if nb not in files]
        extra = sorted(set(files) - set(expected))
        renamed = {missing[0]: files[extra[0]]} if len(missing) == 1 and len(extra) == 1 else {}
        for notebook in expected:
            key = SubmissionKey(assignment, student, notebook)
            path = files.get(notebook) or renamed.get(notebook)
            sha = file_sha256(path) if path else MISSING
            if recorded.get(key) == sha and not force:
                up_to_date += 1
                continue
            flags = (f"renamed notebook: submitted as {path.name}",) if notebook in renamed else ()
            jobs.append(Job(key, course.source_notebook(assignment, notebook), path, sha,
                            student_seed(course.directory.course_id, assignment, student),
                            max_scores[notebook], flags))
    return jobs, up_to_date


def default_grade_function() -> GradeFunction:
    from autograder.grading.verdict import grade_notebook  # imported where it is used: it loads torch
    return grade_notebook


def autograde(course: Course, assignments: list[str], *, processes: int | None = None, force: bool = False,
              grade: GradeFunction | None = None, job_timeout: float = 600.0,
              worker_memory_bytes: int = WORKER_MEMORY_BYTES, progress: bool = True) -> AutogradeRun:
    """Grade every submission of ``assignments`` not yet graded (all with ``force``) with ``processes``
    worker processes (default: the number of cores) and record each verdict in the gradebook.

    ``grade`` is the grading function (default ``verdict.grade_notebook``), called in the worker
    processes with ``(source notebook, submitted notebook, seed=...)``. A job whose worker dies, runs
    past ``job_timeout`` seconds or out of its ``worker_memory_bytes`` (see :mod:`workers`), or whose
    verdict the gradebook refuses, is recorded as ungradable with the reason; one whose grading function
    raises is not recorded (a grader fault: the next run tries again) and is listed in ``errors``.
    Ctrl-C or SIGTERM (as KeyboardInterrupt) stop the run with what was committed kept.
    """
    start = time.monotonic()
    grade = grade or default_grade_function()
    processes = processes or os.cpu_count() or 1
    run = AutogradeRun([], 0.0)
    with course.gradebook() as gradebook:
        create_table(gradebook)
        jobs: list[Job] = []
        for assignment in assignments:
            assignment_jobs, up_to_date = plan_jobs(course, gradebook, assignment, force=force)
            run.tallies.append(Tally(assignment, submissions=len(assignment_jobs) + up_to_date,
                                     up_to_date=up_to_date))
            jobs += assignment_jobs
        tallies = {t.assignment: t for t in run.tallies}
        unsubmitted = [job for job in jobs if job.submission is None]
        bar = ProgressBar(total=len(jobs), unit="notebook", desc="autograde", disable=not progress)

        def show_progress(job: Job, text: str) -> None:  # how far the worker got in one notebook
            bar.set_postfix_str(f"{job.key.student} / {job.key.notebook}: {text}", refresh=True)
        try:
            for job in unsubmitted:
                verdict = ungradable(job, f"missing: no {job.key.notebook}.ipynb in the submission", 0.0)
                _record(course, gradebook, job, verdict, tallies[job.key.assignment], bar)
            with GradingPool(functools.partial(grade_job, grade), processes, job_timeout,
                             worker_memory_bytes) as pool:
                for outcome in pool.run([job for job in jobs if job.submission is not None], show_progress):
                    _take(course, gradebook, outcome, tallies[outcome.job.key.assignment], run, bar)
        except KeyboardInterrupt:
            run.interrupted = True
        finally:
            bar.close()
        if not run.interrupted:
            for tally in run.tallies:
                waiting = waiting_for_a_person(gradebook, tally.assignment)
                tally.cells_by_hand, tally.students_by_hand = sum(map(len, waiting.values())), len(waiting)
    run.seconds = time.monotonic() - start
    return run


def ungradable(job: Job, reason: str, seconds: float) -> dict:
    """The verdict on a notebook that could not be graded, in the ``NotebookVerdict`` JSON form."""
    return {"status": UNGRADABLE, "reason": reason, "tests": [], "flags": list(job.flags),
            "score": 0.0, "max_score": job.max_score, "seconds": seconds}


def _take(course: Course, gradebook: Gradebook, outcome: Outcome, tally: Tally, run: AutogradeRun,
          bar: ProgressBar) -> None:
    job = outcome.job
    if outcome.kind == "error":
        tally.errors += 1
        run.errors.append(f"{job.key.assignment} / {job.key.student} / {job.key.notebook}: {outcome.failure}")
        bar.write(f"not recorded, {run.errors[-1]}")
        bar.update()
        return
    if outcome.failure is not None:
        verdict = ungradable(job, outcome.failure, outcome.seconds)
    else:
        verdict = dict(outcome.result, flags=list(outcome.result["flags"]) + list(job.flags))
    try:
        _record(course, gradebook, job, verdict, tally, bar)
    except Exception as error:  # e.g. the database refused the row: this submission's verdict says so
        reason = f"not recordable: the gradebook refused the verdict ({type(error).__name__})"
        _record(course, gradebook, job, ungradable(job, reason, outcome.seconds), tally, bar)


def _record(course: Course, gradebook: Gradebook, job: Job, verdict: dict, tally: Tally,
            bar: ProgressBar) -> None:
    """Commit the verdict with what nbgrader's autograde would leave for formgrader: the autograded
    notebook is written first (a crash before the commit only means it is graded and written again)."""
    key = job.key
    notebook = autograded_notebook(key, job.submission, job.source,
                                   course.release_notebook(key.assignment, key.notebook), course.db_url, verdict,
                                   course.directory.config)
    write_notebook(notebook.notebook, course.autograded_folder(key.student, key.assignment) / f"{key.notebook}.ipynb")
    record_verdict(gradebook, key, job.sha256, verdict, notebook,
                   course.submitted_timestamp(key.student, key.assignment))
    if verdict["status"] == GRADED:
        tally.graded += 1
        tally.scores.append(verdict["score"])
    else:
        tally.ungradable += 1
    tally.flagged += bool(verdict["flags"])
    tally.max_score = max(tally.max_score, verdict["max_score"])
    bar.update()


def summary_table(run: AutogradeRun) -> str:
    """One row per assignment: what this run graded, what was already graded, what could not be."""
    rows = [[t.assignment, t.submissions, t.up_to_date, t.graded, t.ungradable, t.flagged, t.errors,
             f"{sum(t.scores) / len(t.scores):.2f} / {t.max_score:g}" if t.scores else "-",
             f"{t.cells_by_hand} cells of {t.students_by_hand} students"] for t in run.tallies]
    headers = ["assignment", "notebooks", "already graded", "graded now", "ungradable now", "flagged",
               "grader errors", "mean automatic score (graded now)", "to grade by hand"]
    rate = 60 * run.finished / run.seconds if run.seconds > 0 else 0.0
    state = "interrupted: run again to resume" if run.interrupted else "done"
    by_hand = ("; grade the cells left by hand in formgrader (Manual Grading), `cnn2 status` names them"
               if any(t.cells_by_hand for t in run.tallies) else "")
    return (format_table(headers, rows) +
            f"\n{run.finished} notebooks in {run.seconds:.1f} s ({rate:.1f} per minute), {state}{by_hand}")
