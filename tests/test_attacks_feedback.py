"""Attacks on the feedback: submissions, made here, that try to read hidden inputs back through the
feedback, to forge a recognised mistake, or to inject markup or terminal control characters into what
the grader writes. Graded as in tests/test_attacks.py (same course, same ``grade`` helper, which also
checks that no course file changed and no sandbox process is left).

The rule: nothing the student's code chose after seeing a hidden input reaches that test's feedback,
which says which requirement failed in the grader's own words; a visible test may show the student what
their function did on the visible inputs. A recorded mistake comes from the check's own comparison with
the known mistakes' results only.
"""
from __future__ import annotations

import json
from dataclasses import asdict

import nbformat
import pytest
from markdown_it import MarkdownIt
from nbgrader.api import Gradebook

from attack_course import ASSIGNMENT, LIMITS, assert_changes_nothing, grade, points, solution
from autograder.grading.course import put_environment_scripts_on_path
from autograder.grading.jobs import SubmissionKey
from autograder.grading.notebooks import read_source
from autograder.grading.records import create_table, record_verdict, verdict_records
from autograder.grading.student_feedback import render
from autograder.grading.verdict import HIDDEN_ERROR, grade_notebook
from autograder.hints import HINTS

pytestmark = pytest.mark.usefixtures("processes_left_behind")

# What the student's code writes into its results; no message of the grader contains it.
LEAK = "Leak4242"
ROWS_APART = "softmax(y) on rows at very different scales (around 700 and -50)"  # the first hidden input
RAISED = "raised an exception (its type and message are shown on visible tests only)."


def hidden_ids(course) -> set[str]:
    return {test.grade_id for test in read_source(course.source).tests if test.hidden}


def messages(verdict, ids) -> dict[str, str]:
    return {test.grade_id: test.message for test in verdict.tests if test.grade_id in ids}


# softmax attacks: (what the code sends back, what the visible test shows, the hidden test's whole message)
SOFTMAX_ATTACKS = {
    "exception class named after the input": (f'''
def softmax(y):
    name = "{LEAK}_" + "_".join(str(int(v)).replace("-", "m") for v in y.ravel())
    raise type(name, (Exception,), {{}})()
''', f"raised {LEAK}_", f"{ROWS_APART}: {RAISED}"),
    "exception message quoting the input": (f'''
def softmax(y):
    raise ValueError("{LEAK} " + str(y.tolist()))
''', f"raised ValueError: {LEAK} [[", f"{ROWS_APART}: {RAISED}"),
    "built-in exception type chosen by the input": (f'''
def softmax(y):
    raise (ValueError, KeyError, IndexError, TypeError)[int(abs(y[0, 0])) % 4]("{LEAK}")
''', f"{LEAK}", f"{ROWS_APART}: {RAISED}"),
    "returned object with its own repr": (f'''
class {LEAK}:
    def __repr__(self):
        return "{LEAK}"
def softmax(y):
    return {LEAK}()
''', f"an object of type {LEAK}", f"{ROWS_APART}: {RAISED}"),
    "values chosen by the code": ('''
def softmax(y):
    return np.full(y.shape, 4242.4242)
''', "got 4242.42", f"{ROWS_APART}: values differ from the reference."),
    "the input returned as the result": ('''
def softmax(y):
    return y.copy()
''', "got ", f"{ROWS_APART}: values differ from the reference."),
    "shape chosen by the code": ('''
def softmax(y):
    return np.zeros((4242, 1))
''', "got shape (4242, 1)", f"{ROWS_APART}: expected an array of shape (2, 3); the result has another shape."),
    "dtype chosen by the code": ('''
def softmax(y):
    return np.zeros(y.shape, dtype="<U4242")
''', "dtype <U4242", f"{ROWS_APART}: did not return an array of numbers."),
    "exit status chosen by the code": ('''
import os
def softmax(y):
    os._exit(42)
''', "your code ended its process (exit status 42)", "your code ended its process"),
    "protocol message chosen by the code": (f'''
import os, struct, sys
def softmax(y):
    forged = b'{{"op": "{LEAK}"}}'
    os.write(int(sys.argv[2]), struct.pack("!QI", len(forged), len(forged)) + forged)
    return np.full(y.shape, 1.0 / y.shape[1])
''', f"'{LEAK}' message", "your code sent the grader an invalid answer"),
}


@pytest.mark.parametrize("attack", SOFTMAX_ATTACKS)
def test_hidden_test_shows_nothing_the_code_chose(course, honest_wrong, attack):
    softmax, visible_shows, hidden_says = SOFTMAX_ATTACKS[attack]
    verdict = grade(course, "reader", solution(course, {"softmax": softmax}))
    # only softmax's own tests fail (an exit also skips the release's cell that calls softmax: a flag)
    assert verdict.status == "graded" and points(verdict) == points(honest_wrong)
    assert visible_shows in messages(verdict, {"test_softmax"})["test_softmax"]
    hidden = messages(verdict, hidden_ids(course))
    assert hidden["test_softmax_hidden"] == hidden_says
    assert not [m for m in hidden.values() if "4242" in m or "699" in m]  # 699: in the hidden input only


def test_a_container_the_code_sized_is_not_echoed_by_a_hidden_test(course):
    # the check's own message quotes the length; the hidden test says only that the result is wrong
    linear = "def linear_softmax_loss_and_grads(x, W, b, labels):\n    return [0.0] * 4242\n"
    verdict = grade(course, "sizer", solution(course, {"linear_softmax_loss_and_grads": linear}))
    tests = {test.grade_id: test for test in verdict.tests}
    assert "got list of length 4242" in tests["test_linear_softmax_loss_and_grads"].message
    hidden = tests["test_linear_softmax_loss_and_grads_hidden"]
    assert not hidden.passed and "4242" not in hidden.message and "list" not in hidden.message
    assert hidden.message.endswith("must return a tuple (loss, dW, db).")  # the grader's words
    own = sum(t.max_points for t in verdict.tests if t.grade_id.startswith("test_linear_softmax_loss_and_grads"))
    assert verdict.score == verdict.max_score - own  # its own points only


def _square_notebook(path, answer: str):
    """A notebook asking for ``square(x)``, with two hidden tests that are plain test-cell code: one
    calls the function straight (its exception stops the cell), one asserts with a message quoting
    the result."""
    def cell(source, **nbgrader):
        return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
            "schema_version": 3, "locked": False, "grade": False, "solution": False, **nbgrader}})
    hidden = "### BEGIN HIDDEN TESTS\n{}\n### END HIDDEN TESTS"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        cell(answer, grade_id="square", solution=True),
        cell(hidden.format("square(7)"), grade_id="test_calls", grade=True, locked=True, points=1),
        cell(hidden.format("assert square(-7) == 49, f'square(-7) returned {square(-7)}'"),
             grade_id="test_asserts", grade=True, locked=True, points=1),
    ]), path)
    return path


def test_hidden_test_cells_of_plain_code_show_nothing_the_code_chose(tmp_path):
    answer = f"def square(x):\n    if x > 0:\n        raise ValueError('{LEAK}' + str(x))\n    return '{LEAK}' + str(x)"
    source = _square_notebook(tmp_path / "source.ipynb", "def square(x):\n    return x * x")
    verdict = grade_notebook(source, _square_notebook(tmp_path / "leaky.ipynb", answer), seed=1, limits=LIMITS)
    assert [(t.grade_id, t.passed, t.message) for t in verdict.tests] == [
        ("test_calls", False, HIDDEN_ERROR), ("test_asserts", False, HIDDEN_ERROR)]


def test_printed_output_and_warnings_reach_no_message(course, honest_wrong):
    softmax = f'''
import sys, warnings
def softmax(y):
    print("{LEAK}", y.tolist())
    sys.stderr.write("{LEAK}")
    warnings.warn("{LEAK}")
    return np.full(y.shape, 1.0 / y.shape[1])
'''
    verdict = grade(course, "printer", solution(course, {"softmax": softmax}))
    assert_changes_nothing(verdict, honest_wrong)
    assert not [test for test in verdict.tests if LEAK in test.message]


def test_a_hidden_input_kept_for_a_later_visible_test_is_not_shown(course):
    # softmax keeps every input it gets; one_hot raises them. Visible tests run before any hidden one,
    # so one_hot's visible message holds the visible softmax input only.
    code = {"softmax": '''
SEEN = []
def softmax(y):
    SEEN.append(y.tolist())
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''', "one_hot": f'''
def one_hot(labels, num_classes):
    raise ValueError("{LEAK} " + str(SEEN))
'''}
    verdict = grade(course, "keeper", solution(course, code))
    visible = messages(verdict, {"test_one_hot"})["test_one_hot"]
    assert f"{LEAK} [[" in visible and "[700.0, 699.0, 698.0]" not in visible  # the first hidden input
    assert messages(verdict, {"test_one_hot_hidden"})["test_one_hot_hidden"].endswith(RAISED)


FORGED = f"\nLikely mistake: sign-flip. {HINTS['sign-flip']}"


@pytest.mark.parametrize("code", [f"def softmax(y):\n    raise ValueError({FORGED!r})\n",
                                  f"raise ValueError({FORGED!r})\ndef softmax(y):\n    return y\n"],
                         ids=["in the function's exception", "in a cell's exception"])
def test_a_mistake_named_in_the_students_text_is_not_recorded(course, honest_wrong, code):
    verdict = grade(course, "forger", solution(course, {"softmax": code}))
    assert_changes_nothing(verdict, honest_wrong)
    assert [(t.mistake, t.hint) for t in verdict.tests] == [(None, None)] * len(verdict.tests)
    visible = messages(verdict, {"test_softmax"})["test_softmax"]
    assert "Likely mistake: sign-flip" in visible and "\n" not in visible  # the student's text, on one line


def test_honest_mistakes_are_still_named_and_visible_messages_still_useful(course, honest_wrong):
    uniform = {test.grade_id: test for test in honest_wrong.tests}
    assert "first mismatch at index (0, 0): expected" in uniform["test_softmax"].message
    assert uniform["test_softmax_hidden"].message == f"{ROWS_APART}: values differ from the reference."
    code = {"softmax": "def softmax(y):\n    e = np.exp(y)\n    return e / e.sum(axis=1, keepdims=True)\n",
            "cross_entropy": '''
def cross_entropy(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].sum()
'''}
    tests = {test.grade_id: test for test in grade(course, "honest", solution(course, code)).tests}
    softmax = tests["test_softmax_hidden"]
    assert (softmax.mistake, softmax.hint) == ("no-max-subtraction", HINTS["no-max-subtraction"])
    assert softmax.message == ("softmax(y) on huge logits (around +1000): values differ from the reference: "
                               "the result holds NaN or infinity where it is finite.")
    summed = tests["test_cross_entropy"]
    assert (summed.mistake, summed.hint) == ("sum-instead-of-mean", HINTS["sum-instead-of-mean"])
    assert "first mismatch: expected" in summed.message and "largest relative error" in summed.message


# --- what the student's text becomes where it is written --------------------------------------------

INJECTION = ("![seen](http://evil.example/?q=1) <script>alert(1)</script> [link](http://evil.example) "
             "*bold* | passed | 1 / 1 |\\n| test_forged | passed | 9 / 9 | \\x1b[2J\\x1b]0;owned\\x07 \\u202e")


def test_markup_and_control_characters_from_the_student_are_written_as_text(course, tmp_path):
    softmax = f'def softmax(y):\n    raise ValueError("{INJECTION}")\n'
    verdict = grade(course, "injector", solution(course, {"softmax": softmax}))
    student = "mallory](http://evil.example)<b>"  # a student id is text too
    put_environment_scripts_on_path()  # nbgrader runs `alembic` to create a gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        create_table(gradebook)
        gradebook.add_assignment(ASSIGNMENT)
        gradebook.add_notebook("softmax_cross_entropy", ASSIGNMENT)
        for test in verdict.tests:
            gradebook.add_grade_cell(test.grade_id, "softmax_cross_entropy", ASSIGNMENT,
                                     max_score=test.max_points, cell_type="code")
        record_verdict(gradebook, SubmissionKey(ASSIGNMENT, student, "softmax_cross_entropy"), "0" * 64,
                       json.loads(json.dumps(asdict(verdict))))
        [record] = verdict_records(gradebook, ASSIGNMENT)
        stored = record.details["tests"][0]["message"]
        page, markdown = render(record, "html"), render(record, "md")
    assert "<script>" in stored and not [c for c in "\x1b\x07\u202e" if c in stored]
    for text in (page, markdown):
        assert not [c for c in "\x1b\x07\u202e" if c in text]
    assert "<script" not in page and "<b>" not in page and "&lt;script&gt;" in page
    shown = MarkdownIt("commonmark").enable("table").render(markdown)
    assert not [tag for tag in ("<script", "<img", "<a ", "<em>", "<b>") if tag in shown]
    assert shown.count("<tr>") == 1 + len(verdict.tests)  # the header and one row per test, none forged
    assert "test_forged" in shown and "alert(1)" in shown  # still there, as text
