"""Load: a generated batch of correct, wrong, broken and malicious submissions graded in parallel by
``cnn2 autograde``, stopped with SIGTERM, then killed with SIGKILL, then run to the end: every submission
graded exactly once, nothing left running, the gradebook intact and every total the one expected of its
kind (what an uninterrupted run gives: benchmarks/grading_throughput.py compares the two on 300).
The batch leaves out the infinite loop, which costs 30 s by itself."""
from __future__ import annotations

import signal
import sqlite3
import sys

from notebook_code import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from grading_throughput import (batch_kinds, cnn2, mismatches, released_course, start_autograde,  # noqa: E402
                                stop_after, verdicts, write_batch)

SUBMISSIONS = 24


def test_a_batch_stopped_killed_and_resumed_is_graded_exactly_once(tmp_path):
    course = released_course(tmp_path / "course")
    students = write_batch(course, batch_kinds(SUBMISSIONS, exclude=("infinite-loop",)))
    assert {"correct", "no-max-subtraction", "corrupt-json", "fork-bomb", "memory-bomb", "monkeypatch"} <= set(
        students.values())

    stopped = start_autograde(course, 2)
    assert stop_after(stopped, course, 6, signal.SIGTERM) == []
    assert stopped.returncode == 128 + signal.SIGTERM
    assert "interrupted: run again to resume" in stopped.stdout.read()
    after_stop = verdicts(course)

    killed = start_autograde(course, 2)
    assert stop_after(killed, course, len(after_stop) + 6, signal.SIGKILL) == []
    after_kill = verdicts(course)
    assert len(after_stop) < len(after_kill) < SUBMISSIONS
    assert all(after_kill[s] == v for s, v in after_stop.items())  # not graded again

    finished = cnn2(course, "autograde", "-q")
    row = next(line for line in finished.stdout.splitlines() if line.startswith("02-")).split()
    notebooks, already_graded, graded_now, ungradable = map(int, row[1:5])
    assert (notebooks, already_graded, graded_now + ungradable) == (SUBMISSIONS, len(after_kill),
                                                                     SUBMISSIONS - len(after_kill))
    final = verdicts(course)
    assert len(final) == SUBMISSIONS and all(final[s] == v for s, v in after_kill.items())
    assert mismatches(course, students) == []
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM submitted_assignment").fetchone() == (SUBMISSIONS,)
