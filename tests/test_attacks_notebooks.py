"""Broken or unusual notebooks submitted for assignment 02-softmax-cross-entropy: corrupt files, older
formats, renamed, deleted, retyped or duplicated cells.
What every attack must get, and how it is graded: tests/test_attacks.py.
"""
from __future__ import annotations

import nbformat
import pytest

from attack_course import (
    FULL,
    UNIFORM_SOFTMAX,
    assert_changes_nothing,
    grade,
    points,
    solution,
)

pytestmark = pytest.mark.usefixtures("processes_left_behind")

# --- broken or unusual notebooks ------------------------------------------------------------------

@pytest.mark.parametrize("content, reason", [
    ('{"cells": [', "corrupt notebook: NotJSONError"),
    ("", "corrupt notebook: the file is empty"),
    (b"\xff\xfe\x00garbage", "corrupt notebook: UnicodeDecodeError"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": 5}]}',
     "corrupt notebook:"),
])
def test_broken_file_is_ungradable_with_the_reason(course, content, reason):
    verdict = grade(course, "broken", content)
    assert verdict.status == "ungradable" and verdict.reason.startswith(reason)
    assert verdict.score == 0 and verdict.max_score == FULL and len(verdict.tests) == 14


def test_older_nbformat_is_graded(course):
    v3 = nbformat.writes(nbformat.convert(solution(course), 3))
    verdict = grade(course, "nbformat3", v3)
    assert verdict.status == "graded" and verdict.score == FULL


def test_renamed_notebook_is_graded(course):
    verdict = grade(course, "renamed", solution(course), filename="softmax_cross_entropy (1) final.ipynb")
    assert verdict.status == "graded" and verdict.score == FULL


def test_another_notebook_is_ungradable_missing_cells(course):
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def softmax(y):\n    return y")])
    verdict = grade(course, "wrong_notebook", other)
    assert verdict.status == "ungradable"
    assert verdict.reason.startswith("missing cells: none of the solution cells")


def test_deleted_test_cells_cost_the_points_anyway(course, honest_wrong):
    nb = solution(course, {"softmax": UNIFORM_SOFTMAX})
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    assert_changes_nothing(grade(course, "deleted_tests", nb), honest_wrong)


def test_retyped_test_cells_are_ignored(course, honest_wrong):
    nb = solution(course, {"softmax": UNIFORM_SOFTMAX})
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax":
            cell.source = "pass"  # metadata kept: still a test cell, and the source's runs
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax_hidden":
            cell.metadata = {}    # metadata stripped: an ordinary cell, run in the sandbox
            cell.source = "import autograder.checks.softmax_cross_entropy as c\nc.check_softmax_edge_cases = print"
    verdict = grade(course, "retyped_tests", nb)
    assert verdict.status == "graded" and points(verdict) == points(honest_wrong)


def test_duplicated_test_cells_are_ignored(course, honest_wrong):
    nb = solution(course, {"softmax": UNIFORM_SOFTMAX})
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    nb.cells = nb.cells + [nbformat.from_dict(dict(c)) for c in tests]
    assert_changes_nothing(grade(course, "duplicated_tests", nb), honest_wrong)


def test_duplicated_solution_cell_runs_in_order_and_is_flagged(course, honest_wrong):
    nb = solution(course)
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax")
    copy = nbformat.from_dict(dict(nb.cells[first]))
    copy.source = UNIFORM_SOFTMAX
    nb.cells.insert(first + 1, copy)  # a second, wrong softmax after the right one: the last one wins
    verdict = grade(course, "duplicated_solution", nb)
    assert points(verdict) == points(honest_wrong)
    assert verdict.flags == ["duplicated cells: softmax appears 2 times (all copies ran, in notebook order)"]


def test_retyped_solution_cell_is_run_and_flagged(course):
    nb = solution(course)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax":
            cell.metadata = {}  # the student deleted the cell and typed the function in a new one
    verdict = grade(course, "retyped_solution", nb)
    assert verdict.status == "graded" and verdict.score == FULL
    assert verdict.flags == ["missing cells: softmax (their tests ran against whatever the rest of the "
                             "code defines)"]


def test_deleted_solution_cell_fails_its_tests(course):
    nb = solution(course)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "one_hot"]
    verdict = grade(course, "deleted_solution", nb)
    assert verdict.status == "graded"
    assert points(verdict)["test_one_hot"] == 0 and points(verdict)["test_softmax"] == 1
    message = next(t for t in verdict.tests if t.grade_id == "test_one_hot").message
    assert "name 'one_hot' is not defined" in message
