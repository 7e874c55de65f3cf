"""The capstone, 07-training-on-imagenet, graded in the sandbox: honest submissions get their exact
scores, and what a hostile student tries earns nothing.

The student's process has torch there, but not torch's optimizers (no ``torch.optim.SGD``, ``Adam``,
their modules or functional forms, and the fused native kernels refuse) and never ``autograder``; the
grader drives the student's classes over the pipe (:mod:`autograder.grading.torch_driver`), computes the
gradients and the reference on its side, and trusts nothing the student's process reports.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.checks import capstone as checks
from autograder.grading.sandbox import Limits
from autograder.grading.verdict import NotebookVerdict, grade_notebook
from benchmarks.grading_runs import cnn2
from known_implementations.capstone import (
    ADAM_HEAD,
    ADAM_T_FROM_ZERO,
    LOOP_BODY,
    LOOP_DROPPING_LAST_BATCH,
    LOOP_WITHOUT_ZERO_GRAD,
    MOMENTUM_HEAD,
    MOMENTUM_LR_IN_VELOCITY,
)
from notebook_code import ROOT, filled_release, solution_functions

ASSIGNMENT = "07-training-on-imagenet"
NOTEBOOK = "training.ipynb"
FULL = 11.0
LIMITS = Limits(wall_seconds=60, total_seconds=300)
MOMENTUM_TESTS = ("test_Momentum", "test_Momentum_hidden")
MOMENTUM_POINTS = 2.0  # 1 + 1: Momentum is the least work of the notebook
ADAM_TESTS = ("test_Adam", "test_Adam_hidden")

SOLUTION = solution_functions(ROOT / "solutions" / ASSIGNMENT / NOTEBOOK)
TORCH_SGD_INSIDE = MOMENTUM_HEAD + '''        if not hasattr(self, "inner"):
            self.inner = torch.optim.SGD(self.param_groups, lr=self.defaults["lr"],
                                         momentum=self.defaults["momentum"])
        self.inner.step()
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("capstone")
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    shutil.copytree(ROOT / "exercises" / ASSIGNMENT, root / "exercises" / ASSIGNMENT)
    return root


def grade(course: Path, student: str, overrides: dict[str, str] | None = None, *,
          extra_cell: str | None = None) -> NotebookVerdict:
    """The release filled with the solutions (``overrides``: grade_id -> code instead), and optionally
    one more code cell at the end, graded as ``student``'s submission."""
    release, source = course / "exercises" / ASSIGNMENT / NOTEBOOK, course / "solutions" / ASSIGNMENT / NOTEBOOK
    notebook = filled_release(release, source, overrides)
    if extra_cell is not None:
        notebook.cells.append(nbformat.v4.new_code_cell(extra_cell))
    path = course / "submitted" / student / ASSIGNMENT / NOTEBOOK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook))
    return grade_notebook(source, path, seed=11, limits=LIMITS)


def points(verdict: NotebookVerdict) -> dict[str, float]:
    return {test.grade_id: test.points for test in verdict.tests}


def lost(verdict: NotebookVerdict) -> set[str]:
    return {test.grade_id for test in verdict.tests if not test.passed}


# --- honest submissions --------------------------------------------------------------------------

@pytest.mark.parametrize("student, overrides, score, failed", [
    ("solution", {}, FULL, set()),
    ("momentum_lr_in_velocity", {"Momentum": MOMENTUM_LR_IN_VELOCITY}, 10.0, {"test_Momentum_hidden"}),
    ("adam_t_from_zero", {"Adam": ADAM_T_FROM_ZERO}, 5.0, {*ADAM_TESTS, "test_training_run"}),
    ("loop_without_zero_grad", {"train_one_epoch": LOOP_WITHOUT_ZERO_GRAD}, 6.0,
     {"test_train_one_epoch", "test_train_one_epoch_hidden", "test_training_run"}),
    ("loop_dropping_last_batch", {"train_one_epoch": LOOP_DROPPING_LAST_BATCH}, 9.0,
     {"test_train_one_epoch_hidden"}),
])
def test_honest_submissions_get_their_exact_scores_in_the_sandbox(course, student, overrides, score, failed):
    verdict = grade(course, student, overrides)
    assert verdict.status == "graded" and verdict.flags == []
    assert verdict.score == score and lost(verdict) == failed, [t.message for t in verdict.tests]


def test_the_mistakes_are_named_from_the_graders_own_comparisons(course):
    verdict = grade(course, "named", {"Momentum": MOMENTUM_LR_IN_VELOCITY, "Adam": ADAM_T_FROM_ZERO,
                                      "train_one_epoch": LOOP_WITHOUT_ZERO_GRAD})
    mistakes = {test.grade_id: test.mistake for test in verdict.tests if test.mistake}
    assert mistakes["test_Momentum_hidden"] == "momentum-lr-in-velocity"
    assert mistakes["test_Adam"] == "adam-step-count-from-zero"
    assert mistakes["test_train_one_epoch"] == "gradients-not-zeroed"


def test_the_stubs_earn_nothing_and_say_not_implemented(course):
    release = nbformat.read(course / "exercises" / ASSIGNMENT / NOTEBOOK, as_version=4)
    path = course / "submitted" / "stub" / ASSIGNMENT / NOTEBOOK
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(release, path)
    verdict = grade_notebook(course / "solutions" / ASSIGNMENT / NOTEBOOK, path, seed=11, limits=LIMITS)
    assert verdict.status == "graded" and verdict.score == 0
    assert "not implemented yet" in verdict.tests[0].message


# --- torch's optimizers are not there to delegate to -----------------------------------------------

DELEGATING = {
    "subclass_of_torch_sgd": '''
class Momentum(torch.optim.SGD):
    pass
''',
    "torch_sgd_inside_step": TORCH_SGD_INSIDE,
    "sgd_module_by_name": TORCH_SGD_INSIDE.replace(
        "torch.optim.SGD(", "__import__('importlib').import_module('torch.optim.sgd').SGD("),
    "sgd_file_by_path": MOMENTUM_HEAD + '''        import importlib.util, os
        path = os.path.join(os.path.dirname(torch.optim.__file__), "sgd.py")
        spec = importlib.util.spec_from_file_location("stolen_sgd", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(self, "inner"):
            self.inner = module.SGD(self.param_groups, lr=self.defaults["lr"], momentum=0.9)
        self.inner.step()
''',
    "functional_sgd": MOMENTUM_HEAD + '''        from torch.optim._functional import sgd
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            buffers = [self.state[p].get("buffer") for p in params]
            sgd(params, [p.grad for p in params], buffers, weight_decay=0.0, momentum=group["momentum"],
                lr=group["lr"], dampening=0.0, nesterov=False, maximize=False)
            for p, b in zip(params, buffers):
                self.state[p]["buffer"] = b
''',
    "fused_kernel": MOMENTUM_HEAD + '''        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            buffers = [self.state[p].setdefault("buffer", torch.zeros_like(p)) for p in params]
            torch._fused_sgd_(params, [p.grad for p in params], buffers, weight_decay=0.0,
                              momentum=group["momentum"], lr=group["lr"], dampening=0.0, nesterov=False,
                              maximize=False, is_first_step=False)
''',
    "fused_kernel_by_op": MOMENTUM_HEAD + '''        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            buffers = [self.state[p].setdefault("buffer", torch.zeros_like(p)) for p in params]
            torch.ops.aten._fused_sgd_.default(params, [p.grad for p in params], buffers, weight_decay=0.0,
                                               momentum=group["momentum"], lr=group["lr"], dampening=0.0,
                                               nesterov=False, maximize=False, is_first_step=False)
''',
    "import_the_reference": MOMENTUM_HEAD + '''        import autograder.reference.optimizers
''',
}


@pytest.mark.parametrize("name", DELEGATING)
def test_delegating_to_torchs_optimizers_or_autograder_earns_nothing(course, name):
    verdict = grade(course, name, {"Momentum": DELEGATING[name]})
    assert verdict.status == "graded"
    assert lost(verdict) == set(MOMENTUM_TESTS), [t.message for t in verdict.tests]
    assert verdict.score == FULL - MOMENTUM_POINTS


def test_the_visible_message_says_what_is_not_available(course):
    verdict = grade(course, "says_why", {"Momentum": TORCH_SGD_INSIDE})
    assert "torch.optim.SGD is not available when graded" in verdict.tests[0].message


def test_no_optimizer_of_torch_is_in_the_sandbox(course):
    probe = MOMENTUM_HEAD + '''        import os
        folder = os.path.dirname(torch.optim.__file__)
        found = sorted(name for name in os.listdir(folder) if not name.startswith("__"))
        raise RuntimeError("found " + " ".join(found))
'''
    verdict = grade(course, "probe", {"Momentum": probe})
    assert verdict.tests[0].message.endswith("found lr_scheduler.py optimizer.py")


def test_the_self_check_warns_a_class_built_on_torchs_optimizer(capsys):
    namespace = {"torch": __import__("torch")}
    exec(TORCH_SGD_INSIDE, namespace)
    checks.check_momentum(namespace["Momentum"])  # right, in the student's own kernel
    assert "torch.optim.SGD, which is not available when graded" in capsys.readouterr().out
    checks.check_momentum(SOLUTION.Momentum)
    assert "not available" not in capsys.readouterr().out


# --- the student's process reports nothing the grader relies on -------------------------------------

def test_replacing_the_driver_earns_nothing(course):
    """The runner's driver is in the student's process: code that swaps it for one that returns
    torch's answer cannot compute that answer without an optimizer, and garbage is a failure."""
    tamper = '''
import sys
driver = sys.modules["cnn2_runner.torch_driver"]
def optimizer_trajectory(optimizer_class, initial, groups, options, lr_factors, gradient):
    import numpy as np
    return {"rows": np.zeros((len(lr_factors) + 1, sum(np.size(p) for p in initial)))}
def run_epochs(*args, **kwargs):
    return {"state": {"0.weight": [1, 2]}, "losses": [0.0], "loss_types": ["float"], "inputs_modified": False}
frame = sys._getframe()
while frame is not None:
    lent = frame.f_locals.get("lent")
    if isinstance(lent, dict):
        lent.update(optimizer_trajectory=optimizer_trajectory, run_epochs=run_epochs)
    frame = frame.f_back
driver.optimizer_trajectory, driver.run_epochs = optimizer_trajectory, run_epochs
'''
    verdict = grade(course, "tamper", extra_cell=tamper)
    assert verdict.status == "graded" and verdict.score == 0, [t.message for t in verdict.tests]


def test_a_grader_function_kept_from_one_test_is_useless_in_the_next(course):
    """The loop check lends the grader's torch optimizer step; a Momentum that keeps it for later
    finds it gone in the hidden tests (the grader's functions last one call)."""
    keep = '''
def train_one_epoch(model, optimizer, images, labels, batch_size):
    global STOLEN
    if hasattr(optimizer, "take_step"):
        STOLEN = optimizer.take_step
''' + LOOP_BODY
    momentum = MOMENTUM_HEAD + '''        params = [p for group in self.param_groups for p in group["params"]]
        new = STOLEN([p.detach().numpy() for p in params],
                     [None if p.grad is None else p.grad.numpy() for p in params])
        for p, value in zip(params, new):
            p.copy_(torch.from_numpy(value))
'''
    verdict = grade(course, "keeper", {"train_one_epoch": keep, "Momentum": momentum})
    assert verdict.status == "graded"
    assert {"test_Momentum", "test_Momentum_hidden"} <= lost(verdict)
    assert verdict.score == FULL - MOMENTUM_POINTS


def test_a_hidden_input_does_not_reach_the_feedback(course):
    """An Adam that raises an exception named after its hidden hyperparameters: the hidden test's
    message is the grader's own words."""
    leak = ADAM_HEAD + '''        group = self.param_groups[0]
        name = "L" + "_".join(str(v).replace(".", "p").replace("-", "m") for v in
                              (group["lr"], *group["betas"], group["eps"]))
        raise type(name.replace("(", "").replace(")", "").replace(",", "").replace(" ", ""), (Exception,), {})(name)
'''
    verdict = grade(course, "leak", {"Adam": leak})
    hidden = next(test for test in verdict.tests if test.grade_id == "test_Adam_hidden")
    assert not hidden.passed and "0p03" not in hidden.message and "0p8" not in hidden.message
    assert hidden.message.endswith("step() raised an exception.")


def test_every_fused_optimizer_kernel_refuses_in_the_sandbox(course):
    probe = MOMENTUM_HEAD + '''        import cnn2_runner.torch_driver as driver
        refused = []
        p, g = [torch.ones(2)], [torch.ones(2)]
        for lr in (0.1, torch.tensor(0.1)):
            try:
                torch._fused_sgd_(p, g, [], weight_decay=0.0, momentum=0.0, lr=lr, dampening=0.0, nesterov=False,
                                  maximize=False, is_first_step=True)
            except RuntimeError as error:
                refused.append("not available when graded" in str(error))
        raise RuntimeError(f"ops {len(driver.fused_optimizer_ops())} refused {refused} p {p[0].tolist()}")
'''
    verdict = grade(course, "fused_probe", {"Momentum": probe})
    message = verdict.tests[0].message
    assert "refused [True, True] p [1.0, 1.0]" in message
    assert int(message.split("ops ")[1].split()[0]) >= 24  # adam, adamw, sgd, adagrad: 6 overloads each


# --- one grading path: cnn2 autograde --------------------------------------------------------------


def test_cnn2_autograde_grades_the_capstone_in_the_sandbox(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    assert cnn2(course, "release", ASSIGNMENT).returncode == 0
    release, source = course / "exercises" / ASSIGNMENT / NOTEBOOK, course / "solutions" / ASSIGNMENT / NOTEBOOK
    submissions = {"alice": {}, "carol": {"Momentum": MOMENTUM_LR_IN_VELOCITY},
                   "mallory": {"Momentum": TORCH_SGD_INSIDE}}
    for student, overrides in submissions.items():
        path = tmp_path / "download" / student / NOTEBOOK
        path.parent.mkdir(parents=True)
        nbformat.write(filled_release(release, source, overrides), path)
    assert cnn2(course, "collect", ASSIGNMENT, str(tmp_path / "download")).returncode == 0
    graded = cnn2(course, "autograde", ASSIGNMENT, "-j", "2", timeout=900)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    exported = cnn2(course, "export", "-o", "grades.csv")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    with open(course / "grades.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    totals = {student: sum(float(row["points"] or 0) for row in rows if row["student_id"] == student)
              for student in submissions}
    assert totals == {"alice": FULL, "carol": FULL - 1, "mallory": FULL - MOMENTUM_POINTS}
    assert all(row["status"] == "graded" for row in rows if row["student_id"] in submissions)
