"""After ``cnn2 autograde`` the gradebook and ``autograded/`` are what nbgrader's formgrader needs for manual
grading, the same as a stock ``nbgrader autograde`` leaves them; scores a grader enters count in ``cnn2
status``, ``feedback`` and ``export``, and survive a forced re-grade. 06-exam-practice: 16 automatic points,
17 written ones. The browser flow is in test_formgrader_browser.py."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import parse_utc

from autograder.grading.autograded import GRADER_NOTE, MAX_CELLS, autograded_notebook
from autograder.grading.course import Course
from autograder.grading.jobs import SubmissionKey
from autograder.nbgrader_app import run_nbgrader
from benchmarks.grading_runs import cnn2
from grading import ADA_EXPORTED, ADA_TIMESTAMP, EXAM, EXAM_NOTEBOOK, exam_practice_course, exported_columns
from notebook_code import ROOT

pytestmark = pytest.mark.sandbox

WRITTEN = {"short_1": 3.0, "short_2": 3.0, "short_3": 3.0, "long_1": 8.0}
SOURCE_CELLS = [c.metadata.get("nbgrader", {}) for c in nbformat.read(
    ROOT / "solutions" / EXAM / f"{EXAM_NOTEBOOK}.ipynb", as_version=4).cells]
TESTS = {m["grade_id"]: float(m["points"]) for m in SOURCE_CELLS if m.get("grade") and not m.get("solution")}
TOTAL = sum(TESTS.values()) + sum(WRITTEN.values())



@pytest.fixture(scope="module")
def courses(tmp_path_factory) -> dict[str, Path]:
    """The same submissions graded by ``cnn2 autograde`` and by a stock ``nbgrader autograde``."""
    tmp = tmp_path_factory.mktemp("formgrader")
    ours = exam_practice_course(tmp / "cnn2")
    stock = tmp / "nbgrader"
    shutil.copytree(ours, stock)
    result = cnn2(ours, "autograde", "-q")
    assert result.returncode == 1, result.stdout + result.stderr  # cy's notebook is corrupt
    run_nbgrader(stock, "autograde", EXAM, check=False)
    return {"cnn2": ours, "nbgrader": stock}


def api(course: Path) -> NbGraderAPI:
    return NbGraderAPI(CourseDirectory(root=str(course), source_directory="solutions",
                                       release_directory="exercises"))


def gradebook_state(course: Path, student: str) -> dict:
    """What formgrader reads of one submission: per grade cell (auto score, needs manual grade), per
    comment its automatic comment, and the submission's timestamp."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(EXAM_NOTEBOOK, EXAM, student)
        return {"grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in notebook.grades},
                "comments": {c.name: c.auto_comment for c in notebook.comments},
                "timestamp": gradebook.find_submission(EXAM, student).timestamp}


def autograded(course: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "autograded" / student / EXAM / f"{EXAM_NOTEBOOK}.ipynb", as_version=4)


def test_formgrader_lists_every_submission_as_autograded(courses):
    submissions = api(courses["cnn2"]).get_submissions(EXAM)
    assert {s["student"]: s["autograded"] for s in submissions} == {"ada": True, "bob": True, "cy": True}
    assert len(api(courses["cnn2"]).get_notebook_submission_indices(EXAM, EXAM_NOTEBOOK)) == 3


@pytest.mark.parametrize("student", ["ada", "bob"])
def test_the_gradebook_holds_what_a_stock_nbgrader_autograde_gives(courses, student):
    ours, stock = (gradebook_state(courses[c], student) for c in ("cnn2", "nbgrader"))
    assert ours == stock
    assert ours["timestamp"] == (parse_utc(ADA_TIMESTAMP) if student == "ada" else None)


def test_written_answers_wait_for_a_person_and_empty_ones_get_no_response(courses):
    ada, bob = (gradebook_state(courses["cnn2"], s)["grades"] for s in ("ada", "bob"))
    assert {name: ada[name] for name in WRITTEN} == {name: (None, True) for name in WRITTEN}
    assert {name: bob[name] for name in WRITTEN} == {name: (0.0, False) for name in WRITTEN}
    assert gradebook_state(courses["cnn2"], "bob")["comments"]["short_1"] == "No response."
    assert ada["test_answer_2"] == (0.0, False) and ada["test_answer_1"] == (2.0, False)


def test_the_autograded_notebook_is_nbgraders_with_the_verdict_as_outputs_and_the_rubric(courses):
    ours, stock = (autograded(courses[c], "ada") for c in ("cnn2", "nbgrader"))
    grader_notes = [c for c in ours.cells if c.metadata.get(GRADER_NOTE)]
    assert [c.source for c in ours.cells if not c.metadata.get(GRADER_NOTE)] == [c.source for c in stock.cells]
    assert [c.metadata.get("nbgrader") for c in ours.cells if not c.metadata.get(GRADER_NOTE)] == [
        c.metadata.get("nbgrader") for c in stock.cells]
    assert len(grader_notes) == len(WRITTEN) and all("**Rubric" in c.source for c in grader_notes)
    tests = {c.metadata["nbgrader"]["grade_id"]: c.outputs for c in ours.cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    assert tests["test_answer_1"][0]["text"] == "passed\n"
    assert tests["test_answer_2"][0]["ename"] == "TestFailed" and "answer_2" in tests["test_answer_2"][0]["evalue"]


def test_a_corrupt_notebook_can_be_scored_by_hand(courses):
    cy = autograded(courses["cnn2"], "cy")
    assert cy.cells[0].metadata.get(GRADER_NOTE) and "could not be graded: corrupt notebook" in cy.cells[0].source
    grades = gradebook_state(courses["cnn2"], "cy")["grades"]
    assert set(grades.values()) == {(None, True)} and set(grades) == set(TESTS) | set(WRITTEN)


def test_manual_scores_count_everywhere_and_survive_a_forced_regrade(courses):
    course = courses["cnn2"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:  # as formgrader's API saves them
        for name, score, extra in [("short_1", 2.5, None), ("long_1", 6.0, 1.0), ("test_answer_2", 2.0, None)]:
            grade = gradebook.find_grade(name, EXAM_NOTEBOOK, EXAM, "ada")
            grade.manual_score, grade.extra_credit, grade.needs_manual_grade = score, extra, False
        gradebook.find_comment("short_1", EXAM_NOTEBOOK, EXAM, "ada").manual_comment = "Name weight sharing."
        gradebook.db.commit()
    assert cnn2(course, "autograde", "-q", "--force").returncode == 1  # cy again
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_grade("short_1", EXAM_NOTEBOOK, EXAM, "ada").manual_score == 2.5
        # every test but answer_2 passed, answer_2 given its points by hand, two written answers graded
        assert gradebook.find_submission(EXAM, "ada").score == sum(TESTS.values()) + 2.5 + 7.0

    status = cnn2(course, "status").stdout
    assert f"{EXAM}, to grade by hand (formgrader, Manual Grading): ada (short_2, short_3: 6 points); " \
           f"cy ({len(TESTS) + len(WRITTEN)} cells: {TOTAL:g} points)" in status
    assert f"{EXAM}, ungradable: cy ({EXAM_NOTEBOOK}: corrupt notebook" in status

    assert cnn2(course, "feedback", "-q", "--format", "md").returncode == 0
    feedback = (course / "feedback" / "ada" / EXAM / f"{EXAM_NOTEBOOK}.md").read_text()
    assert f"Score: {sum(TESTS.values()) + 9.5:g} / {TOTAL:g} (6 points are still to be graded by hand)" in feedback
    assert "| short_1 | graded by hand | 2.5 / 3 |" in feedback and "Grader's comment: Name weight sharing." in feedback
    assert "| short_2 | to be graded | - / 3 |" in feedback and "| long_1 | graded by hand | 7 / 8 |" in feedback

    assert exported_columns(course, "ada", ADA_EXPORTED) == ADA_EXPORTED


def test_nbgraders_own_feedback_works_on_it_and_leaves_the_grader_notes_out(courses, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(courses["cnn2"], course)  # the course's nbgrader_config.py: RemoveGraderNotes is in it
    run_nbgrader(course, "generate_feedback", EXAM, "--force")  # over what `cnn2 feedback` wrote
    ada, bob = ((course / "feedback" / s / EXAM / f"{EXAM_NOTEBOOK}.html").read_text() for s in ("ada", "bob"))
    assert "About 150 M weights" in ada  # ada's answer to short_1 (her other answers quote the source's)
    assert "for the grader" not in ada and "for the grader" not in bob and "Rubric" not in bob


def test_a_graded_submission_formgrader_cannot_show_leaves_its_written_answers_to_a_person(courses):
    course = Course.load(courses["cnn2"])
    verdict = {"status": "graded", "reason": None, "tests": [], "flags": [], "score": 0.0,
               "max_score": sum(TESTS.values()), "seconds": 0.0}
    shown = autograded_notebook(SubmissionKey(EXAM, "cy", EXAM_NOTEBOOK), course.submitted_folder("cy", EXAM) /
                                f"{EXAM_NOTEBOOK}.ipynb", course.source_notebook(EXAM, EXAM_NOTEBOOK),
                                course.release_notebook(EXAM, EXAM_NOTEBOOK), course.db_url, verdict)
    assert "cannot be shown here (JSONDecodeError): this is the release notebook" in shown.notebook.cells[0].source
    assert shown.auto_scores == {name: None for name in WRITTEN} and shown.auto_comments == {}  # not "No response."


def test_a_submission_too_large_to_prepare_is_shown_as_the_release_notebook(courses, tmp_path):
    course = Course.load(courses["cnn2"])
    path = tmp_path / f"{EXAM_NOTEBOOK}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x") for _ in range(MAX_CELLS + 1)]),
                   path)
    verdict = {"status": "ungradable", "reason": "timeout: ...", "tests": [], "flags": [], "score": 0.0,
               "max_score": sum(TESTS.values()), "seconds": 0.0}
    started = time.monotonic()
    shown = autograded_notebook(SubmissionKey(EXAM, "cy", EXAM_NOTEBOOK), path, course.source_notebook(
        EXAM, EXAM_NOTEBOOK), course.release_notebook(EXAM, EXAM_NOTEBOOK), course.db_url, verdict)
    assert time.monotonic() - started < 10
    assert "cannot be shown here (TooLarge)" in shown.notebook.cells[0].source
