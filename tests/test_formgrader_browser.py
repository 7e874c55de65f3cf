"""Manual grading after ``cnn2 autograde`` in nbgrader's formgrader, in a real browser (headless chromium
through playwright): the submissions are listed as autograded, a submission's grading page shows the
rubric and the verdict, a written answer graded there (score, comment, extra credit) and an automatic
score overridden there show in ``cnn2 export`` (per test and ``--totals``), ``status`` and ``feedback``."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from benchmarks.grading_runs import cnn2
from browser import find_chromium, jupyter_server
from grading import ADA_EXPORTED, EXAM, EXAM_NOTEBOOK, exam_practice_course, exported_columns

pytestmark = [pytest.mark.sandbox, pytest.mark.browser]

TIMEOUT_MS = 60_000



@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    course = exam_practice_course(tmp_path_factory.mktemp("formgrader_browser") / "course")
    result = cnn2(course, "autograde", "-q")
    assert result.returncode == 1, result.stdout + result.stderr  # cy's notebook is corrupt
    return course


@pytest.fixture(scope="module")
def formgrader(course) -> str:
    """A Jupyter server with nbgrader's formgrader in the course directory; yields its base URL
    (already logged in through ``?token=`` on the first page)."""
    with jupyter_server("server", course, course.parent / "server.log") as (base, token):
        yield f"{base}?token={token}"


@pytest.fixture(scope="module")
def graded(formgrader, tmp_path_factory) -> dict:
    """Go through formgrader as a grader does; returns what the pages showed."""
    base, login = formgrader.split("?")
    seen: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(f"{base}/formgrader?{login}")
            page.goto(f"{base}/formgrader/manage_submissions/{EXAM}")
            page.wait_for_selector("#main-table tr:has-text('cy')")
            page.wait_for_load_state("networkidle")
            seen["submissions"] = page.inner_text("#main-table")

            page.goto(f"{base}/formgrader/gradebook/{EXAM}/{EXAM_NOTEBOOK}")
            page.wait_for_selector("#main-table tr td a")
            page.wait_for_load_state("networkidle")
            links = {name: page.get_attribute(f"a.name-shown:text-is('{name}')", "href") for name in ("ada", "cy")}
            seen["rows"] = page.locator("#main-table tr").count()

            response = page.goto(base + links["cy"])
            page.wait_for_load_state("networkidle")
            seen["cy status"], seen["cy"] = response.status, page.inner_text("body")

            response = page.goto(base + links["ada"])
            page.wait_for_load_state("networkidle")
            seen["ada status"], seen["ada"] = response.status, page.inner_text("body")
            for selector, value in [("input.score#short_1", "2.5"),
                                    ("textarea#short_1-comment", "Name weight sharing."),
                                    ("input.extra-credit#long_1_extra_credit", "1"),
                                    ("input.score#long_1", "6"), ("input.score#test_answer_2", "2")]:
                page.fill(selector, value)
                page.press(selector, "Tab")  # formgrader saves a field when it loses the focus
            page.wait_for_load_state("networkidle")
            page.reload()
            page.wait_for_load_state("networkidle")
            seen["saved"] = {name: page.input_value(f"input.score#{name}")
                             for name in ("short_1", "long_1", "test_answer_2")}
            seen["saved comment"] = page.input_value("textarea#short_1-comment")
        finally:
            page.screenshot(path=str(tmp_path_factory.getbasetemp() / "formgrader.png"), full_page=False)
            browser.close()
    return seen


def test_formgrader_lists_the_submissions_as_autograded(graded):
    assert "needs autograding" not in graded["submissions"]
    assert all(student in graded["submissions"] for student in ("ada", "bob", "cy"))
    assert graded["rows"] == 3  # ada, bob and cy, each with a grading page


def test_the_grading_page_shows_the_verdict_and_the_rubric(graded):
    assert graded["ada status"] == 200
    assert "TestFailed: answer_2" in graded["ada"] and "passed" in graded["ada"]
    assert "Rubric (3 points)" in graded["ada"] and "Rubric (8 points)" in graded["ada"]


def test_an_ungradable_notebook_opens_for_grading_by_hand(graded):
    assert graded["cy status"] == 200 and "could not be graded: corrupt notebook" in graded["cy"]


def test_scores_and_comments_entered_in_formgrader_are_saved(graded):
    assert graded["saved"] == {"short_1": "2.5", "long_1": "6", "test_answer_2": "2"}
    assert graded["saved comment"] == "Name weight sharing."


def test_what_was_graded_in_formgrader_is_in_the_export_status_and_feedback(course, graded):
    assert exported_columns(course, "ada", ADA_EXPORTED) == ADA_EXPORTED

    assert cnn2(course, "export", "--totals", "--format", "canvas", "-o", "canvas.csv").returncode == 0
    with open(course / "canvas.csv", newline="") as f:
        rows = {r["SIS User ID"] or r["Student"]: r for r in csv.DictReader(f)}
    assert rows["ada"][EXAM] == "" and rows["bob"][EXAM] == "0.0"  # ada still has short_2 and short_3 to grade
    assert float(rows["Points Possible"][EXAM]) > 0

    status = cnn2(course, "status").stdout
    assert f"{EXAM}, to grade by hand (formgrader, Manual Grading): ada (short_2, short_3: 6 points)" in status

    assert cnn2(course, "feedback", "-q", "--format", "md", "--student", "ada").returncode == 0
    feedback = (course / "feedback" / "ada" / EXAM / f"{EXAM_NOTEBOOK}.md").read_text()
    assert "| short_1 | graded by hand | 2.5 / 3 |" in feedback and "Name weight sharing." in feedback
    assert "(6 points are still to be graded by hand)" in feedback
