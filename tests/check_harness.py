"""Shared helpers of the tests that show each check passing on right code and failing on wrong code."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from autograder.assignments import Assignment
from autograder.compare import CheckFailure
from autograder.hints import HINTS

PASSES = "passes"        # expected outcome of a check: it passes
ANY_OR_NO_MISTAKE = ...  # the message may or may not name a mistake


# numpy 2's repr of a scalar, e.g. np.float64(0.1384): a message writes numbers as numbers
NUMPY_SCALAR_REPR = re.compile(r"np\.(float|int|uint|bool|complex|str)\w*\(")


def failure_message(check: Callable, *args, **kwargs) -> str:
    """The message of the CheckFailure that ``check(*args, **kwargs)`` must raise (which must write
    its numbers as numbers, not as numpy reprs)."""
    with pytest.raises(CheckFailure) as info:
        check(*args, **kwargs)
    message = str(info.value)
    assert not NUMPY_SCALAR_REPR.search(message), message
    return message


def assert_names(message: str, mistake) -> None:
    """``mistake``: a HINTS key that must be named, None (no mistake may be named) or ANY_OR_NO_MISTAKE."""
    if mistake is ANY_OR_NO_MISTAKE:
        return
    if mistake is None:
        assert "Likely mistake" not in message, message
    else:
        assert mistake in HINTS
        assert f"Likely mistake: {mistake}. {HINTS[mistake]}" in message, message


OTHER_SEEDS = (0, 175)  # the hidden-test seeds tried besides the notebook's, unless a topic says otherwise
EVERY_SEED = range(200)  # the seeds the every-seed tests try: a mistake must not escape for any student


class TopicChecks:
    """The visible and hidden checks of one assignment; a hidden check's seed defaults to the one its
    hidden-test cell passes in the solution notebook, as the registry reads it."""

    def __init__(self, assignment: Assignment):
        self.checks = assignment.checks
        self.seeds = {name: assignment.exercise(name).seed for name in assignment.exercises}

    def visible(self, name: str) -> Callable:
        return lambda *functions: getattr(self.checks, f"check_{name}")(*functions)

    def hidden(self, name: str, seed: int | None = None) -> Callable:
        seed = self.seeds[name] if seed is None else seed
        return lambda *functions: getattr(self.checks, f"check_{name}_edge_cases")(*functions, seed)


# --- functions broken in ways that have nothing to do with the maths -----------------------------

def returns_none(*args, **kwargs):
    result = np.zeros(3)  # computed, but forgot to return it  # noqa: F841


def not_implemented(*args, **kwargs):
    raise NotImplementedError


def returns_strings(*args, **kwargs):
    return ["not", "a", "number"]


# (broken function, what the failure message must say)
BROKEN = [
    pytest.param(returns_none, "None", id="returns-None"),
    pytest.param(not_implemented, "not implemented", id="raises-NotImplementedError"),
    pytest.param(returns_strings, "expected numbers", id="returns-list-of-strings"),
]


# --- what a check must do on a wrong implementation ----------------------------------------------

@dataclass(frozen=True)
class Expect:
    """A check's expected failure: the message names ``mistake`` (a HINTS key; None: names none;
    ANY_OR_NO_MISTAKE: either) and contains ``says``."""
    mistake: object = None
    says: str = ""


def fails(mistake=None, says="") -> Expect:
    return Expect(mistake, says)


def case(name, wrong, visible, hidden, id):
    """One wrong implementation of function ``name``: what its visible check does (PASSES or an
    Expect) and how its hidden check fails."""
    return pytest.param(name, wrong, visible, hidden, id=id)


def visible_passes(wrong_cases) -> list[str]:
    """The ids of the wrong implementations (``case`` params) whose visible check is expected to pass."""
    return [case.id for case in wrong_cases if case.values[2] is PASSES]


def assert_fails_as(check: Callable, expected: Expect, *functions) -> None:
    message = failure_message(check, *functions)
    assert_names(message, expected.mistake)
    assert expected.says in message, message


def assert_outcome(check: Callable, expected, *functions) -> None:
    """``check(*functions)`` passes when ``expected`` is PASSES, else fails as ``expected`` says."""
    if expected is PASSES:  # the mistake only shows on edge cases
        check(*functions)
    else:
        assert_fails_as(check, expected, *functions)


def assert_fails_for_every_seed(hidden: Callable[[int], Callable], expected: Expect, *functions) -> None:
    """``hidden(seed)(*functions)`` fails for every seed of EVERY_SEED, naming the same mistake as
    ``expected`` (its ``says`` may quote the random inputs, so it is not compared)."""
    for seed in EVERY_SEED:
        try:
            message = failure_message(hidden(seed), *functions)
            assert_names(message, expected.mistake)
        except BaseException as error:
            raise AssertionError(f"seed {seed}: {error}") from None
