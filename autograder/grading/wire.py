"""Framed messages over a pair of pipes, and the ways the other side can fail to answer.

A frame is a header (:data:`HEADER`: the frame's length and its JSON part's length), a JSON object,
and the raw bytes of the numpy arrays it carries (see :mod:`autograder.grading.plain_data`). Every
read and write has a deadline, and a frame larger than the :class:`Channel`'s limit, or whose JSON
part is larger than :data:`MAX_JSON_BYTES`, is refused before it is read.

In the sandbox this file is a module of the runner's package (see :mod:`autograder.grading.sandbox`),
so it imports only the standard library.
"""
from __future__ import annotations

import gc
import json
import os
import select
import struct
import time

HEADER = struct.Struct("!QI")  # frame length (JSON + array bytes), JSON length
MAX_JSON_BYTES = 16 << 20  # the JSON part: decoding it takes up to about 25 bytes of memory per byte


class PeerLost(BaseException):
    """The other side stopped answering properly: it ended, ran out of time or broke the protocol.

    A BaseException, like KeyboardInterrupt, so that a check's ``except Exception`` around a call of
    the student's function cannot swallow it: the grader must see it to stop that test.
    """


class PeerTimeout(PeerLost):
    """No complete answer before the deadline."""


class PeerClosed(PeerLost):
    """The other side closed its end of the pipe (its process ended)."""


class ProtocolError(PeerLost):
    """The other side sent something that is not a valid message."""


class Channel:
    """Framed messages over a pair of pipe file descriptors, with deadlines and a size limit.

    read_fd, write_fd: the pipe ends; max_bytes: the largest frame accepted.
    exit_if_forked: in the sandbox, a process forked by the student's code must never speak for the
        runner (its messages would interleave with the runner's), so it exits when it tries.
    """

    def __init__(self, read_fd: int, write_fd: int, max_bytes: int, exit_if_forked: bool = False):
        self.read_fd, self.write_fd, self.max_bytes = read_fd, write_fd, max_bytes
        self.owner_pid = os.getpid() if exit_if_forked else None
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)

    def send(self, header: dict, blobs: list[bytes], deadline: float | None) -> None:
        if self.owner_pid is not None and os.getpid() != self.owner_pid:
            os._exit(0)
        text = json.dumps(header).encode()
        frame = HEADER.pack(len(text) + sum(len(b) for b in blobs), len(text))
        self._write_all(memoryview(b"".join([frame, text, *blobs])), deadline)

    def receive(self, deadline: float | None) -> tuple[dict, memoryview]:
        """The next message's JSON header and the array bytes that follow it."""
        total, text_length = HEADER.unpack(self._read_exactly(HEADER.size, deadline))
        if total > self.max_bytes or text_length > total:
            raise ProtocolError(f"a message of {total} bytes, more than the limit of {self.max_bytes}")
        if text_length > MAX_JSON_BYTES:
            raise ProtocolError(f"a message whose JSON part has {text_length} bytes, more than the limit "
                                f"of {MAX_JSON_BYTES}")
        body = self._read_exactly(total, deadline)
        collecting = gc.isenabled()
        gc.disable()  # JSON makes no reference cycles; collections over millions of new objects take seconds
        try:
            header = json.loads(body[:text_length].tobytes())
        except (ValueError, RecursionError) as error:
            raise ProtocolError(f"a message that is not valid JSON ({error})") from None
        finally:
            if collecting:
                gc.enable()
        if not isinstance(header, dict):
            raise ProtocolError("a message that is not a JSON object")
        return header, body[text_length:]

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def _wait(self, fd: int, for_writing: bool, deadline: float | None) -> None:
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            raise PeerTimeout("no answer before the deadline")
        poller = select.poll()
        poller.register(fd, select.POLLOUT if for_writing else select.POLLIN)
        if not poller.poll(None if timeout is None else max(1, int(timeout * 1000))):
            raise PeerTimeout("no answer before the deadline")

    def _write_all(self, data: memoryview, deadline: float | None) -> None:
        while data:
            try:
                data = data[os.write(self.write_fd, data):]
            except BlockingIOError:
                self._wait(self.write_fd, True, deadline)
                continue
            except OSError as error:  # EPIPE: the reader is gone
                raise PeerClosed(f"the pipe is closed ({error.strerror})") from None

    def _read_exactly(self, size: int, deadline: float | None) -> memoryview:
        buffer = bytearray(size)
        view, got = memoryview(buffer), 0
        while got < size:
            try:
                n = os.readv(self.read_fd, [view[got:]])
            except BlockingIOError:
                self._wait(self.read_fd, False, deadline)
                continue
            if n == 0:
                raise PeerClosed("the pipe is closed")
            got += n
        return view
