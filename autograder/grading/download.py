"""The files of a download (a folder or a zip file), read without trusting it.

Every file is either offered with a way to read it or reported with the reason it is refused, never
dropped silently. Links (symbolic or hard), special files and zip entries that are links, have an
absolute path or ``..`` are refused, so nothing outside the source is read: a folder is walked and
each file opened one path component at a time, following no link, and read only if it is still the
file the walk saw. Sizes are bounded per file and in total (zip bombs), as is the number of files
(:class:`Limits`).
"""
from __future__ import annotations

import functools
import lzma
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.course import CourseError
from autograder.grading.printable import shown

MAX_DEPTH = 16  # folders below the source; a download has two or three
MIB = 2**20
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC  # a link is an error, never entered


@dataclass(frozen=True)
class Limits:
    """Bounds on what one collect reads: a notebook a student wrote is a few MiB at most."""

    file_bytes: int = 64 * MIB
    total_bytes: int = 4096 * MIB
    files: int = 20_000


class Unreadable(Exception):
    """A file that turned out unreadable when its content was wanted; the message says why."""


@dataclass
class SourceFile:
    origin: str  # relative posix name in the source
    read: Callable[[int], bytes] | None  # at most n + 1 bytes, so that a larger file shows; or Unreadable
    problem: str | None = None  # why it is refused whatever its name (then ``read`` is None)


@contextmanager
def source_files(source: Path, limits: Limits) -> Iterator[list[SourceFile]]:
    """Every file of a folder or zip file, each with how to read it and why it is refused, if it is."""
    if source.is_dir():
        root = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            found: list[SourceFile] = []
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
        yield _zip_files(archive, source, limits)


def _walk(root: int, folder: int, parts: tuple[str, ...], found: list[SourceFile], limits: Limits) -> None:
    """Add the files below the open ``folder`` to ``found``, without following any link."""
    with os.scandir(folder) as entries:
        entries = sorted(entries, key=lambda e: e.name)
    for entry in entries:
        path = (*parts, entry.name)
        origin = "/".join(path)
        status = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(status.st_mode) and len(path) >= MAX_DEPTH:
            found.append(SourceFile(origin + "/", None, f"a folder nested deeper than {MAX_DEPTH}: not read"))
        elif stat.S_ISDIR(status.st_mode):
            try:
                fd = os.open(entry.name, FOLDER_FLAGS, dir_fd=folder)
                try:
                    _walk(root, fd, path, found, limits)
                finally:
                    os.close(fd)
            except OSError as error:
                found.append(SourceFile(origin + "/", None, f"a folder that cannot be read ({error.strerror})"))
        elif problem := _file_problem(status):
            found.append(SourceFile(origin, None, problem))
        else:
            found.append(SourceFile(origin, functools.partial(_read_beneath, root, path,
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
            raise Unreadable("changed while being collected: collect again")
        with open(opened[-1], "rb", closefd=False) as f:
            return f.read(limit + 1)
    except OSError as error:
        raise Unreadable(f"cannot be read ({error.strerror})") from None
    finally:
        for fd in opened[1:]:
            os.close(fd)


def _zip_files(archive: zipfile.ZipFile, source: Path, limits: Limits) -> list[SourceFile]:
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
        inputs.append(SourceFile(name.split("/", 1)[1] if wrapped else name,
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
        raise Unreadable(f"cannot be read from the zip ({shown(str(error), 60)})") from None


def too_large(per_file: bool, limits: Limits) -> str:
    """Why a file past ``limits`` is not collected: past the size of one file, or of all read."""
    if per_file:
        return f"larger than {_size(limits.file_bytes)}: not a plain notebook, look at it by hand"
    return f"past the {_size(limits.total_bytes)} read in one collect: collect the rest separately"


def _size(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB else f"{n} bytes"
