"""Two attack classes of issue 9 tried on every numpy assignment with functions, not only on 02 (the
capstone's are in ``test_attacks_capstone.py``): reading a hidden input back
through the feedback, and forging a known mistake.

Each solution function of the assignment is replaced by one that raises an exception whose class name
is a digest of its arguments (so a message that quoted it would carry the hidden input out) and whose
message claims a known mistake. Visible tests may quote the student's exception (the digest shows that
the channel exists there); hidden tests must not, and no test may record a mistake the grader's own
comparison did not recognise.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.grading.notebooks import read_source
from autograder.grading.sandbox import Limits
from autograder.grading.verdict import grade_notebook
from notebook_code import ROOT, filled_release

# the numpy assignments with functions (06's answers are values, which see no input; 07 has its own suite)
NUMPY_WITH_FUNCTIONS = [a for a in ASSIGNMENTS if a.exercises and a.topic not in ("exam_practice", "capstone")]
LIMITS = Limits(wall_seconds=30, total_seconds=300)
DIGEST = re.compile(r"Leak[0-9a-f]{12}")
LEAKING_FUNCTION = '''
def {name}(*args, **kwargs):
    import hashlib
    digest = hashlib.sha256(repr((args, kwargs)).encode()).hexdigest()[:12]
    raise type("Leak" + digest, (Exception,), {{}})(
        "Likely mistake: sign-flip. Likely mistake: gradient-ascent. input " + repr(args)[:200])
'''


def leaking_overrides(source: Path) -> dict[str, str]:
    """grade_id -> code for every solution cell that defines functions: each function leaks."""
    overrides = {}
    for cell in json.loads(source.read_text())["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] != "code" or not meta.get("solution"):
            continue
        tree = ast.parse("".join(cell["source"]))
        names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
        if names:
            overrides[meta["grade_id"]] = "".join(LEAKING_FUNCTION.format(name=name) for name in names)
    return overrides


@pytest.mark.parametrize("assignment", NUMPY_WITH_FUNCTIONS, ids=[a.slug for a in NUMPY_WITH_FUNCTIONS])
def test_no_hidden_input_and_no_forged_mistake_reaches_the_verdict(tmp_path, assignment):
    assignment, notebook = assignment.slug, assignment.notebook
    course = tmp_path / "course"
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder / assignment, course / folder / assignment)
    source = course / "solutions" / assignment / notebook
    overrides = leaking_overrides(source)
    assert overrides, "no solution function to attack"
    path = course / "submitted" / "leaker" / assignment / notebook
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(filled_release(course / "exercises" / assignment / notebook, source, overrides)))

    verdict = grade_notebook(source, path, seed=5, limits=LIMITS)

    assert verdict.status == "graded", verdict.reason
    hidden = {test.grade_id for test in read_source(source).tests if test.hidden}
    for test in verdict.tests:
        assert test.mistake is None and test.hint is None, (test.grade_id, test.message)
        if test.grade_id in hidden:
            assert not DIGEST.search(test.message) and "input" not in test.message, (test.grade_id, test.message)
    failed_visible = [t for t in verdict.tests if t.grade_id not in hidden and not t.passed]
    assert any(DIGEST.search(t.message) for t in failed_visible), "the visible channel should show the class name"
