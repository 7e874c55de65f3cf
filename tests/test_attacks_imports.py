"""Attacks that delegate to the reference: a softmax that gets its answer from torch or ``autograder``.

Each is a submission made here, graded like those of ``test_attacks.py`` (same course, fixtures and
``grade`` helper), and must score what the same notebook with a wrong softmax scores honestly: torch and
``autograder`` are not in the grading sandbox at all, so no name, path or trick reaches them. Where the
attack imports, the visible test's message says plainly that they are not available when graded.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from attack_course import LIMITS, grade, points, reporting_softmax, solution
from autograder.checks.softmax_cross_entropy import check_cross_entropy_grad, check_softmax
from autograder.reference import softmax_cross_entropy as reference
from notebook_code import ROOT

pytestmark = pytest.mark.usefixtures("processes_left_behind")

TORCH_FOLDER = Path(torch.__file__).resolve().parent
GRADER_SITE_PACKAGES = TORCH_FOLDER.parent
TORCH_LIBRARY = next(TORCH_FOLDER.glob("lib/libtorch*.so*"))
REFERENCE_FILE = ROOT / "autograder" / "reference" / "softmax_cross_entropy.py"
NOT_AVAILABLE = "torch and autograder are not available when graded"
# Walking the sandbox's whole file system takes about a second with the directory cache warm, but
# 7-30 s cold on a busy 2-core machine (a clean CI machine): this test is about where files are, not time.
FILE_SEARCH_LIMITS = replace(LIMITS, wall_seconds=300, total_seconds=400, cpu_seconds=300)

IMPORTING_ATTACKS = {
    "import_torch": '''
def softmax(y):
    import torch
    return torch.softmax(torch.from_numpy(y), dim=1).numpy()
''',
    "import_reference": '''
def softmax(y):
    from autograder.reference.softmax_cross_entropy import softmax as reference
    return reference(y)
''',
    "name_built_at_run_time": '''
import importlib

def softmax(y):
    return importlib.import_module("auto" + "grader.reference.softmax_cross_entropy").softmax(y)
''',
    "dunder_import": '''
def softmax(y):
    torch = __import__("to" + "rch")
    return torch.softmax(torch.from_numpy(y), dim=1).numpy()
''',
    "only_when_graded": '''
import os

def softmax(y):
    if os.getcwd() == "/tmp" and os.getuid() >= 1_000_000:  # the grading sandbox
        from autograder.reference.softmax_cross_entropy import softmax as reference
        return reference(y)
    return np.full(y.shape, 1.0 / y.shape[1])
''',
    "sys_path_to_the_graders_packages": f'''
import sys
sys.path[:0] = [{str(GRADER_SITE_PACKAGES)!r}, {str(ROOT)!r}]

def softmax(y):
    import autograder.reference.softmax_cross_entropy as reference
    return reference.softmax(y)
''',
}

PATH_ATTACKS = {
    "reference_file_by_path": f'''
import importlib.util

def softmax(y):
    spec = importlib.util.spec_from_file_location("reference", {str(REFERENCE_FILE)!r})
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.softmax(y)
''',
    "listing_the_graders_site_packages": f'''
import os

def softmax(y):
    return np.full(y.shape, float(len(os.listdir({str(GRADER_SITE_PACKAGES)!r}))))
''',
    "ctypes_loads_a_torch_library": f'''
import ctypes

def softmax(y):
    ctypes.CDLL({str(TORCH_LIBRARY)!r})
    return np.full(y.shape, 1.0 / y.shape[1])
''',
}


@pytest.mark.parametrize("name", IMPORTING_ATTACKS)
def test_importing_torch_or_autograder_earns_nothing_and_says_why(course, honest_wrong, name):
    verdict = grade(course, name, solution(course, {"softmax": IMPORTING_ATTACKS[name]}))
    assert verdict.status == "graded" and points(verdict) == points(honest_wrong)
    assert NOT_AVAILABLE in verdict.tests[0].message


@pytest.mark.parametrize("name", PATH_ATTACKS)
def test_reaching_their_files_by_path_earns_nothing(course, honest_wrong, name):
    verdict = grade(course, name, solution(course, {"softmax": PATH_ATTACKS[name]}))
    assert verdict.status == "graded" and points(verdict) == points(honest_wrong)
    assert "No such file or directory" in verdict.tests[0].message


def test_no_file_of_torch_or_autograder_is_anywhere_in_the_sandbox(course):
    probe = '''
import os
for top in sorted(set(os.listdir("/")) - {"proc", "sys", "dev"}):
    for folder, folders, files in os.walk("/" + top):
        REPORT.extend(os.path.join(folder, name) for name in folders + files
                      if name.split(".")[0] in ("torch", "autograder") or name.startswith("libtorch"))
REPORT.append("searched")
'''
    verdict = grade(course, "file_search", solution(course, {"softmax": reporting_softmax(probe)}),
                    limits=FILE_SEARCH_LIMITS)
    assert verdict.tests[0].message.endswith("raised RuntimeError: searched")


# --- the visible self-check warns beforehand, in the student's own kernel ------------------------------

def softmax_with_torch(y):
    return torch.softmax(torch.from_numpy(y), dim=1).numpy()


def softmax_importing_the_reference(y):
    from autograder.reference.softmax_cross_entropy import softmax
    return softmax(y)


def softmax_in_numpy(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy_grad_with_torch(logits, labels):
    logits = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(logits, torch.from_numpy(labels)).backward()
    return logits.grad.numpy()


@pytest.mark.parametrize("function, check", [
    (softmax_with_torch, check_softmax),
    (softmax_importing_the_reference, check_softmax),
    (reference.softmax, check_softmax),
    (cross_entropy_grad_with_torch, check_cross_entropy_grad),  # called through the reference helpers
])
def test_self_check_warns_a_function_that_uses_torch_or_autograder(capsys, function, check):
    check(function)
    assert capsys.readouterr().out.splitlines() == [
        f"{function.__name__} uses torch/autograder, which is not available when graded: "
        "this will fail when graded."]


def test_self_check_says_nothing_of_numpy_code(capsys):
    check_softmax(softmax_in_numpy)
    assert capsys.readouterr().out == ""
