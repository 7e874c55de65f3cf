"""Markers by kind of test, so that ``make check`` runs the fast part and ``make test`` everything.

- ``sandbox``: grades student code in the bubblewrap sandbox (needs Linux, root and bwrap);
- ``nbgrader``: runs nbgrader's apps and Jupyter kernels (release, round trips);
- ``browser``: opens the built book in Chromium;
- ``slow``: sweeps over 200 seeds, the load test, training runs and end-to-end commands.

``make check`` deselects all four: ``pytest -m "not sandbox and not nbgrader and not browser and not slow"``.

Outside CI (``CI=true``), a test that needs what this machine lacks is skipped with the reason: the
sandbox's tests without Linux, root or bubblewrap, the browser tests without chromium, the PostgreSQL
gradebook's tests without PostgreSQL. In CI they run, and fail, so a missing install step is seen.

One marker per assignment, named by its topic (``-m optimizers``, ``-m capstone``), registered from the
registry: on the tests of its ``test_checks_<topic>.py``, ``test_attacks_<topic>.py`` and
``test_roundtrip_<topic>.py``, and on every test parametrized with the assignment.
"""
from __future__ import annotations

import os
import shutil
import sys
from fnmatch import fnmatch

import pytest

from autograder.assignments import ASSIGNMENTS, Assignment
from autograder.torch_helpers import one_thread
from browser import BrowserError, find_chromium
from postgres import find_bin

# the attack suites' course and its fixtures (course, honest_wrong, processes_left_behind)
pytest_plugins = ["attack_course"]

MARKERS_BY_FILE = {
    "sandbox": ("test_attacks*.py", "test_sandbox.py", "test_cli.py", "test_pipeline.py", "test_verdict.py",
                "test_load.py"),
    "nbgrader": ("test_roundtrip_*.py", "test_release_up_to_date.py"),
    "browser": ("test_book_browser.py", "test_jupyterlab_browser.py"),
    "slow": ("test_load.py", "test_training_ddp.py", "test_gpu_check.py", "test_real_data.py"),
}
TOPIC_FILE_KINDS = ("checks", "attacks", "roundtrip")  # test_<kind>_<topic>.py tests one assignment
SLOW_TEST_NAMES = ("for_every_seed", "the_command_writes", "resume_reuses")


def pytest_configure(config: pytest.Config) -> None:
    for assignment in ASSIGNMENTS:
        config.addinivalue_line("markers", f"{assignment.topic}: tests of assignment {assignment.slug}")


def _params(item: pytest.Item) -> list:
    """The values ``item`` is parametrized with (none for a test that is not)."""
    return list(item.callspec.params.values()) if hasattr(item, "callspec") else []


def _assignment_topics(item: pytest.Item) -> set[str]:
    """The topics of the assignments ``item`` tests: by its file's name, or by its parameters."""
    topics = {assignment.topic for assignment in ASSIGNMENTS
              if item.path.name in {f"test_{kind}_{assignment.topic}.py" for kind in TOPIC_FILE_KINDS}}
    return topics | {value.topic for value in _params(item) if isinstance(value, Assignment)}


def _lacking() -> dict[str, str]:
    """What this machine lacks for some kinds of test: the kind (a marker, or ``postgresql``) -> why."""
    lacking = {}
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("bwrap") is None:
        lacking["sandbox"] = ("the grading sandbox needs Linux, root and bubblewrap (bwrap); "
                              "install it with `make system-packages` and run as root")
    try:
        find_chromium()
    except BrowserError as error:
        lacking["browser"] = str(error)
    try:
        find_bin("initdb")
    except RuntimeError as error:
        lacking["postgresql"] = str(error)
    return lacking


def _skip_what_this_machine_cannot_run(items: list[pytest.Item]) -> None:
    if os.environ.get("CI") == "true":
        return
    lacking = _lacking()
    for item in items:
        kinds = {marker.name for marker in item.iter_markers()}
        if any(isinstance(value, str) and value == "postgresql" for value in _params(item)):
            kinds.add("postgresql")
        for kind in sorted(kinds & set(lacking)):
            item.add_marker(pytest.mark.skip(reason=f"skipped here: {lacking[kind]}"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        file_name = item.path.name
        for marker, patterns in MARKERS_BY_FILE.items():
            if any(fnmatch(file_name, pattern) for pattern in patterns):
                item.add_marker(marker)
        if any(part in item.name for part in SLOW_TEST_NAMES):
            item.add_marker("slow")
        for topic in _assignment_topics(item):
            item.add_marker(topic)
    _skip_what_this_machine_cannot_run(items)


@pytest.fixture(scope="module")
def torch_on_one_thread():
    """For modules of tiny torch models (``pytestmark = pytest.mark.usefixtures("torch_on_one_thread")``):
    one thread runs them as fast as two, and is not slowed down 10-30x (OpenMP threads waiting on each
    other) when other processes load the CPU."""
    with one_thread():
        yield


@pytest.fixture(scope="session")
def round_trip(tmp_path_factory):
    """``round_trip(assignment)``: its nbgrader round trip (tests/round_trips.py), graded once per session."""
    from round_trips import graded_round_trip  # imports nbgrader: only for the tests that grade

    graded = {}

    def course(assignment):
        if assignment.slug not in graded:
            graded[assignment.slug] = graded_round_trip(tmp_path_factory.mktemp(assignment.slug), assignment)
        return graded[assignment.slug]
    return course
