"""Markers by kind of test, so that ``make check`` runs the fast part and ``make test`` everything.

- ``sandbox``: grades student code in the bubblewrap sandbox (needs Linux, root and bwrap);
- ``nbgrader``: runs nbgrader's apps and Jupyter kernels (release, round trips);
- ``browser``: opens the built book in Chromium;
- ``slow``: sweeps over 200 seeds, the load test, training runs and end-to-end commands.

``make check`` deselects all four: ``pytest -m "not sandbox and not nbgrader and not browser and not slow"``.
"""
from __future__ import annotations

from fnmatch import fnmatch

import pytest

from autograder.torch_helpers import one_thread

# the attack suites' course and its fixtures (course, honest_wrong, processes_left_behind)
pytest_plugins = ["attack_course"]

MARKERS_BY_FILE = {
    "sandbox": ("test_attacks*.py", "test_sandbox.py", "test_cli.py", "test_pipeline.py", "test_verdict.py",
                "test_load.py"),
    "nbgrader": ("test_roundtrip_*.py", "test_release_up_to_date.py", "test_grading_round_trip.py"),
    "browser": ("test_book_browser.py", "test_jupyterlab_browser.py"),
    "slow": ("test_load.py", "test_training_ddp.py", "test_gpu_check.py", "test_real_data.py"),
}
SLOW_TEST_NAMES = ("for_every_seed", "the_command_writes", "resume_reuses")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        file_name = item.path.name
        for marker, patterns in MARKERS_BY_FILE.items():
            if any(fnmatch(file_name, pattern) for pattern in patterns):
                item.add_marker(marker)
        if any(part in item.name for part in SLOW_TEST_NAMES):
            item.add_marker("slow")


@pytest.fixture(scope="module")
def torch_on_one_thread():
    """For modules of tiny torch models (``pytestmark = pytest.mark.usefixtures("torch_on_one_thread")``):
    one thread runs them as fast as two, and is not slowed down 10-30x (OpenMP threads waiting on each
    other) when other processes load the CPU."""
    with one_thread():
        yield
