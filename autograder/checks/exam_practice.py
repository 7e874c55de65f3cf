"""Checks for the multiple-choice and numeric questions of assignment ``06-exam-practice``.

A student answers question n by assigning a letter in a solution cell: ``answer_<n> = "<letter>"``.
``check_choice_format`` (visible) only checks that the answer is one of the offered letters;
``check_choice_correct`` (hidden) checks it against the correct letter, which the hidden test passes
in. The correct answers are deliberately NOT in this package, which students have installed: they
exist only in the hidden tests of the instructor's notebook, and a failure message never names them.
Numeric questions work alike: ``check_number_format`` (visible) and ``check_number_correct`` (hidden,
within a tolerance the hidden test passes in).
"""
from __future__ import annotations

import numpy as np

from autograder.compare import fail

DEFAULT_OPTIONS = "abcd"


def _letter(answer: object, question: int, options: str) -> str:
    """The answer as one lower-case letter among ``options``, or a failure saying what is expected."""
    name = f"answer_{question}"
    offered = ", ".join(f'"{letter}"' for letter in options)
    # type(...) is str, not isinstance: a str subclass could redefine comparison.
    if type(answer) is not str:
        fail(name, f"must be a string holding one of the letters {offered}; "
                   f"got {type(answer).__name__} {answer!r}.")
    letter = answer.strip().lower()
    if len(letter) != 1 or letter not in options:
        fail(name, f"must be one of the letters {offered}; got {answer!r}.")
    return letter


def check_choice_format(answer: object, question: int, options: str = DEFAULT_OPTIONS) -> None:
    """Visible check: ``answer`` is one of the letters ``options`` offers (case and surrounding spaces
    do not matter). Says nothing about whether it is the correct one."""
    _letter(answer, question, options)


def check_choice_correct(answer: object, question: int, correct: str, options: str = DEFAULT_OPTIONS) -> None:
    """Hidden check: ``answer`` is the letter ``correct``. A wrong answer fails without naming the
    correct letter, so that the feedback does not give the answer away."""
    if len(correct) != 1 or correct not in options:
        raise ValueError(f"question {question}: the correct answer {correct!r} is not one of {options!r}")
    letter = _letter(answer, question, options)
    if letter != correct:
        fail(f"answer_{question}", f'"{letter}" is not the correct answer.')


# --- numeric answers ---------------------------------------------------------------------------------
# A numeric question n is answered by assigning a number: ``answer_<n> = 2.9``. As for the letters, the
# correct value exists only in the hidden test of the instructor's notebook, and a failure never names it.

def _number(answer: object, question: int) -> float:
    """The answer as a finite float, or a failure saying what is expected. Python's int and float and
    numpy's scalar numbers are accepted; bool and subclasses (which could redefine arithmetic) are not."""
    name = f"answer_{question}"
    numpy_scalar = type(answer).__module__ == "numpy" and isinstance(answer, (np.integer, np.floating))
    if type(answer) not in (int, float) and not numpy_scalar:
        fail(name, f"must be a number, such as 0.25; got {type(answer).__name__} {answer!r}.",
             requirement="must be a number, such as 0.25.")
    value = float(answer)
    if not np.isfinite(value):
        fail(name, f"must be a finite number; got {value!r}.", requirement="must be a number, such as 0.25.")
    return value


def check_number_format(answer: object, question: int) -> None:
    """Visible check: ``answer`` is a finite number. Says nothing about whether it is the correct one."""
    _number(answer, question)


def check_number_correct(answer: object, question: int, correct: float, tolerance: float) -> None:
    """Hidden check: ``answer`` is within ``tolerance`` of ``correct`` (the question says to how many
    decimals to answer). A wrong answer fails without naming the correct value."""
    if not tolerance > 0:
        raise ValueError(f"question {question}: the tolerance must be positive, got {tolerance!r}")
    value = _number(answer, question)
    if abs(value - correct) > tolerance:
        fail(f"answer_{question}", f"{value!r} is not the correct value.",
             requirement="the answer is not the correct value.")
