"""The roster: the course's students, and who of them an LMS download's names and user ids are.

The roster is a CSV in the columns of ``nbgrader db student import``: ``id``, ``first_name``,
``last_name``, ``email``, ``lms_user_id``. It maps LMS user ids and names to student ids; its students
are added to the gradebook (:func:`add_roster_to_gradebook`), so that those who submitted nothing appear
in the export. The gradebook keeps it: a later collect without ``--roster`` matches against the
gradebook's students once one of them has an LMS user id (:func:`roster_from_gradebook`), so a
re-collect never creates a second student under an LMS id.

A student id becomes a folder name and a CSV cell, so it must match :data:`STUDENT_ID`.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.grading.course import CourseError
from autograder.grading.printable import has_unsafe_characters, shown

# Stricter than nbgrader (which only strips spaces): a student id becomes a folder name and a CSV cell, so
# ASCII only, no path separators, and no leading character a spreadsheet would evaluate (= + - @).
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
STUDENT_ID_RULE = "letters, digits, '.', '_', '@', '-', starting with a letter or digit, at most 64"


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
            if any(has_unsafe_characters(value) for value in vars(entry).values()):
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
