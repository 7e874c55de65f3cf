"""Benchmark: submissions per minute of ``cnn2 autograde`` and of stock ``nbgrader autograde``, and a
run killed midway and resumed.

Builds a throw-away course (assignment 02-softmax-cross-entropy released by ``cnn2 release``) and a
generated batch of N submissions (default 300) mixing correct, wrong, broken and malicious notebooks
(:data:`KINDS`, in the proportions of :data:`MIX`), then:

1. grades the batch with ``cnn2 autograde`` (as many worker processes as cores), uninterrupted;
2. grades a copy with ``cnn2 autograde`` killed with SIGKILL halfway, then run again: checks that every
   submission was graded exactly once and that the totals equal those of run 1 and the expected score
   of each kind;
3. grades the first M submissions (default 40) that stock nbgrader can be given safely (no fork bomb,
   memory bomb, output flood or infinite loop: stock nbgrader runs them with the instructor's rights,
   or spends its 60 s cell timeout on each) with ``nbgrader autograde`` and with ``cnn2 autograde``,
   and prints both rates side by side with their ratio. The stock figure is measured on that subset
   only (nbgrader takes about 2.4 s per submission, one after another), and labelled so.

Times are medians of ``--repeats`` runs (default 3), each on a fresh copy of the batch, and include each
command's start-up, as an instructor sees them. On 2 cores the default run takes about 25 minutes
(``--repeats 1``: about 10). Run it on an otherwise idle machine:

    python benchmarks/grading_throughput.py [--submissions 300] [--stock-submissions 40] [--processes N]
                                            [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from notebook_code import filled_release  # noqa: E402  (tests/ holds the submission builders)

from autograder.nbgrader_app import run_nbgrader  # noqa: E402

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy"

NO_MAX_SUBTRACTION = "def softmax(y):\n    e = np.exp(y)\n    return e / e.sum(axis=1, keepdims=True)\n"
SUMMED_LOSS = ("def cross_entropy(logits, labels):\n    z = logits - logits.max(axis=1, keepdims=True)\n"
               "    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
               "    return -log_probs[np.arange(len(labels)), labels].sum()\n")
MONKEYPATCH = ("import numpy as np\nimport autograder.compare\n"
               "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
               "autograder.compare.assert_close = lambda *args, **kwargs: None\n"
               "def softmax(y):\n    return np.full(y.shape, 1.0 / y.shape[1])\n")


@dataclass(frozen=True)
class Kind:
    """A kind of submission: how to write it, and the totals the grader may give it (None: ungradable)."""

    group: str  # "correct", "wrong", "broken", "malicious"
    write: Callable[[Path, Path, Path], None]  # (release, source, target)
    expected: tuple[float, ...] | None
    stock_safe: bool = True  # may be given to stock nbgrader, which runs it with the instructor's rights


def _filled(overrides: dict[str, str] | None = None):
    def write(release: Path, source: Path, target: Path) -> None:
        nbformat.write(filled_release(release, source, overrides), target)
    return write


def _text(content: str):
    def write(release: Path, source: Path, target: Path) -> None:
        target.write_text(content)
    return write


def _release(release: Path, source: Path, target: Path) -> None:
    shutil.copy(release, target)


KINDS = {
    "correct": Kind("correct", _filled(), (21.0,)),
    "untouched": Kind("wrong", _release, (0.0,)),
    # a wrong or missing softmax or cross_entropy costs its own 2 or 3 points only: the functions that
    # call it are checked with the reference's
    "no-max-subtraction": Kind("wrong", _filled({"softmax": NO_MAX_SUBTRACTION}), (19.0,)),
    "summed-loss": Kind("wrong", _filled({"cross_entropy": SUMMED_LOSS}), (18.0,)),
    "syntax-error": Kind("broken", _filled({"softmax": "def softmax(y)\n    return y\n"}), (18.0,)),
    "corrupt-json": Kind("broken", _text('{"cells": ['), None),
    "empty-file": Kind("broken", _text(""), None),
    "monkeypatch": Kind("malicious", _filled({"softmax": MONKEYPATCH}), (18.0,)),
    "sys-exit": Kind("malicious", _filled({"softmax": "import sys\nsys.exit(0)\n"}), (18.0,)),
    "read-solutions": Kind("malicious", _filled({"softmax": (
        "print(open('../../../solutions/02-softmax-cross-entropy/softmax_cross_entropy.ipynb').read())\n")}),
        (18.0,)),
    "fork-bomb": Kind("malicious", _filled({"softmax": "import os\nwhile True:\n    os.fork()\n"}), (18.0,), False),
    "memory-bomb": Kind("malicious", _filled({"softmax": "x = [bytearray(10**8) for _ in range(100)]\n"}), (18.0,),
                        False),
    "output-flood": Kind("malicious", _filled({"softmax": "for i in range(10**6):\n    print('x' * 100)\n"}),
                         (18.0,), False),
    # the cell that does not finish is skipped (after the 30 s limit) and flagged; the rest is graded
    "infinite-loop": Kind("malicious", _filled({"softmax": "while True:\n    pass\n"}), (18.0,), False),
}
#: How many of each kind in 50 submissions (the batch repeats this mix).
MIX = {"correct": 12, "untouched": 6, "no-max-subtraction": 6, "summed-loss": 6, "syntax-error": 2,
       "corrupt-json": 2, "empty-file": 1, "monkeypatch": 4, "sys-exit": 2, "read-solutions": 2, "fork-bomb": 2,
       "memory-bomb": 2, "output-flood": 2, "infinite-loop": 1}


def batch_kinds(n: int, exclude: tuple[str, ...] = ()) -> list[str]:
    """The kinds of ``n`` submissions in :data:`MIX` proportions, interleaved so that any prefix mixes them."""
    counts = {k: c for k, c in MIX.items() if k not in exclude}
    cycle, left = [], dict(counts)
    while any(left.values()):
        for kind in counts:
            if left[kind]:
                cycle.append(kind)
                left[kind] -= 1
    return [cycle[i % len(cycle)] for i in range(n)]


def student_id(i: int) -> str:
    return f"s{i:03d}"


def write_batch(course: Path, kinds: list[str]) -> dict[str, str]:
    """Write one submission per kind into ``course/submitted``; returns student id -> kind."""
    release = course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    source = course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    students = {}
    for i, kind in enumerate(kinds):
        folder = course / "submitted" / student_id(i) / ASSIGNMENT
        folder.mkdir(parents=True)
        KINDS[kind].write(release, source, folder / f"{NOTEBOOK}.ipynb")
        students[student_id(i)] = kind
    return students


def cnn2(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``cnn2 <args>`` (as ``python -m autograder.grading.cli``) in the course directory."""
    result = subprocess.run([sys.executable, "-m", "autograder.grading.cli", *args], cwd=course,
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"cnn2 {' '.join(args)} exited with {result.returncode}:\n"
                           f"{result.stdout}\n{result.stderr}")
    return result


def released_course(folder: Path) -> Path:
    """A course directory with assignment 02 released (``cnn2 release``)."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    cnn2(folder, "release", ASSIGNMENT)
    return folder


def verdicts(course: Path) -> dict[str, tuple[str, float, str]]:
    """student -> (status, score, graded_at) of every recorded verdict."""
    with sqlite3.connect(course / "gradebook.db", timeout=30) as db:
        try:
            rows = db.execute("SELECT student, status, score, graded_at FROM cnn2_verdict").fetchall()
        except sqlite3.OperationalError:  # no verdict recorded yet: the table is created by the first run
            return {}
    return {student: (status, score, graded_at) for student, status, score, graded_at in rows}


def totals(course: Path) -> dict[str, float | None]:
    """student -> nbgrader's total score in the gradebook (None: ungradable, no automatic score)."""
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute("""SELECT student.id, sum(grade.auto_score), count(grade.auto_score) FROM grade
            JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
            JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
            JOIN student ON submitted_assignment.student_id = student.id GROUP BY student.id""").fetchall()
    return {student: (score if count else None) for student, score, count in rows}


def mismatches(course: Path, students: dict[str, str]) -> list[str]:
    """Students whose verdict is not the one expected of their submission's kind."""
    recorded, scores = verdicts(course), totals(course)
    wrong = []
    for student, kind in sorted(students.items()):
        expected = KINDS[kind].expected
        status = recorded.get(student, ("none",))[0]
        got = scores.get(student)
        if (expected is None and status != "ungradable") or (expected is not None and got not in expected):
            wrong.append(f"{student} ({kind}): expected {expected or 'ungradable'}, got {status} {got}")
    return wrong


def session_processes(session: int) -> list[str]:
    """Live (not zombie) processes of a session, from /proc: "<pid> <command line>"."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(f"{stat.parent.name} {command[:200]}")
    return found


def start_autograde(course: Path, processes: int) -> subprocess.Popen:
    """``cnn2 autograde`` in a session of its own (so that what it leaves behind can be found)."""
    command = [sys.executable, "-m", "autograder.grading.cli", "autograde", "-q", "-j", str(processes)]
    return subprocess.Popen(command, cwd=course, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def stop_after(process: subprocess.Popen, course: Path, recorded: int, how: signal.Signals,
               timeout: float = 600.0) -> list[str]:
    """Send ``how`` to the process once ``recorded`` verdicts are in the gradebook; wait for it to end.
    Returns the processes of its session still alive 20 s later (none, when nothing outlived it)."""
    deadline = time.monotonic() + timeout
    while len(verdicts(course)) < recorded and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is not None:
        raise RuntimeError(f"autograde ended before it could be stopped:\n{process.stdout.read()}")
    process.send_signal(how)
    process.wait(60)
    deadline = time.monotonic() + 20
    while session_processes(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = session_processes(process.pid)
    if left:
        os.killpg(process.pid, signal.SIGKILL)
    return left


def stock_autograde(course: Path) -> None:
    """``nbgrader autograde`` of the assignment (it exits 1 when a notebook could not be graded)."""
    run_nbgrader(course, "autograde", ASSIGNMENT, check=False)


def median_seconds(pristine: Path, work: Path, command: Callable[[Path], object], repeats: int) -> float:
    """Median wall time of ``command(course)`` over ``repeats`` runs, each on a fresh copy of ``pristine``."""
    times = []
    for _ in range(repeats):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(pristine, work)
        start = time.perf_counter()
        command(work)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--stock-submissions", type=int, default=40, help="subset given to stock nbgrader")
    parser.add_argument("--processes", type=int, default=os.cpu_count(),
                        help="cnn2 worker processes (default: the number of cores)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each pipeline (median)")
    args = parser.parse_args()
    unsafe = tuple(k for k, kind in KINDS.items() if not kind.stock_safe)
    jobs = ["autograde", "-q", "-j", str(args.processes)]
    with tempfile.TemporaryDirectory(prefix="grading-throughput-") as tmp:
        template = released_course(Path(tmp) / "template")
        batch, subset_batch = Path(tmp) / "batch", Path(tmp) / "subset"
        shutil.copytree(template, batch)
        students = write_batch(batch, batch_kinds(args.submissions))
        shutil.copytree(template, subset_batch)
        subset = write_batch(subset_batch, batch_kinds(args.stock_submissions, exclude=unsafe))
        print(f"{args.submissions} submissions of {ASSIGNMENT} ({', '.join(f'{k} {v}' for k, v in MIX.items())} "
              f"per 50), {args.processes} processes, {os.cpu_count()} cores, median of {args.repeats} runs",
              flush=True)

        uninterrupted, resumed = Path(tmp) / "uninterrupted", Path(tmp) / "resumed"
        seconds = {"all": median_seconds(batch, uninterrupted, lambda c: cnn2(c, *jobs), args.repeats)}
        shutil.copytree(batch, resumed)
        left = stop_after(start_autograde(resumed, args.processes), resumed, args.submissions // 2, signal.SIGKILL)
        before = verdicts(resumed)
        cnn2(resumed, *jobs)
        after = verdicts(resumed)
        once = len(after) == args.submissions and all(after[s][2] == v[2] for s, v in before.items())
        identical = totals(resumed) == totals(uninterrupted)
        problems = mismatches(uninterrupted, students) + mismatches(resumed, students)

        work = Path(tmp) / "work"
        seconds["subset"] = median_seconds(subset_batch, work, lambda c: cnn2(c, *jobs), args.repeats)
        seconds["stock"] = median_seconds(subset_batch, work, stock_autograde, args.repeats)

    rate = {name: 60 * n / seconds[name] for name, n in
            (("all", args.submissions), ("subset", len(subset)), ("stock", len(subset)))}
    rows = [("cnn2 autograde, whole batch", args.submissions, "all"),
            ("cnn2 autograde, stock-safe subset", len(subset), "subset"),
            ("stock nbgrader autograde, stock-safe subset only", len(subset), "stock")]
    print(f"\n{'pipeline':<50} {'submissions':>11} {'seconds':>8} {'per minute':>10}")
    for label, n, name in rows:
        print(f"{label:<50} {n:>11} {seconds[name]:>8.1f} {rate[name]:>10.1f}")
    ratio = rate["subset"] / rate["stock"]
    print(f"ratio on the same {len(subset)} submissions, cnn2 / stock nbgrader: {ratio:.2f}x "
          f"(the stock-safe subset leaves out {', '.join(unsafe)})")
    print(f"\nkilled with SIGKILL after {len(before)} of {args.submissions} verdicts, then run again:")
    print(f"  processes left running after the kill: {len(left)}")
    print(f"  every submission graded exactly once: {once} ({len(after)} verdicts; the {len(before)} recorded "
          f"before the kill untouched by the second run)")
    print(f"  totals identical to the uninterrupted run: {identical}")
    print(f"  every verdict one expected of its kind: {not problems}")
    for problem in problems:
        print(f"    {problem}")
    return 0 if once and identical and not problems and not left else 1


if __name__ == "__main__":
    sys.exit(main())
