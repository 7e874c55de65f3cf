"""Collect submissions into ``submitted/<student>/<assignment>/<notebook>.ipynb``.

The input is a folder or a zip file:

- a plain folder or zip: ``<student>/....ipynb`` or ``<student>.ipynb`` (``<student>`` is a student id,
  or a name the roster knows);
- a Canvas download: ``<name>[_LATE]_<user id>_<submission id>_<file>``, where ``<name>`` is the
  student's last and first name run together in lower case and a re-uploaded file gets ``-1``, ``-2``
  ... before its extension;
- a Moodle download: ``<Full Name>_<participant id>_assignsubmission_file_<file>``, or the same name as
  a folder holding the file.

The roster (see :mod:`autograder.grading.roster`) maps LMS user ids and names to student ids. Without
any roster the student id is the LMS user id (Canvas, Moodle) or the folder/file name (plain).

Each file is matched to a notebook of the assignment by name; when the assignment has one notebook,
any single ``.ipynb`` of a student is taken as it.

The download is untrusted: every file is either collected or reported with the reason, never dropped
silently; what is read of it, and how, is :mod:`autograder.grading.download`'s. Names with control
characters, student ids that are not safe folder names (nor spreadsheet formulas), ids differing only
in case, an LMS user id that contradicts the name, and two files equally likely to be a student's
notebook are reported, never guessed.
"""
from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.grading.download import Limits, SourceFile, Unreadable, source_files, too_large
from autograder.grading.printable import has_unsafe_characters, shown
from autograder.grading.roster import STUDENT_ID, STUDENT_ID_RULE, Roster

CANVAS = re.compile(r"^(?P<name>[^_/]+)(?:_LATE)?_(?P<lms_id>[0-9]+)_(?P<submission_id>[0-9]+)_(?P<file>[^/]+)$")
MOODLE = re.compile(r"^(?P<name>[^_/]+)_(?P<lms_id>[0-9]+)_assignsubmission_file_/?(?P<file>[^/]+)$")
MOODLE_MARKER = re.compile(r"_[0-9]+_assignsubmission_")  # twice in one name: a display name imitating it
RESUBMISSION = re.compile(r"^(?P<stem>.+?)-(?P<n>[0-9]+)$")  # Canvas: softmax-1.ipynb is the 2nd upload
MAX_NAME_PART = 255  # bytes in one path component, as on common file systems


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
    lms_id: str | None
    rank: tuple[bool, int]  # (named like the notebook, Canvas's re-upload number): the highest is kept
    read: Callable[[int], bytes]


def collect_submissions(source: Path, assignment: str, notebooks: list[str],
                        submitted_folder: Callable[[str, str], Path], roster: Roster | None = None,
                        limits: Limits = Limits()) -> CollectReport:
    """Copy the notebooks found in ``source`` (a folder or a zip file) to
    ``submitted_folder(student, assignment) / <notebook>.ipynb``; see the module docstring."""
    report = CollectReport()
    with source_files(source, limits) as inputs:
        candidates = []
        for found in inputs:
            candidate, problem = _match(found, notebooks, roster)
            if candidate is None:
                report.unmatched.append((found.origin, problem))
            else:
                candidates.append(candidate)
        chosen = _choose(candidates, report)
        used = 0
        for candidate in sorted(chosen, key=lambda c: (c.student, c.notebook)):
            left = min(limits.file_bytes, limits.total_bytes - used)
            try:
                content = candidate.read(left)
            except Unreadable as error:
                report.unmatched.append((candidate.origin, str(error)))
                continue
            if len(content) > left:
                report.unmatched.append((candidate.origin, too_large(left == limits.file_bytes, limits)))
                continue
            used += len(content)
            target = Path(submitted_folder(candidate.student, assignment)) / f"{candidate.notebook}.ipynb"
            state = ("new" if not target.is_file() else
                     "unchanged" if target.read_bytes() == content else "updated")
            if state != "unchanged":
                _write(target, content)
            report.collected.append(Collected(candidate.student, candidate.notebook, candidate.origin, state))
    return report


def _write(target: Path, content: bytes) -> None:
    """Write through a temporary file, so that a stopped collect leaves no half notebook."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, target)


def _choose(candidates: list[_Candidate], report: CollectReport) -> list[_Candidate]:
    """One file per student and notebook: the highest ranked; files from different LMS users, student ids
    differing only in case, and a tie at the top are reported instead."""
    ids_by_folded = defaultdict(set)
    for c in candidates:
        ids_by_folded[c.student.casefold()].add(c.student)
    groups = defaultdict(list)
    for c in candidates:
        same = ids_by_folded[c.student.casefold()]
        if len(same) > 1:
            report.unmatched.append((c.origin, f"student ids {' and '.join(sorted(same))} differ only in case: "
                                               f"rename one"))
        else:
            groups[(c.student, c.notebook)].append(c)
    chosen = []
    for (student, notebook), group in groups.items():
        group.sort(key=lambda c: c.rank)
        lms_ids = sorted({c.lms_id for c in group if c.lms_id})
        best = group[-1]
        if len(lms_ids) > 1:
            why = f"files of different LMS users ({', '.join(lms_ids)}) match {student}: check who submitted what"
        elif len(group) > 1 and group[-2].rank == best.rank:
            why = f"files equally likely to be {student}'s {notebook}.ipynb: keep one and collect again"
        else:
            chosen.append(best)
            report.unmatched += [(c.origin, f"{student}'s {notebook}.ipynb is {shown(best.origin)}")
                                 for c in group[:-1]]
            continue
        report.unmatched += [(c.origin, why) for c in group]
    return chosen


def _match(found: SourceFile, notebooks: list[str], roster: Roster | None) -> tuple[_Candidate | None, str | None]:
    origin = found.origin
    path = PurePosixPath(origin)
    if found.problem:
        return None, found.problem
    if has_unsafe_characters(origin):
        return None, "control or invisible characters in the name: not read"
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_PART for part in path.parts):
        return None, f"a name longer than {MAX_NAME_PART} bytes: not read"
    if any(part.startswith(".") or part == "__MACOSX" for part in path.parts):
        return None, "hidden or system file"
    if path.suffix != ".ipynb":
        return None, "not a notebook (.ipynb)"
    if len(MOODLE_MARKER.findall(origin)) > 1:
        return None, "Moodle's '_<id>_assignsubmission_' twice in the name: whose it is cannot be told"
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
        if not STUDENT_ID.fullmatch(student):
            return None, (f"{shown(student, 40)!r} is not a valid student id ({STUDENT_ID_RULE}): "
                          f"give a --roster that maps it")
    stem, upload = PurePosixPath(file).stem, 0
    resubmitted = RESUBMISSION.match(stem)
    if resubmitted and resubmitted["stem"] in notebooks:
        stem, upload = resubmitted["stem"], int(resubmitted["n"])
    if stem in notebooks:
        return _Candidate(origin, student, stem, lms_id, (True, upload), found.read), None
    if len(notebooks) == 1:
        return _Candidate(origin, student, notebooks[0], lms_id, (False, upload), found.read), None
    return None, f"not one of the assignment's notebooks ({', '.join(n + '.ipynb' for n in notebooks)})"
