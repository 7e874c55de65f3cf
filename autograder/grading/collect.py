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
added to the gradebook, so that those who submitted nothing appear in the export. The gradebook keeps
it: a later collect without ``--roster`` matches against the gradebook's students once one of them
has an LMS user id (:func:`roster_from_gradebook`), so a re-collect never creates a second student
under an LMS id. Without any roster the student id is the LMS user id (Canvas, Moodle) or the
folder/file name (plain).

Each file is matched to a notebook of the assignment by name; when the assignment has one notebook,
any single ``.ipynb`` of a student is taken as it.

The download is untrusted: every file is either collected or reported with the reason, never dropped
silently. Links (symbolic or hard), special files and zip entries that are links, have an absolute path
or ``..`` are refused, so nothing outside the source is read; sizes are bounded per file and in total
(zip bombs); names with control characters, student ids that are not safe folder names (nor
spreadsheet formulas), ids differing only in case, an LMS user id that contradicts the name, and two
files equally likely to be a student's notebook are reported, never guessed.
"""
from __future__ import annotations

import csv
import functools
import lzma
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nbgrader.api import Gradebook

from autograder.grading.course import CourseError

CANVAS = re.compile(r"^(?P<name>[^_/]+)(?:_LATE)?_(?P<lms_id>[0-9]+)_(?P<submission_id>[0-9]+)_(?P<file>[^/]+)$")
MOODLE = re.compile(r"^(?P<name>[^_/]+)_(?P<lms_id>[0-9]+)_assignsubmission_file_/?(?P<file>[^/]+)$")
MOODLE_MARKER = re.compile(r"_[0-9]+_assignsubmission_")  # twice in one name: a display name imitating it
RESUBMISSION = re.compile(r"^(?P<stem>.+?)-(?P<n>[0-9]+)$")  # Canvas: softmax-1.ipynb is the 2nd upload
# Stricter than nbgrader (which only strips spaces): a student id becomes a folder name and a CSV cell, so
# ASCII only, no path separators, and no leading character a spreadsheet would evaluate (= + - @).
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
STUDENT_ID_RULE = "letters, digits, '.', '_', '@', '-', starting with a letter or digit, at most 64"
UNSAFE_CHARACTERS = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, invisible, not UTF-8
MAX_NAME_PART = 255  # bytes in one path component, as on common file systems
MAX_DEPTH = 16  # folders below the source; a download has two or three
MIB = 2**20
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC  # a link is an error, never entered


@dataclass(frozen=True)
class Limits:
    """Bounds on what one collect reads: a notebook a student wrote is a few MiB at most."""

    file_bytes: int = 64 * MIB
    total_bytes: int = 4096 * MIB
    files: int = 20_000


@dataclass(frozen=True)
class RosterEntry:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""


@dataclass
class Roster:
    """Students by id, with what identifies them in an LMS download; ``problems`` lists the rows left
    out, as (row, why)."""

    students: list[RosterEntry]
    problems: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Roster:
        """A CSV with an ``id`` column and optionally ``first_name``, ``last_name``, ``email``,
        ``lms_user_id``; other columns are ignored. Rows with an invalid or repeated id, or with control
        characters, are left out and listed in ``problems``."""
        try:
            with open(path, newline="", encoding="utf-8-sig") as f:
                reader = csv.DictReader(f)
                rows = [(reader.line_num, row) for row in reader]
        except (UnicodeDecodeError, csv.Error) as error:
            raise CourseError(f"{shown(str(path))} is not a UTF-8 CSV file ({error}): "
                              f"save it as CSV UTF-8") from None
        if "id" not in (reader.fieldnames or []):
            raise CourseError(f"{shown(str(path))}: the roster needs an 'id' column "
                              f"(found: {shown(', '.join(reader.fieldnames or []))})")
        fields = ("first_name", "last_name", "email", "lms_user_id")
        entries, problems = [], []
        for line, row in rows:
            entry = RosterEntry((row.get("id") or "").strip(), **{k: (row.get(k) or "").strip() for k in fields})
            if not any(vars(entry).values()):
                continue
            if any(_unsafe_characters(value) for value in vars(entry).values()):
                problems.append((f"roster line {line}", "control or invisible characters: fix the row"))
            elif not STUDENT_ID.fullmatch(entry.id):
                problems.append((f"roster line {line}", f"id {shown(entry.id, 40)!r} is not a valid student id "
                                                        f"({STUDENT_ID_RULE}): fix the id"))
            else:
                entries.append((line, entry))
        by_folded = defaultdict(list)
        for line, entry in entries:
            by_folded[entry.id.casefold()].append(line)
        repeated = {folded: lines for folded, lines in by_folded.items() if len(lines) > 1}
        for line, entry in entries:
            if entry.id.casefold() in repeated:
                others = ", ".join(str(n) for n in repeated[entry.id.casefold()] if n != line)
                problems.append((f"roster line {line}", f"id {entry.id!r} is also on line {others} (ids are "
                                                        f"compared ignoring case): keep one"))
        return cls([e for _, e in entries if e.id.casefold() not in repeated], problems)

    def find(self, name: str, lms_id: str | None) -> tuple[str | None, str | None]:
        """The student id for an LMS user id and a name, and None; or None and why there is none. An LMS
        user id found once in the roster decides, unless the name is another student's; a name decides
        only when it matches one student whose LMS user id (if the roster has one) is not another."""
        by_lms = [s for s in self.students if lms_id and s.lms_user_id == lms_id]
        wanted = _letters(name)
        by_name = [s for s in self.students if s.id.casefold() == name.casefold() or wanted and wanted in (
            _letters(s.first_name + s.last_name), _letters(s.last_name + s.first_name),
            _letters(s.email.split("@")[0]))]
        if len(by_lms) > 1:
            return None, f"LMS user id {lms_id} is on several roster rows: {', '.join(s.id for s in by_lms)}"
        if by_lms:
            if by_name and by_lms[0] not in by_name:
                return None, (f"LMS user id {lms_id} is {by_lms[0].id}'s but the name {shown(name, 40)!r} is "
                              f"{', '.join(s.id for s in by_name)}'s: check who submitted it")
            return by_lms[0].id, None
        if lms_id:
            others = [s for s in by_name if s.lms_user_id]
            if others:
                return None, (f"the name {shown(name, 40)!r} is {', '.join(s.id for s in others)}'s, but with "
                              f"another LMS user id than {lms_id}: check who submitted it")
        if len(by_name) == 1:
            return by_name[0].id, None
        if by_name:
            return None, (f"several roster students match {shown(name, 40)!r}: "
                          f"{', '.join(sorted(s.id for s in by_name))}")
        return None, (f"no roster student matches {shown(name, 40)!r}"
                      + (f" or LMS user id {lms_id}" if lms_id else ""))


def _letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def escaped(text: str) -> str:
    """``text`` with control and invisible characters escaped as Python writes them (``\\x1b``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shown(text: str, width: int = 100) -> str:
    """``text`` safe to print in a line: :func:`escaped`, at most ``width`` characters."""
    safe = escaped(text)
    return safe if len(safe) <= width else safe[:width - 3] + "..."


def _unsafe_characters(text: str) -> bool:
    return any(unicodedata.category(c) in UNSAFE_CHARACTERS for c in text)


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


class _Unreadable(Exception):
    """A file that turned out unreadable when its content was wanted; the message says why."""


@dataclass
class _Input:
    origin: str  # relative posix name in the source
    read: Callable[[int], bytes] | None  # at most n + 1 bytes, so that a larger file shows; or _Unreadable
    problem: str | None = None  # why it is refused whatever its name (then ``read`` is None)


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
    with _inputs(source, limits) as inputs:
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
            except _Unreadable as error:
                report.unmatched.append((candidate.origin, str(error)))
                continue
            if len(content) > left:
                report.unmatched.append((candidate.origin, _too_large(left == limits.file_bytes, limits)))
                continue
            used += len(content)
            target = Path(submitted_folder(candidate.student, assignment)) / f"{candidate.notebook}.ipynb"
            state = ("new" if not target.is_file() else
                     "unchanged" if target.read_bytes() == content else "updated")
            if state != "unchanged":
                _write(target, content)
            report.collected.append(Collected(candidate.student, candidate.notebook, candidate.origin, state))
    return report


def add_roster_to_gradebook(roster: Roster, gradebook: Gradebook) -> None:
    for s in roster.students:
        gradebook.update_or_create_student(s.id, first_name=s.first_name or None, last_name=s.last_name or None,
                                           email=s.email or None, lms_user_id=s.lms_user_id or None)


def roster_from_gradebook(gradebook: Gradebook) -> Roster | None:
    """The roster a previous collect added to the gradebook: its students, if one of them has an LMS
    user id (else None: no roster was given, and ids come from the download)."""
    students = [RosterEntry(s.id, s.first_name or "", s.last_name or "", s.email or "", s.lms_user_id or "")
                for s in gradebook.students]
    return Roster(sorted(students, key=lambda s: s.id)) if any(s.lms_user_id for s in students) else None


def _too_large(per_file: bool, limits: Limits) -> str:
    if per_file:
        return f"larger than {_size(limits.file_bytes)}: not a plain notebook, look at it by hand"
    return f"past the {_size(limits.total_bytes)} read in one collect: collect the rest separately"


def _size(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB else f"{n} bytes"


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


@contextmanager
def _inputs(source: Path, limits: Limits) -> Iterator[list[_Input]]:
    """Every file of a folder or zip file, each with how to read it and why it is refused, if it is."""
    if source.is_dir():
        root = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            found: list[_Input] = []
            _walk(root, root, (), found, limits)
            yield found
        finally:
            os.close(root)
        return
    if not zipfile.is_zipfile(source):
        raise CourseError(f"{shown(str(source))} is neither a folder nor a zip file")
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise CourseError(f"{shown(str(source))} cannot be read as a zip file ({shown(str(error))}): "
                          f"download it again") from None
    with archive:
        yield _zip_inputs(archive, source, limits)


def _walk(root: int, folder: int, parts: tuple[str, ...], found: list[_Input], limits: Limits) -> None:
    """Add the files below the open ``folder`` to ``found``, without following any link."""
    with os.scandir(folder) as entries:
        entries = sorted(entries, key=lambda e: e.name)
    for entry in entries:
        path = (*parts, entry.name)
        origin = "/".join(path)
        status = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(status.st_mode) and len(path) >= MAX_DEPTH:
            found.append(_Input(origin + "/", None, f"a folder nested deeper than {MAX_DEPTH}: not read"))
        elif stat.S_ISDIR(status.st_mode):
            try:
                fd = os.open(entry.name, FOLDER_FLAGS, dir_fd=folder)
                try:
                    _walk(root, fd, path, found, limits)
                finally:
                    os.close(fd)
            except OSError as error:
                found.append(_Input(origin + "/", None, f"a folder that cannot be read ({error.strerror})"))
        elif problem := _file_problem(status):
            found.append(_Input(origin, None, problem))
        else:
            found.append(_Input(origin, functools.partial(_read_beneath, root, path,
                                                          (status.st_dev, status.st_ino))))
        if len(found) > limits.files:
            raise CourseError(f"more than {limits.files} files in the source: is it the right folder?")


def _file_problem(status: os.stat_result) -> str | None:
    if stat.S_ISLNK(status.st_mode):
        return "a link: links are not followed, put the file itself in the source"
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file (a device, pipe or socket): not read"
    if status.st_nlink > 1:
        return "a hard link (its content may be a file outside the source): put a copy in the source"
    return None


def _read_beneath(root: int, path: tuple[str, ...], identity: tuple[int, int], limit: int) -> bytes:
    """Open ``path`` below ``root`` one component at a time, following no link, and read at most
    ``limit + 1`` bytes of it, if it is still the file the walk saw."""
    opened = [root]
    try:
        for part in path[:-1]:
            opened.append(os.open(part, FOLDER_FLAGS, dir_fd=opened[-1]))
        opened.append(os.open(path[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                              dir_fd=opened[-1]))
        status = os.fstat(opened[-1])
        if (status.st_dev, status.st_ino) != identity or _file_problem(status):
            raise _Unreadable("changed while being collected: collect again")
        with open(opened[-1], "rb", closefd=False) as f:
            return f.read(limit + 1)
    except OSError as error:
        raise _Unreadable(f"cannot be read ({error.strerror})") from None
    finally:
        for fd in opened[1:]:
            os.close(fd)


def _zip_inputs(archive: zipfile.ZipFile, source: Path, limits: Limits) -> list[_Input]:
    """The zip's files (a folder wrapping all of them is left out of the names), sorted by name."""
    entries = sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename)
    if len(entries) > limits.files:
        raise CourseError(f"{shown(str(source))} holds {len(entries)} files, more than {limits.files}: "
                          f"is it the right download?")
    names = [i.filename.replace("\\", "/") for i in entries]
    tops = {name.split("/", 1)[0] for name in names}
    wrapped = len(tops) == 1 and all("/" in name.strip("/") for name in names)
    inputs = []
    for info, name in zip(entries, names):
        problem = _zip_entry_problem(info, name)
        inputs.append(_Input(name.split("/", 1)[1] if wrapped else name,
                             None if problem else functools.partial(_read_zip_entry, archive, info), problem))
    return inputs


def _zip_entry_problem(info: zipfile.ZipInfo, name: str) -> str | None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "a link in the zip: links are not followed"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return "not a regular file in the zip: not read"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "an absolute path in the zip: not read"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "a path with '..' or an empty folder name in the zip: not read"
    return None


def _read_zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """At most ``limit + 1`` bytes, whatever the entry's header claims (zip bombs)."""
    try:
        with archive.open(info) as f:
            return f.read(limit + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError, zlib.error,
            lzma.LZMAError) as error:  # corrupt, encrypted, unknown compression
        raise _Unreadable(f"cannot be read from the zip ({shown(str(error), 60)})") from None


def _match(found: _Input, notebooks: list[str], roster: Roster | None) -> tuple[_Candidate | None, str | None]:
    origin = found.origin
    path = PurePosixPath(origin)
    if found.problem:
        return None, found.problem
    if _unsafe_characters(origin):
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
