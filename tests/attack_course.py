"""The course the attack suites of assignment 02 grade against, as fixtures and helpers.

``tests/conftest.py`` loads this module as a pytest plugin, so its fixtures (``course``,
``honest_wrong``, ``processes_left_behind``) reach every attack module without imports; the helpers are
imported. An attack module applies ``processes_left_behind`` with
``pytestmark = pytest.mark.usefixtures("processes_left_behind")``.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
import pytest

from autograder.grading.notebooks import cell_label
from autograder.grading.sandbox import Limits, Sandbox
from autograder.grading.verdict import NotebookVerdict, grade_notebook
from known_implementations.softmax_cross_entropy import UNIFORM_SOFTMAX
from notebook_code import ROOT, filled_release
from test_sandbox import processes_of

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy.ipynb"
FULL = 21.0
WRONG = 18.0  # a wrong softmax costs its own 3 points only (the later functions get the reference's)
SOFTMAX_TESTS = ("test_softmax", "test_softmax_hidden")
# Small limits keep the suite fast; the infinite loops get the short wall time WALL, which each of
# them costs.
LIMITS = Limits(wall_seconds=30, total_seconds=120, cpu_seconds=60, memory_bytes=1 << 30, processes=4,
                file_bytes=1 << 20, tmp_bytes=8 << 20)
WALL = 3.0
LOOP_LIMITS = replace(LIMITS, wall_seconds=WALL, test_seconds=WALL)

SOFTMAX = '''
def softmax(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
'''


@dataclass
class Course:
    root: Path
    source: Path
    release: Path
    secrets: dict[str, str]  # what each secret file holds -> its path


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    """A course folder with the assignment's source and release, a gradebook, and another
    student's submission, each holding a secret string an attack must not get."""
    root = tmp_path_factory.mktemp("attacks") / "course"
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    shutil.copytree(ROOT / "exercises" / ASSIGNMENT, root / "exercises" / ASSIGNMENT)
    source = root / "solutions" / ASSIGNMENT / NOTEBOOK
    release = root / "exercises" / ASSIGNMENT / NOTEBOOK
    gradebook_secret, other_secret = f"GRADEBOOK-{secrets.token_hex(8)}", f"OTHER-{secrets.token_hex(8)}"
    (root / "gradebook.db").write_text(gradebook_secret)
    other = root / "submitted" / "other_student" / ASSIGNMENT / NOTEBOOK
    other.parent.mkdir(parents=True)
    nbformat.write(filled_release(release, source, {"softmax": f"# {other_secret}\n{UNIFORM_SOFTMAX}"}), other)
    return Course(root, source, release, {"seed=20261": str(source), gradebook_secret: str(root / "gradebook.db"),
                                          other_secret: str(other)})


def _digest(folder: Path, skip: Path | None = None) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and p != skip and "__pycache__" not in p.parts}


LEFT_BEHIND: list[tuple[str, str]] = []


@pytest.fixture(scope="module")
def processes_left_behind():
    """Every sandbox closed while grading: the processes it had just before must be gone after."""
    close = Sandbox.close

    def close_and_check(box):
        before = processes_of(box.uid)
        close(box)
        LEFT_BEHIND.extend(before & processes_of(box.uid))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sandbox, "close", close_and_check)
        yield


def grade(course: Course, student: str, submission, *, filename: str = NOTEBOOK,
          limits: Limits = LIMITS) -> NotebookVerdict:
    """Write ``submission`` (a notebook, or text/bytes for broken files) as ``student``'s, grade it,
    and check that nothing else in the course changed and no sandbox process is left."""
    path = course.root / "submitted" / student / ASSIGNMENT / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(submission, (str, bytes)):
        path.write_bytes(submission.encode() if isinstance(submission, str) else submission)
    else:  # as the student's Jupyter saved it, without nbformat's validation
        path.write_text(json.dumps(submission))
    course_before = _digest(course.root, skip=path)
    verdict = grade_notebook(course.source, path, seed=7, limits=limits)
    assert _digest(course.root, skip=path) == course_before
    assert LEFT_BEHIND == []
    return verdict


def solution(course: Course, overrides: dict[str, str] | None = None):
    return filled_release(course.release, course.source, overrides)


def with_attack(course: Course, attack: str, softmax: str = UNIFORM_SOFTMAX):
    """The solution with ``softmax`` (wrong by default) and the attack code after it in its cell."""
    return solution(course, {"softmax": softmax + "\n" + attack})


def last_cell(course: Course) -> str:
    """How the grader names the release's last cell, a code cell without nbgrader metadata that calls
    the student's functions."""
    cells = nbformat.read(course.release, as_version=4).cells
    assert cells[-1].cell_type == "code" and "nbgrader" not in cells[-1].metadata
    return cell_label(len(cells), cells[-1].source)


def points(verdict: NotebookVerdict) -> dict[str, float]:
    return {test.grade_id: test.points for test in verdict.tests}


@pytest.fixture(scope="module")
def honest_wrong(course) -> NotebookVerdict:
    verdict = grade(course, "honest_wrong", solution(course, {"softmax": UNIFORM_SOFTMAX}))
    assert verdict.status == "graded" and verdict.score == WRONG and verdict.flags == []
    return verdict


def assert_changes_nothing(verdict: NotebookVerdict, honest_wrong: NotebookVerdict, flags=()) -> None:
    """The attack earned exactly what the same wrong softmax earns honestly."""
    assert verdict.status == "graded", verdict.reason
    assert points(verdict) == points(honest_wrong)
    assert verdict.flags == list(flags)


def reporting_softmax(probe: str) -> str:
    """A wrong softmax whose visible test shows what ``probe`` put in REPORT (via its exception)."""
    return f'''
REPORT = []
{probe}
def softmax(y):
    raise RuntimeError(" | ".join(REPORT))
'''
