"""The multiple-choice and numeric checks of assignment 06 (exam practice): the visible checks accept exactly
the offered letters or a finite number, the hidden checks exactly the correct letter or a value within the
tolerance, and none gives the answer away."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.exam_practice import (
    check_choice_correct,
    check_choice_format,
    check_number_correct,
    check_number_format,
)
from check_harness import failure_message


class AlwaysEqual(str):
    """A string that claims to equal everything: must not pass for the correct answer."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__


@pytest.mark.parametrize("answer", ["a", "b", "c", "d", "C", " d ", "b\n"])
def test_format_accepts_the_offered_letters(answer):
    check_choice_format(answer, question=3)


@pytest.mark.parametrize("answer, says", [
    ("e", "got 'e'"), ("", "got ''"), ("ab", "got 'ab'"), ("a)", "got 'a)'"), ("(b)", "got '(b)'"),
    (3, "got int 3"), (None, "got NoneType None"), (["a"], "got list"), (b"a", "got bytes"),
    (AlwaysEqual("a"), "got AlwaysEqual"),
])
def test_format_rejects_anything_else(answer, says):
    message = failure_message(check_choice_format, answer, question=3)
    assert message.startswith("answer_3: ")
    assert '"a", "b", "c", "d"' in message and says in message, message


def test_format_follows_the_options_offered():
    check_choice_format("e", question=1, options="abcde")
    assert '"a", "b", "c"' in failure_message(check_choice_format, "d", question=1, options="abc")


@pytest.mark.parametrize("answer", ["c", "C", "  c"])
def test_correct_accepts_the_correct_letter(answer):
    check_choice_correct(answer, question=2, correct="c")


@pytest.mark.parametrize("wrong", ["a", "b", "d", "B"])
def test_correct_rejects_the_other_letters_without_naming_the_answer(wrong):
    message = failure_message(check_choice_correct, wrong, question=2, correct="c")
    assert message == f'answer_2: "{wrong.lower()}" is not the correct answer.'
    assert '"c"' not in message and "'c'" not in message


@pytest.mark.parametrize("answer", ["e", "", "cc", 2, None, AlwaysEqual("c")])
def test_correct_rejects_a_bad_format(answer):
    message = failure_message(check_choice_correct, answer, question=2, correct="c")
    assert "must be" in message, message


def test_a_correct_answer_outside_the_options_is_an_instructor_error():
    with pytest.raises(ValueError, match="not one of"):
        check_choice_correct("a", question=1, correct="e")
    with pytest.raises(ValueError, match="not one of"):
        check_choice_correct("a", question=1, correct="ab")


# === numeric answers ===================================================================================

class AlwaysClose(float):
    """A float that claims every difference from it is 0: must not pass for the correct value."""

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__


@pytest.mark.parametrize("answer", [2.9, 3, -0.5, np.float64(0.833), np.float32(1.5), np.int64(2)])
def test_number_format_accepts_numbers(answer):
    check_number_format(answer, question=9)


@pytest.mark.parametrize("answer, says", [
    ("2.9", "got str '2.9'"), (None, "got NoneType"), (True, "got bool"), ([2.9], "got list"),
    (np.array([2.9]), "got ndarray"), (AlwaysClose(2.9), "got AlwaysClose"), (float("nan"), "finite"),
    (float("inf"), "finite"), (2.9 + 0j, "got complex"),
])
def test_number_format_rejects_anything_else(answer, says):
    message = failure_message(check_number_format, answer, question=9)
    assert message.startswith("answer_9: ") and says in message, message


@pytest.mark.parametrize("answer", [2.9, 2.905, 2.895, np.float64(2.9)])
def test_number_correct_accepts_values_within_the_tolerance(answer):
    check_number_correct(answer, question=9, correct=2.9, tolerance=0.01)


@pytest.mark.parametrize("wrong", [2.0, 3.0, -2.9, 2.92, 0.0])
def test_number_correct_rejects_other_values_without_naming_the_answer(wrong):
    message = failure_message(check_number_correct, wrong, question=9, correct=2.9, tolerance=0.01)
    assert message == f"answer_9: {wrong!r} is not the correct value."
    assert "2.9" not in message.replace(repr(wrong), "")


@pytest.mark.parametrize("answer", ["2.9", AlwaysClose(0.0), float("nan"), None])
def test_number_correct_rejects_a_bad_format(answer):
    message = failure_message(check_number_correct, answer, question=9, correct=2.9, tolerance=0.01)
    assert "must be" in message, message


def test_a_tolerance_that_is_not_positive_is_an_instructor_error():
    with pytest.raises(ValueError, match="tolerance"):
        check_number_correct(2.9, question=9, correct=2.9, tolerance=0)
