"""Attacks on the grader: each a submission, made here, against assignment 02-softmax-cross-entropy.

Every attack gets a clear verdict from :func:`grade_notebook` (zero for the tests it affects, the
notebook ungradable with a reason, or a flag for review), never an exception, and never changes a
file of the course (solutions, gradebook, other students' submissions): the ``grade`` helper checks
that after every attack, and that no process of a sandbox is left; writing to the package is tried
in ``test_writing_to_the_gradebook_course_or_package_fails``.

Most attacks sit beside a wrong softmax (uniform probabilities): they succeed if they earn more than
the same wrong softmax does honestly, ``honest_wrong`` below (9 of 21: only one_hot, cross_entropy
and numerical_gradient, which do not call softmax, pass).
"""
from __future__ import annotations

import socket
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from attack_course import (
    ASSIGNMENT,
    FULL,
    LOOP_LIMITS,
    NOTEBOOK,
    SOFTMAX,
    SOFTMAX_TESTS,
    UNIFORM_SOFTMAX,
    WALL,
    WRONG,
    assert_changes_nothing,
    grade,
    last_cell,
    points,
    reporting_softmax,
    solution,
    with_attack,
)
from autograder.grading.verdict import NotebookVerdict
from notebook_code import ROOT

pytestmark = pytest.mark.usefixtures("processes_left_behind")

# --- tampering with what checks the results ------------------------------------------------------

def test_monkeypatching_the_checking_helpers_changes_nothing(course, honest_wrong):
    attack = '''
import autograder.compare as compare
import autograder.checks.softmax_cross_entropy as checks
compare.assert_close = checks.assert_close = lambda actual, *args, **kwargs: actual
compare.fail = checks.fail = lambda *args, **kwargs: None
checks.check_softmax = lambda softmax: None
checks.check_softmax_edge_cases = lambda softmax, seed: None
'''
    verdict = grade(course, "patch_helpers", with_attack(course, attack))
    assert_changes_nothing(verdict, honest_wrong, ["imports autograder in a solution cell (softmax)"])


def test_monkeypatching_numpy_changes_nothing(course, honest_wrong):
    attack = '''
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, **kwargs: np.zeros(np.shape(b), dtype=bool)
np.testing.assert_allclose = lambda *args, **kwargs: None
np.any = lambda *args, **kwargs: False
'''
    assert_changes_nothing(grade(course, "patch_numpy", with_attack(course, attack)), honest_wrong)


def test_monkeypatching_torch_changes_nothing_and_is_flagged(course, honest_wrong):
    attack = '''
import torch
torch.softmax = lambda y, dim=None: torch.full_like(y, 1.0 / y.shape[-1])
torch.nn.functional.softmax = torch.softmax
'''
    verdict = grade(course, "patch_torch", with_attack(course, attack))
    assert_changes_nothing(verdict, honest_wrong, ["imports torch in a solution cell (softmax)"])


def test_monkeypatching_builtins_earns_nothing(course, honest_wrong):
    attack = '''
import builtins
builtins.all = lambda iterable: True
builtins.any = lambda iterable: False
builtins.isinstance = lambda obj, cls: True
'''
    verdict = grade(course, "patch_builtins", with_attack(course, attack))
    # isinstance returning True breaks the student's own process (its runner), not the grader
    assert verdict.status == "graded"
    assert all(points(verdict)[t] == 0 for t in SOFTMAX_TESTS)
    assert verdict.score <= WRONG and verdict.flags[0].startswith("softmax was skipped: it ended its process")


def test_ipython_input_transformer_changes_nothing(course, honest_wrong):
    attack = '''
get_ipython().input_transformers_cleanup.append(
    lambda lines: [line.replace("check_softmax", "print") for line in lines])
'''
    assert_changes_nothing(grade(course, "transformer", with_attack(course, attack)), honest_wrong)


def test_import_hook_changes_nothing(course, honest_wrong):
    attack = '''
import importlib.abc, importlib.util, sys, types

class FakeChecks(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.startswith("autograder.checks."):
            return importlib.util.spec_from_loader(name, self)
    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__getattr__ = lambda attribute: (lambda *args, **kwargs: None)
        return module
    def exec_module(self, module):
        pass

sys.meta_path.insert(0, FakeChecks())
for name in [m for m in sys.modules if m.startswith("autograder.checks.")]:
    del sys.modules[name]
'''
    assert_changes_nothing(grade(course, "import_hook", with_attack(course, attack)), honest_wrong)


def test_object_whose_eq_is_always_true_fails(course, honest_wrong):
    softmax = '''
class AlwaysEqual:
    shape = dtype = None
    def __eq__(self, other):
        return True
    def __array__(self, dtype=None, copy=None):
        return np.full((4, 5), 0.2)

def softmax(y):
    return AlwaysEqual()
'''
    verdict = grade(course, "always_equal", solution(course, {"softmax": softmax}))
    assert verdict.status == "graded"
    assert points(verdict) == points(honest_wrong)
    assert "AlwaysEqual" in verdict.tests[0].message


def test_array_subclass_that_lies_fails(course, honest_wrong):
    softmax = '''
class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
    def __array_function__(self, func, types, args, kwargs):
        return True
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(np.broadcast_shapes(*(np.shape(i) for i in inputs)), dtype=bool)
    def astype(self, *args, **kwargs):
        return self

def softmax(y):
    return np.full(y.shape, 1.0 / y.shape[1]).view(Liar)
'''
    assert_changes_nothing(grade(course, "liar_array", solution(course, {"softmax": softmax})), honest_wrong)


# --- reaching outside the sandbox ---------------------------------------------------------------

def test_reading_solutions_gradebook_and_other_submissions_fails(course):
    paths = [*course.secrets.values(), str(ROOT / "solutions" / ASSIGNMENT / NOTEBOOK),
             "../../../solutions/" + ASSIGNMENT + "/" + NOTEBOOK, str(ROOT / "gradebook.db")]
    probe = f'''
import os, sys
for path in {paths!r}:
    try:
        with open(path) as f:
            REPORT.append(path + " READ " + f.read())
    except Exception as error:
        REPORT.append(path + " " + type(error).__name__)
REPORT.append("beside the Python installation: " + repr(os.listdir(os.path.dirname(sys.prefix))))
'''
    verdict = grade(course, "reader", solution(course, {"softmax": reporting_softmax(probe)}))
    report = verdict.tests[0].message
    assert verdict.status == "graded" and points(verdict)["test_softmax"] == 0
    assert " READ " not in report and report.count("FileNotFoundError") == len(paths)
    assert "beside the Python installation: ['" + Path(sys.base_prefix).name + "']" in report
    for secret in course.secrets:
        assert all(secret not in test.message for test in verdict.tests)


def test_writing_to_the_gradebook_course_or_package_fails(course):
    targets = [str(course.root / "gradebook.db"), str(course.root / "pwned.txt"), str(course.source),
               str(ROOT / "autograder" / "checks" / "pwned.py"), "/opt/cnn2/site/cnn2_runner/pwned.py",
               "/opt/cnn2/site/cnn2_runner/rpc.py", "/usr/pwned", "/pwned", "/tmp/mine.txt"]
    probe = f'''
for path in {targets!r}:
    try:
        with open(path, "a") as f:
            f.write("pwned")
        REPORT.append(path + " WROTE")
    except Exception as error:
        REPORT.append(path + " " + type(error).__name__)
'''
    verdict = grade(course, "writer", solution(course, {"softmax": reporting_softmax(probe)}))
    report = verdict.tests[0].message
    assert report.count(" WROTE") == 1 and "/tmp/mine.txt WROTE" in report  # its own tmpfs only
    assert not (ROOT / "autograder" / "checks" / "pwned.py").exists()
    assert b"pwned" not in (ROOT / "autograder" / "compare.py").read_bytes()


def test_network_access_fails(course):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0)
    port = listener.getsockname()[1]
    probe = f'''
import socket
for host, port in [("127.0.0.1", {port}), ("1.1.1.1", 53), ("pypi.org", 443)]:
    try:
        socket.create_connection((host, port), timeout=2).close()
        REPORT.append(host + " CONNECTED")
    except Exception as error:
        REPORT.append(host + " " + type(error).__name__)
'''
    try:
        verdict = grade(course, "network", solution(course, {"softmax": reporting_softmax(probe)}))
        with pytest.raises(BlockingIOError):  # nobody connected to the grader's machine
            listener.accept()
    finally:
        listener.close()
    report = verdict.tests[0].message
    assert "CONNECTED" not in report and report.count("Error") == 3


# --- exhausting resources ------------------------------------------------------------------------

def _one_hot_cell_error(verdict: NotebookVerdict) -> str:
    """The message of test_one_hot when the attack ended the one_hot cell before its def."""
    return next(t for t in verdict.tests if t.grade_id == "test_one_hot").message


def test_fork_bomb_is_contained(course):
    attack = '''
import os
while True:
    os.fork()
'''
    verdict = grade(course, "fork_bomb", solution(course, {"one_hot": attack}))
    # the process limit stops the fork loop with an error (the children exit); grading goes on
    assert verdict.status == "graded" and points(verdict)["test_softmax_hidden"] == 2
    assert "one_hot raised BlockingIOError: [Errno 11]" in _one_hot_cell_error(verdict)


def test_memory_bomb_is_contained(course):
    attack = '''
hoard = []
while True:
    hoard.append(bytearray(1 << 26))
'''
    verdict = grade(course, "memory_bomb", solution(course, {"one_hot": attack}))
    # the memory limit ends that cell with MemoryError; what it hoarded stays, the grading goes on
    assert verdict.status == "graded" and points(verdict)["test_softmax_hidden"] == 2
    assert "one_hot raised MemoryError" in _one_hot_cell_error(verdict)


def test_memory_bomb_in_a_function_fails_its_tests(course, honest_wrong):
    softmax = '''
def softmax(y):
    return np.ones((1 << 20, 1 << 20))
'''
    verdict = grade(course, "memory_bomb_call", solution(course, {"softmax": softmax}))
    assert points(verdict) == points(honest_wrong)
    assert "MemoryError" in verdict.tests[0].message


@pytest.mark.parametrize("ignore_interrupt", [False, True])
def test_infinite_loop_in_a_cell_skips_that_cell(course, honest_wrong, ignore_interrupt):
    attack = ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" if ignore_interrupt else "")
    attack += "while True:\n    pass\n"
    verdict = grade(course, f"loop_{ignore_interrupt}", with_attack(course, attack, softmax=SOFTMAX),
                    limits=LOOP_LIMITS)
    # the sandbox is killed after WALL seconds and started again without that cell: no softmax
    assert_changes_nothing(verdict, honest_wrong, [f"softmax was skipped: it did not finish within {WALL:g} s"])
    assert "softmax was skipped" in verdict.tests[0].message
    assert verdict.seconds < 2 * WALL + 10


def test_infinite_loop_when_called_fails_those_tests(course):
    numerical_gradient = '''
def numerical_gradient(f, x, h=1e-5):
    while True:
        pass
'''
    verdict = grade(course, "loop_called", solution(course, {"numerical_gradient": numerical_gradient}),
                    limits=LOOP_LIMITS)
    # the release's last cell calls numerical_gradient: it is skipped too
    assert verdict.status == "graded" and verdict.score == FULL - 3
    assert verdict.flags == [f"{last_cell(course)} was skipped: it did not finish within {WALL:g} s"]
    lost = [t for t in verdict.tests if not t.passed]
    assert [t.grade_id for t in lost] == ["test_numerical_gradient", "test_numerical_gradient_hidden"]
    # the endless function costs one test's time: the hidden test does not call it again
    assert lost[0].message == f"your code did not finish within {WALL:g} s"
    assert lost[1].message == (f"your code did not finish: numerical_gradient did not finish within {WALL:g} s "
                               "in an earlier test, and was not run again")
    assert verdict.seconds < 3 * WALL + 20


def test_code_that_keeps_timing_out_is_ungradable_timeout(course):
    loop = "while True:\n    pass\n"
    limits = replace(LOOP_LIMITS, total_seconds=2 * WALL)
    verdict = grade(course, "loops", solution(course, {"softmax": loop, "one_hot": loop}), limits=limits)
    assert verdict.status == "ungradable"
    assert verdict.reason == f"timeout: grading took longer than {2 * WALL:g} s"
    assert verdict.flags == [f"softmax was skipped: it did not finish within {WALL:g} s"]
    assert verdict.score == 0 and all(t.message == f"not graded: {verdict.reason}" for t in verdict.tests)


def test_flood_of_output_is_drained(course):
    attack = '''
for _ in range(100):
    print("flood " * 200_000)
'''
    verdict = grade(course, "flood", with_attack(course, attack, softmax=SOFTMAX))
    assert verdict.status == "graded" and verdict.score == FULL


def test_disk_flood_is_limited(course):
    attack = '''
for i in range(20):
    with open(f"/tmp/fill{i}", "wb") as f:
        f.write(b"x" * (1 << 20))
'''
    verdict = grade(course, "disk_flood", solution(course, {"one_hot": attack}))
    assert verdict.status == "graded" and points(verdict)["test_softmax_hidden"] == 2
    assert "one_hot raised OSError: [Errno 28] No space left on device" in _one_hot_cell_error(verdict)


# --- ending the process ----------------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["import sys\nsys.exit(1)", "raise KeyboardInterrupt", "raise SystemExit"])
def test_exit_or_interrupt_in_a_cell_ends_that_cell_only(course, ending):
    verdict = grade(course, "exit_cell", with_attack(course, ending, softmax=SOFTMAX))
    assert verdict.status == "graded" and verdict.score == FULL  # as in Jupyter: the definitions stay


def test_os_exit_in_a_cell_skips_that_cell(course, honest_wrong):
    verdict = grade(course, "os_exit_cell", with_attack(course, "import os\nos._exit(3)", softmax=SOFTMAX))
    assert_changes_nothing(verdict, honest_wrong, ["softmax was skipped: it ended its process (exit status 3)"])


def test_exits_inside_a_function_fail_its_tests(course, honest_wrong):
    softmax = '''
import os, sys
def softmax(y):
    if y.shape == (4, 5):
        sys.exit(0)
    os._exit(0)
'''
    verdict = grade(course, "exit_call", solution(course, {"softmax": softmax}))
    assert_changes_nothing(verdict, honest_wrong,
                           [f"{last_cell(course)} was skipped: it ended its process (exit status 0)"])
    assert "raised SystemExit" in verdict.tests[0].message
    # the hidden test: not the exit status, which the code chose after seeing the hidden input
    assert verdict.tests[1].message == "your code ended its process"


def test_breaking_the_runner_after_the_cells_is_ungradable_crash(course):
    attack = "import __main__\n__main__.shared_names = None\n"
    verdict = grade(course, "break_runner", with_attack(course, attack, softmax=SOFTMAX))
    assert verdict.status == "ungradable"
    assert verdict.reason == "crashed: the student's code ended its process (exit status 1) after its cells ran"


def test_forged_protocol_messages_fail_that_test(course, honest_wrong):
    softmax = '''
import os, struct, sys
def softmax(y):
    forged = b'{"op": "return", "value": {"$": "pickle"}}'
    os.write(int(sys.argv[2]), struct.pack("!QI", len(forged), len(forged)) + forged)
    return np.full(y.shape, 1.0 / y.shape[1])
'''
    verdict = grade(course, "forger", solution(course, {"softmax": softmax}))
    assert points(verdict) == points(honest_wrong)
    assert verdict.tests[0].message == "your code sent the grader an invalid answer (a value of an unknown kind)"


# --- broken or unusual notebooks ------------------------------------------------------------------

@pytest.mark.parametrize("content, reason", [
    ('{"cells": [', "corrupt notebook: NotJSONError"),
    ("", "corrupt notebook: the file is empty"),
    (b"\xff\xfe\x00garbage", "corrupt notebook: UnicodeDecodeError"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": 5}]}',
     "corrupt notebook:"),
])
def test_broken_file_is_ungradable_with_the_reason(course, content, reason):
    verdict = grade(course, "broken", content)
    assert verdict.status == "ungradable" and verdict.reason.startswith(reason)
    assert verdict.score == 0 and verdict.max_score == FULL and len(verdict.tests) == 14


def test_older_nbformat_is_graded(course):
    v3 = nbformat.writes(nbformat.convert(solution(course), 3))
    verdict = grade(course, "nbformat3", v3)
    assert verdict.status == "graded" and verdict.score == FULL


def test_renamed_notebook_is_graded(course):
    verdict = grade(course, "renamed", solution(course), filename="softmax_cross_entropy (1) final.ipynb")
    assert verdict.status == "graded" and verdict.score == FULL


def test_another_notebook_is_ungradable_missing_cells(course):
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def softmax(y):\n    return y")])
    verdict = grade(course, "wrong_notebook", other)
    assert verdict.status == "ungradable"
    assert verdict.reason.startswith("missing cells: none of the solution cells")


def test_deleted_test_cells_cost_the_points_anyway(course, honest_wrong):
    nb = solution(course, {"softmax": UNIFORM_SOFTMAX})
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    assert_changes_nothing(grade(course, "deleted_tests", nb), honest_wrong)


def test_retyped_test_cells_are_ignored(course, honest_wrong):
    nb = solution(course, {"softmax": UNIFORM_SOFTMAX})
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax":
            cell.source = "pass"  # metadata kept: still a test cell, and the source's runs
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax_hidden":
            cell.metadata = {}    # metadata stripped: an ordinary cell, run in the sandbox
            cell.source = "import autograder.checks.softmax_cross_entropy as c\nc.check_softmax_edge_cases = print"
    verdict = grade(course, "retyped_tests", nb)
    assert verdict.status == "graded" and points(verdict) == points(honest_wrong)


def test_duplicated_test_cells_are_ignored(course, honest_wrong):
    nb = solution(course, {"softmax": UNIFORM_SOFTMAX})
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    nb.cells = nb.cells + [nbformat.from_dict(dict(c)) for c in tests]
    assert_changes_nothing(grade(course, "duplicated_tests", nb), honest_wrong)


def test_duplicated_solution_cell_runs_in_order_and_is_flagged(course, honest_wrong):
    nb = solution(course)
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax")
    copy = nbformat.from_dict(dict(nb.cells[first]))
    copy.source = UNIFORM_SOFTMAX
    nb.cells.insert(first + 1, copy)  # a second, wrong softmax after the right one: the last one wins
    verdict = grade(course, "duplicated_solution", nb)
    assert points(verdict) == points(honest_wrong)
    assert verdict.flags == ["duplicated cells: softmax appears 2 times (all copies ran, in notebook order)"]


def test_retyped_solution_cell_is_run_and_flagged(course):
    nb = solution(course)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax":
            cell.metadata = {}  # the student deleted the cell and typed the function in a new one
    verdict = grade(course, "retyped_solution", nb)
    assert verdict.status == "graded" and verdict.score == FULL
    assert verdict.flags == ["missing cells: softmax (their tests ran against whatever the rest of the "
                             "code defines)"]


def test_deleted_solution_cell_fails_its_tests(course):
    nb = solution(course)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "one_hot"]
    verdict = grade(course, "deleted_solution", nb)
    assert verdict.status == "graded"
    assert points(verdict)["test_one_hot"] == 0 and points(verdict)["test_softmax"] == 1
    message = next(t for t in verdict.tests if t.grade_id == "test_one_hot").message
    assert "name 'one_hot' is not defined" in message
