"""Load: a generated batch of correct, wrong, broken and malicious submissions (some of them attacks of
issue 9) graded in parallel by ``cnn2 autograde``, stopped with SIGTERM, then killed with SIGKILL, then
run to the end: every submission graded exactly once, nothing left running, the gradebook intact, every
verdict the one expected of its kind (what an uninterrupted run gives: benchmarks/grading_throughput.py
compares the two on 300), and the whole ``cnn2 autograde -j 2`` (main process, workers, sandboxes)
within 2 GiB of memory. The batch leaves out the infinite loop, which costs 30 s by itself, and the
attacks that take the longest to grade (the other imports are tried by tests/test_attacks_imports.py,
the forged answers by tests/test_attacks_costs.py)."""
from __future__ import annotations

import signal
import sqlite3

from benchmarks.grading_batch import batch_kinds, write_batch
from benchmarks.grading_runs import (
    MEMORY_TARGET,
    measured_autograde,
    mismatches,
    released_course,
    start_autograde,
    stop_after,
    verdicts,
)
from benchmarks.process_memory import PeakMemory

SUBMISSIONS = 24
LEFT_OUT = ("infinite-loop", "imports-torch", "import-name-built-at-run-time", "colliding-keys",
            "huge-integers-to-a-callback")


def test_a_batch_stopped_killed_and_resumed_is_graded_exactly_once_within_2_gib(tmp_path):
    course = released_course(tmp_path / "course")
    students = write_batch(course, batch_kinds(SUBMISSIONS, exclude=LEFT_OUT))
    assert {"correct", "no-max-subtraction", "corrupt-json", "fork-bomb", "memory-bomb", "monkeypatch",
            "imports-reference", "exception-named-after-input", "forged-mistake", "builtins-replaced",
            "megabytes-of-error-text", "nested-lists-60mb"} <= set(students.values())

    stopped = start_autograde(course, 2)
    with PeakMemory(stopped.pid) as stopped_memory:
        assert stop_after(stopped, course, 6, signal.SIGTERM) == []
    assert stopped.returncode == 128 + signal.SIGTERM
    assert "interrupted: run again to resume" in stopped.stdout.read()
    after_stop = verdicts(course)

    killed = start_autograde(course, 2)
    with PeakMemory(killed.pid) as killed_memory:
        assert stop_after(killed, course, len(after_stop) + 6, signal.SIGKILL) == []
    after_kill = verdicts(course)
    assert len(after_stop) < len(after_kill) < SUBMISSIONS
    assert all(after_kill[s] == v for s, v in after_stop.items())  # not graded again

    finished = measured_autograde(course, 2)  # exits 0 or 1 (done; 1: something to look at), or raises
    notebooks, already_graded, graded_now, ungradable, _, grader_errors = finished.summary()
    assert (notebooks, already_graded, graded_now + ungradable) == (SUBMISSIONS, len(after_kill),
                                                                     SUBMISSIONS - len(after_kill))
    assert grader_errors == 0
    final = verdicts(course)
    assert len(final) == SUBMISSIONS and all(final[s] == v for s, v in after_kill.items())
    assert mismatches(course, students) == []
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM submitted_assignment").fetchone() == (SUBMISSIONS,)

    runs = (stopped_memory, killed_memory, finished)
    assert all(run.peak_pss > 0 for run in runs)  # the sampler saw the processes
    assert max(run.peak_pss for run in runs) < MEMORY_TARGET
