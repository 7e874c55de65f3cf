"""The multiple-choice checks of assignment 06 (exam practice): the visible check accepts exactly the
offered letters, the hidden check accepts exactly the correct one, and neither gives the answer away."""
from __future__ import annotations

import pytest

from autograder.checks.exam_practice import check_choice_correct, check_choice_format
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
