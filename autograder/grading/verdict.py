"""The verdict on one submission, from a pristine grader: :func:`grade_notebook`.

The student's code never runs in the grader. :func:`grade_notebook` runs the student's code cells in
a sandbox (:mod:`autograder.grading.sandbox`), then executes the source notebook's test cells here,
each in a fresh namespace holding the names the student's cells defined (a function as a proxy that
sends its arguments to the sandbox, runs the student's function there and returns its result as
plain data, see :mod:`autograder.grading.rpc`; a variable as its plain-data value), except names of
built-ins, and then the source notebook's own imports (``np`` is always the grader's numpy). The
checks (``autograder.checks``) thus compare the student's results with the PyTorch references using
this process's own numpy and torch, which no monkeypatching, import hook or input transformer in the
student's code can reach. A test cell passes when it raises nothing, and earns its nbgrader points.

Per-student inputs: in each test cell, every ``seed=<integer>`` keyword argument (the hidden checks'
``check_X_edge_cases(f, seed=...)``) is replaced by :func:`hidden_tests_seed` of the ``seed`` given to
:func:`grade_notebook` and the cell's grade_id, so every student gets other random hidden inputs.

Time and crashes, as nbgrader's interrupted cells: a student's cell that runs longer than
``Limits.wall_seconds`` or ends its process (``os._exit``, a limit's kill) is skipped and flagged,
and the sandbox started again without it; a test cell whose calls of the student's code take longer
than ``Limits.test_seconds``, or end the process, fails, and the next test gets a fresh sandbox. A
function that did not finish in one test is not called again: the later tests that call it fail at
once, so an endless function costs one test's time, not every test's. The whole notebook must be done
within ``Limits.total_seconds``, else it is ungradable ("timeout: ..."). Each test reports its
progress (:func:`autograder.grading.workers.report_progress`) for the instructor's progress bar.

Feedback: a failed visible test's ``message`` is the check's plain-words message, which may quote what
the student's function did on the visible inputs (its values, its exception's type and message). A
hidden test's message is built from the grader's own words only: which check failed and which
requirement (the :class:`autograder.compare.CheckFailure`'s ``requirement``), never anything the
student's code chose after seeing a hidden input (returned values, shapes, dtypes, dict keys, exception
types or messages, exit statuses, protocol garbage). All visible tests run before any hidden one, so no
hidden input reaches the sandbox before the last visible test's message is written. A known mistake
(``mistake``, with the catalogue's ``hint``) comes only from the check's own comparison with the known
mistakes' results, never from text, so the student's code cannot forge one.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import hashlib
import io
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from autograder.compare import CheckFailure
from autograder.grading.notebooks import SourceNotebook, StudentCode, TestCell, Ungradable, read_source, read_submission
from autograder.grading.rpc import OutOfMemory, PeerClosed, PeerLost, PeerTimeout
from autograder.grading.sandbox import CellsRun, Limits, Sandbox, SandboxUnavailable
from autograder.grading.workers import OUT_OF_MEMORY_REASON, report_progress
from autograder.hints import HINTS

PASSED = "passed"
# A hidden test stopped by an exception other than a check's failure: the student's own exception
# raised straight through the test cell, or the test's code tripping over what the function returned.
HIDDEN_ERROR = ("your code raised an exception, or returned something this test cannot use "
                "(details are shown on visible tests only)")


@dataclass
class TestVerdict:
    __test__ = False  # not a pytest test class, despite its name
    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str          # plain words: "passed", or what went wrong
    mistake: str | None   # the known mistake's key (autograder.hints), when one was recognised
    hint: str | None      # the catalogue's hint for that mistake


@dataclass
class NotebookVerdict:
    status: str           # "graded" | "ungradable"
    reason: str | None    # why ungradable: "corrupt notebook: ...", "missing cells: ...", "timeout: ...",
    #                       "crashed: ..."
    tests: list[TestVerdict]  # one per test cell of the source (all 0 points when ungradable)
    flags: list[str]      # for an instructor's review, e.g. "imports torch in a solution cell (softmax)"
    score: float
    max_score: float
    seconds: float


class _TimedOutBefore(PeerLost):
    """A call of a student's function that did not finish in an earlier test (see :class:`_NotCalledAgain`)."""


class _NotCalledAgain:
    """What a test gets in place of a student's function that did not finish within an earlier test's
    time: calling it fails at once, as calling it again would only wait the same time out."""

    def __init__(self, name: str):
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        raise _TimedOutBefore(self.__name__)

    def with_names(self, names: dict) -> _NotCalledAgain:
        return self


def hidden_tests_seed(seed: int, grade_id: str) -> int:
    """The seed the hidden checks of test cell ``grade_id`` get for the student with ``seed``."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{grade_id}".encode()).digest()[:4], "big")


def grade_notebook(source_notebook: Path, submission: Path, *, seed: int,
                   limits: Limits | None = None) -> NotebookVerdict:
    """Grade ``submission`` against the tests of the instructor's ``source_notebook``.

    seed: the student's seed for the hidden tests' random inputs (see :func:`hidden_tests_seed`).
    Returns the verdict; raises only :class:`autograder.grading.sandbox.SandboxUnavailable` (this
    machine cannot sandbox: nothing was graded) or on a broken source notebook. Any other fault while
    grading the submission, the grader running out of memory included, makes it ungradable with the
    reason: what the student's code sent caused it, and grading it again would do the same.
    """
    limits = limits or Limits()
    started = time.monotonic()
    source = read_source(Path(source_notebook))

    def ungradable(error: Ungradable, flags: list[str]) -> NotebookVerdict:
        tests = [TestVerdict(test.grade_id, 0.0, test.points, False, f"not graded: {error}", None, None)
                 for test in source.tests]
        return NotebookVerdict("ungradable", str(error), tests, flags, 0.0, source.max_score,
                               time.monotonic() - started)
    try:
        code = read_submission(Path(submission), source, limits.notebook_bytes)
    except Ungradable as error:
        return ungradable(error, [])
    grading = _Grading(source, code, seed, limits, started, (Path(source_notebook), Path(submission)))
    try:
        tests = grading.run()
    except Ungradable as error:
        return ungradable(error, grading.flags)
    except SandboxUnavailable:
        raise
    except (MemoryError, OutOfMemory):
        return ungradable(Ungradable(OUT_OF_MEMORY_REASON), grading.flags)
    except Exception as error:
        return ungradable(Ungradable(f"grader error on this submission: {type(error).__name__}: {error}"),
                          grading.flags)
    return NotebookVerdict("graded", None, tests, grading.flags, sum(t.points for t in tests),
                           source.max_score, time.monotonic() - started)


class _Grading:
    """One submission's test cells run against its sandbox, restarted after a test that broke it."""

    def __init__(self, source: SourceNotebook, code: StudentCode, seed: int, limits: Limits,
                 started: float, private_paths: tuple[Path, ...]):
        self.source, self.code, self.seed, self.limits = source, code, seed, limits
        self.total_deadline = started + limits.total_seconds
        self.private_paths = private_paths
        self.sandbox: Sandbox | None = None
        self.cells: CellsRun | None = None
        self.flags = list(code.flags)
        self.skipped: dict[int, str] = {}  # index of a cell in code.cells -> how running it ended
        self.timed_out: set[str] = set()  # the student's functions that did not finish within a test

    def run(self) -> list[TestVerdict]:
        """The verdict of each test cell, in the source's order; ``flags`` collects the flags."""
        # The references run on tiny inputs: torch's intra-op threads would only spin on the cores
        # the sandboxed student process needs (grading is about 3x slower with them on 2 cores).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        tests = self.source.tests
        try:
            # visible tests first: their messages may quote the student's code, which must not have
            # seen a hidden input by then (it could keep one in a global and raise it later)
            order = sorted(range(len(tests)), key=lambda i: tests[i].hidden)
            verdicts = {}
            for done, i in enumerate(order):
                report_progress(f"test {done + 1}/{len(tests)}")
                verdicts[i] = self._test(tests[i])
        finally:
            torch.set_num_threads(threads)
            self._stop()
        return [verdicts[i] for i in range(len(tests))]

    def _deadline(self) -> float:
        self._check_total_time()
        return min(time.monotonic() + self.limits.test_seconds, self.total_deadline)

    def _start(self) -> None:
        """A fresh sandbox that has run the student's cells. A cell that does not finish in time or
        ends the process is skipped (and flagged), and the sandbox started again without it."""
        while True:
            kept = [i for i in range(len(self.code.cells)) if i not in self.skipped]
            self.sandbox = Sandbox(self.limits, self.private_paths, with_torch=self.source.uses_torch)
            try:
                self.cells = self.sandbox.run_cells([self.code.cells[i] for i in kept], self.limits.wall_seconds,
                                                    self.total_deadline)
                break
            except PeerLost as lost:
                position, ending = self.sandbox.running, self._how_it_ended(lost)
                self._stop()
                self._check_total_time()
                if position is None:
                    raise Ungradable(f"crashed: the student's code {ending} after its cells ran") from None
                label = self.code.cells[kept[position]][0]
                self.skipped[kept[position]] = ending
                self.flags.append(f"{label} was skipped: it {ending}")
        for index, ending in self.skipped.items():
            self.cells.errors[self.code.cells[index][0]] = ("skipped", f"it {ending}")

    def _check_total_time(self) -> None:
        if time.monotonic() >= self.total_deadline:
            raise Ungradable(f"timeout: grading took longer than {self.limits.total_seconds:g} s")

    def _stop(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
        self.sandbox = self.cells = None

    def _test(self, test: TestCell) -> TestVerdict:
        if self.sandbox is None:
            self._start()
        endpoint = self.sandbox.endpoint
        endpoint.deadline, endpoint.hide_messages = self._deadline(), test.hidden
        namespace = self._namespace()
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the self-checks' "passed" lines
                exec(_compile_test(test, self.seed), namespace)
        except CheckFailure as failure:
            told = failure.requirement if test.hidden else failure.problem
            return _failed(test, f"{failure.what}: {told}", failure.mistake)
        except _TimedOutBefore as again:
            return _failed(test, f"your code did not finish: {again} did not finish within "
                                 f"{self.limits.test_seconds:g} s in an earlier test, and was not run again")
        except PeerLost as lost:
            ending = self._how_it_ended(lost, test.hidden, self.limits.test_seconds)
            if isinstance(lost, PeerTimeout) and getattr(lost, "function", None) in self.cells.values:
                self.timed_out.add(lost.function)
            self._stop()
            return _failed(test, f"your code {ending}")
        except MemoryError:  # the grader's own: a student's MemoryError arrives as another class
            raise
        except Exception as error:
            if isinstance(error, NameError) and error.name is not None:  # not one the student's code raised
                return _failed(test, self._undefined(error, test.hidden))
            if test.hidden:
                return _failed(test, HIDDEN_ERROR)
            return _failed(test, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
        return TestVerdict(test.grade_id, test.points, test.points, True, PASSED, None, None)

    def _how_it_ended(self, lost: PeerLost, hidden: bool = False, seconds: float | None = None) -> str:
        """What the student's code did, e.g. "did not finish within 30 s"; for a hidden test without
        what the code chose (its exit status or signal, what it sent)."""
        if isinstance(lost, PeerTimeout):
            return f"did not finish within {seconds or self.limits.wall_seconds:g} s"
        if isinstance(lost, PeerClosed):
            return "ended its process" if hidden else f"ended its process ({self.sandbox.how_it_ended()})"
        return "sent the grader an invalid answer" if hidden else f"sent the grader an invalid answer ({lost})"

    def _namespace(self) -> dict:
        """A fresh namespace for a test cell: the student's names (proxies of functions, plain data),
        except those of built-ins, then the source's own imports (``np`` is the grader's numpy)."""
        namespace = {"__builtins__": builtins, "__name__": "__main__"}
        namespace.update((name, _NotCalledAgain(name) if name in self.timed_out else value)
                         for name, value in self.cells.values.items() if not hasattr(builtins, name))
        exec(self.source.imports, namespace)
        return namespace

    def _undefined(self, error: NameError, hidden: bool) -> str:
        """A missing name, and (on a visible test) what went wrong in the cells that could have defined it."""
        message = f"{error}: the submission's code does not define it"
        if hidden:
            return message
        # the student's text on one line: it cannot pass for lines of the grader's own
        problems = [f"{label} was skipped: {text}" if kind == "skipped" else
                    f"{label} raised {kind}" + (f": {' '.join(text.split())}" if text else "")
                    for label, (kind, text) in self.cells.errors.items()]
        return message + (f" ({'; '.join(problems)})" if problems else "")


def _compile_test(test: TestCell, seed: int):
    """The test cell's code, with each ``seed=<int>`` keyword replaced by the student's seed."""
    tree = ast.parse(test.code, filename=test.grade_id)
    for node in ast.walk(tree):
        for keyword in getattr(node, "keywords", []) if isinstance(node, ast.Call) else []:
            if (keyword.arg == "seed" and isinstance(keyword.value, ast.Constant)
                    and type(keyword.value.value) is int):
                keyword.value = ast.copy_location(ast.Constant(hidden_tests_seed(seed, test.grade_id)), keyword.value)
    return compile(tree, f"<test cell {test.grade_id}>", "exec")


def _failed(test: TestCell, message: str, mistake: str | None = None) -> TestVerdict:
    """A failed test; ``mistake``: the key the check's comparison recognised, given with its hint."""
    return TestVerdict(test.grade_id, 0.0, test.points, False, message, mistake,
                       HINTS[mistake] if mistake else None)
