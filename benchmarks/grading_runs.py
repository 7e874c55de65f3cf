"""Runs of ``cnn2 autograde`` and stock ``nbgrader autograde`` on a throw-away course, timed and measured,
and the verdicts they record, checked against what each submission's kind expects (see
:mod:`benchmarks.grading_batch`)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.jobs import MAX_FLAGS, MAX_TEXT_CHARS
from autograder.nbgrader_app import run_nbgrader
from benchmarks.grading_batch import ASSIGNMENT, KINDS
from benchmarks.process_memory import GIB, PeakMemory, session_processes
from tests.notebook_code import ROOT

#: Issue 9: the peak memory of the whole ``cnn2 autograde -j 2`` (main process, workers, sandboxes).
MEMORY_TARGET = 2 * GIB
#: The exit statuses of a ``cnn2 autograde`` that finished (README: 0 done, 1 done with something to
#: look at).
DONE = (0, 1)


def cnn2(course: Path, *args: str, check: bool = False, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``cnn2 <args>`` (as ``python -m autograder.grading.cli``) in the course directory, its output
    captured as text; ``check``: raise when it fails."""
    result = subprocess.run([sys.executable, "-m", "autograder.grading.cli", *args], cwd=course,
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"cnn2 {' '.join(args)} exited with {result.returncode}:\n"
                           f"{result.stdout}\n{result.stderr}")
    return result


def released_course(folder: Path) -> Path:
    """A course directory with assignment 02 released (``cnn2 release``)."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    cnn2(folder, "release", ASSIGNMENT, check=True)
    return folder


def verdicts(course: Path) -> dict[str, tuple[str, float, str]]:
    """student -> (status, score, graded_at) of every recorded verdict."""
    with sqlite3.connect(course / "gradebook.db", timeout=30) as db:
        try:
            rows = db.execute("SELECT student, status, score, graded_at FROM cnn2_verdict").fetchall()
        except sqlite3.OperationalError:  # no verdict recorded yet: the table is created by the first run
            return {}
    return {student: (status, score, graded_at) for student, status, score, graded_at in rows}


def totals(course: Path) -> dict[str, float | None]:
    """student -> nbgrader's total score in the gradebook (None: ungradable, no automatic score)."""
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute("""SELECT student.id, sum(grade.auto_score), count(grade.auto_score) FROM grade
            JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
            JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
            JOIN student ON submitted_assignment.student_id = student.id GROUP BY student.id""").fetchall()
    return {student: (score if count else None) for student, score, count in rows}


def recorded_verdicts(course: Path) -> dict[str, dict]:
    """student -> the whole recorded verdict (cnn2_verdict.verdict, JSON)."""
    with sqlite3.connect(course / "gradebook.db", timeout=30) as db:
        rows = db.execute("SELECT student, verdict FROM cnn2_verdict").fetchall()
    return {student: json.loads(verdict) for student, verdict in rows}


def _unbounded_texts(verdict: dict) -> str | None:
    """What in a recorded verdict is past the bounds on texts (MAX_TEXT_CHARS each, MAX_FLAGS flags)."""
    texts = [verdict.get("reason") or "", *verdict["flags"], *(t["message"] for t in verdict["tests"])]
    longest = max(map(len, texts))
    if len(verdict["flags"]) > MAX_FLAGS or longest > MAX_TEXT_CHARS:
        return f"{len(verdict['flags'])} flags, a text of {longest} characters"
    return None


def mismatches(course: Path, students: dict[str, str]) -> list[str]:
    """Students whose verdict is not the one expected of their submission's kind: its total (or
    ungradable), texts within their bounds, and what the kind's own check looks for."""
    recorded, scores, details = verdicts(course), totals(course), recorded_verdicts(course)
    wrong = []
    for student, kind in sorted(students.items()):
        expected = KINDS[kind].expected
        status = recorded.get(student, ("none",))[0]
        got = scores.get(student)
        if (expected is None and status != "ungradable") or (expected is not None and got not in expected):
            wrong.append(f"{student} ({kind}): expected {expected or 'ungradable'}, got {status} {got}")
        elif student in details:
            check = KINDS[kind].check
            problem = _unbounded_texts(details[student]) or (check(details[student]) if check else None)
            if problem:
                wrong.append(f"{student} ({kind}): {problem}")
    return wrong


@dataclass
class MeasuredRun:
    """One ``cnn2 autograde`` run, timed and its process tree's memory sampled."""

    seconds: float
    returncode: int
    output: str
    peak_pss: int
    peak_rss: int

    def summary(self) -> tuple[int, ...]:
        """The summary table's row of the assignment: notebooks, already graded, graded now, ungradable
        now, flagged, grader errors."""
        row = next(line for line in self.output.splitlines() if line.startswith(ASSIGNMENT)).split()
        return tuple(map(int, row[1:7]))


def measured_autograde(course: Path, processes: int) -> MeasuredRun:
    """``cnn2 autograde -q -j processes`` to its end, with its wall time (start-up included) and the
    peak memory of its whole process tree (main process, workers, sandboxes)."""
    started = time.perf_counter()
    process = start_autograde(course, processes)
    with PeakMemory(process.pid) as peak:
        output, _ = process.communicate()
    run = MeasuredRun(time.perf_counter() - started, process.returncode, output, peak.peak_pss, peak.peak_rss)
    if run.returncode not in DONE:
        raise RuntimeError(f"cnn2 autograde exited with {run.returncode}:\n{output}")
    return run


def start_autograde(course: Path, processes: int) -> subprocess.Popen:
    """``cnn2 autograde`` in a session of its own (so that what it leaves behind can be found)."""
    command = [sys.executable, "-m", "autograder.grading.cli", "autograde", "-q", "-j", str(processes)]
    return subprocess.Popen(command, cwd=course, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def stop_after(process: subprocess.Popen, course: Path, recorded: int, how: signal.Signals,
               timeout: float = 600.0) -> list[str]:
    """Send ``how`` to the process once ``recorded`` verdicts are in the gradebook; wait for it to end.
    Returns the processes of its session still alive 20 s later (none, when nothing outlived it)."""
    deadline = time.monotonic() + timeout
    while len(verdicts(course)) < recorded and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is not None:
        raise RuntimeError(f"autograde ended before it could be stopped:\n{process.stdout.read()}")
    process.send_signal(how)
    process.wait(60)
    deadline = time.monotonic() + 20
    while session_processes(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = session_processes(process.pid)
    if left:
        os.killpg(process.pid, signal.SIGKILL)
    return left


def stock_autograde(course: Path) -> None:
    """``nbgrader autograde`` of the assignment (it exits 1 when a notebook could not be graded)."""
    run_nbgrader(course, "autograde", ASSIGNMENT, check=False)


def median_seconds(pristine: Path, work: Path, command: Callable[[Path], object], repeats: int) -> float:
    """Median wall time of ``command(course)`` over ``repeats`` runs, each on a fresh copy of ``pristine``."""
    times = []
    for _ in range(repeats):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(pristine, work)
        start = time.perf_counter()
        command(work)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
