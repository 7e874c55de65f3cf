"""A student's set-up (student-config/ on JUPYTER_CONFIG_PATH, as the README and binder/start do it):
`nbgrader validate` run from an exercise folder reads a configuration and prints a failed check whole,
the likely mistake included; nbgrader's instructor tools are not shown.

A student's notebook with a softmax that skips the max-shift: its self-check fails on huge logits and
names the mistake.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from autograder.hints import HINTS
from known_implementations.softmax_cross_entropy import SOFTMAX_WITHOUT_MAX
from notebook_code import ROOT, filled_release

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy.ipynb"
BIN = ROOT / ".venv" / "bin"
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")


def student_environment(tmp_path: Path) -> dict[str, str]:
    """The environment of a student's shell: student-config/ on JUPYTER_CONFIG_PATH, an empty user
    configuration folder (nothing of this machine's ~/.jupyter)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
    environment.update(JUPYTER_CONFIG_PATH=str(ROOT / "student-config"),
                       JUPYTER_CONFIG_DIR=str(tmp_path / "user-jupyter-config"))
    return environment


@pytest.fixture(scope="module")
def validation(tmp_path_factory) -> str:
    """What `nbgrader validate` prints, run from the student's exercise folder."""
    tmp_path = tmp_path_factory.mktemp("student")
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(ROOT / "exercises" / ASSIGNMENT, folder)
    nb = filled_release(folder / NOTEBOOK, ROOT / "solutions" / ASSIGNMENT / NOTEBOOK, {"softmax": SOFTMAX_WITHOUT_MAX})
    nbformat.write(nb, folder / NOTEBOOK)
    process = subprocess.run([str(BIN / "nbgrader"), "validate", NOTEBOOK], cwd=folder, capture_output=True,
                             text=True, timeout=300, env=student_environment(tmp_path))
    return process.stdout + process.stderr


def test_validation_reads_the_student_configuration(validation):
    assert "No nbgrader_config.py file found" not in validation, validation
    assert "VALIDATION FAILED ON 1 CELL(S)" in validation, validation


def test_validation_names_the_mistake_in_whole_lines(validation):
    text = " ".join(validation.split())
    assert "softmax(y) on huge logits (around +900)" in text, validation
    assert f"Likely mistake: no-max-subtraction. {HINTS['no-max-subtraction']}" in text, validation
    cut = [line for line in validation.splitlines() if line.endswith("...")]
    assert not cut, cut


def test_validation_shows_no_traceback(validation):
    error = validation.split("The error was:", 1)[1]
    assert not re.search(r"Traceback|compare\.py|During handling|File \"", error), error


def test_students_do_not_see_the_instructor_tools(tmp_path):
    listing = subprocess.run([str(BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True,
                             timeout=120, env=student_environment(tmp_path))
    disabled = listing.stdout.split("Disabled extensions:", 1)[-1] + listing.stderr.split("Disabled extensions:", 1)[-1]
    assert all(plugin in disabled for plugin in INSTRUCTOR_PLUGINS), listing.stdout + listing.stderr
    server = (ROOT / "student-config" / "jupyter_server_config.json").read_text(encoding="utf-8")
    assert '"nbgrader.server_extensions.formgrader": false' in server
