"""Downloading a file over HTTP(S) with resume, a checksum and a progress bar.

The bytes go to ``<dest>.part`` first. An interrupted transfer (dropped connection, timeout, a
previous run stopped halfway) continues where it stopped with an HTTP ``Range`` request; a server
that ignores the range sends the whole file again and the part file starts over. Once complete
the file is checked against the expected checksum, ``"md5:<hex>"`` or ``"sha256:<hex>"`` as the
publisher gives it, and only then renamed to ``dest``.
"""
from __future__ import annotations

import hashlib
import http.client
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from tqdm.auto import tqdm

CHUNK_BYTES = 1 << 20
RANGE_NOT_SATISFIABLE = 416


class ChecksumError(Exception):
    """A downloaded or local file whose checksum differs from the expected one."""


def parse_checksum(checksum: str) -> tuple[str, str]:
    """``"md5:<hex>"`` or ``"sha256:<hex>"`` -> (algorithm, lower-case hex digest)."""
    algorithm, _, digest = checksum.partition(":")
    algorithm = algorithm.strip().lower()
    if algorithm not in ("md5", "sha256") or not digest.strip():
        raise ValueError(f"checksum {checksum!r}: expected 'md5:<hex digest>' or 'sha256:<hex digest>'")
    return algorithm, digest.strip().lower()


def file_digest(path: Path, algorithm: str) -> str:
    """The hex digest of the file at ``path`` ("md5" or "sha256")."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while block := f.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def verify_checksum(path: Path, checksum: str) -> None:
    """Raise :class:`ChecksumError` unless the file at ``path`` has ``checksum`` ("md5:<hex>"...)."""
    algorithm, expected = parse_checksum(checksum)
    actual = file_digest(path, algorithm)
    if actual != expected:
        raise ChecksumError(f"{path}: {algorithm} is {actual}, expected {expected}")


def download(url: str, dest: Path, checksum: str | None = None, progress: bool = True,
             retries: int = 3, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` (resuming ``<dest>.part``) and verify ``checksum``; returns ``dest``.

    An existing ``dest`` is only verified. Lost connections are retried ``retries`` times, each
    resuming where the last stopped. On a checksum mismatch the downloaded bytes are deleted (a
    retry starts from scratch) and :class:`ChecksumError` says what was expected and what came.
    """
    dest = Path(dest)
    if dest.exists():
        if checksum:
            verify_checksum(dest, checksum)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    for attempt in range(retries + 1):
        try:
            _fetch(url, part, progress, timeout)
            break
        except HTTPError:
            raise
        except (OSError, http.client.HTTPException) as error:
            received = part.stat().st_size if part.exists() else 0
            if attempt == retries:
                kept = f"; the {received} bytes received stay in {part} for the next try" if received else ""
                raise ConnectionError(f"downloading {url} failed {retries + 1} times{kept}: {error}"
                                      ) from error
            tqdm.write(f"download of {url} stopped with {received} bytes received ({error}); "
                       f"trying again from there ({attempt + 2} of {retries + 1})")
    if checksum:
        try:
            verify_checksum(part, checksum)
        except ChecksumError as error:
            part.unlink()
            raise ChecksumError(f"the download of {url} has the wrong checksum and was deleted: "
                                f"{error}. If the publisher has replaced the file, pass its new "
                                f"checksum") from None
    part.replace(dest)
    return dest


def _fetch(url: str, part: Path, progress: bool, timeout: float) -> None:
    """One request: append the rest of ``url`` to ``part``; raise ConnectionError if cut short."""
    start = part.stat().st_size if part.exists() else 0
    request = Request(url, headers={"Range": f"bytes={start}-"} if start else {})
    try:
        response = urlopen(request, timeout=timeout)
    except HTTPError as error:
        if error.code == RANGE_NOT_SATISFIABLE and start:
            return  # the part file already holds the whole file
        raise
    with response:
        if start and response.status != 206:
            start = 0  # the server ignored the range and sends everything
        length = response.headers.get("Content-Length")
        total = start + int(length) if length is not None else None
        with open(part, "ab" if start else "wb") as f, \
                tqdm(total=total, initial=start, unit="B", unit_scale=True, unit_divisor=1024,
                     desc=Path(url).name, disable=not progress) as bar:
            while chunk := response.read(CHUNK_BYTES):
                f.write(chunk)
                bar.update(len(chunk))
    received = part.stat().st_size
    if total is not None and received < total:
        raise ConnectionError(f"connection closed after {received} of {total} bytes")
