"""The course directory as nbgrader sees it: the settings of ``nbgrader_config.py`` and the paths of each step.

Layout (nbgrader's defaults, with this course's folder names)::

    nbgrader_config.py
    solutions/<assignment>/<notebook>.ipynb                   source (instructors only)
    exercises/<assignment>/<notebook>.ipynb                   release
    submitted/<student>/<assignment>/<notebook>.ipynb         collected submissions
    autograded/<student>/<assignment>/<notebook>.ipynb        what formgrader shows for manual grading
    feedback/<student>/<assignment>/<notebook>.html           what students receive
    gradebook.db                                              nbgrader's gradebook (or CourseDirectory.db_url)
"""
from __future__ import annotations

import datetime
import glob
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import parse_utc
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


def put_environment_scripts_on_path() -> None:
    """Put the scripts folder of this Python's environment first on PATH, if it is not on it.

    nbgrader creates and upgrades a gradebook by running the ``alembic`` command, installed next to
    this interpreter: without this, ``.venv/bin/cnn2`` run without activating the environment fails on
    a new gradebook with "No such file or directory: 'alembic'".
    """
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])


class CourseError(Exception):
    """The course directory or gradebook is not in a state the command can work with."""


@dataclass
class Course:
    """A course directory: nbgrader's ``CourseDirectory`` settings, read like nbgrader reads them."""

    directory: CourseDirectory

    @classmethod
    def load(cls, root: Path, db_url: str | None = None) -> Course:
        """Read ``root/nbgrader_config.py``; ``db_url`` overrides ``CourseDirectory.db_url``."""
        root = root.resolve()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"no {CONFIG_FILE} in {root}: run cnn2 from the course root, like nbgrader")
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
        directory = CourseDirectory(config=config)
        if "root" not in config.get("CourseDirectory", {}):
            directory.root = str(root)
        if db_url:
            directory.db_url = db_url
        return cls(directory)

    @property
    def root(self) -> Path:
        return Path(self.directory.root)

    @property
    def db_url(self) -> str:
        return self.directory.db_url

    def gradebook(self) -> Gradebook:
        """nbgrader's gradebook of this course (use it as a context manager, it holds a connection)."""
        put_environment_scripts_on_path()
        return Gradebook(self.db_url, course_id=self.directory.course_id)

    def _folder(self, step: str, student: str, assignment: str) -> Path:
        return Path(self.directory.format_path(step, student, assignment))

    def source_notebook(self, assignment: str, notebook: str) -> Path:
        return self._folder(self.directory.source_directory, ".", assignment) / f"{notebook}.ipynb"

    def submitted_folder(self, student: str, assignment: str) -> Path:
        return self._folder(self.directory.submitted_directory, student, assignment)

    def feedback_folder(self, student: str, assignment: str) -> Path:
        return self._folder(self.directory.feedback_directory, student, assignment)

    def autograded_folder(self, student: str, assignment: str) -> Path:
        return self._folder(self.directory.autograded_directory, student, assignment)

    def release_notebook(self, assignment: str, notebook: str) -> Path:
        return self._folder(self.directory.release_directory, ".", assignment) / f"{notebook}.ipynb"

    def submitted_timestamp(self, student: str, assignment: str) -> datetime.datetime | None:
        """The time in ``submitted/<student>/<assignment>/timestamp.txt`` (naive UTC, as nbgrader stores
        it), or None when there is no such file or it cannot be read as a time."""
        path = self.submitted_folder(student, assignment) / "timestamp.txt"
        try:
            return parse_utc(path.read_text().strip()) if path.is_file() else None
        except (ValueError, OverflowError, OSError, UnicodeDecodeError):
            return None

    def submitted_students(self, assignment: str) -> list[str]:
        """Ids of the students with a folder ``submitted/<student>/<assignment>/``, sorted."""
        pattern = self._folder(self.directory.submitted_directory, "*", assignment)
        return sorted(Path(p).parent.name for p in glob.glob(str(pattern)) if Path(p).is_dir())

    def released_assignments(self, gradebook: Gradebook) -> list[str]:
        """The assignments nbgrader knows (``generate_assignment`` puts them in the gradebook), sorted."""
        return sorted(a.name for a in gradebook.assignments)

    def notebooks(self, gradebook: Gradebook, assignment: str) -> list[str]:
        """The notebook names (without ``.ipynb``) of a released assignment, sorted."""
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"assignment {assignment!r} is not in the gradebook: "
                              f"run `cnn2 release {assignment}` first") from None
        return sorted(nb.name for nb in found.notebooks)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes: what identifies one version of a submission."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def student_seed(course_id: str, assignment: str, student: str) -> int:
    """The grader's random seed for one student's inputs: different per student, the same on every run
    (so a resumed run gives the same scores as an uninterrupted one)."""
    digest = hashlib.sha256(f"{course_id}/{assignment}/{student}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
