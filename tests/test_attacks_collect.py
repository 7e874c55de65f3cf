"""Attacks on ``cnn2 collect`` and ``cnn2 export`` through the download, the LMS names and the roster.

Each test builds a download in a temporary folder with honest students and one attack. What a careful
instructor expects: the attacking file is refused and listed with the reason, nothing outside the
source is read, the honest students are still collected, and the gradebook holds only valid ids.
"""
from __future__ import annotations

import csv
import os
import shutil
import stat
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.grading import cli, download
from autograder.grading.collect import collect_submissions
from autograder.grading.course import CourseError
from autograder.grading.download import Limits
from autograder.grading.export import write_csv
from autograder.grading.roster import Roster

ASSIGNMENT = "02-softmax-cross-entropy"
NB = "softmax_cross_entropy"
SECRET = "INSTRUCTOR ONLY: the hidden tests"
HONEST = {f"alice/{NB}.ipynb": "alice's work", f"bob/{NB}.ipynb": "bob's work"}  # as collected
ROSTER = """id,first_name,last_name,email,lms_user_id
jdoe,Jane,Doe,jane@example.org,1001
bsmith,Bob,Smith,bob@example.org,1002
"""


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside every source, which no collect may read."""
    path = tmp_path / "solutions" / f"{NB}.ipynb"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def honest_folder(tmp_path: Path) -> Path:
    source = tmp_path / "download"
    for student in ("alice", "bob"):
        (source / student).mkdir(parents=True)
        (source / student / f"{NB}.ipynb").write_text(f"{student}'s work")
    return source


def make_zip(path: Path, files: dict[str, str], modes: dict[str, int] = {}) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = modes.get(name, stat.S_IFREG | 0o644) << 16
            archive.writestr(info, text, zipfile.ZIP_DEFLATED)
    return path


def roster(tmp_path: Path, text: str = ROSTER) -> Roster:
    (tmp_path / "roster.csv").write_text(text)
    return Roster.read(tmp_path / "roster.csv")


def collect(tmp_path, source, roster=None, limits=Limits()):
    """The report, with what was written as '<student>/<notebook file>' -> content."""
    submitted = tmp_path / "submitted"
    report = collect_submissions(source, ASSIGNMENT, [NB], lambda s, a: submitted / s / a, roster, limits)
    written = {p.relative_to(submitted).as_posix().replace(f"/{ASSIGNMENT}/", "/"): p.read_text()
               for p in submitted.rglob("*") if p.is_file()}
    assert SECRET not in "".join(written.values())
    return report, written


def honest_collected(written: dict[str, str]) -> bool:
    return HONEST.items() <= written.items()


# ---- the file system: links and special files


def test_a_notebook_linked_to_an_instructor_file_is_refused(tmp_path, secret):
    source = honest_folder(tmp_path)
    (source / "mallory").mkdir()
    (source / "mallory" / f"{NB}.ipynb").symlink_to(secret)
    report, written = collect(tmp_path, source)
    assert honest_collected(written) and "mallory/" + f"{NB}.ipynb" not in written
    assert dict(report.unmatched)[f"mallory/{NB}.ipynb"].startswith("a link: links are not followed")


def test_a_linked_student_folder_is_not_entered(tmp_path, secret):
    source = honest_folder(tmp_path)
    (source / "mallory").symlink_to(secret.parent, target_is_directory=True)
    report, written = collect(tmp_path, source)
    assert honest_collected(written) and len(written) == 2
    assert dict(report.unmatched)["mallory"].startswith("a link")


def test_a_link_to_another_file_of_the_source_is_refused_too(tmp_path):
    source = honest_folder(tmp_path)
    (source / "mallory").mkdir()
    (source / "mallory" / f"{NB}.ipynb").symlink_to(source / "alice" / f"{NB}.ipynb")
    report, written = collect(tmp_path, source)
    assert honest_collected(written) and f"mallory/{NB}.ipynb" not in written
    assert dict(report.unmatched)[f"mallory/{NB}.ipynb"].startswith("a link")


def test_a_hard_link_to_an_instructor_file_is_refused(tmp_path, secret):
    source = honest_folder(tmp_path)
    (source / "mallory").mkdir()
    os.link(secret, source / "mallory" / f"{NB}.ipynb")
    report, written = collect(tmp_path, source)
    assert honest_collected(written) and f"mallory/{NB}.ipynb" not in written
    assert dict(report.unmatched)[f"mallory/{NB}.ipynb"].startswith("a hard link")


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    source = honest_folder(tmp_path)
    (source / "mallory").mkdir()
    os.mkfifo(source / "mallory" / f"{NB}.ipynb")
    report, written = collect(tmp_path, source)
    assert honest_collected(written)
    assert dict(report.unmatched)[f"mallory/{NB}.ipynb"].startswith("not a regular file")


def test_a_file_swapped_for_a_link_after_the_walk_is_not_read(tmp_path, secret, monkeypatch):
    source = honest_folder(tmp_path)
    target = source / "bob" / f"{NB}.ipynb"
    real_read = download._read_beneath

    def swap_then_read(root, path, identity, limit):  # the race: replaced between listing and reading
        if path[0] == "bob":
            target.unlink()
            target.symlink_to(secret)
        return real_read(root, path, identity, limit)

    monkeypatch.setattr(download, "_read_beneath", swap_then_read)
    report, written = collect(tmp_path, source)
    assert written == {f"alice/{NB}.ipynb": "alice's work"}
    assert dict(report.unmatched)[f"bob/{NB}.ipynb"].startswith("cannot be read")


# ---- zip entries


def test_zip_entries_with_unsafe_paths_or_link_modes_are_refused(tmp_path):
    unsafe = {f"/alice/{NB}.ipynb": "absolute", f"C:/alice/{NB}.ipynb": "absolute",
              f"alice/../bob/{NB}.ipynb": "'..'", f"..\\bob\\{NB}.ipynb": "'..'", f"carol//{NB}.ipynb": "empty",
              f"dave/{NB}.ipynb": "a link in the zip", f"erin/{NB}.ipynb": "not a regular file"}
    modes = {f"dave/{NB}.ipynb": stat.S_IFLNK | 0o777, f"erin/{NB}.ipynb": stat.S_IFCHR | 0o644}
    source = make_zip(tmp_path / "plain.zip", {**HONEST, **{name: "/etc/passwd" for name in unsafe}}, modes)
    report, written = collect(tmp_path, source)
    assert written == HONEST
    reasons = dict(report.unmatched)
    assert set(reasons) == {name.replace("\\", "/") for name in unsafe}
    assert all(why in reasons[name.replace("\\", "/")] for name, why in unsafe.items())


def test_a_zip_bomb_is_read_only_up_to_the_bounds(tmp_path):
    zeros = "0" * (3 * 2**20)  # deflates to a few KiB
    source = make_zip(tmp_path / "bomb.zip", {**HONEST,
                                              f"mallory/{NB}.ipynb": zeros})
    report, written = collect(tmp_path, source, limits=Limits(file_bytes=2**20))
    assert honest_collected(written) and len(written) == 2
    assert dict(report.unmatched)[f"mallory/{NB}.ipynb"].startswith("larger than 1 MiB")
    many = make_zip(tmp_path / "many.zip", {f"s{i}/{NB}.ipynb": "x" * 600 for i in range(4)})
    report, written = collect(tmp_path / "total", many, limits=Limits(total_bytes=1300))
    assert sorted(written) == [f"s0/{NB}.ipynb", f"s1/{NB}.ipynb"]
    assert {why for _, why in report.unmatched} == {
        "past the 1300 bytes read in one collect: collect the rest separately"}
    with pytest.raises(CourseError, match="more than 3"):
        collect(tmp_path, many, limits=Limits(files=3))


def test_a_corrupt_zip_entry_is_listed_and_the_others_collected(tmp_path):
    source = make_zip(tmp_path / "plain.zip", {**HONEST,
                                               f"carol/{NB}.ipynb": "carol's work " * 50})
    source.write_bytes(_flip_a_data_byte(source, f"carol/{NB}.ipynb"))
    report, written = collect(tmp_path, source)
    assert honest_collected(written) and f"carol/{NB}.ipynb" not in written
    assert dict(report.unmatched)[f"carol/{NB}.ipynb"].startswith("cannot be read from the zip")


def _flip_a_data_byte(source: Path, name: str) -> bytes:
    """The zip's bytes with one byte of ``name``'s compressed data changed (a CRC or inflate error)."""
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(name)
    raw = bytearray(source.read_bytes())
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[data_start + info.compress_size // 2] ^= 0xFF
    return bytes(raw)


def test_a_name_cut_at_a_nul_byte_cannot_replace_another_students_file(tmp_path):
    source = make_zip(tmp_path / "plain.zip", {**HONEST,
                                               f"bob/{NB}.ipynb~x": "mallory's"})
    raw = source.read_bytes().replace(f"{NB}.ipynb~x".encode(), f"{NB}.ipynb\0x".encode())
    source.write_bytes(raw)  # Python's zipfile cuts the name at the NUL: two entries named bob/...
    report, written = collect(tmp_path, source)
    assert written == {f"alice/{NB}.ipynb": "alice's work"}
    assert [why for name, why in report.unmatched if name == f"bob/{NB}.ipynb"] == [
        f"files equally likely to be bob's {NB}.ipynb: keep one and collect again"] * 2


# ---- names


def test_names_with_control_characters_or_too_long_are_refused_and_never_printed_raw(tmp_path, course, capsys):
    source = make_zip(tmp_path / "plain.zip", {**HONEST,
                                               f"\x1b]0;pwned\x07\x1b[2J/{NB}.ipynb": "x",
                                               "eve\u202egpj.ipynb": "x", f"{'a' * 300}/{NB}.ipynb": "x"})
    status = run_cli(course, "collect", ASSIGNMENT, str(source))
    out = capsys.readouterr().out
    assert status == 1 and "collected 2 notebooks of 2 students" in out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in out and "eve\\u202egpj.ipynb" in out
    assert out.count("control or invisible characters in the name") == 2
    assert "a name longer than 255 bytes" in out
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice", "bob"]


def test_ids_that_are_formulas_paths_or_differ_only_in_case_are_refused_without_roster(tmp_path):
    source = honest_folder(tmp_path)
    for name in ("=1+1", "-rf", "@SUM(A1)", "a b", "José", "Alice"):
        (source / f"{name}.ipynb").write_text("x")
    report, written = collect(tmp_path, source)
    assert written == {f"bob/{NB}.ipynb": "bob's work"}
    reasons = dict(report.unmatched)
    for name in ("=1+1", "-rf", "@SUM(A1)", "a b", "José"):
        assert reasons[f"{name}.ipynb"].startswith(f"{name!r} is not a valid student id")
    assert reasons["Alice.ipynb"] == reasons[f"alice/{NB}.ipynb"] == (
        "student ids Alice and alice differ only in case: rename one")


def test_a_moodle_display_name_imitating_another_student_is_refused(tmp_path):
    people = roster(tmp_path, "id,first_name,last_name\njdoe,Jane,Doe\nbsmith,Bob,Smith\nmallory,Mal,Lory\n")
    source = make_zip(tmp_path / "moodle.zip", {
        f"Jane Doe_2001_assignsubmission_file_{NB}.ipynb": "jane's work",
        f"Bob Smith_2001_assignsubmission_file__2003_assignsubmission_file_{NB}.ipynb": "mallory's",
        f"Bob Smith_2001_assignsubmission_file__2003_assignsubmission_file_/{NB}.ipynb": "mallory's",
    })
    report, written = collect(tmp_path, source, people)
    assert written == {f"jdoe/{NB}.ipynb": "jane's work"}
    assert [why for _, why in report.unmatched] == [
        "Moodle's '_<id>_assignsubmission_' twice in the name: whose it is cannot be told"] * 2


def test_a_canvas_name_imitating_another_student_is_refused(tmp_path):
    source = make_zip(tmp_path / "canvas.zip", {
        f"doejane_1001_5001_{NB}.ipynb": "jane's work",
        f"smithbob_1007_5007_{NB}.ipynb": "mallory's, under Bob's name",  # Mallory (1007) renamed herself
        f"doejane_LATE_1001_5008_{NB}-1.ipynb": "jane's second upload",
    })
    report, written = collect(tmp_path, source, roster(tmp_path))
    assert written == {f"jdoe/{NB}.ipynb": "jane's second upload"}
    assert "is bsmith's, but with another LMS user id than 1007" in dict(report.unmatched)[
        f"smithbob_1007_5007_{NB}.ipynb"]
    # the LMS user id says bsmith, the name says jdoe: neither is taken
    swapped = make_zip(tmp_path / "swapped.zip", {f"doejane_1002_5009_{NB}.ipynb": "?"})
    report, written = collect(tmp_path / "swapped", swapped, roster(tmp_path))
    assert written == {}
    assert "LMS user id 1002 is bsmith's but the name 'doejane' is jdoe's" in report.unmatched[0][1]


def test_files_of_two_lms_users_matching_one_name_are_both_refused(tmp_path):
    people = roster(tmp_path, "id,first_name,last_name\njdoe,Jane,Doe\nbsmith,Bob,Smith\n")  # no LMS ids
    source = make_zip(tmp_path / "canvas.zip", {f"doejane_1001_5001_{NB}.ipynb": "jane's work",
                                                f"doejane_1007_5002_{NB}-1.ipynb": "mallory's",
                                                f"smithbob_1002_5003_{NB}.ipynb": "bob's work"})
    report, written = collect(tmp_path, source, people)
    assert written == {f"bsmith/{NB}.ipynb": "bob's work"}
    assert {why for _, why in report.unmatched} == {
        "files of different LMS users (1001, 1007) match jdoe: check who submitted what"}


def test_two_students_of_the_same_name_are_reported_never_guessed(tmp_path):
    people = roster(tmp_path, "id,first_name,last_name\njdoe1,Jane,Doe\njdoe2,Jane,Doe\nbsmith,Bob,Smith\n")
    nfd = unicodedata.normalize("NFD", "Zoë Roe")
    source = make_zip(tmp_path / "moodle.zip", {f"Jane Doe_2001_assignsubmission_file_{NB}.ipynb": "which Jane?",
                                                f"Bob Smith_2002_assignsubmission_file_{NB}.ipynb": "bob's work"})
    report, written = collect(tmp_path, source, people)
    assert written == {f"bsmith/{NB}.ipynb": "bob's work"}
    assert report.unmatched == [(f"Jane Doe_2001_assignsubmission_file_{NB}.ipynb",
                                 "several roster students match 'Jane Doe': jdoe1, jdoe2")]
    # the same name in two Unicode normalisations is one name: two files for one student, neither guessed
    people = roster(tmp_path, "id,first_name,last_name\nzroe,Zoë,Roe\n")
    source = make_zip(tmp_path / "zoe.zip", {f"Zoë Roe_2001_assignsubmission_file_{NB}.ipynb": "one",
                                             f"{nfd}_2001_assignsubmission_file_{NB}.ipynb": "other"})
    report, written = collect(tmp_path / "zoe", source, people)
    assert written == {} and len(report.unmatched) == 2


# ---- the roster and the gradebook, through the command


@pytest.fixture(scope="module")
def released_gradebook(tmp_path_factory) -> Path:
    """A gradebook with the assignment in it, as `cnn2 release` leaves it (made once: alembic is slow)."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # alembic
        with Gradebook(f"sqlite:///{path}", course_id="cnn2") as gradebook:
            gradebook.add_assignment(ASSIGNMENT)
            gradebook.add_notebook(NB, ASSIGNMENT)
            gradebook.add_grade_cell("test_softmax", NB, ASSIGNMENT, max_score=2.0, cell_type="code")
    return path


@pytest.fixture
def course(tmp_path, released_gradebook) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "cnn2"\n')
    shutil.copy(released_gradebook, course / "gradebook.db")
    return course


def run_cli(course: Path, *args: str) -> int:
    cwd = Path.cwd()
    os.chdir(course)
    try:
        return cli.main(list(args))
    finally:
        os.chdir(cwd)


def test_invalid_roster_rows_are_left_out_of_the_gradebook_and_listed(tmp_path, course, capsys):
    (tmp_path / "roster.csv").write_text(
        'id,first_name,last_name,lms_user_id\njdoe,Jane,Doe,1001\n=1+1,Eve,One,1003\n'
        '"=HYPERLINK(""http://x"",""y"")",Eve,Two,1004\n\x1b[31mred,Eve,Three,1005\n../x,Eve,Four,1006\n'
        f'{"a" * 65},Eve,Five,1007\nBSmith,Bob,Smith,1002\nbsmith,Bob,Smith,1008\nok,Eve\x07,Six,1009\n')
    source = make_zip(tmp_path / "canvas.zip", {f"doejane_1001_5001_{NB}.ipynb": "jane's work",
                                                f"oneeve_1003_5003_{NB}.ipynb": "eve's"})
    status = run_cli(course, "collect", ASSIGNMENT, str(source), "--roster", str(tmp_path / "roster.csv"))
    out = capsys.readouterr().out
    assert status == 1 and "collected 1 notebooks of 1 students" in out
    assert "8 roster rows left out" in out and "\x1b" not in out and "\x07" not in out
    assert "no roster student matches 'oneeve' or LMS user id 1003" in out
    problems = dict(Roster.read(tmp_path / "roster.csv").problems)
    assert sorted(problems) == [f"roster line {n}" for n in (10, 3, 4, 5, 6, 7, 8, 9)]
    assert all("is not a valid student id" in problems[f"roster line {n}"] for n in (3, 4, 6, 7))
    assert all(problems[f"roster line {n}"].startswith("control or invisible") for n in (5, 10))
    assert problems["roster line 8"] == "id 'BSmith' is also on line 9 (ids are compared ignoring case): keep one"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="cnn2") as gradebook:
        assert [s.id for s in gradebook.students] == ["jdoe"]
    assert [p.name for p in (course / "submitted").iterdir()] == ["jdoe"]


def test_a_bad_source_or_roster_does_nothing_and_says_why_without_a_traceback(tmp_path, course, capsys):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip" + b"PK\x05\x06" + b"\xff" * 18)
    assert run_cli(course, "collect", ASSIGNMENT, str(tmp_path / "broken.zip")) == 2
    (tmp_path / "roster.csv").write_bytes(b"id\n\xff\xfe\n")
    assert run_cli(course, "collect", ASSIGNMENT, str(tmp_path / "broken.zip"), "--roster",
                   str(tmp_path / "roster.csv")) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "cannot be read as a zip file" in err and "is not a UTF-8 CSV file" in err


# ---- the export


def test_exported_cells_a_spreadsheet_would_evaluate_are_neutralised(tmp_path):
    cells = ["=1+1", '=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a\x1b[2Jb", "plain"]
    row = {"assignment": ASSIGNMENT, "notebook": NB, "test": "t", "points": -1.0, "max_points": 2.0,
           "status": "graded", "reason": "", "mistake": "", "flags": ""}
    write_csv([{"student_id": cell, **row} for cell in cells], tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["student_id"] for r in rows] == ["'=1+1", "'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'-1",
                                               "'@SUM(A1)", "'\\tx", "'\\rx", "a\\x1b[2Jb", "plain"]
    assert {r["points"] for r in rows} == {"-1.0"}  # numbers are not text: left as they are


def test_export_of_a_gradebook_id_that_is_a_formula_is_neutralised(tmp_path, course, capsys):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="cnn2") as gradebook:
        gradebook.add_student("=cmd|' /C calc'!A0")  # e.g. by `nbgrader db student add`
    assert run_cli(course, "export", "-o", "grades.csv") == 0
    with open(course / "grades.csv", newline="") as f:
        assert [r["student_id"] for r in csv.DictReader(f)] == ["'=cmd|' /C calc'!A0"]
