"""Verdicts of the pristine grader (:func:`grade_notebook`) on honest submissions of assignment
02-softmax-cross-entropy: the same scores as nbgrader's own autograde (its round trip's ``ROUND_TRIP``),
per-test messages with the recognised mistake and its hint, hidden tests kept hidden, hidden inputs
seeded per student, and flags for review; and, for 03-backpropagation, a network that takes the log of a
softmax shifted by the batch's maximum. Submissions are the committed release filled in.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from autograder.grading import workers
from autograder.grading.notebooks import read_source
from autograder.grading.sandbox import Limits
from autograder.grading.verdict import grade_notebook, hidden_tests_seed
from autograder.grading.workers import GradingPool, report_progress
from autograder.hints import HINTS
from known_implementations.softmax_cross_entropy import (
    CROSS_ENTROPY_SUM,
    ROUND_TRIP,
    SOFTMAX_WITHOUT_MAX,
)
from notebook_code import ROOT, filled_release
from round_trips import submission

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy.ipynb"
SOURCE = ROOT / "solutions" / ASSIGNMENT / NOTEBOOK
RELEASE = ROOT / "exercises" / ASSIGNMENT / NOTEBOOK
LIMITS = Limits(wall_seconds=30, total_seconds=120)

NUMERICAL_GRADIENT_NOT_RESTORING_X = '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        f_plus = f(x)
        x[index] = saved - h
        f_minus = f(x)
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
'''
SOFTMAX_QUOTING_ITS_INPUT = '''
def softmax(y):
    raise ValueError(f"cannot handle {y.tolist()}")
'''


def submit(tmp_path: Path, name: str, notebook) -> Path:
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def grade(tmp_path: Path, name: str, overrides: dict[str, str] | None = None, seed: int = 1, notebook=None):
    notebook = notebook if notebook is not None else filled_release(RELEASE, SOURCE, overrides)
    return grade_notebook(SOURCE, submit(tmp_path, name, notebook), seed=seed, limits=LIMITS)


def by_id(verdict):
    return {test.grade_id: test for test in verdict.tests}


def test_solution_gets_full_marks(tmp_path):
    verdict = grade(tmp_path, "alice")
    assert (verdict.status, verdict.reason, verdict.flags) == ("graded", None, [])
    assert verdict.score == verdict.max_score == 21.0
    assert [t.grade_id for t in verdict.tests] == [t.grade_id for t in read_source(SOURCE).tests]
    assert all(t.passed and t.points == t.max_points and t.message == "passed" for t in verdict.tests)
    assert [t.max_points for t in verdict.tests] == [t.points for t in read_source(SOURCE).tests]


def test_untouched_release_gets_zero_saying_not_implemented(tmp_path):
    verdict = grade_notebook(SOURCE, RELEASE, seed=1, limits=LIMITS)
    assert verdict.status == "graded" and verdict.score == 0.0
    assert all("is not implemented yet" in t.message for t in verdict.tests)


@pytest.mark.parametrize("student", [s for s in ROUND_TRIP if s.text is None], ids=lambda s: s.name)
def test_typical_mistakes_score_as_nbgrader_does(tmp_path, student):
    # the cells and total nbgrader must give the students of 02's round trip (tests/known_implementations),
    # deleted test cells included: the later functions that call a wrong softmax or cross_entropy are
    # checked with the reference's in the sandbox too
    verdict = grade(tmp_path, student.name, notebook=submission(student)(RELEASE, SOURCE))
    assert {t.grade_id: t.points for t in verdict.tests if not t.passed} == student.cells
    assert verdict.score == student.score


def test_a_function_missing_from_the_submission_costs_only_its_own_tests(tmp_path):
    # softmax's cell does not even compile; the functions that call softmax get the reference's
    verdict = grade(tmp_path, "gina", {"softmax": "def softmax(y)\n    return y\n"})
    assert verdict.score == 18.0
    assert {t.grade_id for t in verdict.tests if not t.passed} == {"test_softmax", "test_softmax_hidden"}


LINEAR_LOG_OF_SOFTMAX = '''
def linear_softmax_loss_and_grads(x, W, b, labels):
    n = len(labels)
    probs = softmax(x @ W.T + b)
    dscores = (probs - one_hot(labels, len(b))) / n
    return -np.log(probs[np.arange(n), labels]).mean(), dscores.T @ x, dscores.sum(axis=0)
'''


NET_SOURCE = ROOT / "solutions" / "03-backpropagation" / "backpropagation.ipynb"
NET_RELEASE = ROOT / "exercises" / "03-backpropagation" / "backpropagation.ipynb"
# real students' code: one maximum for the whole batch, then the log of a probability
NET_BATCH_MAX_LOG_OF_SOFTMAX = '''
def two_layer_net_loss_and_grads(x, params, labels):
    hidden, cache1 = linear_forward(x, params["W1"], params["b1"])
    activations, relu_cache = relu_forward(hidden)
    scores, cache2 = linear_forward(activations, params["W2"], params["b2"])
    n = len(labels)
    e = np.exp(scores - np.max(scores))
    probs = e / e.sum(axis=1, keepdims=True)
    dscores = probs.copy()
    dscores[np.arange(n), labels] -= 1
    dactivations, dW2, db2 = linear_backward(dscores / n, cache2)
    _, dW1, db1 = linear_backward(relu_backward(dactivations, relu_cache), cache1)
    return -np.log(probs[np.arange(n), labels]).mean(), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''


RELU_ONE_AT_ZERO = '''
def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, x):
    return dout * (x >= 0)
'''


@pytest.mark.parametrize("seed", [1, 2])
def test_batch_maximum_in_the_network_is_caught_and_named_whatever_the_student(tmp_path, seed):
    notebook = filled_release(NET_RELEASE, NET_SOURCE, {
        "two_layer_net_loss_and_grads": NET_BATCH_MAX_LOG_OF_SOFTMAX, "relu": RELU_ONE_AT_ZERO})
    verdict = grade_notebook(NET_SOURCE, submit(tmp_path, f"ivan{seed}", notebook), seed=seed, limits=LIMITS)
    tests = by_id(verdict)
    hidden = tests["test_two_layer_net_loss_and_grads_hidden"]
    assert (hidden.passed, hidden.mistake) == (False, "global-max-subtraction")
    assert "x = [[1000, 999], [1, 2]]" in hidden.message
    # the ReLU's mistake costs the ReLU's tests only; the network fails its visible test for its own batch
    # maximum
    assert tests["test_relu_hidden"].mistake == "relu-subgradient-at-zero"
    assert tests["test_two_layer_net_loss_and_grads"].mistake == "global-max-subtraction"
    lost = sum(t.max_points for t in verdict.tests if not t.passed)
    assert verdict.score == verdict.max_score - lost and {t.grade_id for t in verdict.tests if not t.passed} == {
        "test_relu_hidden", "test_relu", "test_two_layer_net_loss_and_grads",
        "test_two_layer_net_loss_and_grads_hidden"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_log_of_softmax_in_the_classifier_is_caught_and_named_whatever_the_student(tmp_path, seed):
    verdict = by_id(grade(tmp_path, f"hugo{seed}", {"linear_softmax_loss_and_grads": LINEAR_LOG_OF_SOFTMAX},
                          seed=seed))
    assert verdict["test_linear_softmax_loss_and_grads"].mistake == "log-of-softmax"  # the self-check underflows too
    hidden = verdict["test_linear_softmax_loss_and_grads_hidden"]
    assert (hidden.passed, hidden.mistake) == (False, "log-of-softmax")
    assert "probability underflows" in hidden.message


def test_failed_tests_name_the_mistake_and_give_its_hint(tmp_path):
    carol = by_id(grade(tmp_path, "carol", {"softmax": SOFTMAX_WITHOUT_MAX}))
    hidden = carol["test_softmax_hidden"]
    assert (hidden.points, hidden.passed, hidden.mistake) == (0.0, False, "no-max-subtraction")
    assert hidden.hint == HINTS["no-max-subtraction"]
    assert hidden.message.startswith("softmax(y) on huge logits (around +1000): values differ")
    assert "Likely mistake" not in hidden.message
    summed = by_id(grade(tmp_path, "dan", {"cross_entropy": CROSS_ENTROPY_SUM}))["test_cross_entropy"]
    assert summed.mistake == "sum-instead-of-mean" and summed.hint == HINTS["sum-instead-of-mean"]
    assert carol["test_softmax"].mistake == "no-max-subtraction"  # the self-check's huge logits
    fine = by_id(grade(tmp_path, "erin", {}))["test_softmax"]
    assert fine.mistake is None and fine.hint is None


def test_changes_to_the_inputs_are_seen_through_the_sandbox(tmp_path):
    # x is changed in place in the sandbox, between calls back of the grader's f: the check sees it
    verdict = by_id(grade(tmp_path, "frank", {"numerical_gradient": NUMERICAL_GRADIENT_NOT_RESTORING_X}))
    assert verdict["test_numerical_gradient"].mistake == "modified-input"
    assert verdict["test_numerical_gradient_hidden"].mistake == "modified-input"


def test_hidden_tests_reveal_neither_their_source_nor_their_inputs(tmp_path):
    source_text = SOURCE.read_text()
    for overrides in ({"softmax": SOFTMAX_WITHOUT_MAX}, {"softmax": SOFTMAX_QUOTING_ITS_INPUT}):
        verdict = grade(tmp_path, "mallory", overrides)
        for test in verdict.tests:
            for secret in ("HIDDEN TESTS", "_edge_cases(", "seed=", "20261", "Traceback"):
                assert secret not in test.message
        assert "BEGIN HIDDEN TESTS" in source_text
    quoted = by_id(verdict)
    # the student's own exception: its type and message in the visible test, neither in the hidden one
    assert "raised ValueError: cannot handle [[" in quoted["test_softmax"].message
    hidden = quoted["test_softmax_hidden"].message
    assert hidden.endswith("raised an exception (its type and message are shown on visible tests only).")
    assert "ValueError" not in hidden and "cannot handle" not in hidden


# Wrong on a batch of one whose first logit is positive: the random batch of one of student 1's hidden
# test has one (1.2), student 7's has not (-0.6).
SOFTMAX_WRONG_ON_SOME_ROWS = '''
def softmax(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return p[:, ::-1].copy() if len(y) == 1 and y[0, 0] > 0 else p
'''


def test_hidden_inputs_are_seeded_per_student(tmp_path):
    assert hidden_tests_seed(1, "test_softmax_hidden") != hidden_tests_seed(2, "test_softmax_hidden")
    assert hidden_tests_seed(1, "test_softmax_hidden") != hidden_tests_seed(1, "test_one_hot_hidden")
    outcomes = {}
    for seed in (1, 7, 1):
        hidden = by_id(grade(tmp_path, f"carol{seed}", {"softmax": SOFTMAX_WRONG_ON_SOME_ROWS},
                             seed=seed))["test_softmax_hidden"]
        assert outcomes.setdefault(seed, (hidden.passed, hidden.message)) == (hidden.passed, hidden.message)
    # the fixed inputs come first and pass; the random batch of one differs between students
    assert outcomes[1] == (False, "softmax(y) on a batch of one, shape (1, 7): values differ from the reference.")
    assert outcomes[7] == (True, "passed")


@pytest.mark.parametrize("imports, flags", [
    ("import torch\n", ["imports torch in a solution cell (softmax)"]),
    ("from autograder.reference import softmax_cross_entropy as ref\n",
     ["imports autograder in a solution cell (softmax)"]),
    ("import importlib\ntorch = importlib.import_module('tor' + 'ch')\n", []),
])
def test_solutions_importing_torch_or_autograder_fail_and_literal_imports_are_flagged(tmp_path, imports, flags):
    verdict = grade(tmp_path, "flagged", {"softmax": imports + SOFTMAX_WITHOUT_MAX})
    # the import fails in the sandbox, so the cell defines no softmax: its 3 points are lost
    assert verdict.flags == flags and verdict.score == 18.0
    assert "not available when graded" in by_id(verdict)["test_softmax"].message


def test_magics_and_cells_the_student_added_run_as_in_jupyter(tmp_path):
    softmax = "def softmax(y):\n    return _normalise(np.exp(_shift(y)))"
    notebook = filled_release(RELEASE, SOURCE, {"softmax": softmax})
    imports = next(i for i, c in enumerate(notebook.cells) if c.id == "imports")
    notebook.cells[imports].source = "%matplotlib inline\nimport numpy as np\n!ls"
    helpers = nbformat.v4.new_code_cell("%%time\ndef _shift(y):\n    return y - y.max(axis=1, keepdims=True)\n\n"
                                        "def _normalise(e):\n    return e / e.sum(axis=1, keepdims=True)")
    notebook.cells.insert(imports + 1, helpers)
    verdict = grade(tmp_path, "helper_cells", notebook=notebook)
    assert verdict.score == 21.0 and verdict.flags == []


def _answers_notebook(path: Path, answer: str) -> Path:
    """A two-question notebook: a solution cell setting answers, a test cell checking them."""
    def cell(source, **nbgrader):
        return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"schema_version": 3, "locked": False,
                                                                        "grade": False, "solution": False,
                                                                        **nbgrader}})
    notebook = nbformat.v4.new_notebook(cells=[
        cell(answer, grade_id="answers", solution=True),
        cell("assert answer == 42 and isinstance(answer, int)\nassert np.array_equal(vector, [1, 2])",
             grade_id="test_answers", grade=True, locked=True, points=2),
    ])
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize("answer, score", [
    ("import numpy as np\nanswer, vector = 42, np.array([1, 2])", 2.0),
    ("answer, vector = 42, [1, 2]", 2.0),  # np in the test cell is the source's import, not the student's
    ("import numpy as np\nanswer, vector = 41, np.array([1, 2])", 0.0),
    # objects that claim equality do not cross; names of built-ins and the source's imports cannot be shadowed
    ("class Yes:\n    def __eq__(self, other):\n        return True\nanswer = vector = Yes()", 0.0),
    ("answer, vector = 42.0, [1, 2]\ndef isinstance(obj, cls):\n    return True", 0.0),
    ("answer, vector = 42, [1, 3]\nclass np:\n    array_equal = staticmethod(lambda a, b: True)", 0.0),
])
def test_test_cells_see_the_students_plain_data_only(tmp_path, answer, score):
    source = _answers_notebook(tmp_path / "source.ipynb", "import numpy as np\nanswer = vector = None")
    verdict = grade_notebook(source, _answers_notebook(tmp_path / "answers.ipynb", answer), seed=1, limits=LIMITS)
    assert verdict.status == "graded" and verdict.score == score


def test_a_source_that_uses_torch_itself_does_not_flag_it(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import torch", metadata={"nbgrader": {"grade_id": "model", "solution": True, "grade": False,
                                               "locked": False, "schema_version": 3}})])
    nbformat.write(notebook, tmp_path / "capstone.ipynb")
    assert read_source(tmp_path / "capstone.ipynb").flagged_packages == {"autograder"}
    assert read_source(SOURCE).flagged_packages == {"torch", "autograder"}


def test_each_test_reports_its_progress(tmp_path, monkeypatch):
    sent = []
    monkeypatch.setattr(workers, "_progress_pipe", SimpleNamespace(send=sent.append))
    verdict = grade(tmp_path, "alice")
    total = len(verdict.tests)
    assert sent == [("progress", f"test {i}/{total}") for i in range(1, total + 1)]


def half_done(job: int) -> int:
    report_progress(f"half of {job}")
    return 2 * job


def test_the_pool_hands_each_jobs_progress_to_the_caller():
    seen = []
    with GradingPool(half_done, 2, 30) as pool:
        outcomes = list(pool.run([1, 2, 3], lambda job, text: seen.append((job, text))))
    assert sorted(outcome.result for outcome in outcomes) == [2, 4, 6]
    assert sorted(seen) == [(1, "half of 1"), (2, "half of 2"), (3, "half of 3")]
