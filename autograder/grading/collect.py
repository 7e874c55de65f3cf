"""Collect submissions into ``submitted/<student>/<assignment>/<notebook>.ipynb``.

The input is a folder or a zip file:

- a plain folder or zip: ``<student>/....ipynb`` or ``<student>.ipynb`` (``<student>`` is a student id,
  or a name the roster knows);
- a Canvas download: ``<name>[_LATE]_<user id>_<submission id>_<file>``, where ``<name>`` is the
  student's last and first name run together in lower case and a re-uploaded file gets ``-1``, ``-2``
  ... before its extension;
- a Moodle download: ``<Full Name>_<participant id>_assignsubmission_file_<file>``, or the same name as
  a folder holding the file.

The roster (a CSV in the columns of ``nbgrader db student import``: ``id``, ``first_name``,
``last_name``, ``email``, ``lms_user_id``) maps LMS user ids and names to student ids; its students are
added to the gradebook, so that those who submitted nothing appear in the export. Without a roster
the student id is the LMS user id (Canvas, Moodle) or the folder/file name (plain).

Each file is matched to a notebook of the assignment by name; when the assignment has one notebook,
any single ``.ipynb`` of a student is taken as it. Whatever cannot be matched (unknown student,
unknown notebook, not a notebook) is reported, never dropped silently.
"""
from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nbgrader.api import Gradebook

from autograder.grading.course import CourseError

CANVAS = re.compile(r"^(?P<name>[^_/]+)(?:_LATE)?_(?P<lms_id>\d+)_(?P<submission_id>\d+)_(?P<file>[^/]+)$")
MOODLE = re.compile(r"^(?P<name>[^_/]+)_(?P<lms_id>\d+)_assignsubmission_file_/?(?P<file>[^/]+)$")
RESUBMISSION = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)$")  # Canvas: softmax-1.ipynb is the 2nd upload


@dataclass(frozen=True)
class RosterEntry:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""


@dataclass
class Roster:
    """Students by id, with what identifies them in an LMS download."""

    students: list[RosterEntry]

    @classmethod
    def read(cls, path: Path) -> Roster:
        """A CSV with an ``id`` column and optionally ``first_name``, ``last_name``, ``email``,
        ``lms_user_id``; other columns are ignored."""
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        if rows and "id" not in rows[0]:
            raise CourseError(f"{path}: the roster needs an 'id' column (found: {', '.join(rows[0])})")
        fields = ("first_name", "last_name", "email", "lms_user_id")
        return cls([RosterEntry(row["id"].strip(), **{k: (row.get(k) or "").strip() for k in fields})
                    for row in rows if row["id"].strip()])

    def find(self, name: str, lms_id: str | None) -> tuple[str | None, str | None]:
        """The student id for an LMS user id or a name, and None; or None and why there is none."""
        if lms_id:
            by_lms = [s.id for s in self.students if s.lms_user_id == lms_id]
            if len(by_lms) == 1:
                return by_lms[0], None
        by_id = [s.id for s in self.students if s.id == name]
        if by_id:
            return by_id[0], None
        wanted = _letters(name)
        by_name = {s.id for s in self.students if wanted and wanted in (
            _letters(s.first_name + s.last_name), _letters(s.last_name + s.first_name),
            _letters(s.email.split("@")[0]))}
        if len(by_name) == 1:
            return by_name.pop(), None
        if by_name:
            return None, f"several roster students match {name!r}: {', '.join(sorted(by_name))}"
        return None, f"no roster student matches {name!r}" + (f" or LMS user id {lms_id}" if lms_id else "")


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


@dataclass
class Collected:
    student: str
    notebook: str
    origin: str  # the name in the download
    state: str  # "new", "updated", "unchanged"


@dataclass
class CollectReport:
    collected: list[Collected] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (name in the download, why)


@dataclass
class _Candidate:
    origin: str
    student: str
    notebook: str
    rank: tuple[bool, int]  # (named like the notebook, Canvas's re-upload number): the highest is kept
    read: Callable[[], bytes]


def collect_submissions(source: Path, assignment: str, notebooks: list[str],
                        submitted_folder: Callable[[str, str], Path], roster: Roster | None = None) -> CollectReport:
    """Copy the notebooks found in ``source`` (a folder or a zip file) to
    ``submitted_folder(student, assignment) / <notebook>.ipynb``; see the module docstring."""
    report = CollectReport()
    chosen: dict[tuple[str, str], _Candidate] = {}
    for origin, read in _files(source):
        candidate, problem = _match(origin, read, notebooks, roster)
        if candidate is None:
            report.unmatched.append((origin, problem))
            continue
        key = (candidate.student, candidate.notebook)
        if key in chosen:
            other, candidate = sorted([chosen[key], candidate], key=lambda c: c.rank)
            report.unmatched.append((other.origin, f"{candidate.student}'s {candidate.notebook}.ipynb is "
                                                   f"{candidate.origin}" + ("" if other.rank != candidate.rank else
                                                   " (as likely: check which one the student meant)")))
        chosen[key] = candidate
    for (student, notebook), candidate in sorted(chosen.items()):
        target = Path(submitted_folder(student, assignment)) / f"{notebook}.ipynb"
        content = candidate.read()
        state = "new" if not target.exists() else "unchanged" if target.read_bytes() == content else "updated"
        if state != "unchanged":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        report.collected.append(Collected(student, notebook, candidate.origin, state))
    return report


def add_roster_to_gradebook(roster: Roster, gradebook: Gradebook) -> None:
    for s in roster.students:
        gradebook.update_or_create_student(s.id, first_name=s.first_name or None, last_name=s.last_name or None,
                                           email=s.email or None, lms_user_id=s.lms_user_id or None)


def _files(source: Path) -> list[tuple[str, Callable[[], bytes]]]:
    """(relative posix name, function returning the bytes) of every file in a folder or zip file; a
    folder that wraps a whole zip file is left out of the names."""
    if source.is_dir():
        return [(path.relative_to(source).as_posix(), path.read_bytes)
                for path in sorted(p for p in source.rglob("*") if p.is_file())]
    if not zipfile.is_zipfile(source):
        raise CourseError(f"{source} is neither a folder nor a zip file")
    archive = zipfile.ZipFile(source)
    entries = sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename)
    tops = {PurePosixPath(i.filename).parts[0] for i in entries}
    wrapped = len(tops) == 1 and all(len(PurePosixPath(i.filename).parts) > 1 for i in entries)
    return [(i.filename.split("/", 1)[1] if wrapped else i.filename, lambda i=i: archive.read(i)) for i in entries]


def _match(origin: str, read, notebooks: list[str], roster: Roster | None) -> tuple[_Candidate | None, str | None]:
    path = PurePosixPath(origin)
    if any(part.startswith(".") or part == "__MACOSX" for part in path.parts):
        return None, "hidden or system file"
    if path.suffix != ".ipynb":
        return None, "not a notebook (.ipynb)"
    lms = CANVAS.match(origin) or MOODLE.match(origin)
    if lms:
        name, lms_id, file = lms["name"], lms["lms_id"], lms["file"]
    else:
        name, lms_id, file = (path.parts[0] if len(path.parts) > 1 else path.stem), None, path.name
    if roster is not None:
        student, problem = roster.find(name, lms_id)
        if student is None:
            return None, problem
    else:
        student = lms_id or name
    stem, upload = PurePosixPath(file).stem, 0
    resubmitted = RESUBMISSION.match(stem)
    if resubmitted and resubmitted["stem"] in notebooks:
        stem, upload = resubmitted["stem"], int(resubmitted["n"])
    if stem in notebooks:
        return _Candidate(origin, student, stem, (True, upload), read), None
    if len(notebooks) == 1:
        return _Candidate(origin, student, notebooks[0], (False, upload), read), None
    return None, f"not one of the assignment's notebooks ({', '.join(n + '.ipynb' for n in notebooks)})"
