"""The book offers only launch paths that work, and students get the student set-up.

No network here, so Binder is not built: these tests check what repo2docker would read. Binder builds from
binder/ (repo2docker then ignores the root's files): binder/requirements.txt installs the course's pinned
requirements.txt, whose `-e .` installs the course package (the checks' `import autograder`); binder/start
puts student-config/ on JUPYTER_CONFIG_PATH. Colab and JupyterHub are not offered (see _config.yml).
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
STUDENT_CONFIG = ROOT / "student-config"
# The services Jupyter Book 1 can offer a launch button for, and those this course's set-up supports.
SERVICES = ("binderhub_url", "jupyterhub_url", "colab_url", "thebe")
WORKING = {"binderhub_url"}


def requirement_lines(path: Path) -> list[str]:
    """The requirements ``path`` installs, its ``-r`` includes followed (relative to the including file,
    as pip does), comments and blank lines dropped."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r"):
            lines += requirement_lines(path.parent / line[2:].strip())
        elif line:
            lines.append(line)
    return lines


def test_the_book_offers_only_working_launch_paths():
    buttons = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["launch_buttons"]
    offered = {key for key in SERVICES if buttons.get(key)}
    assert offered == WORKING, f"launch buttons offered: {sorted(offered)}; only {sorted(WORKING)} work"
    assert buttons["binderhub_url"] == "https://mybinder.org"
    assert "example" not in json.dumps(buttons), "a placeholder URL is left in launch_buttons"


def test_binder_installs_the_pinned_requirements_and_the_course_package():
    # with a binder/ folder, repo2docker reads its configuration there only
    assert not any((ROOT / name).exists() for name in ("environment.yml", "Pipfile", "setup.py", "Dockerfile"))
    installed = requirement_lines(BINDER / "requirements.txt")
    pinned = requirement_lines(ROOT / "requirements.txt")
    assert installed[-len(pinned):] == pinned, "binder/requirements.txt must include ../requirements.txt"
    assert "-e ." in pinned, "requirements.txt must install the course package (the checks import autograder)"
    options = [line for line in installed if line.startswith("-")]
    assert all(line in ("-e .", "--extra-index-url=https://download.pytorch.org/whl/cpu") for line in options), options


def test_binder_uses_the_courses_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"


def test_binder_start_gives_students_the_student_set_up(tmp_path):
    start = BINDER / "start"
    assert os.access(start, os.X_OK), "binder/start must be executable"
    # run it as repo2docker does, with the command it must end by running
    shown = subprocess.run(["bash", str(start), "bash", "-c", 'printf %s "$JUPYTER_CONFIG_PATH"'],
                           env={"PATH": os.environ["PATH"], "REPO_DIR": str(ROOT)}, capture_output=True,
                           text=True, check=True).stdout
    assert shown.split(os.pathsep)[0] == str(STUDENT_CONFIG), shlex.quote(shown)
    assert (STUDENT_CONFIG / "nbgrader_config.py").is_file()
