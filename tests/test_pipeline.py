"""The autograde pipeline's mechanics (parallel workers, gradebook records, resume, exactly once), with
a test double standing in for the sandboxed grader: ``fake_grade`` scores a test cell when the submission
contains ``pass:<grade_id>``, and can be told to sleep, crash, raise, hang, exhaust its memory, flag
megabytes of text or give a verdict the gradebook refuses. Every test runs on a SQLite gradebook and on a
PostgreSQL one (Debian's PostgreSQL, started by the tests on a local socket: tests/postgres.py). End-to-end
runs with the real grader are in test_cli.py and test_load.py."""
from __future__ import annotations

import functools
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from sqlalchemy import create_engine, text

from autograder.grading.course import Course
from autograder.grading.jobs import MAX_FLAGS, MAX_TEXT_CHARS
from autograder.grading.pipeline import autograde, summary_table
from autograder.grading.records import cell_grades, verdict_records
from autograder.grading.verdict import NotebookVerdict, TestVerdict
from autograder.grading.workers import OUT_OF_MEMORY_REASON
from benchmarks.grading_runs import cnn2
from benchmarks.process_memory import session_processes
from notebook_code import ROOT
from postgres import PostgresServer

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy"
MAX_SCORE = 21.0
TESTS = ["test_softmax", "test_softmax_hidden", "test_one_hot", "test_one_hot_hidden"]  # 1 + 2 + 1 + 2 points
LOG = "calls.log"  # the double appends "<student> <pid>" to <course>/calls.log, once per call


# --- the test double ---------------------------------------------------------------------------------

def fake_grade(source: Path, submission: Path, *, seed: int) -> NotebookVerdict:
    """Stand-in for ``verdict.grade_notebook``: no student code runs; the submission's text says what
    happens (``pass:<grade_id>``, ``sleep:<seconds>``, ``crash``, ``raise``, ``hang``, ``hog`` (allocate
    64 GiB), ``nan`` (a score of NaN, which the gradebook refuses), ``flags`` (100 flags of a
    megabyte each))."""
    with open(submission.parents[3] / LOG, "a") as log:  # <course>/submitted/<student>/<assignment>/
        log.write(f"{submission.parents[1].name} {os.getpid()}\n")
    cells = [c for c in nbformat.read(source, as_version=4).cells if c.metadata.get("nbgrader", {}).get("grade")]
    max_score = float(sum(c.metadata["nbgrader"]["points"] for c in cells))
    try:
        words = nbformat.read(submission, as_version=4).cells[0].source.split()
    except ValueError as e:
        return NotebookVerdict("ungradable", f"corrupt notebook: {e}", [], [], 0.0, max_score, 0.0)
    for word in words:
        if word.startswith("sleep:"):
            time.sleep(float(word.removeprefix("sleep:")))
    if "crash" in words:
        os._exit(3)
    if "raise" in words:
        raise RuntimeError("the grader itself failed")
    if "hang" in words:
        time.sleep(3600)
    if "hog" in words:
        bytearray(64 << 30)
    tests = []
    for cell in cells:
        grade_id, points = cell.metadata["nbgrader"]["grade_id"], float(cell.metadata["nbgrader"]["points"])
        passed = f"pass:{grade_id}" in words
        tests.append(TestVerdict(grade_id, points if passed else 0.0, points, passed,
                                 "passed" if passed else f"{grade_id} returned the wrong values",
                                 None if passed else "sign-flip", None if passed else "Check the sign."))
    score = float("nan") if "nan" in words else sum(t.points for t in tests)
    flags = [f"flag {i}: " + "x" * (1 << 20) for i in range(100)] if "flags" in words else []
    return NotebookVerdict("graded", None, tests, flags, score, max_score, 0.01)


# --- submissions and what the gradebook holds ------------------------------------------------------------

def submit(course: Path, student: str, text: str, notebook: str = NOTEBOOK) -> Path:
    """Write a submission: a notebook whose one markdown cell holds ``text`` (or raw text if not JSON)."""
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.ipynb"
    if text.startswith("{"):  # raw (corrupt) text
        path.write_text(text)
    else:
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)]), path)
    return path


def passing(*grade_ids: str) -> str:
    return " ".join(f"pass:{g}" for g in grade_ids)


def db_url(course: Path) -> str:
    return Course.load(course).db_url


@functools.cache
def engine(url: str):
    return create_engine(url)


def auto_scores(course: Path) -> dict[str, dict[str, float | None]]:
    """student -> grade_id -> auto_score, straight from the gradebook's tables."""
    with engine(db_url(course)).connect() as db:
        rows = db.execute(text("""SELECT student.id, base_cell.name, grade.auto_score FROM grade
            JOIN base_cell ON grade.cell_id = base_cell.id
            JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
            JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
            JOIN student ON submitted_assignment.student_id = student.id""")).fetchall()
    scores: dict = {}
    for student, cell, score in rows:
        scores.setdefault(student, {})[cell] = score
    return scores


def verdict_students(course: Path) -> set[str]:
    """Students with a committed verdict (none before the first run creates the table)."""
    with engine(db_url(course)).connect() as db:
        try:
            return {row[0] for row in db.execute(text("SELECT student FROM cnn2_verdict"))}
        except Exception:  # no such table yet
            return set()


def calls(log: Path) -> list[str]:
    return log.read_text().split("\n")[:-1] if log.exists() else []


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


def use_gradebook(course: Path, url: str) -> None:
    """Point the course's nbgrader_config.py at the gradebook ``url``, as an instructor would."""
    config = course / "nbgrader_config.py"
    lines = [line for line in config.read_text().splitlines() if not line.startswith("c.CourseDirectory.db_url")]
    config.write_text("\n".join(lines + [f"c.CourseDirectory.db_url = {url!r}"]) + "\n")


@pytest.fixture(scope="module")
def template(tmp_path_factory, backend, request) -> Path:
    """A course with assignment 02 released (``cnn2 release``) into a gradebook of the backend."""
    folder = tmp_path_factory.mktemp("template") / "course"
    folder.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    if backend == "postgresql":
        use_gradebook(folder, request.getfixturevalue("postgres").create_database("template"))
    release = cnn2(folder, "release", ASSIGNMENT)
    assert release.returncode == 0, release.stdout + release.stderr
    return folder


@pytest.fixture
def course(template, backend, tmp_path, request) -> Path:
    copy = tmp_path / "course"
    shutil.copytree(template, copy)
    if backend == "postgresql":
        name = request.node.name.replace("[", "_").replace("]", "").replace("-", "_")[-60:]
        use_gradebook(copy, request.getfixturevalue("postgres").create_database(name, template="template"))
    return copy


def run(course: Path, **kwargs):
    return autograde(Course.load(course), [ASSIGNMENT], grade=fake_grade, processes=2, progress=False, **kwargs)


# --- tests ------------------------------------------------------------------------------------------------

def test_scores_go_into_the_gradebook_and_details_beside_them(course):
    submit(course, "alice", passing(*TESTS))
    submit(course, "bob", passing("test_softmax"))
    submit(course, "carol", '{"cells": [')
    result = run(course)
    assert not result.interrupted and result.errors == []
    scores = auto_scores(course)
    assert sum(scores["alice"].values()) == 6.0 and scores["alice"]["test_softmax_hidden"] == 2.0
    assert scores["bob"]["test_softmax"] == 1.0 and scores["bob"]["test_one_hot"] == 0.0
    assert set(scores["carol"].values()) == {None}  # ungradable: no automatic score, like nbgrader
    with Course.load(course).gradebook() as gradebook:
        records = {r.student: r for r in verdict_records(gradebook, ASSIGNMENT)}
        assert records["carol"].status == "ungradable" and records["carol"].reason.startswith("corrupt notebook")
        bob = records["bob"].details
        assert bob["status"] == "graded" and bob["score"] == 1.0 and bob["max_score"] == MAX_SCORE
        failed = [t for t in bob["tests"] if not t["passed"]]
        assert failed[0]["mistake"] == "sign-flip" and failed[0]["message"].endswith("wrong values")
        submission = gradebook.find_submission(ASSIGNMENT, "bob")
        assert submission.score == 1.0 and not gradebook.find_grade(
            "test_softmax", NOTEBOOK, ASSIGNMENT, "bob").needs_manual_grade
        assert gradebook.find_grade("test_softmax", NOTEBOOK, ASSIGNMENT, "carol").needs_manual_grade
    table = summary_table(result)
    assert "graded now" in table and ASSIGNMENT in table and "3 notebooks" in table


def test_a_second_run_grades_nothing_and_a_changed_submission_is_regraded(course):
    for student in ("alice", "bob", "carol"):
        submit(course, student, passing("test_one_hot"))
    run(course)
    assert sorted(c.split()[0] for c in calls(course / LOG)) == ["alice", "bob", "carol"]
    again = run(course)
    assert again.tallies[0].up_to_date == 3 and again.finished == 0
    assert len(calls(course / LOG)) == 3
    submit(course, "bob", passing(*TESTS))
    changed = run(course)
    assert changed.finished == 1 and calls(course / LOG)[-1].startswith("bob")
    assert sum(auto_scores(course)["bob"].values()) == 6.0
    forced = run(course, force=True)
    assert forced.finished == 3 and len(calls(course / LOG)) == 7


def test_work_is_spread_over_the_worker_processes(course):
    for i in range(6):
        submit(course, f"s{i}", "sleep:0.3")
    run(course)
    pids = {c.split()[1] for c in calls(course / LOG)}
    assert len(pids) == 2 and str(os.getpid()) not in pids


def test_a_dead_or_stuck_worker_costs_only_its_own_submission(course):
    submit(course, "alice", passing(*TESTS))
    submit(course, "crasher", "crash")
    submit(course, "hanger", "hang")
    submit(course, "dave", passing("test_one_hot"))
    result = run(course, job_timeout=5)
    with Course.load(course).gradebook() as gradebook:
        records = {r.student: r for r in verdict_records(gradebook, ASSIGNMENT)}
    assert records["crasher"].status == "ungradable" and "exit code 3" in records["crasher"].reason
    assert records["hanger"].status == "ungradable" and records["hanger"].reason.startswith("timeout")
    assert records["alice"].score == 6.0 and records["dave"].score == 1.0
    assert result.tallies[0].ungradable == 2


def test_running_out_of_memory_or_a_refused_verdict_costs_only_its_own_submission(course):
    submit(course, "hog", "hog")
    submit(course, "nan", "nan " + passing("test_softmax"))
    submit(course, "huge_flags", "flags")
    submit(course, "alice", passing(*TESTS))
    result = run(course)
    with Course.load(course).gradebook() as gradebook:
        records = {r.student: r for r in verdict_records(gradebook, ASSIGNMENT)}
    assert (records["hog"].status, records["hog"].reason) == ("ungradable", OUT_OF_MEMORY_REASON)
    assert (records["nan"].status, records["nan"].reason) == (
        "ungradable", "not recordable: the gradebook refused the verdict (ValueError)")
    flags = records["huge_flags"].details["flags"]
    assert len(flags) == MAX_FLAGS and flags[-1] == f"... and {100 - MAX_FLAGS + 1} more flags"
    assert max(len(flag) for flag in flags) == MAX_TEXT_CHARS and len(records["huge_flags"].verdict) < 20_000
    assert records["alice"].score == 6.0 and result.errors == [] and result.tallies[0].ungradable == 2


def test_a_grader_fault_is_reported_not_recorded_and_retried_next_run(course):
    submit(course, "alice", passing(*TESTS))
    path = submit(course, "bob", "raise")
    result = run(course)
    assert result.tallies[0].errors == 1 and "the grader itself failed" in result.errors[0]
    assert "bob" not in auto_scores(course) or set(auto_scores(course)["bob"].values()) == {None}
    with Course.load(course).gradebook() as gradebook:
        assert [r.student for r in verdict_records(gradebook, ASSIGNMENT)] == ["alice"]
    path.unlink()
    submit(course, "bob", passing("test_softmax"))
    assert run(course).finished == 1


def test_missing_and_renamed_notebooks(course):
    submit(course, "alice", passing(*TESTS), notebook="softmax_cross_entropy (1)")  # renamed by the student
    (course / "submitted" / "bob" / ASSIGNMENT).mkdir(parents=True)  # an empty submission folder
    run(course)
    with Course.load(course).gradebook() as gradebook:
        records = {r.student: r for r in verdict_records(gradebook, ASSIGNMENT)}
    assert records["alice"].score == 6.0
    assert records["alice"].details["flags"] == ["renamed notebook: submitted as softmax_cross_entropy (1).ipynb"]
    assert records["bob"].status == "ungradable" and records["bob"].reason.startswith("missing")
    submit(course, "bob", passing("test_softmax"))
    assert run(course).finished == 1  # the notebook that appeared since is graded


def test_a_manual_score_is_kept(course):
    submit(course, "alice", passing("test_softmax"))
    run(course)
    with Course.load(course).gradebook() as gradebook:
        grade = gradebook.find_grade("test_softmax_hidden", NOTEBOOK, ASSIGNMENT, "alice")
        grade.manual_score = 2.0
        gradebook.db.commit()
    run(course, force=True)
    with Course.load(course).gradebook() as gradebook:
        grade = gradebook.find_grade("test_softmax_hidden", NOTEBOOK, ASSIGNMENT, "alice")
        assert grade.manual_score == 2.0 and grade.auto_score == 0.0 and grade.needs_manual_grade
        assert gradebook.find_submission(ASSIGNMENT, "alice").score == 3.0


KILLABLE_RUN = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_pipeline import fake_grade, ASSIGNMENT
from autograder.grading.course import Course
from autograder.grading.pipeline import autograde
autograde(Course.load(Path(sys.argv[1])), [ASSIGNMENT], grade=fake_grade, processes=2, progress=False)
"""


def recorded_students(course: Path) -> set[str]:
    """Students with a committed verdict, after checking a SQLite database's integrity."""
    if db_url(course).startswith("sqlite"):
        with sqlite3.connect(course / "gradebook.db", timeout=10) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    return verdict_students(course)


def stop_after(process: subprocess.Popen, course: Path, recorded: int, how: signal.Signals) -> list[str]:
    """Send ``how`` to the process once ``recorded`` verdicts are in the gradebook; wait for it to end.
    Returns the processes of its session still alive 20 s later (none, when nothing outlived it)."""
    deadline = time.monotonic() + 600
    while len(verdict_students(course)) < recorded and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, f"autograde ended before it could be stopped:\n{process.stdout.read()}"
    process.send_signal(how)
    process.wait(60)
    deadline = time.monotonic() + 20
    while session_processes(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return session_processes(process.pid)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_run_killed_midway_resumes_without_losing_or_repeating_work(course, tmp_path, how):
    students = {f"s{i:02d}" for i in range(12)}
    for i, student in enumerate(sorted(students)):
        submit(course, student, passing(*TESTS[: i % 5]) + " sleep:0.3")
    reference = tmp_path / "reference"
    shutil.copytree(course, reference)

    process = subprocess.Popen([sys.executable, "-c", KILLABLE_RUN, str(course)], start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert stop_after(process, course, 4, how) == []  # and no process of the run outlived it
    committed = recorded_students(course)
    assert 4 <= len(committed) < len(students)
    calls_before = len(calls(course / LOG))

    resumed = run(course)
    assert resumed.tallies[0].up_to_date == len(committed) and resumed.finished == len(students) - len(committed)
    graded_again = [c.split()[0] for c in calls(course / LOG)[calls_before:]]
    assert sorted(graded_again) == sorted(students - committed)  # each of the others once, none twice
    assert recorded_students(course) == students

    run(reference)
    assert auto_scores(course) == auto_scores(reference)


def test_an_instructor_grading_by_hand_during_an_autograde_loses_nothing(course, tmp_path):
    """Two cnn2 commands at once: an autograde --force (another process) re-grades every submission
    while a grader enters manual scores and comments in the gradebook, as formgrader does."""
    students = [f"s{i:02d}" for i in range(10)]
    for student in students:
        submit(course, student, passing("test_softmax") + " sleep:0.2")
    run(course)
    forced_run = KILLABLE_RUN.replace("progress=False)", "progress=False, force=True)")
    process = subprocess.Popen([sys.executable, "-c", forced_run, str(course)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    entered, failures = {}, []

    def grade_by_hand():
        for i, student in enumerate(students):
            try:
                with Course.load(course).gradebook() as gradebook:
                    grade = gradebook.find_grade("test_one_hot", NOTEBOOK, ASSIGNMENT, student)
                    grade.manual_score, grade.needs_manual_grade = 0.5 + i, False
                    gradebook.db.commit()
                entered[student] = 0.5 + i
            except Exception as error:
                failures.append(f"{student}: {type(error).__name__}: {error}")
            time.sleep(0.1)

    grader = threading.Thread(target=grade_by_hand)
    grader.start()
    output, _ = process.communicate(timeout=600)
    grader.join()
    assert process.returncode == 0, output
    assert failures == [] and len(entered) == len(students)
    with Course.load(course).gradebook() as gradebook:
        for student in students:
            grades = cell_grades(gradebook, ASSIGNMENT, student, NOTEBOOK)
            assert grades["test_one_hot"].manual_score == entered[student]
            assert grades["test_softmax"].auto_score == 1.0
            assert gradebook.find_submission(ASSIGNMENT, student).score == 1.0 + entered[student]
    assert verdict_students(course) == set(students) and len(calls(course / LOG)) == 2 * len(students)
