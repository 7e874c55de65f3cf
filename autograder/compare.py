"""Compare what a student's function returned with a reference, and explain any difference.

Every check in the course fails through :class:`CheckFailure` with a message that says, in plain words,
what was expected, what came back and where (shape, first mismatching index, relative error), and, when
the wrong result matches one of the known mistakes handed in, names the mistake and gives its hint.

A failure also carries, apart, the mistake the check recognised (only ever from its own comparison of
the result with the known mistakes' results) and the failed requirement in the grader's own words
(``requirement``): nothing the student's function chose (its values, shapes, types, messages), which
is all a hidden test may show, since the function chose those after seeing the hidden input.

Calling the student's function (crashes, inputs that must stay unchanged, the reference's helpers in
place of the student's) is :mod:`autograder.student_calls`.
"""
from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from autograder.hints import HINTS

# What a hidden test says when the check gave no requirement words of its own.
UNSPECIFIED_REQUIREMENT = "the result is not what this check requires (details are shown on visible tests only)."


class CheckFailure(AssertionError):
    """A student's function gave a wrong result; the message explains how.

    what: the check, in the grader's words (e.g. ``"softmax(y) on huge logits"``).
    problem: what went wrong, quoting what the function did (values, shapes, its exception's message).
    mistake: the known mistake (a key of ``HINTS``) the check's own comparison recognised, or None.
    requirement: the same failure without anything the function chose (``UNSPECIFIED_REQUIREMENT``
        when the check gave none).
    """

    def __init__(self, what: str, problem: str, mistake: str | None = None, requirement: str | None = None):
        message = f"{what}: {problem}"
        if mistake is not None:
            message += f"\nLikely mistake: {mistake}. {HINTS[mistake]}"
        super().__init__(message)
        self.what, self.problem, self.mistake = what, problem, mistake
        self.requirement = requirement or UNSPECIFIED_REQUIREMENT

    def __reduce__(self):  # pickled with its parts, not only the message
        return CheckFailure, (self.what, self.problem, self.mistake, self.requirement)

    def _render_traceback_(self) -> list[str]:
        """How IPython shows this failure in Jupyter, and so in nbgrader's Validate dialog and
        ``nbgrader validate``, which print a cell's error output: the message alone, without the
        traceback through the checks (the student's own line is in the message when their function
        raised). See :func:`rendered_lines`."""
        return rendered_lines(self.what, str(self).removeprefix(f"{self.what}: "))


# The longest line a rendered failure has: nbgrader validate indents each line by 4 and cuts it at 87.
RENDERED_WIDTH = 80
_RED, _BOLD, _RESET = "\x1b[31m", "\x1b[1m", "\x1b[0m"  # ANSI colours; Jupyter renders, nbgrader strips them
RENDERED_HEADING = "Check failed:"


def rendered_lines(what: str, details: str) -> list[str]:
    """A failed check's output: the red heading RENDERED_HEADING and ``what`` was checked, then the
    ``details`` (what differs, where, the likely mistake), every line wrapped to RENDERED_WIDTH
    characters (continuations indented two more spaces than their line), so that no tool cuts off the
    likely mistake at the end."""
    heading, *rest = textwrap.wrap(f"{RENDERED_HEADING} {what}", RENDERED_WIDTH, subsequent_indent="  ",
                                   break_on_hyphens=False)
    lines = [f"{_RED}{_BOLD}{RENDERED_HEADING}{_RESET}{heading[len(RENDERED_HEADING):]}", *rest]
    for line in details.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        lines += textwrap.wrap(line, RENDERED_WIDTH, subsequent_indent=indent + "  ",
                               break_long_words=True, break_on_hyphens=False) or [""]
    return lines


def number(value: Any) -> str:
    """A number as a reader writes it: ``0.1384...`` or ``3``, never numpy's ``np.float64(...)`` repr.
    Floats keep every digit Python needs to tell them apart (``repr`` of a Python float)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def distinct_numbers(expected: float, got: float) -> tuple[str, str]:
    """Two floats written with as few significant digits (6, 10, then all) as tell them apart."""
    for digits in (6, 10):
        pair = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if pair[0] != pair[1]:
            return pair
    return repr(float(expected)), repr(float(got))


def fail(what: str, problem: str, mistake: str | None = None, requirement: str | None = None) -> None:
    """Raise :class:`CheckFailure` for ``what`` (e.g. ``"softmax(y) on huge logits"``); see there."""
    raise CheckFailure(what, problem, mistake, requirement)


NOT_NUMBERS = "did not return an array of numbers."


def returned_tuple(result: Any, names: Sequence[str], what: str) -> tuple:
    """``result`` as a tuple when it is a tuple or list of one value per name in ``names`` (e.g.
    ``("loss", "dW", "db")``), else a failure saying what was expected and what came back."""
    if isinstance(result, (tuple, list)) and len(result) == len(names):
        return tuple(result)
    expected = f"must return a tuple ({', '.join(names)})"
    got = type(result).__name__
    if result is None:
        got += ": it returned None. Did the function forget its `return` statement?"
    elif isinstance(result, (tuple, list)):
        got += f" of length {len(result)}"
    elif isinstance(result, np.ndarray):
        got += f" of shape {result.shape}"
    fail(what, f"{expected}; got {got}" + ("" if got.endswith("?") else "."), requirement=f"{expected}.")


def returned_arrays(result: Any, names: Sequence[str], shape: tuple[int, ...], what: str) -> list[np.ndarray]:
    """What a student's function returned, as float64 copies (later calls cannot change them): one array
    when ``names`` holds one name, else a tuple with one array per name (e.g. ``("param", "velocity")``),
    each of ``shape``; anything else fails, naming the value that is wrong (``"<what>, velocity"``)."""
    values = (result,) if len(names) == 1 else returned_tuple(result, names, what)
    arrays = []
    for name, value in zip(names, values):
        label = f"{what}, {name}" if len(names) > 1 else what
        array = as_numeric_array(value, label)
        assert_shape(array, shape, label)
        arrays.append(np.array(array, dtype=np.float64))
    return arrays


def as_numeric_array(value: Any, what: str) -> np.ndarray:
    """Convert a student's return value to an ndarray of numbers, or fail saying why it is not one."""
    if value is None:
        none = "returned None. Did the function forget its `return` statement?"
        fail(what, none, requirement=none)
    if isinstance(value, (tuple, list)) and len(value) and isinstance(value[0], np.ndarray):
        fail(what, f"returned a {type(value).__name__} of arrays where one array was expected.",
             requirement="returned several arrays where one array was expected.")
    try:
        array = np.asarray(value)
    except Exception as error:  # a ragged list, an object that refuses conversion, ...
        fail(what, f"returned {type(value).__name__}, which is not an array of numbers ({error}).",
             requirement=NOT_NUMBERS)
    if array.dtype.kind not in "biuf":
        fail(what, f"returned an array of dtype {array.dtype}; expected numbers.", requirement=NOT_NUMBERS)
    return array


def assert_shape(actual: np.ndarray, shape: tuple[int, ...], what: str,
                 mistakes: Mapping[str, np.ndarray] | None = None) -> None:
    """Fail unless ``actual.shape == shape``; a shape matching a known mistake's result names it."""
    if actual.shape == tuple(shape):
        return
    mistake = next((name for name, wrong in (mistakes or {}).items()
                    if np.shape(wrong) == actual.shape), None)
    fail(what, f"expected an array of shape {tuple(shape)}, got shape {actual.shape}.", mistake,
         f"expected an array of shape {tuple(shape)}; the result has another shape.")


def assert_floating(actual: np.ndarray, what: str, at_least: np.dtype | None = None) -> None:
    """Fail unless ``actual`` has a floating dtype (and, with ``at_least``, no less precision)."""
    if actual.dtype.kind != "f":
        fail(what, f"returned dtype {actual.dtype}; expected floating-point numbers.",
             "integer-output", "returned integers or booleans; expected floating-point numbers.")
    if at_least is not None and actual.dtype.itemsize < np.dtype(at_least).itemsize:
        fail(what, f"returned dtype {actual.dtype} for {np.dtype(at_least)} input; "
                   "the computation lost precision.",
             requirement=f"returned a less precise floating-point type than its {np.dtype(at_least)} input.")


def assert_close(actual: Any, expected: Any, what: str, *, rtol: float = 1e-7, atol: float = 1e-10,
                 mistakes: Mapping[str, Any] | None = None, if_not_finite: str | None = None) -> np.ndarray:
    """Fail unless ``actual`` equals ``expected`` within ``rtol``/``atol``, elementwise.

    actual: what the student's function returned (array-like, any shape).
    expected: the reference result (array-like); its shape is the one required.
    mistakes: known-mistake name (a key of ``HINTS``) -> the result that mistake would give on the
        same input; the first one the wrong result matches (NaNs matching NaNs) is named in the message.
    if_not_finite: the mistake to name when the result holds NaN or infinity where the reference is
        finite, before ``mistakes`` are compared: for a fixed input on which that mistake is the only
        known one that overflows or underflows (e.g. rows at very different scales, where only a
        shift by the batch's maximum instead of each row's gives NaN).
    Returns ``actual`` as an ndarray.
    """
    expected = np.asarray(expected, dtype=np.float64)
    actual = as_numeric_array(actual, what)
    mistakes = {name: np.asarray(wrong, dtype=np.float64) for name, wrong in (mistakes or {}).items()}
    assert_shape(actual, expected.shape, what, mistakes)
    actual64 = actual.astype(np.float64)
    bad = ~np.isclose(actual64, expected, rtol=rtol, atol=atol)
    if not bad.any():
        return actual
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f" at index {index}" if index else ""
    with np.errstate(all="ignore"):
        abs_err = np.abs(actual64 - expected)
        rel_err = np.nanmax(np.where(np.isfinite(abs_err), abs_err / (np.abs(expected) + atol), np.inf))
    shown_expected, shown_got = distinct_numbers(float(expected[index]), float(actual64[index]))
    problem = (f"values differ from the reference in {int(bad.sum())} of {bad.size} entries.\n"
               f"  first mismatch{where}: expected {shown_expected}, got {shown_got}\n"
               f"  largest relative error: {rel_err:.3g} (tolerance rtol={rtol:g}, atol={atol:g})")
    requirement = "values differ from the reference."
    not_finite = not np.isfinite(actual64).all() and np.isfinite(expected).all()
    if not_finite:
        problem += "\n  the result contains NaN or infinity where the reference is finite"
        requirement = "values differ from the reference: the result holds NaN or infinity where it is finite."
    if not_finite and if_not_finite is not None:
        fail(what, problem, if_not_finite, requirement)
    mistake = next((name for name, wrong in mistakes.items() if wrong.shape == actual.shape
                    and np.allclose(actual64, wrong, rtol=max(rtol, 1e-6), atol=max(atol, 1e-9),
                                    equal_nan=True)), None)
    fail(what, problem, mistake, requirement)


def assert_trajectory(actual: Any, expected: Any, what: str,
                      mistakes: Callable[[], Mapping[str, Any]] = dict, *, rtol: float) -> None:
    """Fail unless ``actual`` equals ``expected`` to ``rtol`` relative to the largest entry of ``expected``.

    For results of many steps, such as an optimizer's trajectory (T, ...) whose row k is the state after
    k steps, or the parameters after an epoch of training: rounding grows with the steps, so every entry
    is held to the same absolute tolerance. The failure names the first differing entry (in a trajectory,
    its row is the first step that differs).
    mistakes: returns {known mistake (a key of ``HINTS``): the result that mistake gives}; called only
        when the comparison fails, as each of those results costs a run.
    """
    atol = rtol * (float(np.max(np.abs(expected), initial=0.0)) or 1.0)
    try:
        assert_close(actual, expected, what, rtol=rtol, atol=atol)
        return
    except CheckFailure:
        pass
    # outside the except block: the failure that names the mistake is raised alone, not chained to the first
    assert_close(actual, expected, what, rtol=rtol, atol=atol, mistakes=mistakes())


def assert_unchanged(original: np.ndarray, after: np.ndarray, what: str) -> None:
    """Fail if the student's function modified an input array in place (rounding-level changes from
    restoring a perturbed entry arithmetically are tolerated)."""
    if np.array_equal(after, original, equal_nan=True):  # the usual case, told faster than by allclose
        return
    if after.shape != original.shape or not np.allclose(after, original, rtol=1e-12, atol=1e-15,
                                                        equal_nan=True):
        fail(what, "modified its input array in place.", "modified-input", "modified its input array in place.")
