"""``cnn2`` end to end with the real sandboxed grader, in a temporary course directory: release, collect a
Canvas download with a roster, autograde, autograde again, status, feedback and export."""
from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from notebook_code import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from grading_throughput import KINDS, released_course  # noqa: E402  (submission kinds, with their scores)

ASSIGNMENT = "02-softmax-cross-entropy"
NB = "softmax_cross_entropy"
ROSTER = """id,first_name,last_name,email,lms_user_id
jdoe,Jane,Doe,jane@example.org,1001
bsmith,Bob,Smith,bob@example.org,1002
alee,Ann,Lee,ann@example.org,1003
dkim,Dan,Kim,dan@example.org,1004
fmoe,Fay,Moe,fay@example.org,1005
enot,Eve,Not,eve@example.org,1006
"""
SUBMISSIONS = {  # Canvas name, user id, kind; enot submits nothing
    "jdoe": ("doejane", 1001, "correct"),
    "bsmith": ("smithbob", 1002, "untouched"),
    "alee": ("leeann", 1003, "no-max-subtraction"),
    "dkim": ("kimdan", 1004, "corrupt-json"),
    "fmoe": ("moefay", 1005, "monkeypatch"),
}
HIDDEN_TEST_CODE = ["check_softmax_edge_cases", "BEGIN HIDDEN TESTS", "seed=20261", "import"]


def cnn2(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.grading.cli", *args], cwd=course,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    course = released_course(tmp / "course")  # by `cnn2 release`
    release, source = (course / folder / ASSIGNMENT / f"{NB}.ipynb" for folder in ("exercises", "solutions"))
    with zipfile.ZipFile(tmp / "canvas.zip", "w") as archive:
        for canvas_name, user_id, kind in SUBMISSIONS.values():
            KINDS[kind].write(release, source, tmp / "notebook")
            archive.write(tmp / "notebook", f"{canvas_name}_{user_id}_{user_id + 4000}_{NB}.ipynb")
        archive.writestr(f"strangerx_9999_9999_{NB}.ipynb", "{}")
    (tmp / "roster.csv").write_text(ROSTER)
    return course


@pytest.fixture(scope="module")
def runs(course) -> dict[str, subprocess.CompletedProcess]:
    """Each command's result, run in order once for the module."""
    results = {"collect": cnn2(course, "collect", ASSIGNMENT, str(course.parent / "canvas.zip"),
                               "--roster", str(course.parent / "roster.csv"))}
    for name, args in [("autograde", ["autograde", "-q"]), ("autograde again", ["autograde", "-q"]),
                       ("status", ["status"]), ("feedback", ["feedback", "-q"]),
                       ("feedback md", ["feedback", "-q", "--format", "md", "--student", "alee"]),
                       ("export", ["export", "-o", "grades.csv"])]:
        results[name] = cnn2(course, *args)
    return results


def test_release_generates_the_student_version(course):
    text = (course / "exercises" / ASSIGNMENT / f"{NB}.ipynb").read_text()
    assert "raise NotImplementedError()" in text and "BEGIN HIDDEN TESTS" not in text


def test_collect_maps_canvas_names_reports_the_unknown_and_adds_the_roster(course, runs):
    result = runs["collect"]
    assert result.returncode == 1  # a file was left unmatched
    assert "collected 5 notebooks of 5 students" in result.stdout
    assert f"strangerx_9999_9999_{NB}.ipynb" in result.stdout and "no roster student matches" in result.stdout
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted(SUBMISSIONS)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        eve = gradebook.find_student("enot")
        assert (eve.first_name, eve.last_name, eve.lms_user_id) == ("Eve", "Not", "1006")


def test_autograde_puts_each_kinds_score_in_the_gradebook(course, runs):
    result = runs["autograde"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 notebooks in" in result.stdout and "done" in result.stdout
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        totals = {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}
        dkim = gradebook.find_submission_notebook(NB, ASSIGNMENT, "dkim")
        assert all(grade.auto_score is None and grade.needs_manual_grade for grade in dkim.grades)
    # a wrong softmax costs softmax's own points only: the functions calling it get the reference's
    assert totals == {"jdoe": 21.0, "bsmith": 0.0, "alee": 19.0, "dkim": 0.0, "fmoe": 18.0}


def test_a_second_autograde_grades_nothing(runs):
    lines = runs["autograde again"].stdout.splitlines()
    row = next(line for line in lines if line.startswith(ASSIGNMENT)).split()
    assert row[1:4] == ["5", "5", "0"]  # notebooks, already graded, graded now
    assert "0 notebooks in" in runs["autograde again"].stdout


def test_status_counts_collected_graded_and_ungradable(runs):
    row = next(line for line in runs["status"].stdout.splitlines() if line.startswith(ASSIGNMENT)).split()
    # submitted, not submitted, graded, ungradable, flagged, to grade, mean over the 4 graded
    assert row[1:8] == ["5", "1", "4", "1", "1", "0", "14.50"]


def test_export_tells_a_real_zero_from_a_notebook_that_could_not_be_graded(course, runs):
    assert runs["export"].returncode == 0
    with open(course / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    by_student: dict[str, list[dict]] = {}
    for row in rows:
        by_student.setdefault(row["student_id"], []).append(row)
    assert set(by_student) == set(SUBMISSIONS) | {"enot"} and all(len(r) == 14 for r in by_student.values())
    assert {(r["status"], r["points"]) for r in by_student["bsmith"]} == {("graded", "0.0")}
    assert {r["status"] for r in by_student["dkim"]} == {"ungradable"}
    assert {r["points"] for r in by_student["dkim"]} == {""}
    assert by_student["dkim"][0]["reason"].startswith("corrupt notebook")
    assert {(r["status"], r["points"]) for r in by_student["enot"]} == {("not submitted", "0.0")}
    assert sum(float(r["points"]) for r in by_student["alee"]) == 19.0
    softmax_hidden = next(r for r in by_student["alee"] if r["test"] == "test_softmax_hidden")
    assert softmax_hidden["mistake"] == "no-max-subtraction" and softmax_hidden["max_points"] == "2.0"
    assert "imports autograder" in by_student["fmoe"][0]["flags"]


def test_feedback_gives_hints_and_never_hidden_tests_or_flags(course, runs):
    assert runs["feedback"].returncode == 0 and "wrote 5 feedback files" in runs["feedback"].stdout
    alee = (course / "feedback" / "alee" / ASSIGNMENT / f"{NB}.html").read_text()
    assert "Score: 19 / 21" in alee and "no-max-subtraction" in alee and "Subtract each row" in alee
    assert alee.count('class="passed">passed') == 13 and alee.count('class="failed">failed') == 1
    dkim = (course / "feedback" / "dkim" / ASSIGNMENT / f"{NB}.html").read_text()
    assert "could not be graded (corrupt notebook" in dkim
    fmoe = (course / "feedback" / "fmoe" / ASSIGNMENT / f"{NB}.html").read_text()
    assert "imports autograder" not in fmoe
    for page in (alee, dkim, fmoe):
        assert not [code for code in HIDDEN_TEST_CODE if code in page]
    markdown = (course / "feedback" / "alee" / ASSIGNMENT / f"{NB}.md").read_text()
    assert "| test_softmax_hidden | failed | 0 / 2 |" in markdown and "**no-max-subtraction**" in markdown


def test_verdict_details_are_beside_nbgrader_tables(course, runs):
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = dict(db.execute("SELECT student, status FROM cnn2_verdict").fetchall())
    assert rows == {"jdoe": "graded", "bsmith": "graded", "alee": "graded", "dkim": "ungradable", "fmoe": "graded"}


def test_usage_errors_do_nothing_and_say_why(course, tmp_path):
    outside = cnn2(tmp_path, "status")
    assert outside.returncode == 2 and "no nbgrader_config.py" in outside.stderr
    unknown = cnn2(course, "autograde", "no-such-assignment")
    assert unknown.returncode == 2 and "run `cnn2 release no-such-assignment` first" in unknown.stderr
