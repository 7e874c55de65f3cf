"""``cnn2 collect``: LMS downloads and folders mapped to student ids, nothing dropped silently."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.grading.collect import collect_submissions
from autograder.grading.course import CourseError, put_environment_scripts_on_path
from autograder.grading.roster import Roster, add_roster_to_gradebook, roster_from_gradebook

ASSIGNMENT = "02-softmax-cross-entropy"
NB = "softmax_cross_entropy"
ROSTER = """id,first_name,last_name,email,lms_user_id
jdoe,Jane,Doe,jane.doe@example.org,1001
bsmith,Bob,Smith,bob@example.org,1002
alee,Ann,Lee,ann.lee@example.org,1003
"""


@pytest.fixture
def roster(tmp_path) -> Roster:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return Roster.read(path)


def make_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def run(tmp_path: Path, source: Path, roster: Roster | None, notebooks=(NB,)):
    submitted = tmp_path / "submitted"
    report = collect_submissions(source, ASSIGNMENT, list(notebooks), lambda s, a: submitted / s / a, roster)
    return report, submitted


def collected(submitted: Path) -> dict[str, str]:
    """'<student>/<notebook file>' -> content, of everything written."""
    return {p.relative_to(submitted).as_posix().replace(f"/{ASSIGNMENT}/", "/"): p.read_text()
            for p in submitted.rglob("*.ipynb")}


def test_canvas_download_is_mapped_by_lms_user_id(tmp_path, roster):
    source = make_zip(tmp_path / "canvas.zip", {
        f"doejane_1001_5001_{NB}.ipynb": "jane",
        f"smithbob_1002_4999_{NB}.ipynb": "bob, first upload",
        f"smithbob_LATE_1002_5002_{NB}-1.ipynb": "bob, second upload",
        "leeann_1003_5003_my_work.ipynb": "ann, renamed",
        f"unknownperson_9999_5004_{NB}.ipynb": "who?",
        "doejane_1001_5001_notes.pdf": "pdf",
    })
    report, submitted = run(tmp_path, source, roster)
    assert collected(submitted) == {f"jdoe/{NB}.ipynb": "jane", f"bsmith/{NB}.ipynb": "bob, second upload",
                                    f"alee/{NB}.ipynb": "ann, renamed"}
    unmatched = dict(report.unmatched)
    assert set(unmatched) == {f"smithbob_1002_4999_{NB}.ipynb", f"unknownperson_9999_5004_{NB}.ipynb",
                              "doejane_1001_5001_notes.pdf"}
    assert f"smithbob_LATE_1002_5002_{NB}-1.ipynb" in unmatched[f"smithbob_1002_4999_{NB}.ipynb"]
    assert "no roster student matches 'unknownperson'" in unmatched[f"unknownperson_9999_5004_{NB}.ipynb"]
    assert unmatched["doejane_1001_5001_notes.pdf"] == "not a notebook (.ipynb)"
    assert {c.state for c in report.collected} == {"new"}


def test_moodle_download_is_mapped_by_name_in_both_layouts(tmp_path):
    roster_file = tmp_path / "roster.csv"
    roster_file.write_text("id,first_name,last_name\njdoe,Jane,Doe\nbsmith,Bob,Smith\n")  # no LMS ids
    source = make_zip(tmp_path / "moodle.zip", {  # wrapped in one folder, as Moodle does
        f"CNN2-Assignment 2-12345/Jane Doe_2001_assignsubmission_file_/{NB}.ipynb": "jane",
        f"CNN2-Assignment 2-12345/Bob Smith_2002_assignsubmission_file_{NB}.ipynb": "bob",
        "CNN2-Assignment 2-12345/__MACOSX/._x.ipynb": "junk",
    })
    report, submitted = run(tmp_path, source, Roster.read(roster_file))
    assert collected(submitted) == {f"jdoe/{NB}.ipynb": "jane", f"bsmith/{NB}.ipynb": "bob"}
    assert report.unmatched == [("__MACOSX/._x.ipynb", "hidden or system file")]


def test_plain_folder_without_roster_uses_folder_and_file_names(tmp_path):
    source = tmp_path / "download"
    (source / "alice").mkdir(parents=True)
    (source / "alice" / f"{NB}.ipynb").write_text("alice")
    (source / "bob.ipynb").write_text("bob")
    report, submitted = run(tmp_path, source, None)
    assert collected(submitted) == {f"alice/{NB}.ipynb": "alice", f"bob/{NB}.ipynb": "bob"}
    assert report.unmatched == []


def test_collecting_again_reports_unchanged_and_updated(tmp_path):
    source = tmp_path / "download"
    source.mkdir()
    (source / "alice.ipynb").write_text("v1")
    (source / "bob.ipynb").write_text("v1")
    run(tmp_path, source, None)
    (source / "bob.ipynb").write_text("v2")
    report, submitted = run(tmp_path, source, None)
    assert {c.student: c.state for c in report.collected} == {"alice": "unchanged", "bob": "updated"}
    assert collected(submitted)[f"bob/{NB}.ipynb"] == "v2"


def test_an_exactly_named_notebook_wins_over_a_stray_one(tmp_path):
    source = tmp_path / "download"
    (source / "alice").mkdir(parents=True)
    (source / "alice" / f"{NB}.ipynb").write_text("the work")
    (source / "alice" / "scratch.ipynb").write_text("scratch")
    report, submitted = run(tmp_path, source, None)
    assert collected(submitted) == {f"alice/{NB}.ipynb": "the work"}
    assert report.unmatched[0][0] == "alice/scratch.ipynb" and "alice/" + NB in report.unmatched[0][1]


def test_ambiguous_names_and_unknown_notebooks_are_reported(tmp_path):
    roster_file = tmp_path / "roster.csv"
    roster_file.write_text("id,first_name,last_name\njdoe1,Jane,Doe\njdoe2,Jane,Doe\n")
    source = make_zip(tmp_path / "moodle.zip", {
        "Jane Doe_2001_assignsubmission_file_part1.ipynb": "which Jane?",
    })
    report, submitted = run(tmp_path, source, Roster.read(roster_file), notebooks=("part1", "part2"))
    assert collected(submitted) == {}
    assert "several roster students match 'Jane Doe': jdoe1, jdoe2" in report.unmatched[0][1]
    source = tmp_path / "download"
    (source / "alice").mkdir(parents=True)
    (source / "alice" / "part3.ipynb").write_text("?")
    report, _ = run(tmp_path, source, None, notebooks=("part1", "part2"))
    assert report.unmatched == [("alice/part3.ipynb",
                                 "not one of the assignment's notebooks (part1.ipynb, part2.ipynb)")]


def test_bad_roster_and_bad_source_are_errors(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("name,email\nJane,j@x\n")
    with pytest.raises(CourseError, match="'id' column"):
        Roster.read(bad)
    not_zip = tmp_path / "file.txt"
    not_zip.write_text("hello")
    with pytest.raises(CourseError, match="neither a folder nor a zip"):
        run(tmp_path, not_zip, None)


def test_the_roster_is_remembered_in_the_gradebook(tmp_path, roster):
    put_environment_scripts_on_path()  # nbgrader runs `alembic` to create a gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        gradebook.add_student("walkin")  # added by hand, without an LMS user id
        assert roster_from_gradebook(gradebook) is None  # no roster yet: ids come from the download
        add_roster_to_gradebook(roster, gradebook)
        remembered = roster_from_gradebook(gradebook)
    source = make_zip(tmp_path / "canvas.zip", {f"doejane_1001_5001_{NB}.ipynb": "jane",
                                                f"unknownperson_9999_5004_{NB}.ipynb": "who?"})
    report, submitted = run(tmp_path, source, remembered)
    assert collected(submitted) == {f"jdoe/{NB}.ipynb": "jane"}  # not 1001/, and 9999 is not created
    assert dict(report.unmatched) == {f"unknownperson_9999_5004_{NB}.ipynb":
                                      "no roster student matches 'unknownperson' or LMS user id 9999"}
