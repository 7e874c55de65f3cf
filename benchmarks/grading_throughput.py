"""Benchmark and load test: submissions per minute of ``cnn2 autograde`` and of stock ``nbgrader
autograde``, the peak memory of the whole ``cnn2 autograde``, and a run killed midway and resumed.

Builds a throw-away course (assignment 02-softmax-cross-entropy released by ``cnn2 release``) and a
generated batch of N submissions (default 300) mixing correct, wrong, broken and malicious notebooks
(:data:`KINDS`, in the proportions of :data:`MIX`). The malicious ones include the attacks of issue 9
that reach ``cnn2 autograde`` (their code as in tests/test_attacks_*.py): delegating to the reference
(importing ``autograder.reference`` or ``torch``, also under a name built at run time), an exception
class whose name encodes the hidden input, a forged "Likely mistake", ``__builtins__`` replaced in what
the runner reports, megabytes of error text, a returned dict whose keys all collide, a grader callback
handed huge integers and a 60 MB answer of nested lists. The attacks on ``cnn2 collect`` (symbolic
links, crafted LMS file names, zip paths, student ids) never reach autograde: they are in
tests/test_attacks_collect.py only. Then:

1. grades the batch with ``cnn2 autograde`` (as many worker processes as cores), uninterrupted, while
   the PSS and RSS of its whole process tree (main process, workers, sandboxes) are sampled every
   0.2 s: the peak is printed against the target of 2 GiB, with each run's exit status (0 or 1:
   done, README "exit status");
2. grades a copy with ``cnn2 autograde`` killed with SIGKILL halfway, then run again: checks that every
   submission was graded exactly once and that the totals equal those of run 1 and the expected score
   of each kind (for every honest student, and every attack: it earns what the same wrong code earns
   honestly, its texts are cut to their bounds, a hidden test shows no leaked input, no forged mistake
   is recorded);
3. grades the first M submissions (default 40; 0 skips this) that stock nbgrader can be given safely (no
   fork bomb, memory bomb, output flood or infinite loop: stock nbgrader runs them with the
   instructor's rights, or spends its 60 s cell timeout on each) with ``nbgrader autograde`` and with
   ``cnn2 autograde``, and prints both rates side by side with their ratio. The stock figure is
   measured on that subset only (nbgrader takes about 2.4 s per submission, one after another), and
   labelled so.

Times are medians of ``--repeats`` runs (default 3), each on a fresh copy of the batch, and include each
command's start-up, as an instructor sees them. On 2 cores the default run takes about 25 minutes
(``--repeats 1``: about 10). Run it on an otherwise idle machine:

    python -m benchmarks.grading_throughput [--submissions 300] [--stock-submissions 40] [--processes N]
                                            [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.grading.jobs import MAX_FLAGS, MAX_TEXT_CHARS
from autograder.hints import HINTS
from autograder.nbgrader_app import run_nbgrader
from tests.notebook_code import ROOT, filled_release

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

# --- the attacks of issue 9 (their code as in tests/test_attacks_*.py, which show the outcome of each) ---
# Delegating to the reference: torch and autograder are not in the sandbox, so each scores what a wrong
# softmax does.
IMPORTS_REFERENCE = ("def softmax(y):\n"
                     "    from autograder.reference.softmax_cross_entropy import softmax as reference\n"
                     "    return reference(y)\n")
IMPORTS_TORCH = ("def softmax(y):\n    import torch\n"
                 "    return torch.softmax(torch.from_numpy(y), dim=1).numpy()\n")
IMPORTS_NAME_BUILT_AT_RUN_TIME = ('import importlib\n\ndef softmax(y):\n    return importlib.import_module('
                                  '"auto" + "grader.reference.softmax_cross_entropy").softmax(y)\n')
FORGED_MISTAKE_TEXT = f"\nLikely mistake: sign-flip. {HINTS['sign-flip']}"
#: What the leaking softmax puts in its exception's type name, with the input's values after it.
LEAK = "Leak4242"
EXCEPTION_NAMED_AFTER_INPUT = (f'def softmax(y):\n    name = "{LEAK}_" + "_".join(str(int(v)).replace("-", "m") '
                               'for v in y.ravel())\n    raise type(name, (Exception,), {})()\n')
FORGED_MISTAKE = f"def softmax(y):\n    raise ValueError({FORGED_MISTAKE_TEXT!r})\n"
# Attacks on the runner and on what grading costs: forged messages on the runner's pipe to the grader
# (tests/test_attacks_costs.py grades them too).
FORGE = """
import json as _json, os as _os, struct as _struct, sys as _sys, time as _time

def _forge(text, data=b""):
    fd = int(_sys.argv[2])
    _os.set_blocking(fd, True)
    view = memoryview(_struct.pack("!QI", len(text) + len(data), len(text)) + text + data)
    while view:
        view = view[_os.write(fd, view):]
    _time.sleep(60)
"""


def forged_return(value: str, data: str = 'b""') -> str:
    """A softmax that answers the grader with a forged return message whose result is ``value``."""
    return FORGE + f"""
def softmax(y):
    _forge(b'{{"op": "return", "value": {{"$": "dict", "v": [["changed", []], ["result", ' + {value} + b']]}}}}',
           {data})
"""


BUILTINS_REPLACED = """
import __main__
_report = __main__.shared_names
__main__.shared_names = lambda namespace, endpoint: {**_report(namespace, endpoint), "__builtins__": {}}
"""
# every later cell reported as failed with a megabyte of text; softmax left undefined
MEGABYTES_OF_ERROR_TEXT = """
import __main__
_run_cell = __main__.run_cell
__main__.run_cell = lambda *args: _run_cell(*args) or ["ValueError", "x" * 1_000_000]
"""
COLLIDING_KEYS = forged_return(
    "b'{\"$\": \"dict\", \"v\": [' + b', '.join([b'[{\"$\": \"nd\", \"dtype\": \"<c16\", \"shape\": [], "
    "\"scalar\": true}, 0]'] * 100_000) + b']}'",
    "b''.join(np.complex128(complex(1000003 * m, -m)).tobytes() for m in range(1, 100_001))")
NESTED_LISTS_60MB = forged_return("b'[' + b'[0],' * 15_000_000 + b'[0]]'")
# the grader's f of numerical_gradient(f, x) called with a 2000-long row of 4000-digit integers
HUGE_INTEGERS_TO_A_CALLBACK = FORGE + """
def numerical_gradient(f, x, h=1e-5):
    x = "[" + ", ".join([str(10 ** 4000)] * 2000) + "]"
    args = '{"$": "dict", "v": [["args", [' + x + ']], ["kwargs", {"$": "dict", "v": []}]]}'
    _forge(('{"op": "call", "fn": %d, "value": %s}' % (f._id, args)).encode())
"""


@dataclass(frozen=True)
class Kind:
    """A kind of submission: how to write it, and the totals the grader may give it (None: ungradable)."""

    group: str  # "correct", "wrong", "broken", "malicious"
    write: Callable[[Path, Path, Path], None]  # (release, source, target)
    expected: tuple[float, ...] | None
    stock_safe: bool = True  # may be given to stock nbgrader, which runs it with the instructor's rights
    # what else its recorded verdict (the JSON of cnn2_verdict.verdict) must show: a problem, or None
    check: Callable[[dict], str | None] | None = None


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


def _hidden_tests_do_not_show(text: str) -> Callable[[dict], str | None]:
    def check(verdict: dict) -> str | None:
        hidden = [t for t in verdict["tests"] if t["grade_id"].endswith("_hidden")]  # 02's hidden tests' ids
        shown = [t["grade_id"] for t in hidden if text in t["message"]]
        return ("no hidden test in the verdict" if not hidden else
                f"{text!r} in the message of {', '.join(shown)}" if shown else None)
    return check


def _no_mistake_recorded(verdict: dict) -> str | None:
    named = [f"{t['grade_id']}: {t['mistake']}" for t in verdict["tests"] if t.get("mistake")]
    return f"mistakes recorded: {', '.join(named)}" if named else None


KINDS = {
    "correct": Kind("correct", _filled(), (21.0,)),
    "untouched": Kind("wrong", _release, (0.0,)),
    # a wrong or missing softmax or cross_entropy costs its own 3 points only (its visible and hidden
    # tests: both try huge logits): the functions that call it are checked with the reference's
    "no-max-subtraction": Kind("wrong", _filled({"softmax": NO_MAX_SUBTRACTION}), (18.0,)),
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
    # the attacks of issue 9, each scoring what the same wrong softmax (or numerical_gradient) scores
    "imports-reference": Kind("malicious", _filled({"softmax": IMPORTS_REFERENCE}), (18.0,)),
    "imports-torch": Kind("malicious", _filled({"softmax": IMPORTS_TORCH}), (18.0,)),
    "import-name-built-at-run-time": Kind("malicious", _filled({"softmax": IMPORTS_NAME_BUILT_AT_RUN_TIME}),
                                          (18.0,)),
    "exception-named-after-input": Kind("malicious", _filled({"softmax": EXCEPTION_NAMED_AFTER_INPUT}), (18.0,),
                                        check=_hidden_tests_do_not_show(LEAK)),
    "forged-mistake": Kind("malicious", _filled({"softmax": FORGED_MISTAKE}), (18.0,),
                           check=_no_mistake_recorded),
    # the grader's side fails on what the runner reports: that submission's verdict, not the batch's end
    "builtins-replaced": Kind("malicious", _filled({"softmax": BUILTINS_REPLACED}), None),
    "megabytes-of-error-text": Kind("malicious", _filled({"softmax": MEGABYTES_OF_ERROR_TEXT}), (18.0,)),
    "colliding-keys": Kind("malicious", _filled({"softmax": COLLIDING_KEYS}), (18.0,)),
    "huge-integers-to-a-callback": Kind("malicious", _filled({"numerical_gradient": HUGE_INTEGERS_TO_A_CALLBACK}),
                                        (18.0,)),
    "nested-lists-60mb": Kind("malicious", _filled({"softmax": NESTED_LISTS_60MB}), (18.0,)),
}
#: How many of each kind in 60 submissions (the batch repeats this mix): the 50 of the load test before
#: issue 9, and its attacks.
MIX = {"correct": 12, "untouched": 6, "no-max-subtraction": 6, "summed-loss": 6, "syntax-error": 2,
       "corrupt-json": 2, "empty-file": 1, "monkeypatch": 4, "sys-exit": 2, "read-solutions": 2, "fork-bomb": 2,
       "memory-bomb": 2, "output-flood": 2, "infinite-loop": 1,
       "imports-reference": 1, "imports-torch": 1, "import-name-built-at-run-time": 1,
       "exception-named-after-input": 1, "forged-mistake": 1, "builtins-replaced": 1,
       "megabytes-of-error-text": 1, "colliding-keys": 1, "huge-integers-to-a-callback": 1,
       "nested-lists-60mb": 1}
HONEST = ("correct", "wrong", "broken")  # the groups of submissions that attack nothing


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


def recorded_verdicts(course: Path) -> dict[str, dict]:
    """student -> the whole recorded verdict (cnn2_verdict.verdict, JSON)."""
    with sqlite3.connect(course / "gradebook.db", timeout=30) as db:
        rows = db.execute("SELECT student, verdict FROM cnn2_verdict").fetchall()
    return {student: json.loads(verdict) for student, verdict in rows}


def _unbounded_texts(verdict: dict) -> str | None:
    """What in a recorded verdict is past the bounds on texts (MAX_TEXT_CHARS each, MAX_FLAGS flags)."""
    texts = [verdict.get("reason") or "", *verdict["flags"], *(t["message"] for t in verdict["tests"])]
    longest = max(map(len, texts))
    if len(verdict["flags"]) > MAX_FLAGS or longest > MAX_TEXT_CHARS:
        return f"{len(verdict['flags'])} flags, a text of {longest} characters"
    return None


def mismatches(course: Path, students: dict[str, str]) -> list[str]:
    """Students whose verdict is not the one expected of their submission's kind: its total (or
    ungradable), texts within their bounds, and what the kind's own check looks for."""
    recorded, scores, details = verdicts(course), totals(course), recorded_verdicts(course)
    wrong = []
    for student, kind in sorted(students.items()):
        expected = KINDS[kind].expected
        status = recorded.get(student, ("none",))[0]
        got = scores.get(student)
        if (expected is None and status != "ungradable") or (expected is not None and got not in expected):
            wrong.append(f"{student} ({kind}): expected {expected or 'ungradable'}, got {status} {got}")
        elif student in details:
            check = KINDS[kind].check
            problem = _unbounded_texts(details[student]) or (check(details[student]) if check else None)
            if problem:
                wrong.append(f"{student} ({kind}): {problem}")
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


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live (not zombie) process, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:  # it ended meanwhile
            continue
        if state != "Z":
            parents[int(stat.parent.name)] = int(parent)
    return parents


def tree_memory(root: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes, summed over process ``root`` and all its descendants, followed by parent pid
    (each sandbox runs in a session of its own). PSS, from /proc/<pid>/smaps_rollup, counts a page that
    n processes share as 1/n in each: the sum counts the workers' shared libraries once (and a little
    less where processes outside the tree share them too). RSS counts them in every process."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    pss = rss = 0
    tree = [root]
    while tree:
        pid = tree.pop()
        tree.extend(children.get(pid, ()))
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:  # it ended meanwhile, or a kernel thread
            continue
        fields = (line.partition(":") for line in rollup.splitlines()[1:])  # after the "[rollup]" line
        kib = {name: value.split()[0] for name, _, value in fields}
        pss, rss = pss + 1024 * int(kib.get("Pss", 0)), rss + 1024 * int(kib.get("Rss", 0))
    return pss, rss


SAMPLE_SECONDS = 0.2


class PeakMemory:
    """The largest :func:`tree_memory` of process ``pid``, sampled every ``interval`` seconds by a thread
    while the ``with`` block runs: ``peak_pss``, ``peak_rss`` (bytes, each its own largest sample)."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        self.pid, self.interval = pid, interval
        self.peak_pss = self.peak_rss = self.samples = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            pss, rss = tree_memory(self.pid)
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self.samples += 1
            self._done.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()


@dataclass
class MeasuredRun:
    """One ``cnn2 autograde`` run, timed and its process tree's memory sampled."""

    seconds: float
    returncode: int
    output: str
    peak_pss: int
    peak_rss: int

    def summary(self) -> tuple[int, ...]:
        """The summary table's row of the assignment: notebooks, already graded, graded now, ungradable
        now, flagged, grader errors."""
        row = next(line for line in self.output.splitlines() if line.startswith(ASSIGNMENT)).split()
        return tuple(map(int, row[1:7]))


GIB = 1 << 30
#: Issue 9: the peak memory of the whole ``cnn2 autograde -j 2`` (main process, workers, sandboxes).
MEMORY_TARGET = 2 * GIB
#: The exit statuses of a ``cnn2 autograde`` that finished (README: 0 done, 1 done with something to
#: look at).
DONE = (0, 1)


def measured_autograde(course: Path, processes: int) -> MeasuredRun:
    """``cnn2 autograde -q -j processes`` to its end, with its wall time (start-up included) and the
    peak memory of its whole process tree (main process, workers, sandboxes)."""
    started = time.perf_counter()
    process = start_autograde(course, processes)
    with PeakMemory(process.pid) as peak:
        output, _ = process.communicate()
    run = MeasuredRun(time.perf_counter() - started, process.returncode, output, peak.peak_pss, peak.peak_rss)
    if run.returncode not in DONE:
        raise RuntimeError(f"cnn2 autograde exited with {run.returncode}:\n{output}")
    return run


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


def gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--stock-submissions", type=int, default=40,
                        help="subset given to stock nbgrader (0: skip the comparison)")
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
        honest = {s: k for s, k in students.items() if KINDS[k].group in HONEST}
        print(f"{args.submissions} submissions of {ASSIGNMENT} ({', '.join(f'{k} {v}' for k, v in MIX.items())} "
              f"per {sum(MIX.values())}), {args.processes} processes, {os.cpu_count()} cores, "
              f"median of {args.repeats} runs", flush=True)

        uninterrupted, resumed = Path(tmp) / "uninterrupted", Path(tmp) / "resumed"
        runs = []
        for _ in range(args.repeats):
            shutil.rmtree(uninterrupted, ignore_errors=True)
            shutil.copytree(batch, uninterrupted)
            runs.append(measured_autograde(uninterrupted, args.processes))
        seconds = {"all": statistics.median(run.seconds for run in runs)}
        notebooks, already_graded, graded_now, ungradable, _, grader_errors = runs[-1].summary()
        graded_once = (len(verdicts(uninterrupted)) == args.submissions
                       and (notebooks, already_graded, graded_now + ungradable) == (args.submissions, 0,
                                                                                   args.submissions))
        shutil.copytree(batch, resumed)
        left = stop_after(start_autograde(resumed, args.processes), resumed, args.submissions // 2, signal.SIGKILL)
        before = verdicts(resumed)
        runs.append(measured_autograde(resumed, args.processes))
        after = verdicts(resumed)
        once = len(after) == args.submissions and all(after[s][2] == v[2] for s, v in before.items())
        identical = totals(resumed) == totals(uninterrupted)
        problems = mismatches(uninterrupted, students) + mismatches(resumed, students)
        honest_problems = [p for p in problems if p.split()[0] in honest]

        if args.stock_submissions:
            shutil.copytree(template, subset_batch)
            subset = write_batch(subset_batch, batch_kinds(args.stock_submissions, exclude=unsafe))
            work = Path(tmp) / "work"
            seconds["subset"] = median_seconds(subset_batch, work, lambda c: cnn2(c, *jobs), args.repeats)
            seconds["stock"] = median_seconds(subset_batch, work, stock_autograde, args.repeats)

    rows = [("cnn2 autograde, whole batch", args.submissions, "all")]
    if args.stock_submissions:
        rows += [("cnn2 autograde, stock-safe subset", len(subset), "subset"),
                 ("stock nbgrader autograde, stock-safe subset only", len(subset), "stock")]
    rate = {name: 60 * n / seconds[name] for _, n, name in rows}
    print(f"\n{'pipeline':<50} {'submissions':>11} {'seconds':>8} {'per minute':>10}")
    for label, n, name in rows:
        print(f"{label:<50} {n:>11} {seconds[name]:>8.1f} {rate[name]:>10.1f}")
    if args.stock_submissions:
        print(f"ratio on the same {len(subset)} submissions, cnn2 / stock nbgrader: "
              f"{rate['subset'] / rate['stock']:.2f}x (the stock-safe subset leaves out {', '.join(unsafe)})")
    peak_pss, peak_rss = max(run.peak_pss for run in runs), max(run.peak_rss for run in runs)
    print(f"\npeak memory of the whole cnn2 autograde -j {args.processes} (main process, workers and sandboxes; "
          f"every {SAMPLE_SECONDS:g} s, over its {len(runs)} runs to the end):")
    print(f"  PSS {gib(peak_pss)}, against the target of {gib(MEMORY_TARGET)}: {peak_pss / MEMORY_TARGET:.2f} "
          f"of it (RSS summed over its processes, shared pages counted in each: {gib(peak_rss)})")
    print(f"  exit statuses: {', '.join(str(run.returncode) for run in runs)} (0 done, 1 done with something to "
          f"look at)")
    print(f"  every submission of the uninterrupted run graded exactly once: {graded_once} ({graded_now} graded, "
          f"{ungradable} ungradable, {grader_errors} grader errors)")
    print(f"  every honest student ({len(honest)}: {', '.join(HONEST)}) graded with the right score: "
          f"{not honest_problems}")
    print(f"\nkilled with SIGKILL after {len(before)} of {args.submissions} verdicts, then run again:")
    print(f"  processes left running after the kill: {len(left)}")
    print(f"  every submission graded exactly once: {once} ({len(after)} verdicts; the {len(before)} recorded "
          f"before the kill untouched by the second run)")
    print(f"  totals identical to the uninterrupted run: {identical}")
    print(f"  every verdict one expected of its kind: {not problems}")
    for problem in problems:
        print(f"    {problem}")
    return 0 if (graded_once and not grader_errors and once and identical and not problems and not left
                 and peak_pss < MEMORY_TARGET) else 1


if __name__ == "__main__":
    sys.exit(main())
