"""A pool of grading processes that knows which job each process holds.

Each worker process takes one job at a time through a pipe, calls the grading function and sends back
what it returned. Unlike ``concurrent.futures``, the pool knows exactly which job a worker held when it
died or ran past its deadline, so that job alone is reported ("crashed" / "timeout"), a fresh worker
takes its place, and the other jobs go on.

Workers are forked from the main process, so they start in milliseconds with the grader already
imported (``import torch`` alone takes seconds). That is safe because the main process runs no Python
thread but its main one when it forks (a progress bar made with :data:`ProgressBar` starts none) and
the workers never use what they inherit of it: they only compute and never touch the gradebook.
They die with the main process: they ask Linux for SIGKILL when it exits (``PR_SET_PDEATHSIG``), so
killing the main process even with SIGKILL leaves no grader running.

A worker's memory is capped: its address space may grow by ``memory_bytes`` (default
:data:`WORKER_MEMORY_BYTES`) beyond what it inherits (RLIMIT_AS, soft limit only, so that a sandbox it
starts can still set its own). A job that runs the worker out of it ends with MemoryError; it is
reported as "out of memory" and a fresh worker takes that one's place.

While a job runs, the grading function may say how far it got with :func:`report_progress` (e.g.
"test 3/14"); :meth:`GradingPool.run` hands it to its ``on_progress`` (the progress bar's text).
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from tqdm import tqdm

PR_SET_PDEATHSIG = 1
WORKER_MEMORY_BYTES = 3 << 30
OUT_OF_MEMORY_REASON = "out of memory: the grader ran out of memory on this submission"


class ProgressBar(tqdm):
    """tqdm without its monitor thread, so that the process stays single-threaded and may fork."""

    monitor_interval = 0
# what a worker sends back about a job
STARTED, PROGRESS, DONE, RAISED, OUT_OF_MEMORY = "started", "progress", "done", "raised", "out of memory"
_progress_pipe: Connection | None = None  # in a worker: where report_progress sends


def report_progress(text: str) -> None:
    """In a worker: tell the main process how far the current job got (short text); elsewhere nothing."""
    if _progress_pipe is not None:
        _progress_pipe.send((PROGRESS, text))


@dataclass
class Outcome:
    """What became of one job: the grading function's result, or why there is none.

    ``failure`` is None when ``result`` holds the returned value; otherwise it says what happened in
    plain words and ``kind`` is "crashed" (the worker process died), "timeout" (it ran past the
    deadline), "out of memory" (it reached its memory cap) or "error" (the grading function raised:
    a fault of the grader, not of the submission).
    """

    job: Any
    result: Any = None
    kind: str | None = None
    failure: str | None = None
    seconds: float = 0.0


class _Worker:
    def __init__(self, context, function: Callable, memory_bytes: int) -> None:
        self.conn, child_end = context.Pipe()
        self.process = context.Process(target=_serve, args=(child_end, function, os.getpid(), memory_bytes),
                                       daemon=True)
        self.process.start()
        child_end.close()
        self.job = None
        self.started: float | None = None  # when the worker began the job (not when it was sent)

    def give(self, job) -> None:
        self.job, self.started = job, None
        self.conn.send(job)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _serve(conn: Connection, function: Callable, parent: int, memory_bytes: int) -> None:
    """Worker loop: for each job received, send ``(STARTED, None)``, then ``(DONE, function(job))``,
    ``(RAISED, traceback)`` or ``(OUT_OF_MEMORY, None)``."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the main process died before the request took effect
        return
    _cap_address_space(memory_bytes)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process, which stops the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the main process's handler
    global _progress_pipe
    _progress_pipe = conn
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the main process is gone
            return
        conn.send((STARTED, None))
        try:
            reply = (DONE, function(job))
        except MemoryError:
            reply = (OUT_OF_MEMORY, None)
        except Exception:
            reply = (RAISED, traceback.format_exc())
        conn.send(reply)


def _cap_address_space(extra_bytes: int) -> None:
    """Let this process's address space grow by ``extra_bytes`` beyond its size now (soft limit)."""
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * resource.getpagesize()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = size + extra_bytes if hard == resource.RLIM_INFINITY else min(size + extra_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class GradingPool:
    """``processes`` worker processes applying ``function`` to jobs; use it as a context manager.

    Linux only (``fork`` and ``PR_SET_PDEATHSIG``), as the sandbox is.
    """

    def __init__(self, function: Callable, processes: int, job_timeout: float,
                 memory_bytes: int = WORKER_MEMORY_BYTES) -> None:
        self.function = function
        self.processes = processes
        self.job_timeout = job_timeout
        self.memory_bytes = memory_bytes
        self.context = multiprocessing.get_context("fork")
        self.workers: list[_Worker] = []
        self.on_progress: Callable[[Any, str], None] | None = None

    def __enter__(self) -> GradingPool:
        return self

    def __exit__(self, *exc) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def run(self, jobs: Iterable, on_progress: Callable[[Any, str], None] | None = None) -> Iterator[Outcome]:
        """Yield an :class:`Outcome` for every job, in the order they finish; ``on_progress(job, text)``
        is called with what a job's worker reports meanwhile (:func:`report_progress`)."""
        self.on_progress = on_progress
        queue = deque(jobs)
        while queue or self._busy():
            self._hand_out(queue)
            busy = self._busy()
            running = [w.started for w in busy if w.started is not None]
            timeout = max(0.0, min(running) + self.job_timeout - time.monotonic()) if running else None
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=timeout)
            for worker in busy:
                outcome = self._collect(worker)
                if outcome is not None:
                    yield outcome

    def _busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.job is not None]

    def _hand_out(self, queue: deque) -> None:
        for worker in [w for w in self.workers if w.job is None and not w.process.is_alive()]:
            self._retire(worker)
        idle = [w for w in self.workers if w.job is None]
        while queue and (idle or len(self.workers) < self.processes):
            worker = idle.pop() if idle else self._start()
            worker.give(queue.popleft())

    def _start(self) -> _Worker:
        worker = _Worker(self.context, self.function, self.memory_bytes)
        self.workers.append(worker)
        return worker

    def _collect(self, worker: _Worker) -> Outcome | None:
        """The outcome of the worker's job if it is over (and the worker replaced if it died), else None."""
        while worker.conn.poll():
            try:
                kind, value = worker.conn.recv()
            except EOFError:
                return self._crashed(worker)
            if kind == STARTED:
                worker.started = time.monotonic()
                continue
            if kind == PROGRESS:
                if self.on_progress is not None and isinstance(value, str):
                    self.on_progress(worker.job, value)
                continue
            job, seconds = worker.job, time.monotonic() - worker.started
            worker.job = None
            if kind == DONE:
                return Outcome(job, result=value, seconds=seconds)
            if kind == OUT_OF_MEMORY:  # what it holds now is unknown: a fresh worker takes its place
                self._retire(worker)
                return Outcome(job, kind=OUT_OF_MEMORY, failure=OUT_OF_MEMORY_REASON, seconds=seconds)
            return Outcome(job, kind="error", failure=f"grader error:\n{value}", seconds=seconds)
        if not worker.process.is_alive():
            return self._crashed(worker)
        if worker.started is not None and time.monotonic() - worker.started > self.job_timeout:
            job, seconds = worker.job, time.monotonic() - worker.started
            self._retire(worker)
            return Outcome(job, kind="timeout", failure=f"timeout: grading took more than {self.job_timeout:g} s",
                           seconds=seconds)
        return None

    def _crashed(self, worker: _Worker) -> Outcome:
        job, seconds = worker.job, time.monotonic() - (worker.started or time.monotonic())
        self._retire(worker)
        code = worker.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return Outcome(job, kind="crashed", failure=f"crashed: the grading process died ({how})", seconds=seconds)

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        self.workers.remove(worker)
