"""A failed check shows only its message in Jupyter: what was called, what differs, where, the likely
mistake; no traceback through the checks, no chained exceptions, numbers written as numbers.

IPython lets an exception render itself (``_render_traceback_``); nbgrader's Validate dialog and
``nbgrader validate`` print the same lines, each cut at 87 characters, so no rendered line is longer
than RENDERED_WIDTH.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

from autograder.checks import optimizers, softmax_cross_entropy
from autograder.compare import RENDERED_HEADING, RENDERED_WIDTH, CheckFailure, distinct_numbers, number, rendered_lines
from autograder.hints import HINTS
from check_harness import failure_message

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failure(check, *args) -> CheckFailure:
    with pytest.raises(CheckFailure) as info:
        check(*args)
    return info.value


def softmax_no_max_subtraction(y):
    e = np.exp(y)
    return e / e.sum(axis=1, keepdims=True)


def softmax_broadcast_error(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def not_implemented(y):
    raise NotImplementedError()


def sgd_step_ascent(param, grad, lr):
    return param + lr * grad


# === the rendering ==================================================================================

def test_a_check_failure_renders_itself_as_a_heading_and_its_message_wrapped_without_losing_a_word():
    error = failure(softmax_cross_entropy.check_softmax, softmax_no_max_subtraction)
    lines = [ANSI.sub("", line) for line in error._render_traceback_()]
    assert lines[0] == f"{RENDERED_HEADING} softmax(y) on huge logits (around +900)"
    assert lines[1].startswith("values differ from the reference")
    assert max(map(len, lines)) <= RENDERED_WIDTH
    details = str(error).removeprefix(f"{error.what}: ")
    assert " ".join(lines).split() == f"{RENDERED_HEADING} {error.what} {details}".split()
    assert f"Likely mistake: no-max-subtraction. {HINTS['no-max-subtraction']}" in " ".join(" ".join(lines).split())


def test_long_lines_are_wrapped_with_an_indent():
    lines = [ANSI.sub("", line) for line in rendered_lines("f(x) " + "on a long input " * 8, "word " * 40)]
    assert max(map(len, lines)) <= RENDERED_WIDTH
    assert lines[1].startswith("  ") and lines[2].startswith("word") and lines[3].startswith("  word"), lines


@pytest.fixture
def shell(capsys):
    """IPython's shell, as a Jupyter kernel runs cells (its output captured by capsys)."""
    shell = InteractiveShell.instance()
    shell.colors = "nocolor"
    yield shell
    InteractiveShell.clear_instance()


def run_cell(shell, capsys, source: str) -> str:
    shell.run_cell(source)
    captured = capsys.readouterr()
    return ANSI.sub("", captured.out + captured.err)


@pytest.mark.parametrize("student, says", [
    pytest.param(softmax_no_max_subtraction, "Likely mistake: no-max-subtraction.", id="wrong-values"),
    pytest.param(not_implemented, "is not implemented yet (it raised NotImplementedError).",
                 id="not-implemented"),
    pytest.param(softmax_broadcast_error, "raised ValueError: operands could not be broadcast",
                 id="raises-ValueError"),
])
def test_a_failing_check_in_ipython_shows_the_message_and_no_traceback(shell, capsys, student, says):
    shell.user_ns.update(softmax=student, check_softmax=softmax_cross_entropy.check_softmax)
    output = run_cell(shell, capsys, "check_softmax(softmax)")
    assert says in " ".join(output.split()), output
    for traceback_words in ("Traceback", "compare.py", "During handling", "File ", "---->"):
        assert traceback_words not in output, output
    assert len(output.strip().splitlines()) <= 12, output
    assert output.strip().splitlines()[0].startswith(f"{RENDERED_HEADING} softmax(y) on ")


def test_other_errors_in_ipython_keep_their_traceback(shell, capsys):
    output = run_cell(shell, capsys, "1 / 0")
    assert "ZeroDivisionError" in output and "Traceback" in output


# === no chained exceptions; the student's own line ===================================================

def test_not_implemented_is_not_chained():
    error = failure(softmax_cross_entropy.check_softmax, not_implemented)
    assert error.__cause__ is None and error.__suppress_context__


def test_an_exception_of_the_students_function_names_its_line():
    message = failure_message(softmax_cross_entropy.check_softmax, softmax_broadcast_error)
    assert "raised ValueError: operands could not be broadcast" in message
    assert "in softmax_broadcast_error, line" in message and "return e / e.sum(axis=1)" in message


def test_an_optimizer_failure_is_raised_once_not_chained_to_a_first_comparison():
    error = failure(optimizers.check_sgd_step, sgd_step_ascent)
    assert "Likely mistake: gradient-ascent." in str(error)
    assert error.__context__ is None or error.__suppress_context__


# === numbers as numbers ==============================================================================

def test_numbers_are_written_as_numbers():
    assert number(np.float64(0.1384)) == "0.1384"
    assert number(np.int64(7)) == "7" and number(np.bool_(True)) == "True"
    assert distinct_numbers(0.13846668473420198, 0.5160525741717457) == ("0.138467", "0.516053")
    assert distinct_numbers(1.0, 1.0 + 1e-8) == ("1", "1.00000001")
    assert len(set(distinct_numbers(1.0, 1.0 + 1e-15))) == 2


def test_a_mismatch_quotes_plain_numbers():
    message = failure_message(softmax_cross_entropy.check_softmax, lambda y: np.full(y.shape, 0.2))
    assert "np." not in message
    assert re.search(r"expected 0\.\d{1,6}, got 0\.2\b", message), message
