"""``cnn2`` end to end with the real sandboxed grader, in a temporary course directory: release, collect a
Canvas download with a roster, autograde, autograde again, status, feedback and export."""
from __future__ import annotations

import csv
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from autograder.grading.export import write_csv
from benchmarks.grading_batch import KINDS  # submission kinds, with their scores
from benchmarks.grading_runs import cnn2, released_course

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
    results["collect again"] = cnn2(course, "collect", ASSIGNMENT, str(course.parent / "canvas.zip"))  # no --roster
    for name, args in [("autograde", ["autograde", "-q"]), ("autograde again", ["autograde", "-q"]),
                       ("status", ["status"]), ("feedback", ["feedback", "-q"]),
                       ("feedback md", ["feedback", "-q", "--format", "md", "--student", "alee"]),
                       ("export", ["export", "-o", "grades.csv"]),
                       ("totals", ["export", "--totals", "-o", "totals.csv"]),
                       ("canvas", ["export", "--totals", "--format", "canvas", "-o", "canvas.csv"]),
                       ("moodle", ["export", "--totals", "--format", "moodle", "-o", "moodle.csv"])]:
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


def test_collect_again_without_the_roster_uses_the_one_in_the_gradebook(course, runs):
    result = runs["collect again"]
    assert result.returncode == 1 and "roster kept in the gradebook (6 students)" in result.stdout
    assert "collected 5 notebooks of 5 students" in result.stdout and "5 unchanged" in result.stdout
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted(SUBMISSIONS)  # no 1001 ... 1005
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert sorted(s.id for s in gradebook.students) == sorted([*SUBMISSIONS, "enot"])


def test_autograde_puts_each_kinds_score_in_the_gradebook(course, runs):
    result = runs["autograde"]
    assert result.returncode == 1, result.stdout + result.stderr  # dkim's notebook is left to look at
    assert "5 notebooks in" in result.stdout and "done" in result.stdout
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        totals = {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}
        dkim = gradebook.find_submission_notebook(NB, ASSIGNMENT, "dkim")
        assert all(grade.auto_score is None and grade.needs_manual_grade for grade in dkim.grades)
    # a wrong softmax costs softmax's own points only: the functions calling it get the reference's
    assert totals == {"jdoe": 21.0, "bsmith": 0.0, "alee": 18.0, "dkim": 0.0, "fmoe": 18.0}


def test_autograde_leaves_what_formgrader_needs_to_grade_by_hand(course, runs):
    api = NbGraderAPI(CourseDirectory(root=str(course), source_directory="solutions",
                                      release_directory="exercises"))
    submissions = api.get_submissions(ASSIGNMENT)
    assert sorted(s["student"] for s in submissions) == sorted(SUBMISSIONS)
    assert all(s["autograded"] for s in submissions)  # not "needs autograding"
    assert len(api.get_notebook_submission_indices(ASSIGNMENT, NB)) == 5  # dkim's too: scored by hand
    dkim = nbformat.read(course / "autograded" / "dkim" / ASSIGNMENT / f"{NB}.ipynb", as_version=4)
    assert "could not be graded: corrupt notebook" in dkim.cells[0].source
    alee = nbformat.read(course / "autograded" / "alee" / ASSIGNMENT / f"{NB}.ipynb", as_version=4)
    outputs = {c.metadata["nbgrader"]["grade_id"]: c.outputs for c in alee.cells
               if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    assert outputs["test_softmax_hidden"][0]["ename"] == "TestFailed"
    assert "no-max-subtraction" in outputs["test_softmax_hidden"][0]["evalue"]
    assert outputs["test_one_hot"][0]["text"] == "passed\n"


def test_a_second_autograde_grades_nothing(runs):
    assert runs["autograde again"].returncode == 0
    lines = runs["autograde again"].stdout.splitlines()
    row = next(line for line in lines if line.startswith(ASSIGNMENT)).split()
    assert row[1:4] == ["5", "5", "0"]  # notebooks, already graded, graded now
    assert "0 notebooks in" in runs["autograde again"].stdout


def test_status_counts_collected_graded_and_ungradable_and_names_who(runs):
    lines = runs["status"].stdout.splitlines()
    row = next(line for line in lines if line.startswith(ASSIGNMENT)).split()
    # submitted, not submitted, graded, ungradable, flagged, to autograde, cells and students to grade by
    # hand (dkim's 14 test cells), mean over the 4 graded
    assert row[1:10] == ["5", "1", "4", "1", "1", "0", "14", "1", "14.25"]
    assert f"{ASSIGNMENT}, ungradable: dkim ({NB}: corrupt notebook" in runs["status"].stdout
    assert f"{ASSIGNMENT}, not submitted: enot" in lines
    assert f"{ASSIGNMENT}, to grade by hand (formgrader, Manual Grading): dkim (14 cells: 21 points)" in lines


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
    assert sum(float(r["points"]) for r in by_student["alee"]) == 18.0
    softmax_hidden = next(r for r in by_student["alee"] if r["test"] == "test_softmax_hidden")
    assert softmax_hidden["mistake"] == "no-max-subtraction" and softmax_hidden["max_points"] == "2.0"
    assert "imports autograder" in by_student["fmoe"][0]["flags"]


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_totals_for_an_lms_are_final_scores_only(course, runs):
    assert all(runs[name].returncode == 0 for name in ("totals", "canvas", "moodle"))
    # dkim's notebook could not be graded: no total until a grader scores it by hand; enot submitted nothing
    expected = {"jdoe": "21.0", "bsmith": "0.0", "alee": "18.0", "dkim": "", "fmoe": "18.0", "enot": "0.0"}
    plain = {r["student_id"]: r for r in read_csv(course / "totals.csv")}
    assert {s: r[ASSIGNMENT] for s, r in plain.items()} == expected
    assert plain["dkim"]["still_to_grade"] == f"{ASSIGNMENT}: ungradable, not scored by hand"
    assert (plain["jdoe"]["total"], plain["jdoe"]["max_score"], plain["dkim"]["total"]) == ("21.0", "21.0", "")

    canvas = read_csv(course / "canvas.csv")
    assert list(canvas[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert (canvas[0]["Student"], canvas[0][ASSIGNMENT]) == ("Points Possible", "21.0")
    jane = next(r for r in canvas if r["SIS User ID"] == "jdoe")
    assert (jane["Student"], jane["ID"], jane[ASSIGNMENT]) == ("Doe, Jane", "1001", "21.0")
    assert {r["SIS User ID"]: r[ASSIGNMENT] for r in canvas[1:]} == expected

    moodle = read_csv(course / "moodle.csv")
    assert list(moodle[0]) == ["ID number", "Email address", "First name", "Last name", ASSIGNMENT]
    assert {r["ID number"]: (r["Email address"], r[ASSIGNMENT]) for r in moodle}["alee"] == ("ann@example.org", "18.0")


def test_feedback_gives_hints_and_never_hidden_tests_or_flags(course, runs):
    assert runs["feedback"].returncode == 0 and "wrote 5 feedback files" in runs["feedback"].stdout
    alee = (course / "feedback" / "alee" / ASSIGNMENT / f"{NB}.html").read_text()
    assert "Score: 18 / 21" in alee and "no-max-subtraction" in alee and "Subtract each row" in alee
    assert alee.count('class="passed">passed') == 12 and alee.count('class="failed">failed') == 2
    dkim = (course / "feedback" / "dkim" / ASSIGNMENT / f"{NB}.html").read_text()
    assert "could not be graded (corrupt notebook" in dkim
    assert 'class="not-graded">not graded' in dkim and '">failed<' not in dkim
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


def test_totals_text_cells_a_spreadsheet_would_evaluate_are_neutralised(tmp_path):
    columns = ["Student", "ID", ASSIGNMENT]
    write_csv([{"Student": '=HYPERLINK("http://x","Doe")', "ID": "+1001", ASSIGNMENT: 21.0}], tmp_path / "t.csv",
              columns)
    [row] = read_csv(tmp_path / "t.csv")
    assert row == {"Student": '\'=HYPERLINK("http://x","Doe")', "ID": "'+1001", ASSIGNMENT: "21.0"}
