"""Attacks on the grader that tamper with what checks the results or reach outside the sandbox: each a
submission, made here, against assignment 02-softmax-cross-entropy (resources and exits:
tests/test_attacks_resources.py; broken notebooks: tests/test_attacks_notebooks.py).

Every attack gets a clear verdict from :func:`grade_notebook` (zero for the tests it affects, the
notebook ungradable with a reason, or a flag for review), never an exception, and never changes a
file of the course (solutions, gradebook, other students' submissions): the ``grade`` helper checks
that after every attack, and that no process of a sandbox is left; writing to the package is tried
in ``test_writing_to_the_gradebook_course_or_package_fails``.

Most attacks sit beside a wrong softmax (uniform probabilities): they succeed if they earn more than
the same wrong softmax does honestly, the attack course's ``honest_wrong`` (9 of 21: only one_hot, cross_entropy
and numerical_gradient, which do not call softmax, pass).
"""
from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from attack_course import (
    ASSIGNMENT,
    NOTEBOOK,
    SOFTMAX_TESTS,
    WRONG,
    assert_changes_nothing,
    grade,
    points,
    reporting_softmax,
    solution,
    with_attack,
)
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
